"""The day-before reminders job (R12), as django-q2 runs it (sync mode)."""

from datetime import datetime, time, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from booking.models import Appointment
from messaging.models import Message, MessagingSettings
from messaging.tasks import create_reminders
from tests.factories import (
    AgentFactory,
    AppointmentFactory,
    CitizenFactory,
    ServiceFactory,
    VisitReasonFactory,
)


def tomorrow_at(hour: int, minute: int = 0) -> datetime:
    day = timezone.localdate() + timedelta(days=1)
    return datetime.combine(
        day, time(hour, minute), tzinfo=timezone.get_default_timezone()
    )


@pytest.fixture
def tomorrow(db):
    """Tomorrow's appointments of one agent, in every status, plus one later."""
    service = ServiceFactory(name="État civil", slug="etat-civil")
    reason = VisitReasonFactory(
        service=service, name="Mariage", message_information="Apportez vos cartes."
    )
    agent = AgentFactory(user__first_name="Jean", user__last_name="Martin")

    def make(hour, status, **citizen):
        return AppointmentFactory(
            service=service,
            reason=reason,
            agent=agent,
            citizen=CitizenFactory(**citizen),
            start=tomorrow_at(hour),
            end=tomorrow_at(hour, 15),
            status=status,
        )

    Status = Appointment.Status
    return {
        "agent": agent,
        "confirmed": make(9, Status.CONFIRMED, email="a@example.be", language="de"),
        "pending": make(10, Status.PENDING, email="b@example.be"),
        "cancelled": make(11, Status.CANCELLED, email="c@example.be"),
        "refused": make(12, Status.REFUSED, email="d@example.be"),
        "no_phone": make(13, Status.CONFIRMED, email="e@example.be", phone=""),
        "later": AppointmentFactory(
            start=tomorrow_at(9) + timedelta(days=1),
            citizen=CitizenFactory(email="f@example.be"),
        ),
    }


def run_job(django_capture_on_commit_callbacks) -> int:
    with django_capture_on_commit_callbacks(execute=True):
        return create_reminders()


def test_running_the_reminder_job_twice_sends_each_reminder_once(
    tomorrow, sms_outbox, django_capture_on_commit_callbacks
):
    first = run_job(django_capture_on_commit_callbacks)
    second = run_job(django_capture_on_commit_callbacks)

    # Two confirmed citizens: e-mail + SMS and e-mail only; the agent's list.
    assert (first, second) == (4, 0)
    recipients = sorted(email.to[0] for email in mail.outbox)
    assert recipients == sorted(
        ["a@example.be", "e@example.be", tomorrow["agent"].user.email]
    )
    assert [sms.to for sms in sms_outbox] == ["+32470123456"]
    assert set(Message.objects.values_list("status", flat=True)) == {"sent"}
    occurrences = set(Message.objects.values_list("occurrence", flat=True))
    assert occurrences == {(timezone.localdate() + timedelta(days=1)).isoformat()}


def test_reminders_are_in_the_citizens_language_with_the_information(
    tomorrow, django_capture_on_commit_callbacks
):
    run_job(django_capture_on_commit_callbacks)

    german = next(email for email in mail.outbox if email.to == ["a@example.be"])
    assert german.subject.startswith("Erinnerung: Ihr Termin am")
    assert "um 09:00 Uhr" in german.subject
    assert "Apportez vos cartes." in german.body
    assert "/r/" in german.body


def test_cancelled_refused_and_pending_appointments_get_no_reminder(
    tomorrow, django_capture_on_commit_callbacks
):
    run_job(django_capture_on_commit_callbacks)

    reminded = set(
        Message.objects.filter(event="reminder").values_list(
            "appointment_id", flat=True
        )
    )
    assert reminded == {tomorrow["confirmed"].pk, tomorrow["no_phone"].pk}


def test_the_agents_list_holds_the_day_including_requests_to_confirm(
    tomorrow, django_capture_on_commit_callbacks
):
    run_job(django_capture_on_commit_callbacks)

    [day_list] = Message.objects.filter(event="agent_day_list")
    assert day_list.appointment is None
    assert day_list.agent == tomorrow["agent"]
    assert day_list.body.count("Mariage") == 3  # confirmed, pending, no_phone
    assert "10:00–10:15" in day_list.body and "à confirmer" in day_list.body
    assert "11:00" not in day_list.body  # cancelled


@pytest.mark.parametrize(
    ("recipients", "events"),
    [
        ("citizens", {"reminder"}),
        ("agents", {"agent_day_list"}),
        ("none", set()),
    ],
)
def test_the_commune_chooses_who_gets_reminders(
    tomorrow, recipients, events, django_capture_on_commit_callbacks
):
    MessagingSettings.objects.filter(pk=1).update(reminder_recipients=recipients)

    run_job(django_capture_on_commit_callbacks)

    assert set(Message.objects.values_list("event", flat=True)) == events


def test_pending_requests_are_reminded_when_the_commune_wants_it(
    tomorrow, django_capture_on_commit_callbacks
):
    MessagingSettings.objects.filter(pk=1).update(remind_pending=True)

    run_job(django_capture_on_commit_callbacks)

    assert Message.objects.filter(
        event="reminder", appointment=tomorrow["pending"]
    ).exists()
