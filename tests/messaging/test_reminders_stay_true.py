"""Reminders that stay true (issue 24, point 2).

Reminders are written once a day for the next day's appointments and sent
when the queue reaches them (at once, or hours later when a provider is down).
What they say is the appointment as it is when they are sent; one whose
appointment left that day, or was cancelled, is not sent.
"""

from datetime import timedelta

from django.core import mail
from django.utils import timezone

from booking.models import Appointment
from booking.services import appointment_cancel, appointment_move
from messaging import services
from messaging.models import Message
from tests.factories import local

from .conftest import TUESDAY

MONDAY_EVENING = local(TUESDAY - timedelta(days=1), 17)


def _reminders_written(clock):
    """The daily job at 17:00: the rows are written; the worker has not sent
    them yet (their on-commit enqueue is not run)."""
    clock.move_to(MONDAY_EVENING)
    return services.reminders_create(day=TUESDAY)


def _send_all_due(committed):
    """The every-minute job, a while later, and the sends it enqueues."""
    later = timezone.now() + timedelta(hours=1)
    committed(services.messages_dispatch_due, now=later)


def _reminders(**filters):
    return Message.objects.filter(event="reminder", **filters)


def test_a_move_within_the_day_after_the_reminders_were_written_gives_one_reminder_with_the_new_time(  # noqa: E501
    book, rules, clock, committed, sms_outbox
):
    rules(agent_new="none", agent_day_list="none", reminder="both")
    appointment = book(local(TUESDAY, 13))
    assert _reminders_written(clock) == 2  # e-mail and SMS
    assert all("13:00" in m.body for m in _reminders())

    committed(
        appointment_move,
        appointment=appointment,
        start=local(TUESDAY, 14, 30),
        now=timezone.now(),
    )
    mail.outbox.clear()
    sms_outbox.clear()
    _send_all_due(committed)

    assert _reminders(status="sent").count() == 2
    reminder_mails = [m for m in mail.outbox if "14:30" in m.body]
    assert len(reminder_mails) == 1
    assert "13:00" not in reminder_mails[0].body
    assert len(sms_outbox) == 1
    assert "14:30" in sms_outbox[0].body and "13:00" not in sms_outbox[0].body
    # The row shows what was sent.
    assert all("14:30" in m.body and "13:00" not in m.body for m in _reminders())
    # A second run of the day's job writes no second reminder.
    assert services.reminders_create(day=TUESDAY) == 0


def test_a_move_away_from_the_day_drops_the_written_reminder(
    book, rules, clock, committed, desk_agent
):
    rules(agent_new="none", agent_day_list="none", reminder="email")
    appointment = book(local(TUESDAY, 13))
    _reminders_written(clock)

    committed(
        appointment_move,
        appointment=appointment,
        start=local(TUESDAY + timedelta(days=7), 13),
        now=timezone.now(),
    )
    mail.outbox.clear()
    _send_all_due(committed)

    reminder = _reminders().get()
    assert reminder.status == Message.Status.SKIPPED
    assert mail.outbox == []


def test_a_cancellation_after_the_reminders_were_written_drops_them(
    book, rules, clock, committed
):
    rules(agent_new="none", agent_cancelled="none", reminder="both")
    appointment = book(local(TUESDAY, 13))
    _reminders_written(clock)

    committed(appointment_cancel, appointment=appointment, reason="Malade")
    _send_all_due(committed)

    assert set(_reminders().values_list("status", flat=True)) == {"skipped"}


def test_the_agents_list_of_the_day_is_the_day_as_it_is_when_sent(
    book, rules, clock, committed, citizen
):
    rules(agent_new="none", agent_cancelled="none", reminder="none")
    rules(agent_day_list="email", moved="none", cancelled_by_commune="none")
    first = book(local(TUESDAY, 13))
    second = book(local(TUESDAY, 14))
    _reminders_written(clock)

    committed(
        appointment_move,
        appointment=first,
        start=local(TUESDAY, 15, 15),
        now=timezone.now(),
    )
    committed(appointment_cancel, appointment=second, reason="Malade")
    mail.outbox.clear()
    _send_all_due(committed)

    day_list = Message.objects.get(event="agent_day_list")
    assert day_list.status == Message.Status.SENT
    assert "15:15" in day_list.body
    assert "13:00" not in day_list.body and "14:00" not in day_list.body
    assert Appointment.objects.filter(status="confirmed").count() == 1


def test_an_agents_list_whose_day_emptied_is_not_sent(book, rules, clock, committed):
    rules(agent_new="none", agent_cancelled="none", reminder="none")
    rules(agent_day_list="email", cancelled_by_commune="none")
    appointment = book(local(TUESDAY, 13))
    _reminders_written(clock)

    committed(appointment_cancel, appointment=appointment, reason="Malade")
    _send_all_due(committed)

    assert Message.objects.get(event="agent_day_list").status == "skipped"
