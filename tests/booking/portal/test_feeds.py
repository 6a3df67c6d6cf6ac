"""Agents' private iCalendar feeds: content, scope, revocation."""

from datetime import timedelta

import icalendar
import ics
import pytest
from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from booking.models import Appointment
from core.roles import ADMINISTRATOR
from messaging.models import Event, Message
from messaging.tasks import send_feed_address_notices
from staffing.models import Agent, RetiredFeedToken, feed_token_digest
from staffing.services import agent_feed_token_regenerate
from tests.factories import (
    AgentFactory,
    AppointmentFactory,
    CitizenFactory,
    MembershipFactory,
    UserFactory,
)


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


def test_feed_reads_back_in_two_readers_whatever_the_names_hold(
    client, agent, population, settings
):
    """Line breaks, commas and semicolons in a name stay inside their value."""
    settings.SITE_URL = "https://rendez-vous.demo-sur-meuse.be"
    name = "Lévêque-Hôtel-de-Ville-Çà-et-là-Dœuvre-Ångström-Ōhashi-Ñúñez-Łódź"
    start = timezone.localtime().replace(
        hour=10, minute=0, second=0, microsecond=0
    ) + timedelta(days=3)
    appointment = AppointmentFactory(
        pk=4343,
        agent=agent,
        service=population,
        citizen=CitizenFactory(first_name="Jean\rPierre, dit;", last_name=name),
        remarks="Vient avec\r\nsa fille,\x0b un interprète; merci",
        start=start,
        end=start + timedelta(minutes=15),
    )
    body = client.get(feed_url(agent)).content.decode()
    assert "\r" not in body.replace("\r\n", "")
    assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))

    calendar = icalendar.Calendar.from_ical(body)
    (event,) = calendar.events
    # The UID the hand-written feed gave this appointment (issue 18).
    assert event["UID"] == "agenda-4343@rendez-vous.demo-sur-meuse.be"
    citizen = f"{name.upper()} Jean Pierre, dit;"  # as Citizen.__str__ puts it
    assert event["SUMMARY"] == f"{citizen} – {appointment.reason}"
    assert "Vient avec\nsa fille, un interprète; merci" in event["DESCRIPTION"]
    assert event.start == start
    assert event["DTSTART"].params["TZID"] == "Europe/Brussels"
    assert calendar["X-WR-TIMEZONE"] == "Europe/Brussels"
    assert calendar.get_missing_tzids() == set()

    (other,) = ics.Calendar(body).events
    assert other.uid == "agenda-4343@rendez-vous.demo-sur-meuse.be"
    assert other.name == event["SUMMARY"]
    assert other.description == event["DESCRIPTION"]
    assert other.begin == start


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
    assert client.get(old).status_code == 410  # Gone, not unknown
    assert client.get(feed_url(agent)).status_code == 200


def test_agent_cannot_revoke_a_colleague_feed(client, agent, population):
    colleague = MembershipFactory(service=population).agent
    token = colleague.feed_token
    client.force_login(agent.user)
    response = client.post(reverse("admin:portal_feed"), {"agent": colleague.pk})
    assert response.status_code == 404
    colleague.refresh_from_db()
    assert colleague.feed_token == token


def test_a_manager_cannot_renew_the_feed_of_an_agent_of_the_service(
    client, manager, agent
):
    token = agent.feed_token
    client.force_login(manager.user)
    response = client.post(reverse("admin:portal_feed"), {"agent": agent.pk})
    assert response.status_code == 404
    agent.refresh_from_db()
    assert agent.feed_token == token


# --- Issue 12, point 4: feed tokens are secrets ------------------------------------


def administrator_not_superuser():
    return UserFactory(username="admin-not-super", groups=[ADMINISTRATOR])


def agent_change_page(client, user, agent) -> str:
    client.force_login(user)
    response = client.get(reverse("admin:staffing_agent_change", args=[agent.pk]))
    return response.content.decode() if response.status_code == 200 else ""


def test_a_feed_token_is_shown_only_to_its_agent_and_administrators(
    client, agent, manager, administrator, population
):
    colleague = MembershipFactory(service=population).agent
    token = agent.feed_token
    portal = reverse("admin:portal_feed")

    # The agent admin page: the address for the agent and administrators only.
    for user in (agent.user, administrator, administrator_not_superuser()):
        page = agent_change_page(client, user, agent)
        assert token in page, user
        assert 'name="feed_token"' not in page  # never a form field
    for user in (manager.user, colleague.user):
        assert token not in agent_change_page(client, user, agent), user

    # The portal's page: managers and colleagues see only their own.
    for user in (manager.user, colleague.user):
        client.force_login(user)
        assert client.get(portal, {"agent": agent.pk}).status_code == 404
        own = client.get(portal)
        assert own.status_code == 200
        assert token not in own.content.decode()
        assert own.context["agents"] == []  # no other agent to choose
        assert client.post(portal, {"agent": agent.pk}).status_code == 404
    client.force_login(administrator_not_superuser())
    page = client.get(portal, {"agent": agent.pk})
    assert page.status_code == 200
    assert page.context["feed_url"].endswith(feed_url(agent))
    agent.refresh_from_db()
    assert agent.feed_token == token  # nobody renewed it on the way

    # Without a login, nothing: the feed URL itself is the only way in.
    client.logout()
    assert token not in client.get(portal).content.decode()


def test_a_rotated_feed_url_answers_410_gone(client, agent, administrator):
    old = feed_url(agent)
    agent_feed_token_regenerate(agent=agent, actor=administrator)

    gone = client.get(old)
    never = client.get(reverse("agent_feed", kwargs={"token": "never-issued"}))

    assert gone.status_code == 410
    assert gone["Content-Type"] == "text/plain; charset=utf-8"
    assert gone["Cache-Control"] == "private, no-store"
    with translation.override(settings.LANGUAGE_CODE):
        explanation = translation.gettext(
            "This agenda feed address was replaced by a new one and no longer "
            "works. Remove this subscription from your calendar application, "
            "then subscribe to the new address shown on the page “My agenda "
            "feed” of the agent portal."
        )
    assert gone.content.decode().strip() == explanation
    assert never.status_code == 404
    assert client.get(feed_url(agent)).status_code == 200
    # Only a digest of the old token is kept.
    retired = RetiredFeedToken.objects.get(agent=agent)
    assert old.split("/")[-1].removesuffix(".ics") not in retired.token_digest


@pytest.mark.django_db(transaction=True)
def test_token_rotation_migration_rotates_every_token_and_tells_each_agent(
    mailoutbox,
):
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    executor.migrate([("staffing", "0003_retiredfeedtoken")])
    try:
        active = [AgentFactory(), AgentFactory()]
        away = AgentFactory(is_active=False)
        before = {a.pk: a.feed_token for a in [*active, away]}

        executor = MigrationExecutor(connection)
        executor.migrate([("staffing", "0004_rotate_feed_tokens")])
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(leaves)

    for pk, old in before.items():
        agent = Agent.objects.get(pk=pk)
        assert agent.feed_token and agent.feed_token != old
        assert RetiredFeedToken.objects.filter(
            agent=agent, token_digest=feed_token_digest(old), to_notify=True
        ).exists()
        gone = Client().get(reverse("agent_feed", kwargs={"token": old}))
        assert gone.status_code == 410

    assert send_feed_address_notices() == len(active)
    notices = Message.objects.filter(event=Event.AGENT_FEED_ADDRESS)
    assert sorted(notices.values_list("agent_id", flat=True)) == sorted(
        a.pk for a in active
    )
    for notice in notices:
        agent = Agent.objects.select_related("user").get(pk=notice.agent_id)
        assert notice.channel == "email"
        assert notice.recipient == agent.user.email
        assert feed_url(agent) in notice.body
        assert notice.status == Message.Status.SENT
    assert sorted(mail.to[0] for mail in mailoutbox) == sorted(
        a.user.email for a in active
    )
    # Told once; the inactive agent is told once active again.
    assert send_feed_address_notices() == 0
    Agent.objects.filter(pk=away.pk).update(is_active=True)
    assert send_feed_address_notices() == 1


def test_an_agent_can_rotate_his_own_token(client, agent):
    old_url = feed_url(agent)
    client.force_login(agent.user)

    response = client.post(reverse("admin:portal_feed"))

    assert response.status_code == 302
    agent.refresh_from_db()
    assert feed_url(agent) != old_url
    assert client.get(old_url).status_code == 410
    assert client.get(feed_url(agent)).status_code == 200
    page = client.get(reverse("admin:portal_feed"))
    assert page.context["feed_url"].endswith(feed_url(agent))
    # He made it and sees it: no e-mail about it.
    assert not RetiredFeedToken.objects.filter(agent=agent, to_notify=True).exists()
    assert send_feed_address_notices() == 0


def test_an_administrator_renews_an_agent_feed_and_the_agent_is_told(
    client, agent, administrator
):
    client.force_login(administrator)

    client.post(reverse("admin:portal_feed"), {"agent": agent.pk})

    agent.refresh_from_db()
    assert send_feed_address_notices() == 1
    notice = Message.objects.get(event=Event.AGENT_FEED_ADDRESS, agent=agent)
    assert feed_url(agent) in notice.body
