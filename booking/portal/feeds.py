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

The portal's page (``feed``) shows the agent the address and renews it.
"""

from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpResponse, HttpResponseGone
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override
from icalendar import Event

from booking.ics import calendar_text, clean_text, local_time, new_calendar, one_line
from booking.models import Appointment
from core.models import Commune
from staffing.models import Agent, RetiredFeedToken, feed_token_digest
from staffing.scopes import feed_agents
from staffing.services import agent_feed_token_regenerate

from . import agenda

PAST = timedelta(days=30)
FUTURE = timedelta(days=180)
REFRESH = timedelta(minutes=15)

_ICS_STATUS = {
    Appointment.Status.PENDING: "TENTATIVE",
    Appointment.Status.CONFIRMED: "CONFIRMED",
    Appointment.Status.DONE: "CONFIRMED",
    Appointment.Status.NO_SHOW: "CONFIRMED",
}


def agent_calendar(agent: Agent, *, now: datetime | None = None) -> str:
    """The agent's feed as an iCalendar document (built with icalendar)."""
    now = now or timezone.now()
    appointments = (
        Appointment.objects.active()
        .for_agent(agent)
        .between(now - PAST, now + FUTURE)
        .select_related("citizen", "reason", "service", "site")
        .order_by("start")
    )
    commune = Commune.objects.get_solo()
    host = urlsplit(settings.SITE_URL).hostname or "rendez-vous.invalid"
    calendar = new_calendar(
        prodid="-//Rendez-vous communal//Agenda//FR", method="PUBLISH"
    )
    calendar.add(
        "x-wr-calname", one_line(_("Appointments of %(agent)s") % {"agent": agent})
    )
    calendar.add("x-wr-timezone", settings.TIME_ZONE)
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT15M")
    for appointment in appointments:
        description = [
            f"{_('Service')}: {appointment.service}",
            f"{_('Status')}: {appointment.get_status_display()}",
        ]
        if appointment.remarks:
            description.append(f"{_('Remarks')}: {appointment.remarks}")
        event = Event()
        event.add("uid", f"agenda-{appointment.pk}@{host}")
        event.add("dtstamp", now.astimezone(UTC))
        event.add("last-modified", appointment.updated_at.astimezone(UTC))
        event.add("dtstart", local_time(appointment.start))
        event.add("dtend", local_time(appointment.end))
        event.add("summary", one_line(f"{appointment.citizen} – {appointment.reason}"))
        event.add("description", clean_text("\n".join(description)))
        event.add("status", _ICS_STATUS.get(appointment.status, "CONFIRMED"))
        event.add("transp", "OPAQUE")
        site = appointment.site
        location = (
            f"{site.name}, {site.address}"
            if site is not None and site.address
            else appointment.service.address or commune.name
        )
        if location:
            event.add("location", clean_text(location))
        calendar.add_component(event)
    return calendar_text(calendar)


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


# --- The feed's page in the portal (R14) ------------------------------------------


@permission_required("booking.view_appointment", raise_exception=True)
def feed(request):
    """The agent's private feed URL, and a button that revokes it (one POST).

    Only the agent and administrators see it (``staffing.scopes.feed_agents``):
    the address alone opens the agenda.
    """
    agents = feed_agents(
        Agent.objects.filter(is_active=True)
        .select_related("user")
        .order_by("user__last_name", "user__first_name"),
        request.user,
    )
    if request.GET.get("agent") or request.POST.get("agent"):
        agent_id = request.POST.get("agent") or request.GET.get("agent")
        agent = agents.filter(pk=agenda._int(agent_id)).first()
    else:
        # Their own feed; an administrator without one starts on the first agent.
        agent = agenda.agent_of(request.user) or agents.first()
    if agent is None:
        raise Http404
    if request.method == "POST":
        agent_feed_token_regenerate(agent=agent, actor=request.user)
        if agent.user_id == request.user.pk:
            done = _("A new address was made: the old one no longer works.")
        else:
            done = _(
                "A new address was made: the old one no longer works. "
                "%(agent)s will receive the new one by e-mail."
            ) % {"agent": agent}
        messages.success(request, done)
        return redirect(f"{reverse('admin:portal_feed')}?agent={agent.pk}")
    url = request.build_absolute_uri(
        reverse("agent_feed", kwargs={"token": agent.feed_token})
    )
    context = {
        **admin.site.each_context(request),
        "title": _("Agenda feed"),
        "agent": agent,
        "feed_url": url,
        "webcal_url": "webcal://" + url.split("://", 1)[-1],
        "agents": agents if agents.count() > 1 else [],
    }
    return TemplateResponse(request, "portal/feed.html", context)
