"""Fault and scale-out tests against real local servers (issue 8, items 3 and 5).

Helpers to run the project's own processes (``manage.py qcluster``, gunicorn)
as subprocesses configured only by environment variables, as in production,
on pytest-django's test database. They need PostgreSQL (a database another
process can open: the SQLite test database lives in this process's memory)
and, for the Redis broker, a Redis server on 127.0.0.1:6379; without them the
tests say so and skip.

Every wait is bounded; every process started is killed, with its children,
when the test ends.
"""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from datetime import time as clock
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from messaging.models import ChannelRule
from staffing.closures import belgian_public_holidays
from tests.factories import (
    EVERY_DAY,
    ServiceFactory,
    VisitReasonFactory,
    open_agent,
)

ROOT = Path(__file__).resolve().parents[2]
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379


def wait_until(predicate, *, timeout: float, interval: float = 0.1, what: str):
    """Poll ``predicate`` until it is true; fail the test after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    pytest.fail(f"gave up after {timeout:.0f} s waiting for {what}")


def require_postgresql(why: str) -> None:
    if connection.vendor != "postgresql":
        pytest.skip(
            f"needs PostgreSQL ({why}): "
            "DATABASE_URL=postgres://postgres@127.0.0.1:5432/NAME pytest tests/faults"
        )


def shared_database_url() -> str:
    """DATABASE_URL of pytest-django's test database, for subprocesses."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    return f"postgres://{credentials}@{host}/{db['NAME']}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def process_env(**overrides: str) -> dict[str, str]:
    """The environment of a production-like process on the test database.

    Starts from this process's environment (PATH…) minus what pytest-env set
    for in-process tests: the task queue is asynchronous (Q_SYNC=0), DEBUG is
    off, and the broker is the ORM one unless REDIS_URL is given.
    """
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"REDIS_URL", "DJANGO_SETTINGS_MODULE", "Q_SYNC", "DEBUG"}
    }
    env.update(
        DEBUG="0",
        Q_SYNC="0",
        SECRET_KEY=settings.SECRET_KEY,  # tasks are signed with it
        DATABASE_URL=shared_database_url(),
        CONN_MAX_AGE="0",
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        SECURE_COOKIES="0",
        STATIC_MANIFEST="0",
        LOG_LEVEL="WARNING",
        PYTHONDONTWRITEBYTECODE="1",
    )
    env.update(overrides)
    return env


class Processes:
    """Start commands in their own process group; kill every group at the end."""

    def __init__(self, log_dir: Path):
        self.log_dir = log_dir
        self.started: list[subprocess.Popen] = []

    def start(self, name: str, args: list[str], env: dict) -> subprocess.Popen:
        log = (self.log_dir / f"{name}.log").open("wb")
        process = subprocess.Popen(  # noqa: S603 - our own commands
            args,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its children (workers) share its group
        )
        process.log_path = log.name
        self.started.append(process)
        return process

    def qcluster(self, name: str, env: dict) -> subprocess.Popen:
        return self.start(name, [sys.executable, "manage.py", "qcluster"], env)

    def kill(self, process: subprocess.Popen) -> None:
        """SIGKILL the whole group: a crash, no clean shutdown of anything."""
        with contextlib.suppress(ProcessLookupError):  # already gone
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def log(self, process: subprocess.Popen) -> str:
        return Path(process.log_path).read_text(errors="replace")[-3000:]

    def stop_all(self) -> None:
        for process in self.started:
            self.kill(process)


@pytest.fixture
def processes(tmp_path, request):
    """Start subprocesses; all are killed before the test database is flushed.

    Their clock is the machine's: with the suite's clock moved (``--clock``)
    they would live on another day than the test, so such tests wait for a
    run at the real time (``.ci/run`` runs them on PostgreSQL, ``-m slow``)."""
    if request.config.getoption("--clock"):
        pytest.skip("starts processes, whose clock cannot be moved with the suite's")
    running = Processes(tmp_path)
    yield running
    running.stop_all()


@pytest.fixture
def redis_url():
    """A Redis database of its own on the local server (emptied), or a skip."""
    redis = pytest.importorskip("redis")
    try:
        server = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, socket_timeout=2)
        server.ping()
    except redis.RedisError as error:
        pytest.skip(f"needs a Redis server on {REDIS_HOST}:{REDIS_PORT}: {error}")
    # An empty database, marked as ours until the end: several test runs (or
    # engineers) may share the server.
    for index in range(15, 0, -1):
        client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=index)
        if client.set("rendez-vous-tests:taken", "1", nx=True, ex=600):
            if client.dbsize() == 1:
                break
            client.delete("rendez-vous-tests:taken")
    else:
        pytest.skip("no empty Redis database (1-15) on the local server")
    yield f"redis://{REDIS_HOST}:{REDIS_PORT}/{index}"
    client.flushdb()


# --- a service to book, and SMS for every booking -------------------------


def bookable_day():
    """A working day a week ahead that is no public holiday (real clock: the
    worker processes and the public pages use it)."""
    day = timezone.localdate() + timedelta(days=7)
    while belgian_public_holidays(day, day):
        day += timedelta(days=1)
    return day


@pytest.fixture
def desk():
    """A service with one agent open every day, 08:00–16:00 (32 quarters).

    Needs database access (the test's ``django_db`` mark). The citizen is told
    by SMS only and the agent not at all, so each booking writes one message.
    """
    service = ServiceFactory(name="Population", slug="population", min_notice_hours=2)
    reason = VisitReasonFactory(service=service, name="Carte d'identité")
    agent = open_agent(
        service,
        weekdays=EVERY_DAY,
        start=clock(8),
        end=clock(16),
        valid_from=timezone.localdate() - timedelta(days=7),
    )
    for event, channels in (("booked", "sms"), ("agent_new", "none")):
        ChannelRule.objects.update_or_create(
            event=event, defaults={"channels": channels}
        )
    return service, reason, agent
