"""Plotly figures of the statistics page, built from the report's tables.

Figures travel as JSON in ``<script type="application/json">`` blocks that a
small static script (``reports/statistics.js``) draws, once the page has
loaded, with plotly.js's basic bundle (npm ``plotly.js-basic-dist-min``, the
version the plotly package builds figures for, copied to static/vendor/): no
CDN and no inline script. Axes are categories labelled in the user's language,
so plotly.js needs no locale file; the separators follow the language too.
Colours: ``reports.palette``.
"""

from dataclasses import dataclass

import plotly.graph_objects as go
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from . import palette
from .tables import Table

BLUE = palette.SCREEN["appointments"]
ORANGE = palette.SCREEN["cancelled"]
TEAL = palette.SCREEN["citizens"]


@dataclass(frozen=True)
class Chart:
    """One figure and the table that carries the same figures in text."""

    key: str
    title: str
    figure: dict
    table: Table


def _layout(*, height: int = 340, horizontal: bool = False, legend: bool = True):
    # Decimal comma and (thin) space for thousands, except in English.
    separators = ".," if (get_language() or "fr").startswith("en") else ", "
    return {
        "height": height,
        "margin": {"l": 120 if horizontal else 50, "r": 20, "t": 40, "b": 60},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "font": {"family": "Inter, system-ui, sans-serif", "size": 12},
        "separators": separators,
        "showlegend": legend,
        # Above the plot, where rotated category labels cannot cover it.
        "legend": {"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
        "barmode": "group",
        "xaxis": {"type": "category", "automargin": True},
        "yaxis": {"automargin": True, "rangemode": "tozero"},
    }


def _figure(traces, **layout) -> dict:
    figure = go.Figure(data=traces, layout=_layout(**layout))
    return figure.to_plotly_json()


def _column(table: Table, index: int) -> list:
    return [row[index] for row in table.rows]


def _labels(table: Table, *, cut: int | None = None) -> list[str]:
    """The first column as category labels, shortened to ``cut`` characters
    when that keeps them distinct (the table beside holds the full text)."""
    labels = [str(row[0]) for row in table.rows]
    if cut is None:
        return labels
    short = [label if len(label) <= cut else label[: cut - 1] + "…" for label in labels]
    return short if len(set(short)) == len(set(labels)) else labels


def period_chart(table: Table) -> Chart:
    """Appointments (bars) and distinct citizens (line) per period."""
    labels = _labels(table)
    traces = [
        go.Bar(x=labels, y=_column(table, 1), name=table.columns[1], marker_color=BLUE),
        go.Scatter(
            x=labels,
            y=_column(table, 2),
            name=table.columns[2],
            mode="lines+markers",
            line={"color": TEAL},
        ),
        go.Scatter(
            x=labels,
            y=_column(table, 3),
            name=table.columns[3],
            mode="lines",
            line={"color": ORANGE, "dash": "dot"},
        ),
    ]
    return Chart(table.key, table.title, _figure(traces), table)


def breakdown_chart(table: Table, *, horizontal: bool = False) -> Chart:
    """Appointments, cancelled and no-shows per service, agent, reason or channel."""
    labels = _labels(table, cut=40 if horizontal else 24)
    series = [(1, "appointments"), (2, "cancelled"), (4, "no_shows")]
    traces = []
    for index, name in series:
        values = _column(table, index)
        marker = {"color": palette.SCREEN[name]}
        if name in palette.HATCHING:
            marker["pattern"] = {"shape": palette.HATCHING[name], "solidity": 0.35}
        if horizontal:
            traces.append(
                go.Bar(
                    y=labels,
                    x=values,
                    name=table.columns[index],
                    orientation="h",
                    marker=marker,
                )
            )
        else:
            traces.append(
                go.Bar(x=labels, y=values, name=table.columns[index], marker=marker)
            )
    if not horizontal:
        return Chart(table.key, table.title, _figure(traces), table)
    figure = _figure(traces, height=max(260, 70 + 32 * len(labels)), horizontal=True)
    # Busiest first, from the top; categories on y.
    figure["layout"]["yaxis"] = {"type": "category", "autorange": "reversed"}
    figure["layout"]["xaxis"] = {"rangemode": "tozero"}
    return Chart(table.key, table.title, figure, table)


def lead_time_chart(table: Table) -> Chart:
    """How many appointments were booked how long in advance."""
    traces = [
        go.Bar(
            x=_labels(table),
            y=_column(table, 1),
            name=table.columns[1],
            marker_color=BLUE,
        )
    ]
    return Chart(table.key, table.title, _figure(traces, legend=False), table)


def occupancy_chart(table: Table) -> Chart:
    """Occupancy in percent per service or agent, horizontal bars."""
    labels = _labels(table, cut=40)
    traces = [
        go.Bar(
            y=labels,
            x=_column(table, 3),
            name=table.columns[3],
            orientation="h",
            marker_color=TEAL,
            hovertemplate="%{y}: %{x} %<extra></extra>",
        )
    ]
    figure = _figure(
        traces, height=max(200, 70 + 32 * len(labels)), horizontal=True, legend=False
    )
    figure["layout"]["yaxis"] = {"type": "category", "autorange": "reversed"}
    figure["layout"]["xaxis"] = {"rangemode": "tozero", "ticksuffix": " %"}
    return Chart(table.key, table.title, figure, table)


def waiting_chart(table: Table) -> Chart:
    """Average and median wait at the desk per service, in minutes."""
    labels = _labels(table, cut=40)
    traces = [
        go.Bar(x=labels, y=_column(table, 2), name=table.columns[2], marker_color=BLUE),
        go.Bar(x=labels, y=_column(table, 3), name=table.columns[3], marker_color=TEAL),
    ]
    return Chart(table.key, table.title, _figure(traces), table)


def report_charts(tables: dict[str, Table]) -> list[Chart]:
    """The charts of the page, in order, each with its table."""
    return [
        period_chart(tables["periods"]),
        breakdown_chart(tables["services"]),
        breakdown_chart(tables["sites"]),
        breakdown_chart(tables["channels"]),
        breakdown_chart(tables["agents"], horizontal=True),
        breakdown_chart(tables["reasons"], horizontal=True),
        lead_time_chart(tables["lead_time"]),
        occupancy_chart(tables["occupancy_services"]),
        occupancy_chart(tables["occupancy_agents"]),
        waiting_chart(tables["waiting"]),
    ]


def chart_description(chart: Chart) -> str:
    """What a screen reader hears on the chart: where to find its figures."""
    return _("Chart: %(title)s. The same figures are in the table below.") % {
        "title": chart.title
    }
