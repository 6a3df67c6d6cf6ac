"""Statistics benchmark (issue 7): a year of 200,000 appointments.

6 services, 40 agents open Monday–Friday 08:00–12:00 and 13:00–17:00, 24
reasons, 20,000 citizens, about 800 appointments per working day with every
status and channel and lead times from minutes to three months. Times the
statistics selectors over the whole year (per day, week and month) and the
statistics page itself (selectors, plotly figures and template), then the same
with a quarter of the appointments, to show the query count does not change.
Run with `make bench`; figures go to docs/performance.md.
"""

import os
import random
import statistics
import sys
import time as clock
from datetime import date, datetime, time, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.bench.harness import django_on_temporary_database, machine

# The page is rendered as in development: plain static storage (no manifest).
os.environ.setdefault("STATIC_MANIFEST", "0")
django_on_temporary_database()

from django.contrib.auth.models import Group, User  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from booking.models import Appointment, Citizen, VisitReason  # noqa: E402
from core.roles import ADMINISTRATOR  # noqa: E402
from reports.selectors import StatisticsFilters, statistics_report  # noqa: E402
from staffing.models import (  # noqa: E402
    Agent,
    Closure,
    Membership,
    Service,
    TypicalWeek,
    TypicalWeekRange,
)

TZ = timezone.get_default_timezone()
YEAR = 2026
FIRST, LAST = date(YEAR, 1, 1), date(YEAR, 12, 31)
SERVICES, AGENTS, REASONS_PER_SERVICE, CITIZENS = 6, 40, 4, 20_000
TARGET = 200_000
STATUSES = [
    (Appointment.Status.DONE, 70),
    (Appointment.Status.CANCELLED, 12),
    (Appointment.Status.NO_SHOW, 5),
    (Appointment.Status.CONFIRMED, 10),
    (Appointment.Status.PENDING, 2),
    (Appointment.Status.REFUSED, 1),
]
CHANNELS = [("web", 60), ("phone", 30), ("desk", 10)]


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=TZ)


def generate() -> User:
    """The commune, its year of appointments, and an administrator."""
    rng = random.Random(7)
    services = [
        Service.objects.create(name=f"Service {index}", slug=f"service-{index}")
        for index in range(SERVICES)
    ]
    reasons = {
        service.pk: VisitReason.objects.bulk_create(
            VisitReason(service=service, name=f"Reason {index}", duration_minutes=15)
            for index in range(REASONS_PER_SERVICE)
        )
        for service in services
    }
    agents = []
    for index in range(AGENTS):
        service = services[index % SERVICES]
        user = User.objects.create(
            username=f"agent{index}", first_name="Agent", last_name=f"{index:02}"
        )
        agent = Agent.objects.create(user=user)
        Membership.objects.create(agent=agent, service=service)
        week = TypicalWeek.objects.create(
            agent=agent, service=service, valid_from=date(YEAR - 1, 12, 29)
        )
        TypicalWeekRange.objects.bulk_create(
            TypicalWeekRange(typical_week=week, weekday=day, start=start, end=end)
            for day in range(5)
            for start, end in ((time(8), time(12)), (time(13), time(17)))
        )
        agents.append((agent, service))
    Closure.objects.create(
        label="Fête communale", start_date=date(YEAR, 9, 28), end_date=date(YEAR, 9, 28)
    )
    citizens = Citizen.objects.bulk_create(
        Citizen(last_name=f"Citizen {index}", first_name="Bench")
        for index in range(CITIZENS)
    )

    days = [
        FIRST + timedelta(days=offset)
        for offset in range((LAST - FIRST).days + 1)
        if (FIRST + timedelta(days=offset)).weekday() < 5
    ]
    per_agent_day = -(-TARGET // (len(days) * AGENTS))  # ceiling
    quarter_hours = [timedelta(hours=8, minutes=15 * n) for n in range(16)] + [
        timedelta(hours=13, minutes=15 * n) for n in range(16)
    ]
    status_values, status_weights = zip(*STATUSES, strict=True)
    channel_values, channel_weights = zip(*CHANNELS, strict=True)
    appointments = []
    for day in days:
        midnight = local(day, 0)
        for agent, service in agents:
            for offset in rng.sample(quarter_hours, per_agent_day):
                # Wall-clock offsets from local midnight: DST days are rare
                # enough in a benchmark not to matter.
                start = midnight + offset
                lead = timedelta(minutes=rng.randint(10, 90 * 24 * 60))
                appointments.append(
                    Appointment(
                        service=service,
                        agent=agent,
                        reason=rng.choice(reasons[service.pk]),
                        citizen=rng.choice(citizens),
                        start=start,
                        end=start + timedelta(minutes=15),
                        status=rng.choices(status_values, status_weights)[0],
                        channel=rng.choices(channel_values, channel_weights)[0],
                        created_at=start - lead,
                    )
                )
    appointments = appointments[:TARGET]
    # created_at is auto_now_add: let the generator set a realistic booking time.
    created_at = Appointment._meta.get_field("created_at")
    created_at.auto_now_add = False
    try:
        Appointment.objects.bulk_create(appointments, batch_size=5000)
    finally:
        created_at.auto_now_add = True

    user = User.objects.create_user(
        "bench-admin", password="bench-pass", is_staff=True, is_superuser=True
    )
    user.groups.add(Group.objects.get(name=ADMINISTRATOR))
    return user


def timed(function, repeat: int = 5):
    """Median wall and CPU milliseconds, and the query count, of one call.

    SQLite runs inside this process, so the CPU time counts the database's work
    too, and is less disturbed than wall time when the machine is busy.
    """
    walls, cpus = [], []
    for _ in range(repeat):
        reset_queries()  # a full query log (9,000 entries) would count nothing
        with CaptureQueriesContext(connection) as queries:
            wall, cpu = clock.perf_counter(), clock.process_time()
            result = function()
            cpus.append((clock.process_time() - cpu) * 1000)
            walls.append((clock.perf_counter() - wall) * 1000)
    return statistics.median(walls), statistics.median(cpus), len(queries), result


def bench(user: User, label: str) -> None:
    count = Appointment.objects.count()
    print(f"{label}: {count:,} appointments in {YEAR}")
    for granularity in ("day", "week", "month"):
        filters = StatisticsFilters(
            first_day=FIRST, last_day=LAST, granularity=granularity
        )
        wall, cpu, queries, report = timed(
            lambda filters=filters: statistics_report(user, filters)
        )
        print(
            f"  selectors, a year per {granularity:<5}: {wall:6.0f} ms"
            f" (CPU {cpu:4.0f} ms), {queries} queries"
            f" (total {report.totals.appointments:,})"
        )
    # HTTPS and an allowed host, whatever DEBUG says about redirects.
    client = Client(headers={"host": "localhost"})
    client.force_login(user)
    url = reverse("admin:reports_statistics")
    query = {"first_day": FIRST.isoformat(), "last_day": LAST.isoformat()}
    for granularity in ("day", "month"):

        def page(granularity=granularity):
            response = client.get(
                url, {**query, "granularity": granularity}, secure=True
            )
            assert response.status_code == 200, response.status_code
            return response

        wall, cpu, queries, _response = timed(page, repeat=3)
        print(
            f"  page,      a year per {granularity:<5}: {wall:6.0f} ms"
            f" (CPU {cpu:4.0f} ms), {queries} queries"
        )
    for fmt in ("csv", "xlsx", "pdf"):
        export_url = reverse("admin:reports_statistics_export", args=[fmt])

        def download(export_url=export_url):
            response = client.get(
                export_url, {**query, "granularity": "week"}, secure=True
            )
            assert response.status_code == 200, response.status_code
            return response

        wall, cpu, queries, response = timed(download, repeat=3)
        print(
            f"  {fmt.upper():<4} export, a year per week: {wall:6.0f} ms"
            f" (CPU {cpu:4.0f} ms), {queries} queries, {len(response.content):,} bytes"
        )


def main() -> None:
    print(machine())
    began = clock.perf_counter()
    user = generate()
    print(f"generated in {clock.perf_counter() - began:.1f} s")
    bench(user, "full year")
    # Three appointments out of four removed (plain SQL: no history rows to
    # write for a benchmark): the query count must not move.
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM booking_appointment WHERE id > %s",
            [TARGET // 4],
        )
    bench(user, "a quarter of it")


if __name__ == "__main__":
    main()
