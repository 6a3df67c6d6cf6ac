"""Opening ranges as people in Belgium write them (issue 21, point 5): the
availability editor and the typical weeks' import read "8h30-12" too."""

from datetime import time

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from staffing.admin_views import TypicalWeekForm
from staffing.resources import parse_time_range, parse_week_columns


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("08:30-12:00", time(8, 30), time(12)),
        ("8h30-12", time(8, 30), time(12)),
        ("8h30-12h", time(8, 30), time(12)),
        ("8H30 - 12H00", time(8, 30), time(12)),
        ("8.30–12.15", time(8, 30), time(12, 15)),
        ("13-16", time(13), time(16)),
        ("13h-16h30", time(13), time(16, 30)),
        ("8h30 à 12h", time(8, 30), time(12)),
        ("8u30 tot 12u", time(8, 30), time(12)),
        ("8:30 tot 12:00", time(8, 30), time(12)),
        ("9 bis 12", time(9), time(12)),
    ],
)
def test_a_range_reads_as_written(text, start, end):
    assert parse_time_range(text) == (start, end)


@pytest.mark.parametrize("text", ["8h30", "8:3-12", "huit-midi", "8h30-", "-12"])
def test_what_is_no_range_is_refused(text):
    assert parse_time_range(text) is None


def test_a_time_that_does_not_exist_is_an_error():
    with pytest.raises(ValueError):
        parse_time_range("8h-25h")


def test_the_import_reads_belgian_ranges_and_says_which_day_is_wrong():
    ranges = parse_week_columns({"monday": "8h30-12, 13h-16h", "friday": "8-12"})
    assert ranges == [
        (0, time(8, 30), time(12)),
        (0, time(13), time(16)),
        (4, time(8), time(12)),
    ]
    with pytest.raises(ValidationError) as error:
        parse_week_columns({"tuesday": "12h-8h30", "wednesday": "8h-25h"})
    assert set(error.value.message_dict) == {"tuesday", "wednesday"}


def test_the_editor_accepts_8h30_12(db):
    form = TypicalWeekForm(
        data={
            "valid_from": "2030-03-04",
            "repeat_every": 1,
            "monday": "8h30-12",
            "thursday": "8h30-12, 13h-16h",
        }
    )
    assert form.is_valid(), form.errors
    assert form.ranges == [
        (0, time(8, 30), time(12)),
        (3, time(8, 30), time(12)),
        (3, time(13), time(16)),
    ]


def test_a_closed_day_says_closed_rather_than_showing_hours():
    with translation.override("en"):
        form = TypicalWeekForm()
        html = str(form["sunday"])
    assert 'placeholder="Closed"' in html
    assert "08:30" not in html
