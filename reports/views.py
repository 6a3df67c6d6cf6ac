"""Statistics pages of the admin (R24)."""

from datetime import timedelta

from django.contrib import admin
from django.contrib.auth.decorators import permission_required
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from .selectors import counts_by_service


@permission_required("booking.view_appointment", raise_exception=True)
def statistics(request):
    """Appointments per service over the last 30 days."""
    last_day = timezone.localdate()
    first_day = last_day - timedelta(days=29)
    rows = counts_by_service(request.user, first_day, last_day)
    context = {
        **admin.site.each_context(request),
        "title": _("Statistics"),
        "first_day": first_day,
        "last_day": last_day,
        "rows": rows,
        "total": sum(row["total"] for row in rows),
    }
    return TemplateResponse(request, "reports/statistics.html", context)
