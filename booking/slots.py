"""Slot search: load a service's calendars in a constant number of queries and
ask the pure engine (``staffing/availability.py``) for the free slots.

Queries per search, whatever the number of agents or days: memberships,
typical weeks with their ranges, exceptions, closures and busy appointments
(five). Belgian public holidays come from the ``holidays`` package, not the
database. The busy appointments, the bulk of the data, are read as integers
(UTC epoch seconds), which the engine uses as they are.

Sites (issue 25, point 4): the engine computes the slots of one site's
calendars at a time (``ServiceCalendars.by_site``) and each slot carries its
site; a service at one site (most) computes once, as before.
"""

import sqlite3
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from operator import itemgetter

from django.db import NotSupportedError, connections
from django.utils import timezone

from core.localtime import (
    day_bounds,
    last_local_day,
    local_day,
    local_midnight,
    local_tz,
)
from staffing import availability, calendars
from staffing.availability import AgentCalendar, EpochIntervals, Interval, Slot
from staffing.models import Service

from . import slot_cache
from .models import MAX_BUFFER_MINUTES, Appointment, Hold, VisitReason

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
    # How many people come together (issue 25, point 3): the slots are as
    # long as the reason's ``duration_for`` them.
    people: int = 1
    site_id: int | None = None  # None: every site


@dataclass(frozen=True)
class ServiceCalendars:
    """Everything the engine needs about one service over one period."""

    calendars: list[AgentCalendar]
    closures: list[Interval]
    window: Interval
    # The same agents' calendars at each site where they open, in site id
    # order (None: the service has no site); an agent who opens nowhere in the
    # window is in none.
    by_site: dict[int | None, list[AgentCalendar]] = field(default_factory=dict)


_tz = local_tz
_local_midnight = local_midnight


def _busy_rows(
    agents: list[int], window: Interval, ignore_appointment_id: int | None
) -> list[tuple[int, int, int]]:
    """(agent id, start, end plus the reason's buffer) of the active
    appointments of ``agents`` that may hold them in ``window``, by agent and
    start, the instants in epoch seconds (computed by the database). One query.

    An appointment in *any* service holds the agent, with its reason's buffer;
    no buffer is longer than the reasons' maximum. The SQL is written here
    rather than built by the ORM: this is the one query whose cost grows with
    the bookings, and building it costs a search as much as reading a few
    hundred rows.
    """
    connection = connections[Appointment.objects.db]
    quote, adapt = connection.ops.quote_name, connection.ops.adapt_datetimefield_value
    if connection.vendor not in _BUSY_SQL:
        raise NotSupportedError("The slot search supports SQLite and PostgreSQL.")
    column = _BUSY_SQL[connection.vendor]
    statuses = Appointment.ACTIVE_STATUSES
    sql = (
        f"SELECT a.agent_id, {column['start']}, {column['end']} + r.buffer_minutes * 60"  # noqa: S608 - placeholders and names only
        f" FROM {quote(Appointment._meta.db_table)} a"
        f" INNER JOIN {quote(VisitReason._meta.db_table)} r ON r.id = a.reason_id"
        f" WHERE a.agent_id IN ({', '.join(['%s'] * len(agents))})"
        f" AND {column['status']} IN ({', '.join(['%s'] * len(statuses))})"
        ' AND a.start < %s AND a."end" > %s'
        + (" AND a.id <> %s" if ignore_appointment_id is not None else "")
        # The (agent, start) index serves this order without a sort; each
        # agent's busy times are then one run of rows, in order.
        + " ORDER BY a.agent_id, a.start"
    )
    params = [
        *agents,
        *map(str, statuses),
        adapt(window.end),
        adapt(window.start - timedelta(minutes=MAX_BUFFER_MINUTES)),
    ]
    if ignore_appointment_id is not None:
        params.append(ignore_appointment_id)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


# Per database: the start and end as UTC epoch seconds, computed by the
# database, the start rounded down and the end up (a busy time is never
# shortened); and the status column. Django stores UTC text on SQLite,
# "YYYY-MM-DD HH:MM:SS" plus ".ffffff" when there is a fraction of a second,
# which unixepoch (SQLite 3.38) and strftime drop. On SQLite the status is
# written "+a.status", which keeps the planner off the (status, start) index:
# without statistics it takes it, then sorts every row; the (agent, start)
# index gives the rows in order (80 agents x 26 weeks: a third faster).
_BUSY_SQL = {
    "sqlite": {
        "start": "unixepoch(a.start)",
        "end": 'unixepoch(a."end") + (length(a."end") > 19)',
        "status": "+a.status",
    }
    if sqlite3.sqlite_version_info >= (3, 38)
    else {
        "start": "CAST(strftime('%%s', a.start) AS INTEGER)",
        "end": 'CAST(strftime(\'%%s\', a."end") AS INTEGER) + (length(a."end") > 19)',
        "status": "+a.status",
    },
    "postgresql": {
        "start": "FLOOR(EXTRACT(EPOCH FROM a.start))::bigint",
        "end": 'CEIL(EXTRACT(EPOCH FROM a."end"))::bigint',
        "status": "a.status",
    },
}


def load_service_calendars(
    service: Service,
    window: Interval,
    *,
    agent_ids: Collection[int] | None = None,
    ignore_appointment_id: int | None = None,
) -> ServiceCalendars:
    """Load the calendars of the service's active agents over ``window``.

    ``agent_ids`` narrows the agents; ``ignore_appointment_id`` leaves one
    appointment out of the busy times (to move it). Five queries in all.
    """
    return _load_calendars(
        service,
        window,
        _active_agents(service, agent_ids),
        ignore_appointment_id=ignore_appointment_id,
    )


def _active_agents(service: Service, agent_ids: Collection[int] | None) -> list[int]:
    """The service's active agents (those of ``agent_ids`` only, if given)."""
    return calendars.active_agent_ids(service.pk, agent_ids)


def _load_calendars(
    service: Service,
    window: Interval,
    agents: list[int],
    *,
    ignore_appointment_id: int | None = None,
) -> ServiceCalendars:
    """The calendars of ``agents`` (active agents of the service) over
    ``window``: load_service_calendars after the memberships are read.

    The openings come from the one loader (``staffing.calendars``); the busy
    appointments are added here.
    """
    if not agents:
        # No active agent (or one outside the service): nothing is open. The
        # raw query below cannot be compiled with an empty "IN ()".
        return ServiceCalendars([], [], window)
    openings = calendars.load_openings(
        [(agent_id, service.pk) for agent_id in agents], window
    )

    rows = _busy_rows(agents, window, ignore_appointment_id)
    start_and_end = itemgetter(1, 2)

    def busy(agent_id: int) -> EpochIntervals:
        first = bisect_left(rows, (agent_id,))
        run = rows[first : bisect_left(rows, (agent_id + 1,), first)]
        return EpochIntervals(map(start_and_end, run))

    whole: list[AgentCalendar] = []
    by_site: dict[int | None, list[AgentCalendar]] = defaultdict(list)
    for agent_id in agents:
        calendar = replace(openings.calendar(agent_id, service.pk), busy=busy(agent_id))
        whole.append(calendar)
        at_sites = openings.calendars_by_site(agent_id, service.pk)
        for site_id, at_site in at_sites.items():
            by_site[site_id].append(
                calendar if len(at_sites) == 1 else replace(at_site, busy=calendar.busy)
            )
    return ServiceCalendars(
        whole,
        openings.closures(service.pk),
        window,
        dict(sorted(by_site.items(), key=lambda item: item[0] or 0)),
    )


# A held time as read: agent, start, end plus its reason's buffer (UTC epoch
# seconds), holder's key, expiry (UTC epoch seconds).
_HeldRow = tuple[int, int, int, str, int]
_HELD_FIELDS = (
    "agent_id",
    "start",
    "end",
    "reason__buffer_minutes",
    "key",
    "expires_at",
)


def _held_rows(
    now: datetime, agent_ids: Collection[int] | None = None, window=None
) -> list[_HeldRow]:
    """The holds active at ``now`` (of ``agent_ids`` within ``window``, if
    given). One query."""
    holds = Hold.objects.active(now)
    if agent_ids is not None:
        holds = holds.filter(agent_id__in=agent_ids)
    if window is not None:
        holds = holds.filter(
            start__lt=window.end,
            end__gt=window.start - timedelta(minutes=MAX_BUFFER_MINUTES),
        )
    return [
        (
            agent_id,
            int(start.timestamp()),
            int((end + timedelta(minutes=buffer_minutes)).timestamp()),
            key,
            int(expires_at.timestamp()),
        )
        for agent_id, start, end, buffer_minutes, key, expires_at in (
            holds.values_list(*_HELD_FIELDS)
        )
    ]


def _shared_held_rows(now: datetime) -> list[_HeldRow]:
    """Every active hold, from the shared cache when it keeps them (see
    ``booking.slot_cache``), else read (and kept)."""
    if not slot_cache.enabled():
        return _held_rows(now)
    rows = slot_cache.kept_holds()
    if rows is None:
        kept = slot_cache.holds_version()  # before the rows it covers
        rows = _held_rows(now)
        slot_cache.keep_holds(rows, kept)
    return rows


def _held_times(
    rows: Iterable[_HeldRow], now: datetime, own_hold: str | None
) -> dict[int, list[Interval]]:
    """The held times of ``rows`` still held at ``now``, but ``own_hold``'s,
    per agent."""
    moment = now.timestamp()
    held: dict[int, list[Interval]] = {}
    for agent_id, start, end, key, expires in rows:
        if key != own_hold and expires > moment:
            held.setdefault(agent_id, []).append(
                Interval(_utc_instant(start), _utc_instant(end))
            )
    return held


def without_held(
    slots: list[Slot],
    reason: VisitReason,
    *,
    now: datetime | None = None,
    own_hold: str | None = None,
) -> list[Slot]:
    """``slots`` less the agents whose time is held for someone else (issue
    25, point 1): taken off after the search, so that searches kept in the
    cache stay right when a hold runs out."""
    if not slots:
        return slots
    now = now or timezone.now()
    held = _held_times(_shared_held_rows(now), now, own_hold)
    return availability.without_held(slots, held, reason.buffer)


def _slots_at_sites(
    loaded: ServiceCalendars,
    service: Service,
    reason: VisitReason,
    window: Interval,
    *,
    duration: timedelta,
    site_id: int | None = None,
    not_before: datetime | None = None,
) -> list[Slot]:
    """The engine's slots of ``duration`` over ``window`` at each site (at
    ``site_id`` only, if given), each carrying its site, by start then site."""
    tz = _tz()
    found = [
        availability.compute_slots(
            calendars=site_calendars,
            window=window,
            tz=tz,
            grid_minutes=service.slot_minutes,
            duration=duration,
            buffer=reason.buffer,
            closures=loaded.closures,
            not_before=not_before,
            site_id=site,
        )
        for site, site_calendars in loaded.by_site.items()
        if site_id is None or site == site_id
    ]
    if len(found) == 1:
        return found[0]
    # A stable sort: at one start, the sites stay in their order.
    return sorted((slot for slots in found for slot in slots), key=_start)


def _start(slot: Slot) -> datetime:
    return slot.start


def available_agent_ids(
    service: Service,
    reason: VisitReason,
    start: datetime,
    *,
    agent_ids: Collection[int] | None = None,
    ignore_appointment_id: int | None = None,
    people: int = 1,
    count_holds: bool = True,
    own_hold: str | None = None,
    now: datetime | None = None,
    site_id: int | None = None,
) -> list[int]:
    """The agents of ``service`` free for ``reason`` at exactly ``start``
    (at ``site_id``, if given), for a visit of ``people`` persons, by id.

    Unlike a slot search this ignores the grid, so it also checks appointments
    that agents placed off-grid; it is the re-check done under lock before
    every write. A time held for a citizen keeps its agent unless
    ``count_holds`` is false (staff may take it) or it is ``own_hold``.
    """
    free = free_agents_by_site(
        service,
        reason,
        start,
        agent_ids=agent_ids,
        ignore_appointment_id=ignore_appointment_id,
        people=people,
        count_holds=count_holds,
        own_hold=own_hold,
        now=now,
        site_id=site_id,
    )
    return sorted({agent for agents in free.values() for agent in agents})


def free_agents_by_site(
    service: Service,
    reason: VisitReason,
    start: datetime,
    *,
    agent_ids: Collection[int] | None = None,
    ignore_appointment_id: int | None = None,
    people: int = 1,
    count_holds: bool = True,
    own_hold: str | None = None,
    now: datetime | None = None,
    site_id: int | None = None,
) -> dict[int | None, list[int]]:
    """The agents free for ``reason`` at exactly ``start``, by the site they
    sit at then (at ``site_id`` only, if given); sites where nobody is free
    are left out. An agent is free at a site for the whole visit, or not."""
    tz = _tz()
    window = Interval(*day_bounds(local_day(start, tz), tz))
    loaded = load_service_calendars(
        service,
        window,
        agent_ids=agent_ids,
        ignore_appointment_id=ignore_appointment_id,
    )
    wanted = Interval(start, start + reason.duration_for(people))
    free: dict[int | None, list[int]] = {}
    for site, site_calendars in loaded.by_site.items():
        if site_id is not None and site != site_id:
            continue
        agents = availability.free_agents(
            site_calendars,
            wanted,
            reason.buffer,
            window=window,
            tz=tz,
            closures=loaded.closures,
        )
        if agents:
            free[site] = agents
    if not count_holds or not free:
        return free
    # Under the agents' locks: read from the database, never the cache.
    now = now or timezone.now()
    everyone = [agent for agents in free.values() for agent in agents]
    rows = _held_rows(now, everyone, Interval(start, wanted.end + reason.buffer))
    held = _held_times(rows, now, own_hold)
    kept = {
        site: [
            agent
            for agent in agents
            if not availability.is_held(held, agent, wanted, reason.buffer)
        ]
        for site, agents in free.items()
    }
    return {site: agents for site, agents in kept.items() if agents}


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
    slots = _slots_at_sites(
        loaded,
        service,
        reason,
        window,
        duration=reason.duration_for(criteria.people),
        site_id=criteria.site_id,
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
    count_holds: bool = True,
) -> list[Slot]:
    """Every free slot for ``reason`` between two instants, by start time.

    No notice or horizon rule applies here: callers decide the period (the
    public module through :func:`first_free_slots`, agents freely). Times
    held for citizens are left out unless ``count_holds`` is false.
    """
    window = Interval(start, end)
    tz = _tz()
    first_day, last_day = start.astimezone(tz).date(), _last_day(end, tz)
    if _cacheable(ignore_appointment_id) and last_day < first_day + _CACHED_DAYS:
        cached = _CachedDays(
            service, reason, criteria.agent_id, last_day, people=criteria.people
        )
        slots = _within(cached.slots(first_day, last_day), window, criteria)
    else:
        agent_ids = None if criteria.agent_id is None else [criteria.agent_id]
        loaded = load_service_calendars(
            service,
            window,
            agent_ids=agent_ids,
            ignore_appointment_id=ignore_appointment_id,
        )
        slots = _compute(loaded, reason, service, window, criteria)
    return without_held(slots, reason) if count_holds else slots


def first_free_slots(
    service: Service,
    reason: VisitReason,
    criteria: SearchCriteria = SearchCriteria(),
    n: int = 10,
    *,
    now: datetime | None = None,
    after: datetime | None = None,
    ignore_appointment_id: int | None = None,
    count_holds: bool = True,
    own_hold: str | None = None,
) -> list[Slot]:
    """The first ``n`` free slots matching ``criteria``, within the booking rules.

    Loads the whole period up to the service's horizon once (a constant number
    of queries), then walks it two weeks at a time in memory and stops as soon
    as ``n`` slots are found. ``after`` pages on: only slots starting later.
    With the shared cache, each two weeks' slots come from it when a search
    kept them, and the period is loaded only if one of them is missing.
    Times held for citizens are left out (but ``own_hold``'s) unless
    ``count_holds`` is false: staff may take them.
    """
    now = now or timezone.now()
    window = booking_window(service, now=now, from_date=criteria.from_date)
    if window is None:
        return []
    if after is not None:
        if after >= window.end:
            return []
        window = Interval(max(window.start, after + timedelta(seconds=1)), window.end)
    found: list[Slot] = []
    held: dict[int, list[Interval]] | None = None
    for chunk in _chunks(service, reason, criteria, window, ignore_appointment_id):
        if count_holds and chunk:
            if held is None:  # read once per search, not once per two weeks
                held = _held_times(_shared_held_rows(now), now, own_hold)
            chunk = availability.without_held(chunk, held, reason.buffer)
        found += chunk
        if len(found) >= n:
            break
    return found[:n]


def free_days(
    service: Service,
    reason: VisitReason,
    criteria: SearchCriteria,
    *,
    first_day: date,
    days: int,
    now: datetime | None = None,
) -> set[date]:
    """The local days among ``days`` days from ``first_day`` that have a free
    slot matching ``criteria`` (its ``from_date`` aside) within the booking
    rules: the days the public day strip lets the citizen jump to."""
    now = now or timezone.now()
    window = booking_window(service, now=now, from_date=first_day)
    if window is None:
        return set()
    end = min(window.end, _local_midnight(first_day + timedelta(days=days), _tz()))
    if end <= window.start:
        return set()
    tz = _tz()
    slots = [
        slot
        for chunk in _chunks(service, reason, criteria, Interval(window.start, end))
        for slot in chunk
    ]
    return {
        slot.start.astimezone(tz).date()
        for slot in without_held(slots, reason, now=now)
    }


def _chunks(
    service: Service,
    reason: VisitReason,
    criteria: SearchCriteria,
    window: Interval,
    ignore_appointment_id: int | None = None,
) -> Iterator[list[Slot]]:
    """The free slots of ``window`` matching ``criteria``, two weeks at a time,
    so that a caller stops as soon as it has enough."""
    tz = _tz()
    if _cacheable(ignore_appointment_id):
        day, last_day = window.start.astimezone(tz).date(), _last_day(window.end, tz)
        cached = _CachedDays(
            service, reason, criteria.agent_id, last_day, people=criteria.people
        )
        while day <= last_day:
            chunk_last = min(day + _CHUNK - timedelta(days=1), last_day)
            yield _within(cached.slots(day, chunk_last), window, criteria)
            day = chunk_last + timedelta(days=1)
        return
    agent_ids = None if criteria.agent_id is None else [criteria.agent_id]
    loaded = load_service_calendars(
        service,
        window,
        agent_ids=agent_ids,
        ignore_appointment_id=ignore_appointment_id,
    )
    chunk_start = window.start
    while chunk_start < window.end:
        # Chunks end at local midnight so that no slot straddles two of them.
        next_day = chunk_start.astimezone(tz).date() + _CHUNK
        chunk = Interval(chunk_start, min(_local_midnight(next_day, tz), window.end))
        yield _compute(loaded, reason, service, chunk, criteria)
        chunk_start = chunk.end


# --- Through the shared cache (booking.slot_cache) ------------------------------

# Longer searches (staff looking months ahead) are computed every time.
_CACHED_DAYS = timedelta(days=31)


def _cacheable(ignore_appointment_id: int | None) -> bool:
    # A search leaving one appointment out (to move it) is that move's own.
    return ignore_appointment_id is None and slot_cache.enabled()


_last_day = last_local_day


def _within(
    slots: list[Slot], window: Interval, criteria: SearchCriteria
) -> list[Slot]:
    """The slots lying in ``window`` that match ``criteria`` (but the agent,
    whose calendar alone was loaded)."""
    inside = [
        slot
        for slot in slots
        if window.start <= slot.start
        and slot.end <= window.end
        and (criteria.site_id is None or slot.site_id == criteria.site_id)
    ]
    return availability.filter_slots(
        inside, tz=_tz(), weekdays=criteria.weekdays, parts=criteria.parts
    )


class _CachedDays:
    """The slots of one reason in one service (or with one agent), for a visit
    of ``people`` persons, kept in the shared cache one local day each.

    Whole days, whatever the time now or the service's notice: callers cut the
    slots they may offer. On a miss the calendars are loaded once, up to
    ``last_day``, after the versions they depend on were read.
    """

    def __init__(
        self,
        service: Service,
        reason: VisitReason,
        agent_id: int | None,
        last_day,
        *,
        people: int = 1,
    ) -> None:
        self.service, self.reason, self.agent_id = service, reason, agent_id
        self.last_day, self.people = last_day, people
        self.duration = reason.duration_for(people)
        self._loaded: ServiceCalendars | None = None
        self._versions: dict[str, str] | None = None

    def slots(self, first: date, last: date) -> list[Slot]:
        """Every slot starting on local days ``first`` to ``last``."""
        days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
        keys = [self._key(day) for day in days]
        kept = slot_cache.get_many(keys)
        missing = [day for day, key in zip(days, keys, strict=True) if key not in kept]
        if missing:
            kept.update(self._compute(missing[0], missing[-1]))
        duration = self.duration
        return [
            Slot(begin, begin + duration, agent_ids, site_id)
            for key in keys
            for begin, agent_ids, site_id in zip(
                map(_utc_instant, kept[key][0]), kept[key][1], kept[key][2], strict=True
            )
        ]

    def _compute(self, first: date, last: date) -> dict[str, tuple]:
        """Compute days ``first`` to ``last``, keep them, return them by key."""
        tz = _tz()
        if self._loaded is None:
            # The versions before the rows they cover, the calendars' before
            # the memberships: a change committed after is never missed.
            calendars_version = slot_cache.calendars_version()
            agents = _active_agents(
                self.service, None if self.agent_id is None else [self.agent_id]
            )
            self._versions = (
                None
                if calendars_version is None
                else slot_cache.versions(agents, calendars=calendars_version)
            )
            period = Interval(
                _local_midnight(first, tz),
                _local_midnight(self.last_day + timedelta(days=1), tz),
            )
            self._loaded = _load_calendars(self.service, period, agents)
        days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
        midnights = [_local_midnight(day, tz) for day in days]
        midnights.append(_local_midnight(last + timedelta(days=1), tz))
        slots = _slots_at_sites(
            self._loaded,
            self.service,
            self.reason,
            Interval(midnights[0], midnights[-1]),
            duration=self.duration,
        )
        starts = [int(slot.start.timestamp()) for slot in slots]
        bounds = [int(midnight.timestamp()) for midnight in midnights]
        computed = {}
        for index, day in enumerate(days):
            low = bisect_left(starts, bounds[index])
            high = bisect_left(starts, bounds[index + 1], low)
            computed[self._key(day)] = (
                starts[low:high],
                [slot.agent_ids for slot in slots[low:high]],
                [slot.site_id for slot in slots[low:high]],
            )
        slot_cache.put_many(computed, self._versions)
        return computed

    def _key(self, day: date) -> str:
        return _day_key(self.service, self.reason, self.agent_id, day, self.people)


def _day_key(
    service: Service,
    reason: VisitReason,
    agent_id: int | None,
    day: date,
    people: int = 1,
) -> str:
    """The cache key of one day's slots: what they depend on besides the rows
    (whose versions the entry keeps). The length of the visit stands for the
    number of people: two numbers of people that make visits of one length
    share their slots. Every site's slots are in one entry ("slots2": entries
    carry their sites since issue 25)."""
    minutes = int(reason.duration_for(people).total_seconds() // 60)
    return (
        f"slots2:{service.pk}:{service.slot_minutes}:{reason.pk}:"
        f"{minutes}:{reason.buffer_minutes}:"
        f"{agent_id or 0}:{day.isoformat()}"
    )


def _utc_instant(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def known_taken(
    service: Service,
    reason: VisitReason,
    start: datetime,
    *,
    agent_id: int | None,
    people: int = 1,
    site_id: int | None = None,
) -> bool:
    """Whether a search kept in the shared cache says nobody (or not
    ``agent_id``) is free at ``start`` since the last committed change.

    A citizen's booking of a time just taken can then be refused at once, not
    after waiting for the agents' locks behind the booking that took it. False
    when no kept search of that day answers (the cache is off, or nobody
    searched the day since its last change): the booking goes on to the
    re-check under lock, which alone ever accepts one.
    """
    kept = kept_free(
        service, reason, start, agent_id=agent_id, people=people, site_id=site_id
    )
    return kept is False


def kept_free(
    service: Service,
    reason: VisitReason,
    start: datetime,
    *,
    agent_id: int | None,
    people: int = 1,
    site_id: int | None = None,
) -> bool | None:
    """What a citizen's search of that day kept in the shared cache says of
    ``start`` for a visit of ``people``: free (for ``agent_id``, if given, at
    ``site_id``, if given) or
    not; None when no kept search answers."""
    if not slot_cache.enabled():
        return None
    key = _day_key(service, reason, None, start.astimezone(_tz()).date(), people)
    kept = slot_cache.get_many([key])
    if key not in kept:
        return None
    starts, agent_ids, site_ids = kept[key]
    moment = int(start.timestamp())
    index = bisect_left(starts, moment)
    # One start per site where someone is free then.
    while index < len(starts) and starts[index] == moment:
        if (site_id is None or site_ids[index] == site_id) and (
            agent_id is None or agent_id in agent_ids[index]
        ):
            return True
        index += 1
    return False
