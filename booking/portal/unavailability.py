"""The page that enters an agent's unavailability (R16): a preview of the
appointments it hits, then the write. Both are the domain's
(``booking.unavailability``): team appointments go to a free colleague, the
others are cancelled with the reason, and the citizens are told.
"""

from datetime import datetime, time

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from booking.services import BookingError
from booking.unavailability import unavailability_enter, unavailability_plan
from core.inputs import validate_day
from staffing.admin_views import editable_agents
from staffing.models import Agent

from . import agenda
from .counts import outcome_counts

_LOCAL_INPUT = forms.DateTimeInput(
    attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
)


class UnavailabilityForm(forms.Form):
    agent = forms.ModelChoiceField(
        queryset=Agent.objects.none(), label=gettext_lazy("Agent")
    )
    start = forms.DateTimeField(
        label=gettext_lazy("From"), widget=_LOCAL_INPUT, validators=[validate_day]
    )
    end = forms.DateTimeField(
        label=gettext_lazy("Until"), widget=_LOCAL_INPUT, validators=[validate_day]
    )
    note = forms.CharField(
        label=gettext_lazy("Reason given to the citizens"),
        max_length=200,
        help_text=gettext_lazy(
            "Sent to the citizens whose appointment has to be cancelled."
        ),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agent"].queryset = editable_agents(user)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end <= start:
            self.add_error("end", _("The end of the period must come after its start."))
        return cleaned


@permission_required("staffing.add_availabilityexception", raise_exception=True)
def unavailability(request):
    """Enter a period of unavailability: preview, then confirm (POST ``action``)."""
    own = agenda.agent_of(request.user)
    today = timezone.localdate()
    initial = {
        "agent": request.GET.get("agent") or (own.pk if own else None),
        "start": request.GET.get("start")
        or datetime.combine(today, time(8, 0)).strftime("%Y-%m-%dT%H:%M"),
        "end": request.GET.get("end")
        or datetime.combine(today, time(18, 0)).strftime("%Y-%m-%dT%H:%M"),
        "note": request.GET.get("note", ""),
    }
    data = request.POST if request.method == "POST" else None
    form = UnavailabilityForm(data, user=request.user, initial=initial)
    plan = None
    if data is not None and form.is_valid():
        cleaned = form.cleaned_data
        if request.POST.get("action") == "confirm":
            try:
                result = unavailability_enter(
                    agent=cleaned["agent"],
                    start=cleaned["start"],
                    end=cleaned["end"],
                    note=cleaned["note"],
                    actor=request.user,
                )
            except (ValidationError, BookingError) as error:
                form.add_error(None, getattr(error, "message", None) or error)
            else:
                messages.success(
                    request,
                    _("Unavailability recorded. Appointments: %(counts)s.")
                    % {
                        "counts": outcome_counts(
                            reassigned=len(result.reassigned),
                            cancelled=len(result.cancelled),
                        )
                    },
                )
                day = timezone.localtime(cleaned["start"]).date().isoformat()
                return redirect(
                    f"{reverse('admin:portal_agenda')}"
                    f"?agent={cleaned['agent'].pk}&date={day}"
                )
        plan = unavailability_plan(
            agent=cleaned["agent"], start=cleaned["start"], end=cleaned["end"]
        )
    context = {
        **admin.site.each_context(request),
        "title": _("Unavailability"),
        "form": form,
        "plan": plan,
        "reassign_count": sum(1 for item in plan or [] if not item.cancelled),
        "cancel_count": sum(1 for item in plan or [] if item.cancelled),
    }
    return TemplateResponse(request, "portal/unavailability.html", context)


# Sidebar permission callback (core/navigation.py, via booking.portal).


def may_enter_unavailability(request) -> bool:
    return request.user.has_perm("staffing.add_availabilityexception")
