"""Quiet hours: the local hours at night when no SMS wakes a citizen up
(issue 25, point 2). ``settings.QUIET_HOURS`` says them as "21:00-08:00"
(empty: none); a range may cross midnight.

Read by booking's earlier-time offers (who may be offered a time at night) and
by messaging (an offer's SMS is not written at night: the e-mail goes alone),
hence its place in core, below both.
"""

from datetime import datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .localtime import local_tz


def quiet_hours() -> tuple[time, time] | None:
    """The (start, end) local times of the quiet hours, or None when unset."""
    text = (settings.QUIET_HOURS or "").strip()
    if not text:
        return None
    try:
        first, last = (time.fromisoformat(part.strip()) for part in text.split("-"))
    except ValueError as error:
        raise ImproperlyConfigured(
            f"QUIET_HOURS must read like 21:00-08:00, not {text!r}"
        ) from error
    return (first, last) if first != last else None


def in_quiet_hours(moment: datetime) -> bool:
    """Whether ``moment`` (aware) falls in the quiet hours, local time."""
    hours = quiet_hours()
    if hours is None:
        return False
    first, last = hours
    clock = moment.astimezone(local_tz()).time()
    if first < last:
        return first <= clock < last
    return clock >= first or clock < last  # across midnight


def quiet_hours_end(moment: datetime) -> datetime:
    """When the quiet hours holding ``moment`` end (``moment`` itself when
    it is not in them)."""
    if not in_quiet_hours(moment):
        return moment
    _first, last = quiet_hours()
    tz = local_tz()
    local = moment.astimezone(tz)
    end = datetime.combine(local.date(), last, tzinfo=tz)
    return end if end > local else end + timedelta(days=1)
