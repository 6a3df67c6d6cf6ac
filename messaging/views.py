"""The inbox of requests awaiting an agent's answer (R10), an admin page; and
the administrators' page of SMS and budget (issue 24, point 5).

Agents and managers see the pending requests of their services, oldest first,
each with Confirm and Refuse (a reason is required: the citizen reads it).
Answering calls ``booking.services``; the message to the citizen follows from
the domain event like any other.
"""

from django.contrib import admin, messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from booking.services import BookingError, appointment_confirm, appointment_refuse
from core.roles import is_administrator

from .forms import RefuseForm
from .models import MessagingSettings
from .selectors import (
    overdue_cutoff,
    pending_requests_for,
    sms_month_breakdown,
    sms_months,
)
from .services import request_decision_at


@permission_required("booking.change_appointment", raise_exception=True)
def inbox(request):
    """List the requests to answer; a POST confirms or refuses one of them."""
    requests_to_answer = pending_requests_for(request.user)
    refuse_errors: dict[int, RefuseForm] = {}
    if request.method == "POST":
        appointment = requests_to_answer.filter(pk=request.POST.get("appointment"))
        appointment = appointment.first()
        if appointment is None:
            # Answered meanwhile, or not in the user's services.
            messages.warning(
                request, _("This request is no longer awaiting an answer.")
            )
            return redirect(reverse("admin:messaging_inbox"))
        answer = request.POST.get("answer")
        try:
            if answer == "confirm":
                appointment_confirm(appointment=appointment, actor=request.user)
                messages.success(
                    request,
                    _("Confirmed: %(appointment)s. The citizen is told.")
                    % {"appointment": appointment},
                )
                return redirect(reverse("admin:messaging_inbox"))
            if answer == "refuse":
                form = RefuseForm(request.POST)
                if form.is_valid():
                    appointment_refuse(
                        appointment=appointment,
                        actor=request.user,
                        reason=form.cleaned_data["reason"],
                    )
                    messages.success(
                        request,
                        _("Refused: %(appointment)s. The citizen is told why.")
                        % {"appointment": appointment},
                    )
                    return redirect(reverse("admin:messaging_inbox"))
                refuse_errors[appointment.pk] = form
            else:
                raise Http404
        except BookingError as error:
            messages.error(request, error.message)
            return redirect(reverse("admin:messaging_inbox"))

    cutoff = overdue_cutoff()
    rows = [
        {
            "appointment": appointment,
            "late": appointment.created_at < cutoff,
            "decided_at": request_decision_at(appointment),
            "form": refuse_errors.get(appointment.pk)
            or RefuseForm(auto_id=f"id_%s_{appointment.pk}"),
        }
        for appointment in requests_to_answer
    ]
    context = {
        **admin.site.each_context(request),
        "title": _("Requests to answer"),
        "rows": rows,
        "late_count": sum(row["late"] for row in rows),
    }
    status = 400 if refuse_errors else 200
    return TemplateResponse(request, "messaging/inbox.html", context, status=status)


def sms_budget(request):
    """SMS and budget (issue 24, point 5), the administrators' page: the SMS
    sent each of the last twelve months with their segments and cost against
    the monthly budget, and one month's per service and per event
    (``?month=2027-01``; default: this month)."""
    if not is_administrator(request.user):
        raise PermissionDenied
    months = sms_months()
    wanted = request.GET.get("month", "")
    chosen = next(
        (month for month in months if f"{month.month:%Y-%m}" == wanted), months[0]
    )
    settings_row = MessagingSettings.objects.get_solo()
    context = {
        **admin.site.each_context(request),
        "title": _("SMS and budget"),
        "current": months[0],
        "months": months,
        "chosen": chosen,
        "breakdown": sms_month_breakdown(chosen.month),
        "settings_url": reverse(
            "admin:messaging_messagingsettings_change", args=[settings_row.pk]
        ),
    }
    return TemplateResponse(request, "messaging/sms_budget.html", context)
