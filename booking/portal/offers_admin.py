"""The staff's view of the earlier-time lists (issue 25, point 2): each
service's queue, read-only (citizens join and leave from their personal link;
``booking/offers.py`` writes).

Members of a service see its queue (``ServiceScopedAdmin``: agents and
managers their services', the administrator every one). The position is the
place in the line of the same service and reason, among those still in line,
computed by the database (a window function), so the list costs one query
whatever its length.
"""

from django.contrib import admin
from django.db.models import F, Window
from django.db.models.functions import RowNumber
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin, TabularInline
from unfold.contrib.filters.admin import ChoicesDropdownFilter, RelatedDropdownFilter
from unfold.decorators import display

from booking.models import EarlierTimeOffer, EarlierTimeRequest
from staffing.admin import ServiceScopedAdmin

# The staff's names of the days (Django's, 0 = Monday) and of the parts of the
# day: the citizens' forms (booking/public) are another room's.
_PART_NAMES = {
    "morning": _("Morning"),
    "afternoon": _("Afternoon"),
    "evening": _("Evening"),
}


class ReadOnlyAdminMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class EarlierTimeOfferInline(ReadOnlyAdminMixin, TabularInline):
    model = EarlierTimeOffer
    extra = 0
    fields = ["start", "agent", "status", "channels", "created_at", "expires_at"]
    readonly_fields = fields
    can_delete = False
    verbose_name_plural = _("offers sent")


@admin.register(EarlierTimeRequest)
class EarlierTimeRequestAdmin(ReadOnlyAdminMixin, ServiceScopedAdmin, ModelAdmin):
    """Each service's queue: position, appointment, criteria, offers sent."""

    service_field = "appointment__service"
    list_display = [
        "show_position",
        "show_appointment_time",
        "show_citizen",
        "show_service",
        "show_criteria",
        "status",
        "offers_sent",
        "joined_at",
    ]
    list_display_links = ["show_appointment_time"]
    list_filter = [
        ("appointment__service", RelatedDropdownFilter),
        ("status", ChoicesDropdownFilter),
    ]
    list_filter_submit = True
    list_select_related = [
        "appointment__citizen",
        "appointment__service",
        "appointment__reason",
    ]
    ordering = ["appointment__service__name", "appointment__reason__name", "joined_at"]
    search_fields = ["appointment__citizen__last_name", "appointment__reference"]
    fields = [
        "appointment",
        "status",
        "show_criteria",
        "offers_sent",
        "joined_at",
        "stopped_because",
    ]
    readonly_fields = fields
    inlines = [EarlierTimeOfferInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                line_position=Window(
                    RowNumber(),
                    partition_by=[
                        F("appointment__service_id"),
                        F("appointment__reason_id"),
                        F("status"),
                    ],
                    order_by=[F("joined_at").asc(), F("pk").asc()],
                ),
            )
        )

    @display(description=_("position"), ordering="joined_at")
    def show_position(self, obj):
        """The place in line of the same service and reason ("–" once out)."""
        if obj.status not in EarlierTimeRequest.IN_LINE:
            return "–"
        if obj.status == EarlierTimeRequest.Status.OFFERED:
            return _("offered")
        return obj.line_position

    @display(description=_("appointment"), ordering="appointment__start")
    def show_appointment_time(self, obj):
        return f"{timezone.localtime(obj.appointment.start):%d/%m/%Y %H:%M}"

    @display(description=_("citizen"))
    def show_citizen(self, obj):
        return str(obj.appointment.citizen)

    @display(description=_("service and reason"))
    def show_service(self, obj):
        return f"{obj.appointment.service} – {obj.appointment.reason}"

    @display(description=_("days and times"))
    def show_criteria(self, obj):
        days = [str(WEEKDAYS[int(day)]) for day in obj.weekdays]
        parts = [str(_PART_NAMES[part]).lower() for part in obj.parts]
        return "; ".join(filter(None, [", ".join(days), ", ".join(parts)])) or _("any")
