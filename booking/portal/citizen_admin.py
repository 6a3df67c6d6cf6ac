"""The citizen admin within the user's scope (GDPR).

Staff see a citizen through an appointment in one of their services, and of
him or her only the extra details (national register number, date of birth,
address) one of their services asks for; administrators see everyone and
everything. The rules live in ``Citizen.objects.visible_to`` and
``booking.selectors``; this mixin applies them to every view of the admin:
list, search, autocomplete, change form, history and spreadsheet export.
"""

from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse

from booking import privacy
from booking.models import Citizen
from booking.selectors import hidden_citizen_details
from core.inputs import parse_id
from core.roles import is_administrator


class CitizenScopeAdminMixin:
    """Put first in the citizen admin's bases."""

    def _hidden(self, request) -> list[str]:
        # Asked several times per page (form, search, history): once per request.
        if not hasattr(request, "_hidden_citizen_details"):
            request._hidden_citizen_details = hidden_citizen_details(request.user)
        return request._hidden_citizen_details

    def get_queryset(self, request):
        # list, change, history, search, autocomplete and export all read here;
        # a page asks several times: the user's scope is looked up once.
        if not hasattr(request, "_visible_citizens"):
            request._visible_citizens = Citizen.objects.visible_to(request.user)
        return super().get_queryset(request) & request._visible_citizens

    def get_exclude(self, request, obj=None):
        return [*(super().get_exclude(request, obj) or []), *self._hidden(request)]

    def get_search_fields(self, request):
        hidden = self._hidden(request)
        return [
            field for field in super().get_search_fields(request) if field not in hidden
        ]

    def add_view(self, request, form_url="", extra_context=None):
        """Staff create a citizen while booking (phone booking), so that he or
        she is in one of their services; administrators may also add one here."""
        if is_administrator(request.user):
            return super().add_view(request, form_url, extra_context)
        if not self.has_add_permission(request):
            raise PermissionDenied
        return redirect(reverse("admin:portal_phone"))

    def set_history_delta_changes(
        self, request, historical_records, foreign_keys_are_objs=True
    ):
        """simple_history's diffs between versions, without the hidden details."""
        hidden = self._hidden(request)
        previous = None
        for current in historical_records:
            if previous is not None:
                delta = previous.diff_against(
                    current,
                    excluded_fields=hidden,
                    foreign_keys_are_objs=foreign_keys_are_objs,
                )
                helper = self.get_historical_record_context_helper(request, previous)
                previous.history_delta_changes = helper.context_for_delta_changes(delta)
            previous = current

    def get_data_for_export(self, request, queryset, **kwargs):
        """The spreadsheet export, without the columns the user may not see."""
        dataset = super().get_data_for_export(request, queryset, **kwargs)
        for name in self._hidden(request):
            if name in dataset.headers:
                del dataset[name]
        return dataset

    def has_erase_permission(self, request, object_id=None) -> bool:
        """Erasure is the administrators' (``privacy.may_erase_citizen``)."""
        if object_id is None:
            return is_administrator(request.user)
        if parse_id(str(object_id)) is None:
            return False
        citizen = Citizen.objects.filter(pk=object_id).first()
        return citizen is not None and privacy.may_erase_citizen(request.user, citizen)
