"""The statistics report as titled tables: one shape for every format.

The page shows each table beside its chart (the accessible alternative), the
CSV and XLSX exports write them, the PDF lays them out. Cells hold plain
values (text, numbers, :class:`Period`); each formatter renders them its way.
Rates are percentages and durations hours or days, rounded to one decimal, so
the exports need no unit conversion.
"""

from dataclasses import dataclass, field
from datetime import date

from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from .selectors import (
    BreakdownRow,
    Counts,
    OccupancyRow,
    StatisticsReport,
    WaitingRow,
)


@dataclass(frozen=True)
class Period:
    """A day, week or month of the report, shown in the user's language."""

    first_day: date
    granularity: str

    def __str__(self) -> str:
        if self.granularity == "month":
            return date_format(self.first_day, "YEAR_MONTH_FORMAT")
        shown = date_format(self.first_day, "SHORT_DATE_FORMAT")
        if self.granularity == "week":
            return _("week of %(day)s") % {"day": shown}
        return shown


@dataclass
class Table:
    """A titled table: a key (its id on the page), columns, rows, totals row."""

    key: str
    title: str
    columns: list[str]
    rows: list[list]
    footer: list | None = None
    numeric_from: int = 1  # columns from this index hold numbers
    notes: list[str] = field(default_factory=list)
    short_title: str = ""  # for spreadsheet tabs (31 characters at most)


def _minutes(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _percent(rate: float | None) -> float | None:
    return None if rate is None else round(rate * 100, 1)


def _hours(minutes: int) -> float:
    return round(minutes / 60, 1)


def _days(hours: float | None) -> float | None:
    return None if hours is None else round(hours / 24, 1)


def format_value(value, *, missing: str = "–") -> str:
    """A cell as text in the active language (decimal comma in French)."""
    if value is None:
        return missing
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return number_format(value, force_grouping=True)
    if isinstance(value, float):
        return number_format(value, decimal_pos=1, force_grouping=True)
    return str(value)


def _counts_row(label, counts: Counts) -> list:
    return [
        label,
        counts.appointments,
        counts.cancelled,
        _percent(counts.cancellation_rate),
        counts.no_shows,
        _percent(counts.no_show_rate),
        counts.people,
    ]


def _breakdown(key: str, title: str, first: str, rows: list[BreakdownRow], totals):
    return Table(
        key=key,
        title=title,
        columns=[
            first,
            _("Appointments"),
            _("Cancelled"),
            _("Cancellation rate (%)"),
            _("No-shows"),
            _("No-show rate (%)"),
            # Last, so that the charts' columns stay where they were.
            _("People"),
        ],
        rows=[_counts_row(row.label, row) for row in rows],
        footer=_counts_row(_("Total"), totals),
    )


def _occupancy(key: str, title: str, first: str, rows: list[OccupancyRow], total):
    def cells(label, row: OccupancyRow) -> list:
        return [
            label,
            _hours(row.booked_minutes),
            _hours(row.available_minutes),
            _percent(row.rate),
        ]

    return Table(
        key=key,
        title=title,
        columns=[first, _("Booked (hours)"), _("Open (hours)"), _("Occupancy (%)")],
        rows=[cells(row.label, row) for row in rows],
        footer=cells(_("Total"), total) if total is not None else None,
    )


def summary_table(report: StatisticsReport) -> Table:
    """The key figures of the period."""
    totals = report.totals
    occupancy = report.occupancy_total
    return Table(
        key="summary",
        title=_("Key figures"),
        columns=[_("Figure"), _("Value")],
        rows=[
            [_("Appointments"), totals.appointments],
            [_("People"), totals.people],
            [_("Distinct citizens"), totals.citizens],
            [_("Cancelled"), totals.cancelled],
            [_("Cancellation rate (%)"), _percent(totals.cancellation_rate)],
            [_("No-shows"), totals.no_shows],
            [_("No-show rate (%)"), _percent(totals.no_show_rate)],
            [_("Average lead time (days)"), _days(report.lead_time.average_hours)],
            [_("Median lead time (days)"), _days(report.lead_time.median_hours)],
            [_("Occupancy (%)"), _percent(occupancy.rate)],
            [
                _("Average wait at the desk (minutes)"),
                _minutes(report.waiting_total.average_minutes),
            ],
            [
                _("Median wait at the desk (minutes)"),
                _minutes(report.waiting_total.median_minutes),
            ],
        ],
        notes=[
            _(
                "Appointments are counted on the day they take place, whatever "
                "became of them; the cancellation rate divides the cancelled ones "
                "by all of them, the no-show rate divides the no-shows by the "
                "appointments marked done or no-show."
            ),
            _(
                "People counts everyone the appointments were for: a family "
                "that comes together in one appointment counts as several."
            ),
            _(
                "Occupancy divides the minutes booked (appointments not cancelled "
                "nor refused) by the minutes the agents were open: typical weeks "
                "and extra openings, minus unavailability, closures and public "
                "holidays."
            ),
        ],
    )


def period_table(report: StatisticsReport) -> Table:
    """Appointments and distinct citizens per day, week or month."""
    granularity = report.filters.granularity
    first = {"day": _("Day"), "week": _("Week"), "month": _("Month")}[granularity]
    totals = report.totals
    return Table(
        key="periods",
        title=_("Appointments and citizens per period"),
        short_title=_("Per period"),
        columns=[
            first,
            _("Appointments"),
            _("Distinct citizens"),
            _("Cancelled"),
            _("No-shows"),
            _("People"),
        ],
        rows=[
            [
                Period(row.period, granularity),
                row.appointments,
                row.citizens,
                row.cancelled,
                row.no_shows,
                row.people,
            ]
            for row in report.periods
        ],
        footer=[
            _("Total"),
            totals.appointments,
            totals.citizens,
            totals.cancelled,
            totals.no_shows,
            totals.people,
        ],
    )


def lead_time_table(report: StatisticsReport) -> Table:
    """How long before the appointment citizens booked."""
    return Table(
        key="lead_time",
        title=_("Time between booking and appointment"),
        short_title=_("Lead time"),
        columns=[_("Booked"), _("Appointments")],
        rows=[[label, count] for label, count in report.lead_time.buckets],
        footer=[_("Total"), sum(count for _label, count in report.lead_time.buckets)],
    )


def waiting_table(report: StatisticsReport) -> Table:
    """How long citizens waited at the desk, from arrival to call (issue 22)."""

    def cells(label, row: WaitingRow) -> list:
        return [
            label,
            row.called,
            _minutes(row.average_minutes),
            _minutes(row.median_minutes),
        ]

    return Table(
        key="waiting",
        title=_("Waiting at the desk, from arrival to call"),
        short_title=_("Waiting"),
        columns=[
            _("Service"),
            _("Citizens called"),
            _("Average wait (minutes)"),
            _("Median wait (minutes)"),
        ],
        rows=[cells(row.label, row) for row in report.waiting_by_service],
        footer=cells(_("Total"), report.waiting_total),
        notes=[
            _(
                "Counts the appointments recorded as arrived (at the desk, by "
                "booking reference or from the day list) and then called."
            )
        ],
    )


def report_tables(report: StatisticsReport) -> dict[str, Table]:
    """Every table of the report, by key, in the order of the page."""
    totals = report.totals
    tables = [
        summary_table(report),
        period_table(report),
        _breakdown(
            "services", _("Per service"), _("Service"), report.by_service, totals
        ),
        _breakdown("sites", _("Per site"), _("Site"), report.by_site, totals),
        _breakdown("agents", _("Per agent"), _("Agent"), report.by_agent, totals),
        _breakdown(
            "reasons",
            _("Per visit reason"),
            _("Visit reason"),
            report.by_reason,
            totals,
        ),
        _breakdown(
            "channels", _("Per channel"), _("Channel"), report.by_channel, totals
        ),
        lead_time_table(report),
        _occupancy(
            "occupancy_services",
            _("Occupancy per service"),
            _("Service"),
            report.occupancy_by_service,
            report.occupancy_total,
        ),
        _occupancy(
            "occupancy_agents",
            _("Occupancy per agent"),
            _("Agent"),
            report.occupancy_by_agent,
            None,
        ),
        waiting_table(report),
    ]
    return {table.key: table for table in tables}
