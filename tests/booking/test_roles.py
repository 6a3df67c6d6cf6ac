"""Agents see only their services' appointments (issue 2, ARCHITECTURE roles)."""

import pytest
from django.urls import reverse

from tests.factories import AppointmentFactory


@pytest.fixture
def appointments(agent, population, foreigners):
    own = AppointmentFactory(service=population, agent=agent)
    other = AppointmentFactory(service=foreigners)
    return own, other


def test_agent_lists_only_own_service_appointments(client, agent, appointments):
    own, other = appointments
    client.force_login(agent.user)
    response = client.get(reverse("admin:booking_appointment_changelist"))
    assert response.status_code == 200
    listed = list(response.context["cl"].queryset)
    assert listed == [own]
    assert other not in listed


def test_agent_cannot_open_another_service_appointment(client, agent, appointments):
    own, other = appointments
    client.force_login(agent.user)
    assert (
        client.get(
            reverse("admin:booking_appointment_change", args=[own.pk])
        ).status_code
        == 200
    )
    response = client.get(reverse("admin:booking_appointment_change", args=[other.pk]))
    # The admin answers "does not exist" and sends the user home.
    assert response.status_code == 302
    assert response.url == reverse("admin:index")
    history = client.get(reverse("admin:booking_appointment_history", args=[other.pk]))
    assert history.status_code in (302, 404)


def test_agent_cannot_change_another_agents_typical_week(client, agent, population):
    from tests.factories import MembershipFactory, TypicalWeekFactory

    colleague = MembershipFactory(service=population).agent
    week = TypicalWeekFactory(agent=colleague, service=population)
    client.force_login(agent.user)
    url = reverse("admin:staffing_typicalweek_change", args=[week.pk])
    response = client.get(url)
    # Visible (same service) but read-only: no save button, and a POST is refused.
    assert response.status_code == 200
    assert 'name="_save"' not in response.content.decode()
    assert client.post(url, {"label": "hijacked"}).status_code == 403


def test_manager_changes_typical_weeks_of_the_service_agents(client, manager, agent):
    from tests.factories import TypicalWeekFactory

    week = TypicalWeekFactory(agent=agent, service=manager.services.get())
    client.force_login(manager.user)
    response = client.get(reverse("admin:staffing_typicalweek_change", args=[week.pk]))
    assert response.status_code == 200
    assert 'name="_save"' in response.content.decode()
