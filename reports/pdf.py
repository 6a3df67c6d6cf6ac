"""The statistics report as a PDF (reportlab): the document for the council.

Page 1: the commune's name and logo, the period and filters, the key figures
and a line chart per day (week, month): appointments, citizens, cancelled.
Page 2: the service and channel tables, each under its bar chart. Page 3:
agents and visit reasons. Page 4: lead times and occupancy. Page 5: the table
per day (week, month) behind the line chart. Long tables flow onto extra
pages, their header repeated. Every page carries the commune's name and "page n of N".

Labels come from the active language (French by default); text is drawn with
the Bitstream Vera font that ships with reportlab, embedded, so accents and
typographic punctuation print (and extract) correctly on every machine.
"""

import io
from pathlib import Path
from xml.sax.saxutils import escape

import reportlab
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas
from reportlab.platypus import (
    Image,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    TableStyle,
)
from reportlab.platypus import Table as PdfTable

from . import palette
from .exports import Heading
from .tables import Table, format_value

FONT, FONT_BOLD = "RdvVera", "RdvVera-Bold"
# The series' colours on paper, told apart in grey too (reports.palette).
BLUE = colors.HexColor(palette.PAPER["appointments"])
ORANGE = colors.HexColor(palette.PAPER["cancelled"])
RED = colors.HexColor(palette.PAPER["no_shows"])
TEAL = colors.HexColor(palette.PAPER["citizens"])
GREY = colors.HexColor("#6b7280")
LIGHT = colors.HexColor("#f3f4f6")
LINE = colors.HexColor("#d1d5db")

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 1.8 * cm
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN


def _register_fonts() -> None:
    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    folder = Path(reportlab.__file__).resolve().parent / "fonts"
    pdfmetrics.registerFont(TTFont(FONT, str(folder / "Vera.ttf")))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, str(folder / "VeraBd.ttf")))
    # So that <b> in paragraphs picks the bold face.
    pdfmetrics.registerFontFamily(
        FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD
    )


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName=FONT, fontSize=9, leading=12)
    return {
        "base": base,
        "title": ParagraphStyle(
            "title", parent=base, fontName=FONT_BOLD, fontSize=18, leading=22
        ),
        "subtitle": ParagraphStyle(
            "subtitle", parent=base, fontSize=11, leading=15, textColor=GREY
        ),
        "heading": ParagraphStyle(
            "heading",
            parent=base,
            fontName=FONT_BOLD,
            fontSize=12,
            leading=16,
            spaceBefore=10,
            spaceAfter=6,
        ),
        "cell": ParagraphStyle("cell", parent=base, fontSize=8, leading=10),
        "number": ParagraphStyle(
            "number", parent=base, fontSize=8, leading=10, alignment=TA_RIGHT
        ),
        "note": ParagraphStyle(
            "note", parent=base, fontSize=7.5, leading=10, textColor=GREY
        ),
    }


def _numbered_canvas(commune_name: str, printed: str):
    """A canvas class that writes "page n of N" once the page count is known."""

    class NumberedCanvas(canvas.Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages: list[dict] = []

        def showPage(self):  # reportlab calls it at each page end
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            count = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self._footer(count)
                super().showPage()
            super().save()

        def _footer(self, count: int) -> None:
            self.saveState()
            self.setFont(FONT, 7.5)
            self.setFillColor(GREY)
            self.setStrokeColor(LINE)
            self.line(MARGIN, 1.4 * cm, PAGE_WIDTH - MARGIN, 1.4 * cm)
            self.drawString(MARGIN, 1 * cm, f"{commune_name} · {printed}")
            self.drawRightString(
                PAGE_WIDTH - MARGIN,
                1 * cm,
                _("Page %(page)s of %(count)s")
                % {"page": self._pageNumber, "count": count},
            )
            self.restoreState()

    return NumberedCanvas


def _logo(heading: Heading):
    """The commune's logo, scaled to fit 3.5 × 2.5 cm, or None."""
    logo = heading.commune.logo
    if not logo:
        return None
    try:
        image = Image(logo.path, kind="bound", width=3.5 * cm, height=2.5 * cm)
        image.hAlign = "RIGHT"
        return image
    except (OSError, ValueError, NotImplementedError):
        # A missing file, a format reportlab cannot read (SVG) or a storage
        # without local paths: the report goes out without the logo.
        return None


def _title_block(heading: Heading, styles) -> list:
    text = [
        Paragraph(escape(heading.commune.name), styles["subtitle"]),
        Paragraph(escape(_("Appointment statistics")), styles["title"]),
        Spacer(1, 4),
        Paragraph(escape(heading.period_text()), styles["subtitle"]),
    ]
    criteria = " · ".join(f"{label}: {value}" for label, value in heading.criteria)
    text.append(Paragraph(escape(criteria), styles["base"]))
    logo = _logo(heading)
    if logo is None:
        return [*text, Spacer(1, 12)]
    block = PdfTable(
        [[text, logo]], colWidths=[CONTENT_WIDTH - 4 * cm, 4 * cm], hAlign="LEFT"
    )
    block.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return [block, Spacer(1, 12)]


def _pdf_table(table: Table, styles, *, first_width: float) -> PdfTable:
    """A table whose header row repeats when it breaks across pages."""
    others = len(table.columns) - 1
    widths = [first_width] + [(CONTENT_WIDTH - first_width) / others] * others

    def style_of(index: int) -> ParagraphStyle:
        return styles["number"] if index >= table.numeric_from else styles["cell"]

    def cells(row, *, bold=False) -> list:
        result = []
        for index, value in enumerate(row):
            text = escape(format_value(value))
            result.append(
                Paragraph(f"<b>{text}</b>" if bold else text, style_of(index))
            )
        return result

    rows = [cells(table.columns, bold=True), *(cells(row) for row in table.rows)]
    if not table.rows:
        rows.append([Paragraph(escape(_("No data.")), styles["cell"])] + [""] * others)
    if table.footer:
        rows.append(cells(table.footer, bold=True))
    pdf_table = PdfTable(rows, colWidths=widths, repeatRows=1, hAlign="LEFT")
    style = [
        ("BACKGROUND", (0, 0), (-1, 0), LIGHT),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, LINE),
        ("LINEBELOW", (0, 1), (-1, -1), 0.3, LINE),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
    ]
    if table.footer:
        style.append(("BACKGROUND", (0, -1), (-1, -1), LIGHT))
    pdf_table.setStyle(TableStyle(style))
    return pdf_table


def _table_section(
    table: Table, styles, *, first_width: float = 5 * cm, chart: Drawing | None = None
) -> list:
    """The table's title, its chart if any, and the table; a short one is kept
    on one page."""
    title = Paragraph(escape(table.title), styles["heading"])
    pdf_table = _pdf_table(table, styles, first_width=first_width)
    head = [title] if chart is None else [title, chart]
    if len(table.rows) < 25:
        return [KeepTogether([*head, pdf_table])]
    return [KeepTogether(head), pdf_table]


def _short(text: str, length: int = 22) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def _legend(drawing: Drawing, pairs) -> None:
    """The series' colours in one row along the top left of the drawing."""
    legend = Legend()
    legend.x, legend.y = 1.2 * cm, drawing.height - 0.2 * cm
    legend.fontName, legend.fontSize = FONT, 7.5
    legend.alignment = "right"  # the text to the right of its swatch
    legend.columnMaximum = 1  # one item per column: a single row
    legend.deltax = 4 * cm
    legend.dx = legend.dy = 7
    legend.colorNamePairs = pairs
    drawing.add(legend)


def period_line_chart(table: Table) -> Drawing:
    """Appointments, distinct citizens and cancelled appointments per period,
    as lines told apart by their colour, width and dashes."""
    labels = [str(row[0]) for row in table.rows]
    drawing = Drawing(CONTENT_WIDTH, 7 * cm)
    chart = HorizontalLineChart()
    chart.x, chart.y = 1.2 * cm, 1.6 * cm
    chart.width, chart.height = CONTENT_WIDTH - 1.6 * cm, 4.6 * cm
    chart.data = [[row[index] or 0 for row in table.rows] or [0] for index in (1, 2, 3)]
    chart.lines[0].strokeColor, chart.lines[0].strokeWidth = BLUE, 1.8
    chart.lines[1].strokeColor, chart.lines[1].strokeWidth = TEAL, 1.2
    chart.lines[1].strokeDashArray = (1, 2)
    chart.lines[2].strokeColor, chart.lines[2].strokeWidth = ORANGE, 1.4
    chart.lines[2].strokeDashArray = (5, 3)
    # At most about 16 labels under the axis, whatever the number of periods.
    step = max(1, -(-len(labels) // 16))
    chart.categoryAxis.categoryNames = [
        label if index % step == 0 else "" for index, label in enumerate(labels)
    ] or [""]
    chart.categoryAxis.labels.fontName = FONT
    chart.categoryAxis.labels.fontSize = 6.5
    chart.categoryAxis.labels.angle = 30
    chart.categoryAxis.labels.boxAnchor = "ne"
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labels.fontName = FONT
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.gridStrokeColor = LINE
    chart.valueAxis.visibleGrid = True
    drawing.add(chart)
    _legend(
        drawing,
        [
            (BLUE, table.columns[1]),
            (TEAL, table.columns[2]),
            (ORANGE, table.columns[3]),
        ],
    )
    return drawing


def breakdown_bar_chart(table: Table) -> Drawing:
    """Appointments, cancelled and no-shows per service or channel, as grouped
    bars."""
    drawing = Drawing(CONTENT_WIDTH, 7.5 * cm)
    chart = VerticalBarChart()
    chart.x, chart.y = 1.2 * cm, 2.2 * cm
    chart.width, chart.height = CONTENT_WIDTH - 1.6 * cm, 4.4 * cm
    chart.data = [[row[index] or 0 for row in table.rows] or [0] for index in (1, 2, 4)]
    chart.categoryAxis.categoryNames = [_short(str(row[0])) for row in table.rows] or [
        ""
    ]
    chart.categoryAxis.labels.fontName = FONT
    chart.categoryAxis.labels.fontSize = 7
    chart.categoryAxis.labels.angle = 20 if len(table.rows) > 4 else 0
    chart.categoryAxis.labels.boxAnchor = "ne" if len(table.rows) > 4 else "n"
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labels.fontName = FONT
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.visibleGrid = True
    chart.valueAxis.gridStrokeColor = LINE
    chart.barSpacing = 1
    chart.groupSpacing = 8
    for index, colour in enumerate((BLUE, ORANGE, RED)):
        chart.bars[index].fillColor = colour
        chart.bars[index].strokeColor = None
    drawing.add(chart)
    _legend(
        drawing,
        [(BLUE, table.columns[1]), (ORANGE, table.columns[2]), (RED, table.columns[4])],
    )
    return drawing


def _chart_block(title: str, drawing: Drawing, styles) -> list:
    return [KeepTogether([Paragraph(escape(title), styles["heading"]), drawing])]


def render_pdf(heading: Heading, tables: dict[str, Table]) -> bytes:
    """The whole report as PDF bytes (see the module's docstring for the pages)."""
    _register_fonts()
    styles = _styles()
    buffer = io.BytesIO()
    printed = _("printed on %(date)s") % {
        "date": date_format(timezone.localtime(), "DATETIME_FORMAT")
    }
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=2 * cm,
        title=_("Appointment statistics"),
        author=heading.commune.name,
        subject=heading.period_text(),
    )
    summary = tables["summary"]
    story = [
        *_title_block(heading, styles),
        *_table_section(summary, styles, first_width=9 * cm),
        *[Paragraph(escape(note), styles["note"]) for note in summary.notes],
        *_chart_block(
            tables["periods"].title, period_line_chart(tables["periods"]), styles
        ),
        PageBreak(),
        *_table_section(
            tables["services"], styles, chart=breakdown_bar_chart(tables["services"])
        ),
        *_table_section(tables["sites"], styles),
        *_table_section(
            tables["channels"], styles, chart=breakdown_bar_chart(tables["channels"])
        ),
        PageBreak(),
        *_table_section(tables["agents"], styles),
        *_table_section(tables["reasons"], styles),
        PageBreak(),
        *_table_section(tables["lead_time"], styles),
        *_table_section(tables["occupancy_services"], styles),
        *_table_section(tables["occupancy_agents"], styles),
        *_table_section(tables["waiting"], styles),
        PageBreak(),
        *_table_section(tables["periods"], styles, first_width=4 * cm),
    ]
    document.build(story, canvasmaker=_numbered_canvas(heading.commune.name, printed))
    return buffer.getvalue()
