"""Slot search over the database (issue 3): exact, team-aware, constant queries."""

from datetime import UTC, date, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from booking.models import Appointment
from booking.slots import SearchCriteria, first_free_slots, search_slots
from staffing.models import AvailabilityException, Closure
from tests.factories import (
    AppointmentFactory,
    AvailabilityExceptionFactory,
    ServiceFactory,
    VisitReasonFactory,
    local,
    open_agent,
)

pytestmark = pytest.mark.django_db

MONDAY, TUESDAY, SATURDAY = 0, 1, 5


def day_slots(service, reason, day):
    return search_slots(
        service, reason, start=local(day, 0), end=local(day + timedelta(days=1), 0)
    )


@pytest.fixture
def service():
    return ServiceFactory(slot_minutes=15, min_notice_hours=0)


@pytest.fixture
def reason(service):
    return VisitReasonFactory(service=service, duration_minutes=15)


@pytest.mark.parametrize(
    ("monday", "utc_hour"), [(date(2026, 3, 30), 6), (date(2026, 10, 26), 7)]
)
def test_first_slot_is_at_eight_local_after_each_time_change(
    service, reason, monday, utc_hour
):
    open_agent(service, weekdays=[MONDAY], start=time(8), end=time(12))
    slots = day_slots(service, reason, monday)
    assert slots[0].start == local(monday, 8)
    assert slots[0].start.astimezone(UTC).hour == utc_hour
    assert slots[-1].end == local(monday, 12)
    assert len(slots) == 16


@pytest.mark.parametrize(
    "holiday", [date(2026, 12, 25), date(2027, 1, 1), date(2027, 3, 29)]
)
def test_no_slot_on_a_belgian_public_holiday(service, reason, holiday):
    open_agent(service, weekdays=range(7), start=time(8), end=time(12))
    assert day_slots(service, reason, holiday) == []
    assert day_slots(service, reason, holiday + timedelta(days=1)) != []


def test_commune_and_service_closures_close_the_agenda(service, reason):
    open_agent(service, weekdays=range(7), start=time(8), end=time(12))
    Closure.objects.create(
        label="Fête locale", start_date=date(2027, 2, 1), end_date=date(2027, 2, 1)
    )
    Closure.objects.create(
        label="Inventaire",
        service=service,
        start_date=date(2027, 2, 3),
        end_date=date(2027, 2, 4),
    )
    other = ServiceFactory(min_notice_hours=0)
    Closure.objects.create(
        label="Autre",
        service=other,
        start_date=date(2027, 2, 2),
        end_date=date(2027, 2, 2),
    )
    days_with_slots = {
        slot.start.astimezone(local(date(2027, 2, 1), 0).tzinfo).date()
        for slot in search_slots(
            service,
            reason,
            start=local(date(2027, 2, 1), 0),
            end=local(date(2027, 2, 6), 0),
        )
    }
    assert days_with_slots == {date(2027, 2, 2), date(2027, 2, 5)}


def test_team_capacity_falls_with_each_booking(service, reason):
    tuesday = date(2027, 1, 5)
    agents = [
        open_agent(service, weekdays=[TUESDAY], start=time(13), end=time(16))
        for _ in range(3)
    ]

    def capacity_at_one():
        slots = {slot.start: slot for slot in day_slots(service, reason, tuesday)}
        slot = slots.get(local(tuesday, 13))
        return slot.capacity if slot else 0

    assert capacity_at_one() == 3
    for agent in agents[:2]:
        AppointmentFactory(
            service=service,
            agent=agent,
            reason=reason,
            start=local(tuesday, 13),
            end=local(tuesday, 13, 15),
        )
    assert capacity_at_one() == 1
    AppointmentFactory(
        service=service,
        agent=agents[2],
        reason=reason,
        start=local(tuesday, 13),
        end=local(tuesday, 13, 15),
        status=Appointment.Status.PENDING,  # pending requests hold the time too
    )
    assert capacity_at_one() == 0
    assert local(tuesday, 13, 15) in {
        slot.start for slot in day_slots(service, reason, tuesday)
    }


def test_a_booking_in_one_service_removes_the_agent_from_another(service, reason):
    tuesday = date(2027, 1, 5)
    other_service = ServiceFactory(slot_minutes=15, min_notice_hours=0)
    shared = open_agent(service, weekdays=[TUESDAY], start=time(13), end=time(16))
    open_agent(
        other_service, agent=shared, weekdays=[TUESDAY], start=time(13), end=time(16)
    )
    colleague = open_agent(service, weekdays=[TUESDAY], start=time(13), end=time(16))
    AppointmentFactory(
        service=other_service,
        agent=shared,
        start=local(tuesday, 13),
        end=local(tuesday, 13, 30),
    )
    slots = {slot.start: slot for slot in day_slots(service, reason, tuesday)}
    assert slots[local(tuesday, 13)].agent_ids == (colleague.pk,)
    assert slots[local(tuesday, 13, 30)].agent_ids == tuple(
        sorted([shared.pk, colleague.pk])
    )


def test_cancelled_appointments_free_the_time(service, reason):
    tuesday = date(2027, 1, 5)
    agent = open_agent(service, weekdays=[TUESDAY], start=time(13), end=time(14))
    AppointmentFactory(
        service=service,
        agent=agent,
        reason=reason,
        start=local(tuesday, 13),
        end=local(tuesday, 14),
        status=Appointment.Status.CANCELLED,
    )
    assert len(day_slots(service, reason, tuesday)) == 4


def test_reason_buffer_keeps_time_after_each_appointment(service):
    tuesday = date(2027, 1, 5)
    agent = open_agent(service, weekdays=[TUESDAY], start=time(13), end=time(14))
    with_buffer = VisitReasonFactory(
        service=service, duration_minutes=15, buffer_minutes=10
    )
    AppointmentFactory(
        service=service,
        agent=agent,
        reason=with_buffer,
        start=local(tuesday, 13),
        end=local(tuesday, 13, 15),
    )
    starts = [slot.start for slot in day_slots(service, with_buffer, tuesday)]
    # 13:15 falls in the buffer of the 13:00 visit; 13:30 is free, and so on.
    assert starts == [local(tuesday, 13, 30), local(tuesday, 13, 45)]


def test_extra_opening_adds_slots_outside_the_typical_week(service, reason):
    saturday = date(2027, 1, 9)
    agent = open_agent(service, weekdays=[MONDAY], start=time(8), end=time(12))
    assert day_slots(service, reason, saturday) == []
    AvailabilityExceptionFactory(
        agent=agent,
        service=service,
        kind=AvailabilityException.Kind.EXTRA_OPENING,
        start=local(saturday, 9),
        end=local(saturday, 11),
    )
    slots = day_slots(service, reason, saturday)
    assert [slots[0].start, slots[-1].end, len(slots)] == [
        local(saturday, 9),
        local(saturday, 11),
        8,
    ]


def test_unavailability_removes_slots_in_every_service(service, reason):
    monday = date(2027, 1, 4)
    agent = open_agent(service, weekdays=[MONDAY], start=time(8), end=time(12))
    AvailabilityExceptionFactory(
        agent=agent, start=local(monday, 8), end=local(monday, 10)
    )
    slots = day_slots(service, reason, monday)
    assert slots[0].start == local(monday, 10)


def test_criteria_filter_weekdays_parts_and_agent(service, reason):
    first = open_agent(service, weekdays=[MONDAY, TUESDAY], start=time(8), end=time(19))
    open_agent(service, weekdays=[MONDAY], start=time(8), end=time(19))
    start, end = local(date(2027, 1, 4), 0), local(date(2027, 1, 6), 0)
    afternoons = search_slots(
        service,
        reason,
        start=start,
        end=end,
        criteria=SearchCriteria(weekdays={TUESDAY}, parts={"afternoon"}),
    )
    assert {slot.start.astimezone(start.tzinfo).hour for slot in afternoons} == set(
        range(12, 17)
    )
    assert {slot.start.astimezone(start.tzinfo).weekday() for slot in afternoons} == {
        TUESDAY
    }
    mine = search_slots(
        service,
        reason,
        start=start,
        end=end,
        criteria=SearchCriteria(agent_id=first.pk),
    )
    assert {slot.agent_ids for slot in mine} == {(first.pk,)}


def test_first_free_slots_respects_notice_horizon_and_pages(service, reason):
    open_agent(service, weekdays=range(5), start=time(8), end=time(12))
    service.min_notice_hours = 24
    service.max_horizon_days = 30
    now = local(date(2027, 1, 4), 9)  # a Monday
    first = first_free_slots(service, reason, n=5, now=now)
    assert first[0].start == local(date(2027, 1, 5), 9, 0)
    assert len(first) == 5
    more = first_free_slots(service, reason, n=5, now=now, after=first[-1].start)
    assert more[0].start == first[-1].start + timedelta(minutes=15)
    beyond = first_free_slots(
        service, reason, SearchCriteria(from_date=date(2027, 3, 1)), n=5, now=now
    )
    assert beyond == []


def test_first_free_slot_five_months_away_is_found(service, reason):
    now = local(date(2027, 1, 4), 9)
    agent = open_agent(service, weekdays=[MONDAY], start=time(8), end=time(12))
    service.max_horizon_days = 183
    AvailabilityExceptionFactory(
        agent=agent, start=local(date(2027, 1, 4), 0), end=local(date(2027, 6, 1), 0)
    )
    slots = first_free_slots(service, reason, n=3, now=now)
    assert slots[0].start == local(date(2027, 6, 7), 8)


def build_service(agent_count: int):
    """A service with ``agent_count`` agents open on weekdays, each with an
    exception and an appointment, so that every table has rows to read."""
    service = ServiceFactory(slot_minutes=15, min_notice_hours=0)
    reason = VisitReasonFactory(service=service)
    start_day = date(2027, 1, 4)
    for _ in range(agent_count):
        agent = open_agent(service, weekdays=range(5), start=time(8), end=time(16))
        AvailabilityExceptionFactory(
            agent=agent, start=local(start_day, 8), end=local(start_day, 9)
        )
        AppointmentFactory(
            service=service,
            agent=agent,
            reason=reason,
            start=local(start_day, 10),
            end=local(start_day, 10, 15),
        )
    return service, reason


def count_search_queries(service, reason, weeks: int) -> int:
    start = local(date(2027, 1, 4), 0)
    with CaptureQueriesContext(connection) as queries:
        slots = search_slots(
            service, reason, start=start, end=start + timedelta(weeks=weeks)
        )
    assert slots
    return len(queries)


def test_query_count_does_not_grow_with_agents_or_days(django_assert_max_num_queries):
    small = count_search_queries(*build_service(agent_count=1), weeks=1)
    service, reason = build_service(agent_count=20)
    large = count_search_queries(service, reason, weeks=8)
    assert small == large
    start = local(date(2027, 1, 4), 0)
    with django_assert_max_num_queries(6):
        search_slots(service, reason, start=start, end=start + timedelta(weeks=8))
