"""The appointment admin's doors to ``booking.services`` (R21, R23).

The change form shows the scheduling fields read-only: a plain form would
write them with no lock, no availability re-check and no message to the
citizen. Each change of schedule or status is a button on the appointment's
page (and the desk marks an action of the list too) that calls a service:
cancel (with the reason the citizen reads), move, reassign to a free colleague
(the redistribution's own rule, R21), and the desk marks of
``portal_admin.AppointmentDeskMixin``. The remarks, which no rule governs,
stay editable and are saved by ``appointment_update_notes``. "Add" opens
phone booking; nothing is deleted (a cancellation keeps the row); the
history's revert is refused (``core.admin_history``).
"""

from django import forms
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _
from unfold.decorators import action
from unfold.forms import BaseDialogForm
from unfold.widgets import (
    UnfoldAdminSelectWidget,
    UnfoldAdminTextareaWidget,
    UnfoldAdminTextInputWidget,
)

from booking.models import Appointment
from booking.selectors import hidden_citizen_details
from booking.services import (
    BookingError,
    appointment_cancel,
    appointment_link_revoke,
    appointment_move,
    appointment_reassign,
    appointment_update_notes,
    reassignable_agents,
)
from core.inputs import parse_id
from staffing.models import Agent

from .desk import back_to_appointment
from .redistribution import redistributable_appointments

# What only the services change; shown read-only on the change form.
SCHEDULING_FIELDS = (
    "citizen",
    "service",
    "reason",
    "people",  # how many come together (issue 25): the length follows
    "agent",
    "start",
    "end",
    "status",
    "channel",
)
OPEN_STATUSES = Appointment.OPEN_STATUSES
_LOCAL_INPUT_FORMAT = "%Y-%m-%dT%H:%M"


def _appointment(object_id) -> Appointment | None:
    object_id = unquote(str(object_id))
    if parse_id(object_id) is None:
        return None
    return (
        Appointment.objects.select_related("service", "reason", "agent__user")
        .filter(pk=object_id)
        .first()
    )


class CancelForm(BaseDialogForm):
    reason = forms.CharField(
        label=_("Reason given to the citizen"),
        max_length=500,
        widget=UnfoldAdminTextareaWidget(attrs={"rows": 3}),
    )


class MoveForm(BaseDialogForm):
    start = forms.DateTimeField(
        label=_("New start"),
        input_formats=[_LOCAL_INPUT_FORMAT],
        widget=UnfoldAdminTextInputWidget(attrs={"type": "datetime-local"}),
        help_text=_("The agent, or for a team appointment a colleague, must be free."),
    )

    def __init__(self, request, object_id=None, *args, **kwargs):
        super().__init__(request, object_id, *args, **kwargs)
        appointment = _appointment(object_id)
        if appointment is not None:
            local = timezone.localtime(appointment.start)
            self.fields["start"].initial = local.strftime(_LOCAL_INPUT_FORMAT)


class ReassignForm(BaseDialogForm):
    agent = forms.TypedChoiceField(
        label=_("New agent"), coerce=int, widget=UnfoldAdminSelectWidget
    )

    def __init__(self, request, object_id=None, *args, **kwargs):
        super().__init__(request, object_id, *args, **kwargs)
        appointment = _appointment(object_id)
        agents = reassignable_agents(appointment) if appointment else []
        self.fields["agent"].choices = [(agent.pk, str(agent)) for agent in agents]
        if not agents:
            self.fields["agent"].help_text = _("No colleague is free at that time.")


class AppointmentServiceAdminMixin:
    """Put first in the appointment admin's bases."""

    service_actions_detail = [
        "cancel_appointment",
        "move_appointment",
        "reassign_appointment",
        "revoke_link",
    ]
    fields = [
        "reference",  # the booking reference (issue 22), read at the desk
        *SCHEDULING_FIELDS,
        "booked_for_service",
        # What the booking brought: its messages go there (issue 14).
        "contact_email",
        "contact_phone",
        "contact_language",
        "contact_address",
        "no_national_number",  # the citizen has none yet (issue 20)
        "remarks",
        "cancellation_reason",
        "arrived_at",
        "called_at",
        "link_revoked_at",  # the personal link's (issue 20); never the code
        "created_by",
        "created_at",
        "updated_at",
    ]
    readonly_fields = [field for field in fields if field != "remarks"]

    def get_fields(self, request, obj=None):
        # The address a booking brought is shown where the citizen's would be.
        fields = super().get_fields(request, obj)
        if "address" in hidden_citizen_details(request.user):
            fields = [name for name in fields if name != "contact_address"]
        return fields

    # --- The plain form's doors -----------------------------------------------------

    def add_view(self, request, form_url="", extra_context=None):
        """Appointments are booked by phone booking, which checks availability."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        return redirect(reverse("admin:portal_phone"))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # "Save and add another" would land on phone booking with the remarks
        # saved: one button fewer is clearer.
        extra_context = {**(extra_context or {}), "show_save_and_add_another": False}
        return super().change_view(request, object_id, form_url, extra_context)

    def has_delete_permission(self, request, obj=None):
        # A cancellation keeps the row, for the agenda, the citizen and statistics.
        return False

    def save_model(self, request, obj, form, change):
        """Only the remarks are editable; the service saves them with history."""
        try:
            appointment_update_notes(
                appointment=obj,
                remarks=form.cleaned_data.get("remarks", ""),
                actor=request.user,
            )
        except BookingError as error:
            self.message_user(request, error.message, messages.ERROR)

    # --- Who may press which button -------------------------------------------------

    def _in_scope(self, request, object_id):
        object_id = unquote(str(object_id))
        if parse_id(object_id) is None:
            return self.get_queryset(request).none()
        return self.get_queryset(request).filter(pk=object_id)

    def has_cancel_permission(self, request, object_id=None) -> bool:
        """Staff who change appointments, on an open one of their services."""
        if not self.has_change_permission(request):
            return False
        if object_id is None:
            return True
        return (
            self._in_scope(request, object_id).filter(status__in=OPEN_STATUSES).exists()
        )

    def has_move_permission(self, request, object_id=None) -> bool:
        return self.has_cancel_permission(request, object_id)

    def has_revoke_link_permission(self, request, object_id=None) -> bool:
        """Staff who change appointments, on any appointment of their services
        (a cancelled one's page still shows its details)."""
        if not self.has_change_permission(request):
            return False
        return object_id is None or self._in_scope(request, object_id).exists()

    def has_reassign_permission(self, request, object_id=None) -> bool:
        """The redistribution's rule (R21): managers and administrators, on an
        upcoming team appointment of a service they manage."""
        if not self.has_change_permission(request):
            return False
        allowed = redistributable_appointments(request.user)
        if object_id is None:
            return allowed.exists()
        object_id = unquote(str(object_id))
        return parse_id(object_id) is not None and allowed.filter(pk=object_id).exists()

    # --- The buttons ----------------------------------------------------------------

    def _call_service(self, request, object_id, write, success):
        """Run ``write`` (a service call) on the appointment, say how it went
        (``success`` of the result, or the service's refusal), go back to it.
        The action's permission has already checked the appointment's scope."""
        appointment = self._in_scope(request, object_id).get()
        try:
            result = write(appointment)
        except BookingError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, success(result))
        return back_to_appointment(request, object_id)

    @action(
        description=_("Cancel"),
        icon="event_busy",
        permissions=["cancel"],
        url_path="cancel",
        dialog={
            "title": _("Cancel the appointment"),
            "description": _(
                "The time is freed and the citizen is told, with your reason."
            ),
            "form_class": CancelForm,
            "form_submit_text": _("Cancel the appointment"),
        },
    )
    def cancel_appointment(self, request, form, object_id):
        return self._call_service(
            request,
            object_id,
            lambda appointment: appointment_cancel(
                appointment=appointment,
                actor=request.user,
                reason=form.cleaned_data["reason"],
            ),
            lambda _appointment: _(
                "The appointment is cancelled; the citizen is told."
            ),
        )

    @action(
        description=_("Move"),
        icon="schedule",
        permissions=["move"],
        url_path="move",
        dialog={
            "title": _("Move the appointment"),
            "description": _("The citizen is told of the new time."),
            "form_class": MoveForm,
            "form_submit_text": _("Move"),
        },
    )
    def move_appointment(self, request, form, object_id):
        return self._call_service(
            request,
            object_id,
            lambda appointment: appointment_move(
                appointment=appointment,
                start=form.cleaned_data["start"],
                actor=request.user,
            ),
            lambda moved: (
                _("Moved to %(when)s; the citizen is told.")
                % {
                    "when": formats.date_format(
                        timezone.localtime(moved.start), "DATETIME_FORMAT"
                    )
                }
            ),
        )

    @action(
        description=_("Reassign"),
        icon="swap_horiz",
        permissions=["reassign"],
        url_path="reassign",
        dialog={
            "title": _("Hand the appointment to a colleague"),
            "description": _("Only colleagues free for the whole appointment."),
            "form_class": ReassignForm,
            "form_submit_text": _("Reassign"),
        },
    )
    def reassign_appointment(self, request, form, object_id):
        agent = Agent.objects.select_related("user").get(pk=form.cleaned_data["agent"])
        return self._call_service(
            request,
            object_id,
            lambda appointment: appointment_reassign(
                appointment=appointment, agent=agent, actor=request.user
            ),
            lambda _appointment: (
                _("The appointment is now with %(agent)s.") % {"agent": agent}
            ),
        )

    @action(
        description=_("Revoke the personal link"),
        icon="link_off",
        permissions=["revoke_link"],
        url_path="revoke-link",
        dialog={
            "title": _("Revoke the citizen's personal link"),
            "description": _(
                "Every link sent to the citizen for this appointment stops "
                "working at once, for good. The next message (reminder, "
                "change) carries a new link; nothing is sent now. Tell the "
                "citizen, who may also call the service."
            ),
            "form_submit_text": _("Revoke the link"),
        },
    )
    def revoke_link(self, request, form, object_id):
        return self._call_service(
            request,
            object_id,
            lambda appointment: appointment_link_revoke(
                appointment=appointment, actor=request.user
            ),
            lambda _appointment: _(
                "The personal link is revoked; the next message carries a new one."
            ),
        )
