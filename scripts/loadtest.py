"""``make loadtest``: citizens searching and booking for a minute against a
production-like server on this machine (issue 8, item 4): fifty by default, two
hundred for the opening-day rush (issue 17: ``make loadtest USERS=200``, or
``scripts/loadtest.py --users 200``). Not run by CI.

1. creates a PostgreSQL database (``rdv_load``), migrates it, loads the demo
   commune (``seed_demo``) and collects the static files;
2. starts gunicorn with 4 workers on 127.0.0.1, DEBUG off, a generated
   SECRET_KEY, rate limits off, Redis (an empty database of the local server)
   as the shared cache and task broker, and warms its workers up with a few
   searches (not measured);
3. runs locust headless (tests/load/locustfile.py): 50 users (``--users``),
   60 seconds (``--duration``); slot searches go through the shared cache as
   in production (``SLOT_CACHE_SECONDS``, booking/slot_cache.py);
4. prints p50 / p95 / p99 per endpoint, the error count and the bookings'
   outcomes, then checks in the database that no agent holds two overlapping
   active appointments, and says whether each target is met;
5. stops gunicorn, drops the database and empties the Redis database.

Everything stays on 127.0.0.1. Exit status 0 when there was no error and no
overlap. Files (gunicorn's and locust's logs, results.json, summary.json)
go to var/loadtest/.

Options: ``--users``, ``--duration`` (seconds), ``--workers``, ``--keep``
(keep the database for profiling). PostgreSQL is reached as
``LOADTEST_PG`` (default ``postgres://postgres@127.0.0.1:5432``).
"""

import argparse
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from urllib.request import urlopen
from zoneinfo import ZoneInfo

import psutil  # a dependency of locust (requirements-loadtest.lock)
import psycopg
import redis
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "var" / "loadtest"
DATABASE = "rdv_load"
SERVER = os.environ.get("LOADTEST_PG", "postgres://postgres@127.0.0.1:5432")
REDIS = "redis://127.0.0.1:6379"
TARGET_MS = 300  # p95 of the slot searches and of the booking

# Active appointments of one agent that overlap in time (half-open intervals).
OVERLAPS = """
    SELECT count(*)
    FROM booking_appointment a
    JOIN booking_appointment b
      ON a.agent_id = b.agent_id AND a.id < b.id
     AND a.start < b."end" AND b.start < a."end"
    WHERE a.status IN ('pending', 'confirmed', 'done', 'no_show')
      AND b.status IN ('pending', 'confirmed', 'done', 'no_show')
"""


def log(text: str) -> None:
    print(f"[loadtest] {text}", flush=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def admin_connection():
    return psycopg.connect(f"{SERVER}/postgres", autocommit=True, connect_timeout=5)


def create_database() -> None:
    with admin_connection() as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(DATABASE)
            )
        )
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE)))


def drop_database() -> None:
    with admin_connection() as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(DATABASE)
            )
        )


def empty_redis_database() -> int:
    """An empty Redis database of the local server, marked as taken."""
    for index in range(14, 0, -1):
        client = redis.Redis.from_url(f"{REDIS}/{index}")
        if client.set("rendez-vous-loadtest:taken", "1", nx=True, ex=3600):
            if client.dbsize() == 1:
                return index
            client.delete("rendez-vous-loadtest:taken")
    raise SystemExit("no empty Redis database (1-14) on 127.0.0.1:6379")


def manage(env: dict, *args: str) -> None:
    subprocess.run(  # noqa: S603 - our own command
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def wait_for(url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urlopen(url, timeout=2) as response:  # noqa: S310 - 127.0.0.1
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"gunicorn did not answer {url} within {timeout:.0f} s")


def warm_up(base: str, workers: int) -> None:
    """Give every gunicorn worker its first requests (connections, caches,
    templates) before measuring: a production server has long been warm."""
    with urlopen(f"{base}/api/v1/services", timeout=10) as response:  # noqa: S310
        slugs = [service["slug"] for service in json.load(response)]
    today = datetime.now(ZoneInfo("Europe/Brussels")).date()
    for _round in range(2 * workers):
        for slug in slugs:
            with urlopen(f"{base}/api/v1/services/{slug}/reasons", timeout=10) as r:  # noqa: S310
                reason = json.load(r)[0]["id"]
            query = f"service={slug}&reason={reason}&start={today}&end={today}"
            for url in (f"{base}/api/v1/slots?{query}", f"{base}/{slug}/"):
                with urlopen(url, timeout=10):  # noqa: S310
                    pass


def server_cpu(master: psutil.Process) -> float:
    """CPU seconds used so far by gunicorn's master and workers."""
    total = 0.0
    for process in [master, *master.children(recursive=True)]:
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def report(results: dict, overlaps: int) -> dict:
    """Print the figures of locust's run; return them with the totals."""
    figures, outcomes = results["endpoints"], results["outcomes"]
    columns = ("requests", "errors", "p50", "p95", "p99", "rps")
    print(f"\n{'endpoint':<26}" + "".join(f" {column:>8}" for column in columns))
    for figure in figures:
        print(
            f"{figure['endpoint']:<26}"
            + "".join(f" {figure[column]:>8}" for column in columns)
        )
    print("(milliseconds; rps: requests per second)")
    errors = sum(figure["errors"] for figure in figures)
    requests = sum(figure["requests"] for figure in figures)
    print(
        f"\nbookings: {outcomes['booked']} booked, "
        f"{outcomes['taken']} just taken (409, expected), "
        f"{outcomes['nothing_free']} searches without a free slot"
    )
    print(
        f"requests: {requests}, errors: {errors} ({'ok' if not errors else 'ERRORS'})"
    )
    print(
        f"overlapping active appointments of one agent: {overlaps} "
        f"({'ok' if not overlaps else 'OVERLAPS'})"
    )
    for figure in figures:
        if figure["endpoint"] in WATCHED:
            verdict = "ok" if figure["p95"] < TARGET_MS else "ABOVE TARGET"
            print(f"p95 of {figure['endpoint']}: {figure['p95']} ms ({verdict})")
    return {**results, "requests": requests, "errors": errors}


WATCHED = ("API slot search", "Web slot search", "API booking")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=int, default=60)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--keep", action="store_true", help="keep the database")
    options = parser.parse_args()

    # The machine may be shared: say how busy it was before we started.
    busy = os.getloadavg()[0]
    OUT.mkdir(parents=True, exist_ok=True)
    try:
        with admin_connection():
            pass
    except psycopg.OperationalError as error:
        raise SystemExit(f"PostgreSQL is not reachable at {SERVER}: {error}") from None
    redis_db = empty_redis_database()
    redis_url = f"{REDIS}/{redis_db}"
    port = free_port()
    env = {
        **{
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("DJANGO_", "Q_", "RATE_LIMIT_", "HOLD"))
        },
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_COOKIES": "0",
        "DATABASE_URL": f"{SERVER}/{DATABASE}",
        "REDIS_URL": redis_url,
        "RATE_LIMIT_SEARCH": "0",
        "RATE_LIMIT_BOOK": "0",
        "RATE_LIMIT_MANAGE": "0",
        # Every simulated citizen comes from 127.0.0.1: no cap on its holds.
        "HOLDS_PER_CLIENT": "0",
        "STATIC_ROOT": str(OUT / "static"),
        "LOG_LEVEL": "WARNING",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    gunicorn = None
    try:
        log(f"database {DATABASE}, Redis database {redis_db}")
        create_database()
        manage(env, "migrate", "--no-input")
        manage(env, "seed_demo", "--force")  # DEBUG is off, as in production
        manage(env, "collectstatic", "--no-input", "--clear")
        log(f"gunicorn, {options.workers} workers, on 127.0.0.1:{port}")
        gunicorn_log = (OUT / "gunicorn.log").open("wb")
        gunicorn = subprocess.Popen(  # noqa: S603 - our own command
            [
                sys.executable,
                "-m",
                "gunicorn",
                "core.wsgi",
                "--workers",
                str(options.workers),
                "--bind",
                f"127.0.0.1:{port}",
            ],
            cwd=ROOT,
            env=env,
            stdout=gunicorn_log,
            stderr=subprocess.STDOUT,
        )
        wait_for(f"http://127.0.0.1:{port}/api/v1/services", timeout=60)
        warm_up(f"http://127.0.0.1:{port}", options.workers)

        server = psutil.Process(gunicorn.pid)
        cpu_before = server_cpu(server)
        log(f"locust: {options.users} citizens for {options.duration} s")
        results_path = OUT / "results.json"
        results_path.unlink(missing_ok=True)
        locust_log = (OUT / "locust.log").open("wb")
        subprocess.run(  # noqa: S603 - our own command
            [
                str(Path(sys.executable).with_name("locust")),
                "-f",
                str(ROOT / "tests" / "load" / "locustfile.py"),
                "--headless",
                "--users",
                str(options.users),
                "--spawn-rate",
                str(max(1, options.users // 5)),
                "--run-time",
                f"{options.duration}s",
                "--stop-timeout",
                "10",
                "--host",
                f"http://127.0.0.1:{port}",
                "--only-summary",
                "--loglevel",
                "WARNING",
            ],
            cwd=ROOT,
            env={**os.environ, "LOADTEST_RESULTS": str(results_path)},
            stdout=locust_log,
            stderr=subprocess.STDOUT,
            check=False,
            timeout=options.duration + 120,
        )
        cpu_seconds = server_cpu(server) - cpu_before
        if not results_path.exists():
            raise SystemExit(f"locust stopped without results: see {OUT}/locust.log")
        with psycopg.connect(f"{SERVER}/{DATABASE}") as database:
            overlaps = database.execute(OVERLAPS).fetchone()[0]
        summary = report(json.loads(results_path.read_text()), overlaps)
        # On a shared machine the latencies measure the neighbours too; the
        # CPU the server spent per request does not (much).
        per_request = cpu_seconds * 1000 / max(summary["requests"], 1)
        print(
            f"gunicorn's CPU: {cpu_seconds:.1f} s, {per_request:.1f} ms per request "
            f"({os.cpu_count()} cores)"
        )
        print(f"load average of the machine before the test: {busy:.2f}")
        summary.update(
            server_cpu_seconds=round(cpu_seconds, 2),
            server_cpu_ms_per_request=round(per_request, 1),
            load_average_before=busy,
            users=options.users,
            duration=options.duration,
            workers=options.workers,
            overlaps=overlaps,
        )
        (OUT / "summary.json").write_text(json.dumps(summary, indent=2))
        return 0 if summary["errors"] == 0 and overlaps == 0 else 1
    finally:
        if gunicorn is not None:
            gunicorn.send_signal(signal.SIGTERM)
            try:
                gunicorn.wait(timeout=30)
            except subprocess.TimeoutExpired:
                gunicorn.kill()
        if not options.keep:
            drop_database()
            log(f"database {DATABASE} dropped")
        redis.Redis.from_url(redis_url).flushdb()


if __name__ == "__main__":
    sys.exit(main())
