"""Slot search benchmark (issue 3), database reads included.

(a) 5 agents, 60 days, Monday–Friday 08:00–17:00, 15-minute grid and reason,
    20 booked 15-minute appointments per agent-day: every free slot of every
    agent-day (300 agent-days) in one search;
(b) one service-wide search for 5, 20 and 80 agents over 2, 8 and 26 weeks;
(c) first_free_slots when the first free slot is five months away.
Run with `make bench`; figures go to docs/performance.md.
"""

import statistics
import sys
import time as clock
from datetime import date, datetime, time, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.bench.harness import django_on_temporary_database, machine

django_on_temporary_database()

from django.contrib.auth.models import User  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from booking.models import Appointment, Citizen, VisitReason  # noqa: E402
from booking.slots import first_free_slots, search_slots  # noqa: E402
from staffing.models import (  # noqa: E402
    Agent,
    AvailabilityException,
    Membership,
    Service,
    TypicalWeek,
    TypicalWeekRange,
)

TZ = timezone.get_default_timezone()
START = date(2027, 1, 4)  # a Monday with no public holiday in the next weeks


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=TZ)


def build_service(name: str, agents: int, days: int, booked_per_day: int):
    """A service whose agents open weekdays 08:00–17:00, with bookings."""
    service = Service.objects.create(
        name=name, slug=name, slot_minutes=15, min_notice_hours=0, max_horizon_days=366
    )
    reason = VisitReason.objects.create(
        service=service, name="Visit", duration_minutes=15
    )
    citizen = Citizen.objects.create(last_name="Bench", first_name="Mark")
    appointments = []
    for index in range(agents):
        user = User.objects.create(username=f"{name}-{index}")
        agent = Agent.objects.create(user=user)
        Membership.objects.create(agent=agent, service=service)
        week = TypicalWeek.objects.create(
            agent=agent, service=service, valid_from=START
        )
        TypicalWeekRange.objects.bulk_create(
            TypicalWeekRange(
                typical_week=week, weekday=day, start=time(8), end=time(17)
            )
            for day in range(5)
        )
        for offset in range(days):
            day = START + timedelta(days=offset)
            if day.weekday() >= 5:
                continue
            # ``booked_per_day`` of the day's 36 quarter-hours, spread evenly.
            for slot in range(36):
                if slot * booked_per_day // 36 == (slot + 1) * booked_per_day // 36:
                    continue
                start = local(day, 8) + timedelta(minutes=15 * slot)
                appointments.append(
                    Appointment(
                        service=service,
                        agent=agent,
                        reason=reason,
                        citizen=citizen,
                        start=start,
                        end=start + timedelta(minutes=15),
                    )
                )
    Appointment.objects.bulk_create(appointments, batch_size=2000)
    return service, reason, agent


def timed(function, repeat: int = 7):
    """Median wall time in milliseconds and the query count of one call."""
    durations = []
    for _ in range(repeat):
        reset_queries()
        with CaptureQueriesContext(connection) as queries:
            began = clock.perf_counter()
            result = function()
            durations.append((clock.perf_counter() - began) * 1000)
    return statistics.median(durations), len(queries), result


def bench_a() -> None:
    service, reason, _agent = build_service("a", agents=5, days=60, booked_per_day=20)
    window = (local(START, 0), local(START + timedelta(days=60), 0))
    ms, queries, slots = timed(
        lambda: search_slots(service, reason, start=window[0], end=window[1])
    )
    booked = Appointment.objects.filter(service=service).count()
    free_pairs = sum(slot.capacity for slot in slots)
    print(
        f"(a) 5 agents x 60 days ({booked} appointments): {ms:.1f} ms, "
        f"{queries} queries, {len(slots)} slots, {free_pairs} free agent-slots"
    )


def bench_b() -> None:
    print("(b) service-wide search, ms (queries)")
    print("    agents \\ weeks      2         8        26")
    for agents in (5, 20, 80):
        service, reason, _agent = build_service(
            f"b{agents}", agents=agents, days=26 * 7, booked_per_day=4
        )
        cells = []
        for weeks in (2, 8, 26):
            end = local(START + timedelta(weeks=weeks), 0)
            ms, queries, _slots = timed(
                lambda service=service, reason=reason, end=end: search_slots(
                    service, reason, start=local(START, 0), end=end
                ),
                repeat=3,
            )
            cells.append(f"{ms:7.1f} ({queries})")
        print(f"    {agents:>6}   " + "  ".join(cells))


def bench_c() -> None:
    service, reason, agent = build_service("c", agents=1, days=0, booked_per_day=0)
    service.max_horizon_days = 183
    AvailabilityException.objects.create(
        agent=agent, start=local(START, 0), end=local(START + timedelta(days=150), 0)
    )
    now = local(START, 7)
    ms, queries, slots = timed(lambda: first_free_slots(service, reason, n=10, now=now))
    first = timezone.localtime(slots[0].start)
    print(
        f"(c) first_free_slots, first free slot on {first:%Y-%m-%d %H:%M}: "
        f"{ms:.1f} ms, {queries} queries"
    )


if __name__ == "__main__":
    print(machine())
    bench_a()
    bench_b()
    bench_c()
