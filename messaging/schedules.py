"""Recurring jobs, declared once here and installed by ``manage.py install_schedules``.

Each entry is kept in step with django-q2's Schedule table by name, so changing
a line here (or the REMINDER_HOUR setting) and re-running the command updates
the running installation.

The reminders run daily at REMINDER_HOUR, local time. django-q2's cron type
needs ``croniter``, which is not a dependency: a DAILY schedule whose first run
is the next REMINDER_HOUR does the same, and django-q2 keeps it at that local
hour across summer and winter time.
"""

from datetime import datetime, time, timedelta

from django.conf import settings
from django.utils import timezone
from django_q.models import Schedule

# name -> keyword arguments of Schedule (func, schedule_type, minutes…).
SCHEDULES: dict[str, dict] = {
    "Purge old task results": {
        "func": "messaging.tasks.purge_task_results",
        "schedule_type": Schedule.DAILY,
    },
    "Send due messages": {
        "func": "messaging.tasks.send_due_messages",
        "schedule_type": Schedule.MINUTES,
        "minutes": 1,
    },
    "Day-before reminders": {
        "func": "messaging.tasks.create_reminders",
        "schedule_type": Schedule.DAILY,
    },
    # Agents whose agenda feed address was renewed by someone else (issue 12).
    "Agenda feed addresses": {
        "func": "messaging.tasks.send_feed_address_notices",
        "schedule_type": Schedule.MINUTES,
        "minutes": 5,
    },
    # Requests that never rot (R10, issue 24): escalated, then decided.
    "Unanswered requests": {
        "func": "messaging.tasks.chase_requests",
        "schedule_type": Schedule.MINUTES,
        "minutes": 15,
    },
    # Closures that repeat every year (issue 24, point 3): each year written
    # ahead of time, its appointments handed over or cancelled, the citizens
    # told; at the hour citizens already hear from the commune.
    "Yearly closures": {
        "func": "messaging.tasks.repeat_closures",
        "schedule_type": Schedule.DAILY,
    },
    # Earlier-time offers (issue 25, point 2): expired offers go to the next
    # in line; new openings and the end of the quiet hours are caught here.
    "Earlier-time offers": {
        "func": "messaging.tasks.earlier_time_offers",
        "schedule_type": Schedule.MINUTES,
        "minutes": 5,
    },
    # GDPR retention (booking/privacy.py), at a quiet hour.
    "Privacy sweep": {
        "func": "messaging.tasks.privacy_sweep",
        "schedule_type": Schedule.DAILY,
    },
}

# Schedules whose first run is at a set local hour: name -> setting of the hour.
AT_HOUR = {
    "Day-before reminders": "REMINDER_HOUR",
    "Yearly closures": "REMINDER_HOUR",
    "Privacy sweep": "PRIVACY_SWEEP_HOUR",
}


def schedulable_tasks() -> dict[str, str]:
    """The callables a schedule may run, each with the name it is declared under.

    Only the project's own jobs: django-q2 calls whatever dotted path a
    Schedule row names, so a free text in the admin would let whoever edits
    schedules run any Python callable (``os.system``…).
    """
    return {options["func"]: name for name, options in SCHEDULES.items()}


def next_run_at(hour: int, now: datetime | None = None) -> datetime:
    """The next time the local clock shows ``hour``:00."""
    now = timezone.localtime(now)
    candidate = datetime.combine(
        now.date(), time(hour), tzinfo=timezone.get_current_timezone()
    )
    return candidate if candidate > now else candidate + timedelta(days=1)


def install_schedules() -> list[str]:
    """Create or update every declared schedule; remove none of the others."""
    for name, options in SCHEDULES.items():
        defaults = dict(options)
        if name in AT_HOUR:
            hour = getattr(settings, AT_HOUR[name])
            existing = Schedule.objects.filter(name=name).first()
            # Keep a schedule already at the right hour: re-installing must not
            # skip or repeat today's run.
            if (
                existing is None
                or existing.next_run is None
                or timezone.localtime(existing.next_run).hour != hour
            ):
                defaults["next_run"] = next_run_at(hour)
        Schedule.objects.update_or_create(name=name, defaults=defaults)
    return list(SCHEDULES)
