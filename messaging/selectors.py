"""Reads of messaging: what each member of staff may see, and dashboard figures."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from booking.models import Appointment
from core.roles import is_administrator
from staffing.scopes import managed_service_ids, visible_to

from .models import Message


def may_view_messages(user) -> bool:
    """Administrators, and managers (for their services' messages)."""
    return is_administrator(user) or bool(managed_service_ids(user))


def messages_visible_to(user) -> QuerySet:
    """Every message for administrators; managers see their services' ones."""
    messages = Message.objects.all()
    if is_administrator(user):
        return messages
    return messages.filter(appointment__service__in=managed_service_ids(user))


def failed_message_count(user) -> int:
    return messages_visible_to(user).failed().count()


def pending_requests_for(user) -> QuerySet:
    """Requests awaiting an agent's answer in the user's services, oldest first."""
    return (
        visible_to(Appointment.objects.all(), user, service_field="service")
        .filter(status=Appointment.Status.PENDING, end__gt=timezone.now())
        .select_related("citizen", "service", "reason", "agent__user")
        .order_by("created_at", "pk")
    )


def overdue_cutoff(now: datetime | None = None) -> datetime:
    """Requests made before this are late (PENDING_ANSWER_HOURS)."""
    now = now or timezone.now()
    return now - timedelta(hours=settings.PENDING_ANSWER_HOURS)


def overdue_request_count(user, now: datetime | None = None) -> int:
    """Pending requests not answered within PENDING_ANSWER_HOURS."""
    return pending_requests_for(user).filter(created_at__lt=overdue_cutoff(now)).count()


def dashboard_figures(user) -> dict:
    """messaging's figures for the admin's dashboard (added to its ``summary``).

    ``failed_messages`` is None for people who may not see messages.
    """
    return {
        "failed_messages": failed_message_count(user)
        if may_view_messages(user)
        else None,
        "overdue_requests": overdue_request_count(user),
        "pending_answer_hours": settings.PENDING_ANSWER_HOURS,
    }
