"""Closures that repeat every year, each year run through the closure
consequences ahead of time (issue 24, point 3).

A closure ticked "repeats every year" (``staffing.Closure.repeats_yearly``) is
its own first year; the following years become closures of their own
(``repeat_of`` it), written by ``staffing.services.closure_occurrences_write``
``CLOSURE_REPEAT_DAYS_AHEAD`` days before their first day: longer than any
service's booking horizon, so a citizen never books a day that will close.
Each year written here goes through ``booking.consequences`` like a closure
typed in the admin: the appointments it hits (booked by staff, who are not held
to the horizon) go to a free colleague or are cancelled, the citizens told.

- :func:`closures_repeat`: the daily job ("Yearly closures",
  ``messaging.tasks.repeat_closures``), one transaction per closure; the
  citizens read the closure's label (in the commune's main language) as the
  reason.
- :func:`occurrences_write`: the same writes inside a change the caller
  settles (the closure admin's save, which previews first).
- :func:`upcoming_years`: the next years not written yet, when the job writes
  each and what writing it would do (:class:`booking.consequences.Plan`: the
  same preview), for the closure's page of years ahead.
- :func:`next_year_write`: write the next year now, from that page.
"""

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from core.history import Actor
from core.languages import main_language
from staffing.models import Closure
from staffing.services import (
    closure_next_year,
    closure_occurrence_build,
    closure_occurrences_write,
)

from .consequences import (
    AvailabilityChange,
    Plan,
    availability_change_enter,
    availability_change_plan,
)
from .services import BookingError

logger = logging.getLogger(__name__)


def written_until(today: date) -> date:
    """Years whose first day is on or before this day are written by now."""
    return today + timedelta(days=settings.CLOSURE_REPEAT_DAYS_AHEAD)


def written_on(first_day: date) -> date:
    """The day the job writes the year that begins on ``first_day``."""
    return first_day - timedelta(days=settings.CLOSURE_REPEAT_DAYS_AHEAD)


def reason_for_citizens(series: Closure) -> str:
    """What citizens whose appointment a year of ``series`` cancels read."""
    with translation.override(main_language()):
        return str(series.label)


def occurrences_write(
    change: AvailabilityChange,
    *,
    series: Closure,
    today: date,
    until: date | None = None,
    actor: Actor,
) -> list[Closure]:
    """Write the years of ``series`` due by ``until`` (default: the job's
    horizon) into ``change``, which the caller previews or applies."""
    rows = closure_occurrences_write(
        series=series, today=today, until=until or written_until(today), actor=actor
    )
    for row in rows:
        change.created(row)
    return rows


def _write_year(change: AvailabilityChange, *, series: Closure, year: int) -> Closure:
    row = closure_occurrence_build(series=series, year=year)
    row.full_clean()
    row.save()
    change.created(row)
    return row


@dataclass
class UpcomingYear:
    """A year of a closure that repeats, not written yet."""

    year: int
    first_day: date
    last_day: date
    written_on: date
    plan: Plan


def upcoming_years(
    series: Closure, *, count: int = 3, today: date | None = None
) -> list[UpcomingYear]:
    """The next ``count`` years of ``series`` not written yet, each with the
    appointments writing it would hit (now) and what would happen to them.

    Each plan writes its year alone in a transaction rolled back at once.
    """
    if not series.repeats_yearly or series.repeat_of_id:
        return []
    today = today or timezone.localdate()
    first_year = closure_next_year(series)
    years = []
    for year in range(first_year, first_year + count):
        row = closure_occurrence_build(series=series, year=year)
        plan = availability_change_plan(partial(_write_year, series=series, year=year))
        years.append(
            UpcomingYear(
                year=year,
                first_day=row.start_date,
                last_day=row.end_date,
                written_on=max(written_on(row.start_date), today),
                plan=plan,
            )
        )
    return years


def next_year_write(
    change: AvailabilityChange, *, series: Closure, today: date, actor: Actor
) -> list[Closure]:
    """Write the next year of ``series`` now, ahead of the job."""
    first_day = closure_occurrence_build(
        series=series, year=closure_next_year(series)
    ).start_date
    return occurrences_write(
        change, series=series, today=today, until=first_day, actor=actor
    )


def closures_repeat(*, now: datetime | None = None) -> dict:
    """The daily job: write the years of every closure that repeats whose
    first day is within ``CLOSURE_REPEAT_DAYS_AHEAD``, and deal with the
    appointments they hit. One transaction per closure: one that fails (logged)
    leaves the others written. Returns what was done."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    until = written_until(today)
    done = {"closures": 0, "reassigned": 0, "cancelled": 0}
    for series in Closure.objects.filter(repeats_yearly=True, repeat_of__isnull=True):
        if closure_next_year(series) > until.year:
            continue  # its next year is beyond the horizon
        try:
            rows, plan = availability_change_enter(
                partial(
                    occurrences_write,
                    series=series,
                    today=today,
                    until=until,
                    actor=None,
                ),
                actor=None,
                note=reason_for_citizens(series),
            )
        except (BookingError, ValidationError):
            logger.exception(
                "closure %s: its next year could not be written", series.pk
            )
            continue
        done["closures"] += len(rows)
        done["reassigned"] += len(plan.reassigned)
        done["cancelled"] += len(plan.cancelled)
    return done
