"""Agendas of the portal: who sees which, the FullCalendar feed, the day list."""

from datetime import time

import pytest
from django.urls import reverse

from booking.models import Appointment
from booking.portal.agenda import STATUS_COLOURS
from staffing.models import AvailabilityException
from tests.factories import (
    AvailabilityExceptionFactory,
    MembershipFactory,
    appointment_at,
    local,
    next_weekday,
    open_agent,
)

EVENTS = reverse("admin:portal_agenda_events")


def window(day):
    return {
        "start": f"{day.isoformat()}T00:00:00Z",
        "end": f"{day.isoformat()}T23:59:00Z",
    }


@pytest.fixture
def day():
    return next_weekday()


@pytest.fixture
def booked(agent, population, foreigners, day):
    """The agent's appointment, a colleague's in Population, one in Étrangers."""
    open_agent(population, agent)
    colleague = open_agent(population)
    stranger = open_agent(foreigners)
    return {
        "own": appointment_at(agent, population, day, 9),
        "colleague": appointment_at(colleague, population, day, 10),
        "other_service": appointment_at(stranger, foreigners, day, 9),
        "colleague_agent": colleague,
        "stranger": stranger,
    }


def events(client, day, **params):
    response = client.get(EVENTS, {**window(day), **params})
    assert response.status_code == 200, response.content
    return response.json()


def appointment_ids(items):
    return {int(item["id"]) for item in items if item.get("display") != "background"}


def test_my_agenda_lists_my_appointments_on_my_openings(client, agent, booked, day):
    client.force_login(agent.user)
    items = events(client, day, agent=agent.pk)
    assert appointment_ids(items) == {booked["own"].pk}
    event = next(item for item in items if item.get("id"))
    assert event["start"] == f"{day.isoformat()}T09:00:00"
    assert event["backgroundColor"] == STATUS_COLOURS[Appointment.Status.CONFIRMED]
    assert event["url"] == reverse(
        "admin:booking_appointment_change", args=[booked["own"].pk]
    )
    openings = [item for item in items if "rdv-open" in item.get("classNames", [])]
    assert [(item["start"], item["end"]) for item in openings] == [
        (f"{day.isoformat()}T09:00:00", f"{day.isoformat()}T12:00:00")
    ]


def test_service_agenda_is_coloured_by_agent(client, agent, booked, population, day):
    booked["colleague_agent"].colour = "#123456"
    booked["colleague_agent"].save()
    client.force_login(agent.user)
    items = events(client, day, service=population.pk)
    assert appointment_ids(items) == {booked["own"].pk, booked["colleague"].pk}
    colleague_event = next(
        item for item in items if item.get("id") == str(booked["colleague"].pk)
    )
    assert colleague_event["backgroundColor"] == "#123456"


def test_agent_cannot_see_another_service_agenda(
    client, agent, booked, foreigners, day
):
    client.force_login(agent.user)
    assert (
        client.get(EVENTS, {**window(day), "service": foreigners.pk}).status_code == 404
    )
    page = client.get(reverse("admin:portal_agenda"), {"service": foreigners.pk})
    assert page.status_code == 404
    # Nor a colleague's or a stranger's own agenda.
    for other in (booked["colleague_agent"], booked["stranger"]):
        response = client.get(EVENTS, {**window(day), "agent": other.pk})
        assert response.status_code == 404


def test_manager_opens_the_agendas_of_the_managed_service_agents_only(
    client, manager, booked, day
):
    client.force_login(manager.user)
    items = events(client, day, agent=booked["colleague_agent"].pk)
    assert appointment_ids(items) == {booked["colleague"].pk}
    response = client.get(EVENTS, {**window(day), "agent": booked["stranger"].pk})
    assert response.status_code == 404


def test_manager_sees_only_managed_service_appointments_of_a_shared_agent(
    client, manager, agent, booked, foreigners, day
):
    # The agent also works in Étrangers, which the manager does not manage.
    MembershipFactory(agent=agent, service=foreigners)
    hidden = appointment_at(agent, foreigners, day, 11)
    client.force_login(manager.user)
    ids = appointment_ids(events(client, day, agent=agent.pk))
    assert booked["own"].pk in ids
    assert hidden.pk not in ids


def test_administrator_opens_any_agent(client, administrator, booked, day):
    client.force_login(administrator)
    ids = appointment_ids(events(client, day, agent=booked["stranger"].pk))
    assert ids == {booked["other_service"].pk}


def test_cancelled_appointments_only_on_request(client, agent, booked, day):
    booked["own"].status = Appointment.Status.CANCELLED
    booked["own"].save()
    client.force_login(agent.user)
    assert appointment_ids(events(client, day, agent=agent.pk)) == set()
    assert appointment_ids(events(client, day, agent=agent.pk, cancelled="1")) == {
        booked["own"].pk
    }


def test_unavailability_is_drawn_as_background(client, agent, booked, day):
    AvailabilityExceptionFactory(
        agent=agent,
        kind=AvailabilityException.Kind.UNAVAILABLE,
        start=local(day, 10),
        end=local(day, 12),
        note="Formation",
    )
    client.force_login(agent.user)
    items = events(client, day, agent=agent.pk)
    off = [item for item in items if "rdv-off" in item.get("classNames", [])]
    assert [(item["start"], item["title"]) for item in off] == [
        (f"{day.isoformat()}T10:00:00", "Formation")
    ]
    openings = [item for item in items if "rdv-open" in item.get("classNames", [])]
    assert [item["end"] for item in openings] == [f"{day.isoformat()}T10:00:00"]


def test_event_feed_runs_a_bounded_number_of_queries(
    client, agent, population, day, django_assert_max_num_queries
):
    open_agent(population, agent, start=time(8), end=time(18))
    for hour in range(8, 18):
        appointment_at(agent, population, day, hour)
    client.force_login(agent.user)
    with django_assert_max_num_queries(20):
        items = events(client, day, service=population.pk)
    assert len(appointment_ids(items)) == 10


def test_agenda_page_renders_the_calendar(client, agent, booked):
    client.force_login(agent.user)
    response = client.get(reverse("admin:portal_agenda"))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="rdv-calendar"' in body
    assert "vendor/fullcalendar/index.global.min.js" in body
    assert f"agent={agent.pk}" in response.context["calendar"]["events_url"]


def test_administrator_without_agenda_starts_on_a_service(
    client, administrator, population
):
    client.force_login(administrator)
    response = client.get(reverse("admin:portal_agenda"))
    assert response.status_code == 302
    assert f"service={population.pk}" in response.url


def test_day_list_prints_the_day_and_marks_arrivals(client, agent, booked, day):
    client.force_login(agent.user)
    url = reverse("admin:portal_day_list")
    response = client.get(url, {"agent": agent.pk, "date": day.isoformat()})
    assert response.status_code == 200
    assert response.context["appointments"] == [booked["own"]]
    assert "@media print" not in response.content.decode()  # the CSS is a file
    marked = client.post(
        reverse("admin:portal_desk_mark"),
        {"appointment": booked["own"].pk, "status": "arrived", "next": url},
    )
    assert marked.status_code == 302
    booked["own"].refresh_from_db()
    assert booked["own"].arrived_at is not None


def test_agent_cannot_mark_another_service_appointment(client, agent, booked):
    client.force_login(agent.user)
    response = client.post(
        reverse("admin:portal_desk_mark"),
        {"appointment": booked["other_service"].pk, "status": "done"},
    )
    assert response.status_code == 404
    booked["other_service"].refresh_from_db()
    assert booked["other_service"].status == Appointment.Status.CONFIRMED
