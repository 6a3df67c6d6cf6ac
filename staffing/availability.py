"""Pure availability engine: from agents' calendars to bookable slots.

This module knows nothing about Django or the database. The caller loads the
typical weeks, exceptions, closures and existing appointments, turns them into
the small immutable value objects below and asks :func:`compute_slots` for the
slots that can be offered to a citizen.

Conventions:

* Every instant is an *aware* ``datetime``. Intervals are half-open
  ``[start, end)``.
* Internally, and in everything this module returns, instants are normalised
  to UTC. Comparing two datetimes that share the same ``ZoneInfo`` compares
  their *wall-clock* values and ignores ``fold``, which is wrong during the
  repeated hour of the autumn DST change; UTC has no such trap. Equality with
  local datetimes still holds because Python compares aware datetimes of
  different zones by instant.
* Typical weeks and the slot grid are expressed in local wall-clock time of
  the commune's zone, so that "08:00" stays 08:00 across summer/winter time.
"""

from __future__ import annotations

import bisect
import dataclasses
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

__all__ = [
    "PARTS_OF_DAY",
    "AgentCalendar",
    "Interval",
    "Slot",
    "TypicalWeek",
    "WeeklyRange",
    "compute_slots",
    "expand_typical_weeks",
    "filter_slots",
    "free_intervals",
    "merge",
    "part_of_day",
    "subtract",
]

PARTS_OF_DAY = ("morning", "afternoon", "evening")

# Local wall-clock boundaries of the parts of the day (start time inclusive).
_AFTERNOON_FROM = time(12, 0)
_EVENING_FROM = time(17, 0)

_ONE_DAY = timedelta(days=1)


def _require_aware(value: datetime, name: str) -> None:
    """Raise ``ValueError`` if ``value`` is naive (no usable UTC offset)."""
    if value.tzinfo is UTC:  # the common case, and utcoffset() is not free
        return
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime, got {value!r}")


def _utc(value: datetime) -> datetime:
    """Return ``value`` expressed in UTC (the module's canonical form)."""
    # Intervals are stored in UTC already: skip the conversion on the hot path.
    return value if value.tzinfo is UTC else value.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class Interval:
    """Half-open time interval ``[start, end)`` between two aware datetimes."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        """Reject naive bounds and empty or reversed intervals."""
        _require_aware(self.start, "start")
        _require_aware(self.end, "end")
        # Stored in UTC: same-zone comparison would ignore ``fold``, and every
        # later comparison is then a plain one. Equality with the local
        # datetimes given is kept, since aware datetimes compare by instant.
        start, end = _utc(self.start), _utc(self.end)
        if not start < end:
            raise ValueError(
                f"interval start must be before end: {self.start} >= {self.end}"
            )
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "end", end)

    def overlaps(self, other: Interval) -> bool:
        """Return True if both intervals share at least one instant.

        Intervals that merely touch (one ends where the other starts) do not
        overlap, since intervals are half-open.
        """
        return _utc(self.start) < _utc(other.end) and _utc(other.start) < _utc(self.end)

    def contains(self, other: Interval) -> bool:
        """Return True if ``other`` lies entirely inside this interval."""
        outer_start, outer_end = _utc(self.start), _utc(self.end)
        return outer_start <= _utc(other.start) and _utc(other.end) <= outer_end


def _utc_interval(start: datetime, end: datetime) -> Interval:
    """Build an Interval from UTC bounds already known to be ordered.

    merge, subtract and clip produce thousands of intervals per search from
    values they have just compared; re-validating each one is pure overhead.
    """
    interval = object.__new__(Interval)
    object.__setattr__(interval, "start", start)
    object.__setattr__(interval, "end", end)
    return interval


@dataclass(frozen=True, slots=True)
class WeeklyRange:
    """One opening range of a typical week, in local wall-clock time."""

    weekday: int  # 0 = Monday ... 6 = Sunday, like date.weekday().
    start: time
    end: time

    def __post_init__(self) -> None:
        """Validate the weekday and that the range is a naive, non-empty span."""
        if not 0 <= self.weekday <= 6:
            raise ValueError(f"weekday must be in 0..6, got {self.weekday}")
        # Wall-clock times must be naive: the zone is the commune's, given later.
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("weekly range times must be naive wall-clock times")
        if not self.start < self.end:
            raise ValueError(
                f"weekly range start must be before end: {self.start} >= {self.end}"
            )


@dataclass(frozen=True, slots=True)
class TypicalWeek:
    """A weekly pattern of openings, valid over a period of dates.

    ``valid_until`` is inclusive; ``None`` means open-ended. With
    ``repeat_every = n`` the pattern applies on weeks 0, n, 2n... counted from
    the Monday of ``valid_from``'s week.
    """

    valid_from: date
    valid_until: date | None
    repeat_every: int
    ranges: tuple[WeeklyRange, ...]

    def __post_init__(self) -> None:
        """Validate the repetition period and the validity bounds."""
        if self.repeat_every < 1:
            raise ValueError(f"repeat_every must be >= 1, got {self.repeat_every}")
        if self.valid_until is not None and self.valid_until < self.valid_from:
            raise ValueError("valid_until must not be before valid_from")


@dataclass(frozen=True, slots=True)
class AgentCalendar:
    """Everything needed to know when one agent can take an appointment.

    ``busy`` holds the agent's existing active appointments in *any* service,
    each already extended by its own buffer.
    """

    agent_id: int
    typical_weeks: tuple[TypicalWeek, ...]
    extra_openings: tuple[Interval, ...] = ()
    unavailable: tuple[Interval, ...] = ()
    busy: tuple[Interval, ...] = ()


@dataclass(frozen=True, slots=True)
class Slot:
    """A bookable slot and the agents free for the whole of it."""

    start: datetime
    end: datetime
    agent_ids: tuple[int, ...]  # Sorted ascending, no duplicates.

    @property
    def capacity(self) -> int:
        """Return how many appointments can be booked on this slot."""
        return len(self.agent_ids)


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Return the union of ``intervals`` as sorted, disjoint UTC intervals.

    Overlapping and adjacent intervals (one ending where the next starts) are
    fused, so that a slot may straddle two back-to-back openings.
    """
    ordered = sorted(
        ((_utc(item.start), _utc(item.end)) for item in intervals),
    )
    merged: list[Interval] = []
    if not ordered:
        return merged
    current_start, current_end = ordered[0]
    for start, end in ordered[1:]:
        if start <= current_end:
            current_end = max(current_end, end)
        else:
            merged.append(_utc_interval(current_start, current_end))
            current_start, current_end = start, end
    merged.append(_utc_interval(current_start, current_end))
    return merged


def subtract(base: Sequence[Interval], cut: Sequence[Interval]) -> list[Interval]:
    """Return the parts of ``base`` not covered by ``cut``, in UTC.

    Both sequences must already be sorted and merged (as returned by
    :func:`merge`); the two-pointer walk relies on it to stay linear in
    ``len(base) + len(cut)``.
    """
    result: list[Interval] = []
    first_cut = 0
    for piece in base:
        start, end = _utc(piece.start), _utc(piece.end)
        # Cuts ending before this piece cannot touch any later piece either,
        # because ``base`` is sorted: skip them once and for all.
        while first_cut < len(cut) and _utc(cut[first_cut].end) <= start:
            first_cut += 1
        # A cut may span several pieces, so scan from ``first_cut`` without
        # consuming it.
        index = first_cut
        while index < len(cut) and start < end:
            cut_start, cut_end = _utc(cut[index].start), _utc(cut[index].end)
            if cut_start >= end:
                break
            if cut_start > start:
                result.append(_utc_interval(start, cut_start))
            start = max(start, cut_end)
            index += 1
        if start < end:
            result.append(_utc_interval(start, end))
    return result


def _clip(intervals: Iterable[Interval], window: Interval) -> list[Interval]:
    """Return the parts of sorted ``intervals`` that fall inside ``window``."""
    low, high = _utc(window.start), _utc(window.end)
    clipped: list[Interval] = []
    for item in intervals:
        start = max(_utc(item.start), low)
        end = min(_utc(item.end), high)
        if start < end:
            clipped.append(_utc_interval(start, end))
    return clipped


def _local_wall_to_utc(day: date, moment: time, tz: ZoneInfo) -> datetime:
    """Return the instant at which the wall clock of ``tz`` shows ``moment``.

    ``fold=0`` is used: an ambiguous autumn time is its first occurrence and a
    non-existent spring time is read with the pre-transition offset.
    """
    return datetime.combine(day, moment, tzinfo=tz).astimezone(UTC)


def _monday(day: date) -> date:
    """Return the Monday of the week containing ``day``."""
    return day - timedelta(days=day.weekday())


def expand_typical_weeks(
    weeks: Iterable[TypicalWeek], first_day: date, last_day: date, tz: ZoneInfo
) -> list[Interval]:
    """Return the concrete openings of ``weeks`` on days first_day..last_day.

    Both days are inclusive and are local dates in ``tz``. Wall-clock times are
    converted day by day, so a Monday 08:00 range is 08:00 local on both sides
    of a DST change. The result is sorted and merged, in UTC.
    """
    openings: list[Interval] = []
    for week in weeks:
        first = max(first_day, week.valid_from)
        last = last_day if week.valid_until is None else min(last_day, week.valid_until)
        if first > last or not week.ranges:
            continue
        by_weekday: dict[int, list[WeeklyRange]] = {}
        for weekly_range in week.ranges:
            by_weekday.setdefault(weekly_range.weekday, []).append(weekly_range)
        anchor = _monday(week.valid_from)
        day = first
        while day <= last:
            day_ranges = by_weekday.get(day.weekday())
            # The week index is computed, never iterated from valid_from, so a
            # pattern started years ago costs nothing extra.
            week_index = (_monday(day) - anchor).days // 7
            if day_ranges and week_index % week.repeat_every == 0:
                for weekly_range in day_ranges:
                    start = _local_wall_to_utc(day, weekly_range.start, tz)
                    end = _local_wall_to_utc(day, weekly_range.end, tz)
                    # A range ending inside the spring-forward gap can collapse
                    # or reverse once converted; it has no real duration.
                    if start < end:
                        openings.append(Interval(start, end))
            day += _ONE_DAY
    return merge(openings)


def free_intervals(
    calendar: AgentCalendar,
    window: Interval,
    tz: ZoneInfo,
    closures: Sequence[Interval] = (),
) -> list[Interval]:
    """Return when the agent is open and not otherwise engaged, within window.

    That is (typical-week openings + extra openings) minus unavailable periods,
    closures and busy intervals, clipped to ``window``; sorted, disjoint, in
    UTC.
    """
    # Every typical-week opening lies within one local day, so the local dates
    # touched by the window are enough.
    first_day = window.start.astimezone(tz).date()
    last_day = window.end.astimezone(tz).date()
    openings = merge(
        [
            *expand_typical_weeks(calendar.typical_weeks, first_day, last_day, tz),
            *calendar.extra_openings,
        ]
    )
    blocked = merge([*calendar.unavailable, *closures, *calendar.busy])
    return _clip(subtract(openings, blocked), window)


def _grid_starts(
    interval: Interval,
    earliest: datetime,
    duration: timedelta,
    grid: timedelta,
    tz: ZoneInfo,
) -> Iterable[datetime]:
    """Yield grid instants ``s`` with ``[s, s + duration)`` inside ``interval``.

    Grid points are local wall-clock times that are multiples of ``grid`` from
    each local midnight; they are yielded in UTC, in increasing order, and not
    before ``earliest``.
    """
    low = max(_utc(interval.start), _utc(earliest))
    latest = _utc(interval.end) - duration
    if low > latest:
        return
    wall = low.astimezone(tz).replace(tzinfo=None)
    midnight = datetime.combine(wall.date(), time())
    day_offset = _steady_offset(midnight, tz)
    # Ceiling division: first grid point at or after ``wall`` on that day.
    index = -((midnight - wall) // grid)
    while True:
        offset = index * grid
        if offset >= _ONE_DAY:
            # The grid restarts at each local midnight, even if grid does not
            # divide 24 h.
            midnight += _ONE_DAY
            day_offset = _steady_offset(midnight, tz)
            index, offset = 0, timedelta(0)
        naive = midnight + offset
        index += 1
        if day_offset is not None:
            # Most days keep one UTC offset: plain arithmetic suffices.
            candidate = (naive - day_offset).replace(tzinfo=UTC)
        else:
            candidate = naive.replace(tzinfo=tz).astimezone(UTC)
            # A wall time inside the spring-forward gap does not exist; its
            # fold=0 reading aliases a later instant (02:15 reads as 03:15),
            # so it must be skipped before the stop test below, which needs
            # increasing instants.
            if candidate.astimezone(tz).replace(tzinfo=None) != naive:
                continue
        if candidate > latest:
            return
        # In the repeated autumn hour ``low`` may be the second 02:xx, later
        # than the fold=0 grid points read from the same wall time.
        if candidate >= low:
            yield candidate


@lru_cache(maxsize=4096)
def _steady_offset(midnight: datetime, tz: ZoneInfo) -> timedelta | None:
    """The UTC offset of the local day starting at naive ``midnight``, or None
    when the offset changes during that day (a DST transition day)."""
    start = midnight.replace(tzinfo=tz).utcoffset()
    end = (midnight + _ONE_DAY).replace(tzinfo=tz).utcoffset()
    noon = (midnight + _ONE_DAY / 2).replace(tzinfo=tz).utcoffset()
    return start if start == end == noon else None


def compute_slots(
    *,
    calendars: Sequence[AgentCalendar],
    window: Interval,
    tz: ZoneInfo,
    grid_minutes: int,
    duration: timedelta,
    buffer: timedelta = timedelta(0),
    closures: Sequence[Interval] = (),
    not_before: datetime | None = None,
) -> list[Slot]:
    """Return the bookable slots of ``duration`` within ``window``, by start.

    A grid start ``s`` is feasible for an agent iff ``[s, s + duration)`` lies
    inside one of the agent's :func:`free_intervals` and
    ``[s, s + duration + buffer)`` overlaps none of the agent's busy intervals
    (the buffer may run past closing time, not into another appointment).
    Starts before ``not_before`` are dropped. Each returned slot lists all its
    feasible agents; empty slots are omitted. Instants are in UTC.

    Raises ``ValueError`` on a non-positive grid or duration, a negative
    buffer, a naive ``not_before`` or two calendars of the same agent.
    """
    if grid_minutes < 1:
        raise ValueError(f"grid_minutes must be >= 1, got {grid_minutes}")
    if duration <= timedelta(0):
        raise ValueError(f"duration must be positive, got {duration}")
    if buffer < timedelta(0):
        raise ValueError(f"buffer must not be negative, got {buffer}")
    earliest = _utc(window.start)
    if not_before is not None:
        _require_aware(not_before, "not_before")
        earliest = max(earliest, _utc(not_before))
    agent_ids = [calendar.agent_id for calendar in calendars]
    if len(set(agent_ids)) != len(agent_ids):
        # Silently unioning two calendars of one agent would hide a caller bug
        # and could double-count capacity.
        raise ValueError("each agent must appear in at most one calendar")

    grid = timedelta(minutes=grid_minutes)
    blocked_closures = merge(closures)
    agents_by_start: dict[datetime, list[int]] = {}
    for calendar in calendars:
        busy = merge(calendar.busy)
        busy_ends = [item.end for item in busy]
        for free in free_intervals(calendar, window, tz, blocked_closures):
            for start in _grid_starts(free, earliest, duration, grid, tz):
                if buffer and _buffer_hits_busy(
                    start + duration, buffer, busy, busy_ends
                ):
                    continue
                agents_by_start.setdefault(start, []).append(calendar.agent_id)

    return [
        Slot(start, start + duration, tuple(sorted(agents_by_start[start])))
        for start in sorted(agents_by_start)
    ]


def _buffer_hits_busy(
    slot_end: datetime,
    buffer: timedelta,
    busy: Sequence[Interval],
    busy_ends: Sequence[datetime],
) -> bool:
    """Return True if ``[slot_end, slot_end + buffer)`` meets a busy interval.

    The slot itself is already known to be free, so only the buffer tail needs
    checking: the first busy interval ending after ``slot_end`` is the only
    candidate, because busy intervals are sorted and disjoint.
    """
    index = bisect.bisect_right(busy_ends, slot_end)
    return index < len(busy) and busy[index].start < slot_end + buffer


def part_of_day(moment: datetime, tz: ZoneInfo) -> str:
    """Return "morning", "afternoon" or "evening" for ``moment`` in ``tz``.

    Morning starts before 12:00 local, afternoon from 12:00 to before 17:00,
    evening from 17:00.
    """
    _require_aware(moment, "moment")
    wall = moment.astimezone(tz).time()
    if wall < _AFTERNOON_FROM:
        return PARTS_OF_DAY[0]
    if wall < _EVENING_FROM:
        return PARTS_OF_DAY[1]
    return PARTS_OF_DAY[2]


def filter_slots(
    slots: Iterable[Slot],
    *,
    tz: ZoneInfo,
    weekdays: Collection[int] | None = None,
    parts: Collection[str] | None = None,
    agent_id: int | None = None,
) -> list[Slot]:
    """Return the slots matching every given criterion, in input order.

    ``weekdays`` (0 = Monday) and ``parts`` (see :data:`PARTS_OF_DAY`) are
    evaluated on the local start in ``tz``. With ``agent_id``, only slots where
    that agent is free are kept, reduced to that single agent. ``None`` means
    "no constraint"; an empty collection matches nothing.
    """
    if parts is not None:
        unknown = set(parts) - set(PARTS_OF_DAY)
        if unknown:
            raise ValueError(f"unknown parts of day: {sorted(unknown)}")
    kept: list[Slot] = []
    for slot in slots:
        if weekdays is not None and slot.start.astimezone(tz).weekday() not in weekdays:
            continue
        if parts is not None and part_of_day(slot.start, tz) not in parts:
            continue
        if agent_id is None:
            kept.append(slot)
        elif agent_id in slot.agent_ids:
            kept.append(dataclasses.replace(slot, agent_ids=(agent_id,)))
    return kept
