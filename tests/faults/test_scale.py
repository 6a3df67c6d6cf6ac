"""Scale-out configured by environment variables only (issue 8, item 3).

What docs/deployment.md sets up, started for real on this machine: gunicorn
with two workers and two ``manage.py qcluster`` processes, configured by
DATABASE_URL (PostgreSQL, the test database), REDIS_URL (Redis as cache and
django-q2 broker) and Q_WORKERS, with no code or settings change. Citizens
book through the web workers; the messages travel through Redis and the
clusters send them; the web workers count rate limits together in Redis.
"""

import json
import sys
from urllib.error import HTTPError
from urllib.request import Request, urlopen

import pytest
from django_q.signing import SignedPackage

from messaging.models import Message
from tests.factories import local

from .conftest import (
    bookable_day,
    free_port,
    process_env,
    require_postgresql,
    wait_until,
)

BOOKINGS = 6
SEARCH_LIMIT = 3


def _call(url: str, payload: dict | None = None) -> int:
    """The HTTP status of a GET, or of a JSON POST when ``payload`` is given."""
    data = json.dumps(payload).encode() if payload is not None else None
    request = Request(  # noqa: S310 - a local server of this test
        url, data=data, headers={"Content-Type": "application/json"}
    )
    try:
        with urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status
    except HTTPError as error:
        return error.code
    except OSError:
        return 0  # not listening yet


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_gunicorn_and_two_clusters_work_together_on_postgresql_and_redis(
    desk, processes, redis_url, tmp_path
):
    require_postgresql("the web and worker processes must see the test database")
    import redis

    _service, reason, _agent = desk
    sms_folder = tmp_path / "sms"
    env = process_env(
        REDIS_URL=redis_url,
        Q_WORKERS="2",
        SMS_BACKEND="messaging.sms.FileBackend",
        SMS_FILE_PATH=str(sms_folder),
        RATE_LIMIT_SEARCH=str(SEARCH_LIMIT),
        RATE_LIMIT_BOOK="0",
    )
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    gunicorn = [sys.executable, "-m", "gunicorn", "core.wsgi", "--workers", "2"]
    processes.start("gunicorn", [*gunicorn, "--bind", f"127.0.0.1:{port}"], env)
    for number in (1, 2):
        processes.qcluster(f"cluster-{number}", env)
    broker = redis.Redis.from_url(redis_url)

    def clusters():
        keys = broker.keys("django_q:rendezvous:cluster:*")
        return [SignedPackage.loads(value) for value in broker.mget(keys) if value]

    wait_until(
        lambda: _call(f"{base}/api/v1/services") == 200,
        timeout=30,
        what="gunicorn",
    )
    wait_until(lambda: len(clusters()) == 2, timeout=30, what="two clusters")
    assert [len(stat.workers) for stat in clusters()] == [2, 2]  # Q_WORKERS

    day = bookable_day()
    phones = [f"+3247055500{n}" for n in range(BOOKINGS)]
    for n, phone in enumerate(phones):
        booking = {
            "service": "population",
            "reason": reason.pk,
            "start": (local(day, 9) + n * reason.duration).isoformat(),
            "citizen": {
                "first_name": "Citoyen",
                "last_name": f"Numéro {n}",
                "email": f"citoyen{n}@example.be",
                "phone": phone,
            },
        }
        assert _call(f"{base}/api/v1/appointments", booking) == 201

    wait_until(
        lambda: Message.objects.filter(status="sent").count() == BOOKINGS,
        timeout=30,
        what="the clusters to send every message",
    )
    sent = [json.loads(path.read_text()) for path in sms_folder.glob("*.json")]
    assert sorted(sms["to"] for sms in sent) == phones

    # Rate limits: the two web workers share one count, in Redis.
    search = (
        f"{base}/api/v1/slots?service=population&reason={reason.pk}"
        f"&start={day}&end={day}"
    )
    statuses = [_call(search) for _ in range(2 * SEARCH_LIMIT)]
    assert statuses == [200] * SEARCH_LIMIT + [429] * SEARCH_LIMIT
    assert list(broker.scan_iter(match=":1:*"))  # Django's cache is there too
