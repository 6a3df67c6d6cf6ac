"""An agent answers a request from the e-mail, in a browser (issue 23, point 2):
the link of the "new appointment" e-mail opens the request, Confirm confirms
it (the citizen is told), and the link then no longer works.

``E2E_SCREENSHOTS=<dir>`` also saves the pages (reviews).
"""

import os
import re
from datetime import datetime, time, timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.core.cache import cache
from django.utils import timezone

from booking.models import Appointment
from booking.services import appointment_book
from messaging.models import Message
from tests.factories import CitizenFactory

pytestmark = pytest.mark.e2e

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

LINK = re.compile(r"https?://\S+(/admin/messaging/answer/\d+/[\w-]+/)")


def screenshot(page, name: str) -> None:
    if folder := os.environ.get("E2E_SCREENSHOTS"):
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=Path(folder) / f"{name}.png", full_page=True)


@pytest.fixture
def pending(population):
    """A request for tomorrow 10:00 awaiting the agent, and its e-mail link."""
    cache.clear()
    reason = population.reasons.get()
    reason.needs_confirmation = True
    reason.save()
    citizen = CitizenFactory(
        first_name="Anna", last_name="Peeters", email="anna@example.be"
    )
    tomorrow = timezone.localdate() + timedelta(days=1)
    start = datetime.combine(tomorrow, time(10), tzinfo=timezone.get_current_timezone())
    mail.outbox = []
    appointment = appointment_book(
        service=population, reason=reason, start=start, citizen=citizen
    )
    assert appointment.status == Appointment.Status.PENDING
    agent_email = appointment.agent.user.email
    to_agent = next(message for message in mail.outbox if message.to == [agent_email])
    return appointment, LINK.search(to_agent.body)[1]


def test_an_agent_confirms_a_request_from_the_email(
    new_page, pending, assert_accessible
):
    appointment, path = pending
    page = new_page(language="fr")
    page.goto(path)
    assert "peeters" in page.content().lower()
    assert_accessible(page)
    screenshot(page, "answer-request")
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.PENDING  # a GET changes nothing

    page.click("button[value=confirm]")
    page.wait_for_selector("[role=status]")
    assert_accessible(page)
    screenshot(page, "answer-request-done")
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CONFIRMED
    assert Message.objects.filter(appointment=appointment, event="confirmed").exists()

    again = page.goto(path)
    assert again.status == 410
    assert_accessible(page)
    screenshot(page, "answer-request-spent")
