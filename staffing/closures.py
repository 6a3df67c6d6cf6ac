"""Days on which nobody is received: Belgian public holidays and commune closures.

Also the date arithmetic of closures that repeat every year, and the days
offered as presets when a closure is added (issue 24, point 3). No model here:
``staffing.models`` imports this module.
"""

from datetime import date
from functools import lru_cache
from typing import NamedTuple

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


# --- Closures that repeat every year (issue 24, point 3) ------------------------------


def same_day_in_year(day: date, year: int) -> date:
    """``day``'s month and day in ``year``; 29 February is the 28th elsewhere."""
    try:
        return day.replace(year=year)
    except ValueError:
        return day.replace(year=year, day=28)


def occurrence_days(first: date, last: date, year: int) -> tuple[date, date]:
    """The first and last days, in ``year``, of a closure from ``first`` to
    ``last`` that repeats every year (a closure over the new year ends in the
    year after)."""
    offset = year - first.year
    return same_day_in_year(first, year), same_day_in_year(last, last.year + offset)


class Preset(NamedTuple):
    """A day that communes often close and the law does not: offered when a
    closure is added, to repeat every year."""

    key: str
    month: int | None
    day: int | None
    labels: dict[str, str]

    def label(self, language: str) -> str:
        return self.labels.get(language) or self.labels["fr"]

    def next_day(self, today: date) -> date | None:
        """The next time the day comes, today included (None: a free day)."""
        if self.month is None or self.day is None:
            return None
        this_year = date(today.year, self.month, self.day)
        return (
            this_year
            if this_year >= today
            else date(today.year + 1, self.month, self.day)
        )


# The communities' days and the other days Belgian communes often close
# (the names each community gives them, in the interface's four languages).
# Whose communes close which is the commune's choice: none is added unasked.
PRESETS: tuple[Preset, ...] = (
    Preset(
        "flemish_community",
        7,
        11,
        {
            "fr": "Fête de la Communauté flamande",
            "nl": "Feest van de Vlaamse Gemeenschap",
            "de": "Festtag der Flämischen Gemeinschaft",
            "en": "Flemish Community Day",
        },
    ),
    Preset(
        "french_community",
        9,
        27,
        {
            "fr": "Fête de la Fédération Wallonie-Bruxelles",
            "nl": "Feest van de Franse Gemeenschap",
            "de": "Festtag der Französischen Gemeinschaft",
            "en": "French Community Day",
        },
    ),
    Preset(
        "all_souls",
        11,
        2,
        {
            "fr": "Jour des Morts",
            "nl": "Allerzielen",
            "de": "Allerseelen",
            "en": "All Souls' Day",
        },
    ),
    Preset(
        "german_speaking_community",
        11,
        15,
        {
            "fr": "Fête de la Communauté germanophone",
            "nl": "Feest van de Duitstalige Gemeenschap",
            "de": "Tag der Deutschsprachigen Gemeinschaft",
            "en": "German-speaking Community Day",
        },
    ),
    Preset(
        "boxing_day",
        12,
        26,
        {
            "fr": "Lendemain de Noël",
            "nl": "Tweede Kerstdag",
            "de": "Zweiter Weihnachtstag",
            "en": "Boxing Day",
        },
    ),
    # The commune's own days (its fair, its patron saint's day…): the date
    # and the name are typed.
    Preset(
        "local_day",
        None,
        None,
        {
            "fr": "Fête locale",
            "nl": "Lokale feestdag",
            "de": "Lokaler Feiertag",
            "en": "Local holiday",
        },
    ),
)


def preset(key: str) -> Preset | None:
    """The preset named ``key``, if any."""
    return next((item for item in PRESETS if item.key == key), None)
