"""simple_history's "Revert", refused where writes have rules ("One door").

A revert saves every field of an old version at once through the plain model
form: no lock, no availability re-check, no message to the citizen, and even
the fields the change form hides or shows read-only. Where the writes go
through services (appointments, typical weeks, exceptions, closures) or where
some fields are hidden from some users (citizens), the history stays readable
but a revert is refused.
"""

from django.core.exceptions import PermissionDenied


class NoHistoryRevertMixin:
    """Put before the history admin in the bases: the history and its versions
    stay readable; the "Revert" button is hidden and a revert POST answers 403."""

    def revert_disabled(self, request, obj=None) -> bool:
        return True

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)
