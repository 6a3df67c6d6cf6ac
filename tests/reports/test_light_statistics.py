"""A light statistics page and a complete PDF (issue 21, point 4): plotly.js
comes after the page, in its small bundle, the version the figures are built
for; the PDF draws the cancelled appointments and a chart per channel, in
colours told apart on paper."""

import json
from itertools import combinations
from pathlib import Path

import pytest
from django.urls import reverse
from plotly.offline import get_plotlyjs_version

from core.colours import contrast_ratio
from reports import palette
from reports.pdf import breakdown_bar_chart, period_line_chart
from reports.selectors import statistics_report
from reports.tables import report_tables
from scripts import vendor_static

from .conftest import FIRST_DAY, LAST_DAY
from .test_views import PERIOD, export, french, pdf_text

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def test_the_plotly_bundle_is_the_version_the_figures_are_built_for():
    pinned = json.loads((ROOT / "package.json").read_text())["dependencies"]
    assert pinned["plotly.js-basic-dist-min"] == get_plotlyjs_version()
    assert (
        vendor_static.FILES["plotly.js-basic-dist-min/plotly-basic.min.js"]
        == "plotly/plotly-basic.min.js"
    )


def test_the_page_loads_plotly_only_after_itself(client, administrator, commune):
    client.force_login(administrator)
    content = client.get(reverse("admin:reports_statistics"), PERIOD).content.decode()
    head = content.split("</head>")[0]
    assert "plotly" not in head.replace("reports/statistics.js", "")
    assert 'src="/static/reports/statistics.js" defer' in head
    assert 'data-plotly-src="/static/vendor/plotly/plotly-basic.min.js"' in content
    # Each chart above its table, the card's width (tables were cut beside).
    # With waiting (issue 22) and per site (issue 25).
    assert content.count('class="rdv-stats-pair"') == 10


def tables_of_the_commune(administrator):
    from reports.forms import StatisticsFilterForm

    form = StatisticsFilterForm(
        {"first_day": FIRST_DAY.isoformat(), "last_day": LAST_DAY.isoformat()},
        user=administrator,
    )
    assert form.is_valid(), form.errors
    return report_tables(statistics_report(administrator, form.filters()))


def test_the_pdf_period_chart_draws_the_cancelled_too(administrator, commune):
    tables = tables_of_the_commune(administrator)
    drawing = period_line_chart(tables["periods"])
    chart = drawing.contents[0]
    assert len(chart.data) == 3
    cancelled = [row[3] for row in tables["periods"].rows]
    assert chart.data[2] == cancelled and sum(cancelled) == 2
    # Three lines that differ by more than their colour.
    dashes = [
        getattr(chart.lines[index], "strokeDashArray", None) for index in range(3)
    ]
    assert len(set(map(str, dashes))) == 3
    legend = drawing.contents[1]
    assert [name for _colour, name in legend.colorNamePairs] == tables[
        "periods"
    ].columns[1:4]


def test_the_pdf_has_a_chart_per_channel(client, administrator, commune, tmp_path):
    tables = tables_of_the_commune(administrator)
    chart = breakdown_bar_chart(tables["channels"]).contents[0]
    assert list(chart.categoryAxis.categoryNames) == [
        str(row[0]) for row in tables["channels"].rows
    ]
    client.force_login(administrator)
    text = pdf_text(export(client, "pdf", language="fr").content, tmp_path)
    channels_page = next(
        page for page in text.split("\f") if french("Per channel") in page
    )
    channel = str(tables["channels"].rows[0][0])
    # Under the chart's bars and in the table.
    assert channels_page.count(channel) >= 2, channel
    assert french("Cancelled") in text.split("\f")[0]  # the period chart's legend


def test_paper_colours_differ_in_lightness():
    bars = [palette.PAPER[name] for name in ("appointments", "cancelled", "no_shows")]
    for first, second in combinations(bars, 2):
        assert contrast_ratio(first, second) >= 2, (first, second)
