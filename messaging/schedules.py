"""Recurring jobs, declared once here and installed by ``manage.py install_schedules``.

Each entry is kept in step with django-q2's Schedule table by name, so changing
a line here and re-running the command updates the running installation.
"""

from django_q.models import Schedule

# name -> keyword arguments of Schedule (func, schedule_type, minutes, cron…).
SCHEDULES: dict[str, dict] = {
    "Purge old task results": {
        "func": "messaging.tasks.purge_task_results",
        "schedule_type": Schedule.DAILY,
    },
}


def install_schedules() -> list[str]:
    """Create or update every declared schedule; remove none of the others."""
    for name, options in SCHEDULES.items():
        Schedule.objects.update_or_create(name=name, defaults=options)
    return list(SCHEDULES)
