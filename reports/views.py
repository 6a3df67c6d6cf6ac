"""Statistics pages of the admin (R24): the page, its CSV/XLSX exports, its PDF.

Thin views: the form validates the filters, ``selectors.statistics_report``
computes the figures, ``tables``, ``charts``, ``exports`` and ``pdf`` format
them.
"""

from django.contrib import admin
from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.template.response import TemplateResponse
from django.utils.text import slugify
from django.utils.translation import gettext as _

from core.models import Commune

from . import exports, pdf
from .charts import chart_description, report_charts
from .forms import StatisticsFilterForm
from .selectors import statistics_report
from .tables import report_tables

EXPORT_FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


@permission_required("booking.view_appointment", raise_exception=True)
def statistics(request):
    """The statistics page: filters, key figures, charts with their tables."""
    form = StatisticsFilterForm(request.GET, user=request.user)
    context = {
        **admin.site.each_context(request),
        "title": _("Statistics"),
        "form": form,
        "charts": [],
    }
    if form.is_valid():
        report = statistics_report(request.user, form.filters())
        tables = report_tables(report)
        context.update(
            report=report,
            summary=tables["summary"],
            charts=[
                {
                    "chart": chart,
                    "description": chart_description(chart),
                    "figure_id": f"figure-{chart.key}",
                }
                for chart in report_charts(tables)
            ],
            query_string=form.query_string(),
            export_formats=list(EXPORT_FORMATS),
        )
    return TemplateResponse(request, "reports/statistics.html", context)


@permission_required("booking.view_appointment", raise_exception=True)
def statistics_export(request, fmt: str):
    """The page's figures as CSV, XLSX or PDF, with the same filters."""
    if fmt not in EXPORT_FORMATS:
        raise Http404
    form = StatisticsFilterForm(request.GET, user=request.user)
    if not form.is_valid():
        return HttpResponseBadRequest(_("The filters are not valid."))
    filters = form.filters()
    report = statistics_report(request.user, filters)
    tables = report_tables(report)
    heading = exports.Heading(
        commune=Commune.objects.get_solo(),
        first_day=filters.first_day,
        last_day=filters.last_day,
        criteria=form.description(),
    )
    if fmt == "csv":
        content = exports.to_csv(heading, tables).encode("utf-8-sig")
    elif fmt == "xlsx":
        content = exports.to_xlsx(heading, tables)
    else:
        content = pdf.render_pdf(heading, tables)
    name = (
        f"{slugify(_('statistics'))}-{filters.first_day:%Y%m%d}-"
        f"{filters.last_day:%Y%m%d}.{fmt}"
    )
    response = HttpResponse(content, content_type=EXPORT_FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
