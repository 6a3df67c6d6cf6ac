"""The desk (issue 22): walk-ins, arrivals by booking reference, who is waiting."""

from datetime import date, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from booking.models import Appointment
from booking.services import (
    BookingError,
    appointment_arrive,
    appointment_call,
    appointment_call_next,
    appointment_undo_arrival,
)
from tests.factories import (
    AgentFactory,
    CitizenFactory,
    MembershipFactory,
    VisitReasonFactory,
    appointment_at,
    local,
    open_agent,
)

DESK = reverse("admin:portal_desk")
WALK_IN = reverse("admin:portal_walk_in")
SLOTS = reverse("admin:portal_phone_slots")
# A Tuesday morning; the Population agent receives from 9 to 12.
TODAY = date(2030, 1, 8)


@pytest.fixture
def morning():
    with time_machine.travel(local(TODAY, 9, 50), tick=True) as traveller:
        yield traveller


@pytest.fixture
def open_population(agent, population):
    return open_agent(population, agent)


@pytest.fixture
def booked(morning, agent, population, open_population):
    """Dupont's appointment at 10:00 today."""
    return appointment_at(
        agent, population, TODAY, 10, citizen=CitizenFactory(last_name="Dupont")
    )


def arrive(client, reference, **extra):
    return client.post(DESK, {"action": "arrive", "reference": reference, **extra})


# --- Arrival by reference -----------------------------------------------------------


def test_a_typed_reference_marks_the_arrival_and_opens_the_appointment(
    client, agent, booked
):
    client.force_login(agent.user)
    # As a scanner types it: lower case is fine, then Enter (the form's submit).
    response = arrive(client, booked.reference_display.lower())
    assert response.status_code == 302
    assert f"opened={booked.pk}" in response["Location"]
    booked.refresh_from_db()
    assert booked.arrived_at is not None
    assert booked.history.first().history_user == agent.user
    page = client.get(response["Location"])
    assert page.context["opened"] == booked
    assert [item.pk for item in page.context["waiting"]] == [booked.pk]
    content = page.content.decode()
    assert booked.reference_display in content
    assert 'value="undo_arrival"' in content


def test_the_arrival_is_undone(client, agent, booked):
    client.force_login(agent.user)
    arrive(client, booked.reference)
    client.post(DESK, {"action": "undo_arrival", "appointment": booked.pk})
    booked.refresh_from_db()
    assert booked.arrived_at is None
    assert booked.history.first().history_change_reason == "arrival undone"


def test_a_second_scan_keeps_the_first_arrival(client, agent, booked, morning):
    client.force_login(agent.user)
    arrive(client, booked.reference)
    booked.refresh_from_db()
    first = booked.arrived_at
    morning.shift(timedelta(minutes=5))
    arrive(client, booked.reference)
    booked.refresh_from_db()
    assert booked.arrived_at == first


def test_the_reference_alone_opens_nothing_without_a_staff_login(
    client, booked, morning
):
    """Anonymous: the admin's login page, the reference neither checked nor shown."""
    response = arrive(client, booked.reference)
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]
    response = client.get(DESK, {"opened": booked.pk})
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]
    booked.refresh_from_db()
    assert booked.arrived_at is None
    # Nor does the public module know any page for a reference.
    for path in (f"/{booked.reference}/", f"/r/{booked.reference}/"):
        answer = client.get(path)
        assert answer.status_code in (302, 404)
        assert "Dupont" not in answer.content.decode()


def test_staff_of_another_service_get_not_found_without_disclosure(
    client, booked, foreigners
):
    stranger = AgentFactory(user__username="agent-foreigners", user__groups=["Agent"])
    MembershipFactory(agent=stranger, service=foreigners)
    client.force_login(stranger.user)
    known = arrive(client, booked.reference)
    unknown = arrive(client, "ZZZZ-ZZZZ")
    assert known.status_code == unknown.status_code == 400
    assert known.context["form"].errors == unknown.context["form"].errors
    assert "Dupont" not in known.content.decode()
    # Nor by its id.
    opened = client.get(DESK, {"opened": booked.pk})
    assert opened.context["opened"] is None
    assert "Dupont" not in opened.content.decode()
    booked.refresh_from_db()
    assert booked.arrived_at is None


def test_what_cannot_be_a_reference_changes_nothing(client, agent, booked):
    client.force_login(agent.user)
    response = arrive(client, "K7MP")
    assert response.status_code == 400
    assert "8" in str(response.context["form"].errors["reference"])
    booked.refresh_from_db()
    assert booked.arrived_at is None


def test_an_appointment_of_another_day_is_shown_but_not_marked(
    client, agent, population, morning, open_population
):
    tomorrow = appointment_at(agent, population, TODAY + timedelta(days=7), 10)
    client.force_login(agent.user)
    response = arrive(client, tomorrow.reference)
    assert response.status_code == 302
    tomorrow.refresh_from_db()
    assert tomorrow.arrived_at is None
    page = client.get(response["Location"])
    assert page.context["opened"] == tomorrow
    assert "15/01/2030" in page.content.decode()


def test_a_cancelled_appointment_is_not_marked(agent, booked):
    booked.status = Appointment.Status.CANCELLED
    booked.save()
    with pytest.raises(BookingError):
        appointment_arrive(appointment=booked, actor=agent.user)


# --- Who is waiting, calling the next one -----------------------------------------


def test_call_next_takes_the_earliest_appointment_then_the_next(
    agent, population, booked, morning
):
    later = appointment_at(agent, population, TODAY, 11, booked_for_service=False)
    appointment_arrive(appointment=later, actor=agent.user)
    morning.shift(timedelta(minutes=3))
    appointment_arrive(appointment=booked, actor=agent.user)
    morning.shift(timedelta(minutes=12))
    scope = Appointment.objects.filter(service=population)
    first = appointment_call_next(queryset=scope, actor=agent.user)
    assert first.pk == booked.pk  # 10:00 before 11:00, whoever came first
    assert first.waited_minutes(timezone.now()) == 12
    second = appointment_call_next(queryset=scope, actor=agent.user)
    assert second.pk == later.pk
    assert appointment_call_next(queryset=scope, actor=agent.user) is None
    assert second.history.first().history_change_reason == "called"


def test_a_called_citizen_is_not_called_twice_nor_unarrived(agent, booked):
    appointment_arrive(appointment=booked, actor=agent.user)
    appointment_call(appointment=booked, actor=agent.user)
    with pytest.raises(BookingError):
        appointment_call(appointment=booked, actor=agent.user)
    with pytest.raises(BookingError):
        appointment_undo_arrival(appointment=booked, actor=agent.user)


def test_nobody_is_called_before_arriving(agent, booked):
    with pytest.raises(BookingError):
        appointment_call(appointment=booked, actor=agent.user)


def test_the_desk_page_calls_the_next_one(client, agent, booked, population, morning):
    client.force_login(agent.user)
    arrive(client, booked.reference)
    morning.shift(timedelta(minutes=7))
    response = client.post(DESK, {"action": "call_next", "service": population.pk})
    assert response.status_code == 302
    booked.refresh_from_db()
    assert booked.called_at is not None
    page = client.get(DESK, {"service": population.pk})
    assert page.context["waiting"] == []


def test_the_day_list_shows_who_waits_and_calls(client, agent, booked, population):
    client.force_login(agent.user)
    arrive(client, booked.reference)
    day_list = reverse("admin:portal_day_list")
    page = client.get(day_list, {"service": population.pk, "date": TODAY.isoformat()})
    assert page.context["waiting_count"] == 1
    assert "data-waiting" in page.content.decode()
    client.post(
        reverse("admin:portal_desk_mark"),
        {"appointment": booked.pk, "status": "call", "next": day_list},
    )
    booked.refresh_from_db()
    assert booked.called_at is not None


def test_the_agenda_says_who_waits(client, agent, booked, population):
    client.force_login(agent.user)
    arrive(client, booked.reference)
    events = client.get(
        reverse("admin:portal_agenda_events"),
        {
            "service": population.pk,
            "start": f"{TODAY}T00:00:00",
            "end": f"{TODAY + timedelta(days=1)}T00:00:00",
        },
    ).json()
    event = next(item for item in events if item.get("id") == str(booked.pk))
    assert event["extendedProps"]["waiting"] is True
    assert any("min" in line for line in event["extendedProps"]["details"])


def test_the_desk_page_queries_do_not_grow_with_the_waiting_list(
    client, agent, booked, population
):
    client.force_login(agent.user)
    arrive(client, booked.reference)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            page = client.get(DESK, {"service": population.pk})
        return len(captured), len(page.context["waiting"])

    one = queries()
    for hour in (10, 11):
        other = appointment_at(agent, population, TODAY, hour, 30)
        appointment_arrive(appointment=other, actor=agent.user)
    three = queries()
    assert (one[1], three[1]) == (1, 3)
    assert three[0] == one[0]


# --- Walk-ins ----------------------------------------------------------------------


def test_a_walk_in_now_is_booked_at_the_desk_and_waits(
    client, agent, population, open_population, morning
):
    reason = VisitReasonFactory(service=population, name="Carte d'identité")
    client.force_login(agent.user)
    slots = client.get(SLOTS, {"reason": reason.pk, "channel": "desk"}).json()["slots"]
    now = slots[0]
    assert now["value"].startswith(f"{TODAY}T09:50")
    assert "09:50" in now["label"]
    # The phone page offers no "now".
    phone = client.get(SLOTS, {"reason": reason.pk}).json()["slots"]
    assert not phone[0]["value"].startswith(f"{TODAY}T09:50")
    response = client.post(
        WALK_IN,
        {
            "action": "book",
            "new_citizen": "1",
            "new-last_name": "Lambert",
            "new-first_name": "Paul",
            "new-phone": "0470 12 34 56",
            "new-language": "fr",
            "reason": reason.pk,
            "start": now["value"],
        },
    )
    assert response.status_code == 302
    assert response["Location"] == WALK_IN
    appointment = Appointment.objects.get(citizen__last_name="Lambert")
    assert appointment.channel == Appointment.Channel.DESK
    assert appointment.created_by == agent.user
    assert appointment.arrived_at is not None
    assert appointment.is_waiting


def test_a_walk_in_for_later_is_booked_not_arrived(
    client, agent, population, open_population, morning
):
    reason = VisitReasonFactory(service=population)
    client.force_login(agent.user)
    slots = client.get(SLOTS, {"reason": reason.pk, "channel": "desk"}).json()["slots"]
    later = slots[3]["value"]
    response = client.post(
        WALK_IN,
        {
            "action": "book",
            "new_citizen": "1",
            "new-last_name": "Peeters",
            "new-first_name": "Luc",
            "new-language": "nl",
            "reason": reason.pk,
            "start": later,
        },
    )
    assert response.status_code == 302
    appointment = Appointment.objects.get(citizen__last_name="Peeters")
    assert appointment.channel == Appointment.Channel.DESK
    assert appointment.arrived_at is None
