"""Browser tests of the agent portal (issue 6): phone booking with the keyboard
only, an unavailability, a redistribution, the week view of the demo.

Debian's Chromium through Playwright against pytest-django's live server; the
fixtures here are the portal's own (tests/e2e/conftest.py is the public
module's).
"""

import os
import time as clock
from datetime import datetime, time, timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from booking.models import Appointment
from core.roles import AGENT, SERVICE_MANAGER
from staffing.models import Agent, Membership
from tests.factories import (
    AgentFactory,
    AppointmentFactory,
    CitizenFactory,
    ServiceFactory,
    VisitReasonFactory,
    appointment_at,
    next_weekday,
    open_agent,
)
from tests.i18n import translated
from tests.two_factor import sign_in

pytestmark = pytest.mark.e2e

CHROMIUM = Path("/usr/bin/chromium")
PASSWORD = "secret-pass"  # tests.factories.UserFactory's

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="module")
def portal_browser():
    if not CHROMIUM.exists():
        pytest.skip("The portal's browser tests need /usr/bin/chromium; skipped.")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-background-networking"],
        )
        yield browser
        browser.close()


@pytest.fixture
def login(portal_browser, live_server):
    """A page logged in to the admin as ``username``."""
    contexts = []

    def open_as(username: str, password: str = PASSWORD):
        context = portal_browser.new_context(
            base_url=live_server.url,
            locale="fr-BE",
            timezone_id="Europe/Brussels",
            extra_http_headers={"Accept-Language": "fr"},
            viewport={"width": 1366, "height": 900},
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        sign_in(page, username, password)  # with the second factor (issue 23)
        return page

    yield open_as
    for context in contexts:
        context.close()


@pytest.fixture
def population(transactional_db):
    return ServiceFactory(name="Population", slug="population", min_notice_hours=2)


def agent_in(service, username, *, group=AGENT, role=Membership.Role.MEMBER, **hours):
    agent = AgentFactory(user__username=username, user__groups=[group])
    for weekday in range(6):
        open_agent(service, agent, weekdays=[weekday], role=role, **hours)
    return agent


def test_agent_books_by_phone_with_the_keyboard_only(login, population):
    agent = agent_in(population, "julie", start=time(7), end=time(20))
    reason = VisitReasonFactory(service=population, name="Carte d'identité")
    VisitReasonFactory(service=population, name="Passeport")
    citizen = CitizenFactory(last_name="Dupont", first_name="Jeanne")
    # A past visit: a search by name lists only the service's citizens (GDPR).
    visited = timezone.make_aware(datetime(2024, 1, 9, 10))
    AppointmentFactory(
        citizen=citizen,
        service=population,
        start=visited,
        end=visited + timedelta(minutes=15),
        status=Appointment.Status.DONE,
    )
    page = login("julie")
    page.goto("/admin/phone/")
    page.wait_for_function("document.activeElement.id === 'rdv-q'")

    started = clock.monotonic()
    page.keyboard.type("dupont")
    page.wait_for_selector("#rdv-results input")
    page.keyboard.press("Enter")  # the first match
    page.wait_for_function("document.activeElement.id === 'rdv-reason'")
    page.keyboard.type("Carte")
    page.wait_for_selector("#rdv-slots input:checked")
    page.keyboard.press("Enter")  # to the first free time, already selected
    with page.expect_navigation():
        page.keyboard.press("Enter")  # confirms
    elapsed = clock.monotonic() - started

    appointment = Appointment.objects.get(
        citizen=citizen, channel=Appointment.Channel.PHONE
    )
    assert appointment.reason == reason
    assert appointment.channel == Appointment.Channel.PHONE
    assert appointment.created_by == agent.user
    assert "DUPONT Jeanne" in page.inner_text("#main")  # the success message
    assert elapsed < 30, f"the phone booking took {elapsed:.1f} s"


def test_unavailability_reassigns_a_team_appointment_and_cancels_another(
    login, population
):
    julie = agent_in(population, "julie", start=time(9), end=time(12))
    marc = agent_in(population, "marc", start=time(9), end=time(12))
    day = next_weekday()
    citizen = CitizenFactory(email="jeanne@example.be", language="fr")
    shared = appointment_at(julie, population, day, 9)
    personal = appointment_at(
        julie, population, day, 10, booked_for_service=False, citizen=citizen
    )
    page = login("julie")
    page.goto("/admin/unavailability/")
    page.fill("#id_start", f"{day.isoformat()}T08:00")
    page.fill("#id_end", f"{day.isoformat()}T13:00")
    page.fill("#id_note", "Formation imprévue")
    preview_button = translated("Show the appointments concerned")
    page.get_by_role("button", name=preview_button).click()
    preview = page.locator("table.rdv-table")
    preview.wait_for()
    assert str(marc) in preview.inner_text()
    page.click("#rdv-confirm-unavailability")
    page.wait_for_url("**/admin/agenda/**")

    shared.refresh_from_db()
    personal.refresh_from_db()
    assert shared.agent == marc
    assert shared.status == Appointment.Status.CONFIRMED
    assert personal.status == Appointment.Status.CANCELLED
    assert personal.cancellation_reason == "Formation imprévue"
    try:
        from messaging.models import Message
    except ImportError:  # messaging not installed: the statuses say enough
        return
    told = Message.objects.filter(appointment=personal, recipient=citizen.email)
    assert told.filter(event__startswith="cancelled").exists()


def test_manager_redistributes_an_appointment(login, population):
    agent_in(
        population,
        "sophie",
        group=SERVICE_MANAGER,
        role=Membership.Role.MANAGER,
        start=time(13),
        end=time(14),
    )
    julie = agent_in(population, "julie", start=time(9), end=time(12))
    marc = agent_in(population, "marc", start=time(9), end=time(12))
    day = next_weekday()
    shared = appointment_at(julie, population, day, 9, minute=30)
    page = login("sophie")
    page.goto(f"/admin/redistribution/?date={day.isoformat()}")
    page.select_option(f"#agent_{shared.pk}", str(marc.pk))
    page.click("#rdv-reassign")
    page.wait_for_load_state("networkidle")
    shared.refresh_from_db()
    assert shared.agent == marc
    record = shared.history.first()
    assert record.history_user.username == "sophie"


def test_week_view_shows_the_demo_appointments(login, transactional_db):
    call_command("seed_demo", force=True, stdout=open(os.devnull, "w"))  # noqa: SIM115
    julie = Agent.objects.get(user__username="agent")
    today = timezone.localdate()
    # A working day of this week or the next that has appointments.
    monday = today - timedelta(days=today.weekday())
    tz = timezone.get_default_timezone()
    for week_start in (monday, monday + timedelta(days=7)):
        start = datetime.combine(week_start, time.min, tzinfo=tz)
        expected = (
            Appointment.objects.active()
            .filter(agent=julie, start__gte=start, start__lt=start + timedelta(days=6))
            .count()
        )
        if expected:
            break
    assert expected, "the demo gives the agent appointments every week"
    page = login("agent", "agent")
    page.goto(f"/admin/agenda/?date={week_start.isoformat()}&view=timeGridWeek")
    page.wait_for_selector(".fc-timegrid-event")
    page.wait_for_load_state("networkidle")
    shown = page.locator(".fc-timegrid-event").count()
    assert shown == expected
    assert page.locator(".fc-bg-event.rdv-open").count() > 0
    # A click opens the appointment.
    page.locator(".fc-timegrid-event").first.click()
    page.wait_for_url("**/booking/appointment/**/change/")
    assert "/change/" in page.url
