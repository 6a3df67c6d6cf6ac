"""Spreadsheet files safe to open: no cell of ours runs as a formula.

A citizen may be called ``=HYPERLINK("http://…"&B2,"Click")`` or
``+cmd|' /C calc'!A0``: written as such into a CSV file, or as a formula into
an XLSX file, the spreadsheet runs it when the agent opens the export (CSV or
formula injection). Every export of the project goes through this module: the
admin's import-export files (``core.admin_base``) and the statistics
(``reports.exports``).

- CSV and TSV: a text cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or
  a carriage return gets a leading apostrophe, which spreadsheets read as
  "text follows" (a phone number ``+32…`` shows as ``'+32…``, still readable).
- XLSX: such a cell is written as a text cell, never as a formula, and shows
  unchanged (``+32…``). Characters that XLSX cannot hold (NUL…) become "�"
  instead of failing the export.
"""

from io import BytesIO

import tablib
from import_export.formats import base_formats
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from tablib.formats import registry

# What makes a spreadsheet read a cell as a formula (OWASP, "CSV Injection").
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(value) -> bool:
    """Whether a text cell would be read as a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_PREFIXES)


def neutralise(value):
    """A cell for a CSV or TSV file: formula-like text behind an apostrophe."""
    return "'" + value if is_formula_like(value) else value


def neutralised(dataset: tablib.Dataset) -> tablib.Dataset:
    """A copy of ``dataset`` with every text cell neutralised (CSV, TSV)."""
    safe = tablib.Dataset(headers=dataset.headers, title=dataset.title)
    for row in dataset:
        safe.append([neutralise(value) for value in row])
    return safe


def _xlsx_text(value):
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("\N{REPLACEMENT CHARACTER}", value)
    return value


def xlsx_book(datasets: list[tablib.Dataset]) -> bytes:
    """An XLSX workbook, one sheet per dataset (its title names the sheet),
    laid out as tablib does (bold header, frozen first row), with every text
    cell a text cell."""
    writer = registry.get_format("xlsx")
    workbook = Workbook()
    workbook.remove(workbook.active)
    for index, dataset in enumerate(datasets):
        clean = tablib.Dataset(headers=dataset.headers)
        for row in dataset:
            clean.append([_xlsx_text(value) for value in row])
        sheet = workbook.create_sheet(title=dataset.title or f"Sheet {index + 1}")
        writer.dset_sheet(clean, sheet, freeze_panes=True)
        for cells in sheet.iter_rows():
            for cell in cells:
                # openpyxl takes every text beginning with "=" for a formula.
                if cell.data_type == "f":
                    cell.data_type = "s"
    stream = BytesIO()
    workbook.save(stream)
    return stream.getvalue()


# --- import-export's formats, made safe (the admin offers only these) -------------


class SafeCSV(base_formats.CSV):
    def export_data(self, dataset, **kwargs):
        return super().export_data(neutralised(dataset), **kwargs)


class SafeTSV(base_formats.TSV):
    def export_data(self, dataset, **kwargs):
        return super().export_data(neutralised(dataset), **kwargs)


class SafeXLSX(base_formats.XLSX):
    def export_data(self, dataset, **kwargs):
        return xlsx_book([dataset])


# The formats the README documents; CSV first (tests and habits pick index 0).
ADMIN_FORMATS = [SafeCSV, SafeXLSX, SafeTSV, base_formats.JSON]
