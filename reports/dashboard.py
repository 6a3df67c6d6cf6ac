"""The admin's home page (unfold DASHBOARD_CALLBACK, templates/admin/index.html).

Context keys, kept stable for the other apps that add their own blocks:
``summary`` (a dict of figures, see ``selectors.day_summary``; other apps may
add keys to it), ``today_appointments``, ``next_appointments`` and
``statistics_url``.
"""

from django.urls import reverse
from django.utils import timezone

from messaging.selectors import dashboard_figures

from .selectors import day_summary, next_appointments, todays_appointments


def dashboard_callback(request, context: dict) -> dict:
    """Add today's figures, the user's appointments and the weekly trend."""
    today = timezone.localdate()
    user = request.user
    context["summary"] = {**context.get("summary", {}), **day_summary(user, today)}
    context["today_appointments"] = list(todays_appointments(user, today))
    context["next_appointments"] = list(next_appointments(user, today))
    if user.has_perm("booking.view_appointment"):
        context["statistics_url"] = reverse("admin:reports_statistics")
    # messaging (issue 5): failed messages, requests waiting too long (R10).
    context["summary"].update(dashboard_figures(user))
    return context
