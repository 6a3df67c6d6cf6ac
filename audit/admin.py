"""The record of who looked, for the data protection officer (read and export)."""

from django.contrib import admin
from import_export import fields, resources
from import_export.admin import ExportMixin
from unfold.admin import ModelAdmin
from unfold.contrib.filters.admin import ChoicesDropdownFilter
from unfold.contrib.import_export.forms import ExportForm

from core.admin_base import BoundedDateLookupsMixin
from core.admin_filters import DateRangeFilter
from core.spreadsheets import ADMIN_FORMATS

from .models import AccessRecord


class AccessRecordResource(resources.ModelResource):
    action = fields.Field(attribute="get_action_display", column_name="action")

    class Meta:
        model = AccessRecord
        fields = (
            "at",
            "username",
            "action",
            "what",
            "citizen_id",
            "query",
            "reason",
            "path",
        )
        export_order = fields


@admin.register(AccessRecord)
class AccessRecordAdmin(BoundedDateLookupsMixin, ExportMixin, ModelAdmin):
    """Read-only: nobody adds, changes or deletes a record by hand."""

    resource_classes = [AccessRecordResource]
    export_form_class = ExportForm
    # CSV, XLSX, TSV, JSON; spreadsheets written without formulas.
    formats = ADMIN_FORMATS
    list_display = ["at", "username", "action", "what", "citizen_id", "query", "reason"]
    list_filter = [("action", ChoicesDropdownFilter), ("at", DateRangeFilter)]
    list_filter_submit = True
    search_fields = ["username", "what", "query", "=citizen_id"]
    date_hierarchy = "at"
    list_per_page = 100

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_export_permission(self, request) -> bool:
        return self.has_view_permission(request)
