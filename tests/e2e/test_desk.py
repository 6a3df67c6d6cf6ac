"""The desk in the browser (issue 22): a walk-in recorded from the keyboard, a
booking reference typed as a keyboard-style scanner types it (the characters,
then Enter) marks the arrival, the waiting list shows both, the next one is
called, and the statistics count the desk channel and the waiting time. The
desk pages have no serious axe finding, light or dark; screenshots of the desk
page go to ``DESK_SCREENSHOTS`` when it is set.
"""

import os
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import translation

from booking.models import Appointment
from core.roles import AGENT
from tests.e2e.sessions import staff_page
from tests.e2e.test_staff_accessibility import AXE, axe_problems
from tests.factories import (
    AgentFactory,
    CitizenFactory,
    ServiceFactory,
    VisitReasonFactory,
    appointment_at,
    open_agent,
)

pytestmark = pytest.mark.e2e

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# A Tuesday, 09:40 in Brussels.
TODAY = date(2030, 1, 8)
MORNING = datetime(2030, 1, 8, 9, 40, tzinfo=ZoneInfo("Europe/Brussels"))
SCREENSHOTS = os.environ.get("DESK_SCREENSHOTS", "")


def french(message: str) -> str:
    """What the French page shows for ``message``: its translation, or the
    English text until the coordinator translates the new ones."""
    with translation.override("fr"):
        return translation.gettext(message)


@pytest.fixture(autouse=True)
def _password_only(settings):
    """Two-factor sign-in has its own tests: these are about the pages behind."""
    settings.TWO_FACTOR_REQUIRED = False


@pytest.fixture
def desk(transactional_db):
    """Population, two agents open all day, Dupont booked at 10:00 today."""
    with time_machine.travel(MORNING, tick=True) as traveller:
        population = ServiceFactory(name="Population", slug="population")
        julie = AgentFactory(
            user__username="julie",
            user__first_name="Julie",
            user__last_name="Martin",
            user__groups=[AGENT],
        )
        open_agent(population, julie, weekdays=range(7), start=time(8), end=time(17))
        open_agent(population, weekdays=range(7), start=time(8), end=time(17))
        reason = VisitReasonFactory(service=population, name="Carte d'identité")
        dupont = appointment_at(
            julie,
            population,
            TODAY,
            10,
            reason=reason,
            citizen=CitizenFactory(last_name="Dupont", first_name="Jeanne"),
        )
        yield {"clock": traveller, "service": population, "dupont": dupont}


def test_walk_in_arrival_by_reference_waiting_list_and_statistics(
    desk, browser, live_server
):
    page = staff_page(browser, live_server, "julie")

    # 1. A walk-in, from the keyboard only: name, Enter (new citizen), first
    # name, Enter, the reason's first letters, Enter ("now" is selected),
    # Enter books.
    page.goto("/admin/desk/walk-in/")
    page.wait_for_function("document.activeElement.id === 'rdv-q'")
    page.keyboard.type("Lambert")
    page.wait_for_function(
        "document.getElementById('rdv-results-status').textContent.trim() !== ''"
    )
    page.keyboard.press("Enter")
    page.wait_for_function("document.activeElement.id === 'id_new-first_name'")
    page.keyboard.type("Paul")
    page.keyboard.press("Enter")
    page.wait_for_function("document.activeElement.id === 'rdv-reason'")
    page.keyboard.type("Carte")
    page.wait_for_selector("#rdv-slots input:checked")
    assert "09:40" in page.inner_text("#rdv-slots li:first-child")
    page.keyboard.press("Enter")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    walk_in = Appointment.objects.get(citizen__last_name="Lambert")
    assert walk_in.channel == Appointment.Channel.DESK
    assert walk_in.arrived_at is not None
    assert walk_in.reference_display in page.inner_text("#main")

    # 2. Dupont shows the QR code: the scanner types the reference, then Enter.
    desk["clock"].shift(timedelta(minutes=5))
    page.goto("/admin/desk/")
    page.wait_for_function("document.activeElement.name === 'reference'")
    dupont = desk["dupont"]
    with page.expect_navigation():
        page.keyboard.type(dupont.reference_display, delay=15)
        page.keyboard.press("Enter")
    dupont.refresh_from_db()
    assert dupont.arrived_at is not None
    assert "DUPONT Jeanne" in page.inner_text("#rdv-opened")

    # 3. The waiting list shows both, in the order they will be called.
    rows = page.locator("#rdv-waiting tbody tr")
    assert rows.count() == 2
    assert "LAMBERT Paul" in rows.nth(0).inner_text()
    assert "DUPONT Jeanne" in rows.nth(1).inner_text()
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SCREENSHOTS}/desk-light.png", full_page=True)
    problems = axe_problems(page) if AXE.exists() else []

    # 4. Twelve minutes later, the next one is called, then Dupont.
    desk["clock"].shift(timedelta(minutes=12))
    for _ in range(2):
        with page.expect_navigation():
            page.get_by_role("button", name=french("Call the next one")).click()
    walk_in.refresh_from_db()
    dupont.refresh_from_db()
    assert walk_in.waited_minutes(walk_in.called_at) == 17
    assert dupont.waited_minutes(dupont.called_at) == 12
    assert page.locator("#rdv-waiting").count() == 0

    # 5. The statistics of the day: one desk booking, waits of 17 and 12 min.
    page.goto(f"/admin/statistics/?first_day={TODAY}&last_day={TODAY}&granularity=day")
    channels = page.locator("#caption-channels").locator("xpath=..")
    desk_row = channels.locator("tbody tr", has_text=french("desk"))
    assert desk_row.locator("td").first.inner_text().strip() == "1"
    waiting = page.locator("#caption-waiting").locator("xpath=..")
    total = waiting.locator("tfoot tr").inner_text()
    assert "2" in total and "14,5" in total  # average (17 + 12) / 2
    page.context.close()
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_desk_pages_have_no_serious_axe_finding(desk, browser, live_server, theme):
    if not AXE.exists():
        pytest.skip("axe-core is missing: run `npm ci`; skipped.")
    page = staff_page(browser, live_server, "julie", theme=theme)
    dupont = desk["dupont"]
    problems = []
    for url in (
        "/admin/desk/",
        f"/admin/desk/?opened={dupont.pk}",
        "/admin/desk/walk-in/",
    ):
        response = page.goto(url)
        assert response.status == 200, url
        page.wait_for_load_state("networkidle")
        problems += [f"{url} ({theme}): {item}" for item in axe_problems(page)]
    # With someone waiting, and an error under the reference field.
    focused = "document.activeElement.name === 'reference'"
    page.goto("/admin/desk/")
    page.wait_for_function(focused)
    with page.expect_navigation():
        page.keyboard.type(dupont.reference_display)
        page.keyboard.press("Enter")
    problems += [f"arrived ({theme}): {item}" for item in axe_problems(page)]
    page.wait_for_function(focused)
    page.keyboard.type("K7MP")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("#rdv-reference-error").count() == 1
    problems += [f"error ({theme}): {item}" for item in axe_problems(page)]
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.goto(f"/admin/desk/?opened={dupont.pk}")
        page.screenshot(path=f"{SCREENSHOTS}/desk-{theme}-opened.png", full_page=True)
    page.context.close()
    assert not problems, "\n".join(problems)
