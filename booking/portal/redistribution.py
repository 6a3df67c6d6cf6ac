"""Redistribution (R21): a manager hands the upcoming team appointments of
his or her services from agent to agent, each row offering the colleagues free
for the whole appointment. Writes go through ``appointment_reassign``, which
checks again under lock.
"""

from collections import defaultdict
from datetime import date
from zoneinfo import ZoneInfo

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from booking.models import Appointment
from booking.services import BookingError, appointment_reassign
from booking.slots import load_service_calendars
from core.inputs import parse_id, parse_ids, safe_next_url, validate_day
from core.roles import is_administrator
from staffing import availability
from staffing.availability import Interval
from staffing.models import Agent, Service
from staffing.scopes import managed_service_ids

from . import agenda


def redistributable_services(user) -> QuerySet:
    """Services whose appointments the user may hand from agent to agent (R21)."""
    services = Service.objects.all()
    if is_administrator(user):
        return services
    return services.filter(pk__in=managed_service_ids(user))


def redistributable_appointments(user) -> QuerySet:
    """Upcoming active team appointments of the services the user manages."""
    return (
        Appointment.objects.open()
        .upcoming()
        .filter(service__in=redistributable_services(user), booked_for_service=True)
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
        for appointment in rows:
            reason = appointment.reason
            free_ids[appointment.pk] = availability.free_agents(
                [
                    calendar
                    for calendar in loaded.calendars
                    if calendar.agent_id != appointment.agent_id
                ],
                Interval(
                    appointment.start,
                    appointment.start + reason.duration_for(appointment.people),
                ),
                reason.buffer,
                window=window,
                tz=tz,
                closures=loaded.closures,
            )
    agents = Agent.objects.select_related("user").in_bulk(
        {agent_id for ids in free_ids.values() for agent_id in ids}
    )
    return {
        pk: sorted((agents[agent_id] for agent_id in ids), key=str)
        for pk, ids in free_ids.items()
    }


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
    return redirect(safe_next_url(request, reverse("admin:portal_redistribution")))


# Sidebar permission callback (core/navigation.py, via booking.portal).


def may_redistribute(request) -> bool:
    """Managers and administrators."""
    return redistributable_services(request.user).exists()
