"""The worker killed mid-batch and restarted (issue 8, item 5b).

A real ``manage.py qcluster`` (django-q2's ORM broker, on the test database)
sends a batch of SMS through a slow HTTP provider on 127.0.0.1; it is killed
with SIGKILL while the provider holds a message whose sender will never hear
the answer, and a new cluster is started. What messaging/services.py
guarantees ("Idempotent"): nothing lost, and each SMS delivered once, the one
caught mid-send included, because its retry carries the same idempotency key.
"""

import pytest
from django_q.conf import Conf

from booking.services import appointment_book
from messaging.models import Message
from messaging.services import idempotency_key, messages_dispatch_due
from tests.factories import CitizenFactory, local

from .conftest import bookable_day, process_env, require_postgresql, wait_until
from .sms_provider import SmsProvider

BATCH = 12
SENDING_TIMEOUT = 2  # seconds before a row stuck in "sending" is tried again


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_batch_loses_no_sms_and_sends_none_twice(
    desk, processes, settings, monkeypatch
):
    require_postgresql("a worker process must see the test database")
    service, reason, _agent = desk
    settings.MESSAGE_SENDING_TIMEOUT = SENDING_TIMEOUT
    # This process enqueues into the ORM broker, as the web processes do;
    # only the clusters send.
    monkeypatch.setattr(Conf, "SYNC", False)
    monkeypatch.setattr(Conf, "ORM", "default")
    day = bookable_day()

    with SmsProvider(delay=0.5) as provider:
        env = process_env(
            Q_WORKERS="2",
            SMS_BACKEND="messaging.sms.HttpJsonBackend",
            SMS_HTTP_URL=provider.url,
            MESSAGE_SENDING_TIMEOUT=str(SENDING_TIMEOUT),
        )
        for n in range(BATCH):
            appointment_book(
                service=service,
                reason=reason,
                start=local(day, 8) + n * reason.duration,
                citizen=CitizenFactory(phone=f"+324701234{n:02d}"),
            )
        assert Message.objects.filter(status="pending").count() == BATCH

        first = processes.qcluster("first-cluster", env)
        wait_until(
            lambda: (
                Message.objects.filter(status="sent").count() >= 2
                and provider.waiting_for(at_least=0.2)
            ),
            timeout=30,
            what="the first cluster to be sending",
        )
        processes.kill(first)

        # Caught mid-batch: some sent, some not yet, at least one handed to
        # the provider whose answer nobody will read (the row says "sending").
        wait_until(lambda: not provider.waiting, timeout=5, what="the provider")
        sent_before = Message.objects.filter(status="sent").count()
        assert 2 <= sent_before < BATCH
        assert Message.objects.filter(status="sending").count() >= 1
        assert len(provider.deliveries) > sent_before

        processes.qcluster("second-cluster", env)

        def all_sent():
            # The every-minute job, played every second from here (enqueueing
            # into the broker): retries the rows stuck in "sending" and the
            # tasks the dead cluster had taken from the queue.
            messages_dispatch_due()
            return Message.objects.filter(status="sent").count() == BATCH

        wait_until(all_sent, timeout=40, interval=1, what="every message sent")

    messages = list(Message.objects.order_by("pk"))
    assert provider.repeats >= 1  # a retry of a message the provider had
    assert sorted(provider.deliveries) == sorted(idempotency_key(m) for m in messages)
    assert sorted(d["to"] for d in provider.deliveries.values()) == sorted(
        m.recipient for m in messages
    )
    for message in messages:
        assert provider.deliveries[idempotency_key(message)]["id"] == (
            message.provider_id
        )
