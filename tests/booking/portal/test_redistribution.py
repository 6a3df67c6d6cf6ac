"""Redistribution (R21): only managers, only their services, only free agents."""

import pytest
from django.urls import reverse

from booking.models import Appointment
from booking.portal.redistribution import free_colleagues
from booking.services import reassignable_agents
from tests.factories import (
    AvailabilityExceptionFactory,
    appointment_at,
    local,
    next_weekday,
    open_agent,
)

PAGE = reverse("admin:portal_redistribution")


@pytest.fixture
def day():
    return next_weekday()


@pytest.fixture
def crew(agent, manager, population, foreigners, day):
    """Agent, a free colleague, a busy colleague, all open 9:00–12:00; and a
    team appointment of the agent at 9:00."""
    open_agent(population, agent)
    free = open_agent(population)
    busy = open_agent(population)
    appointment_at(busy, population, day, 9, booked_for_service=False)
    away = open_agent(population)
    AvailabilityExceptionFactory(agent=away, start=local(day, 8), end=local(day, 10))
    stranger = open_agent(foreigners)
    return {
        "free": free,
        "busy": busy,
        "away": away,
        "stranger": stranger,
        "shared": appointment_at(agent, population, day, 9),
        "personal": appointment_at(
            agent, population, day, 10, booked_for_service=False
        ),
        "other_service": appointment_at(stranger, foreigners, day, 9),
    }


def test_manager_is_offered_only_the_agents_free_at_that_time(
    client, manager, crew, day
):
    client.force_login(manager.user)
    response = client.get(PAGE, {"date": day.isoformat()})
    assert response.status_code == 200
    rows = dict(response.context["rows"])
    # Personal appointments and other services' are not listed.
    assert list(rows) == [crew["shared"]]
    offered = rows[crew["shared"]]
    assert crew["free"] in offered
    assert crew["busy"] not in offered
    assert crew["away"] not in offered


def test_a_busy_agent_is_refused_even_if_posted(client, manager, crew):
    client.force_login(manager.user)
    for refused in (crew["busy"], crew["away"]):
        client.post(PAGE, {f"agent_{crew['shared'].pk}": refused.pk})
        crew["shared"].refresh_from_db()
        assert crew["shared"].agent != refused


def test_manager_reassigns_and_the_history_says_who(client, manager, agent, crew):
    client.force_login(manager.user)
    response = client.post(PAGE, {f"agent_{crew['shared'].pk}": crew["free"].pk})
    assert response.status_code == 302
    crew["shared"].refresh_from_db()
    assert crew["shared"].agent == crew["free"]
    record = crew["shared"].history.first()
    assert record.history_user == manager.user
    assert record.history_change_reason == "reassigned"
    assert record.prev_record.agent_id == agent.pk


def test_manager_cannot_reassign_outside_managed_services(client, manager, crew):
    client.force_login(manager.user)
    other = crew["other_service"]
    client.post(PAGE, {f"agent_{other.pk}": crew["free"].pk})
    other.refresh_from_db()
    assert other.agent == crew["stranger"]
    listed = client.get(PAGE, {"ids": str(other.pk)}).context["rows"]
    assert listed == []


def test_an_agent_cannot_redistribute(client, agent, crew):
    client.force_login(agent.user)
    assert client.get(PAGE).status_code == 403
    assert (
        client.post(PAGE, {f"agent_{crew['shared'].pk}": crew["free"].pk}).status_code
        == 403
    )
    crew["shared"].refresh_from_db()
    assert crew["shared"].agent != crew["free"]


def test_changelist_action_opens_the_page_on_the_selection(client, manager, crew):
    client.force_login(manager.user)
    response = client.post(
        reverse("admin:booking_appointment_changelist"),
        {
            "action": "redistribute",
            "_selected_action": [crew["shared"].pk, crew["personal"].pk],
        },
    )
    assert response.status_code == 302
    assert response.url.startswith(PAGE)
    rows = client.get(response.url).context["rows"]
    # The personal appointment is not the manager's to hand over.
    assert [appointment for appointment, _free in rows] == [crew["shared"]]


def test_administrator_redistributes_any_service(client, administrator, crew, day):
    client.force_login(administrator)
    response = client.get(PAGE, {"date": day.isoformat()})
    listed = [appointment for appointment, _free in response.context["rows"]]
    assert crew["other_service"] in listed
    assert all(row.status == Appointment.Status.CONFIRMED for row in listed)


def test_the_page_offers_exactly_what_the_service_accepts(
    manager, crew, day, django_assert_max_num_queries
):
    # Several appointments on two days: the batch computation of the page must
    # agree with booking.services.reassignable_agents, one by one.
    later = next_weekday(weeks_ahead=2)
    rows = [
        crew["shared"],
        appointment_at(crew["free"], crew["shared"].service, day, 11),
        appointment_at(crew["busy"], crew["shared"].service, later, 9),
        appointment_at(crew["away"], crew["shared"].service, later, 10),
    ]
    with django_assert_max_num_queries(15):
        offered = free_colleagues(rows)
    for row in rows:
        assert set(offered[row.pk]) == set(reassignable_agents(row)), row
    assert offered[crew["shared"].pk] == [crew["free"]]
