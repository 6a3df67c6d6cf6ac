"""Database rows → the engine's calendars, in one place (issue 16).

The only module that reads typical-week ranges for openings (a test holds
every other module to it): the slot search (``booking.slots``, which adds the
busy appointments on top), the availability editor's preview (with the week
being edited in place of the stored one) and the occupancy report all load
their calendars here, so they cannot drift apart.

What applies to an agent in a service over a window: the typical weeks of that
service valid in it, the exceptions of that service or of none (an exception
without a service concerns all the agent's services), the commune's and the
service's closures and the Belgian public holidays. Three queries, whatever
the number of agents, services or days (plus the memberships, when the caller
asks :func:`active_agent_ids`).

Sites (issue 25, point 4): each typical week and extra opening is at a site
(its own, else its service's main one). Besides each pair's calendar of all its
openings, :class:`Openings` keeps one calendar per site (``site_calendars``),
read by the same queries: an agent sits in one place at a time, so a slot is
at the site of the calendar it was computed from.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, time, timedelta

from django.db.models import Max, Min, Q

from core.localtime import last_local_day, local_day, local_midnight, local_tz

from .availability import AgentCalendar, Interval, TypicalWeek, WeeklyRange
from .closures import belgian_public_holidays
from .models import (
    AvailabilityException,
    Closure,
    Membership,
    Service,
    Site,
    TypicalWeekRange,
)
from .models import (
    TypicalWeek as TypicalWeekRow,
)


@dataclass(frozen=True)
class EditedWeek:
    """The week being edited, shown by the editor's preview in place of the
    stored week ``week_id`` (or in addition to the stored ones when None)."""

    agent_id: int
    service_id: int
    week_id: int | None
    week: TypicalWeek
    site_id: int | None = None


@dataclass(frozen=True)
class Openings:
    """The calendars (without busy times) of (agent, service) pairs over a
    window, and each service's closed days with their labels.

    ``site_calendars`` holds the same openings split by site: for each pair,
    its calendar at each site where it opens in the window (None: the service
    has no site), in site id order."""

    window: Interval
    calendars: dict[tuple[int, int], AgentCalendar]
    closed_days: dict[int, dict[date, str]] = field(default_factory=dict)
    site_calendars: dict[tuple[int, int], dict[int | None, AgentCalendar]] = field(
        default_factory=dict
    )

    def calendar(self, agent_id: int, service_id: int) -> AgentCalendar:
        return self.calendars[agent_id, service_id]

    def calendars_by_site(
        self, agent_id: int, service_id: int
    ) -> dict[int | None, AgentCalendar]:
        """The pair's calendar at each site where it opens in the window."""
        return self.site_calendars.get((agent_id, service_id), {})

    def closures(self, service_id: int) -> list[Interval]:
        """The service's closed days as intervals, consecutive days merged."""
        tz = local_tz()
        intervals: list[Interval] = []
        for day in sorted(self.closed_days.get(service_id, {})):
            start = local_midnight(day, tz)
            end = local_midnight(day + timedelta(days=1), tz)
            if intervals and intervals[-1].end == start:
                intervals[-1] = Interval(intervals[-1].start, end)
            else:
                intervals.append(Interval(start, end))
        return intervals


def active_agent_ids(
    service_id: int, agent_ids: Collection[int] | None = None
) -> list[int]:
    """The service's active agents (those of ``agent_ids`` only, if given),
    by id. One query."""
    memberships = Membership.objects.filter(
        service_id=service_id, agent__is_active=True, agent__user__is_active=True
    )
    if agent_ids is not None:
        memberships = memberships.filter(agent_id__in=agent_ids)
    return sorted(memberships.values_list("agent_id", flat=True))


def load_openings(
    pairs: Collection[tuple[int, int]],
    window: Interval,
    *,
    edited: EditedWeek | None = None,
) -> Openings:
    """The openings of each (agent id, service id) pair over ``window``.

    ``edited`` puts the week being edited in place of the stored one (the
    editor's preview). Three queries; none when ``pairs`` is empty.
    """
    pairs = set(pairs)
    if edited is not None:
        pairs.add((edited.agent_id, edited.service_id))
    if not pairs:
        return Openings(window, {}, {})
    tz = local_tz()
    first_day = local_day(window.start, tz)
    last_day = last_local_day(window.end, tz)
    agent_ids = {agent_id for agent_id, _service_id in pairs}
    service_ids = {service_id for _agent_id, service_id in pairs}

    # The typical weeks valid in the window, read with their ranges (a week
    # without a range opens nothing).
    weeks: dict[int, tuple] = {}
    ranges = TypicalWeekRange.objects.filter(
        typical_week__agent_id__in=agent_ids,
        typical_week__service_id__in=service_ids,
        typical_week__valid_from__lte=last_day,
    ).filter(
        Q(typical_week__valid_until__isnull=True)
        | Q(typical_week__valid_until__gte=first_day)
    )
    for (
        week_id,
        site_id,
        main_site_id,
        *week,
        weekday,
        start,
        end,
    ) in ranges.order_by().values_list(
        "typical_week_id",
        "typical_week__site_id",
        "typical_week__service__main_site_id",
        "typical_week__agent_id",
        "typical_week__service_id",
        "typical_week__valid_from",
        "typical_week__valid_until",
        "typical_week__repeat_every",
        "weekday",
        "start",
        "end",
    ):
        if edited is not None and week_id == edited.week_id:
            continue
        weeks.setdefault(week_id, (*week, site_id or main_site_id, []))[-1].append(
            WeeklyRange(weekday, start, end)
        )
    by_pair: dict[tuple[int, int], list[TypicalWeek]] = defaultdict(list)
    # The same weeks by (agent, service, site).
    by_site: dict[tuple[int, int, int | None], list[TypicalWeek]] = defaultdict(list)
    for (
        agent_id,
        service_id,
        valid_from,
        valid_until,
        every,
        site,
        week_ranges,
    ) in sorted(weeks.values(), key=lambda week: week[:3]):
        typical = TypicalWeek(
            valid_from=valid_from,
            valid_until=valid_until,
            repeat_every=every,
            ranges=tuple(week_ranges),
        )
        by_pair[agent_id, service_id].append(typical)
        by_site[agent_id, service_id, site].append(typical)
    if edited is not None:
        by_pair[edited.agent_id, edited.service_id].append(edited.week)
        by_site[edited.agent_id, edited.service_id, edited.site_id].append(edited.week)

    # Keyed by (agent, service or None): None concerns all the agent's services.
    extra: dict[tuple[int, int | None], list[Interval]] = defaultdict(list)
    extra_at: dict[tuple[int, int | None, int | None], list[Interval]] = defaultdict(
        list
    )
    unavailable: dict[tuple[int, int | None], list[Interval]] = defaultdict(list)
    exceptions = AvailabilityException.objects.filter(
        Q(service__isnull=True) | Q(service_id__in=service_ids),
        agent_id__in=agent_ids,
        start__lt=window.end,
        end__gt=window.start,
    )
    for (
        agent_id,
        service_id,
        kind,
        site_id,
        main_site_id,
        begins,
        ends,
    ) in exceptions.order_by("start").values_list(
        "agent_id",
        "service_id",
        "kind",
        "site_id",
        "service__main_site_id",
        "start",
        "end",
    ):
        if kind == AvailabilityException.Kind.EXTRA_OPENING:
            extra[agent_id, service_id].append(Interval(begins, ends))
            extra_at[agent_id, service_id, site_id or main_site_id].append(
                Interval(begins, ends)
            )
        else:
            unavailable[agent_id, service_id].append(Interval(begins, ends))

    holidays = dict(belgian_public_holidays(first_day, last_day))
    closed_by: dict[int | None, dict[date, str]] = defaultdict(dict)
    for service_id, label, first, last in Closure.objects.filter(
        Q(service__isnull=True) | Q(service_id__in=service_ids),
        start_date__lte=last_day,
        end_date__gte=first_day,
    ).values_list("service_id", "label", "start_date", "end_date"):
        day = max(first, first_day)
        while day <= min(last, last_day):
            closed_by[service_id].setdefault(day, label)
            day += timedelta(days=1)
    closed_days = {
        service_id: {**closed_by[service_id], **closed_by[None], **holidays}
        for service_id in service_ids
    }

    calendars = {
        (agent_id, service_id): AgentCalendar(
            agent_id=agent_id,
            typical_weeks=tuple(by_pair[agent_id, service_id]),
            extra_openings=(
                *extra[agent_id, None],
                *extra[agent_id, service_id],
            ),
            unavailable=(
                *unavailable[agent_id, None],
                *unavailable[agent_id, service_id],
            ),
        )
        for agent_id, service_id in pairs
    }
    return Openings(
        window,
        calendars,
        closed_days,
        _by_site(calendars, by_site, extra, extra_at),
    )


def _by_site(
    calendars: dict[tuple[int, int], AgentCalendar],
    weeks: dict[tuple[int, int, int | None], list[TypicalWeek]],
    extra: dict[tuple[int, int | None], list[Interval]],
    extra_at: dict[tuple[int, int | None, int | None], list[Interval]],
) -> dict[tuple[int, int], dict[int | None, AgentCalendar]]:
    """Each pair's calendar at each of its sites. A pair at one site (the
    common case) keeps its whole calendar there: nothing is built again."""
    sites: dict[tuple[int, int], set[int | None]] = defaultdict(set)
    for agent_id, service_id, site in (*weeks, *extra_at):
        if service_id is not None:  # an agent's own openings: no pair of theirs
            sites[agent_id, service_id].add(site)
    split: dict[tuple[int, int], dict[int | None, AgentCalendar]] = {}
    for pair, calendar in calendars.items():
        pair_sites = sorted(sites.get(pair, ()), key=lambda site: site or 0)
        if len(pair_sites) <= 1:
            # Opening nowhere in the window: at no site.
            split[pair] = {pair_sites[0]: calendar} if pair_sites else {}
            continue
        agent_id, service_id = pair
        split[pair] = {
            site: AgentCalendar(
                agent_id=agent_id,
                typical_weeks=tuple(weeks.get((agent_id, service_id, site), ())),
                extra_openings=(
                    *extra.get((agent_id, None), ()),
                    *extra_at.get((agent_id, service_id, site), ()),
                ),
                unavailable=calendar.unavailable,
            )
            for site in pair_sites
        }
    return split


def service_openings(
    service_id: int,
    window: Interval,
    *,
    agent_ids: Collection[int] | None = None,
    edited: EditedWeek | None = None,
) -> tuple[list[AgentCalendar], list[Interval], dict[date, str]]:
    """The openings of the service's active agents over ``window`` (those of
    ``agent_ids`` only, if given): their calendars by agent id, the closed
    intervals and the closed days' labels. Four queries."""
    agents = active_agent_ids(service_id, agent_ids)
    if edited is not None and edited.agent_id not in agents:
        edited = None  # an agent no longer active opens nothing
    openings = load_openings(
        [(agent_id, service_id) for agent_id in agents], window, edited=edited
    )
    calendars = sorted(openings.calendars.values(), key=lambda c: c.agent_id)
    return (
        calendars,
        openings.closures(service_id),
        openings.closed_days.get(service_id, {}),
    )


def service_week_ranges(
    service_id: int, *, on_or_after: date, agent_id: int | None = None
) -> dict[int, list[tuple[time, time]]]:
    """The opening ranges of the typical weeks of a service's active agents
    (of ``agent_id`` only, if given) still valid on ``on_or_after``, by
    weekday: what the public filters offer (issue 20, point 2). One query."""
    agents = Membership.objects.filter(
        service_id=service_id, agent__is_active=True, agent__user__is_active=True
    ).values("agent_id")
    ranges = TypicalWeekRange.objects.filter(
        Q(typical_week__valid_until__isnull=True)
        | Q(typical_week__valid_until__gte=on_or_after),
        typical_week__service_id=service_id,
        typical_week__agent_id__in=agents,
    )
    if agent_id is not None:
        ranges = ranges.filter(typical_week__agent_id=agent_id)
    by_day: dict[int, list[tuple[time, time]]] = defaultdict(list)
    for weekday, start, end in ranges.order_by("weekday", "start").values_list(
        "weekday", "start", "end"
    ):
        by_day[weekday].append((start, end))
    return dict(by_day)


def service_sites(service: Service, *, on_or_after: date) -> list[Site]:
    """The active sites where the service receives from ``on_or_after`` on:
    those of its typical weeks still valid then (a week without a site is at
    the service's main one), in the sites' order. What the public times page
    lets the citizen choose among (issue 25, point 4). Two queries."""
    return sites_of_services([service], on_or_after=on_or_after)[service.pk]


def sites_of_services(
    services: Collection[Service], *, on_or_after: date
) -> dict[int, list[Site]]:
    """:func:`service_sites` of each of ``services``, by service id. Two
    queries, whatever the number of services."""
    main = {service.pk: service.main_site_id for service in services}
    by_service: dict[int, set[int]] = {service_id: set() for service_id in main}
    weeks = TypicalWeekRow.objects.filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=on_or_after),
        service_id__in=main,
    )
    for service_id, site_id in (
        weeks.order_by().values_list("service_id", "site_id").distinct()
    ):
        where = site_id or main[service_id]
        if where is not None:
            by_service[service_id].add(where)
    wanted = set().union(*by_service.values())
    sites = list(Site.objects.active().filter(pk__in=wanted)) if wanted else []
    return {
        service_id: [site for site in sites if site.pk in site_ids]
        for service_id, site_ids in by_service.items()
    }


def week_ranges_by_day(week_id: int) -> dict[int, list[tuple[time, time]]]:
    """A stored week's ranges by weekday (0 = Monday), in order: the editor's
    form."""
    by_day: dict[int, list[tuple[time, time]]] = defaultdict(list)
    for weekday, start, end in (
        TypicalWeekRange.objects.filter(typical_week_id=week_id)
        .order_by("weekday", "start")
        .values_list("weekday", "start", "end")
    ):
        by_day[weekday].append((start, end))
    return by_day


def opening_hour_bounds(
    *, service_id: int | None = None, agent_id: int | None = None, on_or_after: date
) -> tuple[time, time] | None:
    """The earliest start and latest end of the ranges of the typical weeks of
    a service (or of an agent) still valid on ``on_or_after``; None without
    any. One query."""
    ranges = TypicalWeekRange.objects.filter(
        Q(typical_week__valid_until__isnull=True)
        | Q(typical_week__valid_until__gte=on_or_after)
    )
    if service_id is not None:
        ranges = ranges.filter(typical_week__service_id=service_id)
    elif agent_id is not None:
        ranges = ranges.filter(typical_week__agent_id=agent_id)
    else:
        return None
    bounds = ranges.aggregate(first=Min("start"), last=Max("end"))
    if bounds["first"] is None:
        return None
    return bounds["first"], bounds["last"]
