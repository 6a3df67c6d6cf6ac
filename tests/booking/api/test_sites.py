"""The API and several sites (issue 25, point 4): services list their sites,
GET /slots filters by site and each slot says its site, a booking may name
the site and its answer says where."""

from datetime import date, time

import pytest
import time_machine

from booking.models import Appointment
from tests.factories import (
    TUESDAY,
    ServiceFactory,
    SiteFactory,
    VisitReasonFactory,
    local,
    open_agent,
)

DAY = date(2027, 1, 5)  # a Tuesday
NOW = local(date(2027, 1, 4), 9)


@pytest.fixture(autouse=True)
def _clock(instant_visitor):
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.fixture
def town_hall(db):
    return SiteFactory(name="Hôtel de ville", address="Place communale 1", order=1)


@pytest.fixture
def district(db):
    return SiteFactory(name="Mairie de quartier", address="Rue du Faubourg 27", order=2)


@pytest.fixture
def service(town_hall, district):
    service = ServiceFactory(
        slug="population", main_site=town_hall, slot_minutes=30, min_notice_hours=0
    )
    open_agent(service, weekdays=(TUESDAY,), start=time(9), end=time(10))
    open_agent(service, weekdays=(TUESDAY,), start=time(9), end=time(10), site=district)
    return service


@pytest.fixture
def reason(service):
    return VisitReasonFactory(service=service, duration_minutes=30)


def slots(client, reason, **query):
    response = client.get(
        "/api/v1/slots",
        {
            "service": "population",
            "reason": reason.pk,
            "start": DAY.isoformat(),
            "end": DAY.isoformat(),
            **query,
        },
    )
    assert response.status_code == 200, response.content
    return [(slot["start"][11:16], slot["site"]) for slot in response.json()["slots"]]


def test_services_list_their_sites(client, service, town_hall, district):
    [listed] = client.get("/api/v1/services").json()
    assert listed["sites"] == [
        {
            "id": town_hall.pk,
            "name": "Hôtel de ville",
            "address": "Place communale 1",
            "information": "",
        },
        {
            "id": district.pk,
            "name": "Mairie de quartier",
            "address": "Rue du Faubourg 27",
            "information": "",
        },
    ]


def test_slots_carry_their_site_and_filter_by_it(
    client, service, reason, town_hall, district
):
    assert slots(client, reason) == [
        ("09:00", town_hall.pk),
        ("09:00", district.pk),
        ("09:30", town_hall.pk),
        ("09:30", district.pk),
    ]
    assert slots(client, reason, site=district.pk) == [
        ("09:00", district.pk),
        ("09:30", district.pk),
    ]
    elsewhere = SiteFactory()
    response = client.get(
        "/api/v1/slots",
        {
            "service": "population",
            "reason": reason.pk,
            "start": DAY.isoformat(),
            "end": DAY.isoformat(),
            "site": elsewhere.pk,
        },
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "unknown_site"


def test_a_booking_names_its_site_and_the_answer_says_where(
    client, service, reason, district
):
    response = client.post(
        "/api/v1/appointments",
        {
            "service": "population",
            "reason": reason.pk,
            "start": local(DAY, 9).isoformat(),
            "site": district.pk,
            "citizen": {
                "first_name": "Marie",
                "last_name": "Dupont",
                "email": "marie.dupont@example.be",
                "phone": "0470 12 34 56",
                "language": "fr",
            },
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["site"]["name"] == "Mairie de quartier"
    assert Appointment.objects.get().site == district
