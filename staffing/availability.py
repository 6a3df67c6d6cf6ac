"""Pure availability engine: from agents' calendars to bookable slots.

This module knows nothing about Django or the database. The caller loads the
typical weeks, exceptions, closures and existing appointments, turns them into
the small immutable value objects below and asks :func:`compute_slots` for the
slots that can be offered to a citizen.

Conventions:

* At the edges every instant is an *aware* ``datetime``; intervals are
  half-open ``[start, end)``. Everything this module returns is in UTC:
  comparing two datetimes that share the same ``ZoneInfo`` compares their
  *wall-clock* values and ignores ``fold``, which is wrong during the repeated
  hour of the autumn DST change; UTC has no such trap. Equality with local
  datetimes still holds because Python compares aware datetimes of different
  zones by instant.
* Inside, an instant is an integer: UTC epoch seconds. A search compares and
  adds tens of thousands of instants; integers do it without creating an
  object each time. Datetimes are converted once on the way in (a sub-second
  part is rounded towards less free time: openings shrink, blocked times
  grow) and once on the way out (the slots and intervals returned). The slot
  search reads the busy times from the database as seconds already
  (:class:`EpochIntervals`).
* Typical weeks and the slot grid are expressed in local wall-clock time of
  the commune's zone, so that "08:00" stays 08:00 across summer/winter time.
  They are expanded local day by local day: on a day that keeps one UTC
  offset a wall time is that day's midnight plus its seconds; on the two days
  a year when the offset changes, each wall time is converted by ``zoneinfo``.
"""

from __future__ import annotations

import bisect
import dataclasses
import operator
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from itertools import starmap
from typing import overload
from zoneinfo import ZoneInfo

__all__ = [
    "PARTS_OF_DAY",
    "AgentCalendar",
    "EpochIntervals",
    "Interval",
    "Slot",
    "TypicalWeek",
    "WeeklyRange",
    "compute_slots",
    "expand_typical_weeks",
    "filter_slots",
    "free_intervals",
    "merge",
    "part_hours",
    "part_of_day",
    "subtract",
]

PARTS_OF_DAY = ("morning", "afternoon", "evening")

# Local wall-clock boundaries of the parts of the day (start time inclusive).
_AFTERNOON_FROM = time(12, 0)
_EVENING_FROM = time(17, 0)

_DAY = 86_400  # seconds in a day without a change of time
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# A half-open interval inside the engine: (start, end) in UTC epoch seconds.
_Pair = tuple[int, int]
_first, _second = operator.itemgetter(0), operator.itemgetter(1)


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


def _seconds(value: datetime, *, up: bool = False) -> int:
    """UTC epoch seconds of aware ``value``, rounded down (or ``up``)."""
    # Aware subtraction goes through utcoffset(), so ``fold`` is respected.
    delta = value - _EPOCH
    seconds = delta.days * _DAY + delta.seconds
    return seconds + 1 if up and delta.microseconds else seconds


def _duration_seconds(value: timedelta) -> int:
    """Whole seconds of a positive duration, rounded up (never shorter)."""
    return -(-value // timedelta(seconds=1))


def _instant(seconds: int) -> datetime:
    """The aware UTC datetime of epoch ``seconds``."""
    return datetime.fromtimestamp(seconds, UTC)


def _wall_seconds(moment: time, *, up: bool = False) -> int:
    """Seconds from local midnight to wall-clock ``moment``."""
    seconds = moment.hour * 3600 + moment.minute * 60 + moment.second
    return seconds + 1 if up and moment.microsecond else seconds


def _wall_time(seconds: int) -> time:
    """The wall-clock time ``seconds`` after local midnight (under a day)."""
    return time(seconds // 3600, seconds // 60 % 60, seconds % 60)


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

    merge, subtract and the conversions out of seconds produce many intervals
    from values they have just compared; re-validating each one is overhead.
    """
    interval = object.__new__(Interval)
    object.__setattr__(interval, "start", start)
    object.__setattr__(interval, "end", end)
    return interval


def _interval_of(pair: _Pair) -> Interval:
    """The Interval of a pair of epoch seconds."""
    return _utc_interval(_instant(pair[0]), _instant(pair[1]))


@dataclass(frozen=True, slots=True)
class _Merged:
    """Sorted pairs that do not overlap (they may touch), with their starts
    and ends apart, for bisect."""

    pairs: list[_Pair]
    starts: list[int]
    ends: list[int]

    @classmethod
    def of(cls, pairs: Iterable[_Pair]) -> _Merged:
        """Sort ``pairs``, merge them if some overlap, and index them."""
        ordered = sorted(pairs)
        starts = list(map(_first, ordered))
        ends = list(map(_second, ordered))
        # Busy times rarely overlap: checking costs less than merging, and
        # pairs that only touch need no merging (intervals are half-open).
        if not all(map(operator.le, ends, starts[1:])):
            ordered = _merge_pairs(ordered)
            starts = list(map(_first, ordered))
            ends = list(map(_second, ordered))
        return cls(ordered, starts, ends)

    def span(self, low: int, high: int) -> tuple[int, int]:
        """The indexes ``[first, last)`` of the pairs that end after ``low``
        and start before ``high``."""
        first = bisect.bisect_right(self.ends, low)
        return first, bisect.bisect_left(self.starts, high, first)

    def around(self, low: int, high: int) -> list[_Pair]:
        """The pairs that end after ``low`` and start before ``high``."""
        first, last = self.span(low, high)
        return self.pairs[first:last]


class EpochIntervals(Sequence[Interval]):
    """Half-open intervals held as ``(start, end)`` UTC epoch seconds.

    The slot search reads the busy times from the database so: thousands per
    search, never turned into datetimes unless someone reads them as
    :class:`Interval` (this is a read-only sequence of them, built on access).
    The engine uses the seconds directly, and merges them once however many
    searches run over the same calendar.
    """

    __slots__ = ("_merged", "_pairs")

    def __init__(self, pairs: Iterable[tuple[int, int]] = ()) -> None:
        """Keep ``pairs`` of integers; reject an empty or reversed one."""
        self._pairs = tuple(pairs)
        if not all(starmap(operator.lt, self._pairs)):
            start, end = next(pair for pair in self._pairs if not pair[0] < pair[1])
            raise ValueError(f"interval start must be before end: {start} >= {end}")
        self._merged: _Merged | None = None

    @property
    def pairs(self) -> tuple[tuple[int, int], ...]:
        """The intervals as given, in epoch seconds."""
        return self._pairs

    def __len__(self) -> int:
        """Return how many intervals there are."""
        return len(self._pairs)

    @overload
    def __getitem__(self, index: int) -> Interval: ...

    @overload
    def __getitem__(self, index: slice) -> EpochIntervals: ...

    def __getitem__(self, index: int | slice) -> Interval | EpochIntervals:
        """Return one interval as an :class:`Interval`, or a slice of them."""
        if isinstance(index, slice):
            return EpochIntervals(self._pairs[index])
        return _interval_of(self._pairs[index])

    def __iter__(self) -> Iterator[Interval]:
        """Yield each interval as an :class:`Interval`."""
        return map(_interval_of, self._pairs)

    def __eq__(self, other: object) -> bool:
        """Equal to another EpochIntervals holding the same pairs."""
        if isinstance(other, EpochIntervals):
            return self._pairs == other._pairs
        return NotImplemented

    def __hash__(self) -> int:
        """Hash of the pairs (calendars holding them are hashable)."""
        return hash(self._pairs)

    def __repr__(self) -> str:
        """Show the pairs."""
        return f"EpochIntervals({self._pairs!r})"

    def merged(self) -> _Merged:
        """The pairs sorted and merged, computed once."""
        if self._merged is None:
            self._merged = _Merged.of(self._pairs)
        return self._merged


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
    each already extended by its own buffer: a tuple of :class:`Interval`, or
    an :class:`EpochIntervals` (how the slot search reads them).
    """

    agent_id: int
    typical_weeks: tuple[TypicalWeek, ...]
    extra_openings: tuple[Interval, ...] = ()
    unavailable: tuple[Interval, ...] = ()
    busy: Sequence[Interval] = ()


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


# --- Intervals as pairs: the same walks serve datetimes and seconds ----------------


def _merge_pairs(pairs: Iterable[tuple]) -> list:
    """Sorted union of half-open ``(start, end)`` pairs, adjacent ones fused."""
    ordered = sorted(pairs)
    if not ordered:
        return []
    merged = []
    current_start, current_end = ordered[0]
    for start, end in ordered:
        if start <= current_end:
            if end > current_end:
                current_end = end
        else:
            merged.append((current_start, current_end))
            current_start, current_end = start, end
    merged.append((current_start, current_end))
    return merged


def _subtract_pairs(base: Sequence[tuple], cut: Sequence[tuple]) -> list:
    """The parts of sorted, merged ``base`` not covered by sorted, merged ``cut``.

    A two-pointer walk, linear in ``len(base) + len(cut)``.
    """
    result = []
    first_cut, cuts = 0, len(cut)
    for start, end in base:
        # Cuts ending before this piece cannot touch any later piece either,
        # because ``base`` is sorted: skip them once and for all.
        while first_cut < cuts and cut[first_cut][1] <= start:
            first_cut += 1
        # A cut may span several pieces, so scan from ``first_cut`` without
        # consuming it.
        index = first_cut
        while index < cuts and start < end:
            cut_start, cut_end = cut[index]
            if cut_start >= end:
                break
            if cut_start > start:
                result.append((start, cut_start))
            if cut_end > start:
                start = cut_end
            index += 1
        if start < end:
            result.append((start, end))
    return result


def _opening_pairs(intervals: Iterable[Interval]) -> list[_Pair]:
    """Openings in seconds, shrunk to whole seconds."""
    pairs = [(_seconds(item.start, up=True), _seconds(item.end)) for item in intervals]
    return [pair for pair in pairs if pair[0] < pair[1]]


def _blocked_pairs(intervals: Iterable[Interval]) -> list[_Pair]:
    """Blocked times in seconds, grown to whole seconds."""
    return [(_seconds(item.start), _seconds(item.end, up=True)) for item in intervals]


def _busy_index(busy: Sequence[Interval]) -> _Merged:
    """The busy times merged and indexed (once for EpochIntervals)."""
    if isinstance(busy, EpochIntervals):
        return busy.merged()
    return _Merged.of(_blocked_pairs(busy))


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Return the union of ``intervals`` as sorted, disjoint UTC intervals.

    Overlapping and adjacent intervals (one ending where the next starts) are
    fused, so that a slot may straddle two back-to-back openings.
    """
    pairs = _merge_pairs((_utc(item.start), _utc(item.end)) for item in intervals)
    return [_utc_interval(start, end) for start, end in pairs]


def subtract(base: Sequence[Interval], cut: Sequence[Interval]) -> list[Interval]:
    """Return the parts of ``base`` not covered by ``cut``, in UTC.

    Both sequences must already be sorted and merged (as returned by
    :func:`merge`); the two-pointer walk relies on it to stay linear in
    ``len(base) + len(cut)``.
    """
    pairs = _subtract_pairs(
        [(_utc(item.start), _utc(item.end)) for item in base],
        [(_utc(item.start), _utc(item.end)) for item in cut],
    )
    return [_utc_interval(start, end) for start, end in pairs]


# --- Local days ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _LocalDays:
    """Consecutive local days of a zone, with their midnights in seconds.

    ``midnights`` has one more entry than ``dates``: the end of the last day.
    A *steady* day keeps one UTC offset from midnight to midnight (every day
    but the two changes of time), so its wall times are its midnight plus
    their seconds.
    """

    first_ordinal: int
    dates: tuple[date, ...]
    midnights: tuple[int, ...]
    steady: tuple[bool, ...]
    tz: ZoneInfo

    def index(self, seconds: int) -> int:
        """The index of the local day holding instant ``seconds``."""
        return bisect.bisect_right(self.midnights, seconds) - 1

    def wall(self, index: int, seconds: int) -> int:
        """The instant at which day ``index``'s wall clock shows ``seconds``.

        ``fold=0``: an ambiguous autumn time is its first occurrence and a
        non-existent spring time is read with the pre-transition offset.
        """
        if self.steady[index]:
            return self.midnights[index] + seconds
        local = datetime.combine(self.dates[index], _wall_time(seconds), tzinfo=self.tz)
        return _seconds(local)


@lru_cache(maxsize=1024)
def _local_days(first: date, last: date, tz: ZoneInfo) -> _LocalDays:
    """The local days ``first``..``last`` (inclusive) of ``tz``."""
    dates = tuple(
        date.fromordinal(ordinal)
        for ordinal in range(first.toordinal(), last.toordinal() + 1)
    )
    bounds = [datetime.combine(day, time(), tzinfo=tz) for day in dates]
    bounds.append(datetime.combine(last + timedelta(days=1), time(), tzinfo=tz))
    offsets = [bound.utcoffset() for bound in bounds]
    steady = tuple(
        offsets[index] == offsets[index + 1]
        and (bounds[index] + timedelta(hours=12)).utcoffset() == offsets[index]
        for index in range(len(dates))
    )
    return _LocalDays(
        first.toordinal(), dates, tuple(map(_seconds, bounds)), steady, tz
    )


def _days_between(low: int, high: int, tz: ZoneInfo) -> _LocalDays:
    """The local days touched by instants ``low``..``high``."""
    return _local_days(
        datetime.fromtimestamp(low, tz).date(),
        datetime.fromtimestamp(high, tz).date(),
        tz,
    )


@lru_cache(maxsize=256)
def _changing_day_grid(day: date, grid: int, tz: ZoneInfo) -> tuple[int, ...]:
    """The grid instants of a day whose UTC offset changes, in seconds.

    A wall time inside the spring-forward gap does not exist and is left out
    (its fold=0 reading would alias a later instant: 02:15 reads as 03:15); a
    wall time of the repeated autumn hour is its first occurrence only.
    """
    instants = []
    for wall in range(0, _DAY, grid):
        local = datetime.combine(day, _wall_time(wall), tzinfo=tz)
        instant = local.astimezone(UTC)
        if instant.astimezone(tz).replace(tzinfo=None) == local.replace(tzinfo=None):
            instants.append(_seconds(instant))
    return tuple(sorted(instants))


def _expand(
    weeks: Iterable[TypicalWeek], days: _LocalDays, first: int, last: int
) -> list[_Pair]:
    """The openings of ``weeks`` on days ``first``..``last`` (indexes), unsorted."""
    openings: list[_Pair] = []
    ordinal = days.first_ordinal
    for week in weeks:
        if not week.ranges:
            continue
        start_index = max(first, week.valid_from.toordinal() - ordinal)
        end_index = last
        if week.valid_until is not None:
            end_index = min(last, week.valid_until.toordinal() - ordinal)
        if start_index > end_index:
            continue
        by_weekday: dict[int, list[tuple[int, int]]] = {}
        for weekly in week.ranges:
            by_weekday.setdefault(weekly.weekday, []).append(
                (_wall_seconds(weekly.start, up=True), _wall_seconds(weekly.end))
            )
        # Weeks are counted from the Monday of valid_from, never iterated from
        # it, so a pattern started years ago costs nothing extra.
        anchor = week.valid_from.toordinal() - week.valid_from.weekday()
        repeat = week.repeat_every
        for index in range(start_index, end_index + 1):
            weekday = (ordinal + index - 1) % 7  # date.fromordinal(1) is a Monday
            walls = by_weekday.get(weekday)
            if not walls or (ordinal + index - weekday - anchor) // 7 % repeat:
                continue
            for wall_start, wall_end in walls:
                start, end = days.wall(index, wall_start), days.wall(index, wall_end)
                # A range ending inside the spring-forward gap can collapse or
                # reverse once converted; it has no real duration.
                if start < end:
                    openings.append((start, end))
    return openings


def expand_typical_weeks(
    weeks: Iterable[TypicalWeek], first_day: date, last_day: date, tz: ZoneInfo
) -> list[Interval]:
    """Return the concrete openings of ``weeks`` on days first_day..last_day.

    Both days are inclusive and are local dates in ``tz``. Wall-clock times are
    converted day by day, so a Monday 08:00 range is 08:00 local on both sides
    of a DST change. The result is sorted and merged, in UTC.
    """
    if first_day > last_day:
        return []
    days = _local_days(first_day, last_day, tz)
    pairs = _merge_pairs(_expand(weeks, days, 0, len(days.dates) - 1))
    return [_interval_of(pair) for pair in pairs]


def _openings(
    calendar: AgentCalendar,
    low: int,
    high: int,
    days: _LocalDays,
    closures: Sequence[_Pair],
) -> list[_Pair]:
    """The agent's openings within ``[low, high)`` but its unavailable periods
    and the ``closures`` (sorted, merged): sorted, disjoint pairs.

    Busy times are left out: a handful of closures and unavailable periods are
    cut here, the thousands of busy times by the walks that follow.
    """
    openings = _expand(
        calendar.typical_weeks, days, days.index(low), days.index(high - 1)
    )
    if calendar.extra_openings:
        openings += _opening_pairs(calendar.extra_openings)
    openings = _clip_pairs(_merge_pairs(openings), low, high)
    if calendar.unavailable:
        closures = _merge_pairs([*closures, *_blocked_pairs(calendar.unavailable)])
    if closures:
        openings = _subtract_pairs(openings, closures)
    return openings


def _clip_pairs(pairs: list[_Pair], low: int, high: int) -> list[_Pair]:
    """The parts of sorted, disjoint ``pairs`` within ``[low, high)``."""
    first = bisect.bisect_right(pairs, (low, low))
    if first and pairs[first - 1][1] > low:
        first -= 1  # the pair holding ``low``
    last = bisect.bisect_left(pairs, (high, high))
    clipped = pairs[first:last]
    if clipped:
        if clipped[0][0] < low:
            clipped[0] = (low, clipped[0][1])
        if clipped[-1][1] > high:
            clipped[-1] = (clipped[-1][0], high)
    return clipped


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
    low, high = _seconds(window.start, up=True), _seconds(window.end)
    if low >= high:
        return []
    # Every typical-week opening lies within one local day, so the local dates
    # touched by the window are enough.
    days = _days_between(low, high, tz)
    closed = _merge_pairs(_blocked_pairs(closures))
    pairs = _subtract_pairs(
        _openings(calendar, low, high, days, closed),
        _busy_index(calendar.busy).around(low, high),
    )
    return [_interval_of(pair) for pair in pairs]


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
    low, high = _seconds(window.start, up=True), _seconds(window.end)
    earliest = low
    if not_before is not None:
        _require_aware(not_before, "not_before")
        earliest = max(earliest, _seconds(not_before, up=True))
    agent_ids = [calendar.agent_id for calendar in calendars]
    if len(set(agent_ids)) != len(agent_ids):
        # Silently unioning two calendars of one agent would hide a caller bug
        # and could double-count capacity.
        raise ValueError("each agent must appear in at most one calendar")
    if low >= high:
        return []

    grid = grid_minutes * 60
    length = _duration_seconds(duration)
    reach = length + (_duration_seconds(buffer) if buffer else 0)
    days = _days_between(low, high, tz)
    closed = _merge_pairs(_blocked_pairs(closures))
    # Agents sharing their typical weeks, extra openings and unavailable
    # periods (a team working the service's hours) share their openings: the
    # grid starts these offer are computed once for them all.
    teams: dict[tuple, list[AgentCalendar]] = {}
    for calendar in sorted(calendars, key=lambda calendar: calendar.agent_id):
        teams.setdefault(_team_key(calendar), []).append(calendar)
    agents_by_start: dict[int, list[int]] = {}
    for team in teams.values():
        openings = _openings(team[0], low, high, days, closed)
        offered = _opening_starts(openings, earliest, length, grid, days)
        agents_at = _team_agents(team, offered, low, high, reach)
        for start, agents in zip(offered, agents_at, strict=True):
            if not agents:
                continue
            if start in agents_by_start:
                agents_by_start[start] += agents
            else:
                agents_by_start[start] = agents
    several = len(teams) > 1  # then a start's agents come from several teams
    slots = []
    for start in sorted(agents_by_start):
        agents = agents_by_start[start]
        begin = datetime.fromtimestamp(start, UTC)
        slots.append(
            Slot(begin, begin + duration, tuple(sorted(agents) if several else agents))
        )
    return slots


# Busy times per member and offered start above which _team_agents walks each
# member's starts (about where the two ways cost the same).
_MANY_BUSY = 0.2


def _team_agents(
    team: Sequence[AgentCalendar], offered: list[int], low: int, high: int, reach: int
) -> list[list[int]]:
    """For each of the starts ``offered`` to a team (sorted), its members free
    then, by id: those none of whose busy times it hits. A busy time
    [b0, b1) hits a start s when the slot and its buffer, [s, s + reach),
    meet it: b0 - reach < s < b1.

    Two ways, the same answer (a property test holds them to it). Few busy
    times (an opening day: most starts free): every member is put at every
    start, then taken away from the few starts each busy time hits, found by
    bisection. Many (a week fully booked): one walk of the starts and the busy
    times together puts each member where it is free.
    """
    bisect_right, bisect_left = bisect.bisect_right, bisect.bisect_left
    members = [calendar.agent_id for calendar in team]
    busy = [_busy_index(calendar.busy) for calendar in team]
    spans = [each.span(low, high + reach) for each in busy]
    many = sum(last - first for first, last in spans) > (
        _MANY_BUSY * len(offered) * len(team)
    )
    if many:
        agents_at: list[list[int]] = [[] for _ in offered]
    else:
        agents_at = [members.copy() for _ in offered]
    count = len(offered)
    for agent_id, each, (first, last) in zip(members, busy, spans, strict=True):
        pairs = zip(each.starts[first:last], each.ends[first:last], strict=True)
        if many:
            # Walk the starts and the busy times together: every start is
            # looked at once, each busy time once.
            index = 0
            for busy_start, busy_end in pairs:
                hit = busy_start - reach
                while index < count and offered[index] <= hit:
                    agents_at[index].append(agent_id)
                    index += 1
                while index < count and offered[index] < busy_end:
                    index += 1
            while index < count:
                agents_at[index].append(agent_id)
                index += 1
        else:
            # Take the agent away from the few starts each busy time hits.
            done = 0  # the starts before this index are settled
            for busy_start, busy_end in pairs:
                hit = bisect_right(offered, busy_start - reach, done)
                done = bisect_left(offered, busy_end, hit)
                for index in range(hit, done):
                    agents_at[index].remove(agent_id)
    return agents_at


def _team_key(calendar: AgentCalendar) -> tuple:
    """What an agent's openings are made of, equal for agents whose openings
    are the same (the ranges of a week in any order)."""
    weeks = tuple(
        (
            week.valid_from,
            week.valid_until,
            week.repeat_every,
            tuple(sorted((each.weekday, each.start, each.end) for each in week.ranges)),
        )
        for week in calendar.typical_weeks
    )
    return weeks, calendar.extra_openings, calendar.unavailable


def _opening_starts(
    openings: Sequence[_Pair], earliest: int, length: int, grid: int, days: _LocalDays
) -> list[int]:
    """The grid starts, in order, of the slots of ``length`` seconds that fit
    in sorted, disjoint ``openings`` and start at or after ``earliest``."""
    starts: list[int] = []
    extend = starts.extend
    midnights, steady = days.midnights, days.steady
    # The local day of the opening being turned into starts, which only grows.
    day, midnight, next_midnight = 0, midnights[0], midnights[1]
    for start, end in openings:
        first = start if start > earliest else earliest
        latest = end - length
        if first > latest:
            continue
        # Grid points are local wall-clock times that are multiples of the
        # grid from each local midnight (the grid restarts at midnight even if
        # it does not divide 24 h). Within a day that keeps its UTC offset
        # they are its midnight plus multiples of the grid.
        while next_midnight <= first:
            day += 1
            midnight, next_midnight = next_midnight, midnights[day + 1]
        if latest < next_midnight and steady[day]:
            extend(range(first + (midnight - first) % grid, latest + 1, grid))
        else:
            extend(_grid_starts(first, latest, grid, days))
    return starts


def _grid_starts(first: int, latest: int, grid: int, days: _LocalDays) -> list[int]:
    """The grid instants from ``first`` to ``latest`` (inclusive), day by day:
    for a free time running over midnight or on a day whose offset changes."""
    starts: list[int] = []
    midnights, index = days.midnights, days.index(first)
    while first <= latest:
        midnight, next_midnight = midnights[index], midnights[index + 1]
        if days.steady[index]:
            starts.extend(
                range(
                    midnight - (midnight - first) // grid * grid,
                    min(latest, next_midnight - 1) + 1,
                    grid,
                )
            )
        else:
            instants = _changing_day_grid(days.dates[index], grid, days.tz)
            starts.extend(
                instants[
                    bisect.bisect_left(instants, first) : bisect.bisect_right(
                        instants, latest
                    )
                ]
            )
        first, index = next_midnight, index + 1
    return starts


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


def part_hours(ranges: Iterable[tuple[time, time]]) -> dict[str, tuple[time, time]]:
    """The parts of the day that weekly ranges open, each with its hours.

    A part's hours run from the earliest opening inside it to the latest
    closing inside it ("evening": 17:00 – 19:00 for a range 14:00 – 19:00).
    Parts that no range touches are left out, in :data:`PARTS_OF_DAY` order.
    """
    bounds = dict(
        zip(
            PARTS_OF_DAY,
            [
                (time.min, _AFTERNOON_FROM),
                (_AFTERNOON_FROM, _EVENING_FROM),
                (_EVENING_FROM, time.max),
            ],
            strict=True,
        )
    )
    found: dict[str, tuple[time, time]] = {}
    for start, end in ranges:
        for part, (low, high) in bounds.items():
            if start < high and end > low:
                first, last = max(start, low), min(end, high)
                if part in found:
                    first = min(first, found[part][0])
                    last = max(last, found[part][1])
                found[part] = (first, last)
    return {part: found[part] for part in PARTS_OF_DAY if part in found}


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


def without_held(
    slots: Iterable[Slot], held: Mapping[int, Sequence[Interval]], buffer: timedelta
) -> list[Slot]:
    """Return ``slots`` less the agents a held time keeps, in input order.

    ``held`` gives, per agent, the times kept for someone (issue 25, point 1),
    each with its own reason's buffer, like busy times. An agent leaves a slot
    when ``[start, end + buffer)`` overlaps one of them: the rule
    :func:`compute_slots` applies to busy times. A slot left without agents
    is dropped. Applied after the search, so that searches kept in a cache
    stay right when a hold expires by itself.
    """
    if not held:
        return list(slots)
    kept: list[Slot] = []
    for slot in slots:
        wanted = Interval(slot.start, slot.end)
        agents = tuple(
            agent_id
            for agent_id in slot.agent_ids
            if not is_held(held, agent_id, wanted, buffer)
        )
        if len(agents) == len(slot.agent_ids):
            kept.append(slot)
        elif agents:
            kept.append(dataclasses.replace(slot, agent_ids=agents))
    return kept


def is_held(
    held: Mapping[int, Sequence[Interval]],
    agent_id: int,
    wanted: Interval,
    buffer: timedelta,
) -> bool:
    """Whether a time held for someone keeps ``agent_id`` from ``wanted`` and
    its ``buffer`` after (see :func:`without_held`)."""
    with_buffer = Interval(wanted.start, wanted.end + buffer)
    return any(hold.overlaps(with_buffer) for hold in held.get(agent_id, ()))


def free_agents(
    calendars: Iterable[AgentCalendar],
    wanted: Interval,
    buffer: timedelta,
    *,
    window: Interval,
    tz: ZoneInfo,
    closures: Sequence[Interval] = (),
) -> list[int]:
    """The agents free for the whole of ``wanted`` and its ``buffer`` after.

    The one rule "which agents are free for [start, end) plus buffer", off
    the grid (so appointments placed off-grid count too): ``wanted`` lies in
    one of the agent's free intervals within ``window`` (openings minus
    unavailability, closures and busy times, which carry their own buffers),
    and no busy time begins within the buffer after it. In input order.
    """
    with_buffer = Interval(wanted.start, wanted.end + buffer)
    free = []
    for calendar in calendars:
        openings = free_intervals(calendar, window, tz, closures)
        if not any(opening.contains(wanted) for opening in openings):
            continue
        if any(busy.overlaps(with_buffer) for busy in calendar.busy):
            continue
        free.append(calendar.agent_id)
    return free


def least_loaded(candidates: Iterable[int], loads: Mapping[int, int]) -> int:
    """The candidate with the fewest appointments (``loads``, missing: none);
    ties go to the lowest id. The rule every automatic choice of an agent
    follows (R20)."""
    return min(candidates, key=lambda agent_id: (loads.get(agent_id, 0), agent_id))
