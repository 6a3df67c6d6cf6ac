"""Every message in its reader's language, with the commune's content translated
(issue 19, point 4): the citizen's, and each agent's own."""

import pytest
from django.core import mail
from django.utils import translation

from messaging.models import Message

from .conftest import INFORMATION

DUTCH_INFORMATION = "Breng uw oude identiteitskaart en 25 euro mee."


@pytest.fixture
def translated_content(service, reason):
    """The service and the reason in French (the main language) and Dutch."""
    service.name_nl = "Bevolking"
    service.address_nl = "Gemeenteplein 1\n1000 Brussel"
    service.save()
    reason.name_nl = "Identiteitskaart"
    reason.message_information_nl = DUTCH_INFORMATION
    reason.save()
    return service, reason


def _citizen_email():
    return next(m for m in mail.outbox if m.to == ["anna@example.be"])


@pytest.mark.parametrize("active", ["fr", "de"])
def test_a_dutch_citizen_reads_the_dutch_service_reason_and_information(
    translated_content, book, sms_outbox, active
):
    # Whatever language the booking's request or the worker speaks.
    with translation.override(active):
        book()

    email = _citizen_email()
    assert "Dienst: Bevolking" in email.body
    assert "Reden: Identiteitskaart" in email.body
    assert "Gemeenteplein 1, 1000 Brussel" in email.body
    assert DUTCH_INFORMATION in email.body
    assert "Population" not in email.body
    assert "Carte d'identité" not in email.body
    assert INFORMATION not in email.body
    html = email.alternatives[0].content
    assert "Bevolking" in html and "Population" not in html
    [sms] = sms_outbox
    assert "(Bevolking)" in sms.body
    assert "Population" not in sms.body


def test_a_missing_translation_falls_back_to_the_main_language(
    service, reason, book, sms_outbox
):
    reason.name_nl = ""
    reason.message_information_nl = ""
    reason.save()

    with translation.override("de"):
        book()

    email = _citizen_email()
    assert "Reden: Carte d'identité" in email.body
    assert INFORMATION in email.body
    assert "(Population)" in sms_outbox[0].body


def test_a_reminder_written_by_the_worker_is_in_the_citizens_language(
    translated_content, book, committed
):
    from messaging.services import reminders_create

    from .conftest import TUESDAY

    appointment = book()
    mail.outbox.clear()

    with translation.override("fr"):
        committed(reminders_create, day=TUESDAY)

    reminder = Message.objects.get(
        appointment=appointment, event="reminder", channel="email"
    )
    assert "Bevolking" in reminder.body
    assert "Population" not in reminder.body
