"""The shipped texts: every event × channel × language, and they all work."""

import pytest
from django.conf import settings

from messaging.defaults import DEFAULT_CHANNELS, DEFAULT_TEMPLATES
from messaging.forms import render_sample
from messaging.models import Channel, ChannelRule, Event, Language, MessageTemplate
from messaging.rendering import Texts
from messaging.sms import sms_segments

COMBINATIONS = [
    (event, channel, language)
    for event in Event.values
    for channel in Channel.values
    for language in Language.values
]


def test_every_combination_ships_with_a_text():
    assert set(DEFAULT_TEMPLATES) == set(COMBINATIONS)
    assert set(DEFAULT_CHANNELS) == set(Event.values)


@pytest.mark.django_db
def test_the_migration_wrote_every_text_and_rule():
    rows = set(MessageTemplate.objects.values_list("event", "channel", "language"))
    assert rows == set(COMBINATIONS)
    assert ChannelRule.objects.count() == len(Event.values)


@pytest.mark.django_db
@pytest.mark.parametrize(("event", "channel", "language"), COMBINATIONS)
def test_each_shipped_text_renders_and_an_sms_fits(event, channel, language):
    text = DEFAULT_TEMPLATES[(event, channel, language)]
    rendered = render_sample(
        Texts(text.subject, text.body), channel=channel, language=language
    )
    assert rendered.body.strip()
    assert "{{" not in rendered.body and "{%" not in rendered.body
    if channel == Channel.SMS:
        encoding, _chars, segments = sms_segments(rendered.body)
        assert segments <= settings.SMS_MAX_SEGMENTS, rendered.body
        assert encoding == "GSM-7", rendered.body
    else:
        assert rendered.subject.strip()
        assert "\n" not in rendered.subject
