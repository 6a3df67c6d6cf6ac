"""The citizens' SMS fit their segments with long data (issue 20, point 5).

Rendered with the shipped texts in French, Dutch, German and English, on the
day whose date is the longest to write in each language, with the demo
commune's longest service, reason and agent names (fixtures/, in the message's
language), the citizen "Françoise Vanderbeken-Dupont", a site address as long
as a commune's (``SITE_URL``) and a real personal link (``/r/<code>``):

- booked, moved, confirmed, reassigned and reminder: one GSM-7 segment
  (160 characters);
- refused and cancelled by the commune, which carry the agent's free text
  (cut at 100 characters): two segments;
- an earlier time offered (issue 25, point 2), with its link ``/o/<token>``:
  one segment.

``test_the_headroom_is_known`` prints what is left, and the longest site
address the budget allows (README, "SMS").
"""

from datetime import date, datetime, time, timedelta

import pytest
from django.conf import settings
from django.core import serializers
from django.utils import timezone, translation

from booking.models import (
    Appointment,
    Citizen,
    EarlierTimeOffer,
    EarlierTimeRequest,
    VisitReason,
)
from core.languages import CODES
from messaging.defaults import DEFAULT_TEMPLATES
from messaging.models import Channel, Event
from messaging.rendering import (
    Texts,
    appointment_context,
    format_date,
    offer_context,
    render_texts,
)
from messaging.sms import GSM7, sms_segments
from staffing.models import Agent, Service

pytestmark = pytest.mark.django_db

DEMO_FILES = (
    "commune.yaml",
    "sites.yaml",
    "services.yaml",
    "staff.yaml",
    "visit_reasons.yaml",
)
# As long as a commune's own booking address, e.g. https://rdv.namur.be or
# https://www.ecaussinnes.be/rendez-vous: 37 characters.
SITE_URL = "https://rendez-vous.demo-sur-meuse.be"
ONE_SEGMENT = (
    Event.BOOKED,
    Event.MOVED,
    Event.CONFIRMED,
    Event.REASSIGNED,
    Event.REMINDER,
)
TWO_SEGMENTS = (Event.REFUSED, Event.CANCELLED_BY_COMMUNE)
# A reason as the agent types it, longer than the 100 characters an SMS keeps.
FREE_TEXT = (
    "L'agent responsable de votre dossier est absent toute la semaine pour "
    "une formation obligatoire imprévue; nous vous prions de nous excuser."
)
YEAR = [date(2027, 1, 1) + timedelta(days=n) for n in range(365)]


@pytest.fixture
def demo(db, settings):
    folder = settings.BASE_DIR / "fixtures"
    for name in DEMO_FILES:
        with (folder / name).open(encoding="utf-8") as stream:
            for item in serializers.deserialize("yaml", stream):
                item.save()
    settings.SITE_URL = SITE_URL


def _longest(items, name, language):
    with translation.override(language):
        return max(items, key=lambda item: len(name(item)))


def _longest_day(language: str) -> date:
    return max(YEAR, key=lambda day: len(format_date(day, language)))


def _worst_appointment(language: str) -> Appointment:
    """The appointment whose SMS are the longest to write in ``language``."""
    service = _longest(Service.objects.all(), lambda s: s.name, language)
    reason = _longest(VisitReason.objects.all(), lambda r: r.name, language)
    agent = _longest(
        Agent.objects.select_related("user"),
        lambda a: a.user.get_full_name(),
        language,
    )
    # One hour per language (two digits each, as long): the languages' longest
    # days may be one day, and PostgreSQL refuses one agent's overlaps.
    start = datetime.combine(
        _longest_day(language),
        time(10 + CODES.index(language), 30),
        tzinfo=timezone.get_default_timezone(),
    )
    citizen = Citizen.objects.create(
        first_name="Françoise", last_name="Vanderbeken-Dupont", language=language
    )
    return Appointment.objects.create(
        citizen=citizen,
        service=service,
        reason=reason,
        agent=agent,
        start=start,
        end=start + timedelta(minutes=30),
        contact_phone="+32470123456",
        contact_language=language,
    )


def _sms(event: str, language: str, appointment: Appointment) -> str:
    context = appointment_context(
        appointment,
        language=language,
        cancellation_reason=FREE_TEXT,
        previous_start=appointment.start - timedelta(days=1),
    )
    text = DEFAULT_TEMPLATES[(str(event), Channel.SMS.value, language)]
    return render_texts(
        Texts("", text.body), channel=Channel.SMS, context=context, language=language
    ).body


def _rendered(language: str) -> dict[str, str]:
    appointment = _worst_appointment(language)
    return {
        str(event): _sms(event, language, appointment)
        for event in (*ONE_SEGMENT, *TWO_SEGMENTS)
    }


@pytest.mark.parametrize("language", CODES)
def test_the_citizens_sms_fit_their_segments_with_long_data(demo, language):
    rendered = _rendered(language)
    too_long = {}
    for event, body in rendered.items():
        encoding, characters, segments = sms_segments(body)
        allowed = 1 if event in ONE_SEGMENT else 2
        if encoding != GSM7 or segments > allowed:
            too_long[event] = (encoding, characters, segments, body)
    assert too_long == {}
    # What the message must carry is there: the link, the time, the date.
    for event in (Event.BOOKED, Event.MOVED, Event.REMINDER):
        assert f"{SITE_URL}/r/" in rendered[event]
        assert f"{10 + CODES.index(language)}:30" in rendered[event]
    assert FREE_TEXT[:60] in rendered[Event.REFUSED]


@pytest.mark.parametrize("language", CODES)
def test_the_earlier_time_offer_sms_fits_one_segment(demo, language):
    appointment = _worst_appointment(language)
    # Offered on the longest day too, in the morning (two digits to write).
    offered = appointment.start.replace(hour=11)
    offer = EarlierTimeOffer.objects.create(
        request=EarlierTimeRequest.objects.create(appointment=appointment),
        start=offered,
        agent=appointment.agent,
        expires_at=offered - timedelta(hours=20),
    )
    text = DEFAULT_TEMPLATES[(str(Event.EARLIER_OFFERED), Channel.SMS.value, language)]
    body = render_texts(
        Texts("", text.body),
        channel=Channel.SMS,
        context=offer_context(offer, language=language),
        language=language,
    ).body
    assert sms_segments(body)[::2] == (GSM7, 1), body
    assert f"{SITE_URL}/o/{offer.token}" in body
    assert f"{timezone.localtime(offered):%H:%M}" in body


def test_the_long_data_is_long(demo):
    """The data is the demo's longest: a date of 26+ characters, a name with a
    letter outside GSM-7 that must not reach the SMS."""
    appointment = _worst_appointment("fr")
    assert len(format_date(appointment.start, "fr")) >= 26
    assert "ç" in appointment.citizen.first_name
    assert len(settings.SITE_URL) >= 37


def test_the_headroom_is_known(demo, capsys):
    """Prints the characters left in each one-segment SMS (not an assertion
    on the numbers: the README quotes them)."""
    lines = []
    for language in CODES:
        rendered = _rendered(language)
        for event in ONE_SEGMENT:
            _encoding, characters, _segments = sms_segments(rendered[str(event)])
            lines.append(f"{language} {event}: {characters} ({160 - characters} left)")
    with capsys.disabled():
        print("\n" + "\n".join(lines))
    assert len(lines) == len(CODES) * len(ONE_SEGMENT)
