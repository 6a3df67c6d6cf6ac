"""Days on which nobody is received: Belgian public holidays and commune closures."""

from datetime import date
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def _holidays_of_year(year: int) -> tuple[tuple[date, str], ...]:
    # Computing a year's holidays costs far more than a slot search; they
    # never change, so each year is computed once per process.
    calendar = holidays.country_holidays("BE", years=year, language="fr")
    return tuple(sorted(calendar.items()))


def belgian_public_holidays(first_day: date, last_day: date) -> dict[date, str]:
    """Belgium's legal public holidays between two dates, inclusive, with names.

    The ``holidays`` package computes movable feasts (Easter Monday, Ascension,
    Whit Monday), so nobody encodes them by hand each year.
    """
    return {
        day: name
        for year in range(first_day.year, last_day.year + 1)
        for day, name in _holidays_of_year(year)
        if first_day <= day <= last_day
    }
