"""Sending the outbox: once, retried with back-off, failed with the provider's
error, resent on request (messaging/services.py)."""

import threading
from datetime import time, timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from booking.models import Appointment
from booking.services import appointment_book
from messaging import services
from messaging.models import Message
from messaging.selectors import failed_message_count
from messaging.tasks import send_due_messages, send_message
from tests.factories import AppointmentFactory, CitizenFactory, local, open_agent
from tests.i18n import translated

from .conftest import NOW, TUESDAY
from .stub_provider import StubProvider


@pytest.fixture
def provider(settings):
    """Start a stub provider; ``provider([500, 201])`` scripts its answers."""
    servers = []

    def start(statuses):
        server = StubProvider(statuses)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        settings.SMS_BACKEND = "messaging.sms.TwilioBackend"
        settings.TWILIO_API_URL = server.url
        settings.TWILIO_ACCOUNT_SID = "AC0123456789abcdef"
        settings.TWILIO_AUTH_TOKEN = "stub-token"
        settings.TWILIO_FROM = "Commune"
        return server

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def test_an_sms_is_retried_until_the_provider_recovers_and_is_sent_once(
    provider, book, rules
):
    rules(booked="sms", agent_new="none")
    stub = provider([500, 503])

    appointment = book()

    message = Message.objects.get(appointment=appointment)
    assert message.status == "pending"
    assert message.attempts == 1
    assert "HTTP 500" in message.last_error
    assert len(stub.requests) == 1

    # Not due yet: the back-off holds the retry.
    assert send_due_messages() == 0
    later = timezone.now() + timedelta(hours=1)
    services.messages_dispatch_due(now=later)
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("pending", 2)
    assert "HTTP 503" in message.last_error

    services.messages_dispatch_due(now=later + timedelta(hours=1))
    message.refresh_from_db()
    assert message.status == "sent"
    assert message.attempts == 3
    assert message.provider_id == f"SM{3:032d}"
    assert message.last_error == ""

    # Running everything again sends nothing more.
    services.messages_dispatch_due(now=later + timedelta(days=1))
    assert send_message(message.pk) == "sent"
    assert len(stub.requests) == 3
    assert [request["form"]["To"] for request in stub.requests] == ["+32470123456"] * 3
    last = stub.requests[-1]
    assert last["path"] == "/2010-04-01/Accounts/AC0123456789abcdef/Messages.json"
    assert last["form"]["From"] == "Commune"
    assert last["form"]["Body"] == message.body
    assert last["authorization"].startswith("Basic ")


def test_a_message_fails_with_the_providers_error_after_the_last_attempt(
    provider, book, rules, settings, administrator
):
    settings.MESSAGE_MAX_ATTEMPTS = 2
    rules(booked="sms", agent_new="none")
    stub = provider([400, 400, 400])

    appointment = book()
    services.messages_dispatch_due(now=timezone.now() + timedelta(hours=1))
    services.messages_dispatch_due(now=timezone.now() + timedelta(hours=2))

    message = Message.objects.get(appointment=appointment)
    assert message.status == "failed"
    assert message.attempts == 2
    assert message.last_error == (
        "HTTP 400 (21211): The 'To' number is not a valid phone number."
    )
    assert message.next_attempt_at is None
    assert len(stub.requests) == 2
    assert failed_message_count(administrator) == 1


def test_the_retry_delay_doubles_with_each_attempt(provider, book, rules, settings):
    settings.MESSAGE_RETRY_DELAY = 60
    rules(booked="sms", agent_new="none")
    provider([500, 500])
    before = timezone.now()

    book()
    message = Message.objects.get()
    first_delay = message.next_attempt_at - before
    services.messages_dispatch_due(now=before + timedelta(minutes=5))
    message.refresh_from_db()
    second_delay = message.next_attempt_at - timezone.now()

    assert timedelta(seconds=55) < first_delay <= timedelta(seconds=65)
    assert timedelta(seconds=110) < second_delay <= timedelta(seconds=120)


def test_a_message_delivered_twice_to_the_workers_is_sent_once(book, rules):
    rules(agent_new="none", booked="email")
    appointment = book()
    message = Message.objects.get(appointment=appointment)
    mail.outbox.clear()

    for _again in range(3):
        assert services.message_send(message_id=message.pk) == "sent"

    assert mail.outbox == []
    message.refresh_from_db()
    assert message.attempts == 1


def test_a_message_stuck_in_sending_is_tried_again(book, rules, settings):
    rules(agent_new="none", booked="email")
    appointment = book()
    message = Message.objects.get(appointment=appointment)
    long_ago = timezone.now() - timedelta(hours=1)
    Message.objects.filter(pk=message.pk).update(
        status="sending", sending_since=long_ago
    )
    mail.outbox.clear()

    services.messages_dispatch_due()

    message.refresh_from_db()
    assert message.status == "sent"
    assert len(mail.outbox) == 1


def test_a_reminder_of_an_appointment_cancelled_since_is_not_sent(db):
    appointment = AppointmentFactory(
        citizen=CitizenFactory(email="late@example.be"),
        start=timezone.now() + timedelta(days=1),
    )
    day = timezone.localdate(appointment.start)
    services.reminders_create(day=day)  # outside capture: not sent yet
    Appointment.objects.filter(pk=appointment.pk).update(
        status=Appointment.Status.CANCELLED
    )

    reminder = Message.objects.get(event="reminder", channel="email")
    assert services.message_send(message_id=reminder.pk) == "skipped"
    assert not [m for m in mail.outbox if m.to == ["late@example.be"]]


def test_resending_a_failed_message_queues_it_again(
    provider, book, rules, settings, administrator, committed
):
    settings.MESSAGE_MAX_ATTEMPTS = 1
    rules(booked="sms", agent_new="none")
    stub = provider([500, 201])
    book()
    message = Message.objects.get()
    assert message.status == "failed"

    again = committed(services.message_resend, message=message, actor=administrator)

    assert again.pk == message.pk
    message.refresh_from_db()
    assert message.status == "sent"
    assert len(stub.requests) == 2


def test_resending_a_sent_message_keeps_both_in_the_history(
    book, rules, administrator, committed
):
    rules(agent_new="none", booked="email")
    book()
    message = Message.objects.get()
    mail.outbox.clear()

    again = committed(services.message_resend, message=message, actor=administrator)

    assert again.pk != message.pk
    assert again.status == "pending"
    again.refresh_from_db()
    assert again.status == "sent"
    assert again.body == message.body
    assert Message.objects.filter(status="sent").count() == 2
    assert len(mail.outbox) == 1


def test_only_administrators_and_the_services_managers_may_resend(
    book, rules, agent, manager, foreigners, committed
):
    rules(agent_new="none", booked="email")
    book()
    message = Message.objects.get()

    with pytest.raises(PermissionDenied):
        services.message_resend(message=message, actor=agent.user)

    # The fixture's manager manages "Population" (another service than the
    # booking's): refused too.
    with pytest.raises(PermissionDenied):
        services.message_resend(message=message, actor=manager.user)


def test_a_message_on_its_way_cannot_be_resent(
    service, reason, citizen, administrator, rules
):
    rules(agent_new="none", booked="email")
    open_agent(service, start=time(13), end=time(16))
    appointment_book(
        service=service,
        reason=reason,
        start=local(TUESDAY, 13),
        citizen=citizen,
        now=NOW,
    )
    message = Message.objects.get()

    with pytest.raises(services.MessagingError) as refused:
        services.message_resend(message=message, actor=administrator)
    assert str(refused.value) == translated("This message is already on its way.")
