"""The admin's home page (unfold DASHBOARD_CALLBACK, templates/admin/index.html).

Context keys, kept stable for the other apps that add their own blocks:
``summary`` (a dict of figures, see ``selectors.day_summary``; other apps may
add keys to it), ``today_appointments``, ``next_appointments`` and
``statistics_url``; for administrators, ``sms_by_country`` (this month's SMS
per destination country), ``sms_abroad_today`` and ``sms_daily_cap_abroad``.
"""

from babel import Locale, UnknownLocaleError
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.roles import is_administrator
from messaging.selectors import (
    dashboard_figures,
    sms_abroad_today,
    sms_month_by_country,
)

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
    # messaging (issue 14): the month's SMS per country, for the budget abroad.
    if is_administrator(user):
        context["sms_by_country"] = [
            {**row, "name": country_name(row["country"])}
            for row in sms_month_by_country()
        ]
        context["sms_abroad_today"] = sms_abroad_today()
        context["sms_daily_cap_abroad"] = settings.SMS_DAILY_CAP_ABROAD
    return context


def country_name(code: str) -> str:
    """A country's name in the active language ("FR" -> "France")."""
    if not code:
        return _("unknown")
    try:
        locale = Locale.parse(translation.get_language() or settings.LANGUAGE_CODE)
    except (ValueError, UnknownLocaleError):
        locale = Locale.parse(settings.LANGUAGE_CODE)
    return locale.territories.get(code, code)
