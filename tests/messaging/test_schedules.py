"""The recurring jobs (messaging/schedules.py), as `make run` installs them."""

from datetime import datetime

from django.utils import timezone
from django_q.models import Schedule

from messaging.schedules import install_schedules, next_run_at
from tests.factories import local


def test_the_reminders_run_daily_at_the_reminder_hour(db, settings):
    settings.REMINDER_HOUR = 18

    install_schedules()

    schedule = Schedule.objects.get(name="Day-before reminders")
    assert schedule.func == "messaging.tasks.create_reminders"
    assert schedule.schedule_type == Schedule.DAILY
    local_run = timezone.localtime(schedule.next_run)
    assert (local_run.hour, local_run.minute) == (18, 0)
    assert schedule.next_run > timezone.now()
    sender = Schedule.objects.get(name="Send due messages")
    assert (sender.schedule_type, sender.minutes) == (Schedule.MINUTES, 1)


def test_installing_again_keeps_the_next_run_unless_the_hour_changed(db, settings):
    settings.REMINDER_HOUR = 18
    install_schedules()
    first = Schedule.objects.get(name="Day-before reminders").next_run

    install_schedules()
    assert Schedule.objects.get(name="Day-before reminders").next_run == first

    settings.REMINDER_HOUR = 7
    install_schedules()
    changed = Schedule.objects.get(name="Day-before reminders").next_run
    assert timezone.localtime(changed).hour == 7
    assert Schedule.objects.filter(name="Day-before reminders").count() == 1


def test_the_next_run_is_today_or_tomorrow_in_local_time():
    morning = local(datetime(2027, 3, 27).date(), 9)  # the day before summer time
    evening = local(datetime(2027, 3, 27).date(), 19)

    assert next_run_at(17, morning) == local(morning.date(), 17)
    assert next_run_at(17, evening) == local(datetime(2027, 3, 28).date(), 17)
    assert timezone.localtime(next_run_at(17, evening)).utcoffset().seconds == 7200


def test_every_scheduled_and_queued_task_path_imports():
    """django-q2 stores dotted paths (Schedule.func, queued tasks): a module
    moved without its path being updated would fail only in production."""
    from django.utils.module_loading import import_string

    from messaging.schedules import SCHEDULES

    for options in SCHEDULES.values():
        assert callable(import_string(options["func"])), options["func"]
    assert callable(import_string("messaging.tasks.send_message"))


def test_installing_again_updates_a_stored_path_that_moved(db):
    """A task whose dotted path changed in a release: ``install_schedules``
    (run at every upgrade, docs/deployment.md) rewrites the stored row."""
    install_schedules()
    Schedule.objects.filter(name="Privacy sweep").update(
        func="booking.tasks.privacy_sweep"
    )

    install_schedules()

    assert Schedule.objects.get(name="Privacy sweep").func == (
        "messaging.tasks.privacy_sweep"
    )
