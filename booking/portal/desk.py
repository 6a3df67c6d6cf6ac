"""The desk: the portal's additions to the appointment and citizen admins —
desk marks (arrived / done / no-show), handing appointments to another agent
(R21), the list of a citizen's appointments on his or her page — and the day
list's buttons that mark one appointment (``desk_mark``).

Actions only call ``booking.services``; each keeps to the rows the admin's
``get_queryset`` already limits to the user's services.
"""

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from unfold.admin import TabularInline
from unfold.decorators import action

from booking.models import Appointment
from booking.services import (
    BookingError,
    appointment_call,
    appointment_mark,
    appointment_undo_no_show,
)
from core.inputs import parse_id, safe_next_url
from staffing.scopes import visible_to

from . import agenda

DESK_LABELS = {
    "arrived": _("Mark as arrived"),
    Appointment.Status.DONE: _("Mark as done"),
    Appointment.Status.NO_SHOW: _("Mark as no-show"),
}


def _mark_all(modeladmin, request, queryset, status: str) -> None:
    marked, refused = 0, []
    for appointment in queryset:
        try:
            appointment_mark(appointment=appointment, status=status, actor=request.user)
        except BookingError as error:
            refused.append(f"{appointment}: {error.message}")
        else:
            marked += 1
    if marked:
        modeladmin.message_user(
            request,
            ngettext(
                "%(count)s appointment marked.",
                "%(count)s appointments marked.",
                marked,
            )
            % {"count": marked},
            messages.SUCCESS,
        )
    for line in refused:
        modeladmin.message_user(request, line, messages.ERROR)


@admin.action(description=DESK_LABELS["arrived"], permissions=["change"])
def mark_arrived(modeladmin, request, queryset):
    _mark_all(modeladmin, request, queryset, "arrived")


@admin.action(description=DESK_LABELS[Appointment.Status.DONE], permissions=["change"])
def mark_done(modeladmin, request, queryset):
    _mark_all(modeladmin, request, queryset, Appointment.Status.DONE)


@admin.action(
    description=DESK_LABELS[Appointment.Status.NO_SHOW], permissions=["change"]
)
def mark_no_show(modeladmin, request, queryset):
    _mark_all(modeladmin, request, queryset, Appointment.Status.NO_SHOW)


@admin.action(description=_("Reassign to another agent"), permissions=["change"])
def redistribute(modeladmin, request, queryset):
    """Open the redistribution page on the selected appointments."""
    ids = ",".join(str(pk) for pk in queryset.values_list("pk", flat=True))
    return HttpResponseRedirect(f"{reverse('admin:portal_redistribution')}?ids={ids}")


DESK_ACTIONS = [mark_arrived, mark_done, mark_no_show, redistribute]


def back_to_appointment(request, object_id) -> HttpResponse:
    """After a detail action: back to the appointment's page."""
    change_url = reverse("admin:booking_appointment_change", args=[object_id])
    if request.headers.get("HX-Request"):
        # The dialog posts with htmx: ask it to reload the whole page.
        response = HttpResponse(status=204)
        response["HX-Redirect"] = change_url
        return response
    return redirect(change_url)


class AppointmentDeskMixin:
    """Arrived / done / no-show buttons on an appointment's page.

    Each asks for confirmation in a dialog that posts (a state change never
    rides on a GET link).
    """

    desk_actions_detail = ["desk_arrived", "desk_done", "desk_no_show"]

    def has_desk_permission(self, request, object_id=None) -> bool:
        """Staff who change appointments, on an active one of their services."""
        if not self.has_change_permission(request):
            return False
        if object_id is None:
            return True
        object_id = unquote(str(object_id))
        return (
            parse_id(object_id) is not None
            and self.get_queryset(request)
            .filter(pk=object_id, status__in=Appointment.ACTIVE_STATUSES)
            .exists()
        )

    def _desk_detail(self, request, object_id, status: str):
        appointment = self.get_queryset(request).filter(pk=object_id).first()
        if appointment is None or not self.has_change_permission(request, appointment):
            messages.error(request, _("You cannot change this appointment."))
        else:
            try:
                appointment_mark(
                    appointment=appointment, status=status, actor=request.user
                )
            except BookingError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, _("Saved."))
        return back_to_appointment(request, object_id)

    @action(
        description=DESK_LABELS["arrived"],
        icon="how_to_reg",
        permissions=["desk"],
        dialog={
            "title": _("The citizen has arrived"),
            "description": _("Record the arrival time now?"),
            "form_class": None,
            "form_submit_text": DESK_LABELS["arrived"],
        },
    )
    def desk_arrived(self, request, form, object_id):
        return self._desk_detail(request, object_id, "arrived")

    @action(
        description=DESK_LABELS[Appointment.Status.DONE],
        icon="task_alt",
        permissions=["desk"],
        dialog={
            "title": _("Appointment done"),
            "description": _("The citizen was received."),
            "form_class": None,
            "form_submit_text": DESK_LABELS[Appointment.Status.DONE],
        },
    )
    def desk_done(self, request, form, object_id):
        return self._desk_detail(request, object_id, Appointment.Status.DONE)

    @action(
        description=DESK_LABELS[Appointment.Status.NO_SHOW],
        icon="person_off",
        permissions=["desk"],
        dialog={
            "title": _("No-show"),
            "description": _("The citizen did not come."),
            "form_class": None,
            "form_submit_text": DESK_LABELS[Appointment.Status.NO_SHOW],
        },
    )
    def desk_no_show(self, request, form, object_id):
        return self._desk_detail(request, object_id, Appointment.Status.NO_SHOW)


class CitizenAppointmentInline(TabularInline):
    """A citizen's appointments, read-only, within the user's services."""

    model = Appointment
    fk_name = "citizen"
    extra = 0
    can_delete = False
    show_change_link = True
    verbose_name_plural = _("appointments")
    fields = ["start", "service", "agent", "reason", "status", "channel"]
    readonly_fields = fields
    ordering = ["-start"]

    def get_queryset(self, request):
        queryset = (
            super()
            .get_queryset(request)
            .select_related("service", "agent__user", "reason")
        )
        return visible_to(queryset, request.user, service_field="service")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- The day list's buttons ------------------------------------------------------

DESK_STATUSES = {"arrived", Appointment.Status.DONE, Appointment.Status.NO_SHOW}
UNDO_NO_SHOW = "undo_no_show"
CALL = "call"  # an agent calls the waiting citizen (issue 22)


def _with_undo(url: str, appointment: Appointment | None) -> str:
    """The day list's address, offering to undo ``appointment``'s no-show."""
    parts = urlsplit(url)
    query = [(key, value) for key, value in parse_qsl(parts.query) if key != "undo"]
    if appointment is not None:
        query.append(("undo", str(appointment.pk)))
    return urlunsplit(parts._replace(query=urlencode(query)))


@require_POST
@permission_required("booking.change_appointment", raise_exception=True)
def desk_mark(request):
    """Mark one appointment arrived, called, done or no-show, or undo a
    no-show (the day list's buttons). After a no-show the day list offers its
    undo."""
    status = request.POST.get("status", "")
    if status not in DESK_STATUSES | {UNDO_NO_SHOW, CALL}:
        raise Http404
    appointment = get_object_or_404(
        agenda.visible_appointments(request.user).select_related("citizen"),
        pk=parse_id(request.POST.get("appointment")) or 0,
    )
    undo = None
    try:
        if status == CALL:
            appointment_call(appointment=appointment, actor=request.user)
            messages.success(
                request, _("Called: %(citizen)s.") % {"citizen": appointment.citizen}
            )
        elif status == UNDO_NO_SHOW:
            appointment_undo_no_show(appointment=appointment, actor=request.user)
            messages.success(
                request,
                _("No-show undone: %(citizen)s.") % {"citizen": appointment.citizen},
            )
        else:
            appointment_mark(appointment=appointment, status=status, actor=request.user)
            if status == Appointment.Status.NO_SHOW:
                undo = appointment
    except BookingError as error:
        messages.error(request, error.message)
    next_url = safe_next_url(request, reverse("admin:portal_day_list"))
    return redirect(_with_undo(next_url, undo))
