"""Several people in one visit on the staff's pages (issue 25, point 3): phone
and desk booking set the number of people; the agenda and the day list show
it when more than one come; the appointment's page shows it read-only."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from booking.models import Appointment
from booking.portal.counts import people_text
from tests.factories import (
    AppointmentFactory,
    CitizenFactory,
    VisitReasonFactory,
    appointment_at,
    open_agent,
)
from tests.i18n import translated_plural

pytestmark = pytest.mark.django_db

BRUSSELS = ZoneInfo("Europe/Brussels")
DAY = date(2030, 3, 5)  # a Tuesday
PAGE = reverse("admin:portal_phone")
SLOTS = reverse("admin:portal_phone_slots")


def at(hour, minute=0):
    return datetime(DAY.year, DAY.month, DAY.day, hour, minute, tzinfo=BRUSSELS)


@pytest.fixture(autouse=True)
def _the_day_before():
    with time_machine.travel(at(7) - timedelta(days=1), tick=False):
        yield


@pytest.fixture
def reason(population):
    return VisitReasonFactory(
        service=population,
        name="Carte d'identité",
        duration_minutes=20,
        max_people=5,
        minutes_per_extra_person=10,
    )


@pytest.fixture
def open_population(agent, population):
    """The agent, open on Tuesdays 9:00 to 12:00, busy 9:30 to 9:45."""
    open_agent(population, agent)
    appointment_at(agent, population, DAY, 9, 30)
    return agent


def test_the_phone_slots_are_for_the_number_of_people(
    client, agent, reason, open_population
):
    client.force_login(agent.user)
    one = client.get(SLOTS, {"reason": reason.pk}).json()
    three = client.get(SLOTS, {"reason": reason.pk, "people": 3}).json()
    assert one["maxPeople"] == 5
    assert [slot["value"][11:16] for slot in one["slots"]][:2] == ["09:00", "09:45"]
    # 40 minutes do not fit before 9:30.
    assert [slot["value"][11:16] for slot in three["slots"]][:2] == ["09:45", "10:00"]
    # Beyond the reason's maximum, the search asks for its maximum.
    many = client.get(SLOTS, {"reason": reason.pk, "people": 9}).json()
    assert many["slots"][0]["value"][11:16] == "09:45"


def test_a_phone_booking_for_three_people(client, agent, reason, open_population):
    citizen = CitizenFactory(last_name="Dupont")
    AppointmentFactory(
        citizen=citizen,
        service=reason.service,
        start=at(8) - timedelta(days=400),
        end=at(8, 15) - timedelta(days=400),
        status=Appointment.Status.DONE,
    )  # a citizen the service knows
    client.force_login(agent.user)
    data = {
        "action": "book",
        "citizen": citizen.pk,
        "reason": reason.pk,
        "start": at(10).isoformat(),
        "people": "3",
    }
    too_many = client.post(PAGE, {**data, "people": "6"})
    assert too_many.status_code == 200
    assert translated_plural(
        "This visit reason is for one person at a time.",
        "This visit reason is for %(count)s people at most.",
        5,
        {"count": 5},
    ) in str(too_many.context["form"].non_field_errors())
    response = client.post(PAGE, data)
    assert response.status_code == 302, response.context["form"].errors
    appointment = Appointment.objects.get(channel=Appointment.Channel.PHONE)
    assert (appointment.people, appointment.end) == (3, at(10, 40))


def test_the_phone_page_offers_the_number_of_people(client, agent, reason):
    client.force_login(agent.user)
    page = client.get(PAGE).content.decode()
    assert 'id="rdv-people"' in page and "data-people-field" in page


def test_the_day_list_and_the_agenda_show_the_people(
    client, agent, population, reason, open_population
):
    family = AppointmentFactory(
        agent=agent,
        service=population,
        reason=reason,
        start=at(10),
        end=at(10, 40),
        people=3,
    )
    client.force_login(agent.user)
    day_list = client.get(reverse("admin:portal_day_list"), {"date": DAY.isoformat()})
    assert day_list.context["active_count"] == 2
    assert day_list.context["people_count"] == 4
    page = day_list.content.decode()
    assert page.count("data-people>") == 1  # only the family's row says it
    assert "data-people-count" in page
    events = client.get(
        reverse("admin:portal_agenda_events"),
        {"start": f"{DAY}T00:00:00Z", "end": f"{DAY}T23:59:00Z", "agent": agent.pk},
    ).json()
    by_id = {item["id"]: item for item in events if item.get("id")}
    shown = by_id[str(family.pk)]
    assert shown["extendedProps"]["people"] == 3
    assert people_text(3) in shown["title"]
    assert any(people_text(3) in line for line in shown["extendedProps"]["details"])
    alone = next(item for key, item in by_id.items() if key != str(family.pk))
    assert people_text(1) not in alone["title"]


def test_the_appointment_page_shows_the_people_read_only(
    client, administrator, population, reason
):
    appointment = AppointmentFactory(
        service=population, reason=reason, start=at(10), end=at(10, 40), people=3
    )
    client.force_login(administrator)
    response = client.get(
        reverse("admin:booking_appointment_change", args=[appointment.pk])
    )
    assert response.status_code == 200
    assert "people" in response.context["adminform"].readonly_fields
