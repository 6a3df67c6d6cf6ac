"""The one calendar loader (issue 16, point 1)."""

import ast
import re
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from booking.models import MAX_BUFFER_MINUTES
from core.localtime import local_midnight, local_tz
from staffing import availability
from staffing.availability import Interval, WeeklyRange
from staffing.calendars import EditedWeek, load_openings, service_openings
from staffing.models import AvailabilityException, TypicalWeek
from tests.factories import (
    AvailabilityExceptionFactory,
    ClosureFactory,
    ServiceFactory,
    VisitReasonFactory,
    open_agent,
)

ROOT = Path(__file__).resolve().parents[2]
APPS = ("core", "staffing", "booking", "messaging", "reports", "audit")

# Who may touch the rows of typical-week ranges: the loader (every read for
# openings), the model, the services that write them (and their history), the
# model admin's inline and the spreadsheet import/export of the rows.
ALLOWED = {
    "staffing/calendars.py",
    "staffing/models.py",
    "staffing/services.py",
    "staffing/admin.py",
    "staffing/resources.py",
}
READS = re.compile(
    r"TypicalWeekRange\.objects|\.ranges\.(all|filter|values|values_list|aggregate)\("
    r"|typical_week__(valid_from|valid_until|agent|service|repeat_every)"
)


def _sources():
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            relative = path.relative_to(ROOT).as_posix()
            if "/migrations/" in relative or relative in ALLOWED:
                continue
            yield relative, path.read_text(encoding="utf-8")


def _code(text: str) -> str:
    """The module's code without comments and docstrings (strings count:
    lookups are strings)."""
    tree = ast.parse(text)
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (
            isinstance(body, list)
            and body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)
        ):
            body[0] = ast.Pass()
    return ast.unparse(tree)


def test_no_module_outside_the_loader_reads_typical_week_ranges():
    readers = [relative for relative, text in _sources() if READS.search(_code(text))]
    assert readers == [], (
        "Read typical-week ranges through staffing.calendars, not in: "
        + ", ".join(readers)
    )


def test_the_slot_search_looks_back_as_far_as_the_longest_buffer():
    text = (ROOT / "booking/slots.py").read_text(encoding="utf-8")
    assert "timedelta(hours=4)" not in text
    assert "timedelta(minutes=MAX_BUFFER_MINUTES)" in text


@pytest.mark.django_db
def test_a_buffer_longer_than_the_maximum_is_refused():
    reason = VisitReasonFactory(buffer_minutes=MAX_BUFFER_MINUTES)
    reason.full_clean()
    reason.buffer_minutes = MAX_BUFFER_MINUTES + 1
    with pytest.raises(ValidationError) as raised:
        reason.full_clean()
    assert "buffer_minutes" in raised.value.message_dict


MONDAY = date(2026, 3, 2)


def _at(day_offset: int, hour: int) -> datetime:
    return local_midnight(MONDAY + timedelta(day_offset)) + timedelta(hours=hour)


@pytest.mark.django_db
def test_the_loader_applies_service_and_general_exceptions_and_closures():
    service, other = ServiceFactory(), ServiceFactory()
    agent = open_agent(service, weekdays=(0, 1, 2, 3))
    open_agent(other, agent)
    window = Interval(local_midnight(MONDAY), local_midnight(MONDAY + timedelta(7)))
    # an extra opening for every service, one for the other service only
    AvailabilityExceptionFactory(
        agent=agent,
        kind=AvailabilityException.Kind.EXTRA_OPENING,
        start=_at(1, 18),
        end=_at(1, 19),
    )
    AvailabilityExceptionFactory(
        agent=agent,
        service=other,
        kind=AvailabilityException.Kind.EXTRA_OPENING,
        start=_at(1, 19),
        end=_at(1, 20),
    )
    ClosureFactory(
        label="Fair", start_date=MONDAY + timedelta(2), end_date=MONDAY + timedelta(3)
    )
    openings = load_openings([(agent.pk, service.pk)], window)
    calendar = openings.calendar(agent.pk, service.pk)
    assert calendar.extra_openings == (Interval(_at(1, 18), _at(1, 19)),)
    assert len(calendar.typical_weeks) == 1
    assert openings.closed_days[service.pk] == {
        MONDAY + timedelta(2): "Fair",
        MONDAY + timedelta(3): "Fair",
    }
    # consecutive closed days are one interval
    assert openings.closures(service.pk) == [Interval(_at(2, 0), _at(4, 0))]
    free = availability.free_intervals(
        calendar, window, local_tz(), openings.closures(service.pk)
    )
    assert free == [
        Interval(_at(0, 9), _at(0, 12)),
        Interval(_at(1, 9), _at(1, 12)),
        Interval(_at(1, 18), _at(1, 19)),
    ]


@pytest.mark.django_db
def test_the_edited_week_replaces_the_stored_one(django_assert_num_queries):
    service = ServiceFactory()
    agent = open_agent(service, weekdays=(0,))
    stored = TypicalWeek.objects.get(agent=agent)
    window = Interval(local_midnight(MONDAY), local_midnight(MONDAY + timedelta(1)))
    edited = availability.TypicalWeek(
        valid_from=MONDAY,
        valid_until=None,
        repeat_every=1,
        ranges=(WeeklyRange(0, time(7), time(8)),),
    )
    with django_assert_num_queries(4):
        calendars, closures, _closed = service_openings(
            service.pk,
            window,
            edited=EditedWeek(agent.pk, service.pk, stored.pk, edited),
        )
    free = availability.free_intervals(calendars[0], window, local_tz(), closures)
    assert free == [Interval(_at(0, 7), _at(0, 8))]
