"""The JSON API and several people in one visit (issue 25, point 3): the
reasons say how many may come, the search and the booking take ``people``,
the answer says it."""

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine

from booking.models import Appointment
from tests.factories import (
    TUESDAY,
    AppointmentFactory,
    ServiceFactory,
    VisitReasonFactory,
    open_agent,
)
from tests.i18n import translated_plural

pytestmark = pytest.mark.django_db

BRUSSELS = ZoneInfo("Europe/Brussels")
NOW = datetime(2026, 12, 7, 8, 0, tzinfo=BRUSSELS)  # Monday 7 December 2026


def at(hour, minute=0):
    """Tuesday 8 December 2026 at a local time."""
    return datetime(2026, 12, 8, hour, minute, tzinfo=BRUSSELS)


@pytest.fixture(autouse=True)
def _frozen(instant_visitor):
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def service():
    service = ServiceFactory(
        slug="population", slot_minutes=15, min_notice_hours=0, max_horizon_days=60
    )
    agent = open_agent(service, weekdays=(TUESDAY,), start=time(9), end=time(12))
    AppointmentFactory(service=service, agent=agent, start=at(10), end=at(10, 15))
    return service


@pytest.fixture
def reason(service):
    return VisitReasonFactory(
        service=service,
        name="Carte d'identité",
        duration_minutes=20,
        max_people=5,
        minutes_per_extra_person=10,
    )


def search(client, reason, **extra):
    query = {
        "service": "population",
        "reason": reason.pk,
        "start": "2026-12-08",
        "end": "2026-12-08",
        **extra,
    }
    return client.get("/api/v1/slots", query)


def booking(reason, start, **extra):
    return {
        "service": "population",
        "reason": reason.pk,
        "start": start.isoformat(),
        "citizen": {
            "first_name": "Marie",
            "last_name": "Dupont",
            "email": "marie.dupont@example.be",
            "phone": "0470 12 34 56",
            "language": "fr",
        },
        **extra,
    }


def post(client, data):
    return client.post("/api/v1/appointments", data, content_type="application/json")


def test_the_reasons_say_how_many_people_may_come(client, reason):
    reasons = client.get("/api/v1/services/population/reasons").json()
    listed = next(item for item in reasons if item["id"] == reason.pk)
    assert (listed["duration"], listed["max_people"]) == (20, 5)
    assert listed["minutes_per_extra_person"] == 10
    other = next(item for item in reasons if item["id"] != reason.pk)
    assert (other["max_people"], other["minutes_per_extra_person"]) == (1, 0)


def test_the_search_takes_the_number_of_people(client, reason):
    one = search(client, reason).json()["slots"]
    three = search(client, reason, people=3).json()["slots"]
    assert [slot["start"][11:16] for slot in one][:4] == [
        "09:00",
        "09:15",
        "09:30",
        "10:15",
    ]
    assert [(slot["start"][11:16], slot["end"][11:16]) for slot in three][:3] == [
        ("09:00", "09:40"),
        ("09:15", "09:55"),
        ("10:15", "10:55"),
    ]


def test_the_search_refuses_more_people_than_the_reason_allows(client, reason):
    response = search(client, reason, people=6)
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["query", "people"]
    assert error["msg"] == translated_plural(
        "This visit reason is for one person at a time.",
        "This visit reason is for %(count)s people at most.",
        5,
        {"count": 5},
    )
    assert search(client, reason, people=0).status_code == 422


def test_a_booking_for_three_people_lasts_their_visit(client, reason):
    response = post(client, booking(reason, at(10, 15), people=3))
    assert response.status_code == 201, response.content
    answer = response.json()
    assert answer["people"] == 3
    assert answer["end"].startswith("2026-12-08T10:55")
    appointment = Appointment.objects.get(pk=answer["id"])
    assert (appointment.people, appointment.end) == (3, at(10, 55))


def test_a_booking_too_long_for_the_time_offers_times_that_fit(client, reason):
    response = post(client, booking(reason, at(9, 30), people=3))
    assert response.status_code == 409
    offered = [slot["start"][11:16] for slot in response.json()["slots"]]
    assert offered[:3] == ["09:00", "09:15", "10:15"]


def test_a_booking_for_more_people_than_allowed_is_refused(client, reason):
    response = post(client, booking(reason, at(9), people=6))
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["body", "people"]
    assert not Appointment.objects.filter(citizen__last_name="Dupont").exists()


def test_a_booking_without_people_is_for_one(client, reason):
    response = post(client, booking(reason, at(9)))
    assert response.status_code == 201, response.content
    assert response.json()["people"] == 1
    assert response.json()["end"].startswith("2026-12-08T09:20")
