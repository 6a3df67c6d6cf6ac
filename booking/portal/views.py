"""The agent portal's pages that are not agendas nor phone booking: entering an
unavailability (R16), redistributing a service's appointments (R21), desk
marks and the agenda feed's page (R14). ``register`` puts every portal page in
the admin site; ``booking/portal/admin.py`` calls it.

Views are thin: they check the user's scope, then call the services
(``booking.services``, ``booking.unavailability``, ``staffing.services``).
"""

from collections import defaultdict
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from booking.models import Appointment
from booking.services import (
    BookingError,
    appointment_mark,
    appointment_reassign,
)
from booking.slots import load_service_calendars
from booking.unavailability import unavailability_enter, unavailability_plan
from core.inputs import parse_id, parse_ids, validate_day
from core.roles import is_administrator
from staffing import availability
from staffing.admin_views import editable_agents
from staffing.availability import Interval
from staffing.models import Agent, Service
from staffing.scopes import feed_agents, managed_service_ids
from staffing.services import agent_feed_token_regenerate

from . import agenda, phone
from .availability_editor import availability_editor

# --- Scopes ---------------------------------------------------------------------------


def redistributable_services(user) -> QuerySet:
    """Services whose appointments the user may hand from agent to agent (R21)."""
    services = Service.objects.all()
    if is_administrator(user):
        return services
    return services.filter(pk__in=managed_service_ids(user))


def redistributable_appointments(user) -> QuerySet:
    """Upcoming active team appointments of the services the user manages."""
    return (
        Appointment.objects.filter(
            service__in=redistributable_services(user),
            booked_for_service=True,
            status__in=[Appointment.Status.PENDING, Appointment.Status.CONFIRMED],
            start__gte=timezone.now(),
        )
        .select_related("citizen", "service", "reason", "agent__user")
        .order_by("start", "pk")
    )


def free_colleagues(appointments: list[Appointment]) -> dict[int, list[Agent]]:
    """For each appointment, the other agents of its service free for the whole
    of it: ``booking.services.reassignable_agents`` for a whole list, with one
    calendar load per service and day instead of one per appointment.

    Only an offer: ``appointment_reassign`` checks again under lock.
    """
    tz = ZoneInfo(timezone.get_default_timezone_name())
    groups: dict[tuple[int, date], list[Appointment]] = defaultdict(list)
    for appointment in appointments:
        day = timezone.localtime(appointment.start, tz).date()
        groups[(appointment.service_id, day)].append(appointment)
    free_ids: dict[int, list[int]] = {}
    for (_service_id, day), rows in groups.items():
        window = Interval(*agenda.day_bounds(day))
        loaded = load_service_calendars(rows[0].service, window)
        openings = {
            calendar.agent_id: availability.free_intervals(
                calendar, window, tz, loaded.closures
            )
            for calendar in loaded.calendars
        }
        for appointment in rows:
            reason = appointment.reason
            wanted = Interval(appointment.start, appointment.start + reason.duration)
            with_buffer = Interval(appointment.start, wanted.end + reason.buffer)
            free_ids[appointment.pk] = [
                calendar.agent_id
                for calendar in loaded.calendars
                if calendar.agent_id != appointment.agent_id
                and any(
                    opening.contains(wanted) for opening in openings[calendar.agent_id]
                )
                and not any(busy.overlaps(with_buffer) for busy in calendar.busy)
            ]
    agents = Agent.objects.select_related("user").in_bulk(
        {agent_id for ids in free_ids.values() for agent_id in ids}
    )
    return {
        pk: sorted((agents[agent_id] for agent_id in ids), key=str)
        for pk, ids in free_ids.items()
    }


def _safe_next(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


# --- Unavailability (R16) -------------------------------------------------------------

_LOCAL_INPUT = forms.DateTimeInput(
    attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
)


class UnavailabilityForm(forms.Form):
    agent = forms.ModelChoiceField(
        queryset=Agent.objects.none(), label=gettext_lazy("Agent")
    )
    start = forms.DateTimeField(
        label=gettext_lazy("From"), widget=_LOCAL_INPUT, validators=[validate_day]
    )
    end = forms.DateTimeField(
        label=gettext_lazy("Until"), widget=_LOCAL_INPUT, validators=[validate_day]
    )
    note = forms.CharField(
        label=gettext_lazy("Reason given to the citizens"),
        max_length=200,
        help_text=gettext_lazy(
            "Sent to the citizens whose appointment has to be cancelled."
        ),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agent"].queryset = editable_agents(user)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end <= start:
            self.add_error("end", _("The end of the period must come after its start."))
        return cleaned


@permission_required("staffing.add_availabilityexception", raise_exception=True)
def unavailability(request):
    """Enter a period of unavailability: preview, then confirm (POST ``action``)."""
    own = agenda.agent_of(request.user)
    today = timezone.localdate()
    initial = {
        "agent": request.GET.get("agent") or (own.pk if own else None),
        "start": request.GET.get("start")
        or datetime.combine(today, time(8, 0)).strftime("%Y-%m-%dT%H:%M"),
        "end": request.GET.get("end")
        or datetime.combine(today, time(18, 0)).strftime("%Y-%m-%dT%H:%M"),
        "note": request.GET.get("note", ""),
    }
    data = request.POST if request.method == "POST" else None
    form = UnavailabilityForm(data, user=request.user, initial=initial)
    plan = None
    if data is not None and form.is_valid():
        cleaned = form.cleaned_data
        if request.POST.get("action") == "confirm":
            try:
                result = unavailability_enter(
                    agent=cleaned["agent"],
                    start=cleaned["start"],
                    end=cleaned["end"],
                    note=cleaned["note"],
                    actor=request.user,
                )
            except (ValidationError, BookingError) as error:
                form.add_error(None, getattr(error, "message", None) or error)
            else:
                messages.success(
                    request,
                    _(
                        "Unavailability recorded: %(reassigned)s appointment(s) "
                        "handed to a colleague, %(cancelled)s cancelled."
                    )
                    % {
                        "reassigned": len(result.reassigned),
                        "cancelled": len(result.cancelled),
                    },
                )
                day = timezone.localtime(cleaned["start"]).date().isoformat()
                return redirect(
                    f"{reverse('admin:portal_agenda')}"
                    f"?agent={cleaned['agent'].pk}&date={day}"
                )
        plan = unavailability_plan(
            agent=cleaned["agent"], start=cleaned["start"], end=cleaned["end"]
        )
    context = {
        **admin.site.each_context(request),
        "title": _("Unavailability"),
        "form": form,
        "plan": plan,
        "reassign_count": sum(1 for item in plan or [] if not item.cancelled),
        "cancel_count": sum(1 for item in plan or [] if item.cancelled),
    }
    return TemplateResponse(request, "portal/unavailability.html", context)


# --- Redistribution (R21) -------------------------------------------------------------


class RedistributionFilter(forms.Form):
    service = forms.ModelChoiceField(
        queryset=Service.objects.none(),
        required=False,
        label=gettext_lazy("Service"),
        empty_label=gettext_lazy("All my services"),
    )
    agent = forms.ModelChoiceField(
        queryset=Agent.objects.none(),
        required=False,
        label=gettext_lazy("Now with"),
        empty_label=gettext_lazy("Any agent"),
    )
    date = forms.DateField(
        required=False,
        validators=[validate_day],
        label=gettext_lazy("Day"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        services = redistributable_services(user)
        self.fields["service"].queryset = services
        self.fields["agent"].queryset = (
            Agent.objects.filter(memberships__service__in=services)
            .select_related("user")
            .distinct()
        )


REDISTRIBUTION_ROWS = 50


@permission_required("booking.change_appointment", raise_exception=True)
def redistribution(request):
    """The service's upcoming team appointments, each with the agents free to
    take it; the manager picks new agents and saves (R21)."""
    if not redistributable_services(request.user).exists():
        raise PermissionDenied
    allowed = redistributable_appointments(request.user)
    if request.method == "POST":
        return _redistribute(request, allowed)
    ids = parse_ids(request.GET.get("ids"))
    filters = RedistributionFilter(request.GET or None, user=request.user)
    rows = allowed
    if ids:
        rows = rows.filter(pk__in=ids)
    else:
        filters.is_valid()
        cleaned = getattr(filters, "cleaned_data", {})
        if cleaned.get("service"):
            rows = rows.filter(service=cleaned["service"])
        if cleaned.get("agent"):
            rows = rows.filter(agent=cleaned["agent"])
        day = cleaned.get("date") or timezone.localdate()
        rows = rows.filter(start__gte=agenda.day_bounds(day)[0])
        if cleaned.get("date"):
            rows = rows.filter(start__lt=agenda.day_bounds(day)[1])
    rows = list(rows[:REDISTRIBUTION_ROWS])
    free = free_colleagues(rows)
    context = {
        **admin.site.each_context(request),
        "title": _("Redistribute appointments"),
        "filters": filters,
        "ids": ",".join(str(pk) for pk in ids),
        "rows": [(row, free[row.pk]) for row in rows],
        "limit": REDISTRIBUTION_ROWS,
    }
    return TemplateResponse(request, "portal/redistribution.html", context)


def _redistribute(request, allowed: QuerySet) -> HttpResponseRedirect:
    """Apply the choices posted as ``agent_<appointment id>``."""
    wanted = {
        int(key.removeprefix("agent_")): value
        for key, value in request.POST.items()
        if key.startswith("agent_") and parse_id(key[6:]) and parse_id(value)
    }
    moved = 0
    appointments = {row.pk: row for row in allowed.filter(pk__in=wanted)}
    if len(appointments) != len(wanted):
        # An appointment outside the user's services, or no longer movable.
        messages.error(
            request, _("Some of these appointments cannot be reassigned by you.")
        )
    agents = Agent.objects.in_bulk([int(value) for value in wanted.values()])
    for pk, appointment in appointments.items():
        target = agents.get(int(wanted[pk]))
        if target is None:
            continue
        try:
            appointment_reassign(
                appointment=appointment, agent=target, actor=request.user
            )
        except BookingError as error:
            messages.error(
                request,
                _("%(appointment)s: %(error)s")
                % {"appointment": appointment, "error": error.message},
            )
        else:
            moved += 1
    if moved:
        messages.success(
            request,
            ngettext(
                "%(count)s appointment reassigned.",
                "%(count)s appointments reassigned.",
                moved,
            )
            % {"count": moved},
        )
    return redirect(_safe_next(request, reverse("admin:portal_redistribution")))


# --- Desk marks -----------------------------------------------------------------------

DESK_STATUSES = {"arrived", Appointment.Status.DONE, Appointment.Status.NO_SHOW}


@require_POST
@permission_required("booking.change_appointment", raise_exception=True)
def desk_mark(request):
    """Mark one appointment arrived, done or no-show (the day list's buttons)."""
    status = request.POST.get("status", "")
    if status not in DESK_STATUSES:
        raise Http404
    appointment = get_object_or_404(
        agenda.visible_appointments(request.user),
        pk=parse_id(request.POST.get("appointment")) or 0,
    )
    try:
        appointment_mark(appointment=appointment, status=status, actor=request.user)
    except BookingError as error:
        messages.error(request, error.message)
    return redirect(_safe_next(request, reverse("admin:portal_day_list")))


# --- Agenda feed ----------------------------------------------------------------------


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


# --- Registration ---------------------------------------------------------------------


def register(site) -> None:
    """Add every portal page to the admin site (``admin:portal_*``)."""
    pages = [
        ("agenda/", agenda.agenda, "portal_agenda"),
        ("agenda/events.json", agenda.agenda_events_json, "portal_agenda_events"),
        ("agenda/day/", agenda.day_list, "portal_day_list"),
        ("feed/", feed, "portal_feed"),
        ("desk/mark/", desk_mark, "portal_desk_mark"),
        ("phone/", phone.phone_booking, "portal_phone"),
        ("phone/citizens.json", phone.citizens_json, "portal_phone_citizens"),
        ("phone/slots.json", phone.slots_json, "portal_phone_slots"),
        ("unavailability/", unavailability, "portal_unavailability"),
        ("redistribution/", redistribution, "portal_redistribution"),
        ("availability/", availability_editor, "portal_availability"),
    ]
    for route, view, name in pages:
        site.register_view(route, view, name)


# Sidebar permission callbacks (core/settings.py, UNFOLD["SIDEBAR"]).


def may_redistribute(request) -> bool:
    """Managers and administrators."""
    return redistributable_services(request.user).exists()


def may_book(request) -> bool:
    return request.user.has_perm("booking.add_appointment")


def may_enter_unavailability(request) -> bool:
    return request.user.has_perm("staffing.add_availabilityexception")


def has_agenda(request) -> bool:
    """Staff who receive citizens (they have an agent record)."""
    return agenda.agent_of(request.user) is not None
