"""Requests that never rot (issue 24, point 1, R10).

A request still unanswered some hours (the service's) after it was made goes
to the service's managers; still unanswered a set time before its time, it is
confirmed or refused as the service chose, and the citizen is told.
"""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation

from booking.models import Appointment
from messaging import tasks
from messaging.defaults import AUTOMATIC_REFUSAL
from messaging.models import Message
from staffing.models import Membership
from tests.factories import AgentFactory, MembershipFactory, local

from .conftest import NOW, TUESDAY

BOOKED_AT = NOW  # Monday 09:00; the request is for Tuesday 13:00


@pytest.fixture
def requests_service(service):
    service.needs_confirmation = True
    service.request_escalation_hours = 2
    service.request_deadline_hours = 12  # Tuesday 01:00
    service.request_deadline_decision = "refuse"
    service.save()
    return service


@pytest.fixture
def service_manager(requests_service):
    agent = AgentFactory(user__email="chef@commune.be", user__first_name="Chef")
    MembershipFactory(
        agent=agent, service=requests_service, role=Membership.Role.MANAGER
    )
    return agent


@pytest.fixture
def request_(requests_service, book, rules):
    rules(agent_new="none", pending="email", refused="email", confirmed="email")
    appointment = book(local(TUESDAY, 13))
    assert appointment.status == Appointment.Status.PENDING
    mail.outbox.clear()
    return appointment


def _chase(clock, committed, when):
    clock.move_to(when)
    return committed(tasks.chase_requests)


def test_an_unanswered_request_goes_to_the_managers_at_the_services_hour(
    request_, service_manager, clock, committed
):
    assert _chase(clock, committed, BOOKED_AT + timedelta(hours=1, minutes=59)) == {
        "escalated": 0,
        "decided": 0,
    }
    assert mail.outbox == []

    result = _chase(clock, committed, BOOKED_AT + timedelta(hours=2, minutes=1))

    assert result["escalated"] == 1
    message = Message.objects.get(event="agent_request_late")
    assert message.agent == service_manager
    assert message.status == Message.Status.SENT
    [sent] = mail.outbox
    assert sent.to == ["chef@commune.be"]
    assert "Anna Peeters" in sent.body
    # Once: the next runs tell nobody again.
    assert _chase(clock, committed, BOOKED_AT + timedelta(hours=3))["escalated"] == 0
    assert len(mail.outbox) == 1


def test_a_service_without_escalation_hours_tells_nobody(
    request_, service_manager, clock, committed
):
    request_.service.request_escalation_hours = None
    request_.service.save()

    assert _chase(clock, committed, BOOKED_AT + timedelta(hours=20))["escalated"] == 0


def test_a_request_still_unanswered_at_the_deadline_is_refused_and_the_citizen_told(
    request_, service_manager, clock, committed
):
    deadline = local(TUESDAY, 1)
    assert _chase(clock, committed, deadline - timedelta(minutes=1))["decided"] == 0
    request_.refresh_from_db()
    assert request_.status == Appointment.Status.PENDING
    mail.outbox.clear()

    assert _chase(clock, committed, deadline + timedelta(minutes=1))["decided"] == 1

    request_.refresh_from_db()
    assert request_.status == Appointment.Status.REFUSED
    assert request_.cancellation_reason == AUTOMATIC_REFUSAL["nl"]
    to_citizen = [m for m in mail.outbox if m.to == ["anna@example.be"]]
    assert len(to_citizen) == 1
    assert AUTOMATIC_REFUSAL["nl"] in to_citizen[0].body


def test_a_service_may_confirm_its_unanswered_requests_instead(
    request_, clock, committed
):
    request_.service.request_deadline_decision = "confirm"
    request_.service.save()

    assert _chase(clock, committed, local(TUESDAY, 1, 1))["decided"] == 1

    request_.refresh_from_db()
    assert request_.status == Appointment.Status.CONFIRMED
    assert Message.objects.filter(
        appointment=request_, event="confirmed", status="sent"
    ).exists()


def test_an_answered_request_is_left_alone(request_, clock, committed, administrator):
    from booking.services import appointment_confirm

    committed(appointment_confirm, appointment=request_, actor=administrator)

    result = _chase(clock, committed, local(TUESDAY, 2))

    assert result == {"escalated": 0, "decided": 0}


def test_the_inbox_shows_each_requests_age_and_its_automatic_decision(
    request_, administrator, client, clock
):
    # From the row's own time: the clock ticked while the fixtures were made.
    clock.move_to(request_.created_at + timedelta(hours=3))
    client.force_login(administrator)

    with translation.override("en"):
        page = client.get(
            reverse("admin:messaging_inbox"), HTTP_ACCEPT_LANGUAGE="en"
        ).content.decode()

    assert "Requested 3\xa0hours ago" in page
    assert "refused automatically on Tuesday 5 January, 01:00" in page
