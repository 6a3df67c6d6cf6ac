"""The personal link lasts (issue 20, point 5), in Chromium: the first
message's short link still opens the appointment after the citizen moved it,
and the HTML e-mail shows a button that keeps a phone's screen narrow.

``E2E_SCREENSHOTS=<dir>`` also saves the pages and the e-mail (reviews).
"""

import os
import re
from datetime import datetime, time, timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from booking.links import manage_path
from booking.models import Appointment
from booking.services import appointment_book
from tests.e2e.sessions import staff_page
from tests.factories import CitizenFactory

pytestmark = pytest.mark.e2e

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

SHORT_LINK = re.compile(r"https?://[^\s\"<>]+(/r/\w+)")
PHONE_WIDTH = 360


def screenshot(page, name: str) -> None:
    if folder := os.environ.get("E2E_SCREENSHOTS"):
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=Path(folder) / f"{name}.png", full_page=True)


@pytest.fixture
def booked(population):
    """An appointment in three days at 10:00, and the citizen's first e-mail."""
    cache.clear()
    citizen = CitizenFactory(
        first_name="Françoise",
        last_name="Vanderbeken-Dupont",
        email="francoise@example.be",
        language="fr",
    )
    day = timezone.localdate() + timedelta(days=3)
    start = datetime.combine(day, time(10), tzinfo=timezone.get_current_timezone())
    mail.outbox = []
    appointment = appointment_book(
        service=population,
        reason=population.reasons.get(),
        start=start,
        citizen=citizen,
    )
    [first] = [message for message in mail.outbox if message.to == [citizen.email]]
    return appointment, first


def test_a_moved_appointment_opens_from_its_first_link(
    new_page, booked, assert_accessible
):
    appointment, first = booked
    path = SHORT_LINK.search(first.body)[1]
    page = new_page(language="fr")
    page.goto(path)
    assert page.url.endswith(f"/manage/{appointment.link_code}/")
    assert "10:00" in page.locator("main").inner_text()
    assert_accessible(page)

    page.click("[data-action=move]")
    page.locator("input[name=slot]").first.check()
    page.click("form[data-once] button[type=submit]")
    page.wait_for_url(re.compile(r"/manage/\w+/"))
    first_start = appointment.start
    appointment.refresh_from_db()
    assert appointment.start != first_start
    moved = [m for m in mail.outbox if m is not first and "déplacé" in m.subject]
    assert moved and SHORT_LINK.search(moved[0].body)[1] == path  # the same link

    # The first e-mail's link, in another browser: the new time.
    later = new_page(language="fr")
    response = later.goto(path)
    assert response.status == 200
    new_time = timezone.localtime(appointment.start).strftime("%H:%M")
    assert new_time in later.locator("main").inner_text()
    assert_accessible(later)
    screenshot(later, "lasting-link-after-move")
    assert appointment.status == Appointment.Status.CONFIRMED


def test_the_email_shows_a_button_within_a_phone_screen(browser, booked):
    """The HTML e-mail at phone width: a button to the appointment, no raw
    address, nothing wider than the screen."""
    _appointment, first = booked
    [(html, mimetype)] = first.alternatives
    assert mimetype == "text/html"
    context = browser.new_context(viewport={"width": PHONE_WIDTH, "height": 800})
    page = context.new_page()
    page.set_content(html)
    with translation.override("fr"):
        label = gettext("Open my appointment")
    button = page.get_by_role("link", name=label)
    assert button.count() == 1
    assert SHORT_LINK.search(button.get_attribute("href"))
    text = page.locator("body").inner_text()
    assert "/r/" not in text  # the address is behind the button, not shown
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_WIDTH
    box = button.bounding_box()
    assert box["height"] >= 40 and box["x"] + box["width"] <= PHONE_WIDTH
    screenshot(page, "email-phone")
    context.close()


def test_staff_revoke_the_link_from_the_appointment(
    new_page, booked, browser, live_server, settings, assert_accessible
):
    """The appointment's button asks first, then revokes: the first link no
    longer opens the appointment, in the citizen's browser."""
    from django.contrib.auth import get_user_model

    settings.TWO_FACTOR_REQUIRED = False  # two-factor sign-in has its own tests
    appointment, first = booked
    path = SHORT_LINK.search(first.body)[1]
    get_user_model().objects.create_superuser("boss", "boss@example.be", "x")
    staff = staff_page(browser, live_server, "boss")
    staff.goto(reverse("admin:booking_appointment_change", args=[appointment.pk]))
    with translation.override("fr"):
        label = gettext("Revoke the personal link")
        confirm = gettext("Revoke the link")
    staff.get_by_role("link", name=label).click()
    staff.get_by_role("button", name=confirm).wait_for()
    assert_accessible(staff)
    screenshot(staff, "revoke-link-dialog")
    # The form's post, then the redirect back to the appointment: waited for
    # (a "network idle" may come before the post leaves on a busy machine).
    with staff.expect_navigation():
        staff.get_by_role("button", name=confirm).click()
    appointment.refresh_from_db()
    assert appointment.link_revoked_at is not None
    staff.context.close()

    citizen = new_page(language="fr")
    assert citizen.goto(path).status == 404
    assert_accessible(citizen)
    assert citizen.goto(manage_path(appointment)).status == 200
