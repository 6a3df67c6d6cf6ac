"""The SMS provider down for a while (issue 8, item 5a).

A real HTTP provider on 127.0.0.1 answers 503 for the first seconds, then
accepts. Several bookings made during the outage go through the real path:
the outbox row written with the booking, the task on commit, the provider's
refusal recorded, the every-minute job re-enqueueing the row when its back-off
is over, on the real clock. (tests/messaging/test_services.py covers one
message's back-off arithmetic with Twilio and a moved clock.)
"""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from booking.services import appointment_book
from messaging.models import Message
from messaging.services import idempotency_key
from messaging.tasks import send_due_messages
from tests.factories import CitizenFactory, local

from .conftest import bookable_day
from .sms_provider import SmsProvider

PHONES = [f"+3247012345{n}" for n in range(5)]


@pytest.mark.slow
@pytest.mark.django_db
def test_sms_written_during_a_provider_outage_all_arrive_once_when_it_recovers(
    desk, settings, django_capture_on_commit_callbacks
):
    service, reason, _agent = desk
    settings.SMS_BACKEND = "messaging.sms.HttpJsonBackend"
    settings.MESSAGE_RETRY_DELAY = 1  # back-off 1 s, 2 s, 4 s… instead of minutes
    day = bookable_day()

    # Down until the test says, not for some seconds: a loaded machine may
    # take longer than any such delay to write the five bookings.
    with SmsProvider(down_for=float("inf")) as provider:
        settings.SMS_HTTP_URL = provider.url
        for n, phone in enumerate(PHONES):
            with django_capture_on_commit_callbacks(execute=True):
                appointment_book(
                    service=service,
                    reason=reason,
                    start=local(day, 9) + timedelta(minutes=15 * n),
                    citizen=CitizenFactory(phone=phone),
                )

        # The first attempt of each was refused: all wait, none is lost.
        messages = list(Message.objects.order_by("pk"))
        assert [m.recipient for m in messages] == PHONES
        assert {(m.status, m.attempts) for m in messages} == {("pending", 1)}
        assert all("HTTP 503" in m.last_error for m in messages)
        assert all(
            m.next_attempt_at > timezone.now() - timedelta(seconds=2) for m in messages
        )

        # The provider comes back; the every-minute job, run more often:
        # retries leave when their back-off is over.
        provider.recover()
        deadline = time.monotonic() + 20
        while Message.objects.exclude(status="sent").exists():
            assert time.monotonic() < deadline, "messages still unsent after 20 s"
            send_due_messages()
            time.sleep(0.2)

    messages = list(Message.objects.order_by("pk"))
    assert all(m.attempts >= 2 and m.last_error == "" for m in messages)
    assert provider.refused >= len(PHONES)
    # Exactly once each at the provider, with the row's text and key.
    assert provider.repeats == 0
    assert provider.deliveries == {
        idempotency_key(m): {
            "to": m.recipient,
            "from": settings.SMS_SENDER,
            "text": m.body,
            "id": m.provider_id,
        }
        for m in messages
    }
