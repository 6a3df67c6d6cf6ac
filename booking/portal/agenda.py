"""Agendas of the agent portal (MISSION R14, R23): who may see which agenda,
the JSON feed FullCalendar draws, and the printable day list for the desk.

An agenda is either an agent's (his or her own, those of the agents of the
services a manager manages, any for an administrator) or a service's (the
services the user belongs to, all for an administrator). Whatever the agenda,
only appointments of services the user may see are ever listed
(``staffing.scopes.visible_to``).
"""

import dataclasses
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib import admin
from django.contrib.auth.decorators import permission_required
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from booking.models import Appointment
from booking.services import no_show_allowed_from
from booking.slots import load_service_calendars
from core.colours import theme_tints
from core.inputs import InvalidInput, parse_datetime_value, parse_day, parse_id
from core.localtime import day_bounds, local_tz
from core.roles import is_administrator
from staffing import availability
from staffing.availability import Interval
from staffing.calendars import opening_hour_bounds
from staffing.models import (
    Agent,
    AvailabilityException,
    Membership,
    Service,
)
from staffing.scopes import managed_service_ids, visible_to

from .counts import people_text

# FullCalendar's month view asks for six weeks; anything longer is refused so
# that one request cannot load a year of agendas.
MAX_WINDOW = timedelta(days=62)

STATUS_COLOURS = {
    Appointment.Status.PENDING: "#b45309",
    Appointment.Status.CONFIRMED: "#2563eb",
    Appointment.Status.DONE: "#15803d",
    Appointment.Status.NO_SHOW: "#b91c1c",
    Appointment.Status.CANCELLED: "#6b7280",
    Appointment.Status.REFUSED: "#6b7280",
}

# The hours an agenda shows when it has no typical week to start from.
DEFAULT_HOURS = (8, 18)


# --- Who sees what --------------------------------------------------------------------


def agent_of(user) -> Agent | None:
    """The user's own agent record, if he or she receives citizens."""
    return Agent.objects.filter(user=user).select_related("user").first()


def visible_services(user) -> QuerySet:
    """Services whose agenda the user may open."""
    return visible_to(Service.objects.all(), user, service_field="pk")


def viewable_agents(user) -> QuerySet:
    """Agents whose agenda the user may open: self, the agents of the services
    he or she manages, everyone for an administrator."""
    agents = Agent.objects.select_related("user")
    if is_administrator(user):
        return agents.filter(is_active=True)
    managed = managed_service_ids(user)
    own = agents.filter(user=user)
    if not managed:
        return own
    return (
        agents.filter(is_active=True, memberships__service__in=managed) | own
    ).distinct()


def visible_appointments(user) -> QuerySet:
    """Appointments of the services the user may see."""
    return visible_to(Appointment.objects.all(), user, service_field="service")


@dataclass(frozen=True)
class AgendaScope:
    """One agenda: an agent's or a service's."""

    agent: Agent | None = None
    service: Service | None = None

    @property
    def label(self) -> str:
        return str(self.agent or self.service)

    @property
    def query(self) -> str:
        """The query string naming this agenda in the portal's URLs."""
        if self.service is not None:
            return f"service={self.service.pk}"
        return f"agent={self.agent.pk}"


def resolve_scope(request: HttpRequest) -> AgendaScope | None:
    """The agenda named by ``?agent=`` or ``?service=``, else the user's own.

    Raises Http404 for an agenda the user may not see (as the admin does for
    rows outside the user's scope); None when the user has no agenda of his or
    her own and named none.
    """
    service_id, agent_id = request.GET.get("service"), request.GET.get("agent")
    # The page's agenda <select> without JavaScript posts "agenda=service=3".
    kind, _sep, value = request.GET.get("agenda", "").partition("=")
    if kind == "service":
        service_id = value
    elif kind == "agent":
        agent_id = value
    if service_id:
        service = visible_services(request.user).filter(pk=_int(service_id)).first()
        if service is None:
            raise Http404
        return AgendaScope(service=service)
    if agent_id:
        agent = viewable_agents(request.user).filter(pk=_int(agent_id)).first()
        if agent is None:
            raise Http404
        return AgendaScope(agent=agent)
    agent = agent_of(request.user)
    return AgendaScope(agent=agent) if agent else None


def _int(value) -> int:
    pk = parse_id(value)
    if pk is None:
        raise Http404
    return pk


# --- Events ---------------------------------------------------------------------------


_tz = local_tz


def wall_clock(moment: datetime) -> str:
    """Local wall-clock time without offset: the page tells FullCalendar to show
    times as given, so agendas read in Brussels time whatever the PC's zone."""
    return timezone.localtime(moment, _tz()).replace(tzinfo=None).isoformat()


def parse_wall_clock(value: str | None) -> datetime | None:
    """Read FullCalendar's start/end (local wall-clock, maybe suffixed Z).

    Raises InvalidInput (a 400) for a value that is no date.
    """
    parsed = parse_datetime_value(value)
    if parsed is None:
        return None
    return timezone.make_aware(parsed.replace(tzinfo=None), _tz())


def scope_appointments(
    user, scope: AgendaScope, start: datetime, end: datetime, *, cancelled: bool
) -> QuerySet:
    """The appointments of one agenda overlapping [start, end)."""
    appointments = visible_appointments(user).between(start, end)
    if scope.service is not None:
        appointments = appointments.for_service(scope.service)
    else:
        appointments = appointments.for_agent(scope.agent)
    if not cancelled:
        appointments = appointments.active()
    return appointments.select_related(
        "citizen", "reason", "service", "site", "agent__user"
    ).order_by("start", "pk")


def _openings(scope: AgendaScope, window: Interval) -> list[Interval]:
    """When the agenda is open (typical weeks and extra openings, minus
    unavailability and closures), ignoring the appointments already taken."""
    tz = _tz()
    if scope.service is not None:
        plans = [(scope.service, None)]
    else:
        services = Service.objects.filter(
            pk__in=Membership.objects.filter(agent=scope.agent).values("service_id")
        )
        plans = [(service, [scope.agent.pk]) for service in services]
    openings: list[Interval] = []
    for service, agent_ids in plans:
        loaded = load_service_calendars(service, window, agent_ids=agent_ids)
        for calendar in loaded.calendars:
            # Appointments are drawn over the opening: the background shows the
            # opening itself, not what is left of it.
            bare = dataclasses.replace(calendar, busy=())
            openings.extend(
                availability.free_intervals(bare, window, tz, loaded.closures)
            )
    return availability.merge(openings)


def _initials(agent: Agent) -> str:
    """ "JR" for Julie Renard: who holds an event of a service's agenda, besides
    its colour (WCAG 1.4.1: colour is never the only cue)."""
    names = (agent.user.first_name, agent.user.last_name)
    initials = "".join(name.strip()[:1] for name in names if name.strip())
    return initials.upper() or str(agent)[:2]


def _short_name(citizen) -> str:
    """ "DUPONT J." for Jeanne Dupont: what fits in a narrow column."""
    first = (citizen.first_name or "").strip()
    last = (citizen.last_name or "").strip().upper()
    if not last:
        return str(citizen)
    return f"{last} {first[:1]}." if first else last


def _details(appointment: Appointment) -> list[str]:
    """What the event's line leaves out, as read on focus or hover: times,
    where and with whom, status and arrival."""
    times = "{}–{}".format(
        timezone.localtime(appointment.start, _tz()).strftime("%H:%M"),
        timezone.localtime(appointment.end, _tz()).strftime("%H:%M"),
    )
    status = str(appointment.get_status_display()).capitalize()
    if appointment.arrived_at is not None:
        status = _("%(status)s, arrived at %(time)s") % {
            "status": status,
            "time": timezone.localtime(appointment.arrived_at, _tz()).strftime("%H:%M"),
        }
        if appointment.is_waiting:
            status += ", " + _("waiting for %(minutes)s min") % {
                "minutes": appointment.waited_minutes(timezone.now())
            }
        elif appointment.called_at is not None:
            status += ", " + _("called at %(time)s") % {
                "time": timezone.localtime(appointment.called_at, _tz()).strftime(
                    "%H:%M"
                )
            }
    reason = str(appointment.reason)
    if appointment.people > 1:
        # Issue 25, point 3: a family comes together.
        reason = f"{reason} · {people_text(appointment.people)}"
    details = [
        times,
        reason,
        f"{appointment.service} · {appointment.agent}",
        status,
    ]
    if appointment.site_id is not None:
        details.insert(3, str(appointment.site))  # where (issue 25, point 4)
    if appointment.no_national_number:
        # Issue 20, point 3: the agent asks for it at the visit.
        details.append(str(_("No national register number yet")))
    return details


def _event(appointment: Appointment, scope: AgendaScope) -> dict:
    status_colour = STATUS_COLOURS.get(appointment.status, "#2563eb")
    # In a service's agenda the colour tells the agents apart; the status then
    # shows as a class (striped when pending, crossed out when cancelled…).
    colour = (
        appointment.agent.colour or status_colour
        if scope.service is not None
        else status_colour
    )
    title = f"{appointment.citizen} · {appointment.reason}"
    if appointment.people > 1:
        title = f"{title} · {people_text(appointment.people)}"
    if scope.service is not None:
        title = f"{title} ({appointment.agent})"
    elif scope.agent is not None and appointment.service_id:
        title = f"{title} — {appointment.service}"
    # The colour marks the event's edge; its text sits on a light tint (dark
    # tint in the dark theme) that reads at 4.5:1 whatever the colour.
    tints = theme_tints(colour)
    return {
        "id": str(appointment.pk),
        "title": title,
        "start": wall_clock(appointment.start),
        "end": wall_clock(appointment.end),
        "url": reverse("admin:booking_appointment_change", args=[appointment.pk]),
        "backgroundColor": colour,
        "borderColor": colour,
        "classNames": ["rdv-event", f"rdv-status-{appointment.status}"],
        "extendedProps": {
            "citizen": str(appointment.citizen),
            "citizenShort": _short_name(appointment.citizen),
            "reason": str(appointment.reason),
            "people": appointment.people,
            "status": appointment.get_status_display(),
            "statusCode": appointment.status,
            "agent": str(appointment.agent),
            "initials": _initials(appointment.agent) if scope.service else "",
            "service": str(appointment.service),
            "site": str(appointment.site) if appointment.site_id else "",
            "arrived": appointment.arrived_at is not None,
            "waiting": appointment.is_waiting,
            "details": _details(appointment),
            "tint": tints["light"],
            "tintDark": tints["dark"],
        },
    }


def agenda_events(
    user, scope: AgendaScope, start: datetime, end: datetime, *, cancelled: bool
) -> list[dict]:
    """FullCalendar's events: appointments, openings and unavailability."""
    events = [
        _event(appointment, scope)
        for appointment in scope_appointments(
            user, scope, start, end, cancelled=cancelled
        )
    ]
    window = Interval(start, end)
    events += [
        {
            "start": wall_clock(opening.start),
            "end": wall_clock(opening.end),
            "display": "background",
            "classNames": ["rdv-open"],
        }
        for opening in _openings(scope, window)
    ]
    if scope.agent is not None:
        off = AvailabilityException.objects.filter(
            agent=scope.agent, kind=AvailabilityException.Kind.UNAVAILABLE
        ).overlapping(start, end)
        events += [
            {
                "start": wall_clock(max(row.start, start)),
                "end": wall_clock(min(row.end, end)),
                "display": "background",
                "classNames": ["rdv-off"],
                "title": row.note or _("unavailable"),
            }
            for row in off
        ]
    return events


def opening_hours(scope: AgendaScope) -> tuple[int, int]:
    """The whole hours the agenda's day shows: from the first opening hour of
    its typical weeks still valid to the end of the last (8 to 18 without any).

    The page widens them when an event of the week on screen lies outside
    (an extra opening at 7:30).
    """
    bounds = opening_hour_bounds(
        service_id=scope.service.pk if scope.service is not None else None,
        agent_id=scope.agent.pk if scope.agent is not None else None,
        on_or_after=timezone.localdate(),
    )
    if bounds is None:
        return DEFAULT_HOURS
    first, last = bounds
    return first.hour, last.hour + (1 if last.minute or last.second else 0)


def calendar_labels() -> dict[str, dict[str, str] | str]:
    """The calendar's buttons, named in the user's language: FullCalendar's
    own hints ("Previous week") are English in French, Dutch and German."""
    return {
        "previous": _("Previous"),
        "next": _("Next"),
        "previousHints": {
            "day": _("Previous day"),
            "week": _("Previous week"),
            "month": _("Previous month"),
        },
        "nextHints": {
            "day": _("Next day"),
            "week": _("Next week"),
            "month": _("Next month"),
        },
        "todayHints": {
            "day": _("Today"),
            "week": _("This week"),
            "month": _("This month"),
        },
    }


# --- Views ----------------------------------------------------------------------------


def _agenda_choices(user) -> dict:
    return {
        "own_agent": agent_of(user),
        "services": visible_services(user).filter(is_active=True),
        "agents": viewable_agents(user),
    }


@permission_required("booking.view_appointment", raise_exception=True)
def agenda(request):
    """The agenda page: FullCalendar on the user's, a service's or an agent's
    agenda, with links to switch between the agendas the user may see."""
    scope = resolve_scope(request)
    choices = _agenda_choices(request.user)
    if scope is None:
        # No agenda of one's own (an administrator): start with a service.
        first = choices["services"].first()
        if first is None:
            raise Http404
        return redirect(f"{reverse('admin:portal_agenda')}?service={first.pk}")
    initial = parse_day(request.GET.get("date")) or timezone.localdate()
    view = request.GET.get("view", "timeGridWeek")
    if view not in {"timeGridDay", "timeGridWeek", "dayGridMonth", "listWeek"}:
        view = "timeGridWeek"
    first_hour, last_hour = opening_hours(scope)
    context = {
        **admin.site.each_context(request),
        "title": _("Agenda: %(name)s") % {"name": scope.label},
        "scope": scope,
        **choices,
        "calendar": {
            "events_url": f"{reverse('admin:portal_agenda_events')}?{scope.query}",
            "day_list_url": f"{reverse('admin:portal_day_list')}?{scope.query}",
            "locale": get_language() or "fr",
            "now": wall_clock(timezone.now()),
            "today": timezone.localdate().isoformat(),
            "initial_date": initial.isoformat(),
            "initial_view": view,
            "slot_min": f"{first_hour:02d}:00:00",
            "slot_max": f"{last_hour:02d}:00:00",
        },
        "calendar_labels": calendar_labels(),
        "legend": [
            (label, STATUS_COLOURS[value])
            for value, label in Appointment.Status.choices
            if value != Appointment.Status.REFUSED
        ],
        # The marks an event's line starts with (agenda.js, STATUS_MARKS).
        "status_marks": [
            ("⏳", _("waiting")),
            ("●", _("arrived")),
            ("✓", Appointment.Status.DONE.label),
            ("✗", Appointment.Status.NO_SHOW.label),
        ],
        "colour_by_agent": scope.service is not None,
        "service_agents": (
            Agent.objects.filter(memberships__service=scope.service)
            .select_related("user")
            .order_by("user__last_name")
            if scope.service is not None
            else []
        ),
    }
    return TemplateResponse(request, "portal/agenda.html", context)


@permission_required("booking.view_appointment", raise_exception=True)
def agenda_events_json(request):
    """The events of one agenda between ``start`` and ``end`` (FullCalendar)."""
    scope = resolve_scope(request)
    if scope is None:
        raise Http404
    try:
        start = parse_wall_clock(request.GET.get("start"))
        end = parse_wall_clock(request.GET.get("end"))
    except InvalidInput as error:
        return JsonResponse({"error": str(error.message)}, status=400)
    if start is None or end is None or end <= start:
        return JsonResponse({"error": "start and end are required"}, status=400)
    end = min(end, start + MAX_WINDOW)
    events = agenda_events(
        request.user, scope, start, end, cancelled=request.GET.get("cancelled") == "1"
    )
    return JsonResponse(events, safe=False)


@permission_required("booking.view_appointment", raise_exception=True)
def day_list(request):
    """The day's appointments of one agenda, as a page to print for the desk,
    with arrived / done / no-show buttons on screen."""
    scope = resolve_scope(request)
    if scope is None:
        first = visible_services(request.user).first()
        if first is None:
            raise Http404
        scope = AgendaScope(service=first)
    day = parse_day(request.GET.get("date")) or timezone.localdate()
    start, end = day_bounds(day)
    appointments = list(
        scope_appointments(request.user, scope, start, end, cancelled=True)
    )
    # Where each citizen is received, when the day's list spans several sites.
    several_sites = len({item.site_id for item in appointments}) > 1
    now = timezone.now()
    for appointment in appointments:
        appointment.waited = appointment.waited_minutes(now)
        # The no-show button waits for the start plus the grace period.
        allowed_from = no_show_allowed_from(appointment)
        appointment.no_show_from = timezone.localtime(allowed_from, _tz())
        appointment.no_show_open = now >= allowed_from
    undo_id = parse_id(request.GET.get("undo"))
    undo = next(
        (
            item
            for item in appointments
            if item.pk == undo_id and item.status == Appointment.Status.NO_SHOW
        ),
        None,
    )
    context = {
        **admin.site.each_context(request),
        "title": _("Appointments of %(date)s") % {"date": day.strftime("%d/%m/%Y")},
        "scope": scope,
        "day": day,
        "previous_day": day - timedelta(days=1),
        "next_day": day + timedelta(days=1),
        "appointments": appointments,
        "active_count": sum(1 for item in appointments if item.is_active),
        # Issue 25, point 3: people as well as appointments.
        "people_count": sum(item.people for item in appointments if item.is_active),
        "printed_at": timezone.localtime(),
        "agenda_url": f"{reverse('admin:portal_agenda')}?{scope.query}",
        "mark_url": reverse("admin:portal_desk_mark"),
        "desk_url": (
            f"{reverse('admin:portal_desk')}?service={scope.service.pk}"
            if scope.service is not None
            else reverse("admin:portal_desk")
        ),
        "waiting_count": sum(1 for item in appointments if item.is_waiting),
        "undo": undo,
        "several_sites": several_sites,
    }
    return TemplateResponse(request, "portal/day_list.html", context)


# Sidebar permission callback (core/navigation.py, via booking.portal).


def has_agenda(request) -> bool:
    """Staff who receive citizens (they have an agent record)."""
    return agent_of(request.user) is not None
