"""Days on which nobody is received: Belgian public holidays and commune closures."""

from datetime import date

import holidays


def belgian_public_holidays(first_day: date, last_day: date) -> dict[date, str]:
    """Belgium's legal public holidays between two dates, inclusive, with names.

    The ``holidays`` package computes movable feasts (Easter Monday, Ascension,
    Whit Monday), so nobody encodes them by hand each year.
    """
    calendar = holidays.country_holidays(
        "BE", years=range(first_day.year, last_day.year + 1), language="fr"
    )
    return {
        day: name
        for day, name in sorted(calendar.items())
        if first_day <= day <= last_day
    }
