"""Earlier-time offers in Chromium (issue 25, point 2): a citizen books in the
five screens of the flow, ticks "Tell me if an earlier time frees up" on the
done page, a cancellation frees a matching time, the offer arrives by e-mail
(locmem) and its link moves the appointment there. axe checks the new pages.

The service opens one hour a day (9:00–10:00) and a visit takes the hour:
each day holds one time, and the next eight days are taken, so the citizen's
first free time is in about a week and no earlier one is free until a
cancellation.

``E2E_SCREENSHOTS=<dir>`` also saves the pages (reviews).
"""

import os
import re
from datetime import time, timedelta
from pathlib import Path

import holidays
import pytest
from django.core import mail
from django.core.cache import cache
from django.utils import timezone

from booking.models import Appointment, EarlierTimeOffer, EarlierTimeRequest
from booking.services import appointment_cancel
from tests.factories import (
    EVERY_DAY,
    AppointmentFactory,
    ServiceFactory,
    VisitReasonFactory,
    local,
    open_agent,
)

pytestmark = pytest.mark.e2e

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CONTINUE = "form button.button--primary"
OFFER_LINK = re.compile(r"https?://[^\s\"<>]+(/o/\w+)")


def screenshot(page, name: str) -> None:
    if folder := os.environ.get("E2E_SCREENSHOTS"):
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=Path(folder) / f"{name}.png", full_page=True)


def step_url(step: str):
    return re.compile(rf"/etat-civil/{step}/(\?.*)?$")


@pytest.fixture
def civil(commune, settings):
    """État civil: open 9:00–10:00 every day, one one-hour reason, the next
    eight days taken by other citizens."""
    settings.QUIET_HOURS = ""  # whatever the hour the suite runs at
    settings.EARLIER_OFFER_STOP_DAYS = 2
    cache.clear()
    service = ServiceFactory(
        name="État civil",
        slug="etat-civil",
        address="Place communale 1\n5000 Démo-sur-Meuse",
        slot_minutes=15,
        min_notice_hours=2,
    )
    agent = open_agent(
        service,
        weekdays=EVERY_DAY,
        start=time(9),
        end=time(10),
        valid_from=timezone.localdate() - timedelta(days=7),
    )
    reason = VisitReasonFactory(
        service=service, name="Déclaration de naissance", duration_minutes=60
    )
    today = timezone.localdate()
    taken = {}
    for days in range(9):
        day = today + timedelta(days=days)
        start = local(day, 9)
        taken[day] = AppointmentFactory(
            service=service,
            agent=agent,
            reason=reason,
            start=start,
            end=start + timedelta(hours=1),
            booked_for_service=True,
        )
    closed = holidays.Belgium(years={today.year, today.year + 1})
    # The time a cancellation will free: a working day a few days ahead.
    freed = next(
        day
        for day in (today + timedelta(days=n) for n in range(3, 7))
        if day not in closed
    )
    return {"service": service, "taken": taken, "freed": freed}


def screens_of(page) -> list[str]:
    seen: list[str] = []

    def loaded(frame):
        if frame == page.main_frame:
            path = frame.url.split("://", 1)[1].split("/", 1)[1].split("?")[0]
            if not seen or seen[-1] != path:
                seen.append(path)

    page.on("framenavigated", loaded)
    return seen


def test_a_cancellation_offers_the_time_and_its_link_moves_the_appointment(
    new_page, civil, assert_accessible
):
    page = new_page(language="fr")
    screens = screens_of(page)
    page.goto("/")
    page.click("a.service-reason")
    page.wait_for_url(step_url("slots"))
    page.click(".slot-label >> nth=0")
    page.click(CONTINUE)
    page.wait_for_url(step_url("details"))
    page.fill("#id_last_name", "Lambert")
    page.fill("#id_first_name", "Sophie")
    page.fill("#id_email", "sophie.lambert@example.be")
    page.fill("#id_phone", "0470 12 34 56")
    page.click(CONTINUE)
    page.wait_for_url(step_url("confirm"))
    page.click(CONTINUE)
    page.wait_for_url(step_url("done"))
    # Joining is an option of the done page: the flow keeps its five screens.
    assert screens == [
        "",
        "etat-civil/slots/",
        "etat-civil/details/",
        "etat-civil/confirm/",
        "etat-civil/done/",
    ]
    appointment = Appointment.objects.get(citizen__last_name="Lambert")
    booked_at = appointment.start
    assert booked_at > local(max(civil["taken"]), 9)
    assert_accessible(page)

    # "Tell me if an earlier time frees up": the freed day's weekday, mornings.
    freed = civil["freed"]
    page.check("[data-earlier-join]")
    page.click("#earlier .criteria-box summary")
    page.check(f"#earlier input[name=weekdays][value='{freed.weekday()}']")
    page.check("#earlier input[name=parts][value=morning]")
    screenshot(page, "earlier-done-page")
    page.click("[data-earlier-save]")
    page.wait_for_url(re.compile(r"/manage/\w+/"))
    page.locator("[data-earlier-status]").wait_for()
    assert_accessible(page)
    request = EarlierTimeRequest.objects.get(appointment=appointment)
    assert (request.status, request.weekdays, request.parts) == (
        EarlierTimeRequest.Status.WAITING,
        [freed.weekday()],
        ["morning"],
    )

    # Someone cancels: the time goes to the first in line, by e-mail.
    mail.outbox = []
    appointment_cancel(appointment=civil["taken"][freed], actor=None)
    [email] = [m for m in mail.outbox if m.to == ["sophie.lambert@example.be"]]
    path = OFFER_LINK.search(email.body)[1]
    offer = EarlierTimeOffer.objects.get()
    assert path == f"/o/{offer.token}"
    assert offer.start == local(freed, 9)

    offer_page = new_page(language="fr")
    offer_page.goto(path)
    times = offer_page.inner_text("[data-offer-times]")
    assert "09:00" in times
    assert offer_page.locator("[data-offer-current]").count() == 1
    assert_accessible(offer_page)
    screenshot(offer_page, "earlier-offer")
    offer_page.click("[data-offer-accept]")
    offer_page.wait_for_url(re.compile(r"/manage/\w+/"))
    assert_accessible(offer_page)
    appointment.refresh_from_db()
    assert appointment.start == local(freed, 9) < booked_at
    assert appointment.status == Appointment.Status.CONFIRMED
    moved = [m for m in mail.outbox if "déplacé" in m.subject]
    assert moved and moved[0].to == ["sophie.lambert@example.be"]

    # The link afterwards: says what happened, offers nothing more.
    offer_page.goto(path)
    offer_page.locator("[data-offer-state=accepted]").wait_for()
    assert offer_page.locator("[data-offer-accept]").count() == 0
    assert_accessible(offer_page)
