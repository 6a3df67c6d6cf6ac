"""Agents' private agenda feeds (iCalendar, RFC 5545) to subscribe to from
Outlook or a phone (MISSION, "agenda feeds for agents").

The URL holds the agent's secret ``feed_token``; regenerating the token
(``staffing.services.agent_feed_token_regenerate``) revokes the old URL, which
then answers 410 Gone with a short explanation, so that a calendar application
shows an error instead of going silently stale; a token that never existed is
a 404. Only the agent and administrators see the address
(``staffing.scopes.feed_agents``). A feed
carries the agent's active appointments from 30 days ago to 180 days ahead,
with the citizen's name and the reason only: no e-mail nor phone number in a
URL that calendar apps keep and sync.
"""

from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseGone
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from core.models import Commune
from staffing.models import Agent, RetiredFeedToken, feed_token_digest

from .ics import escape_text, fold
from .models import Appointment

PAST = timedelta(days=30)
FUTURE = timedelta(days=180)

_ICS_STATUS = {
    Appointment.Status.PENDING: "TENTATIVE",
    Appointment.Status.CONFIRMED: "CONFIRMED",
    Appointment.Status.DONE: "CONFIRMED",
    Appointment.Status.NO_SHOW: "CONFIRMED",
}


def ics_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def agent_calendar(agent: Agent, *, now: datetime | None = None) -> str:
    """The agent's feed as an iCalendar document."""
    now = now or timezone.now()
    appointments = (
        Appointment.objects.active()
        .for_agent(agent)
        .between(now - PAST, now + FUTURE)
        .select_related("citizen", "reason", "service")
        .order_by("start")
    )
    commune = Commune.objects.get_solo()
    host = urlsplit(settings.SITE_URL).hostname or "rendez-vous.invalid"
    name = _("Appointments of %(agent)s") % {"agent": agent}
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Rendez-vous communal//Agenda//FR",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(name)}",
        f"X-WR-TIMEZONE:{settings.TIME_ZONE}",
        "REFRESH-INTERVAL;VALUE=DURATION:PT15M",
        "X-PUBLISHED-TTL:PT15M",
    ]
    stamp = ics_time(now)
    for appointment in appointments:
        summary = f"{appointment.citizen} – {appointment.reason}"
        description = [
            f"{_('Service')}: {appointment.service}",
            f"{_('Status')}: {appointment.get_status_display()}",
        ]
        if appointment.remarks:
            description.append(f"{_('Remarks')}: {appointment.remarks}")
        lines += [
            "BEGIN:VEVENT",
            f"UID:agenda-{appointment.pk}@{host}",
            f"DTSTAMP:{stamp}",
            f"LAST-MODIFIED:{ics_time(appointment.updated_at)}",
            f"DTSTART:{ics_time(appointment.start)}",
            f"DTEND:{ics_time(appointment.end)}",
            f"SUMMARY:{escape_text(summary)}",
            f"DESCRIPTION:{escape_text(chr(10).join(description))}",
            f"STATUS:{_ICS_STATUS.get(appointment.status, 'CONFIRMED')}",
            "TRANSP:OPAQUE",
        ]
        location = appointment.service.address or commune.name
        if location:
            lines.append(f"LOCATION:{escape_text(location)}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "\r\n".join(fold(line) for line in lines) + "\r\n"


def agent_feed(request, token: str):
    """GET /feeds/agent/<token>.ics: no login, the token is the key."""
    agent = (
        Agent.objects.filter(feed_token=token, is_active=True, user__is_active=True)
        .select_related("user")
        .first()
    )
    if not token:
        raise Http404
    if agent is None:
        return _gone_or_404(token)
    with override(settings.LANGUAGE_CODE):
        body = agent_calendar(agent)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="agenda.ics"'
    # The feed is personal data: no shared cache may keep it.
    response["Cache-Control"] = "private, no-store"
    return response


def _gone_or_404(token: str):
    """410 Gone for a token that was replaced, 404 for one that never existed."""
    if not RetiredFeedToken.objects.filter(
        token_digest=feed_token_digest(token)
    ).exists():
        raise Http404
    with override(settings.LANGUAGE_CODE):
        body = _(
            "This agenda feed address was replaced by a new one and no longer "
            "works. Remove this subscription from your calendar application, "
            "then subscribe to the new address shown on the page “My agenda "
            "feed” of the agent portal."
        )
    response = HttpResponseGone(body + "\n", content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    return response
