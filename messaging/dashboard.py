"""messaging's block on the admin's dashboard, registered on the admin site in
``MessagingConfig.ready()`` (``core/admin_site.py``): reports, which draws the
page, never imports messaging.

It adds to ``summary`` the failed messages and the requests waiting too long
(R10, see ``selectors.dashboard_figures``), and, for administrators,
``sms_by_country`` (this month's SMS per destination country),
``sms_abroad_today`` and ``sms_daily_cap_abroad`` (the SMS budget abroad),
and ``sms_budget`` (this month's SMS against the monthly budget, issue 24,
point 5: its card turns red, with the alert, at 80 %).
"""

from babel import Locale, UnknownLocaleError
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from core.roles import is_administrator

from .selectors import (
    dashboard_figures,
    sms_abroad_today,
    sms_budget,
    sms_month_by_country,
)


def dashboard_block(request, context: dict) -> None:
    """Add messaging's figures to the dashboard's context."""
    user = request.user
    context["summary"].update(dashboard_figures(user))
    if is_administrator(user):
        context["sms_by_country"] = [
            {**row, "name": country_name(row["country"])}
            for row in sms_month_by_country()
        ]
        context["sms_abroad_today"] = sms_abroad_today()
        context["sms_daily_cap_abroad"] = settings.SMS_DAILY_CAP_ABROAD
        context["sms_budget"] = sms_budget()


def country_name(code: str) -> str:
    """A country's name in the active language ("FR" -> "France")."""
    if not code:
        return _("unknown")
    try:
        locale = Locale.parse(translation.get_language() or settings.LANGUAGE_CODE)
    except (ValueError, UnknownLocaleError):
        locale = Locale.parse(settings.LANGUAGE_CODE)
    return locale.territories.get(code, code)
