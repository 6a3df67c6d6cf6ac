"""booking/ics.py: calendar files that calendar applications accept (RFC 5545).

Every file is read back with two independent readers: ``icalendar`` (which
also writes it) and ``ics`` (a parser of its own, in the development lock).
"""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import ics
import pytest
from django.utils import timezone
from icalendar import Calendar

from booking.ics import appointment_ics
from booking.links import manage_url
from booking.services import appointment_cancel, appointment_move
from tests.factories import (
    EVERY_DAY,
    AppointmentFactory,
    CitizenFactory,
    ServiceFactory,
    VisitReasonFactory,
    open_agent,
)

BRUSSELS = ZoneInfo("Europe/Brussels")


def read(text: str):
    """The calendar and its one event, as icalendar reads them."""
    calendar = Calendar.from_ical(text)
    (event,) = calendar.events
    return calendar, event


def read_with_ics(text: str):
    """The one event, as the ``ics`` package reads it (its own parser)."""
    (event,) = ics.Calendar(text).events
    return event


@pytest.fixture
def appointment(db):
    service = ServiceFactory(
        name="Population",
        slug="population",
        address="Place communale 1\n5000 Démo-sur-Meuse",
        email="population@commune.example",
        phone="081 23 45 10",
        min_notice_hours=0,
    )
    agent = open_agent(
        service,
        weekdays=EVERY_DAY,
        start=time(8),
        end=time(18),
        valid_from=timezone.localdate() - timedelta(days=7),
    )
    reason = VisitReasonFactory(
        service=service,
        name="Carte d'identité; renouvellement, adulte",
        duration_minutes=30,
        message_information=(
            "Apportez une photo récente.\nPrix : 25 €, payable sur place."
        ),
    )
    start = timezone.localtime().replace(
        hour=10, minute=0, second=0, microsecond=0
    ) + timedelta(days=3)
    return AppointmentFactory(
        service=service,
        agent=agent,
        reason=reason,
        citizen=CitizenFactory(
            first_name="Élise", last_name="Dupont", email="elise@example.be"
        ),
        start=start,
        end=start + timedelta(minutes=30),
    )


def test_lines_end_with_crlf_and_are_folded_at_75_octets(appointment):
    text = appointment_ics(appointment)
    assert text.endswith("END:VCALENDAR\r\n")
    assert "\n" not in text.replace("\r\n", "")
    for line in text.split("\r\n"):
        assert len(line.encode()) <= 75


def test_request_holds_the_required_properties_in_local_time(appointment):
    calendar, event = read(appointment_ics(appointment))
    assert calendar["VERSION"] == "2.0"
    assert calendar["METHOD"] == "REQUEST"
    assert calendar["PRODID"]
    assert event.start == appointment.start
    assert event.end == appointment.end
    assert event["DTSTART"].params["TZID"] == "Europe/Brussels"
    assert [zone.tz_name for zone in calendar.timezones] == ["Europe/Brussels"]
    assert calendar.get_missing_tzids() == set()
    assert event.DTSTAMP.utcoffset() == timedelta(0)  # "Z", as RFC 5545 wants
    assert abs(event.DTSTAMP - timezone.now()) < timedelta(minutes=1)
    assert event["SEQUENCE"] == 0
    assert event["STATUS"] == "CONFIRMED"
    assert event["ORGANIZER"] == "mailto:population@commune.example"
    assert event["ORGANIZER"].params["CN"] == "Population"
    assert event["ATTENDEE"] == "mailto:elise@example.be"
    assert event["ATTENDEE"].params["CN"] == "Élise Dupont"
    assert event["ATTENDEE"].params["PARTSTAT"] == "ACCEPTED"
    (alarm,) = event.subcomponents
    assert alarm["ACTION"] == "DISPLAY"
    assert alarm["TRIGGER"].dt == timedelta(hours=-1)


def test_summary_location_and_description_carry_the_appointment(appointment):
    text = appointment_ics(appointment, language="fr")
    _calendar, event = read(text)
    assert event["SUMMARY"] == "Population : Carte d'identité; renouvellement, adulte"
    assert event["LOCATION"] == "Place communale 1, 5000 Démo-sur-Meuse"
    assert "Apportez une photo récente.\nPrix : 25 €, payable" in event["DESCRIPTION"]
    assert manage_url(appointment) in event["DESCRIPTION"]
    assert event["URL"] == manage_url(appointment)
    # Escaped on the wire (RFC 5545, 3.3.11).
    assert "renouvellement\\, adulte" in text.replace("\r\n ", "")


def test_uid_stays_and_sequence_grows_when_the_appointment_changes(appointment):
    _calendar, first = read(appointment_ics(appointment))
    moved = appointment_move(
        appointment=appointment, start=appointment.start + timedelta(hours=1)
    )
    _calendar, second = read(appointment_ics(moved))
    assert second["UID"] == first["UID"]
    assert second["SEQUENCE"] > first["SEQUENCE"]
    assert second.start == first.start + timedelta(hours=1)


def test_cancel_method_marks_the_event_cancelled(appointment):
    _calendar, booked = read(appointment_ics(appointment))
    cancelled = appointment_cancel(appointment=appointment, reason="malade")
    text = appointment_ics(cancelled, method="CANCEL")
    calendar, event = read(text)
    assert calendar["METHOD"] == "CANCEL"
    assert event["STATUS"] == "CANCELLED"
    assert "BEGIN:VALARM" not in text
    assert event["UID"] == booked["UID"]
    assert event["SEQUENCE"] > booked["SEQUENCE"]
    # The other reader sees the same cancellation of the same event.
    other = read_with_ics(text)
    assert other.uid == booked["UID"]
    assert other.status == "CANCELLED"


def test_a_download_of_a_cancelled_appointment_is_cancelled_too(appointment):
    cancelled = appointment_cancel(appointment=appointment, reason="malade")
    _calendar, event = read(appointment_ics(cancelled, method="PUBLISH"))
    assert event["STATUS"] == "CANCELLED"
    assert not event.subcomponents  # no reminder for it


def test_pending_request_is_tentative_and_download_has_no_attendee(appointment):
    appointment.status = "pending"
    calendar, event = read(appointment_ics(appointment, method="PUBLISH"))
    assert calendar["METHOD"] == "PUBLISH"
    assert event["STATUS"] == "TENTATIVE"
    assert "ATTENDEE" not in event


def test_unknown_method_is_refused(appointment):
    with pytest.raises(ValueError):
        appointment_ics(appointment, method="REPLY")


# --- Names and texts that once broke the hand-written file --------------------

# 100 characters, all that the field holds (121 octets in UTF-8).
LONG_ACCENTED = (
    "de Saint-Exupéry-Lévêque-Hôtel-de-Ville-Çà-et-là-Dœuvre-Ångström-Ōhashi-"
    "Ñúñez-Łódź-Ærøskøbing-Brontë"
)


@pytest.mark.parametrize("method", ["REQUEST", "CANCEL"])
def test_a_citizen_name_with_line_breaks_and_separators_reads_back_in_two_readers(
    db, settings, method
):
    settings.SITE_URL = "https://rendez-vous.demo-sur-meuse.be"
    start = datetime(2027, 3, 2, 10, tzinfo=BRUSSELS)
    appointment = AppointmentFactory(
        pk=4242,
        service=ServiceFactory(name="État civil; naissances, décès"),
        citizen=CitizenFactory(
            first_name='Jean\rPierre, dit "Pierrot";',
            last_name=LONG_ACCENTED,
            email="jean.pierre@example.be",
        ),
        remarks="",
        start=start,
        end=start + timedelta(minutes=30),
    )
    text = appointment_ics(appointment, method=method)

    # No line break but the CRLF that ends each line; folded at 75 octets.
    assert "\r" not in text.replace("\r\n", "")
    assert "\n" not in text.replace("\r\n", "")
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    name = f"Jean Pierre, dit Pierrot; {LONG_ACCENTED}"

    calendar, event = read(text)
    # The UID the hand-written files gave this appointment: calendars that
    # hold it update that event instead of adding a second one.
    assert event["UID"] == "appointment-4242@rendez-vous.demo-sur-meuse.be"
    assert calendar["METHOD"] == method
    assert event["ATTENDEE"] == "mailto:jean.pierre@example.be"
    assert event["ATTENDEE"].params["CN"] == name
    assert event["ORGANIZER"].params["CN"] == "État civil; naissances, décès"
    assert event.start == start

    other = read_with_ics(text)
    assert other.uid == "appointment-4242@rendez-vous.demo-sur-meuse.be"
    assert other.begin == start
    assert other.end == start + timedelta(minutes=30)
    (attendee,) = other.attendees
    assert attendee.email == "jean.pierre@example.be"
    assert attendee.common_name == name
    assert other.name == event["SUMMARY"]
    assert other.name.startswith("État civil; naissances, décès : ")


@pytest.mark.parametrize(
    ("day", "utc_hour"),
    [
        (datetime(2027, 3, 28, 10, tzinfo=BRUSSELS), 8),  # summer time begins
        (datetime(2027, 10, 31, 10, tzinfo=BRUSSELS), 9),  # winter time begins
    ],
)
def test_times_on_clock_change_days_mean_the_same_instant_to_both_readers(
    db, day, utc_hour
):
    appointment = AppointmentFactory(start=day, end=day + timedelta(minutes=15))
    text = appointment_ics(appointment, method="PUBLISH")
    assert "DTSTART;TZID=Europe/Brussels:" + f"{day:%Y%m%d}T100000" in text
    _calendar, event = read(text)
    assert event.start.astimezone(UTC).hour == utc_hour
    assert read_with_ics(text).begin == day
