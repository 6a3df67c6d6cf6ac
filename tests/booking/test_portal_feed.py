"""Agents' private iCalendar feeds: content, scope, revocation."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from booking.models import Appointment
from tests.factories import AppointmentFactory, MembershipFactory


def feed_url(agent) -> str:
    return reverse("agent_feed", kwargs={"token": agent.feed_token})


def test_feed_lists_the_agent_active_appointments_in_its_window(
    client, agent, population
):
    now = timezone.now()
    kept = AppointmentFactory(
        agent=agent, service=population, start=now + timedelta(days=3)
    )
    AppointmentFactory(
        agent=agent,
        service=population,
        start=now + timedelta(days=4),
        status=Appointment.Status.CANCELLED,
    )
    AppointmentFactory(agent=agent, service=population, start=now + timedelta(days=200))
    AppointmentFactory(
        agent=MembershipFactory(service=population).agent,
        service=population,
        start=now + timedelta(days=3),
    )
    response = client.get(feed_url(agent))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert response["Cache-Control"] == "private, no-store"
    body = response.content.decode()
    assert body.startswith("BEGIN:VCALENDAR\r\n")
    assert body.count("BEGIN:VEVENT") == 1
    assert f"UID:agenda-{kept.pk}@" in body
    assert kept.citizen.email not in body  # no contact details in a feed


def test_unknown_token_is_not_found(client, agent):
    assert (
        client.get(reverse("agent_feed", kwargs={"token": "nope"})).status_code == 404
    )


def test_regenerating_revokes_the_old_address(client, agent):
    old = feed_url(agent)
    client.force_login(agent.user)
    page = client.get(reverse("admin:portal_feed"))
    assert page.status_code == 200
    assert page.context["feed_url"].endswith(old)
    assert client.post(reverse("admin:portal_feed")).status_code == 302
    agent.refresh_from_db()
    assert feed_url(agent) != old
    assert client.get(old).status_code == 404
    assert client.get(feed_url(agent)).status_code == 200


def test_agent_cannot_revoke_a_colleague_feed(client, agent, population):
    colleague = MembershipFactory(service=population).agent
    token = colleague.feed_token
    client.force_login(agent.user)
    response = client.post(reverse("admin:portal_feed"), {"agent": colleague.pk})
    assert response.status_code == 404
    colleague.refresh_from_db()
    assert colleague.feed_token == token


def test_manager_revokes_the_feed_of_an_agent_of_the_service(client, manager, agent):
    token = agent.feed_token
    client.force_login(manager.user)
    client.post(reverse("admin:portal_feed"), {"agent": agent.pk})
    agent.refresh_from_db()
    assert agent.feed_token != token
