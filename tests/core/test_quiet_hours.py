"""Quiet hours (core/quiet_hours.py): local hours without SMS to citizens,
across midnight or within a day, on summer and winter time days."""

from datetime import date

import pytest
from django.core.exceptions import ImproperlyConfigured

from core.quiet_hours import in_quiet_hours, quiet_hours_end
from tests.factories import local

WINTER, SUMMER = date(2030, 1, 7), date(2030, 7, 8)


@pytest.mark.parametrize("day", [WINTER, SUMMER])
def test_night_hours_across_midnight(settings, day):
    settings.QUIET_HOURS = "21:00-08:00"
    assert not in_quiet_hours(local(day, 20, 59))
    assert in_quiet_hours(local(day, 21))
    assert in_quiet_hours(local(day, 3))
    assert not in_quiet_hours(local(day, 8))
    assert quiet_hours_end(local(day, 22)) == local(
        date.fromordinal(day.toordinal() + 1), 8
    )
    assert quiet_hours_end(local(day, 6)) == local(day, 8)
    assert quiet_hours_end(local(day, 12)) == local(day, 12)


def test_hours_within_a_day(settings):
    settings.QUIET_HOURS = "12:00-14:00"
    assert in_quiet_hours(local(WINTER, 13))
    assert not in_quiet_hours(local(WINTER, 14))
    assert not in_quiet_hours(local(WINTER, 11, 59))


def test_none_and_a_wrong_setting(settings):
    settings.QUIET_HOURS = ""
    assert not in_quiet_hours(local(WINTER, 23))
    settings.QUIET_HOURS = "night"
    with pytest.raises(ImproperlyConfigured):
        in_quiet_hours(local(WINTER, 23))
