"""Admin of services, agents and their schedules (R18, R19, R22, R25, R26)."""

from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _
from unfold.admin import TabularInline
from unfold.contrib.filters.admin import RelatedDropdownFilter

from core.admin_base import HistoryAdmin, ImportExportHistoryAdmin
from core.admin_filters import DateRangeFilter
from core.roles import is_administrator

from .models import (
    Agent,
    AvailabilityException,
    Closure,
    Membership,
    Service,
    TypicalWeek,
    TypicalWeekRange,
)
from .resources import (
    AgentResource,
    AvailabilityExceptionResource,
    MembershipResource,
    ServiceResource,
    TypicalWeekResource,
)
from .scopes import editable_availability, managed_service_ids, visible_to


class ServiceScopedAdmin:
    """Shows staff only the rows of their services (ARCHITECTURE, roles).

    ``service_field`` is the lookup from the model to its service. Foreign keys
    to services offer only the user's services.
    """

    service_field = "service"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return visible_to(queryset, request.user, service_field=self.service_field)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is Service and not is_administrator(request.user):
            kwargs["queryset"] = visible_to(
                Service.objects.all(), request.user, service_field="pk"
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class AvailabilityScopedAdmin(ServiceScopedAdmin):
    """Availability rows: visible within the user's services, changeable only by
    the agent concerned, the managers of his or her services and administrators."""

    agent_field = "agent"

    def _may_edit(self, request, obj) -> bool:
        if obj is None:
            return True
        rows = type(obj).objects.filter(pk=obj.pk)
        return editable_availability(
            rows, request.user, agent_field=self.agent_field
        ).exists()

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._may_edit(
            request, obj
        )

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._may_edit(
            request, obj
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is Agent and not is_administrator(request.user):
            kwargs["queryset"] = editable_availability(
                Agent.objects.select_related("user"), request.user, agent_field=""
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class MembershipInline(TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["agent"]


@admin.register(Service)
class ServiceAdmin(ServiceScopedAdmin, ImportExportHistoryAdmin):
    resource_classes = [ServiceResource]
    service_field = "pk"
    list_display = [
        "name",
        "slug",
        "agent_count",
        "citizens_choose_agent",
        "needs_confirmation",
        "slot_minutes",
        "is_active",
    ]
    list_filter = ["is_active", "needs_confirmation", "citizens_choose_agent"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]
    fieldsets = [
        (None, {"fields": ["name", "slug", "description", "is_active", "order"]}),
        (_("Contact"), {"fields": ["address", "email", "phone"]}),
        (
            _("Booking rules"),
            {
                "fields": [
                    "citizens_choose_agent",
                    "needs_confirmation",
                    "slot_minutes",
                    "min_notice_hours",
                    "max_horizon_days",
                ]
            },
        ),
        (
            _("Information required from citizens"),
            {
                "fields": [
                    "requires_national_number",
                    "requires_birth_date",
                    "requires_address",
                ]
            },
        ),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_agent_count=Count("memberships"))

    @admin.display(description=_("agents"), ordering="_agent_count")
    def agent_count(self, obj) -> int:
        return obj._agent_count

    def has_change_permission(self, request, obj=None):
        # A manager changes only the services he or she manages.
        allowed = super().has_change_permission(request, obj)
        if obj is None or not allowed or is_administrator(request.user):
            return allowed
        return obj.pk in managed_service_ids(request.user)


@admin.register(Agent)
class AgentAdmin(ImportExportHistoryAdmin):
    resource_classes = [AgentResource]
    list_display = ["__str__", "title", "service_list", "is_active"]
    list_filter = ["is_active", ("services", RelatedDropdownFilter)]
    search_fields = ["user__last_name", "user__first_name", "user__username", "title"]
    autocomplete_fields = ["user"]
    readonly_fields = ["feed_token"]
    inlines = [MembershipInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("user")
            .prefetch_related("services")
        )

    @admin.display(description=_("services"))
    def service_list(self, obj) -> str:
        return ", ".join(service.name for service in obj.services.all())


@admin.register(Membership)
class MembershipAdmin(ServiceScopedAdmin, ImportExportHistoryAdmin):
    resource_classes = [MembershipResource]
    list_display = ["agent", "service", "role"]
    list_filter = ["role", ("service", RelatedDropdownFilter)]
    search_fields = [
        "agent__user__last_name",
        "agent__user__first_name",
        "service__name",
    ]
    autocomplete_fields = ["agent"]
    list_select_related = ["agent__user", "service"]


class TypicalWeekRangeInline(TabularInline):
    model = TypicalWeekRange
    extra = 0
    min_num = 1


@admin.register(TypicalWeek)
class TypicalWeekAdmin(AvailabilityScopedAdmin, ImportExportHistoryAdmin):
    resource_classes = [TypicalWeekResource]
    list_display = [
        "__str__",
        "agent",
        "service",
        "valid_from",
        "valid_until",
        "repeat_every",
    ]
    list_filter = [
        ("service", RelatedDropdownFilter),
        ("agent", RelatedDropdownFilter),
        ("valid_from", DateRangeFilter),
    ]
    search_fields = ["label", "agent__user__last_name", "service__name"]
    list_select_related = ["agent__user", "service"]
    inlines = [TypicalWeekRangeInline]
    date_hierarchy = "valid_from"


@admin.register(AvailabilityException)
class AvailabilityExceptionAdmin(AvailabilityScopedAdmin, ImportExportHistoryAdmin):
    resource_classes = [AvailabilityExceptionResource]
    list_display = ["agent", "kind", "start", "end", "service", "note"]
    list_filter = [
        "kind",
        ("service", RelatedDropdownFilter),
        ("start", DateRangeFilter),
    ]
    search_fields = ["agent__user__last_name", "note"]
    list_select_related = ["agent__user", "service"]
    date_hierarchy = "start"
    # An exception without a service concerns all of the agent's services, so
    # visibility follows the agent's memberships.
    service_field = "agent__memberships__service"


@admin.register(Closure)
class ClosureAdmin(ServiceScopedAdmin, HistoryAdmin):
    list_display = ["label", "start_date", "end_date", "service"]
    list_filter = [("service", RelatedDropdownFilter), ("start_date", DateRangeFilter)]
    search_fields = ["label"]
    date_hierarchy = "start_date"
