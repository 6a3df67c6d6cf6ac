"""Tests of the pure availability engine (no database involved)."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from staffing import availability
from staffing.availability import (
    PARTS_OF_DAY,
    AgentCalendar,
    Interval,
    Slot,
    TypicalWeek,
    WeeklyRange,
    compute_slots,
    expand_typical_weeks,
    filter_slots,
    free_intervals,
    merge,
    part_of_day,
    subtract,
)

BRUSSELS = ZoneInfo("Europe/Brussels")
MINUTES = timedelta(minutes=1)


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------


def at(day: date, hhmm: str) -> datetime:
    """Aware Brussels datetime for a local wall-clock time ("08:15")."""
    hours, minutes = (int(part) for part in hhmm.split(":"))
    return datetime.combine(day, time(hours, minutes), tzinfo=BRUSSELS)


def span(day: date, start: str, end: str) -> Interval:
    """Local interval on one day."""
    return Interval(at(day, start), at(day, end))


def weekly(weekday: int, start: str, end: str) -> WeeklyRange:
    """Weekly range from "HH:MM" strings."""
    return WeeklyRange(
        weekday, time.fromisoformat(start + ":00"), time.fromisoformat(end + ":00")
    )


def week(
    *ranges: WeeklyRange,
    valid_from: date = date(2026, 1, 5),
    valid_until: date | None = None,
    repeat_every: int = 1,
) -> TypicalWeek:
    """Typical week with sensible defaults."""
    return TypicalWeek(valid_from, valid_until, repeat_every, tuple(ranges))


def window_of_days(first: date, last: date) -> Interval:
    """Window from local midnight of ``first`` to local midnight after ``last``."""
    return Interval(at(first, "00:00"), at(last + timedelta(days=1), "00:00"))


def slots_for(
    calendars: list[AgentCalendar],
    first: date,
    last: date | None = None,
    *,
    grid_minutes: int = 30,
    duration_minutes: int = 30,
    buffer_minutes: int = 0,
    closures: tuple[Interval, ...] = (),
    not_before: datetime | None = None,
) -> list[Slot]:
    """compute_slots over whole local days, with short keyword names."""
    return compute_slots(
        calendars=calendars,
        window=window_of_days(first, last or first),
        tz=BRUSSELS,
        grid_minutes=grid_minutes,
        duration=timedelta(minutes=duration_minutes),
        buffer=timedelta(minutes=buffer_minutes),
        closures=closures,
        not_before=not_before,
    )


def local_starts(slots: list[Slot]) -> list[str]:
    """Local "YYYY-MM-DD HH:MM" of each slot start, for readable assertions."""
    return [
        slot.start.astimezone(BRUSSELS).strftime("%Y-%m-%d %H:%M") for slot in slots
    ]


def utc(*args: int) -> datetime:
    """Aware UTC datetime."""
    return datetime(*args, tzinfo=UTC)


MONDAY = date(2026, 6, 1)
TUESDAY = date(2026, 6, 2)


# --------------------------------------------------------------------------
# Interval, merge, subtract
# --------------------------------------------------------------------------


def test_interval_rejects_naive_datetimes() -> None:
    with pytest.raises(ValueError, match="aware"):
        Interval(datetime(2026, 1, 1, 8), datetime(2026, 1, 1, 9))


@pytest.mark.parametrize("minutes", [0, -30])
def test_interval_rejects_empty_or_reversed_bounds(minutes: int) -> None:
    start = at(MONDAY, "08:00")
    with pytest.raises(ValueError, match="before"):
        Interval(start, start + minutes * MINUTES)


def test_interval_overlap_is_half_open() -> None:
    morning = span(MONDAY, "08:00", "10:00")
    assert morning.overlaps(span(MONDAY, "09:59", "11:00"))
    assert not morning.overlaps(span(MONDAY, "10:00", "11:00"))
    assert not span(MONDAY, "10:00", "11:00").overlaps(morning)


def test_interval_contains_itself_and_nested_but_not_overhanging() -> None:
    morning = span(MONDAY, "08:00", "10:00")
    assert morning.contains(morning)
    assert morning.contains(span(MONDAY, "08:30", "09:00"))
    assert not morning.contains(span(MONDAY, "09:30", "10:01"))


def test_interval_comparisons_respect_fold_in_repeated_autumn_hour() -> None:
    # 02:30 happens twice on 2026-10-25 (00:30Z then 01:30Z); Python's
    # same-zone comparison would see them as equal and reject this interval.
    first = datetime(2026, 10, 25, 2, 30, tzinfo=BRUSSELS)
    second = first.replace(fold=1)
    hour = Interval(first, second)
    assert hour.contains(Interval(utc(2026, 10, 25, 1), second))
    assert not hour.overlaps(Interval(second, utc(2026, 10, 25, 2)))
    assert hour.overlaps(Interval(utc(2026, 10, 25, 1, 29), second))


def test_merge_of_nothing_is_empty() -> None:
    assert merge([]) == []


def test_merge_fuses_adjacent_overlapping_and_nested_and_sorts() -> None:
    result = merge(
        [
            span(MONDAY, "14:00", "15:00"),
            span(MONDAY, "08:00", "09:00"),
            span(MONDAY, "09:00", "10:00"),  # adjacent
            span(MONDAY, "09:30", "09:45"),  # nested
            span(MONDAY, "14:30", "16:00"),  # overlapping
        ]
    )
    assert result == [span(MONDAY, "08:00", "10:00"), span(MONDAY, "14:00", "16:00")]


def test_merge_keeps_a_gap_of_one_minute() -> None:
    pieces = [span(MONDAY, "08:00", "09:00"), span(MONDAY, "09:01", "10:00")]
    assert merge(pieces) == pieces


def test_merge_returns_utc_equal_to_local_input() -> None:
    (merged,) = merge([span(MONDAY, "08:00", "09:00")])
    assert merged.start.tzinfo is UTC
    assert merged == span(MONDAY, "08:00", "09:00")


def test_subtract_with_empty_sides() -> None:
    base = [span(MONDAY, "08:00", "12:00")]
    assert subtract(base, []) == base
    assert subtract([], base) == []


def test_subtract_nested_cut_splits_the_base() -> None:
    assert subtract(
        [span(MONDAY, "08:00", "12:00")], [span(MONDAY, "09:00", "10:00")]
    ) == [span(MONDAY, "08:00", "09:00"), span(MONDAY, "10:00", "12:00")]


def test_subtract_adjacent_cuts_leave_base_untouched() -> None:
    base = [span(MONDAY, "08:00", "12:00")]
    cut = [span(MONDAY, "07:00", "08:00"), span(MONDAY, "12:00", "13:00")]
    assert subtract(base, cut) == base


def test_subtract_cut_covering_everything_leaves_nothing() -> None:
    base = [span(MONDAY, "08:00", "09:00"), span(MONDAY, "10:00", "11:00")]
    assert subtract(base, [span(MONDAY, "07:00", "12:00")]) == []


def test_subtract_one_cut_spanning_several_bases_trims_each() -> None:
    base = [
        span(MONDAY, "08:00", "09:00"),
        span(MONDAY, "10:00", "11:00"),
        span(MONDAY, "12:00", "13:00"),
    ]
    cut = [span(MONDAY, "08:30", "12:30")]
    assert subtract(base, cut) == [
        span(MONDAY, "08:00", "08:30"),
        span(MONDAY, "12:30", "13:00"),
    ]


def test_subtract_several_cuts_in_one_base() -> None:
    base = [span(MONDAY, "08:00", "12:00")]
    cut = [
        span(MONDAY, "08:00", "08:30"),
        span(MONDAY, "09:00", "09:30"),
        span(MONDAY, "11:00", "12:30"),
    ]
    assert subtract(base, cut) == [
        span(MONDAY, "08:30", "09:00"),
        span(MONDAY, "09:30", "11:00"),
    ]


# --------------------------------------------------------------------------
# Typical weeks and DST
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("monday", "utc_hour"),
    [(date(2026, 3, 30), 6), (date(2026, 10, 26), 7)],
    ids=["after-spring-forward", "after-fall-back"],
)
def test_monday_slots_start_at_0800_local_after_dst_change(
    monday: date, utc_hour: int
) -> None:
    calendar = AgentCalendar(1, (week(weekly(0, "08:00", "12:00")),))
    slots = slots_for([calendar], monday - timedelta(days=2), monday)
    assert local_starts(slots)[0] == f"{monday} 08:00"
    assert slots[0].start == utc(monday.year, monday.month, monday.day, utc_hour)
    assert local_starts(slots)[-1] == f"{monday} 11:30"
    assert len(slots) == 8


@pytest.mark.parametrize(
    ("sunday", "utc_hour"),
    [(date(2026, 3, 29), 6), (date(2026, 10, 25), 7)],
    ids=["23-hour-day", "25-hour-day"],
)
def test_grid_is_on_local_wall_time_on_the_dst_sundays(
    sunday: date, utc_hour: int
) -> None:
    calendar = AgentCalendar(1, (week(weekly(6, "08:00", "12:00")),))
    slots = slots_for([calendar], sunday, grid_minutes=15, duration_minutes=15)
    assert local_starts(slots)[:2] == [f"{sunday} 08:00", f"{sunday} 08:15"]
    assert slots[0].start.hour == utc_hour
    assert len(slots) == 16


def test_range_crossing_the_spring_forward_gap_does_not_crash() -> None:
    sunday = date(2026, 3, 29)
    calendar = AgentCalendar(
        1,
        (
            week(
                weekly(6, "01:00", "04:00"),
                weekly(6, "02:15", "02:45"),  # entirely inside the gap
                weekly(6, "02:30", "03:00"),  # ends at the gap's end
            ),
        ),
    )
    slots = slots_for([calendar], sunday, grid_minutes=30, duration_minutes=30)
    # 02:00 and 02:30 do not exist that night; 01:00-04:00 lasts two real hours.
    assert local_starts(slots) == [
        f"{sunday} 01:00",
        f"{sunday} 01:30",
        f"{sunday} 03:00",
        f"{sunday} 03:30",
    ]
    assert [slot.start for slot in slots] == sorted({slot.start for slot in slots})


def test_repeated_autumn_hour_offers_each_wall_time_once() -> None:
    sunday = date(2026, 10, 25)
    calendar = AgentCalendar(1, (week(weekly(6, "01:00", "04:00")),))
    slots = slots_for([calendar], sunday, grid_minutes=30, duration_minutes=30)
    # The opening lasts four real hours but the wall-clock grid has six points:
    # the second 02:00 and 02:30 (fold=1) are not grid times of their own.
    assert local_starts(slots) == [
        f"{sunday} {hhmm}"
        for hhmm in ("01:00", "01:30", "02:00", "02:30", "03:00", "03:30")
    ]
    assert [slot.start.hour for slot in slots] == [23, 23, 0, 0, 2, 2]


@pytest.mark.parametrize(
    ("fold", "blocked"), [(0, ["02:00", "02:30"]), (1, [])], ids=["first", "second"]
)
def test_busy_in_repeated_autumn_hour_blocks_slots_of_its_own_occurrence(
    fold: int, blocked: list[str]
) -> None:
    sunday = date(2026, 10, 25)
    busy_start = datetime(2026, 10, 25, 2, 0, fold=fold, tzinfo=BRUSSELS)
    calendar = AgentCalendar(
        1,
        (week(weekly(6, "01:00", "04:00")),),
        busy=(Interval(busy_start, busy_start.astimezone(UTC) + 60 * MINUTES),),
    )
    slots = slots_for([calendar], sunday, grid_minutes=30, duration_minutes=30)
    expected = [
        f"{sunday} {hhmm}"
        for hhmm in ("01:00", "01:30", "02:00", "02:30", "03:00", "03:30")
        if hhmm not in blocked
    ]
    assert local_starts(slots) == expected


def test_repeat_every_two_weeks_alternates_far_after_valid_from() -> None:
    calendar = AgentCalendar(
        1,
        (
            week(
                weekly(0, "08:00", "09:00"),
                valid_from=date(2020, 1, 8),  # a Wednesday: weeks count from 6 Jan
                repeat_every=2,
            ),
        ),
    )
    slots = slots_for(
        [calendar], date(2026, 6, 1), date(2026, 6, 28), duration_minutes=60
    )
    # 2026-06-01 is 334 weeks after 2020-01-06: even, so open; then every other.
    assert local_starts(slots) == ["2026-06-01 08:00", "2026-06-15 08:00"]


def test_repeat_every_three_weeks_counts_from_monday_of_valid_from() -> None:
    days = expand_typical_weeks(
        [
            week(
                weekly(4, "10:00", "11:00"), valid_from=date(2026, 6, 5), repeat_every=3
            )
        ],
        date(2026, 6, 1),
        date(2026, 7, 31),
        BRUSSELS,
    )
    assert [item.start.astimezone(BRUSSELS).date() for item in days] == [
        date(2026, 6, 5),
        date(2026, 6, 26),
        date(2026, 7, 17),
    ]


def test_valid_from_and_valid_until_are_inclusive_bounds() -> None:
    calendar = AgentCalendar(
        1,
        (
            week(
                *(weekly(weekday, "08:00", "09:00") for weekday in range(7)),
                valid_from=date(2026, 6, 3),
                valid_until=date(2026, 6, 5),
            ),
        ),
    )
    slots = slots_for(
        [calendar], date(2026, 6, 1), date(2026, 6, 10), duration_minutes=60
    )
    assert local_starts(slots) == [
        "2026-06-03 08:00",
        "2026-06-04 08:00",
        "2026-06-05 08:00",
    ]


def test_successive_typical_weeks_take_over_from_each_other() -> None:
    calendar = AgentCalendar(
        1,
        (
            week(weekly(0, "08:00", "09:00"), valid_until=date(2026, 6, 7)),
            week(weekly(0, "14:00", "15:00"), valid_from=date(2026, 6, 8)),
        ),
    )
    slots = slots_for(
        [calendar], date(2026, 6, 1), date(2026, 6, 8), duration_minutes=60
    )
    assert local_starts(slots) == ["2026-06-01 08:00", "2026-06-08 14:00"]


def test_adjacent_ranges_merge_so_a_slot_may_straddle_them() -> None:
    calendar = AgentCalendar(
        1, (week(weekly(0, "08:00", "09:00"), weekly(0, "09:00", "10:00")),)
    )
    slots = slots_for([calendar], MONDAY, duration_minutes=90)
    assert local_starts(slots) == [f"{MONDAY} 08:00", f"{MONDAY} 08:30"]


# --------------------------------------------------------------------------
# Exceptions, closures, busy times
# --------------------------------------------------------------------------


def test_extra_opening_adds_slots_outside_the_typical_week() -> None:
    saturday = date(2026, 6, 6)
    calendar = AgentCalendar(
        1,
        (week(weekly(0, "08:00", "09:00")),),
        extra_openings=(span(saturday, "10:00", "11:00"),),
    )
    slots = slots_for([calendar], MONDAY, saturday, duration_minutes=60)
    assert local_starts(slots) == [f"{MONDAY} 08:00", f"{saturday} 10:00"]


def test_extra_opening_across_midnight_gives_grid_slots_on_both_days() -> None:
    calendar = AgentCalendar(
        1, (), extra_openings=(Interval(at(MONDAY, "23:00"), at(TUESDAY, "01:00")),)
    )
    slots = slots_for([calendar], MONDAY, TUESDAY, duration_minutes=60)
    assert local_starts(slots) == [
        f"{MONDAY} 23:00",
        f"{MONDAY} 23:30",
        f"{TUESDAY} 00:00",
    ]


def test_unavailable_period_removes_the_slots_it_touches() -> None:
    calendar = AgentCalendar(
        1,
        (week(weekly(0, "08:00", "12:00")),),
        unavailable=(span(MONDAY, "09:15", "10:30"),),
    )
    slots = slots_for([calendar], MONDAY)
    assert local_starts(slots) == [
        f"{MONDAY} {hhmm}" for hhmm in ("08:00", "08:30", "10:30", "11:00", "11:30")
    ]


def test_closure_removes_the_whole_day_for_every_agent() -> None:
    calendars = [
        AgentCalendar(agent, (week(weekly(0, "08:00", "12:00")),)) for agent in (1, 2)
    ]
    closure = window_of_days(MONDAY, MONDAY)
    assert slots_for(calendars, MONDAY, closures=(closure,)) == []
    assert free_intervals(calendars[0], closure, BRUSSELS, (closure,)) == []


def test_free_intervals_are_clipped_to_the_window() -> None:
    calendar = AgentCalendar(1, (week(weekly(0, "08:00", "12:00")),))
    window = span(MONDAY, "10:00", "18:00")
    assert free_intervals(calendar, window, BRUSSELS) == [
        span(MONDAY, "10:00", "12:00")
    ]


def _tuesday_team(*busy_agents: int) -> list[AgentCalendar]:
    """Three agents open Tuesday 13:00-16:00; listed ones booked all afternoon."""
    calendars = []
    for agent in (3, 1, 2):
        appointments = [
            span(TUESDAY, "13:00", "14:30"),
            span(TUESDAY, "14:30", "16:00"),
        ]
        calendars.append(
            AgentCalendar(
                agent,
                (week(weekly(1, "13:00", "16:00")),),
                busy=tuple(appointments) if agent in busy_agents else (),
            )
        )
    return calendars


def test_capacity_drops_from_three_to_zero_as_appointments_are_added() -> None:
    capacities = []
    for busy_agents in [(), (2,), (2, 3), (1, 2, 3)]:
        slots = slots_for(_tuesday_team(*busy_agents), TUESDAY)
        capacities.append({slot.capacity for slot in slots})
        if slots:
            assert len(slots) == 6
    assert capacities == [{3}, {2}, {1}, set()]


def test_one_appointment_lowers_capacity_only_where_it_lies() -> None:
    calendars = _tuesday_team()
    calendars[0] = replace(calendars[0], busy=(span(TUESDAY, "14:00", "14:30"),))
    slots = slots_for(calendars, TUESDAY)
    assert [slot.capacity for slot in slots] == [3, 3, 2, 3, 3, 3]
    assert slots[2].agent_ids == (1, 2)
    assert slots[0].agent_ids == (1, 2, 3)


def test_busy_interval_extended_by_its_buffer_blocks_the_slot_right_after() -> None:
    # Appointment 09:00-09:30 with a 15 min buffer arrives as busy 09:00-09:45.
    calendar = AgentCalendar(
        1,
        (week(weekly(0, "08:00", "11:00")),),
        busy=(span(MONDAY, "09:00", "09:45"),),
    )
    slots = slots_for([calendar], MONDAY, grid_minutes=15)
    assert f"{MONDAY} 09:30" not in local_starts(slots)
    assert f"{MONDAY} 09:45" in local_starts(slots)


def test_buffer_blocks_a_slot_whose_buffer_runs_into_the_next_appointment() -> None:
    calendar = AgentCalendar(
        1,
        (week(weekly(0, "08:00", "11:00")),),
        busy=(span(MONDAY, "09:00", "09:30"),),
    )
    without = local_starts(slots_for([calendar], MONDAY, grid_minutes=15))
    with_buffer = local_starts(
        slots_for([calendar], MONDAY, grid_minutes=15, buffer_minutes=15)
    )
    assert f"{MONDAY} 08:30" in without
    assert f"{MONDAY} 08:30" not in with_buffer
    assert f"{MONDAY} 08:15" in with_buffer


def test_buffer_may_run_past_closing_time() -> None:
    calendar = AgentCalendar(1, (week(weekly(0, "08:00", "09:00")),))
    slots = slots_for([calendar], MONDAY, buffer_minutes=30)
    assert local_starts(slots)[-1] == f"{MONDAY} 08:30"
    assert slots[-1].end == at(MONDAY, "09:00")


def test_not_before_drops_slots_inside_the_minimum_notice() -> None:
    calendar = AgentCalendar(1, (week(weekly(0, "08:00", "10:00")),))
    slots = slots_for([calendar], MONDAY, not_before=at(MONDAY, "08:40"))
    assert local_starts(slots) == [f"{MONDAY} 09:00", f"{MONDAY} 09:30"]
    on_grid = slots_for([calendar], MONDAY, not_before=at(MONDAY, "09:00"))
    assert local_starts(on_grid) == [f"{MONDAY} 09:00", f"{MONDAY} 09:30"]


def test_grid_counts_from_local_midnight_not_from_opening_time() -> None:
    calendar = AgentCalendar(1, (week(weekly(0, "08:10", "09:00")),))
    slots = slots_for([calendar], MONDAY, grid_minutes=15, duration_minutes=15)
    assert local_starts(slots) == [
        f"{MONDAY} 08:15",
        f"{MONDAY} 08:30",
        f"{MONDAY} 08:45",
    ]
    assert all(slot.end - slot.start == 15 * MINUTES for slot in slots)


def test_grid_not_dividing_a_day_restarts_at_each_local_midnight() -> None:
    calendar = AgentCalendar(
        1, (), extra_openings=(Interval(at(MONDAY, "23:00"), at(TUESDAY, "00:30")),)
    )
    slots = slots_for([calendar], MONDAY, TUESDAY, grid_minutes=25, duration_minutes=5)
    # 23:20 and 23:45 are multiples of 25 min from Monday's midnight.
    assert local_starts(slots) == [
        f"{MONDAY} 23:20",
        f"{MONDAY} 23:45",
        f"{TUESDAY} 00:00",
        f"{TUESDAY} 00:25",
    ]


def test_slot_must_fit_inside_the_window() -> None:
    calendar = AgentCalendar(1, (week(weekly(0, "08:00", "12:00")),))
    slots = compute_slots(
        calendars=[calendar],
        window=span(MONDAY, "08:30", "10:00"),
        tz=BRUSSELS,
        grid_minutes=30,
        duration=timedelta(minutes=60),
    )
    assert local_starts(slots) == [f"{MONDAY} 08:30", f"{MONDAY} 09:00"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"grid_minutes": 0}, "grid"),
        ({"duration": timedelta(0)}, "duration"),
        ({"buffer": -MINUTES}, "buffer"),
        ({"not_before": datetime(2026, 6, 1, 8)}, "aware"),
    ],
)
def test_compute_slots_rejects_invalid_parameters(
    kwargs: dict[str, object], message: str
) -> None:
    arguments: dict[str, object] = {
        "calendars": [],
        "window": window_of_days(MONDAY, MONDAY),
        "tz": BRUSSELS,
        "grid_minutes": 15,
        "duration": 15 * MINUTES,
        **kwargs,
    }
    with pytest.raises(ValueError, match=message):
        compute_slots(**arguments)  # type: ignore[arg-type]


def test_compute_slots_rejects_two_calendars_of_the_same_agent() -> None:
    calendar = AgentCalendar(1, (week(weekly(0, "08:00", "12:00")),))
    with pytest.raises(ValueError, match="agent"):
        slots_for([calendar, calendar], MONDAY)


# --------------------------------------------------------------------------
# Filters
# --------------------------------------------------------------------------


def _week_of_slots() -> list[Slot]:
    calendars = [
        AgentCalendar(1, (week(*(weekly(day, "08:00", "20:00") for day in range(5))),)),
        AgentCalendar(2, (week(weekly(1, "11:00", "18:00")),)),
    ]
    return slots_for(calendars, MONDAY, MONDAY + timedelta(days=6), grid_minutes=60)


def test_part_of_day_boundaries_are_local_noon_and_five_pm() -> None:
    assert part_of_day(at(MONDAY, "11:59"), BRUSSELS) == "morning"
    assert part_of_day(at(MONDAY, "12:00"), BRUSSELS) == "afternoon"
    assert part_of_day(at(MONDAY, "16:59"), BRUSSELS) == "afternoon"
    assert part_of_day(at(MONDAY, "17:00"), BRUSSELS) == "evening"
    # 10:30 UTC is 12:30 in Brussels summer time.
    assert part_of_day(utc(2026, 6, 1, 10, 30), BRUSSELS) == "afternoon"
    assert PARTS_OF_DAY == ("morning", "afternoon", "evening")


def test_filter_slots_by_weekday_uses_local_date() -> None:
    # 00:30 local on Tuesday is still Monday in UTC.
    early = Slot(at(TUESDAY, "00:30"), at(TUESDAY, "01:00"), (1,))
    assert filter_slots([early], tz=BRUSSELS, weekdays={1}) == [early]
    assert filter_slots([early], tz=BRUSSELS, weekdays={0}) == []


def test_filter_slots_by_weekdays_and_parts() -> None:
    slots = filter_slots(
        _week_of_slots(), tz=BRUSSELS, weekdays=[1, 3], parts=["afternoon"]
    )
    starts = local_starts(slots)
    assert starts[0] == "2026-06-02 12:00"
    assert starts[-1] == "2026-06-04 16:00"
    assert len(starts) == 10
    assert {slot.start.astimezone(BRUSSELS).weekday() for slot in slots} == {1, 3}


def test_filter_slots_by_evening_only() -> None:
    slots = filter_slots(_week_of_slots(), tz=BRUSSELS, parts={"evening"})
    assert {s.start.astimezone(BRUSSELS).hour for s in slots} == {17, 18, 19}


def test_filter_slots_by_agent_keeps_only_that_agent() -> None:
    slots = filter_slots(_week_of_slots(), tz=BRUSSELS, agent_id=2)
    assert local_starts(slots) == [f"{TUESDAY} {hour}:00" for hour in range(11, 18)]
    assert {slot.agent_ids for slot in slots} == {(2,)}
    assert {slot.capacity for slot in slots} == {1}


def test_filter_slots_without_criteria_returns_everything() -> None:
    slots = _week_of_slots()
    assert filter_slots(slots, tz=BRUSSELS) == slots


def test_filter_slots_rejects_unknown_part() -> None:
    with pytest.raises(ValueError, match="night"):
        filter_slots([], tz=BRUSSELS, parts=["night"])


# --------------------------------------------------------------------------
# Property-based tests against an independent brute force
# --------------------------------------------------------------------------

STEP = timedelta(minutes=5)  # every generated instant and length is a multiple
ANCHORS = [date(2026, 3, 23), date(2026, 10, 19), date(2026, 6, 1), date(2026, 2, 2)]


@dataclass(frozen=True)
class Scenario:
    """One randomly generated search."""

    calendars: tuple[AgentCalendar, ...]
    first_day: date
    last_day: date
    grid_minutes: int
    duration: timedelta
    buffer: timedelta
    closures: tuple[Interval, ...]
    not_before: datetime | None

    @property
    def window(self) -> Interval:
        return window_of_days(self.first_day, self.last_day)

    def slots(self, calendars: tuple[AgentCalendar, ...] | None = None) -> list[Slot]:
        return compute_slots(
            calendars=self.calendars if calendars is None else calendars,
            window=self.window,
            tz=BRUSSELS,
            grid_minutes=self.grid_minutes,
            duration=self.duration,
            buffer=self.buffer,
            closures=self.closures,
            not_before=self.not_before,
        )


@st.composite
def local_intervals(draw: st.DrawFn, first_day: date, days: int) -> Interval:
    """An interval starting in local daytime on one of the window's days."""
    day = first_day + timedelta(days=draw(st.integers(-1, days)))
    start_minute = draw(st.integers(5 * 12, 23 * 12)) * 5  # 05:00..23:00 local
    length = draw(st.integers(1, 60)) * STEP  # up to 5 h, may cross midnight
    start = datetime.combine(day, time(start_minute // 60, start_minute % 60))
    aware = start.replace(tzinfo=BRUSSELS)
    return Interval(aware, aware.astimezone(UTC) + length)


@st.composite
def weekly_ranges(draw: st.DrawFn) -> WeeklyRange:
    start = draw(st.integers(6 * 12, 20 * 12))  # in 5-minute steps
    end = min(start + draw(st.integers(1, 48)), 22 * 12)
    return WeeklyRange(
        draw(st.integers(0, 6)),
        time(start * 5 // 60, start * 5 % 60),
        time(end * 5 // 60, end * 5 % 60),
    )


@st.composite
def typical_weeks(draw: st.DrawFn, first_day: date) -> TypicalWeek:
    valid_from = first_day + timedelta(
        days=draw(st.one_of(st.integers(-20, 10), st.integers(-2500, -300)))
    )
    until_days = draw(st.none() | st.integers(0, 40))
    return TypicalWeek(
        valid_from,
        None if until_days is None else valid_from + timedelta(days=until_days),
        draw(st.integers(1, 3)),
        tuple(draw(st.lists(weekly_ranges(), max_size=4))),
    )


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    first_day = draw(st.sampled_from(ANCHORS)) + timedelta(days=draw(st.integers(0, 6)))
    days = draw(st.integers(7, 21))
    last_day = first_day + timedelta(days=days - 1)
    agent_ids = draw(st.lists(st.integers(1, 99), min_size=1, max_size=4, unique=True))

    def intervals(max_size: int) -> tuple[Interval, ...]:
        return tuple(
            draw(st.lists(local_intervals(first_day, days), max_size=max_size))
        )

    # Weeks shared by the team make slots with several agents common enough.
    team_weeks = draw(st.lists(typical_weeks(first_day), min_size=1, max_size=2))
    calendars = tuple(
        AgentCalendar(
            agent_id,
            tuple(week for week in team_weeks if draw(st.booleans()))
            + tuple(draw(st.lists(typical_weeks(first_day), max_size=1))),
            extra_openings=intervals(2),
            unavailable=intervals(2),
            busy=intervals(4),
        )
        for agent_id in agent_ids
    )
    # Teammates: the same openings and unavailable periods as the first agent,
    # their own busy times (the engine computes a team's openings once).
    calendars = calendars[:1] + tuple(
        replace(
            calendar,
            typical_weeks=calendars[0].typical_weeks,
            extra_openings=calendars[0].extra_openings,
            unavailable=calendars[0].unavailable,
        )
        if draw(st.booleans())
        else calendar
        for calendar in calendars[1:]
    )
    window_start = at(first_day, "00:00")
    notice = draw(st.none() | st.integers(0, days * 24 * 12))
    return Scenario(
        calendars=calendars,
        first_day=first_day,
        last_day=last_day,
        grid_minutes=draw(st.sampled_from([10, 15, 25, 30, 60])),
        duration=draw(st.integers(1, 18)) * STEP,
        buffer=draw(st.integers(0, 6)) * STEP,
        closures=intervals(2),
        not_before=None if notice is None else window_start + notice * STEP,
    )


def _units(interval: Interval, origin: datetime) -> range:
    """5-minute units covered by ``interval``, counted from ``origin``.

    Subtraction is done in UTC: between two datetimes of the same ZoneInfo it
    would give the wall-clock difference, wrong across a DST change.
    """
    start, end, zero = (
        moment.astimezone(UTC) for moment in (interval.start, interval.end, origin)
    )
    return range((start - zero) // STEP, -((zero - end) // STEP))


def _brute_open_units(calendar: AgentCalendar, scenario: Scenario) -> set[int]:
    """Units where the agent has an opening, computed day by day, naively."""
    origin = scenario.window.start
    units: set[int] = set()
    day = scenario.first_day
    while day <= scenario.last_day:
        for typical in calendar.typical_weeks:
            if day < typical.valid_from:
                continue
            if typical.valid_until is not None and day > typical.valid_until:
                continue
            # Days since the Monday of valid_from, in whole weeks.
            weeks_apart = (
                day.toordinal() - typical.valid_from.toordinal()
            ) + typical.valid_from.weekday()
            if weeks_apart // 7 % typical.repeat_every:
                continue
            for weekly_range in typical.ranges:
                if weekly_range.weekday == day.weekday():
                    units.update(
                        _units(
                            Interval(
                                datetime.combine(day, weekly_range.start, BRUSSELS),
                                datetime.combine(day, weekly_range.end, BRUSSELS),
                            ),
                            origin,
                        )
                    )
        day += timedelta(days=1)
    for extra in calendar.extra_openings:
        units.update(_units(extra, origin))
    return units


def _brute_grid(scenario: Scenario) -> list[datetime]:
    """Every existing local wall-clock grid time of the window's days, in UTC."""
    starts = []
    day = scenario.first_day
    while day <= scenario.last_day:
        for minute in range(0, 24 * 60, scenario.grid_minutes):
            wall = datetime.combine(day, time(minute // 60, minute % 60))
            instant = wall.replace(tzinfo=BRUSSELS).astimezone(UTC)
            if instant.astimezone(BRUSSELS).replace(tzinfo=None) == wall:
                starts.append(instant)
        day += timedelta(days=1)
    return starts


def _brute_force(scenario: Scenario) -> dict[datetime, tuple[int, ...]]:
    """Feasible agents per grid start, by checking every 5-minute unit."""
    origin = scenario.window.start
    duration_units = scenario.duration // STEP
    buffer_units = scenario.buffer // STEP
    per_agent = []
    for calendar in scenario.calendars:
        busy = {u for item in calendar.busy for u in _units(item, origin)}
        blocked = busy | {
            u
            for item in (*calendar.unavailable, *scenario.closures)
            for u in _units(item, origin)
        }
        free = _brute_open_units(calendar, scenario) - blocked
        per_agent.append((calendar.agent_id, free, busy))
    last_unit = _units(scenario.window, origin).stop
    expected: dict[datetime, tuple[int, ...]] = {}
    for start in _brute_grid(scenario):
        if scenario.not_before is not None and start < scenario.not_before:
            continue
        first = _units(Interval(start, start + STEP), origin).start
        if first + duration_units > last_unit:
            continue
        agents = tuple(
            sorted(
                agent_id
                for agent_id, free, busy in per_agent
                if all(u in free for u in range(first, first + duration_units))
                and not any(
                    u in busy
                    for u in range(first, first + duration_units + buffer_units)
                )
            )
        )
        if agents:
            expected[start] = agents
    return expected


PROPERTY_SETTINGS = settings(max_examples=80, deadline=None)


@PROPERTY_SETTINGS
@given(scenarios())
def test_property_no_slot_meets_busy_buffer_closure_or_unavailable(
    scenario: Scenario,
) -> None:
    calendars = {calendar.agent_id: calendar for calendar in scenario.calendars}
    for slot in scenario.slots():
        booked = Interval(slot.start, slot.end)
        with_buffer = Interval(slot.start, slot.end + scenario.buffer)
        assert not any(booked.overlaps(closure) for closure in scenario.closures)
        for agent_id in slot.agent_ids:
            calendar = calendars[agent_id]
            assert not any(with_buffer.overlaps(busy) for busy in calendar.busy)
            assert not any(booked.overlaps(item) for item in calendar.unavailable)


@PROPERTY_SETTINGS
@given(scenarios())
def test_property_every_slot_lies_inside_openings_of_each_of_its_agents(
    scenario: Scenario,
) -> None:
    origin = scenario.window.start
    calendars = {calendar.agent_id: calendar for calendar in scenario.calendars}
    open_units = {
        agent_id: _brute_open_units(calendar, scenario)
        for agent_id, calendar in calendars.items()
    }
    for slot in scenario.slots():
        assert scenario.window.contains(Interval(slot.start, slot.end))
        assert slot.end - slot.start == scenario.duration
        assert slot.agent_ids == tuple(sorted(set(slot.agent_ids)))
        local = slot.start.astimezone(BRUSSELS)
        assert (local.hour * 60 + local.minute) % scenario.grid_minutes == 0
        if scenario.not_before is not None:
            assert slot.start >= scenario.not_before
        for agent_id in slot.agent_ids:
            assert (
                set(_units(Interval(slot.start, slot.end), origin))
                <= open_units[agent_id]
            )


@PROPERTY_SETTINGS
@given(scenarios())
def test_property_capacity_equals_brute_force_count(scenario: Scenario) -> None:
    slots = scenario.slots()
    assert [slot.start for slot in slots] == sorted({slot.start for slot in slots})
    assert {slot.start: slot.agent_ids for slot in slots} == _brute_force(scenario)
    assert all(slot.capacity == len(slot.agent_ids) > 0 for slot in slots)


def _shuffled(items: tuple, rng: random.Random) -> tuple:
    shuffled = list(items)
    rng.shuffle(shuffled)
    return tuple(shuffled)


@PROPERTY_SETTINGS
@given(scenarios())
def test_property_both_ways_of_placing_a_team_agree_with_brute_force(
    scenario: Scenario,
) -> None:
    """Teammates are put at every start and taken away where busy, or put
    where free by a walk (availability._MANY_BUSY chooses): the same slots."""
    expected = _brute_force(scenario)
    for many_busy in (-1.0, math.inf):  # always walk, never walk
        with mock.patch.object(availability, "_MANY_BUSY", many_busy):
            slots = scenario.slots()
        assert {slot.start: slot.agent_ids for slot in slots} == expected


@PROPERTY_SETTINGS
@given(scenarios(), st.randoms(use_true_random=False))
def test_property_result_ignores_order_of_calendars_and_their_tuples(
    scenario: Scenario, rng: random.Random
) -> None:
    shuffled_calendars = _shuffled(
        tuple(
            replace(
                calendar,
                typical_weeks=_shuffled(
                    tuple(
                        replace(typical, ranges=_shuffled(typical.ranges, rng))
                        for typical in calendar.typical_weeks
                    ),
                    rng,
                ),
                extra_openings=_shuffled(calendar.extra_openings, rng),
                unavailable=_shuffled(calendar.unavailable, rng),
                busy=_shuffled(calendar.busy, rng),
            )
            for calendar in scenario.calendars
        ),
        rng,
    )
    shuffled = replace(
        scenario,
        calendars=shuffled_calendars,
        closures=_shuffled(scenario.closures, rng),
    )
    assert shuffled.slots() == scenario.slots()
