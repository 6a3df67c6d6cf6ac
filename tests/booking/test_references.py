"""The booking reference (issue 22): short, readable, random, not a key."""

from datetime import date

import pytest
import time_machine

from booking import references
from booking.models import Appointment
from booking.services import appointment_book
from tests.factories import (
    AppointmentFactory,
    CitizenFactory,
    VisitReasonFactory,
    local,
    open_agent,
)


def test_a_new_reference_has_eight_unambiguous_characters():
    drawn = {references.new_reference() for _ in range(2000)}
    assert len(drawn) == 2000  # random, no repeats in a small sample
    for reference in drawn:
        assert len(reference) == 8
        assert set(reference) <= set(references.ALPHABET)
        assert not set(reference) & set("ILOU")


def test_a_reference_is_printed_in_two_groups():
    assert references.display("K7MP4QX2") == "K7MP-4QX2"
    assert references.display("") == ""


@pytest.mark.parametrize(
    "typed",
    [
        "K7MP-4QX2",
        "k7mp4qx2",
        " K7MP 4QX2\n",
        "K7MP_4QX2",
        "K7MP)4QX2",  # the dash key of an AZERTY keyboard, scanner set for QWERTY
    ],
)
def test_what_people_and_scanners_type_is_read_back(typed):
    assert references.normalise(typed) == "K7MP4QX2"


def test_letters_that_read_like_digits_and_the_azerty_digit_row_are_digits():
    assert references.normalise("1O1L-ABCD") == "1011ABCD"
    # "&é\"'(§è!" is what "12345678" becomes on an AZERTY keyboard.
    assert references.normalise("&é\"'(§è!") == "12345678"


@pytest.mark.parametrize("typed", ["", "K7MP", "K7MP-4QX2-9", "K7MP-4QX*", "12"])
def test_what_cannot_be_a_reference_is_refused(typed):
    assert references.normalise(typed) is None


def test_the_qr_code_holds_the_printed_reference():
    code = references.qr_code("K7MP4QX2")
    assert code.mode == "alphanumeric"
    assert references.qr_png("K7MP4QX2").startswith(b"\x89PNG")
    assert references.qr_svg("K7MP4QX2").startswith("<svg")


def test_every_appointment_gets_a_reference_not_derived_from_its_id(db):
    first, second = AppointmentFactory(), AppointmentFactory()
    assert first.reference != second.reference
    # Consecutive ids, unrelated references (a shared prefix: 1 in 32⁷).
    assert first.reference[:-1] != second.reference[:-1]
    for appointment in (first, second):
        assert references.normalise(appointment.reference) == appointment.reference


def test_booking_draws_again_when_a_reference_is_taken(db, monkeypatch, population):
    """A clash (one in 10¹²) never fails a booking: another is drawn."""
    reason = VisitReasonFactory(service=population)
    open_agent(population, weekdays=range(7))
    day = date(2030, 1, 8)
    taken = AppointmentFactory(service=population, reason=reason)
    drawn = iter(["ABCD2345"])
    # The model's default draws the reference just taken (Field caches its
    # default's callable as ``_get_default``).
    monkeypatch.setattr(
        Appointment._meta.get_field("reference"),
        "_get_default",
        lambda: taken.reference,
    )
    monkeypatch.setattr(references, "new_reference", lambda: next(drawn))
    with time_machine.travel(local(day, 8), tick=False):
        booked = appointment_book(
            service=population,
            reason=reason,
            start=local(day, 10),
            citizen=CitizenFactory(),
            channel=Appointment.Channel.DESK,
        )
    assert booked.reference == "ABCD2345"
