"""Issue 25, point 1: a time held while the citizen types the details."""

import threading
from datetime import date, time, timedelta

import pytest
import time_machine
from django.db import connection

from booking.models import Appointment, Hold
from booking.services import (
    HoldLimit,
    SlotTaken,
    appointment_book,
    appointment_move,
    hold_place,
    hold_release,
)
from booking.slots import SearchCriteria, available_agent_ids, search_slots
from tests.factories import (
    AppointmentFactory,
    CitizenFactory,
    ServiceFactory,
    VisitReasonFactory,
    local,
    open_agent,
)

TUESDAY = date(2027, 1, 5)
NOW = local(date(2027, 1, 4), 9)
ONE = local(TUESDAY, 13)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def service(db):
    return ServiceFactory(slot_minutes=15, min_notice_hours=2)


@pytest.fixture
def reason(service):
    return VisitReasonFactory(service=service, duration_minutes=15)


def hold(service, reason, key, start=ONE, **kwargs):
    return hold_place(service=service, reason=reason, start=start, key=key, **kwargs)


def capacity_at(service, reason, start=ONE):
    slots = search_slots(
        service, reason, start=local(TUESDAY, 0), end=local(TUESDAY, 23)
    )
    return {slot.start: slot.capacity for slot in slots}.get(start, 0)


def book(service, reason, start=ONE, **kwargs):
    return appointment_book(
        service=service,
        reason=reason,
        start=start,
        citizen=CitizenFactory(),
        now=NOW,
        **kwargs,
    )


def test_a_hold_counts_in_the_capacity_and_the_re_check(service, reason):
    first = open_agent(service, start=time(13), end=time(16))
    second = open_agent(service, start=time(13), end=time(16))
    assert capacity_at(service, reason) == 2

    held = hold(service, reason, "flow:a")
    assert held.agent_id in (first.pk, second.pk)
    assert held.expires_at == NOW + timedelta(minutes=10)
    assert capacity_at(service, reason) == 1
    other = second.pk if held.agent_id == first.pk else first.pk
    assert available_agent_ids(service, reason, ONE) == [other]
    # The holder's own hold does not keep the time from its holder.
    assert sorted(available_agent_ids(service, reason, ONE, own_hold="flow:a")) == [
        first.pk,
        second.pk,
    ]
    # Staff may take it.
    assert len(available_agent_ids(service, reason, ONE, count_holds=False)) == 2

    hold(service, reason, "flow:b")
    assert capacity_at(service, reason) == 0
    with pytest.raises(SlotTaken):
        hold(service, reason, "flow:c")
    # The time before stays free: a hold keeps only its own time (and buffer).
    assert capacity_at(service, reason, local(TUESDAY, 12, 45)) == 0  # not open
    assert capacity_at(service, reason, local(TUESDAY, 13, 15)) == 2


def test_one_hold_per_flow_and_it_goes_back_when_released(service, reason):
    open_agent(service, start=time(13), end=time(16))
    hold(service, reason, "flow:a")
    hold(service, reason, "flow:a", start=local(TUESDAY, 14))  # another time picked
    assert Hold.objects.count() == 1
    assert capacity_at(service, reason) == 1
    assert capacity_at(service, reason, local(TUESDAY, 14)) == 0

    hold_release(key="flow:a")
    assert capacity_at(service, reason, local(TUESDAY, 14)) == 1
    assert not Hold.objects.exists()


def test_an_expired_hold_frees_the_time_by_itself(service, reason, clock):
    open_agent(service, start=time(13), end=time(16))
    hold(service, reason, "flow:a", minutes=10)
    assert capacity_at(service, reason) == 0

    clock.shift(timedelta(minutes=9, seconds=59))
    assert capacity_at(service, reason) == 0
    clock.shift(timedelta(seconds=1))
    assert capacity_at(service, reason) == 1
    assert hold(service, reason, "flow:b").key == "flow:b"
    assert list(Hold.objects.values_list("key", flat=True)) == ["flow:b"]


def test_the_reasons_buffer_counts_around_a_hold(service):
    open_agent(service, start=time(13), end=time(16))
    buffered = VisitReasonFactory(
        service=service, duration_minutes=15, buffer_minutes=15
    )
    plain = VisitReasonFactory(service=service, duration_minutes=15)
    hold(service, buffered, "flow:a")
    # 13:00–13:15 held, plus its 15 minutes of buffer.
    assert capacity_at(service, plain, local(TUESDAY, 13, 15)) == 0
    assert capacity_at(service, plain, local(TUESDAY, 13, 30)) == 1


def test_a_citizens_booking_converts_its_hold_and_cannot_take_anothers(service, reason):
    first = open_agent(service, start=time(13), end=time(16))
    open_agent(service, start=time(13), end=time(16))
    mine = hold(service, reason, "flow:mine", agent_id=first.pk)
    hold(service, reason, "flow:theirs")

    with pytest.raises(SlotTaken):
        book(service, reason)  # someone without a hold: both agents kept

    appointment = book(service, reason, hold_key="flow:mine")
    assert appointment.agent_id == mine.agent_id == first.pk
    assert list(Hold.objects.values_list("key", flat=True)) == ["flow:theirs"]


def test_staff_may_take_a_held_time_and_the_holder_gets_the_next_ones(service, reason):
    open_agent(service, start=time(13), end=time(16))
    hold(service, reason, "flow:mine")

    by_phone = book(service, reason, channel=Appointment.Channel.PHONE)
    assert by_phone.start == ONE

    with pytest.raises(SlotTaken):
        book(service, reason, hold_key="flow:mine")
    assert capacity_at(service, reason, local(TUESDAY, 13, 15)) == 1


def test_a_citizens_move_respects_holds_unless_its_own(service, reason):
    agent = open_agent(service, start=time(13), end=time(16))
    appointment = AppointmentFactory(
        service=service,
        reason=reason,
        agent=agent,
        start=local(TUESDAY, 15),
        end=local(TUESDAY, 15, 15),
    )
    hold(service, reason, "offer:x")
    with pytest.raises(SlotTaken):
        appointment_move(appointment=appointment, start=ONE, by_citizen=True, now=NOW)
    moved = appointment_move(
        appointment=appointment, start=ONE, by_citizen=True, now=NOW, hold_key="offer:x"
    )
    assert moved.start == ONE
    assert not Hold.objects.exists()


def test_holds_per_client_address_are_capped(service, reason, settings):
    settings.HOLDS_PER_CLIENT = 2
    open_agent(service, start=time(13), end=time(16))
    hold(service, reason, "flow:a", client_address="192.0.2.1")
    hold(
        service, reason, "flow:b", start=local(TUESDAY, 14), client_address="192.0.2.1"
    )
    with pytest.raises(HoldLimit):
        hold(
            service,
            reason,
            "flow:c",
            start=local(TUESDAY, 15),
            client_address="192.0.2.1",
        )
    # Another address, and the same flow picking again, are not capped.
    hold(
        service, reason, "flow:d", start=local(TUESDAY, 15), client_address="192.0.2.2"
    )
    hold(
        service,
        reason,
        "flow:a",
        start=local(TUESDAY, 13, 30),
        client_address="192.0.2.1",
    )
    assert Hold.objects.count() == 3


def test_a_hold_for_one_agent_keeps_only_that_agent(service, reason):
    first = open_agent(service, start=time(13), end=time(16))
    second = open_agent(service, start=time(13), end=time(16))
    hold(service, reason, "flow:a", agent_id=first.pk)
    only_first = SearchCriteria(agent_id=first.pk)
    slots = search_slots(
        service,
        reason,
        start=local(TUESDAY, 0),
        end=local(TUESDAY, 23),
        criteria=only_first,
    )
    assert ONE not in {slot.start for slot in slots}
    assert available_agent_ids(service, reason, ONE) == [second.pk]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs real concurrency")
@pytest.mark.django_db(transaction=True)
def test_twenty_simultaneous_holds_of_capacity_three_hold_three(service, reason, clock):
    for _ in range(3):
        open_agent(service, start=time(13), end=time(16))
    barrier = threading.Barrier(20)
    outcomes = []

    def attempt(number):
        try:
            barrier.wait()
            hold(service, reason, f"flow:{number}", client_address=f"192.0.2.{number}")
            outcomes.append("held")
        except SlotTaken:
            outcomes.append("taken")
        finally:
            connection.close()  # each thread had its own connection

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert outcomes.count("held") == 3
    assert outcomes.count("taken") == 17
    holds = Hold.objects.filter(start=ONE)
    assert holds.count() == 3
    assert len(set(holds.values_list("agent_id", flat=True))) == 3

    # Once they expire, the time is everyone's again: twenty more, three held.
    clock.shift(timedelta(minutes=10))
    outcomes.clear()
    barrier.reset()
    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(20, 40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert outcomes.count("held") == 3
    assert Hold.objects.active().filter(start=ONE).count() == 3
