"""The admin's home page (unfold DASHBOARD_CALLBACK)."""

from django.utils import timezone

from booking.models import Appointment

from .selectors import appointments_visible_to, day_summary


def dashboard_callback(request, context: dict) -> dict:
    """Add today's figures and the user's next appointments to the dashboard."""
    today = timezone.localdate()
    context["summary"] = day_summary(request.user, today)
    context["next_appointments"] = (
        appointments_visible_to(request.user)
        .filter(
            agent__user=request.user,
            status__in=Appointment.ACTIVE_STATUSES,
            start__gte=timezone.now(),
        )
        .select_related("citizen", "service", "reason")[:10]
    )
    return context
