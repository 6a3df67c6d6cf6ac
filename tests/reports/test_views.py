"""The statistics page, its exports and its PDF (issue 7)."""

import csv
import io
import shutil
import subprocess
from datetime import datetime, timedelta

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from core.models import Commune
from tests.factories import AgentFactory, AppointmentFactory, local

from .conftest import FIRST_DAY, LAST_DAY

pytestmark = pytest.mark.django_db

PERIOD = {"first_day": FIRST_DAY.isoformat(), "last_day": LAST_DAY.isoformat()}
PDFTOTEXT = shutil.which("pdftotext")


def export(client, fmt, language="en", **params):
    """Download an export; English labels unless told (French is the default)."""
    return client.get(
        reverse("admin:reports_statistics_export", args=[fmt]),
        {**PERIOD, **params},
        headers={"accept-language": language},
    )


def french(text: str) -> str:
    with translation.override("fr"):
        return translation.gettext(text)


def csv_sections(content: bytes) -> dict[str, list[list[str]]]:
    """The CSV export's sections by title (the line before each header)."""
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    sections: dict[str, list[list[str]]] = {}
    current = None
    for row in rows:
        if not row:
            current = None
        elif current is None and len(row) == 1:
            current = sections.setdefault(row[0], [])
        elif current is not None:
            current.append(row)
    return sections


def test_statistics_page_shows_figures_charts_and_tables(
    client, administrator, commune
):
    client.force_login(administrator)
    response = client.get(reverse("admin:reports_statistics"), PERIOD)
    assert response.status_code == 200
    content = response.content.decode()
    assert response.context["report"].totals.appointments == 9
    # Every chart has its JSON figure block and an accessible table beside it.
    charts = response.context["charts"]
    assert len(charts) == 10  # with waiting (issue 22) and per site (issue 25)
    for item in charts:
        assert f'id="{item["figure_id"]}" type="application/json"' in content
        assert f'id="caption-{item["chart"].key}"' in content
    assert content.count('<th scope="col"') >= 8
    assert 'scope="row"' in content
    # plotly.js comes from our static files, never from a CDN, and only once
    # the page has loaded (statistics.js reads data-plotly-src).
    assert 'data-plotly-src="/static/vendor/plotly/plotly-basic.min.js"' in content
    assert '<script src="/static/vendor/plotly' not in content
    assert "cdn.plot.ly" not in content
    assert "<script>" not in content.split('id="content"')[1]


def test_statistics_page_defaults_to_the_last_30_days(client, administrator):
    client.force_login(administrator)
    response = client.get(reverse("admin:reports_statistics"))
    assert response.status_code == 200
    filters = response.context["report"].filters
    assert (filters.last_day - filters.first_day).days == 29


def test_statistics_page_reports_an_invalid_period(client, administrator):
    client.force_login(administrator)
    response = client.get(
        reverse("admin:reports_statistics"),
        {"first_day": LAST_DAY.isoformat(), "last_day": FIRST_DAY.isoformat()},
    )
    assert response.status_code == 200
    assert "report" not in response.context
    assert response.context["form"].errors


def test_statistics_page_query_count_does_not_grow_with_appointments(
    client, administrator, commune, django_assert_max_num_queries
):
    client.force_login(administrator)
    url = reverse("admin:reports_statistics")
    with CaptureQueriesContext(connection) as few:
        assert client.get(url, PERIOD).status_code == 200
    others = AgentFactory.create_batch(4)
    for index in range(40):
        AppointmentFactory(
            service=commune.population,
            agent=others[index % 4],
            reason=commune.appointments[0].reason,
            start=local(FIRST_DAY + timedelta(days=index // 4), 8),
        )
    with django_assert_max_num_queries(len(few)):
        response = client.get(url, PERIOD)
    assert response.context["report"].totals.appointments == 49


def test_an_agent_sees_only_his_services_and_cannot_ask_for_others(
    client, agent, commune
):
    client.force_login(agent.user)
    url = reverse("admin:reports_statistics")
    response = client.get(url, PERIOD)
    assert response.status_code == 200
    assert response.context["report"].totals.appointments == 5
    service_choices = list(response.context["form"].fields["service"].queryset)
    assert service_choices == [commune.population]
    refused = client.get(url, {**PERIOD, "service": commune.foreigners.pk})
    assert "service" in refused.context["form"].errors
    assert export(client, "csv", service=commune.foreigners.pk).status_code == 400


def test_statistics_need_the_appointment_view_permission(client, db):
    from tests.factories import UserFactory

    stranger = UserFactory(username="stranger")  # staff, no group
    client.force_login(stranger)
    assert client.get(reverse("admin:reports_statistics")).status_code == 403
    assert export(client, "pdf").status_code == 403


def test_csv_export_contains_the_totals(client, administrator, commune):
    client.force_login(administrator)
    response = export(client, "csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment;" in response["Content-Disposition"]
    sections = csv_sections(response.content)
    per_service = sections["Per service"]
    assert per_service[0][:3] == ["Service", "Appointments", "Cancelled"]
    # People last (issue 25): here each appointment is for one person.
    assert per_service[-1] == ["Total", "9", "2", "22.2", "1", "25.0", "9"]
    summary = dict(sections["Key figures"][1:])
    assert summary["Appointments"] == "9"
    assert summary["Distinct citizens"] == "6"
    assert summary["People"] == "9"
    assert summary["Occupancy (%)"] == "8.3"  # 210 / 2520
    periods = sections["Appointments and citizens per period"]
    assert periods[1] == ["2026-09-07", "2", "2", "0", "0", "2"]


def test_xlsx_export_contains_the_totals(client, administrator, commune):
    client.force_login(administrator)
    response = export(client, "xlsx", granularity="week")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    first = book.worksheets[0]
    assert first["B2"].value == Commune.objects.get_solo().name
    services = next(sheet for sheet in book if sheet.title.endswith("Per service"))
    rows = list(services.iter_rows(values_only=True))
    assert rows[-1] == ("Total", 9, 2, 22.2, 1, 25.0, 9)
    periods = book["2. Per period"]
    weeks = list(periods.iter_rows(values_only=True))
    assert [row[:3] for row in weeks[1:3]] == [
        (datetime(2026, 9, 7), 6, 4),
        (datetime(2026, 9, 14), 3, 2),
    ]


def test_unknown_export_format_is_not_found(client, administrator):
    client.force_login(administrator)
    assert export(client, "docx").status_code == 404


def pdf_text(content: bytes, tmp_path) -> str:
    if PDFTOTEXT is None:
        pytest.skip("pdftotext (poppler-utils) is not installed: cannot read the PDF")
    path = tmp_path / "report.pdf"
    path.write_bytes(content)
    result = subprocess.run(  # noqa: S603 - a fixed program on our own file
        [PDFTOTEXT, "-layout", str(path), "-"],
        capture_output=True,
        check=True,
        text=True,
    )
    return result.stdout


def test_pdf_report_has_its_pages_and_the_totals(
    client, administrator, commune, tmp_path
):
    Commune.objects.filter(pk=Commune.objects.get_solo().pk).update(
        name="Commune de Saint-Exemple"
    )
    client.force_login(administrator)
    response = export(client, "pdf", language="fr")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    text = pdf_text(response.content, tmp_path)
    pages = [page for page in text.split("\f") if page.strip()]
    # Key figures and line chart; services; channels; agents and reasons;
    # lead times and occupancy; the table per day.
    assert len(pages) == 6
    assert "Commune de Saint-Exemple" in pages[0]
    assert french("Per channel") in pages[2]
    page = french("Page %(page)s of %(count)s")
    assert page % {"page": 1, "count": 6} in pages[0]
    assert page % {"page": 6, "count": 6} in pages[5]
    assert "7 septembre 2026" in pages[0]  # the period, in French
    lines = [" ".join(line.split()) for line in text.splitlines()]
    # French by default: decimal commas; totals of the key figures and tables.
    assert f"{french('Appointments')} 9" in lines
    assert f"{french('Distinct citizens')} 6" in lines
    assert f"{french('Cancellation rate (%)')} 22,2" in lines
    assert f"{french('Occupancy (%)')} 8,3" in lines  # 210 / 2520
    # Per service, agent, reason, channel and site: the same totals row, the
    # people last (issue 25).
    assert lines.count(f"{french('Total')} 9 2 22,2 1 25,0 9") == 5


def test_pdf_report_shows_the_commune_logo_and_the_filters(
    client, administrator, commune, tmp_path, settings
):
    from PIL import Image

    settings.MEDIA_ROOT = tmp_path
    logo = tmp_path / "branding" / "logo.png"
    logo.parent.mkdir()
    Image.new("RGB", (120, 60), "#1d4ed8").save(logo)
    Commune.objects.filter(pk=Commune.objects.get_solo().pk).update(
        logo="branding/logo.png"
    )
    client.force_login(administrator)
    response = export(
        client, "pdf", language="fr", service=commune.foreigners.pk, channel="web"
    )
    assert response.status_code == 200
    assert b"/Subtype /Image" in response.content
    text = pdf_text(response.content, tmp_path)
    criteria = " ".join(text.split("\f")[0].split())
    assert f"{french('Service')}: Étrangers" in criteria
    assert f"{french('Channel')}: {french('web')}" in criteria
