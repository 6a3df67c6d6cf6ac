"""The admin's home page (unfold DASHBOARD_CALLBACK, templates/admin/index.html).

reports draws the page: ``summary`` (a dict of figures, see
``selectors.day_summary``), ``today_appointments``, ``next_appointments`` and
``statistics_url``. The other apps add their blocks through the admin site
(``site.register_dashboard_block`` in their ``AppConfig.ready()``, see
``core/admin_site.py``): messaging's failed messages and SMS budget abroad
come that way, and reports imports no app above it.
"""

from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from .selectors import day_summary, next_appointments, todays_appointments


def dashboard_callback(request, context: dict) -> dict:
    """Add today's figures, the user's appointments and the weekly trend, then
    the blocks the other apps registered."""
    today = timezone.localdate()
    user = request.user
    context["summary"] = {**context.get("summary", {}), **day_summary(user, today)}
    context["today_appointments"] = list(todays_appointments(user, today))
    context["next_appointments"] = list(next_appointments(user, today))
    if user.has_perm("booking.view_appointment"):
        context["statistics_url"] = reverse("admin:reports_statistics")
    return admin.site.dashboard_blocks(request, context)
