"""Building blocks shared by every app's admin: one base class, the import rule."""

from django.contrib import messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import (
    NotRelationField,
    display_for_field,
    get_fields_from_path,
    unquote,
)
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db.models import BooleanField, DateField, ManyToManyField
from django.http import Http404
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportModelAdmin
from import_export.resources import ModelResource
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper
from unfold.admin import ModelAdmin
from unfold.contrib.import_export.forms import ExportForm

from . import accounts
from .imports import (
    ImportRefused,
    LimitedImportForm,
    UnknownReference,
    file_problems,
    report,
    row_text_errors,
)
from .inputs import FIRST_DAY, LAST_DAY, InvalidInput, parse_pk, validate_day
from .roles import is_administrator
from .spreadsheets import ADMIN_FORMATS


class AllOrNothingResource(ModelResource):
    """An import that writes nothing unless every row of the file is valid (R25).

    import-export rolls back on row *errors* by default but keeps the valid rows
    when others fail validation; a commune loading its agents wants all or none.
    Every problem is explained in ``result.report``, one line per bad row
    (``core.imports``): the admin's import page lists them.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._explained: set[str] = set()

    def import_data(self, dataset, **kwargs):
        kwargs["use_transactions"] = True
        kwargs["rollback_on_validation_errors"] = True
        self._explained = set()
        problems = file_problems(self, dataset)
        if problems:
            result = self.get_result_class()()
            result.diff_headers = self.get_diff_headers()
            result.total_rows = len(dataset)
            for problem in problems:
                result.append_base_error(
                    self.get_error_result_class()(ImportRefused(problem))
                )
        else:
            result = super().import_data(dataset, **kwargs)
        result.report = report(self, result, explained=self._explained)
        return result

    def before_import_row(self, row, **kwargs):
        super().before_import_row(row, **kwargs)
        errors = row_text_errors(row)
        if errors:
            raise ValidationError(errors)

    def get_or_init_instance(self, instance_loader, row):
        # The identifying columns are read here, outside import-export's
        # per-column checks: an unknown one is the row's error, not a crash.
        try:
            return super().get_or_init_instance(instance_loader, row)
        except ValueError as error:
            raise ValidationError(str(error)) from None

    def import_field(self, field, instance, row, is_m2m=False, **kwargs):
        try:
            super().import_field(field, instance, row, is_m2m, **kwargs)
        except UnknownReference as error:
            self._explained.add(str(error))
            raise

    def may_import(self, user, instance) -> bool:
        """Whether ``user`` may write ``instance`` (R25: imports are the
        administrators').

        The admin lets only administrators import; a resource checks every row
        again (defence in depth), both as stored and with the file's values.
        Resources whose rows belong to a service narrow this to the importer's
        scope (``staffing.scopes``).
        """
        return is_administrator(user)

    def after_init_instance(self, instance, new, row, **kwargs):
        super().after_init_instance(instance, new, row, **kwargs)
        if not new:
            self._check_scope(instance, kwargs.get("user"))

    def import_instance(self, instance, row, **kwargs):
        super().import_instance(instance, row, **kwargs)
        self._check_scope(instance, kwargs.get("user"))

    def _check_scope(self, instance, user) -> None:
        # An import without a user (a script) is refused rather than trusted.
        if user is None or not self.may_import(user, instance):
            raise ValidationError(
                _("You may not import this row: it is outside what you may change.")
            )


def _date_lookup_in_bounds(model, key: str, value: str) -> bool:
    """False when ``key=value`` filters a date field on a date outside the
    bounds of ``core.inputs`` (``start__gte=0001-01-01``, ``created_at__year=9999``).
    """
    parts = key.split("__")
    for length in (len(parts), len(parts) - 1):
        try:
            field = get_fields_from_path(model, "__".join(parts[:length]))[-1]
        except (FieldDoesNotExist, NotRelationField):
            continue
        break
    else:
        return True
    if not isinstance(field, DateField):
        return True
    lookup = parts[length:]
    if lookup in (["year"], ["iso_year"]):
        try:
            year = int(value)  # as Django reads it: "١" is 1
        except ValueError:
            year = None
        # Not a number: Django refuses it itself, as an invalid lookup.
        return year is None or FIRST_DAY.year <= year <= LAST_DAY.year
    if lookup and lookup[-1] in {"month", "day", "week", "week_day", "isnull"}:
        return True
    for piece in value.split(","):
        try:
            validate_day(field.to_python(piece))
        except ValidationError as error:
            if error.code == "date_range":
                return False
        except (TypeError, AttributeError):  # None, or not a date at all
            continue
    return True


class BoundedDateLookupsMixin:
    """Dates typed into an admin list's address stay within ``core.inputs``
    bounds: beyond them the database adapter overflows (a server error); here
    they are an invalid lookup, which Django's list answers with its error page.
    """

    def check_date_lookups(self, request) -> None:
        """Raise IncorrectLookupParameters for a date lookup out of bounds."""
        for key, value in request.GET.items():
            if not _date_lookup_in_bounds(self.model, key, value):
                raise IncorrectLookupParameters(key)

    def get_changelist_instance(self, request):
        self.check_date_lookups(request)
        return super().get_changelist_instance(request)


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

    def _check_history_scope(self, request, object_id, version_id=None) -> None:
        # "abc" for a numeric id is a row that does not exist, not a crash.
        parse_pk(self.model, unquote(object_id))
        if version_id is not None:
            parse_pk(self.model.history.model, unquote(version_id))
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
        self._check_history_scope(request, object_id, version_id)
        if request.method == "POST":
            # simple_history saves a revert with view permission only; a revert
            # is a change, refused where the user may not change the row.
            current = self.get_queryset(request).filter(pk=unquote(object_id)).first()
            if not self.has_change_permission(request, current):
                raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


class HistoryAdmin(BoundedDateLookupsMixin, ScopedHistoryAdmin, ModelAdmin):
    """Unfold's look with simple_history's "History" view (R26)."""

    list_filter_submit = True
    list_per_page = 50


class ImportExportHistoryAdmin(
    BoundedDateLookupsMixin, ScopedHistoryAdmin, ImportExportModelAdmin, ModelAdmin
):
    """History, spreadsheet import/export (R25) and unfold's look on one admin."""

    import_form_class = LimitedImportForm
    export_form_class = ExportForm
    # CSV, XLSX, TSV, JSON; spreadsheets written without formulas.
    formats = ADMIN_FORMATS
    list_filter_submit = True
    list_per_page = 50

    def get_export_queryset(self, request):
        """The list's rows as filtered in the address; filters the list cannot
        read (``?resource=abc``, a date out of bounds) answer a 400, not a 500."""
        try:
            self.check_date_lookups(request)
            return super().get_export_queryset(request)
        except IncorrectLookupParameters:
            raise InvalidInput(
                _("These filters are not valid: go back to the list and filter again.")
            ) from None

    def get_export_data(self, file_format, request, queryset, **kwargs):
        """import-export's, with numbers and dates kept as such in XLSX.

        import-export keeps values native only for its own binary formats,
        recognised by exact class; ours (``core.spreadsheets``) are subclasses.
        """
        if not self.has_export_permission(request):
            raise PermissionDenied
        data = self.get_data_for_export(
            request, queryset, force_native_type=file_format.is_binary(), **kwargs
        )
        content = file_format.export_data(data)
        encoding = kwargs.get("encoding")
        if not file_format.is_binary() and encoding:
            content = content.encode(encoding)
        return content

    def has_import_permission(self, request):
        """Only administrators import (R25); import-export allows everyone."""
        return is_administrator(request.user)

    def has_export_permission(self, request):
        """Whoever may see the list exports it: the export reads ``get_queryset``,
        so it holds only the rows the user sees."""
        return self.has_view_permission(request)


def invite_users(modeladmin, request, users) -> None:
    """Send each login a link to choose a password; report who was skipped.

    Shared by the users' and the agents' lists (``invite`` actions)."""
    try:
        invited, skipped = accounts.users_invite(users=users, actor=request.user)
    except OSError as error:  # the mail server refused or is unreachable
        modeladmin.message_user(
            request,
            _("The invitations could not be sent: %(error)s") % {"error": error},
            messages.ERROR,
        )
        return
    if invited:
        modeladmin.message_user(
            request,
            _("Invitation sent to %(names)s: the link works once, for %(hours)s hours.")
            % {
                "names": ", ".join(user.get_username() for user in invited),
                "hours": int(accounts.link_max_age().total_seconds() // 3600),
            },
            messages.SUCCESS,
        )
    if skipped:
        modeladmin.message_user(
            request,
            _(
                "No invitation for %(names)s: no e-mail address, or the login "
                "is disabled."
            )
            % {"names": ", ".join(user.get_username() for user in skipped)},
            messages.WARNING,
        )
