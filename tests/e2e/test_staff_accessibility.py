"""Every staff page meets WCAG 2.1 AA as far as axe-core can tell (issue 21):
no serious or critical finding, in the light and the dark theme, on the demo
commune; each page has its main landmark and a skip link.

The demo is loaded on a fixed Thursday morning (time-machine), so that the
agendas show a working day with appointments done, arrived and still to come,
whatever day the suite runs.
"""

import os
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from booking.models import Appointment, Citizen, EarlierTimeRequest
from staffing.models import Service
from tests.e2e.sessions import staff_page

pytestmark = pytest.mark.e2e

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
# A Thursday, 09:40 in Brussels: the morning's first appointments are past.
THURSDAY = datetime(2027, 3, 4, 9, 40, tzinfo=ZoneInfo("Europe/Brussels"))

# (user, path) of every staff page; {appointment}, {service}, {citizen} are
# filled with rows of the demo.
PAGES = [
    ("admin", "/admin/"),
    ("agent", "/admin/agenda/?view=timeGridWeek"),
    ("agent", "/admin/agenda/?view=timeGridDay"),
    ("agent", "/admin/agenda/?view=dayGridMonth"),
    ("agent", "/admin/agenda/?view=listWeek"),
    ("manager", "/admin/agenda/?service={service}&view=timeGridWeek"),
    ("agent", "/admin/agenda/day/"),
    ("manager", "/admin/agenda/day/?service={service}"),
    ("agent", "/admin/phone/"),
    ("agent", "/admin/unavailability/"),
    ("manager", "/admin/availability/"),
    ("manager", "/admin/redistribution/"),
    ("admin", "/admin/statistics/"),
    ("agent", "/admin/feed/"),
    ("manager", "/admin/messaging/inbox/"),
    ("manager", "/admin/booking/appointment/"),
    ("manager", "/admin/booking/appointment/{appointment}/change/"),
    ("manager", "/admin/booking/citizen/"),
    ("manager", "/admin/booking/citizen/{citizen}/change/"),
    # Each service's earlier-time queue (issue 25, point 2).
    ("manager", "/admin/booking/earliertimerequest/"),
    ("manager", "/admin/booking/earliertimerequest/{earlier}/change/"),
    ("admin", "/admin/booking/visitreason/"),
    ("admin", "/admin/staffing/service/"),
    ("admin", "/admin/staffing/service/{service}/change/"),
    ("admin", "/admin/staffing/agent/"),
    ("admin", "/admin/staffing/typicalweek/"),
    ("admin", "/admin/staffing/availabilityexception/"),
    ("admin", "/admin/staffing/closure/"),
    # Issue 24: the presets, the years ahead of the demo's yearly local feast,
    # SMS and budget.
    ("admin", "/admin/staffing/closure/add/?preset=french_community"),
    ("admin", "/admin/staffing/closure/1/years/"),
    ("admin", "/admin/messaging/sms/"),
    ("admin", "/admin/messaging/message/"),
]


@pytest.fixture(autouse=True)
def _password_only(settings):
    """Two-factor sign-in has its own tests: these are about the pages behind."""
    settings.TWO_FACTOR_REQUIRED = False


@pytest.fixture
def demo(transactional_db):
    """The demo commune, seen on a fixed Thursday morning."""
    if not AXE.exists():
        pytest.skip("axe-core is missing: run `npm ci`; skipped.")
    with time_machine.travel(THURSDAY, tick=True):
        call_command("seed_demo", force=True, stdout=open(os.devnull, "w"))  # noqa: SIM115
        yield {
            "service": Service.objects.get(slug="population").pk,
            "appointment": Appointment.objects.order_by("start").first().pk,
            "citizen": Citizen.objects.order_by("pk").first().pk,
            "earlier": EarlierTimeRequest.objects.create(
                appointment=Appointment.objects.filter(
                    service__slug="population", status="confirmed"
                )
                .order_by("-start")
                .first(),
                weekdays=[1, 3],
                parts=["morning"],
            ).pk,
        }


def axe_problems(page) -> list[str]:
    """axe-core's serious and critical findings on the page, one line each."""
    page.evaluate(AXE.read_text())
    result = page.evaluate(
        "async () => await axe.run(document, {resultTypes: ['violations']})"
    )
    return [
        f"{violation['id']} ({violation['impact']}, {len(violation['nodes'])}×): "
        + "; ".join(node["target"][0] for node in violation["nodes"][:2])
        for violation in result["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_every_staff_page_has_no_serious_axe_finding(demo, browser, live_server, theme):
    pages = {}
    problems = []
    for username, path in PAGES:
        if username not in pages:
            pages[username] = staff_page(browser, live_server, username, theme=theme)
        page = pages[username]
        url = path.format(**demo)
        print(f"{theme}: {url}")  # shown when the test fails
        response = page.goto(url)
        assert response.status == 200, f"{url}: {response.status}"
        page.wait_for_load_state("networkidle", timeout=30_000)
        if theme == "dark" and "/agenda/day/" not in url:
            # The admin follows the theme (the day list is a sheet to print).
            assert page.evaluate("document.documentElement.classList.contains('dark')")
        problems += [f"{url} ({theme}): {problem}" for problem in axe_problems(page)]
        # A main landmark, and a way to reach it without the sidebar.
        assert page.locator("main").count() == 1, url
        assert page.locator("a[href='#main-content'], a[href='#main']").count(), url
    for page in pages.values():
        page.context.close()
    assert not problems, "\n".join(problems)


def test_the_skip_link_leads_past_the_sidebar_to_the_agenda(demo, browser, live_server):
    page = staff_page(browser, live_server, "agent")
    page.goto("/admin/agenda/")
    page.wait_for_selector(".fc-timegrid-event")
    page.keyboard.press("Tab")
    skip = page.locator(".rdv-skip-link")
    assert page.evaluate("document.activeElement.className") == "rdv-skip-link"
    box = skip.bounding_box()
    assert box and box["y"] >= 0, "the focused skip link is on screen"
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    # One Tab after the skip link: the agenda's first control, not the sidebar.
    assert page.evaluate("document.activeElement.id") == "rdv-agenda-select"
    page.context.close()
