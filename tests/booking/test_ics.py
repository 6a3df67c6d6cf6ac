"""booking/ics.py: calendar files that calendar applications accept (RFC 5545)."""

from datetime import UTC, datetime, time, timedelta

import pytest
from django.utils import timezone

from booking.ics import appointment_ics, escape_text, fold
from booking.links import manage_url
from booking.services import appointment_cancel, appointment_move
from tests.factories import (
    AppointmentFactory,
    CitizenFactory,
    MembershipFactory,
    ServiceFactory,
    TypicalWeekFactory,
    TypicalWeekRangeFactory,
    VisitReasonFactory,
)


def unfold(text: str) -> list[str]:
    """The logical content lines of an iCalendar object (RFC 5545, 3.1)."""
    return text.replace("\r\n ", "").split("\r\n")[:-1]


def properties(text: str) -> dict[str, str]:
    """Property name (without parameters) -> value, first one wins."""
    found = {}
    for line in unfold(text):
        name, _sep, value = line.partition(":")
        found.setdefault(name.split(";")[0], value)
    return found


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
    membership = MembershipFactory(service=service)
    week = TypicalWeekFactory(
        agent=membership.agent,
        service=service,
        valid_from=timezone.localdate() - timedelta(days=7),
    )
    for weekday in range(7):
        TypicalWeekRangeFactory(
            typical_week=week, weekday=weekday, start=time(8), end=time(18)
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
        agent=membership.agent,
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


def test_folding_never_splits_a_utf8_character():
    line = "DESCRIPTION:" + "é" * 100
    folded = fold(line)
    for physical in folded.split("\r\n"):
        assert len(physical.encode()) <= 75
        physical.encode().decode()  # would raise on a split character
    assert folded.replace("\r\n ", "") == line


def test_text_values_are_escaped():
    assert escape_text("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"


def test_request_holds_the_required_properties_in_utc(appointment):
    text = appointment_ics(appointment)
    lines = unfold(text)
    assert lines[0] == "BEGIN:VCALENDAR"
    assert lines.index("BEGIN:VEVENT") < lines.index("END:VEVENT")
    props = properties(text)
    assert props["VERSION"] == "2.0"
    assert props["METHOD"] == "REQUEST"
    assert props["PRODID"]
    assert props["DTSTART"] == appointment.start.astimezone(UTC).strftime(
        "%Y%m%dT%H%M%SZ"
    )
    assert props["DTEND"] == appointment.end.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    stamp = datetime.strptime(props["DTSTAMP"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    assert abs(stamp - timezone.now()) < timedelta(minutes=1)
    assert props["SEQUENCE"] == "0"
    assert props["STATUS"] == "CONFIRMED"
    assert props["ORGANIZER"] == "mailto:population@commune.example"
    assert props["ATTENDEE"] == "mailto:elise@example.be"


def test_summary_location_and_description_carry_the_appointment(appointment):
    props = properties(appointment_ics(appointment, language="fr"))
    assert "Population" in props["SUMMARY"]
    assert "Carte d'identité\\; renouvellement\\, adulte" in props["SUMMARY"]
    assert props["LOCATION"] == "Place communale 1\\, 5000 Démo-sur-Meuse"
    assert (
        "Apportez une photo récente.\\nPrix : 25 €\\, payable" in (props["DESCRIPTION"])
    )
    assert manage_url(appointment) in props["DESCRIPTION"].replace("\\", "")


def test_uid_stays_and_sequence_grows_when_the_appointment_changes(appointment):
    first = properties(appointment_ics(appointment))
    moved = appointment_move(
        appointment=appointment, start=appointment.start + timedelta(hours=1)
    )
    second = properties(appointment_ics(moved))
    assert second["UID"] == first["UID"]
    assert int(second["SEQUENCE"]) > int(first["SEQUENCE"])
    assert second["DTSTART"] != first["DTSTART"]


def test_cancel_method_marks_the_event_cancelled(appointment):
    cancelled = appointment_cancel(appointment=appointment, reason="malade")
    text = appointment_ics(cancelled, method="CANCEL")
    props = properties(text)
    assert props["METHOD"] == "CANCEL"
    assert props["STATUS"] == "CANCELLED"
    assert "BEGIN:VALARM" not in text
    assert props["UID"] == properties(appointment_ics(appointment))["UID"]


def test_pending_request_is_tentative_and_download_has_no_attendee(appointment):
    appointment.status = "pending"
    text = appointment_ics(appointment, method="PUBLISH")
    props = properties(text)
    assert props["STATUS"] == "TENTATIVE"
    assert "ATTENDEE" not in props


def test_unknown_method_is_refused(appointment):
    with pytest.raises(ValueError):
        appointment_ics(appointment, method="REPLY")
