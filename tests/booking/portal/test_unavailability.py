"""Unavailability (R16): reassign team appointments, cancel the rest, preview."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from booking import events
from booking.models import Appointment
from booking.unavailability import unavailability_enter, unavailability_plan
from staffing.models import AvailabilityException
from tests.factories import appointment_at, local, next_weekday, open_agent

PAGE = reverse("admin:portal_unavailability")
Status = Appointment.Status


@pytest.fixture
def day():
    return next_weekday()


@pytest.fixture
def received():
    """Domain signals sent: (name, appointment id)."""
    log = []

    def on_cancelled(sender, appointment, **kwargs):
        log.append(("cancelled", appointment.pk, kwargs.get("reason")))

    def on_reassigned(sender, appointment, **kwargs):
        log.append(("reassigned", appointment.pk, appointment.agent_id))

    events.appointment_cancelled.connect(on_cancelled)
    events.appointment_reassigned.connect(on_reassigned)
    yield log
    events.appointment_cancelled.disconnect(on_cancelled)
    events.appointment_reassigned.disconnect(on_reassigned)


@pytest.fixture
def team(agent, population):
    """The agent and a colleague, both open 9:00–12:00 on the day's weekday."""
    open_agent(population, agent)
    return open_agent(population)


def period(day):
    return local(day, 8), local(day, 13)


def test_team_appointment_goes_to_a_colleague_and_personal_one_is_cancelled(
    agent,
    population,
    team,
    day,
    administrator,
    received,
    django_capture_on_commit_callbacks,
):
    shared = appointment_at(agent, population, day, 9)
    personal = appointment_at(agent, population, day, 10, booked_for_service=False)
    start, end = period(day)
    with django_capture_on_commit_callbacks(execute=True):
        result = unavailability_enter(
            agent=agent, start=start, end=end, note="Formation", actor=administrator
        )
    shared.refresh_from_db()
    personal.refresh_from_db()
    assert shared.agent == team and shared.status == Status.CONFIRMED
    assert personal.status == Status.CANCELLED
    assert personal.cancellation_reason == "Formation"
    assert [change.appointment.pk for change in result.reassigned] == [shared.pk]
    assert [change.appointment.pk for change in result.cancelled] == [personal.pk]
    assert AvailabilityException.objects.get().kind == "unavailable"
    assert sorted(received) == [
        ("cancelled", personal.pk, "Formation"),
        ("reassigned", shared.pk, team.pk),
    ]
    history = shared.history.first()
    assert history.history_user == administrator
    assert history.history_change_reason == "reassigned"


def test_team_appointment_nobody_can_take_is_cancelled(
    agent, population, team, day, administrator
):
    appointment_at(team, population, day, 9)  # the colleague is busy then
    shared = appointment_at(agent, population, day, 9)
    start, end = period(day)
    unavailability_enter(
        agent=agent, start=start, end=end, note="Malade", actor=administrator
    )
    shared.refresh_from_db()
    assert shared.status == Status.CANCELLED


def test_two_overlapping_appointments_and_one_free_colleague(
    agent, population, team, day, administrator
):
    # The colleague could take either, not both: the first one's buffer runs
    # into the second.
    first = appointment_at(agent, population, day, 9, reason__buffer_minutes=15)
    second = appointment_at(agent, population, day, 9, minute=15)
    start, end = period(day)
    plan = unavailability_plan(agent=agent, start=start, end=end)
    assert [change.new_agent for change in plan] == [team, None]
    unavailability_enter(
        agent=agent, start=start, end=end, note="Absent", actor=administrator
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.agent, first.status) == (team, Status.CONFIRMED)
    assert second.status == Status.CANCELLED


def test_plan_writes_nothing(agent, population, team, day):
    shared = appointment_at(agent, population, day, 9)
    start, end = period(day)
    plan = unavailability_plan(agent=agent, start=start, end=end)
    assert [(change.appointment, change.new_agent) for change in plan] == [
        (shared, team)
    ]
    shared.refresh_from_db()
    assert shared.agent == agent
    assert not AvailabilityException.objects.exists()


def test_a_reason_is_required_and_nothing_is_written_without_it(
    agent, population, team, day, administrator
):
    shared = appointment_at(agent, population, day, 9)
    start, end = period(day)
    with pytest.raises(ValidationError):
        unavailability_enter(agent=agent, start=start, end=end, note=" ", actor=None)
    shared.refresh_from_db()
    assert shared.status == Status.CONFIRMED
    assert not AvailabilityException.objects.exists()


def test_page_previews_then_confirms(client, agent, population, team, day):
    shared = appointment_at(agent, population, day, 9)
    personal = appointment_at(agent, population, day, 10, booked_for_service=False)
    client.force_login(agent.user)
    data = {
        "agent": agent.pk,
        "start": f"{day.isoformat()}T08:00",
        "end": f"{day.isoformat()}T13:00",
        "note": "Formation",
    }
    preview = client.post(PAGE, {**data, "action": "preview"})
    assert preview.status_code == 200
    assert [(c.appointment, c.new_agent) for c in preview.context["plan"]] == [
        (shared, team),
        (personal, None),
    ]
    assert not AvailabilityException.objects.exists()
    confirmed = client.post(PAGE, {**data, "action": "confirm"})
    assert confirmed.status_code == 302
    shared.refresh_from_db()
    personal.refresh_from_db()
    assert shared.agent == team
    assert personal.status == Status.CANCELLED


def test_agent_cannot_enter_a_colleague_unavailability(
    client, agent, population, team, day
):
    client.force_login(agent.user)
    response = client.post(
        PAGE,
        {
            "agent": team.pk,
            "start": f"{day.isoformat()}T08:00",
            "end": f"{day.isoformat()}T13:00",
            "note": "x",
            "action": "confirm",
        },
    )
    assert response.status_code == 200
    assert "agent" in response.context["form"].errors
    assert not AvailabilityException.objects.exists()


def test_manager_enters_the_unavailability_of_an_agent_of_the_service(
    client, manager, agent, population, team, day
):
    client.force_login(manager.user)
    response = client.post(
        PAGE,
        {
            "agent": agent.pk,
            "start": f"{day.isoformat()}T08:00",
            "end": f"{day.isoformat()}T13:00",
            "note": "Congé",
            "action": "confirm",
        },
    )
    assert response.status_code == 302
    assert AvailabilityException.objects.get().agent == agent
