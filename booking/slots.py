"""Slot search: load a service's calendars in a constant number of queries and
ask the pure engine (``staffing/availability.py``) for the free slots.

Queries per search, whatever the number of agents or days: memberships,
typical weeks, their ranges, exceptions, closures and busy appointments (six).
Belgian public holidays come from the ``holidays`` package, not the database.
"""

from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import connections
from django.db.models import Q
from django.utils import timezone

from staffing import availability
from staffing.availability import AgentCalendar, Interval, Slot
from staffing.closures import belgian_public_holidays
from staffing.models import (
    AvailabilityException,
    Closure,
    Membership,
    Service,
    TypicalWeek,
    TypicalWeekRange,
)

from .models import Appointment, VisitReason

# How far a search walks at a time: long enough to amortise the engine's set-up,
# short enough to stop soon after the first free slots.
_CHUNK = timedelta(days=14)  # in local days


@dataclass(frozen=True)
class SearchCriteria:
    """What the citizen (or the agent on the phone) asks for (R4)."""

    from_date: date | None = None
    weekdays: Collection[int] | None = None  # 0 = Monday
    parts: Collection[str] | None = None  # "morning", "afternoon", "evening"
    agent_id: int | None = None


@dataclass(frozen=True)
class ServiceCalendars:
    """Everything the engine needs about one service over one period."""

    calendars: list[AgentCalendar]
    closures: list[Interval]
    window: Interval


def _tz() -> ZoneInfo:
    return ZoneInfo(timezone.get_default_timezone_name())


def _local_midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=tz)


def _day_intervals(days: Iterable[tuple[date, date]], tz: ZoneInfo) -> list[Interval]:
    """Whole local days [first, last] as intervals (23 or 25 hours on DST days)."""
    return [
        Interval(
            _local_midnight(first, tz), _local_midnight(last + timedelta(days=1), tz)
        )
        for first, last in days
    ]


def _raw_rows(queryset) -> list[tuple]:
    """Fetch a values_list queryset's rows without Django's per-value converters.

    The busy times are the bulk of a search's data (thousands of rows over a
    few weeks); on SQLite, Django's converters cost as much as the whole
    engine. Datetimes then come back as UTC text (SQLite) or aware datetimes
    (PostgreSQL): see ``_aware``.
    """
    sql, params = queryset.query.sql_with_params()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _aware(value) -> datetime:
    """A stored timestamp as an aware datetime (Django stores UTC)."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


def load_service_calendars(
    service: Service,
    window: Interval,
    *,
    agent_ids: Collection[int] | None = None,
    ignore_appointment_id: int | None = None,
) -> ServiceCalendars:
    """Load the calendars of the service's active agents over ``window``.

    ``agent_ids`` narrows the agents; ``ignore_appointment_id`` leaves one
    appointment out of the busy times (to move it). Six queries in all.
    """
    tz = _tz()
    first_day = window.start.astimezone(tz).date()
    last_day = window.end.astimezone(tz).date()

    memberships = Membership.objects.filter(
        service=service, agent__is_active=True, agent__user__is_active=True
    )
    if agent_ids is not None:
        memberships = memberships.filter(agent_id__in=agent_ids)
    agents = sorted(memberships.values_list("agent_id", flat=True))
    if not agents:
        # No active agent (or one outside the service): nothing is open. The
        # raw query below cannot be compiled with an empty "IN ()".
        return ServiceCalendars([], [], window)

    weeks_by_agent: dict[int, list[availability.TypicalWeek]] = defaultdict(list)
    weeks = TypicalWeek.objects.filter(
        service=service, agent_id__in=agents, valid_from__lte=last_day
    ).filter(Q(valid_until__isnull=True) | Q(valid_until__gte=first_day))
    week_rows = list(
        weeks.values_list("pk", "agent_id", "valid_from", "valid_until", "repeat_every")
    )
    ranges_by_week: dict[int, list[availability.WeeklyRange]] = defaultdict(list)
    for week_id, weekday, start, end in TypicalWeekRange.objects.filter(
        typical_week_id__in=[row[0] for row in week_rows]
    ).values_list("typical_week_id", "weekday", "start", "end"):
        ranges_by_week[week_id].append(availability.WeeklyRange(weekday, start, end))
    for week_id, agent_id, valid_from, valid_until, repeat_every in week_rows:
        weeks_by_agent[agent_id].append(
            availability.TypicalWeek(
                valid_from=valid_from,
                valid_until=valid_until,
                repeat_every=repeat_every,
                ranges=tuple(ranges_by_week[week_id]),
            )
        )

    extra: dict[int, list[Interval]] = defaultdict(list)
    unavailable: dict[int, list[Interval]] = defaultdict(list)
    exceptions = AvailabilityException.objects.filter(
        agent_id__in=agents, start__lt=window.end, end__gt=window.start
    ).filter(Q(service__isnull=True) | Q(service=service))
    for agent_id, kind, start, end in exceptions.values_list(
        "agent_id", "kind", "start", "end"
    ):
        if kind == AvailabilityException.Kind.EXTRA_OPENING:
            extra[agent_id].append(Interval(start, end))
        else:
            unavailable[agent_id].append(Interval(start, end))

    # An appointment in *any* service holds the agent, with its reason's buffer.
    busy: dict[int, list[Interval]] = defaultdict(list)
    longest_buffer = timedelta(hours=4)
    appointments = Appointment.objects.active().filter(
        agent_id__in=agents,
        start__lt=window.end,
        end__gt=window.start - longest_buffer,
    )
    if ignore_appointment_id is not None:
        appointments = appointments.exclude(pk=ignore_appointment_id)
    rows = _raw_rows(
        appointments.values_list("agent_id", "start", "end", "reason__buffer_minutes")
    )
    for agent_id, start, end, buffer_minutes in rows:
        busy[agent_id].append(
            Interval(_aware(start), _aware(end) + timedelta(minutes=buffer_minutes))
        )

    closed_days = [(day, day) for day in belgian_public_holidays(first_day, last_day)]
    closed_days += list(
        Closure.objects.filter(
            Q(service__isnull=True) | Q(service=service),
            start_date__lte=last_day,
            end_date__gte=first_day,
        ).values_list("start_date", "end_date")
    )

    calendars = [
        AgentCalendar(
            agent_id=agent_id,
            typical_weeks=tuple(weeks_by_agent[agent_id]),
            extra_openings=tuple(extra[agent_id]),
            unavailable=tuple(unavailable[agent_id]),
            busy=tuple(busy[agent_id]),
        )
        for agent_id in agents
    ]
    return ServiceCalendars(calendars, _day_intervals(closed_days, tz), window)


def available_agent_ids(
    service: Service,
    reason: VisitReason,
    start: datetime,
    *,
    agent_ids: Collection[int] | None = None,
    ignore_appointment_id: int | None = None,
) -> list[int]:
    """The agents of ``service`` free for ``reason`` at exactly ``start``.

    Unlike a slot search this ignores the grid, so it also checks appointments
    that agents placed off-grid; it is the re-check done under lock before
    every write.
    """
    tz = _tz()
    day = start.astimezone(tz).date()
    window = Interval(
        _local_midnight(day, tz), _local_midnight(day + timedelta(days=1), tz)
    )
    loaded = load_service_calendars(
        service,
        window,
        agent_ids=agent_ids,
        ignore_appointment_id=ignore_appointment_id,
    )
    wanted = Interval(start, start + reason.duration)
    with_buffer = Interval(start, wanted.end + reason.buffer)
    free = []
    for calendar in loaded.calendars:
        openings = availability.free_intervals(calendar, window, tz, loaded.closures)
        if not any(opening.contains(wanted) for opening in openings):
            continue
        if any(busy.overlaps(with_buffer) for busy in calendar.busy):
            continue
        free.append(calendar.agent_id)
    return free


def booking_window(
    service: Service, *, now: datetime, from_date: date | None = None
) -> Interval | None:
    """The period citizens may book in: from the notice to the horizon.

    None when ``from_date`` lies beyond the horizon.
    """
    tz = _tz()
    earliest = now + timedelta(hours=service.min_notice_hours)
    if from_date is not None:
        earliest = max(earliest, _local_midnight(from_date, tz))
    horizon = _local_midnight(
        timezone.localdate(now) + timedelta(days=service.max_horizon_days + 1), tz
    )
    if earliest >= horizon:
        return None
    return Interval(earliest, horizon)


def _compute(
    loaded: ServiceCalendars,
    reason: VisitReason,
    service: Service,
    window: Interval,
    criteria: SearchCriteria,
) -> list[Slot]:
    tz = _tz()
    slots = availability.compute_slots(
        calendars=loaded.calendars,
        window=window,
        tz=tz,
        grid_minutes=service.slot_minutes,
        duration=reason.duration,
        buffer=reason.buffer,
        closures=loaded.closures,
        not_before=window.start,
    )
    return availability.filter_slots(
        slots,
        tz=tz,
        weekdays=criteria.weekdays,
        parts=criteria.parts,
        agent_id=criteria.agent_id,
    )


def search_slots(
    service: Service,
    reason: VisitReason,
    *,
    start: datetime,
    end: datetime,
    criteria: SearchCriteria = SearchCriteria(),
    ignore_appointment_id: int | None = None,
) -> list[Slot]:
    """Every free slot for ``reason`` between two instants, by start time.

    No notice or horizon rule applies here: callers decide the period (the
    public module through :func:`first_free_slots`, agents freely).
    """
    window = Interval(start, end)
    agent_ids = None if criteria.agent_id is None else [criteria.agent_id]
    loaded = load_service_calendars(
        service,
        window,
        agent_ids=agent_ids,
        ignore_appointment_id=ignore_appointment_id,
    )
    return _compute(loaded, reason, service, window, criteria)


def first_free_slots(
    service: Service,
    reason: VisitReason,
    criteria: SearchCriteria = SearchCriteria(),
    n: int = 10,
    *,
    now: datetime | None = None,
    after: datetime | None = None,
    ignore_appointment_id: int | None = None,
) -> list[Slot]:
    """The first ``n`` free slots matching ``criteria``, within the booking rules.

    Loads the whole period up to the service's horizon once (a constant number
    of queries), then walks it two weeks at a time in memory and stops as soon
    as ``n`` slots are found. ``after`` pages on: only slots starting later.
    """
    now = now or timezone.now()
    window = booking_window(service, now=now, from_date=criteria.from_date)
    if window is None:
        return []
    if after is not None:
        if after >= window.end:
            return []
        window = Interval(max(window.start, after + timedelta(seconds=1)), window.end)
    agent_ids = None if criteria.agent_id is None else [criteria.agent_id]
    loaded = load_service_calendars(
        service,
        window,
        agent_ids=agent_ids,
        ignore_appointment_id=ignore_appointment_id,
    )
    tz = _tz()
    found: list[Slot] = []
    chunk_start = window.start
    while chunk_start < window.end and len(found) < n:
        # Chunks end at local midnight so that no slot straddles two of them.
        next_day = chunk_start.astimezone(tz).date() + _CHUNK
        chunk = Interval(chunk_start, min(_local_midnight(next_day, tz), window.end))
        found.extend(_compute(loaded, reason, service, chunk, criteria))
        chunk_start = chunk.end
    return found[:n]
