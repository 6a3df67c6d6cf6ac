"""The test suite's clock: where it stands, and the instants `make test-clock` tries.

A test that needs "today" sets the clock itself (``time_machine.travel(...,
tick=True)``); every other test must pass whatever the real date is. To prove
it, the whole suite can run with the clock moved (``pytest --clock=...`` or the
``TEST_CLOCK`` environment variable), and ``scripts/test_clock.py`` runs it at
the instants below: the days and hours that broke suites before (the 1st–12th
where US and Belgian dates are confused, summer/winter time changes, a leap
day, the turn of the year, a weekend).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

BRUSSELS = ZoneInfo("Europe/Brussels")


def parse_instant(text: str) -> datetime:
    """An ISO date-time; a naive one is wall-clock time in Europe/Brussels.

    On the night clocks go back, 02:30 happens twice: a naive value means the
    first (summer time); write the offset ("+01:00") for the second.
    """
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=BRUSSELS)
    return moment


def _next_day_of_month(today: date, day: int) -> date:
    candidate = today.replace(day=day)
    if candidate > today:
        return candidate
    month = today.month % 12 + 1
    return candidate.replace(year=today.year + (today.month == 12), month=month)


def _last_sunday(year: int, month: int) -> date:
    last = date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() + 1) % 7)


def _next_last_sunday(today: date, month: int) -> date:
    candidate = _last_sunday(today.year, month)
    return candidate if candidate > today else _last_sunday(today.year + 1, month)


def _next_leap_day(today: date) -> date:
    year = today.year
    while True:
        try:
            candidate = date(year, 2, 29)
        except ValueError:
            year += 1
            continue
        if candidate > today:
            return candidate
        year += 1


def _at(day: date, hour: int, minute: int = 0) -> str:
    return datetime.combine(day, time(hour, minute)).isoformat(timespec="minutes")


def instants(now: datetime) -> list[tuple[str, str]]:
    """(label, ISO local instant) pairs to run the suite at, the next after ``now``."""
    today = now.astimezone(BRUSSELS).date()
    saturday = today + timedelta(days=(5 - today.weekday()) % 7 or 7)
    new_year_eve = date(today.year, 12, 31)
    if new_year_eve <= today:
        new_year_eve = date(today.year + 1, 12, 31)
    a_year_on = now.astimezone(BRUSSELS).replace(tzinfo=None) + timedelta(days=365)
    return [
        ("the 3rd of a month", _at(_next_day_of_month(today, 3), 9, 15)),
        ("the 12th of a month", _at(_next_day_of_month(today, 12), 16, 45)),
        ("spring forward, 03:30", _at(_next_last_sunday(today, 3), 3, 30)),
        # 02:30 on the night clocks go back: the first pass, so the suite's own
        # run crosses the change half an hour later.
        ("fall back, 02:30", _at(_next_last_sunday(today, 10), 2, 30)),
        ("a leap day", _at(_next_leap_day(today), 12)),
        ("New Year's Eve, 23:30", _at(new_year_eve, 23, 30)),
        ("a Saturday", _at(saturday, 11)),
        ("a year from now", a_year_on.isoformat(timespec="minutes")),
    ]
