"""Admin of citizens, visit reasons and appointments (R15, R22, R23, R26)."""

import json

from django.contrib import admin, messages
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from unfold.contrib.filters.admin import (
    ChoicesDropdownFilter,
    RelatedDropdownFilter,
)
from unfold.decorators import action, display

from booking import citizen_rules, privacy
from booking.models import Appointment, Citizen, VisitReason
from core.admin_base import HistoryAdmin, ImportExportHistoryAdmin
from core.admin_filters import DateRangeFilter
from core.admin_history import NoHistoryRevertMixin
from core.admin_translation import TranslatedAdmin
from core.inputs import parse_id
from staffing.admin import ManagedServiceAdmin, ServiceScopedAdmin

from . import (
    agenda,
    arrivals,
    availability_editor,
    desk,
    feeds,
    offers_admin,  # noqa: F401 - registers the earlier-time lists' admin
    phone,
    redistribution,
    staffing_admin,
    unavailability,
)
from .appointment_admin import AppointmentServiceAdminMixin
from .citizen_access import (
    Action,
    AppointmentAccessAdminMixin,
    CitizenAccessAdminMixin,
    CitizenExportReasonForm,
    record,
)
from .citizen_admin import CitizenScopeAdminMixin
from .citizen_merge_admin import CitizenMergeAdminMixin
from .desk import DESK_ACTIONS, AppointmentDeskMixin, CitizenAppointmentInline
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
class VisitReasonAdmin(ManagedServiceAdmin, ImportExportHistoryAdmin, TranslatedAdmin):
    """Reasons are seen by the service's members, written by its managers."""

    resource_classes = [VisitReasonResource]
    list_display = [
        "name",
        "service",
        "translations_missing",
        "duration_minutes",
        "buffer_minutes",
        "max_people",
        "online_bookable",
        "needs_confirmation",
        "is_active",
    ]
    list_filter = [("service", RelatedDropdownFilter), "online_bookable", "is_active"]
    search_fields = ["name", "service__name"]
    list_select_related = ["service"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "service",
                    "name",
                    "duration_minutes",
                    "buffer_minutes",
                    # Issue 25, point 3: several people in one visit.
                    "max_people",
                    "minutes_per_extra_person",
                    "online_bookable",
                    "needs_confirmation",
                    "order",
                    "is_active",
                ]
            },
        ),
        (
            _("Information for the citizen"),
            {"fields": ["screen_information", "message_information"]},
        ),
        (
            # Issue 20, point 3: per reason, the service's setting by default.
            _("Information required from citizens"),
            {
                "fields": [
                    "national_number_rule",
                    "no_national_number_allowed",
                    "birth_date_rule",
                    "address_rule",
                ],
                "description": _(
                    "“As the service says” follows the service's setting "
                    "(required or not asked)."
                ),
            },
        ),
    ]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is not None:
            # Say what "as the service says" means for this reason's service.
            for name in citizen_rules.DETAILS:
                field = form.base_fields.get(f"{name}_rule")
                if field is None:
                    continue
                rule = citizen_rules.Ask(citizen_rules.service_rule(obj.service, name))
                field.choices = [
                    (
                        value,
                        _("as the service says (%(rule)s)") % {"rule": rule.label}
                        if value == citizen_rules.Ask.SERVICE
                        else label,
                    )
                    for value, label in field.choices
                ]
        return form


@admin.register(Citizen)
class CitizenAdmin(
    CitizenAccessAdminMixin,
    CitizenScopeAdminMixin,
    CitizenMergeAdminMixin,
    NoHistoryRevertMixin,
    ImportExportHistoryAdmin,
):
    resource_classes = [CitizenResource]
    list_display = ["__str__", "email", "phone", "language", "created_at"]
    list_filter = ["language"]
    search_fields = ["last_name", "first_name", "email", "phone", "national_number"]
    date_hierarchy = "created_at"
    readonly_fields = ["created_at", "anonymised_at"]
    inlines = [CitizenAppointmentInline]
    # GDPR: the citizen's copy of his or her data, and erasure (booking/privacy.py).
    actions_detail = ["export_data", "erase_data"]
    # Staff make one person of several rows (booking/portal/citizen_merge_admin.py).
    actions = ["merge_citizens"]

    def has_privacy_permission(self, request, object_id=None):
        if object_id is None:
            return request.user.has_perm("booking.view_citizen")
        if parse_id(str(object_id)) is None:
            return False
        citizen = Citizen.objects.filter(pk=object_id).first()
        return citizen is not None and privacy.may_handle_citizen_data(
            request.user, citizen
        )

    @action(
        description=_("Export data (JSON)"), icon="download", permissions=["privacy"]
    )
    def export_data(self, request, object_id):
        """GET asks why (the record of who looked keeps it); POST exports."""
        citizen = get_object_or_404(Citizen, pk=object_id)
        change_url = reverse("admin:booking_citizen_change", args=[object_id])
        form = CitizenExportReasonForm(request.POST or None)
        if request.method != "POST" or not form.is_valid():
            context = {
                **self.admin_site.each_context(request),
                "title": _("Export data (JSON)"),
                "citizen": citizen,
                "form": form,
                "cancel_url": change_url,
                "opts": self.model._meta,
            }
            return TemplateResponse(
                request,
                "admin/booking/citizen/export_reason.html",
                context,
                status=400 if form.errors else 200,
            )
        try:
            data = privacy.citizen_export(citizen=citizen, actor=request.user)
        except privacy.PrivacyError as error:
            messages.error(request, error.message)
            return redirect(change_url)
        record(
            request,
            Action.EXPORT,
            f"citizen #{citizen.pk} (JSON)",
            citizen_id=citizen.pk,
            reason=form.cleaned_data["reason"],
        )
        self.log_change(request, citizen, "Exported the personal data (JSON).")
        response = HttpResponse(
            json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
            content_type="application/json; charset=utf-8",
        )
        response["Content-Disposition"] = (
            f'attachment; filename="citizen-{citizen.pk}.json"'
        )
        response["Cache-Control"] = "no-store"
        return response

    @action(description=_("Erase"), icon="delete_forever", permissions=["erase"])
    def erase_data(self, request, object_id):
        """GET asks for confirmation, listing what will be cancelled; POST erases."""
        citizen = get_object_or_404(Citizen, pk=object_id)
        change_url = reverse("admin:booking_citizen_change", args=[object_id])
        if request.method == "POST" and request.POST.get("confirm") == "yes":
            try:
                privacy.citizen_erase(citizen=citizen, actor=request.user)
            except privacy.PrivacyError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, _("The citizen's personal data is erased."))
            return redirect(change_url)
        if citizen.anonymised_at is not None:
            messages.info(request, _("This citizen's data has already been erased."))
            return redirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Erase personal data"),
            "citizen": citizen,
            "upcoming": privacy.upcoming_to_cancel(citizen),
            "cancel_url": change_url,
            "opts": self.model._meta,
        }
        return TemplateResponse(
            request, "admin/booking/citizen/erase_confirmation.html", context
        )


@admin.register(Appointment)
class AppointmentAdmin(
    AppointmentAccessAdminMixin,
    AppointmentServiceAdminMixin,
    AppointmentDeskMixin,
    NoHistoryRevertMixin,
    ServiceScopedAdmin,
    HistoryAdmin,
):
    actions = DESK_ACTIONS
    actions_detail = [
        *AppointmentDeskMixin.desk_actions_detail,
        *AppointmentServiceAdminMixin.service_actions_detail,
    ]
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
        ("start", DateRangeFilter),
        "booked_for_service",
    ]
    search_fields = [
        "citizen__last_name",
        "citizen__first_name",
        "citizen__email",
        "citizen__phone",
        "contact_email",
        "contact_phone",
    ]
    date_hierarchy = "start"
    list_select_related = ["citizen", "service", "agent__user", "reason"]
    # Fields and read-only fields: AppointmentServiceAdminMixin.

    @display(description=_("status"), ordering="status", label=STATUS_COLOURS)
    def show_status(self, obj):
        return obj.status, obj.get_status_display()


def register_pages(site) -> None:
    """Add every portal page to the admin site (``admin:portal_*``)."""
    pages = [
        ("agenda/", agenda.agenda, "portal_agenda"),
        ("agenda/events.json", agenda.agenda_events_json, "portal_agenda_events"),
        ("agenda/day/", agenda.day_list, "portal_day_list"),
        ("feed/", feeds.feed, "portal_feed"),
        ("desk/", arrivals.desk, "portal_desk"),
        ("desk/mark/", desk.desk_mark, "portal_desk_mark"),
        ("desk/walk-in/", phone.walk_in_booking, "portal_walk_in"),
        ("phone/", phone.phone_booking, "portal_phone"),
        ("phone/citizens.json", phone.citizens_json, "portal_phone_citizens"),
        ("phone/slots.json", phone.slots_json, "portal_phone_slots"),
        ("unavailability/", unavailability.unavailability, "portal_unavailability"),
        ("redistribution/", redistribution.redistribution, "portal_redistribution"),
        (
            "availability/",
            availability_editor.availability_editor,
            "portal_availability",
        ),
    ]
    for route, view, name in pages:
        site.register_view(route, view, name)


# The agent portal's pages (agendas, phone booking, unavailability…).
register_pages(admin.site)

# The admins of the rows that decide availability, aware of the appointments a
# change hits (staffing_admin.py): last, once every admin is registered.
staffing_admin.register(admin.site)
