"""The citizen admin's "Merge these citizens" action (issue 14, point 1).

An anonymous booking never changes a stored citizen: when a person's bookings
made two rows (a new phone, a national register number the first row lacked),
staff make one of them here. Like Django's "delete selected", the action shows
a preview first (which row stays, what it will hold, which appointments
move); the merge itself is ``booking.services.citizen_merge``, which checks
the permission again (``may_merge_citizens``) under its locks. The action adds
no URL: it posts to the citizen list, like every list action.
"""

from django.contrib import messages
from django.contrib.admin import helpers
from django.db.models import Count, Q
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from unfold.decorators import action

from booking.models import Appointment
from booking.selectors import hidden_citizen_details
from booking.services import (
    MAX_MERGED_CITIZENS,
    MERGED_DETAILS,
    BookingError,
    citizen_merge,
    may_merge_citizens,
    merge_conflicts,
    merged_details,
)
from core.roles import is_administrator
from staffing.scopes import managed_service_ids, visible_to


class CitizenMergeAdminMixin:
    """Put in the citizen admin's bases; list ``merge_citizens`` in ``actions``."""

    def has_merge_permission(self, request) -> bool:
        """Who is offered the action: administrators, and service managers
        (for the citizens of their own services only: ``may_merge_citizens``)."""
        user = request.user
        if is_administrator(user):
            return True
        return user.has_perm("booking.change_citizen") and bool(
            managed_service_ids(user)
        )

    @action(description=_("Merge these citizens"), permissions=["merge"])
    def merge_citizens(self, request, queryset):
        """POST from the list: show the preview; ``post=yes``: merge."""
        citizens = list(
            queryset.annotate(
                upcoming=Count(
                    "appointments",
                    filter=Q(
                        appointments__status__in=Appointment.OPEN_STATUSES,
                        appointments__start__gte=timezone.now(),
                    ),
                ),
                total=Count("appointments"),
            ).order_by("created_at", "pk")
        )
        if not 2 <= len(citizens) <= MAX_MERGED_CITIZENS:
            self.message_user(
                request,
                _("Select from 2 to %(count)s citizens to merge.")
                % {"count": MAX_MERGED_CITIZENS},
                messages.WARNING,
            )
            return None
        if not may_merge_citizens(request.user, citizens):
            self.message_user(
                request,
                _(
                    "You may not merge these citizens: one of them has "
                    "appointments in a service you do not manage."
                ),
                messages.ERROR,
            )
            return None
        by_pk = {str(citizen.pk): citizen for citizen in citizens}
        keep = by_pk.get(request.POST.get("keep", ""), citizens[0])
        others = [citizen for citizen in citizens if citizen.pk != keep.pk]
        # Merge only what the page previewed: a row chosen since is shown first.
        if request.POST.get("post") == "yes" and request.POST.get("previewed") == str(
            keep.pk
        ):
            try:
                citizen_merge(keep=keep, others=others, actor=request.user)
            except BookingError as error:
                self.message_user(request, error.message, messages.ERROR)
            else:
                self.message_user(
                    request,
                    _("%(count)s citizens merged into %(citizen)s.")
                    % {"count": len(citizens), "citizen": keep},
                    messages.SUCCESS,
                )
            return None
        return self._merge_preview(request, citizens, keep, others)

    def _merge_preview(self, request, citizens, keep, others):
        hidden = set(hidden_citizen_details(request.user))
        shown = [name for name in MERGED_DETAILS if name not in hidden]
        labels = {name: self.model._meta.get_field(name).verbose_name for name in shown}
        after = merged_details(keep, others)
        moving = visible_to(
            Appointment.objects.filter(citizen__in=others),
            request.user,
            service_field="service",
        ).select_related("service", "reason", "citizen")
        context = {
            **self.admin_site.each_context(request),
            "title": _("Merge citizens"),
            "opts": self.model._meta,
            "citizens": [
                {
                    "citizen": citizen,
                    "details": [getattr(citizen, name) for name in shown],
                    "upcoming": citizen.upcoming,
                    "total": citizen.total,
                }
                for citizen in citizens
            ],
            "labels": [labels[name] for name in shown],
            "keep": keep,
            "result": [
                {
                    "label": labels[name],
                    "value": after[name],
                    "completed": after[name] != getattr(keep, name),
                }
                for name in shown
            ],
            "moving": list(moving.order_by("start")[:50]),
            "moving_count": moving.count(),
            "conflicts": merge_conflicts(keep, others),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "action_name": "merge_citizens",
        }
        return TemplateResponse(
            request, "admin/booking/citizen/merge_preview.html", context
        )
