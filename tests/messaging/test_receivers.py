"""Each change to an appointment writes and sends exactly the expected messages
(messaging/receivers.py and services.outbox_write_for_change)."""

import re
from datetime import time

import pytest
from django.core import mail
from django.db import transaction

from booking.links import appointment_for_token
from booking.models import Appointment
from booking.services import (
    appointment_book,
    appointment_cancel,
    appointment_confirm,
    appointment_move,
    appointment_reassign,
    appointment_refuse,
)
from messaging.models import Message, MessageTemplate
from tests.factories import CitizenFactory, local, open_agent

from .conftest import INFORMATION, NOW, TUESDAY


def sent(appointment=None) -> set[tuple[str, str, str]]:
    """(event, channel, recipient) of the messages written."""
    rows = Message.objects.all()
    if appointment is not None:
        rows = rows.filter(appointment=appointment)
    return set(rows.values_list("event", "channel", "recipient"))


def opens(text: str) -> set[int]:
    """The appointments that the personal links in ``text`` open (R13).

    Compared by what they open: the short link's code (issue 20).
    """
    return {
        appointment.pk
        for token in re.findall(r"http://127\.0\.0\.1:8000/r/(\w+)", text)
        if (appointment := appointment_for_token(token)) is not None
    }


def ics_of(email) -> str:
    """The text of the e-mail's .ics attachment, or ""."""
    for attachment in email.attachments:
        if attachment.get_content_type() == "text/calendar":
            return attachment.get_payload(decode=True).decode()
    return ""


def test_a_booking_tells_the_citizen_by_email_and_sms_in_dutch_and_the_agent(
    book, citizen, desk_agent, sms_outbox
):
    appointment = book()

    assert sent(appointment) == {
        ("booked", "email", "anna@example.be"),
        ("booked", "sms", "+32470123456"),
        ("agent_new", "email", desk_agent.user.email),
    }
    assert not Message.objects.exclude(status="sent").exists()
    to_citizen = next(m for m in mail.outbox if m.to == ["anna@example.be"])
    assert to_citizen.subject.startswith("Afspraak bevestigd: dinsdag 5 januari 2027")
    assert "om 13:00" in to_citizen.subject
    assert "Beste Anna Peeters" in to_citizen.body
    assert INFORMATION in to_citizen.body  # R11
    assert opens(to_citizen.body) == {appointment.pk}  # R13
    html = to_citizen.alternatives[0].content
    assert "Anna Peeters" in html and "&#x27;" in html  # escaped "Carte d'identité"
    calendar = ics_of(to_citizen)
    assert "METHOD:REQUEST" in calendar
    assert f"UID:appointment-{appointment.pk}@" in calendar
    assert to_citizen.attachments[0].get_param("method") == "REQUEST"

    [sms] = sms_outbox
    assert sms.to == "+32470123456"
    assert sms.body.startswith("Commune de Démo: afspraak bevestigd op di 05/01")
    assert opens(sms.body) == {appointment.pk}

    to_agent = next(m for m in mail.outbox if m.to == [desk_agent.user.email])
    assert to_agent.subject.startswith("Nouveau rendez-vous")  # agents: French
    assert "Anna Peeters" in to_agent.body
    assert len(mail.outbox) == 2


def test_a_request_needing_confirmation_says_request_received(
    book, reason, desk_agent, sms_outbox
):
    reason.needs_confirmation = True
    reason.save()

    appointment = book()

    assert appointment.status == Appointment.Status.PENDING
    assert sent(appointment) == {
        ("pending", "email", "anna@example.be"),
        ("pending", "sms", "+32470123456"),
        ("agent_new", "email", desk_agent.user.email),
    }
    to_citizen = next(m for m in mail.outbox if m.to == ["anna@example.be"])
    assert to_citizen.subject.startswith("Aanvraag voor een afspraak ontvangen")
    assert "moet ze nog bevestigen" in to_citizen.body
    assert not ics_of(to_citizen)  # not in the calendar before it is confirmed
    to_agent = next(m for m in mail.outbox if m.to == [desk_agent.user.email])
    assert "il attend votre confirmation" in to_agent.body
    assert "/admin/messaging/inbox/" in to_agent.body


def test_confirming_a_request_sends_the_confirmation_with_information_and_ics(
    book, reason, desk_agent, sms_outbox, committed
):
    reason.needs_confirmation = True
    reason.save()
    appointment = book()
    mail.outbox.clear()
    sms_outbox.clear()

    committed(appointment_confirm, appointment=appointment, actor=desk_agent.user)

    assert sent(appointment) - {("pending", "email", "anna@example.be")} >= {
        ("confirmed", "email", "anna@example.be"),
        ("confirmed", "sms", "+32470123456"),
    }
    [email] = mail.outbox
    assert email.subject.startswith("Uw aanvraag is aanvaard")
    assert INFORMATION in email.body
    assert opens(email.body) == {appointment.pk}
    assert "METHOD:REQUEST" in ics_of(email)
    [sms] = sms_outbox
    assert "aanvraag aanvaard: di 05/01 om 13:00" in sms.body


def test_refusing_a_request_tells_the_citizen_why(
    book, reason, desk_agent, sms_outbox, committed
):
    reason.needs_confirmation = True
    reason.save()
    appointment = book()
    mail.outbox.clear()
    sms_outbox.clear()

    committed(
        appointment_refuse,
        appointment=appointment,
        actor=desk_agent.user,
        reason="Dit loket is die dag gesloten.",
    )

    [email] = mail.outbox
    assert email.subject == "Uw aanvraag voor een afspraak kon niet worden aanvaard"
    assert "Reden opgegeven door de dienst: Dit loket is die dag gesloten." in (
        email.body
    )
    assert not ics_of(email)
    [sms] = sms_outbox
    assert "Reden: Dit loket is die dag gesloten." in sms.body


def test_a_citizen_cancelling_gets_an_email_with_a_cancel_ics_and_the_agent_is_told(
    book, desk_agent, sms_outbox, committed
):
    appointment = book()
    mail.outbox.clear()
    sms_outbox.clear()

    committed(appointment_cancel, appointment=appointment, by_citizen=True, now=NOW)

    assert {
        row for row in sent(appointment) if row[0] != "booked" and row[0] != "agent_new"
    } == {
        ("cancelled_by_citizen", "email", "anna@example.be"),
        ("agent_cancelled", "email", desk_agent.user.email),
    }
    assert sms_outbox == []  # the shipped rule: e-mail only
    to_citizen = next(m for m in mail.outbox if m.to == ["anna@example.be"])
    assert "METHOD:CANCEL" in ics_of(to_citizen)
    assert "STATUS:CANCELLED" in ics_of(to_citizen)
    to_agent = next(m for m in mail.outbox if m.to == [desk_agent.user.email])
    assert "par le citoyen" in to_agent.body


def test_the_commune_cancelling_tells_the_reason_by_email_and_sms(
    book, desk_agent, manager, sms_outbox, committed
):
    appointment = book()
    mail.outbox.clear()
    sms_outbox.clear()

    committed(
        appointment_cancel,
        appointment=appointment,
        actor=manager.user,
        reason="De bediende is ziek.",
    )

    to_citizen = next(m for m in mail.outbox if m.to == ["anna@example.be"])
    assert "Reden: De bediende is ziek." in to_citizen.body
    assert "METHOD:CANCEL" in ics_of(to_citizen)
    [sms] = sms_outbox
    assert "wij moeten uw afspraak" in sms.body and "De bediende is ziek." in sms.body
    assert ("agent_cancelled", "email", desk_agent.user.email) in sent(appointment)


def test_an_agent_is_not_told_of_what_he_did_himself(
    book, desk_agent, sms_outbox, committed
):
    appointment = book(agent=desk_agent, channel="phone", actor=desk_agent.user)
    committed(
        appointment_cancel,
        appointment=appointment,
        actor=desk_agent.user,
        reason="Absent",
    )

    events = {event for event, _channel, _to in sent(appointment)}
    assert events == {"booked", "cancelled_by_commune"}


def test_each_move_is_told_once_with_the_previous_time(
    book, desk_agent, sms_outbox, committed
):
    appointment = book()
    for hour in (14, 15):
        committed(
            appointment_move,
            appointment=appointment,
            start=local(TUESDAY, hour),
            by_citizen=True,
            now=NOW,
        )

    moves = Message.objects.filter(
        appointment=appointment, event="moved", channel="email"
    ).order_by("pk")
    assert moves.count() == 2
    assert "(ze stond gepland op dinsdag 5 januari 2027 om 13:00)" in moves[0].body
    assert "om 15:00" in moves[1].subject
    assert moves[0].occurrence != moves[1].occurrence
    # The link of the new time (a link signs the start: the old one is void).
    assert opens(moves[1].body) == {appointment.pk}


def test_reassigning_a_team_appointment_tells_the_agents_not_the_citizen(
    book, service, desk_agent, manager, committed
):
    appointment = book()
    other = open_agent(service, start=time(13), end=time(16))
    committed(
        appointment_reassign, appointment=appointment, agent=other, actor=manager.user
    )

    changes = sent(appointment) - {
        ("booked", "email", "anna@example.be"),
        ("booked", "sms", "+32470123456"),
        ("agent_new", "email", appointment.agent.user.email),
    }
    assert changes == {
        ("agent_new", "email", other.user.email),
        ("agent_cancelled", "email", desk_agent.user.email),
    }


def test_reassigning_an_appointment_booked_with_a_person_tells_the_citizen(
    book, service, desk_agent, manager, committed
):
    appointment = book(agent=desk_agent, channel="phone", actor=manager.user)
    other = open_agent(service, start=time(13), end=time(16))
    other.user.first_name, other.user.last_name = "Luc", "Janssens"
    other.user.save()
    committed(
        appointment_reassign, appointment=appointment, agent=other, actor=manager.user
    )

    [email] = Message.objects.filter(event="reassigned", channel="email")
    assert "Luc Janssens" in email.body
    assert Message.objects.filter(event="reassigned", channel="sms").count() == 0


def test_a_citizen_without_a_mobile_number_gets_email_only(book, rules):
    rules(booked="sms")
    landline = CitizenFactory(email="lea@example.be", phone="+3225111111")

    appointment = book(citizen=landline)

    citizen_rows = {row for row in sent(appointment) if row[0] == "booked"}
    assert citizen_rows == {("booked", "email", "lea@example.be")}


def test_the_channel_rules_decide_the_channels(book, rules, sms_outbox):
    rules(booked="none", agent_new="none")

    appointment = book()

    assert sent(appointment) == set()
    assert mail.outbox == [] and sms_outbox == []


def test_messages_are_written_in_the_transaction_of_the_change(
    service, reason, desk_agent, django_capture_on_commit_callbacks
):
    citizen = CitizenFactory(email="rolled@example.be")
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        appointment = appointment_book(
            service=service,
            reason=reason,
            start=local(TUESDAY, 13),
            citizen=citizen,
            now=NOW,
        )
        # Written with the booking; sending waits for the commit.
        assert Message.objects.filter(appointment=appointment).count() == 3
        raise RuntimeError("the booking's transaction fails")

    assert callbacks == []
    assert not Appointment.objects.filter(citizen=citizen).exists()
    assert not Message.objects.exists()
    assert mail.outbox == []


def test_a_broken_template_falls_back_to_the_shipped_text(book):
    MessageTemplate.objects.filter(
        event="booked", channel="email", language="nl"
    ).update(body="{% if %}")

    appointment = book()

    email = Message.objects.get(
        appointment=appointment, event="booked", channel="email"
    )
    assert email.status == "sent"
    assert "Uw afspraak is geregistreerd" in email.body


def test_the_commune_edited_text_is_used(book):
    MessageTemplate.objects.filter(event="booked", channel="sms", language="nl").update(
        body="Tot {{ appointment.date }}, {{ citizen.first_name }}! {{ manage_url }}"
    )

    appointment = book()

    sms = Message.objects.get(appointment=appointment, channel="sms")
    assert sms.body.startswith("Tot dinsdag 5 januari 2027, Anna! http://")
    assert opens(sms.body) == {appointment.pk}


def test_the_information_is_added_when_an_edited_confirmation_forgets_it(book):
    MessageTemplate.objects.filter(
        event="booked", channel="email", language="nl"
    ).update(body="Tot dan, {{ citizen.first_name }}.")

    appointment = book()

    email = Message.objects.get(
        appointment=appointment, event="booked", channel="email"
    )
    # After the text: the booking reference (issue 22), then the information.
    assert email.body.startswith("Tot dan, Anna.\n\n")
    assert appointment.reference_display in email.body
    assert email.body.endswith(f"\n\n{INFORMATION}")


def test_nothing_is_sent_before_the_commit(service, reason, citizen, desk_agent):
    appointment = appointment_book(
        service=service,
        reason=reason,
        start=local(TUESDAY, 13),
        citizen=citizen,
        now=NOW,
    )

    assert Message.objects.filter(appointment=appointment).count() == 3
    assert set(Message.objects.values_list("status", flat=True)) == {"pending"}
    assert mail.outbox == []
