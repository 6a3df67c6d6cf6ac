"""Local days in the commune's time zone (Europe/Brussels): one place for the
zone and for a day's bounds, which are 23 or 25 hours long on the days the
clocks change."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone


def local_tz() -> ZoneInfo:
    """The commune's time zone (settings.TIME_ZONE)."""
    return ZoneInfo(timezone.get_default_timezone_name())


def local_midnight(day: date, tz: ZoneInfo | None = None) -> datetime:
    """The instant local ``day`` begins."""
    return datetime.combine(day, time.min, tzinfo=tz or local_tz())


def day_bounds(day: date, tz: ZoneInfo | None = None) -> tuple[datetime, datetime]:
    """Local ``day`` as ``[start, end)``: from its midnight to the next one."""
    tz = tz or local_tz()
    return local_midnight(day, tz), local_midnight(day + timedelta(days=1), tz)


def local_day(moment: datetime, tz: ZoneInfo | None = None) -> date:
    """The local day holding ``moment``."""
    return moment.astimezone(tz or local_tz()).date()


def last_local_day(end: datetime, tz: ZoneInfo | None = None) -> date:
    """The local day holding the last instant before ``end``."""
    return local_day(end - timedelta(microseconds=1), tz)
