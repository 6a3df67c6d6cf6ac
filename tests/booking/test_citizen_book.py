"""Services own their transaction (issue 16, point 4): finding or creating the
citizen and booking are one service, and a refused booking leaves no new
citizen, whoever calls (no transaction of the caller's around it)."""

from datetime import date, time

import pytest
import time_machine

from booking.models import Appointment, Citizen
from booking.services import (
    BookingError,
    CitizenDetails,
    SlotTaken,
    appointment_book,
    citizen_book,
)
from tests.factories import (
    CitizenFactory,
    ServiceFactory,
    VisitReasonFactory,
    local,
    open_agent,
)

TUESDAY = date(2027, 1, 5)
NOW = local(date(2027, 1, 4), 9)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def service(db):
    return ServiceFactory(slot_minutes=15, min_notice_hours=2)


@pytest.fixture
def reason(service):
    return VisitReasonFactory(service=service, duration_minutes=15)


def details(**changes) -> CitizenDetails:
    values = {"last_name": "Peeters", "first_name": "An", "email": "an@example.be"}
    return CitizenDetails(**{**values, **changes})


@pytest.mark.django_db(transaction=True)
def test_a_refused_booking_leaves_no_new_citizen(service, reason):
    open_agent(service, start=time(13), end=time(14))
    citizen_book(
        citizen=details(email="first@example.be"),
        service=service,
        reason=reason,
        start=local(TUESDAY, 13),
    )
    assert Citizen.objects.count() == 1
    # the same time again (taken), then a time outside the openings
    for start in (local(TUESDAY, 13), local(TUESDAY, 15)):
        with pytest.raises(BookingError):
            citizen_book(citizen=details(), service=service, reason=reason, start=start)
    assert Citizen.objects.count() == 1
    assert Appointment.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_appointment_book_alone_keeps_no_new_citizen_either(service, reason):
    open_agent(service, start=time(13), end=time(14))
    appointment_book(
        service=service,
        reason=reason,
        start=local(TUESDAY, 13),
        citizen=Citizen(last_name="A", first_name="B", email="ab@example.be"),
    )
    with pytest.raises(SlotTaken):
        appointment_book(
            service=service,
            reason=reason,
            start=local(TUESDAY, 13),
            citizen=Citizen(last_name="C", first_name="D", email="cd@example.be"),
        )
    assert Citizen.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_details_staff_added_are_kept_only_with_the_booking(service, reason):
    open_agent(service, start=time(13), end=time(14))
    citizen = CitizenFactory(phone="")
    citizen.phone = "+32470999999"
    with pytest.raises(BookingError):
        citizen_book(
            citizen=citizen,
            citizen_changed=True,
            service=service,
            reason=reason,
            start=local(TUESDAY, 15),
            channel=Appointment.Channel.PHONE,
        )
    citizen.refresh_from_db()
    assert citizen.phone == ""
    appointment = citizen_book(
        citizen=citizen,
        citizen_changed=True,
        service=service,
        reason=reason,
        start=local(TUESDAY, 13),
        channel=Appointment.Channel.PHONE,
    )
    appointment.citizen.refresh_from_db()
    assert appointment.citizen.history.first().history_change_reason == (
        "entered by phone"
    )
