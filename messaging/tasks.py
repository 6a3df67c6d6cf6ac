"""django-q2 tasks: one line of glue each, loading by id and calling a service."""

from datetime import timedelta

from django.utils import timezone
from django_q.models import Success

from booking import closure_repeats, offers
from booking import privacy as booking_privacy

from . import services


def send_message(message_id: int) -> str:
    """Send one outbox row (idempotent: a sent message is never sent again)."""
    return services.message_send(message_id=message_id)


def send_due_messages() -> int:
    """Every minute: retries whose back-off is over, and rows whose task was lost."""
    return services.messages_dispatch_due()


def create_reminders() -> int:
    """Daily at REMINDER_HOUR: the reminders of tomorrow's appointments (R12)."""
    return services.reminders_create()


def chase_requests() -> dict:
    """Every quarter of an hour: escalate unanswered requests to their
    service's managers, decide those at their deadline (R10)."""
    return services.requests_chase()


def repeat_closures() -> dict:
    """Daily: write the next year of each closure that repeats, once within
    CLOSURE_REPEAT_DAYS_AHEAD, through the closure consequences."""
    return closure_repeats.closures_repeat()


def earlier_time_offers() -> dict:
    """Every few minutes: expire the offers not answered in time, then offer
    the free earlier times to the first in line (issue 25, point 2)."""
    return offers.offers_run(now=timezone.now())


def send_feed_address_notices() -> int:
    """Every few minutes: tell agents the feed address someone else renewed."""
    return services.feed_address_notices_write()


def privacy_sweep() -> dict:
    """Daily at PRIVACY_SWEEP_HOUR: anonymise inactive citizens, delete old
    history and messages (booking/privacy.py; GDPR retention)."""
    return booking_privacy.privacy_sweep(now=timezone.now())


def purge_task_results(days: int = 30) -> int:
    """Forget successful task results older than ``days`` days; return how many."""
    deleted, _per_model = Success.objects.filter(
        stopped__lt=timezone.now() - timedelta(days=days)
    ).delete()
    return deleted
