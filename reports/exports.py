"""CSV and XLSX exports of the statistics (tablib, with openpyxl for XLSX).

The same tables as the page, each preceded by its title, after a heading that
names the commune, the period and the filters. Numbers stay numbers (rates in
percent, durations in hours or days, one decimal) and periods are ISO dates in
CSV and real dates in XLSX, so that a spreadsheet can compute with them.
"""

import re
from dataclasses import dataclass
from datetime import date

import tablib
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from core.models import Commune
from core.spreadsheets import neutralised, xlsx_book

from .tables import Period, Table

# Excel refuses these characters in sheet titles, and titles over 31 characters.
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


@dataclass(frozen=True)
class Heading:
    """What every export and the PDF say first: who, when, which filters."""

    commune: Commune
    first_day: date
    last_day: date
    criteria: list[tuple[str, str]]

    def period_text(self) -> str:
        """The period in the active language, "from … to …"."""
        return _("from %(first)s to %(last)s") % {
            "first": date_format(self.first_day, "DATE_FORMAT"),
            "last": date_format(self.last_day, "DATE_FORMAT"),
        }

    def rows(self) -> list[tuple[str, str]]:
        """(label, value) lines: commune, period and each filter."""
        return [
            (_("Commune"), self.commune.name),
            (_("Period"), self.period_text()),
            *self.criteria,
        ]


def _cell(value, *, iso_dates: bool):
    if isinstance(value, Period):
        return value.first_day.isoformat() if iso_dates else value.first_day
    if value is None:
        return ""
    return value


def dataset(table: Table, *, iso_dates: bool = True) -> tablib.Dataset:
    """One table as a tablib Dataset, its totals row last."""
    data = tablib.Dataset(headers=table.columns)
    for row in [*table.rows, *([table.footer] if table.footer else [])]:
        data.append([_cell(value, iso_dates=iso_dates) for value in row])
    return data


def _csv(data: tablib.Dataset) -> str:
    return neutralised(data).export("csv")


def to_csv(heading: Heading, tables: dict[str, Table]) -> str:
    """Every table in one CSV file: heading lines, then titled sections.

    Text that a spreadsheet would run as a formula (a commune, agent or reason
    named "=…") is neutralised (``core.spreadsheets``).
    """
    sections = [_csv(tablib.Dataset(*heading.rows(), headers=[_("Statistics"), ""]))]
    for table in tables.values():
        title = _csv(tablib.Dataset([table.title]))
        sections.append(title + _csv(dataset(table)))
    return "\r\n".join(sections)


def _sheet_title(index: int, title: str) -> str:
    # The number keeps titles unique once cut to Excel's 31 characters.
    return _SHEET_FORBIDDEN.sub(" ", f"{index}. {title}")[:31].strip()


def to_xlsx(heading: Heading, tables: dict[str, Table]) -> bytes:
    """Every table on its own sheet, after a first sheet with the heading;
    text in text cells, never formulas (``core.spreadsheets``)."""
    first = tablib.Dataset(*heading.rows(), headers=[_("Statistics"), ""])
    first.title = _sheet_title(0, _("Report"))
    sheets = [first]
    for index, table in enumerate(tables.values(), start=1):
        sheet = dataset(table, iso_dates=False)
        sheet.title = _sheet_title(index, table.short_title or table.title)
        sheets.append(sheet)
    return xlsx_book(sheets)
