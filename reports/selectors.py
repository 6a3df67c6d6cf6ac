"""Statistics queries (R24): every figure is computed by the database.

Counts, distinct citizens, rates, booked minutes and lead times are SQL
aggregations grouped by period, service, agent, reason, channel or status;
Python only reshapes the aggregated rows (a few per service or per day, never
one per appointment). Occupancy divides the booked minutes by the minutes the
availability engine says the agents were open, computed from the typical weeks,
exceptions and closures loaded in a constant number of queries.

The report generator (:func:`statistics_report`) is kept apart from its
formatters: ``tables`` (HTML, CSV, XLSX and PDF tables), ``charts`` (plotly)
and ``pdf`` (reportlab), as django-oscar separates report generators from
their formats.
"""

import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, timedelta
from itertools import chain
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import (
    Aggregate,
    Count,
    DateField,
    FloatField,
    Func,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import (
    Coalesce,
    Floor,
    Round,
    TruncDay,
    TruncMonth,
    TruncWeek,
)
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from booking.models import Appointment, VisitReason
from core.localtime import local_midnight, local_tz
from staffing import availability
from staffing.availability import Interval
from staffing.calendars import load_openings
from staffing.models import (
    Agent,
    Membership,
    Service,
    Site,
)
from staffing.scopes import visible_to

Status = Appointment.Status

GRANULARITIES = {
    "day": (TruncDay, _("Day")),
    "week": (TruncWeek, _("Week")),
    "month": (TruncMonth, _("Month")),
}

# Lead time buckets in days, [low, high), None for "no bound". Bookings entered
# after the fact (a negative lead time) fall into the first one.
LEAD_TIME_BUCKETS = (
    (None, 1, _("less than a day")),
    (1, 3, _("1 to 3 days")),
    (3, 7, _("3 to 7 days")),
    (7, 14, _("1 to 2 weeks")),
    (14, 30, _("2 weeks to a month")),
    (30, None, _("a month or more")),
)


# --- Database expressions ----------------------------------------------------


class SecondsBetween(Func):
    """The number of seconds from one datetime column to another, as a float.

    Django's own ``end - start`` is a duration whose representation differs per
    backend (microseconds on SQLite, an interval on PostgreSQL); sums, buckets
    and medians need one plain number.
    """

    output_field = FloatField()
    arity = 2

    def _compiled(self, compiler):
        (start, start_params), (end, end_params) = (
            compiler.compile(expression) for expression in self.source_expressions
        )
        return start, end, (*end_params, *start_params)

    def as_sql(self, compiler, connection, **extra_context):  # type: ignore[override]
        """PostgreSQL: the epoch of the interval between the two instants."""
        start, end, params = self._compiled(compiler)
        return f"EXTRACT(EPOCH FROM ({end} - {start}))::double precision", params

    def as_sqlite(self, compiler, connection, **extra_context):
        """SQLite stores UTC text that julianday() reads natively."""
        start, end, params = self._compiled(compiler)
        return f"((julianday({end}) - julianday({start})) * 86400.0)", params


class SQLiteLocalPeriod(Func):
    """The first local day of the day, week or month holding a UTC instant.

    Does on SQLite what ``Trunc*(tzinfo=...)`` does, natively: Django's SQLite
    truncation calls a Python function per row (0.7 s for 200,000 rows), while
    here the commune's UTC offsets over the period are spelled out in a CASE
    and SQLite's own ``date()`` shifts and truncates.
    """

    output_field = DateField()
    arity = 1
    _MODIFIERS = {
        "day": (),
        "week": ("-6 days", "weekday 1"),
        "month": ("start of month",),
    }

    def __init__(self, expression, *, granularity: str, offsets, **extra):
        # offsets: (UTC instant from which it applies or None, seconds east).
        self.granularity = granularity
        self.offsets = offsets
        super().__init__(expression, **extra)

    def as_sqlite(self, compiler, connection, **extra_context):
        column, params = compiler.compile(self.source_expressions[0])
        cases, case_params = [], []
        for until, (_since, seconds) in zip(
            [since for since, _seconds in self.offsets[1:]] + [None],
            self.offsets,
            strict=True,
        ):
            shift = f"{seconds:+d} seconds"
            if until is None:
                cases.append("ELSE %s")
                case_params.append(shift)
            else:
                cases.append(f"WHEN {column} < %s THEN %s")
                case_params += [
                    *params,
                    connection.ops.adapt_datetimefield_value(until),
                    shift,
                ]
        modifiers = self._MODIFIERS[self.granularity]
        # With one offset all along, the lone "ELSE" is the shift itself.
        shift_sql = "%s" if len(cases) == 1 else f"CASE {' '.join(cases)} END"
        sql = f"date({column}, {shift_sql}"
        sql += "".join(", %s" for _modifier in modifiers) + ")"
        return sql, (*params, *case_params, *modifiers)

    def as_sql(self, compiler, connection, **extra_context):  # type: ignore[override]
        raise NotImplementedError("SQLiteLocalPeriod only runs on SQLite.")


class Median(Aggregate):
    """PostgreSQL's exact median (an ordered-set aggregate)."""

    function = "PERCENTILE_CONT"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


# --- Results -----------------------------------------------------------------


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass(frozen=True)
class Counts:
    """Bookings of one group: all of them, then the ones that went wrong.

    ``appointments`` counts every booking whose appointment falls in the
    period, whatever became of it; ``citizens`` the distinct people who booked
    them (computed for the totals and per period; None elsewhere);
    ``people`` how many people those appointments were for (issue 25, point
    3: a family comes together; an appointment made before counts one).
    """

    appointments: int = 0
    cancelled: int = 0
    no_shows: int = 0
    done: int = 0
    citizens: int | None = None
    people: int = 0

    @property
    def cancellation_rate(self) -> float | None:
        """Cancelled bookings out of all bookings."""
        return _rate(self.cancelled, self.appointments)

    @property
    def no_show_rate(self) -> float | None:
        """No-shows out of the appointments whose outcome was recorded.

        Only a past appointment marked done or no-show tells whether the
        citizen came; future or unmarked ones would dilute the rate.
        """
        return _rate(self.no_shows, self.done + self.no_shows)


@dataclass(frozen=True)
class PeriodRow(Counts):
    """The counts of one day, week or month (``period`` is its first day)."""

    period: date = date.min


@dataclass(frozen=True)
class BreakdownRow(Counts):
    """The counts of one service, agent, reason or channel."""

    key: int | str = ""
    label: str = ""


@dataclass(frozen=True)
class OccupancyRow:
    """Booked minutes against the minutes the agent(s) were open."""

    key: int
    label: str
    booked_minutes: int
    available_minutes: int

    @property
    def rate(self) -> float | None:
        """Booked ÷ available; None when nobody was open."""
        return _rate(self.booked_minutes, self.available_minutes)


@dataclass(frozen=True)
class LeadTime:
    """Time between booking (``created_at``) and the appointment, in hours."""

    average_hours: float | None
    median_hours: float | None
    buckets: list[tuple[str, int]]


@dataclass(frozen=True)
class WaitingRow:
    """Waiting at the desk (issue 22): from the arrival to the call, in
    minutes, over the ``called`` appointments of one service (or all)."""

    key: int
    label: str
    called: int = 0
    average_minutes: float | None = None
    median_minutes: float | None = None


@dataclass(frozen=True)
class StatisticsFilters:
    """What the statistics are about: a period of local days, and criteria."""

    first_day: date
    last_day: date
    granularity: str = "day"
    service_id: int | None = None
    agent_id: int | None = None
    reason_id: int | None = None
    channel: str = ""
    status: str = ""


@dataclass(frozen=True)
class StatisticsReport:
    """Every figure of the statistics page, its exports and its PDF."""

    filters: StatisticsFilters
    totals: Counts
    periods: list[PeriodRow]
    by_service: list[BreakdownRow]
    by_agent: list[BreakdownRow]
    by_reason: list[BreakdownRow]
    by_channel: list[BreakdownRow]
    lead_time: LeadTime
    occupancy_by_agent: list[OccupancyRow] = field(default_factory=list)
    occupancy_by_service: list[OccupancyRow] = field(default_factory=list)
    waiting_by_service: list[WaitingRow] = field(default_factory=list)
    waiting_total: WaitingRow = field(default_factory=lambda: WaitingRow(0, ""))
    # Where the citizens were received (issue 25, point 4).
    by_site: list[BreakdownRow] = field(default_factory=list)

    @property
    def occupancy_total(self) -> OccupancyRow:
        """All the services together."""
        return OccupancyRow(
            key=0,
            label=str(_("Total")),
            booked_minutes=sum(row.booked_minutes for row in self.occupancy_by_service),
            available_minutes=sum(
                row.available_minutes for row in self.occupancy_by_service
            ),
        )


# --- Helpers -----------------------------------------------------------------


_tz = local_tz
_local_midnight = local_midnight


def period_window(first_day: date, last_day: date) -> Interval:
    """Local days first..last (inclusive) as one half-open interval."""
    tz = _tz()
    return Interval(
        _local_midnight(first_day, tz), _local_midnight(last_day + timedelta(1), tz)
    )


def sort_key(label: str) -> str:
    """Alphabetical order that puts "Étrangers" among the E, not after Z."""
    return (
        unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode().lower()
    )


def agent_label(first_name: str, last_name: str, username: str) -> str:
    """How statistics name an agent: full name, else login."""
    return f"{first_name} {last_name}".strip() or username


def period_starts(first_day: date, last_day: date, granularity: str) -> list[date]:
    """The first day of every day, week (Monday) or month touching the period."""
    if granularity == "week":
        current = first_day - timedelta(days=first_day.weekday())
    elif granularity == "month":
        current = first_day.replace(day=1)
    else:
        current = first_day
    starts = []
    while current <= last_day:
        starts.append(current)
        if granularity == "week":
            current += timedelta(days=7)
        elif granularity == "month":
            current = (current.replace(day=28) + timedelta(days=4)).replace(day=1)
        else:
            current += timedelta(days=1)
    return starts


def utc_offsets(window: Interval, tz: ZoneInfo) -> list[tuple[datetime | None, int]]:
    """The UTC offsets of ``tz`` over ``window``: (applies from, seconds east).

    The first entry applies from the start (None); each next one from the
    instant of a daylight saving change, found to the second by bisection.
    """

    def offset(moment: datetime) -> int:
        return int((moment.astimezone(tz).utcoffset() or timedelta()).total_seconds())

    moment = window.start.astimezone(UTC)
    end = window.end.astimezone(UTC)
    result: list[tuple[datetime | None, int]] = [(None, offset(moment))]
    while moment < end:
        step = min(moment + timedelta(days=1), end)
        if offset(step) != offset(moment):
            low, high = moment, step  # offset(low) differs from offset(high)
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                if offset(middle) == offset(low):
                    low = middle
                else:
                    high = middle
            result.append((high.replace(microsecond=0), offset(step)))
        moment = step
    return result


# --- Querysets ---------------------------------------------------------------


def appointments_visible_to(user) -> QuerySet:
    """The appointments a member of staff may count: those of his or her services."""
    return visible_to(Appointment.objects.all(), user, service_field="service")


def filtered_appointments(user, filters: StatisticsFilters) -> QuerySet:
    """The appointments the statistics count: visible, in the period, filtered.

    An appointment belongs to the local day of its start.
    """
    window = period_window(filters.first_day, filters.last_day)
    queryset = appointments_visible_to(user).filter(
        start__gte=window.start, start__lt=window.end
    )
    criteria = {
        "service_id": filters.service_id,
        "agent_id": filters.agent_id,
        "reason_id": filters.reason_id,
        "channel": filters.channel,
        "status": filters.status,
    }
    return queryset.filter(
        **{name: value for name, value in criteria.items() if value not in (None, "")}
    )


# --- Figures -----------------------------------------------------------------

_COUNT_FIELDS = [item.name for item in fields(Counts)]


def _count_annotations(*, citizens: bool) -> dict:
    annotations = {
        "appointments": Count("pk"),
        "cancelled": Count("pk", filter=Q(status=Status.CANCELLED)),
        "no_shows": Count("pk", filter=Q(status=Status.NO_SHOW)),
        "done": Count("pk", filter=Q(status=Status.DONE)),
        "people": Coalesce(Sum("people"), 0),
    }
    if citizens:
        annotations["citizens"] = Count("citizen", distinct=True)
    return annotations


def totals(queryset: QuerySet) -> Counts:
    """The counts of the whole queryset, distinct citizens included (one query)."""
    return Counts(**queryset.aggregate(**_count_annotations(citizens=True)))


def _period_expression(filters: StatisticsFilters):
    tz = _tz()
    if connection.vendor == "sqlite":
        window = period_window(filters.first_day, filters.last_day)
        return SQLiteLocalPeriod(
            "start", granularity=filters.granularity, offsets=utc_offsets(window, tz)
        )
    return GRANULARITIES[filters.granularity][0]("start", tzinfo=tz)


def counts_by_period(queryset: QuerySet, filters: StatisticsFilters) -> list[PeriodRow]:
    """One row per day, week or month of the period, empty periods included.

    The database truncates the start in the commune's time zone, so that an
    appointment at 00:30 in summer belongs to its local day, not to UTC's.
    """
    rows = (
        queryset.annotate(period=_period_expression(filters))
        .values("period")
        .annotate(**_count_annotations(citizens=True))
        .order_by("period")
    )
    found = {}
    for row in rows:
        period = row.pop("period")
        if isinstance(period, datetime):
            period = timezone.localtime(period, _tz()).date()
        found[period] = row
    return [
        PeriodRow(period=start, **found.get(start, {"citizens": 0}))
        for start in period_starts(
            filters.first_day, filters.last_day, filters.granularity
        )
    ]


@dataclass(frozen=True)
class _Combination:
    """Bookings of one (service, agent, reason, channel, status, site)."""

    service_id: int
    agent_id: int
    reason_id: int
    channel: str
    status: str
    count: int
    seconds: float
    people: int = 0
    site_id: int | None = None


def combinations(queryset: QuerySet) -> list[_Combination]:
    """Count and length of the bookings per service, agent, reason, channel and
    status: one scan that every breakdown and the booked minutes are read from.

    At most one row per combination that occurs (agents × their reasons ×
    3 channels × 6 statuses), whatever the number of appointments.
    """
    rows = (
        queryset.values(
            "service_id", "agent_id", "reason_id", "channel", "status", "site_id"
        )
        .annotate(
            count=Count("pk"),
            seconds=Sum(SecondsBetween("start", "end")),
            people=Sum("people"),
        )
        .order_by()
    )
    return [_Combination(**row) for row in rows]


def _breakdown(
    combos: Iterable[_Combination], key: str, labels: dict
) -> list[BreakdownRow]:
    grouped: dict = defaultdict(
        lambda: dict.fromkeys([*_COUNT_FIELDS[:4], "people"], 0)
    )
    for combo in combos:
        counts = grouped[getattr(combo, key)]
        counts["appointments"] += combo.count
        counts["people"] += combo.people or 0
        if combo.status == Status.CANCELLED:
            counts["cancelled"] += combo.count
        elif combo.status == Status.NO_SHOW:
            counts["no_shows"] += combo.count
        elif combo.status == Status.DONE:
            counts["done"] += combo.count
    rows = [
        BreakdownRow(key=group, label=labels.get(group, str(group)), **counts)
        for group, counts in grouped.items()
    ]
    return sorted(rows, key=lambda row: (-row.appointments, sort_key(row.label)))


def _labels(
    combos: list[_Combination], memberships: list[tuple[int, int]]
) -> dict[str, dict]:
    """Names of the services, agents and reasons met (three small queries)."""
    service_ids = {combo.service_id for combo in combos} | {
        service_id for _agent_id, service_id in memberships
    }
    agent_ids = {combo.agent_id for combo in combos} | {
        agent_id for agent_id, _service_id in memberships
    }
    reason_ids = {combo.reason_id for combo in combos}
    return {
        "service_id": dict(
            Service.objects.filter(pk__in=service_ids).values_list("pk", "name")
        ),
        "agent_id": {
            pk: agent_label(first, last, username)
            for pk, first, last, username in Agent.objects.filter(
                pk__in=agent_ids
            ).values_list("pk", "user__first_name", "user__last_name", "user__username")
        },
        "reason_id": {
            pk: f"{name} ({service})"
            for pk, name, service in VisitReason.objects.filter(
                pk__in=reason_ids
            ).values_list("pk", "name", "service__name")
        },
        "channel": {value: str(label) for value, label in Appointment.Channel.choices},
        "site_id": {
            None: str(_("No site")),
            **dict(
                Site.objects.filter(
                    pk__in={
                        combo.site_id for combo in combos if combo.site_id is not None
                    }
                ).values_list("pk", "name")
            ),
        },
    }


def lead_time(queryset: QuerySet) -> LeadTime:
    """Average, median and distribution of the time from booking to appointment.

    The database groups the lead times by whole hour (one row per distinct
    hour, at most a few thousand whatever the number of appointments), with
    their count and exact sum: the buckets (whole days) and the average are
    exact. PostgreSQL computes the exact median as well; SQLite, which has no
    percentile aggregate, gives the median hour of that histogram.
    """
    seconds = SecondsBetween("created_at", "start")
    histogram = list(
        queryset.annotate(hour=Floor(Round(seconds) / 3600))
        .values("hour")
        .annotate(count=Count("pk"), seconds=Sum(seconds))
        .order_by("hour")
        .values_list("hour", "count", "seconds")
    )
    total = sum(count for _hour, count, _seconds in histogram)
    if not total:
        return LeadTime(
            None, None, [(str(label), 0) for *_b, label in LEAD_TIME_BUCKETS]
        )
    buckets = []
    for low, high, label in LEAD_TIME_BUCKETS:
        buckets.append(
            (
                str(label),
                sum(
                    count
                    for hour, count, _seconds in histogram
                    if (low is None or hour >= low * 24)
                    and (high is None or hour < high * 24)
                ),
            )
        )
    average = sum(seconds for _hour, _count, seconds in histogram) / total / 3600
    if connection.vendor == "postgresql":
        median = queryset.aggregate(median=Median(seconds))["median"] / 3600
    else:
        median = _median_from_histogram(
            [(hour, count) for hour, count, _seconds in histogram], total
        )
    return LeadTime(average_hours=average, median_hours=median, buckets=buckets)


def waiting_times(
    queryset: QuerySet, labels: dict[int, str]
) -> tuple[list[WaitingRow], WaitingRow]:
    """Average and median wait from arrival to call, per service and in all.

    One query: the database groups the waits by service and whole minute
    (one row per distinct minute, whatever the number of appointments), with
    their count and exact sum: averages are exact, medians to the minute.
    Only appointments with both times count (arrived, then called).
    """
    seconds = SecondsBetween("arrived_at", "called_at")
    histogram = list(
        queryset.filter(arrived_at__isnull=False, called_at__isnull=False)
        .annotate(minute=Floor(seconds / 60))
        .values("service_id", "minute")
        .annotate(count=Count("pk"), seconds=Sum(seconds))
        .order_by("service_id", "minute")
        .values_list("service_id", "minute", "count", "seconds")
    )

    def row(key, label, items) -> WaitingRow:
        total = sum(count for _minute, count, _seconds in items)
        if not total:
            return WaitingRow(key=key, label=label)
        merged: dict[float, int] = {}
        for minute, count, _seconds in items:
            merged[minute] = merged.get(minute, 0) + count
        return WaitingRow(
            key=key,
            label=label,
            called=total,
            average_minutes=sum(value for *_rest, value in items) / total / 60,
            median_minutes=_median_from_histogram(sorted(merged.items()), total),
        )

    per_service: dict[int, list] = {}
    for service_id, minute, count, total_seconds in histogram:
        per_service.setdefault(service_id, []).append((minute, count, total_seconds))
    rows = [
        row(service_id, labels.get(service_id, "?"), items)
        for service_id, items in per_service.items()
    ]
    rows.sort(key=lambda item: sort_key(item.label))
    everything = [item for items in per_service.values() for item in items]
    return rows, row(0, str(_("Total")), everything)


def _median_from_histogram(histogram: Iterable[tuple[float, int]], total: int) -> float:
    """The median of values given as sorted (value, count) pairs."""
    wanted = sorted({(total - 1) // 2, total // 2})  # the middle position(s)
    picked: list[float] = []
    seen = 0
    for value, count in histogram:
        picked += [
            float(value) for position in wanted if seen <= position < seen + count
        ]
        seen += count
        if len(picked) == len(wanted):
            break
    return sum(picked) / len(picked)


# --- Occupancy ---------------------------------------------------------------


def available_minutes(
    memberships: list[tuple[int, int]], window: Interval
) -> tuple[dict[int, float], dict[tuple[int, int], float]]:
    """Open minutes per agent and per (agent, service) pair over ``window``.

    Loads the openings of all the pairs at once (``staffing.calendars``, three
    queries), then asks the availability engine for
    each pair's free intervals with no appointment (busy=()): what was offered,
    minus unavailability, commune and service closures and Belgian public
    holidays. An agent's minutes are the union over his or her services, so two
    services opened at the same hour are not counted twice.
    """
    if not memberships:
        return {}, {}
    tz = _tz()
    openings = load_openings(memberships, window)
    closures = {
        service_id: openings.closures(service_id)
        for service_id in {service_id for _agent_id, service_id in memberships}
    }

    by_pair: dict[tuple[int, int], float] = {}
    free_by_agent: dict[int, list[list[Interval]]] = defaultdict(list)
    for agent_id, service_id in memberships:
        calendar = openings.calendar(agent_id, service_id)
        free = availability.free_intervals(calendar, window, tz, closures[service_id])
        by_pair[agent_id, service_id] = _minutes(free)
        free_by_agent[agent_id].append(free)
    by_agent = {
        # One service's free intervals are already disjoint: merge only unions.
        agent_id: _minutes(
            parts[0]
            if len(parts) == 1
            else availability.merge(chain.from_iterable(parts))
        )
        for agent_id, parts in free_by_agent.items()
    }
    return by_agent, by_pair


def _minutes(intervals: Iterable[Interval]) -> float:
    return sum((item.end - item.start).total_seconds() for item in intervals) / 60


def occupancy(
    filters: StatisticsFilters,
    combos: list[_Combination],
    labels: dict[str, dict],
    memberships: list[tuple[int, int]],
) -> tuple[list[OccupancyRow], list[OccupancyRow]]:
    """Occupancy per agent and per service: booked ÷ available minutes.

    Booked minutes are those of the active appointments (pending, confirmed,
    done, no-show) among ``combos``, summed by the database; the reason,
    channel and status filters narrow what is booked, not what was open.
    """
    window = period_window(filters.first_day, filters.last_day)
    booked_by_agent: dict[int, float] = defaultdict(float)
    booked_by_service: dict[int, float] = defaultdict(float)
    for combo in combos:
        if combo.status in Appointment.ACTIVE_STATUSES:
            booked_by_agent[combo.agent_id] += (combo.seconds or 0) / 60
            booked_by_service[combo.service_id] += (combo.seconds or 0) / 60

    available_by_agent, available_by_pair = available_minutes(memberships, window)
    available_by_service: dict[int, float] = defaultdict(float)
    for (_agent_id, service_id), minutes in available_by_pair.items():
        available_by_service[service_id] += minutes

    def rows(names, booked, available) -> list[OccupancyRow]:
        keys = set(booked) | set(available)
        result = [
            OccupancyRow(
                key=key,
                label=names.get(key, str(key)),
                booked_minutes=round(booked.get(key, 0)),
                available_minutes=round(available.get(key, 0)),
            )
            for key in keys
        ]
        result = [row for row in result if row.booked_minutes or row.available_minutes]
        return sorted(result, key=lambda row: sort_key(row.label))

    return (
        rows(labels["agent_id"], booked_by_agent, available_by_agent),
        rows(labels["service_id"], booked_by_service, available_by_service),
    )


def _memberships(user, filters: StatisticsFilters) -> list[tuple[int, int]]:
    """The (agent, service) pairs whose availability the statistics count."""
    members = visible_to(Membership.objects.all(), user, service_field="service")
    if filters.service_id:
        members = members.filter(service_id=filters.service_id)
    if filters.agent_id:
        members = members.filter(agent_id=filters.agent_id)
    return list(members.values_list("agent_id", "service_id"))


# --- The whole report ----------------------------------------------------------


def statistics_report(user, filters: StatisticsFilters) -> StatisticsReport:
    """Every figure of the statistics page for ``user``.

    About fifteen queries whatever the number of appointments; the four that
    scan appointments (totals, periods, combinations, lead times) aggregate in
    the database.
    """
    queryset = filtered_appointments(user, filters)
    combos = combinations(queryset)
    memberships = _memberships(user, filters)
    labels = _labels(combos, memberships)
    occupancy_by_agent, occupancy_by_service = occupancy(
        filters, combos, labels, memberships
    )
    waiting_by_service, waiting_total = waiting_times(queryset, labels["service_id"])
    return StatisticsReport(
        filters=filters,
        totals=totals(queryset),
        periods=counts_by_period(queryset, filters),
        by_service=_breakdown(combos, "service_id", labels["service_id"]),
        by_agent=_breakdown(combos, "agent_id", labels["agent_id"]),
        by_reason=_breakdown(combos, "reason_id", labels["reason_id"]),
        by_channel=_channels(combos, labels["channel"]),
        lead_time=lead_time(queryset),
        occupancy_by_agent=occupancy_by_agent,
        occupancy_by_service=occupancy_by_service,
        waiting_by_service=waiting_by_service,
        waiting_total=waiting_total,
        by_site=_breakdown(combos, "site_id", labels["site_id"]),
    )


def _channels(combos, labels) -> list[BreakdownRow]:
    """Every channel (web, phone, desk) in their order, even when empty."""
    found = {row.key: row for row in _breakdown(combos, "channel", labels)}
    return [
        found.get(value, BreakdownRow(key=value, label=labels[value]))
        for value in Appointment.Channel.values
    ]


# --- Dashboard -------------------------------------------------------------------


def day_summary(user, day: date, *, now: datetime | None = None) -> dict:
    """The dashboard's figures, in one query over the user's services.

    ``services_today`` and ``mine_today`` count today's active appointments
    (``services_people_today`` and ``mine_people_today`` the people they are
    for, issue 25), ``pending`` the upcoming ones awaiting confirmation;
    ``week_bookings`` the bookings made since Monday and
    ``last_week_bookings`` those made over the same part of last week, for a
    fair trend (``trend`` in percent, None when last week had none).
    """
    now = now or timezone.now()
    tz = _tz()
    start = _local_midnight(day, tz)
    end = _local_midnight(day + timedelta(days=1), tz)
    monday = _local_midnight(day - timedelta(days=day.weekday()), tz)
    last_monday = _local_midnight(day - timedelta(days=day.weekday() + 7), tz)
    # The same wall-clock moment a week ago (DST-safe: computed locally).
    week_ago = datetime.combine(
        timezone.localtime(now, tz).date() - timedelta(days=7),
        timezone.localtime(now, tz).time(),
        tzinfo=tz,
    )
    today = Q(start__gte=start, start__lt=end, status__in=Appointment.ACTIVE_STATUSES)
    pending = Q(status=Status.PENDING, start__gte=now)
    this_week = Q(created_at__gte=monday, created_at__lte=now)
    last_week = Q(created_at__gte=last_monday, created_at__lte=week_ago)
    figures = (
        appointments_visible_to(user)
        .filter(today | pending | this_week | last_week)
        .aggregate(
            services_today=Count("pk", filter=today),
            mine_today=Count("pk", filter=today & Q(agent__user=user)),
            services_people_today=Coalesce(Sum("people", filter=today), 0),
            mine_people_today=Coalesce(
                Sum("people", filter=today & Q(agent__user=user)), 0
            ),
            pending=Count("pk", filter=pending),
            week_bookings=Count("pk", filter=this_week),
            last_week_bookings=Count("pk", filter=last_week),
        )
    )
    previous = figures["last_week_bookings"]
    figures["trend"] = (
        round((figures["week_bookings"] - previous) * 100 / previous)
        if previous
        else None
    )
    return figures


def todays_appointments(user, day: date) -> QuerySet:
    """The user's own active appointments of the day, in order (for the dashboard)."""
    tz = _tz()
    return (
        Appointment.objects.active()
        .filter(
            agent__user=user,
            start__gte=_local_midnight(day, tz),
            start__lt=_local_midnight(day + timedelta(days=1), tz),
        )
        .select_related("citizen", "reason", "service")
        .order_by("start")
    )


def next_appointments(user, after_day: date, limit: int = 5) -> QuerySet:
    """The user's own active appointments after ``after_day``, the first ones."""
    return (
        Appointment.objects.active()
        .filter(
            agent__user=user,
            start__gte=_local_midnight(after_day + timedelta(days=1), _tz()),
        )
        .select_related("citizen", "reason", "service")
        .order_by("start")[:limit]
    )
