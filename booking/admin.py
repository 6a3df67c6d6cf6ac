"""Admin of citizens, visit reasons and appointments (R15, R22, R23, R26)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from unfold.contrib.filters.admin import (
    ChoicesDropdownFilter,
    RangeDateFilter,
    RelatedDropdownFilter,
)
from unfold.decorators import display

from core.admin_base import HistoryAdmin, ImportExportHistoryAdmin
from staffing.admin import ServiceScopedAdmin

from . import portal
from .models import Appointment, Citizen, VisitReason
from .portal_admin import DESK_ACTIONS, AppointmentDeskMixin, CitizenAppointmentInline
from .resources import CitizenResource, VisitReasonResource

STATUS_COLOURS = {
    Appointment.Status.PENDING: "warning",
    Appointment.Status.CONFIRMED: "info",
    Appointment.Status.DONE: "success",
    Appointment.Status.REFUSED: "danger",
    Appointment.Status.CANCELLED: "danger",
    Appointment.Status.NO_SHOW: "danger",
}


@admin.register(VisitReason)
class VisitReasonAdmin(ServiceScopedAdmin, ImportExportHistoryAdmin):
    resource_classes = [VisitReasonResource]
    list_display = [
        "name",
        "service",
        "duration_minutes",
        "buffer_minutes",
        "online_bookable",
        "needs_confirmation",
        "is_active",
    ]
    list_filter = [("service", RelatedDropdownFilter), "online_bookable", "is_active"]
    search_fields = ["name", "service__name"]
    list_select_related = ["service"]


@admin.register(Citizen)
class CitizenAdmin(ImportExportHistoryAdmin):
    resource_classes = [CitizenResource]
    list_display = ["__str__", "email", "phone", "language", "created_at"]
    list_filter = ["language"]
    search_fields = ["last_name", "first_name", "email", "phone", "national_number"]
    date_hierarchy = "created_at"
    readonly_fields = ["created_at", "anonymised_at"]
    inlines = [CitizenAppointmentInline]


@admin.register(Appointment)
class AppointmentAdmin(AppointmentDeskMixin, ServiceScopedAdmin, HistoryAdmin):
    actions = DESK_ACTIONS
    actions_detail = AppointmentDeskMixin.desk_actions_detail
    list_display = [
        "start",
        "citizen",
        "service",
        "agent",
        "reason",
        "show_status",
        "channel",
    ]
    list_filter = [
        ("status", ChoicesDropdownFilter),
        ("channel", ChoicesDropdownFilter),
        ("service", RelatedDropdownFilter),
        ("agent", RelatedDropdownFilter),
        ("start", RangeDateFilter),
        "booked_for_service",
    ]
    search_fields = [
        "citizen__last_name",
        "citizen__first_name",
        "citizen__email",
        "citizen__phone",
    ]
    date_hierarchy = "start"
    list_select_related = ["citizen", "service", "agent__user", "reason"]
    autocomplete_fields = ["citizen", "agent", "reason"]
    readonly_fields = ["created_by", "created_at", "updated_at"]

    @display(description=_("status"), ordering="status", label=STATUS_COLOURS)
    def show_status(self, obj):
        return obj.status, obj.get_status_display()


# The agent portal's pages (agendas, phone booking, unavailability…).
portal.register(admin.site)
