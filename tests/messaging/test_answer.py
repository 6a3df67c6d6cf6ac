"""Confirm or refuse a request from the agent's e-mail (issue 23, point 2)."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from booking.models import Appointment
from messaging import answer
from messaging.defaults import DEFAULT_TEMPLATES
from messaging.models import Message, MessageTemplate
from tests.factories import ServiceFactory, open_agent

from .conftest import TUESDAY, local

LINK = re.compile(r"https?://\S+(/admin/messaging/answer/\d+/[\w-]+/)")


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()


@pytest.fixture
def request_to_answer(book, reason, desk_agent):
    """A pending request, and the link the agent's e-mail carries."""
    reason.needs_confirmation = True
    reason.save()
    appointment = book()
    assert appointment.status == Appointment.Status.PENDING
    to_agent = next(m for m in mail.outbox if m.to == [desk_agent.user.email])
    return appointment, LINK.search(to_agent.body)[1]


def test_the_agents_email_of_a_request_carries_its_answer_link(
    request_to_answer, desk_agent
):
    appointment, path = request_to_answer
    assert path.startswith(f"/admin/messaging/answer/{appointment.pk}/")
    body = Message.objects.get(event="agent_new").body
    assert "Confirmer ou refuser cette demande" in body
    assert "/admin/messaging/inbox/" in body  # the inbox stays offered


def test_a_confirmed_booking_carries_no_answer_link(book, desk_agent):
    book()
    to_agent = next(m for m in mail.outbox if m.to == [desk_agent.user.email])
    assert not LINK.search(to_agent.body)


def test_the_link_shows_the_request_and_a_get_changes_nothing(
    client, request_to_answer
):
    appointment, path = request_to_answer
    for _scan in range(2):  # a mail scanner, then the agent
        page = client.get(path, HTTP_ACCEPT_LANGUAGE="en")
        assert page.status_code == 200
    html = page.content.decode()
    assert 'value="confirm"' in html and 'name="reason"' in html
    assert str(appointment.citizen) in html
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.PENDING
    assert "_auth_user_id" not in client.session  # the link logs nobody in


def test_confirming_from_the_link_confirms_and_the_link_then_stops(
    client, request_to_answer, desk_agent, django_capture_on_commit_callbacks
):
    appointment, path = request_to_answer
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(path, {"answer": "confirm"}, HTTP_ACCEPT_LANGUAGE="en")

    assert done.status_code == 200
    assert "The citizen is told" in done.content.decode()
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CONFIRMED
    record = appointment.history.first()
    assert record.history_user == desk_agent.user
    assert Message.objects.filter(appointment=appointment, event="confirmed").exists()

    again = client.get(path, HTTP_ACCEPT_LANGUAGE="en")
    assert again.status_code == 410
    assert "already been confirmed" in again.content.decode()
    assert client.post(path, {"answer": "refuse", "reason": "x"}).status_code == 410
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CONFIRMED


def test_refusing_needs_a_reason_the_citizen_reads(client, request_to_answer):
    appointment, path = request_to_answer
    empty = client.post(path, {"answer": "refuse", "reason": " "})
    assert empty.status_code == 400
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.PENDING

    done = client.post(path, {"answer": "refuse", "reason": "Agent absent."})
    assert done.status_code == 200
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.REFUSED
    assert appointment.cancellation_reason == "Agent absent."
    assert client.get(path).status_code == 410


def test_the_link_opens_only_its_own_appointment(
    client, request_to_answer, book, desk_agent
):
    _first, path = request_to_answer
    second = book(start=local(TUESDAY, 14))
    token = path.rstrip("/").rsplit("/", 1)[1]
    other = reverse(
        "admin:messaging_answer", kwargs={"appointment_id": second.pk, "token": token}
    )
    assert client.get(other).status_code == 410
    assert client.post(other, {"answer": "confirm"}).status_code == 410
    second.refresh_from_db()
    assert second.status == Appointment.Status.PENDING


def test_a_forged_or_expired_link_opens_nothing(client, request_to_answer, settings):
    appointment, path = request_to_answer
    forged = reverse(
        "admin:messaging_answer",
        kwargs={"appointment_id": appointment.pk, "token": "AAAAAQ0FTQMCfG139nltnWmT"},
    )
    assert client.get(forged).status_code == 410
    later = timezone.now() + timedelta(hours=settings.REQUEST_LINK_HOURS + 1)
    with time_machine.travel(later, tick=False):
        assert client.get(path).status_code == 410


def test_a_disabled_login_or_another_agent_cannot_answer(
    client, request_to_answer, desk_agent
):
    appointment, path = request_to_answer
    # Another agent of another service holds no right on the request.
    stranger = open_agent(ServiceFactory(name="Urbanisme", slug="urbanisme"))
    stranger_path = answer.answer_path(stranger.user, appointment)
    assert client.get(stranger_path).status_code == 410

    desk_agent.user.is_active = False
    desk_agent.user.save()
    assert client.get(path).status_code == 410


def test_every_shipped_agent_email_offers_the_answer_link():
    for language in ("fr", "nl", "de", "en"):
        text = DEFAULT_TEMPLATES[("agent_new", "email", language)]
        assert "{{ answer_url }}" in text.body
        assert "{{ inbox_url }}" in text.body


def test_the_stored_texts_of_a_new_database_carry_the_link(db):
    for row in MessageTemplate.objects.filter(event="agent_new", channel="email"):
        assert "{{ answer_url }}" in row.body, row.language
