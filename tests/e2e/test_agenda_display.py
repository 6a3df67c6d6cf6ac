"""Agendas and the day list in the browser (issue 21, points 1 and 3): one
line per event inside its box, events at the same time side by side, the day
from the first opening hour, named previous / next buttons, details on focus,
the day list opened on today, a no-show confirmed and undone.

The clock stands on a Tuesday morning (time-machine), whatever day it is.
"""

import os
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from booking.models import Appointment
from core.roles import AGENT, SERVICE_MANAGER
from staffing.models import Membership
from tests.e2e.sessions import staff_page
from tests.factories import (
    AgentFactory,
    AppointmentFactory,
    CitizenFactory,
    ServiceFactory,
    TypicalWeekFactory,
    TypicalWeekRangeFactory,
    VisitReasonFactory,
)

pytestmark = pytest.mark.e2e

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

BRUSSELS = ZoneInfo("Europe/Brussels")
TUESDAY = date(2027, 3, 2)


def at(hour: int, minute: int = 0) -> datetime:
    return datetime.combine(TUESDAY, time(hour, minute), tzinfo=BRUSSELS)


def agent_of(service, username, *, first, last, colour, group=AGENT):
    """An agent open on weekdays from 8:30 to 12:00 in ``service``."""
    agent = AgentFactory(
        user__username=username,
        user__first_name=first,
        user__last_name=last,
        colour=colour,
        user__groups=[group],
    )
    role = (
        Membership.Role.MANAGER if group == SERVICE_MANAGER else Membership.Role.MEMBER
    )
    Membership.objects.create(agent=agent, service=service, role=role)
    week = TypicalWeekFactory(agent=agent, service=service, valid_from=date(2027, 1, 4))
    for weekday in range(5):
        TypicalWeekRangeFactory(
            typical_week=week, weekday=weekday, start=time(8, 30), end=time(12)
        )
    return agent


@pytest.fixture(autouse=True)
def _password_only(settings):
    """Two-factor sign-in has its own tests: these are about the pages behind."""
    settings.TWO_FACTOR_REQUIRED = False


@pytest.fixture
def tuesday(transactional_db):
    """Population with two agents and a morning of short appointments."""
    with time_machine.travel(at(9, 40), tick=True):
        service = ServiceFactory(name="Population", slug="population")
        julie = agent_of(
            service, "julie", first="Julie", last="Renard", colour="#059669"
        )
        sophie = agent_of(
            service,
            "sophie",
            first="Sophie",
            last="Lambert",
            colour="#1d4ed8",
            group=SERVICE_MANAGER,
        )
        reason = VisitReasonFactory(
            service=service, name="Carte d'identité électronique (eID)"
        )

        def book(agent, hour, minute, minutes, last, **extra):
            start = at(hour, minute)
            return AppointmentFactory(
                agent=agent,
                service=service,
                reason=reason,
                citizen=CitizenFactory(last_name=last, first_name="Maxime"),
                start=start,
                end=start + timedelta(minutes=minutes),
                **extra,
            )

        rows = {
            "short": book(julie, 8, 30, 10, "François"),
            "done": book(julie, 8, 45, 15, "Jost", status=Appointment.Status.DONE),
            "left": book(julie, 10, 0, 20, "El Amrani"),
            "right": book(sophie, 10, 0, 20, "Van den Broeck"),
            "late": book(sophie, 9, 15, 15, "Heinen"),
        }
        yield {"service": service, "julie": julie, "sophie": sophie, **rows}


@pytest.fixture
def login(browser, live_server):
    """Pages signed in as a user (tests/e2e/sessions.py), closed afterwards."""
    pages = []

    def open_as(username):
        pages.append(staff_page(browser, live_server, username))
        return pages[-1]

    yield open_as
    for page in pages:
        page.context.close()


def boxes(page, appointment):
    """The on-screen boxes of an appointment's event and of its first line."""
    event = page.locator(f".rdv-event[href*='/{appointment.pk}/change/']")
    return (
        event.bounding_box(),
        event.locator(".rdv-event-line").bounding_box(),
        event,
    )


def test_service_week_is_readable(login, tuesday):
    page = login("sophie")
    service = tuesday["service"]
    page.goto(f"/admin/agenda/?service={service.pk}&view=timeGridWeek")
    page.wait_for_selector(".rdv-event")
    page.wait_for_load_state("networkidle")

    # The day starts at the first opening hour (8:30 → the 08:00 row).
    first_label = page.locator(".fc-timegrid-slot-label[data-time]").first
    assert first_label.get_attribute("data-time") == "08:00:00"

    # A 10-minute appointment: its line stands whole inside its box.
    box, line, event = boxes(page, tuesday["short"])
    assert line["height"] <= 18
    assert line["y"] >= box["y"] - 1
    assert line["y"] + line["height"] <= box["y"] + box["height"] + 1
    assert line["x"] + line["width"] <= box["x"] + box["width"] + 1
    # Dark text on a light tint of the agent's colour.
    colours = event.evaluate(
        "el => [getComputedStyle(el).color, getComputedStyle(el).backgroundColor]"
    )
    assert colours[0] == "rgb(17, 24, 39)"
    assert colours[1] != "rgb(5, 150, 105)"

    # Two appointments at 10:00: side by side, never on each other.
    left, _line, _event = boxes(page, tuesday["left"])
    right, _line, _event = boxes(page, tuesday["right"])
    assert (
        left["x"] + left["width"] <= right["x"] + 1
        or right["x"] + right["width"] <= left["x"] + 1
    )

    # Previous and next say what they do, in French.
    previous = page.locator(".fc-prev-button")
    assert previous.inner_text().strip()
    assert previous.get_attribute("title")
    assert page.locator(".fc-icon[role=img]").count() == 0

    # Focus shows the details; the event's name carries them for screen readers.
    event.focus()
    tip = page.locator(".rdv-event-tip")
    tip.wait_for(state="visible")
    assert "EL AMRANI Maxime" in page.locator(".rdv-event-tip").inner_text() or (
        "FRANÇOIS Maxime" in tip.inner_text()
    )
    page.keyboard.press("Escape")
    tip.wait_for(state="hidden")


def test_the_day_list_opens_on_today_from_the_week(login, tuesday):
    page = login("julie")
    page.goto("/admin/agenda/?view=timeGridWeek")
    page.wait_for_selector(".rdv-event")
    link = page.locator("#rdv-day-list-link")
    assert f"date={TUESDAY.isoformat()}" in link.get_attribute("href")
    # Another week: its first day.
    page.locator(".fc-next-button").click()
    page.wait_for_function(
        "!document.getElementById('rdv-day-list-link').href.includes('2027-03-02')"
    )
    assert "date=2027-03-08" in link.get_attribute("href")


def test_a_no_show_is_confirmed_and_can_be_undone(login, tuesday):
    late = tuesday["late"]  # 9:15, and it is 9:40: past the grace period
    page = login("sophie")
    page.goto(f"/admin/agenda/day/?agent={tuesday['sophie'].pk}")
    row = page.locator("tr", has_text="HEINEN")
    # The 10:00 appointment cannot be marked absent yet.
    assert (
        page.locator("tr", has_text="VAN DEN BROECK")
        .locator("button[value=no_show]")
        .count()
        == 0
    )
    questions = []

    def answer(dialog):
        questions.append(dialog.message)
        if len(questions) == 1:
            dialog.dismiss()
        else:
            dialog.accept()

    page.on("dialog", answer)
    row.locator("button[value=no_show]").click()  # dismissed: nothing happens
    late.refresh_from_db()
    assert late.status == Appointment.Status.CONFIRMED
    with page.expect_navigation():
        row.locator("button[value=no_show]").click()
    assert "HEINEN" in questions[0]
    late.refresh_from_db()
    assert late.status == Appointment.Status.NO_SHOW
    # The undo is offered at once, focused.
    undo = page.locator(".undo button[value=undo_no_show]")
    assert undo.evaluate("el => el === document.activeElement")
    with page.expect_navigation():
        undo.click()
    late.refresh_from_db()
    assert late.status == Appointment.Status.CONFIRMED
