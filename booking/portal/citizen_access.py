"""The citizen admin writes the record of who looked (issue 23, point 4).

Every GET of a citizen's page or history (and of an appointment's page,
which shows its citizen), every search by national register
number (list and autocomplete) and every export (the citizen's data as JSON,
the citizens' spreadsheet) by staff leaves an ``audit.AccessRecord``: who,
when, what, and, for exports, why (asked before the file is made).
"""

from django import forms
from django.utils.translation import gettext_lazy as _
from stdnum.be import nn
from unfold.contrib.import_export.forms import ExportForm
from unfold.widgets import UnfoldAdminTextInputWidget

from audit.models import AccessRecord
from audit.services import access_record, looks_like_national_number
from core.inputs import parse_id

Action = AccessRecord.Action


class ExportReasonField(forms.CharField):
    def __init__(self, **kwargs):
        super().__init__(
            label=_("Why is this export needed?"),
            help_text=_(
                "Kept in the record of who looked, which the data protection "
                "officer reads."
            ),
            max_length=500,
            widget=UnfoldAdminTextInputWidget(),
            **kwargs,
        )


class CitizenExportForm(ExportForm):
    """The spreadsheet export's form, asking why."""

    reason = ExportReasonField()


class CitizenExportReasonForm(forms.Form):
    """Why the citizen's data is exported (JSON)."""

    reason = ExportReasonField()


def record(request, action: str, what: str, **fields) -> None:
    access_record(
        user=request.user,
        action=action,
        what=what,
        path=request.get_full_path()[:255] if action != Action.SEARCH else "",
        **fields,
    )


class CitizenAccessAdminMixin:
    """Put before the citizen admin's other bases."""

    export_form_class = CitizenExportForm

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        pk = parse_id(str(object_id))
        if request.method == "GET" and response.status_code == 200 and pk:
            record(request, Action.VIEW, f"citizen #{pk}", citizen_id=pk)
        return response

    def history_view(self, request, object_id, extra_context=None):
        response = super().history_view(request, object_id, extra_context)
        pk = parse_id(str(object_id))
        if response.status_code == 200 and pk:
            record(request, Action.VIEW, f"citizen #{pk} (history)", citizen_id=pk)
        return response

    def get_search_results(self, request, queryset, search_term):
        is_national_number = looks_like_national_number(search_term)
        if is_national_number:
            # Typed as written on the card (85.07.30-033.28), stored compact.
            search_term = nn.compact(search_term)
        results, may_have_duplicates = super().get_search_results(
            request, queryset, search_term
        )
        recorded = getattr(request, "_national_number_searches", set())
        if is_national_number and search_term not in recorded:
            recorded.add(search_term)
            request._national_number_searches = recorded
            record(
                request,
                Action.SEARCH,
                "citizens searched by national number",
                query=nn.compact(search_term),
            )
        return results, may_have_duplicates

    def get_export_data(self, file_format, request, queryset, **kwargs):
        data = super().get_export_data(file_format, request, queryset, **kwargs)
        form = kwargs.get("export_form")
        reason = form.cleaned_data.get("reason", "") if form is not None else ""
        record(
            request,
            Action.EXPORT,
            f"citizens list ({file_format.get_title()}): {queryset.count()} rows",
            reason=reason,
        )
        return data


class AppointmentAccessAdminMixin:
    """An appointment's page shows its citizen (names, contact details, and
    the extra details the service asks for): a view of the citizen too."""

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        pk = parse_id(str(object_id))
        if request.method == "GET" and response.status_code == 200 and pk:
            original = getattr(response, "context_data", {}).get("original")
            record(
                request,
                Action.VIEW,
                f"appointment #{pk}",
                citizen_id=getattr(original, "citizen_id", None),
            )
        return response
