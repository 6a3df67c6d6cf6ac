"""Building blocks shared by every app's admin: one base class, the import rule."""

from django.contrib.admin.utils import display_for_field, unquote
from django.db.models import BooleanField, ManyToManyField
from django.http import Http404
from django.utils.translation import gettext
from import_export.admin import ImportExportModelAdmin
from import_export.resources import ModelResource
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper
from unfold.admin import ModelAdmin
from unfold.contrib.import_export.forms import ExportForm, ImportForm

from .roles import is_administrator


class AllOrNothingResource(ModelResource):
    """An import that writes nothing unless every row of the file is valid (R25).

    import-export rolls back on row *errors* by default but keeps the valid rows
    when others fail validation; a commune loading its agents wants all or none.
    """

    def import_data(self, dataset, **kwargs):
        kwargs["use_transactions"] = True
        kwargs["rollback_on_validation_errors"] = True
        return super().import_data(dataset, **kwargs)


class LocalHistoryContextHelper(HistoricalRecordContextHelper):
    """History diffs as the admin shows values: local time, the reader's formats.

    simple_history prints raw values: a start time in UTC ("2026-12-03
    08:30:00+00:00"), a status code ("cancelled"). Each value is shown as the
    change list would show it instead.
    """

    def prepare_delta_change_value(self, change, value):
        value = super().prepare_delta_change_value(change, value)
        field = self.model._meta.get_field(change.field)
        if value is None or value == "" or isinstance(field, ManyToManyField):
            return value
        if isinstance(field, BooleanField):
            return gettext("Yes") if value else gettext("No")
        return display_for_field(value, field, empty_value_display="")


class ScopedHistoryAdmin(SimpleHistoryAdmin):
    """simple_history's views, limited to the rows the user may see.

    simple_history falls back to the historical records when the object is not
    in ``get_queryset`` (to show deleted objects); that would let an agent read
    the history of another service's appointment. Only administrators keep the
    fallback.
    """

    def _check_history_scope(self, request, object_id) -> None:
        if is_administrator(request.user):
            return
        if not self.get_queryset(request).filter(pk=unquote(object_id)).exists():
            raise Http404

    def get_historical_record_context_helper(self, request, historical_record):
        return LocalHistoryContextHelper(self.model, historical_record)

    def history_view(self, request, object_id, extra_context=None):
        self._check_history_scope(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._check_history_scope(request, object_id)
        return super().history_form_view(request, object_id, version_id, extra_context)


class HistoryAdmin(ScopedHistoryAdmin, ModelAdmin):
    """Unfold's look with simple_history's "History" view (R26)."""

    list_filter_submit = True
    list_per_page = 50


class ImportExportHistoryAdmin(ScopedHistoryAdmin, ImportExportModelAdmin, ModelAdmin):
    """History, spreadsheet import/export (R25) and unfold's look on one admin."""

    import_form_class = ImportForm
    export_form_class = ExportForm
    list_filter_submit = True
    list_per_page = 50
