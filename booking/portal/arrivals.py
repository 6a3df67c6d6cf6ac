"""The desk (issue 22, points 2 and 3): arrivals by booking reference, who is
waiting, and calling the next one.

Typing the reference, or scanning its QR code with a keyboard-style scanner
(it types the characters, then Enter), opens the appointment and records the
arrival; the page offers to undo it. The reference is not a key: it is looked
up only among the appointments of the user's services
(``agenda.visible_appointments``); any other reference, including one of
another service, gets the same "not found", which says nothing about it. The
admin site sends anonymous requests to its login page.

Writes go through ``booking.services`` (``appointment_arrive``,
``appointment_undo_arrival``, ``appointment_call``, ``appointment_call_next``).
"""

from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from booking import references
from booking.models import Appointment
from booking.services import (
    BookingError,
    appointment_arrive,
    appointment_call,
    appointment_call_next,
    appointment_undo_arrival,
    waiting_appointments,
)
from core.inputs import parse_id

from . import agenda

ACTIONS = {"arrive", "undo_arrival", "call", "call_next"}


class ReferenceForm(forms.Form):
    reference = forms.CharField(
        label=gettext_lazy("Booking reference"),
        max_length=40,
        help_text=gettext_lazy(
            "Type it (K7MP-4QX2) or scan the QR code of the confirmation, then Enter."
        ),
    )

    def clean_reference(self) -> str:
        compact = references.normalise(self.cleaned_data["reference"])
        if compact is None:
            raise forms.ValidationError(
                _(
                    "A booking reference has 8 letters and digits, as K7MP-4QX2. "
                    "Check what was typed."
                )
            )
        return compact


def _desk_url(service_id: int | None, **params) -> str:
    query = {"service": service_id} if service_id else {}
    query.update({key: value for key, value in params.items() if value})
    url = reverse("admin:portal_desk")
    return f"{url}?{urlencode(query)}" if query else url


def _scope_service(request):
    """The service whose waiting list the page shows: ``?service=`` among the
    user's, else the first of them (Http404 for another's, as the agenda)."""
    services = agenda.visible_services(request.user).filter(is_active=True)
    wanted = parse_id(request.GET.get("service") or request.POST.get("service"))
    if wanted is not None:
        service = services.filter(pk=wanted).first()
        if service is not None:
            return service, services
    return services.first(), services


def _appointment(request, value) -> Appointment | None:
    return (
        agenda.visible_appointments(request.user)
        .select_related("citizen", "service", "reason", "agent__user")
        .filter(pk=parse_id(value) or 0)
        .first()
    )


def _post(request, service):
    """One desk action; always back to the page (post, redirect, get)."""
    action = request.POST.get("action", "")
    opened = None
    if action == "arrive":
        form = ReferenceForm(request.POST)
        if not form.is_valid():
            return None, form
        opened = (
            agenda.visible_appointments(request.user)
            .select_related("citizen", "service", "reason")
            .filter(reference=form.cleaned_data["reference"])
            .first()
        )
        if opened is None:
            # The same answer for an unknown reference and for one of another
            # service: the page discloses nothing about it.
            form.add_error(
                "reference", _("No appointment of your services has this reference.")
            )
            return None, form
        try:
            opened = appointment_arrive(appointment=opened, actor=request.user)
        except BookingError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("Arrived: %(citizen)s, %(time)s, %(reason)s.")
                % {
                    "citizen": opened.citizen,
                    "time": timezone.localtime(opened.start).strftime("%H:%M"),
                    "reason": opened.reason,
                },
            )
        return _desk_url(opened.service_id, opened=opened.pk), None
    if action == "call_next":
        if service is None:
            return _desk_url(None), None
        called = appointment_call_next(
            queryset=agenda.visible_appointments(request.user).filter(service=service),
            actor=request.user,
        )
        if called is None:
            messages.info(request, _("Nobody is waiting."))
            return _desk_url(service.pk), None
        _called_message(request, called)
        return _desk_url(service.pk, opened=called.pk), None
    appointment = _appointment(request, request.POST.get("appointment"))
    if appointment is None:
        messages.error(request, _("This appointment is not among yours."))
        return _desk_url(service.pk if service else None), None
    try:
        if action == "undo_arrival":
            appointment_undo_arrival(appointment=appointment, actor=request.user)
            messages.success(
                request,
                _("Arrival undone: %(citizen)s.") % {"citizen": appointment.citizen},
            )
        else:
            appointment = appointment_call(appointment=appointment, actor=request.user)
            _called_message(request, appointment)
    except BookingError as error:
        messages.error(request, error.message)
    return _desk_url(appointment.service_id, opened=appointment.pk), None


def _called_message(request, appointment: Appointment) -> None:
    minutes = appointment.waited_minutes(timezone.now())
    messages.success(
        request,
        ngettext(
            "Called: %(citizen)s (waited %(minutes)s minute).",
            "Called: %(citizen)s (waited %(minutes)s minutes).",
            minutes,
        )
        % {"citizen": appointment.citizen, "minutes": minutes},
    )


@permission_required("booking.change_appointment", raise_exception=True)
def desk(request):
    """The desk page: a booking reference field, the appointment it opened,
    and the service's waiting list with "call next"."""
    service, services = _scope_service(request)
    form = ReferenceForm()
    status = 200
    if request.method == "POST":
        if request.POST.get("action", "") not in ACTIONS:
            return HttpResponseBadRequest(_("Unknown desk action."))
        target, form = _post(request, service)
        if target is not None:
            return redirect(target)
        status = 400
    now = timezone.now()
    opened = _appointment(request, request.GET.get("opened"))
    waiting = []
    if service is not None:
        waiting = list(
            waiting_appointments(
                agenda.visible_appointments(request.user).filter(service=service),
                day=timezone.localdate(now),
            )
        )
    for appointment in [*waiting, *([opened] if opened else [])]:
        appointment.waited = appointment.waited_minutes(now)
    context = {
        **admin.site.each_context(request),
        "title": _("At the desk"),
        "form": form,
        "service": service,
        "services": services,
        "opened": opened,
        "opened_today": opened is not None
        and timezone.localdate(opened.start) == timezone.localdate(now),
        "waiting": waiting,
        "now": timezone.localtime(now),
        "day_list_url": (
            f"{reverse('admin:portal_day_list')}?service={service.pk}"
            if service
            else ""
        ),
        "walk_in_url": reverse("admin:portal_walk_in"),
    }
    return TemplateResponse(request, "portal/desk.html", context, status=status)


# Sidebar permission callback (core/navigation.py, via booking.portal).


def may_use_desk(request) -> bool:
    return request.user.has_perm("booking.change_appointment")
