"""Statistics queries: every figure is computed by the database (aggregations)."""

from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q
from django.utils import timezone

from booking.models import Appointment
from staffing.scopes import visible_to


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


def appointments_visible_to(user):
    """The appointments a member of staff may count: those of his or her services."""
    return visible_to(Appointment.objects.all(), user, service_field="service")


def counts_by_service(user, first_day: date, last_day: date) -> list[dict]:
    """Per service: booked, cancelled and no-show appointments in the period."""
    return list(
        appointments_visible_to(user)
        .filter(
            start__gte=_local_midnight(first_day),
            start__lt=_local_midnight(last_day + timedelta(days=1)),
        )
        .values("service__name")
        .annotate(
            total=Count("pk"),
            cancelled=Count("pk", filter=Q(status=Appointment.Status.CANCELLED)),
            no_show=Count("pk", filter=Q(status=Appointment.Status.NO_SHOW)),
        )
        .order_by("service__name")
    )


def day_summary(user, day: date) -> dict:
    """Today's figures for the dashboard: the user's own and his or her services'."""
    start = _local_midnight(day)
    todays = appointments_visible_to(user).filter(
        start__gte=start, start__lt=start + timedelta(days=1)
    )
    active = todays.filter(status__in=Appointment.ACTIVE_STATUSES)
    return {
        "services_today": active.count(),
        "mine_today": active.filter(agent__user=user).count(),
        "pending": appointments_visible_to(user)
        .filter(status=Appointment.Status.PENDING, start__gte=timezone.now())
        .count(),
    }
