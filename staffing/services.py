"""Writes to the staffing configuration done from the agent portal (R16, R18, R19).

Like ``booking/services.py``: typed keyword-only functions that validate, write
in one transaction and record who changed what (R26). Permission checks stay
with the caller (the portal's views know the user's scope,
``staffing.scopes.editable_availability``); these functions only refuse what is
invalid for everybody.

Cancelling or reassigning the appointments an unavailability hits is booking's
job (``booking.unavailability``): staffing never imports booking.
"""

from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from itertools import pairwise
from math import lcm

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.history import Actor, record_history
from core.languages import CODES

from .closures import occurrence_days
from .models import (
    Agent,
    AvailabilityException,
    Closure,
    Membership,
    RetiredFeedToken,
    Service,
    Site,
    TypicalWeek,
    TypicalWeekRange,
    feed_token_digest,
    new_feed_token,
)

# (weekday 0 = Monday, start, end) in local wall-clock time.
WeekRange = tuple[int, time, time]


_history = record_history  # the author and the reason of the next save (R26)


def _check_no_overlap(ranges: Sequence[WeekRange]) -> None:
    """Refuse two ranges of one weekday that overlap (a typing mistake)."""
    by_day: dict[int, list[tuple[time, time]]] = {}
    for weekday, start, end in ranges:
        by_day.setdefault(weekday, []).append((start, end))
    for spans in by_day.values():
        spans.sort()
        for (_start, previous_end), (next_start, _end) in pairwise(spans):
            if next_start < previous_end:
                raise ValidationError(
                    _("Two ranges of the same day overlap: merge them into one.")
                )


# --- One place at a time (issue 25, point 4) ----------------------------------


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _applies(day: date, valid_from: date, valid_until: date | None, every: int) -> bool:
    """Whether a typical week with these dates applies on ``day``."""
    if day < valid_from or (valid_until is not None and day > valid_until):
        return False
    return (_monday(day) - _monday(valid_from)).days // 7 % every == 0


def _first_common_day(
    weekday: int,
    first: tuple[date, date | None, int],
    second: tuple[date, date | None, int],
) -> date | None:
    """The first ``weekday`` on which both typical weeks (valid from, until,
    repeat every) apply, or None. The weeks' repetitions meet within the least
    common multiple of their periods, or never."""
    start = max(first[0], second[0])
    day = start + timedelta(days=(weekday - start.weekday()) % 7)
    for _week in range(lcm(first[2], second[2])):
        if _applies(day, *first) and _applies(day, *second):
            return day
        day += timedelta(days=7)
    return None


def check_one_place(
    *,
    agent: Agent,
    service: Service,
    site: Site | None,
    valid_from: date,
    valid_until: date | None,
    repeat_every: int,
    ranges: Sequence[WeekRange],
    week_id: int | None = None,
) -> None:
    """Refuse ranges that overlap, on a day both apply, the agent's typical
    week (any service) at another site: an agent is in one place at a time.

    ``site`` None is the service's main site; ``week_id`` is the week being
    changed (not compared with itself). One query.
    """
    here = site.pk if site is not None else service.main_site_id
    others = TypicalWeek.objects.filter(agent=agent)
    if week_id is not None:
        others = others.exclude(pk=week_id)
    others = (
        others.filter(Q(valid_until__isnull=True) | Q(valid_until__gte=valid_from))
        .select_related("service", "site")
        .prefetch_related("ranges")
    )
    if valid_until is not None:
        others = others.filter(valid_from__lte=valid_until)
    mine = (valid_from, valid_until, repeat_every)
    for other in others:
        if other.where_id == here:
            continue
        theirs = (other.valid_from, other.valid_until, other.repeat_every)
        for weekday, start, end in ranges:
            for taken in other.ranges.all():
                if taken.weekday != weekday or not (
                    start < taken.end and taken.start < end
                ):
                    continue
                day = _first_common_day(weekday, mine, theirs)
                if day is None:
                    continue
                place = other.site or other.service.main_site or other.service
                raise ValidationError(
                    _(
                        "%(agent)s already receives citizens at %(place)s on "
                        "%(day)s from %(start)s to %(end)s (typical week "
                        "“%(week)s”): an agent is in one place at a time."
                    )
                    % {
                        "agent": agent,
                        "place": place,
                        "day": day.strftime("%d/%m/%Y"),
                        "start": taken.start.strftime("%H:%M"),
                        "end": taken.end.strftime("%H:%M"),
                        "week": other,
                    },
                    code="two_places",
                )


@transaction.atomic
def exception_create(
    *,
    agent: Agent,
    kind: str,
    start: datetime,
    end: datetime,
    service: Service | None = None,
    note: str = "",
    site: Site | None = None,
    actor: Actor,
    reason: str = "created from the portal",
) -> AvailabilityException:
    """Record a closed period or an extra opening of ``agent``.

    An extra opening needs a service the agent belongs to; ``site`` says where
    (None: the service's main site). This only writes the exception; the
    appointments an unavailability hits are handled by
    ``booking.unavailability.unavailability_enter``.
    """
    _check_works_in(agent, service)
    exception = AvailabilityException(
        agent=agent,
        kind=kind,
        start=start,
        end=end,
        service=service,
        note=note,
        site=site if kind == AvailabilityException.Kind.EXTRA_OPENING else None,
    )
    exception.full_clean()
    _history(exception, actor=actor, reason=reason)
    exception.save()
    return exception


@transaction.atomic
def exception_update(
    *,
    exception: AvailabilityException,
    kind: str,
    end: datetime,
    service: Service | None = None,
    note: str = "",
    actor: Actor,
) -> AvailabilityException:
    """Change what an exception says (a spreadsheet import updates its rows).

    Checked as :func:`exception_create` checks a new one; the agent and start
    identify the row and stay.
    """
    _check_works_in(exception.agent, service)
    exception.kind, exception.end = kind, end
    exception.service, exception.note = service, note
    exception.full_clean()
    _history(exception, actor=actor, reason="updated by an import")
    exception.save()
    return exception


def _check_works_in(agent: Agent, service: Service | None) -> None:
    """Refuse a service the agent does not belong to (``None``: all of them)."""
    if (
        service is not None
        and not Membership.objects.filter(agent=agent, service=service).exists()
    ):
        raise ValidationError(
            {
                "service": _("%(agent)s does not work in this service.")
                % {"agent": agent}
            }
        )


@transaction.atomic
def exception_delete(*, exception: AvailabilityException, actor: Actor) -> None:
    """Remove an exception (the history keeps a trace of it)."""
    _history(exception, actor=actor, reason="deleted from the portal")
    exception.delete()


@transaction.atomic
def typical_week_save(
    *,
    agent: Agent,
    service: Service,
    valid_from: date,
    valid_until: date | None,
    repeat_every: int,
    ranges: Sequence[WeekRange],
    label: str = "",
    week: TypicalWeek | None = None,
    site: Site | None = None,
    actor: Actor,
    reason: str = "saved from the availability editor",
) -> TypicalWeek:
    """Create ``week`` (or replace its content) with ``ranges``.

    The ranges are replaced as a whole: the editor (and an import row) always
    sends the full week, so there is nothing to merge. ``reason`` is the change
    reason the history records. ``site``: where the agent receives that week
    (None: the service's main site); the agent's weeks at other sites must not
    overlap it (:func:`check_one_place`).
    """
    _check_works_in(agent, service)
    if not ranges:
        raise ValidationError(_("Enter at least one opening range."))
    _check_no_overlap(ranges)
    check_one_place(
        agent=agent,
        service=service,
        site=site,
        valid_from=valid_from,
        valid_until=valid_until,
        repeat_every=repeat_every,
        ranges=ranges,
        week_id=week.pk if week is not None else None,
    )
    week = week or TypicalWeek()
    week.agent, week.service, week.label = agent, service, label
    week.site = site
    week.valid_from, week.valid_until = valid_from, valid_until
    week.repeat_every = repeat_every
    week.full_clean()
    _history(week, actor=actor, reason=reason)
    week.save()
    for old in week.ranges.all():
        _history(old, actor=actor, reason=reason)
        old.delete()
    for weekday, start, end in ranges:
        opening = TypicalWeekRange(
            typical_week=week, weekday=weekday, start=start, end=end
        )
        opening.full_clean()
        _history(opening, actor=actor, reason=reason)
        opening.save()
    return week


@transaction.atomic
def typical_week_delete(*, week: TypicalWeek, actor: Actor) -> None:
    """Remove a typical week and its ranges."""
    _history(week, actor=actor, reason="deleted from the availability editor")
    week.delete()


@transaction.atomic
def typical_week_copy(
    *, week: TypicalWeek, agents: Iterable[Agent], actor: Actor
) -> list[TypicalWeek]:
    """Give each of ``agents`` a copy of ``week`` (same service, dates, ranges).

    Every agent must belong to the week's service; nothing is written if one
    does not.
    """
    ranges = list(week.ranges.values_list("weekday", "start", "end"))
    return [
        typical_week_save(
            agent=agent,
            service=week.service,
            valid_from=week.valid_from,
            valid_until=week.valid_until,
            repeat_every=week.repeat_every,
            ranges=ranges,
            label=week.label,
            site=week.site,
            actor=actor,
        )
        for agent in agents
        if agent.pk != week.agent_id
    ]


@transaction.atomic
def agent_feed_token_regenerate(*, agent: Agent, actor: Actor) -> Agent:
    """Give ``agent`` a new agenda feed token: the old feed URL stops working.

    The old token's digest is kept, so that its address answers 410 Gone. When
    someone else (an administrator) renews it, the agent is sent the new
    address (``messaging.services.feed_address_notices_write``); an agent who
    renews his or her own sees it on the page.
    """
    if agent.feed_token:
        RetiredFeedToken.objects.create(
            agent=agent,
            token_digest=feed_token_digest(agent.feed_token),
            to_notify=getattr(actor, "pk", None) != agent.user_id,
        )
    agent.feed_token = new_feed_token()
    # The token is excluded from the history (it is a secret), so the save
    # records only that the agent row changed and who did it.
    _history(agent, actor=actor, reason="agenda feed token regenerated")
    agent.save(update_fields=["feed_token"])
    return agent


# --- Closures that repeat every year (issue 24, point 3) ------------------------------


def closure_next_year(series: Closure) -> int:
    """The first year of ``series`` (a closure that repeats) not written yet."""
    return max(series.repeated_through or 0, series.start_date.year) + 1


def closure_occurrence_build(*, series: Closure, year: int) -> Closure:
    """The closure of ``year`` of ``series``, not saved: its days, its service
    and its label in every language."""
    first, last = occurrence_days(series.start_date, series.end_date, year)
    row = Closure(
        service_id=series.service_id,
        start_date=first,
        end_date=last,
        repeat_of=series,
    )
    for code in CODES:
        column = f"label_{code}"
        setattr(row, column, getattr(series, column, ""))
    return row


@transaction.atomic
def closure_occurrences_write(
    *,
    series: Closure,
    today: date,
    until: date,
    actor: Actor,
    reason: str = "written ahead of time: the closure repeats every year",
) -> list[Closure]:
    """Write the years of ``series`` that start on or before ``until`` and are
    not written yet; return the new rows, in order.

    Years already over by ``today`` are skipped (a closure ticked to repeat
    long after its first year writes no past). Each year is written once:
    ``series.repeated_through`` remembers the last one, so a year that was
    written and then deleted (the commune opens that year) does not come back.
    The appointments the new rows hit are booking's business
    (``booking.closure_repeats``).
    """
    series = Closure.objects.select_for_update().get(pk=series.pk)
    if not series.repeats_yearly or series.repeat_of_id:
        return []
    year = closure_next_year(series)
    written: list[Closure] = []
    last_year = None
    while True:
        row = closure_occurrence_build(series=series, year=year)
        if row.start_date > until:
            break
        last_year = year
        year += 1
        if row.end_date < today:
            continue
        row.full_clean()
        _history(row, actor=actor, reason=reason)
        row.save()
        written.append(row)
    if last_year is not None:
        # Bookkeeping, not a change of the closure: no history record.
        Closure.objects.filter(pk=series.pk).update(repeated_through=last_year)
        series.repeated_through = last_year
    return written
