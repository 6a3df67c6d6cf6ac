"""Several people in one visit (issue 25, point 3): a reason lets a citizen
say how many people come, each extra person adds time; the slot search, the
bookings, moves and reassignments ask for that much free time."""

from datetime import date, time, timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from booking.ics import appointment_ics
from booking.models import (
    MAX_MINUTES_PER_EXTRA_PERSON,
    MAX_PEOPLE_PER_VISIT,
    Appointment,
    VisitReason,
)
from booking.services import (
    BookingError,
    SlotTaken,
    appointment_book,
    appointment_move,
    reassignable_agents,
)
from booking.slots import (
    SearchCriteria,
    available_agent_ids,
    first_free_slots,
    known_taken,
    search_slots,
)
from tests.factories import (
    AppointmentFactory,
    CitizenFactory,
    ServiceFactory,
    VisitReasonFactory,
    local,
    open_agent,
)
from tests.i18n import translated_plural

pytestmark = pytest.mark.django_db

MONDAY, TUESDAY = date(2027, 1, 4), date(2027, 1, 5)
MAX_EXTRA = MAX_MINUTES_PER_EXTRA_PERSON
NOW = local(MONDAY, 9)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.fixture
def service():
    return ServiceFactory(slot_minutes=15, min_notice_hours=0, max_horizon_days=60)


@pytest.fixture
def reason(service):
    """20 minutes for one person, 10 more for each other one, five at most."""
    return VisitReasonFactory(
        service=service,
        duration_minutes=20,
        max_people=5,
        minutes_per_extra_person=10,
    )


@pytest.fixture
def agent(service):
    """Open on Tuesday 9:00 to 12:00, busy 10:00 to 10:15."""
    agent = open_agent(service, weekdays=[1], start=time(9), end=time(12))
    AppointmentFactory(
        service=service,
        agent=agent,
        start=local(TUESDAY, 10),
        end=local(TUESDAY, 10, 15),
    )
    return agent


def tuesday(service, reason, **criteria) -> list[tuple[str, str]]:
    """Tuesday's slots as (start, end), local "HH:MM"."""
    found = search_slots(
        service,
        reason,
        start=local(TUESDAY, 0),
        end=local(TUESDAY + timedelta(days=1), 0),
        criteria=SearchCriteria(**criteria),
    )
    tz = local(TUESDAY, 0).tzinfo
    return [
        (f"{slot.start.astimezone(tz):%H:%M}", f"{slot.end.astimezone(tz):%H:%M}")
        for slot in found
    ]


def book(service, reason, hour, minute=0, **kwargs):
    return appointment_book(
        service=service,
        reason=reason,
        start=local(TUESDAY, hour, minute),
        citizen=CitizenFactory(),
        now=NOW,
        **kwargs,
    )


# --- The reason and the appointment ------------------------------------------------


def test_the_duration_grows_by_the_time_per_extra_person(reason):
    assert reason.duration == timedelta(minutes=20)
    assert reason.duration_for(1) == reason.duration
    assert reason.duration_for(3) == timedelta(minutes=40)
    assert reason.duration_for(5) == timedelta(minutes=60)
    assert reason.offers_people_choice
    assert [reason.allows_people(n) for n in (0, 1, 5, 6)] == [
        False,
        True,
        True,
        False,
    ]


def test_a_reason_offers_no_choice_by_default(service):
    reason = VisitReasonFactory(service=service)
    assert (reason.max_people, reason.minutes_per_extra_person) == (1, 0)
    assert not reason.offers_people_choice
    assert reason.duration_for(3) == reason.duration


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"max_people": 0}, "max_people"),
        ({"max_people": MAX_PEOPLE_PER_VISIT + 1}, "max_people"),
        (
            {"max_people": 2, "minutes_per_extra_person": MAX_EXTRA + 1},
            "minutes_per_extra_person",
        ),
        # Time per extra person where nobody extra may come: a mistake.
        ({"max_people": 1, "minutes_per_extra_person": 10}, "minutes_per_extra_person"),
    ],
)
def test_the_reason_s_people_settings_are_validated(service, fields, field):
    reason = VisitReason(service=service, name="eID", **fields)
    with pytest.raises(ValidationError) as error:
        reason.full_clean()
    assert field in error.value.message_dict


def test_an_appointment_is_for_one_person_at_least(reason, agent):
    appointment = AppointmentFactory(service=reason.service, reason=reason)
    assert appointment.people == 1
    appointment.people = 0
    with pytest.raises(ValidationError) as error:
        appointment.full_clean()
    assert "people" in error.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        Appointment.objects.filter(pk=appointment.pk).update(people=0)


# --- The slot search ---------------------------------------------------------------


def test_a_visit_of_three_needs_a_longer_free_time(settings, service, reason, agent):
    settings.SLOT_CACHE_SECONDS = 0
    one = tuesday(service, reason)
    three = tuesday(service, reason, people=3)
    assert [start for start, _end in one] == [
        "09:00", "09:15", "09:30",
        "10:15", "10:30", "10:45", "11:00", "11:15", "11:30",
    ]  # fmt: skip
    # 40 minutes: not at 9:30 (the 10:00 appointment), nor at 11:30 (closing).
    assert three == [
        ("09:00", "09:40"), ("09:15", "09:55"),
        ("10:15", "10:55"), ("10:30", "11:10"), ("10:45", "11:25"),
        ("11:00", "11:40"), ("11:15", "11:55"),
    ]  # fmt: skip
    assert available_agent_ids(service, reason, local(TUESDAY, 9, 30)) == [agent.pk]
    assert available_agent_ids(service, reason, local(TUESDAY, 9, 30), people=3) == []


def test_cached_and_computed_searches_agree_for_each_number_of_people(
    settings, service, reason, agent
):
    searches = [
        lambda: tuesday(service, reason),
        lambda: tuesday(service, reason, people=3),
        lambda: tuesday(service, reason, people=5),
        lambda: first_free_slots(service, reason, SearchCriteria(people=3), n=5),
        lambda: first_free_slots(service, reason, SearchCriteria(people=2), n=5),
    ]
    settings.SLOT_CACHE_SECONDS = 0
    computed = [search() for search in searches]
    settings.SLOT_CACHE_SECONDS = 600
    cache.clear()
    try:
        # Kept on the way, in any order: one number of people never answers
        # for another (their visits differ in length).
        assert [search() for search in reversed(searches)] == computed[::-1]
        assert [search() for search in searches] == computed
        assert computed[0] != computed[1] != computed[2]
        # The booking's quick refusal reads the kept search of its number.
        assert not known_taken(service, reason, local(TUESDAY, 9, 30), agent_id=None)
        assert known_taken(
            service, reason, local(TUESDAY, 9, 30), agent_id=None, people=3
        )
    finally:
        cache.clear()


# --- Booking, moving, reassigning ---------------------------------------------------


def test_a_booking_for_three_lasts_their_visit(service, reason, agent):
    appointment = book(service, reason, 9, people=3)
    assert appointment.people == 3
    assert appointment.end - appointment.start == timedelta(minutes=40)
    # Nobody else fits before the 10:00 appointment.
    assert tuesday(service, reason)[0] == ("10:15", "10:35")
    with pytest.raises(SlotTaken):
        book(service, reason, 9, 30)


def test_a_booking_for_three_is_refused_where_only_one_fits(service, reason, agent):
    with pytest.raises(SlotTaken):
        book(service, reason, 9, 30, people=3)
    assert book(service, reason, 9, 30).end == local(TUESDAY, 9, 50)


def test_a_booking_for_more_than_the_maximum_is_refused(service, reason, agent):
    with pytest.raises(BookingError) as error:
        book(service, reason, 9, people=6)
    assert str(error.value.message) == translated_plural(
        "This visit reason is for one person at a time.",
        "This visit reason is for %(count)s people at most.",
        5,
        {"count": 5},
    )
    single = VisitReasonFactory(service=service)
    with pytest.raises(BookingError) as error:
        book(service, single, 9, people=2)
    assert str(error.value.message) == translated_plural(
        "This visit reason is for one person at a time.",
        "This visit reason is for %(count)s people at most.",
        1,
        {"count": 1},
    )
    with pytest.raises(BookingError):
        book(service, reason, 9, people=0)
    assert not Appointment.objects.filter(people__gt=1).exists()


def test_a_move_keeps_the_number_of_people_and_the_length(service, reason, agent):
    appointment = book(service, reason, 9, people=3)
    with pytest.raises(SlotTaken):  # 9:30 to 10:10 meets the 10:00 one
        appointment_move(appointment=appointment, start=local(TUESDAY, 9, 30))
    moved = appointment_move(appointment=appointment, start=local(TUESDAY, 10, 30))
    assert moved.people == 3
    assert (moved.start, moved.end) == (local(TUESDAY, 10, 30), local(TUESDAY, 11, 10))


def test_a_reassignment_needs_a_colleague_free_for_the_whole_family(
    service, reason, agent
):
    # Free 9:00 to 9:30: enough for one person, not for three.
    colleague = open_agent(service, weekdays=[1], start=time(9), end=time(9, 30))
    alone = book(service, reason, 9, agent=agent, channel=Appointment.Channel.PHONE)
    assert reassignable_agents(alone) == [colleague]
    alone.status = Appointment.Status.CANCELLED
    alone.save()
    family = book(
        service, reason, 9, agent=agent, people=3, channel=Appointment.Channel.PHONE
    )
    assert reassignable_agents(family) == []


def test_the_calendar_file_says_how_many_come(service, reason, agent):
    family = book(service, reason, 9, people=3)
    alone = book(service, reason, 10, 15)
    assert "Number of people: 3" in appointment_ics(family, language="en")
    assert "Number of people" not in appointment_ics(alone, language="en")
