"""booking/services.py: the only writer of appointments (issues 3, 4, 6)."""

import threading
from datetime import date, time, timedelta

import pytest
import time_machine
from django.db import connection

from booking import events
from booking.models import Appointment
from booking.services import (
    BookingError,
    SlotTaken,
    appointment_book,
    appointment_cancel,
    appointment_confirm,
    appointment_move,
    appointment_reassign,
    appointment_refuse,
    reassignable_agents,
)
from tests.factories import (
    AppointmentFactory,
    CitizenFactory,
    MembershipFactory,
    ServiceFactory,
    TypicalWeekFactory,
    TypicalWeekRangeFactory,
    VisitReasonFactory,
    local,
)
from tests.i18n import translated

TUESDAY = date(2027, 1, 5)
NOW = local(date(2027, 1, 4), 9)


@pytest.fixture(autouse=True)
def clock():
    """The day before TUESDAY, ticking: what the services read agrees with NOW."""
    with time_machine.travel(NOW, tick=True) as traveller:
        yield traveller


def open_agent(service, agent=None):
    membership = MembershipFactory(
        service=service, **({"agent": agent} if agent else {})
    )
    week = TypicalWeekFactory(agent=membership.agent, service=service)
    TypicalWeekRangeFactory(typical_week=week, weekday=1, start=time(13), end=time(16))
    return membership.agent


@pytest.fixture
def service(db):
    return ServiceFactory(slot_minutes=15, min_notice_hours=2)


@pytest.fixture
def reason(service):
    return VisitReasonFactory(service=service, duration_minutes=15)


@pytest.fixture
def received():
    """Domain signals sent, as (signal name, kwargs)."""
    log = []
    handlers = {}
    for name in ("booked", "confirmed", "refused", "cancelled", "moved", "reassigned"):
        signal = getattr(events, f"appointment_{name}")

        def handler(sender, _name=name, **kwargs):
            log.append((_name, kwargs))

        handlers[signal] = handler
        signal.connect(handler)
    yield log
    for signal, handler in handlers.items():
        signal.disconnect(handler)


def book(service, reason, start=None, **kwargs):
    return appointment_book(
        service=service,
        reason=reason,
        start=start or local(TUESDAY, 13),
        citizen=kwargs.pop("citizen", None) or CitizenFactory(),
        now=NOW,
        **kwargs,
    )


def test_team_booking_goes_to_the_least_loaded_agent(
    service, reason, received, django_capture_on_commit_callbacks
):
    busy, idle = open_agent(service), open_agent(service)
    AppointmentFactory(
        service=service,
        agent=busy,
        reason=reason,
        start=local(TUESDAY, 15),
        end=local(TUESDAY, 15, 15),
    )
    with django_capture_on_commit_callbacks(execute=True):
        appointment = book(service, reason)
    assert appointment.agent == idle
    assert appointment.booked_for_service
    assert appointment.status == Appointment.Status.CONFIRMED
    assert [name for name, _kwargs in received] == ["booked"]
    assert appointment.history.first().history_change_reason == "booked"


def test_booking_a_taken_slot_raises_slot_taken_and_writes_nothing(service, reason):
    open_agent(service)
    book(service, reason)
    with pytest.raises(SlotTaken):
        book(service, reason)
    assert Appointment.objects.count() == 1


def test_online_rules_refuse_short_notice_and_off_grid_times(service, reason):
    open_agent(service)
    with pytest.raises(BookingError) as too_soon:
        book(service, reason, start=NOW + timedelta(minutes=30))
    assert str(too_soon.value) == translated(
        "This time is too close: book at least %(hours)s hours ahead.", {"hours": 2}
    )
    with pytest.raises(BookingError) as off_grid:
        book(service, reason, start=local(TUESDAY, 13, 5))
    assert str(off_grid.value) == translated(
        "Appointments start at fixed times: choose a proposed slot."
    )
    # Staff on the phone may place it off-grid where the agent is free.
    assert book(service, reason, start=local(TUESDAY, 13, 5), channel="phone")


def test_reason_needing_confirmation_creates_a_pending_request(service, received):
    open_agent(service)
    reason = VisitReasonFactory(service=service, needs_confirmation=True)
    appointment = book(service, reason)
    assert appointment.status == Appointment.Status.PENDING
    with pytest.raises(BookingError):
        appointment_refuse(appointment=appointment, actor=None, reason="  ")
    appointment_confirm(appointment=appointment, actor=None)
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CONFIRMED


def test_citizen_limit_per_service(service, reason, settings):
    settings.MAX_ACTIVE_APPOINTMENTS_PER_CITIZEN = 1
    open_agent(service)
    citizen = CitizenFactory()
    book(service, reason, citizen=citizen)
    with pytest.raises(BookingError) as refusal:
        book(service, reason, start=local(TUESDAY, 14), citizen=citizen)
    assert str(refusal.value) == translated(
        "You cannot book more upcoming appointments with this service online: "
        "please call the service."
    )


def test_cancel_is_soft_and_frees_the_slot(service, reason):
    open_agent(service)
    appointment = book(service, reason)
    appointment_cancel(appointment=appointment, by_citizen=True, now=NOW, reason="")
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CANCELLED
    assert book(service, reason).pk != appointment.pk


def test_move_keeps_the_agent_free_check(service, reason):
    agent = open_agent(service)
    first = book(service, reason)
    second = book(service, reason, start=local(TUESDAY, 14))
    with pytest.raises(SlotTaken):
        appointment_move(appointment=second, start=first.start)
    moved = appointment_move(appointment=second, start=local(TUESDAY, 15))
    assert (moved.start, moved.agent) == (local(TUESDAY, 15), agent)


def test_reassign_only_to_a_free_agent_of_the_service(service, reason):
    first, second, third = (open_agent(service) for _ in range(3))
    appointment = book(service, reason)  # all free: goes to the lowest id
    assert appointment.agent == first
    AppointmentFactory(
        service=service,
        agent=third,
        reason=reason,
        start=appointment.start,
        end=appointment.end,
    )
    assert reassignable_agents(appointment) == [second]
    with pytest.raises(BookingError) as busy:
        appointment_reassign(appointment=appointment, agent=third, actor=None)
    assert str(busy.value) == translated(
        "%(agent)s is not available at that time.", {"agent": third}
    )
    appointment_reassign(appointment=appointment, agent=second, actor=None)
    appointment.refresh_from_db()
    assert appointment.agent == second


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs real concurrency")
@pytest.mark.django_db(transaction=True)
def test_twenty_simultaneous_bookings_of_capacity_three_create_three(service, reason):
    for _ in range(3):
        open_agent(service)
    citizens = [CitizenFactory() for _ in range(20)]
    barrier = threading.Barrier(20)
    outcomes = []

    def attempt(citizen):
        try:
            barrier.wait()
            book(service, reason, citizen=citizen)
            outcomes.append("booked")
        except SlotTaken:
            outcomes.append("taken")
        finally:
            connection.close()  # each thread had its own connection

    threads = [threading.Thread(target=attempt, args=(c,)) for c in citizens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes).count("booked") == 3
    assert outcomes.count("taken") == 17
    assert Appointment.objects.filter(start=local(TUESDAY, 13)).count() == 3
