"""Browser test of issue 13: a closure entered in the admin lists the
appointments it hits before anything is written, then the citizens' messages
are in the outbox.

Debian's Chromium through Playwright against pytest-django's live server, the
clock set to Monday 12 November 2029 (the live server runs in this process,
so it reads the same clock). ``E2E_SCREENSHOTS=<dir>`` also saves the preview
page as a PNG there.
"""

import os
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import Group

from booking.models import Appointment
from core.roles import ADMINISTRATOR
from messaging.models import Event, Message
from staffing.models import Closure
from tests.factories import (
    CitizenFactory,
    ServiceFactory,
    UserFactory,
    appointment_at,
    open_agent,
)
from tests.two_factor import sign_in

pytestmark = pytest.mark.e2e

NOW = datetime(2029, 11, 12, 9, 0, tzinfo=ZoneInfo("Europe/Brussels"))
DAY = date(2029, 11, 20)  # a Tuesday
PASSWORD = "secret-pass"  # tests.factories.UserFactory's

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=True) as traveller:
        yield traveller


@pytest.fixture
def admin_page(browser, live_server, transactional_db):
    """A page logged in to the admin as an administrator."""
    user = UserFactory(username="chef", is_superuser=True)
    user.groups.add(Group.objects.get(name=ADMINISTRATOR))
    context = browser.new_context(
        base_url=live_server.url,
        locale="fr-BE",
        timezone_id="Europe/Brussels",
        extra_http_headers={"Accept-Language": "fr"},
        viewport={"width": 1366, "height": 900},
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    sign_in(page, "chef", PASSWORD)  # with the second factor (issue 23)
    yield page
    context.close()


def test_a_closure_entered_in_the_admin_shows_its_appointments_then_tells_the_citizens(
    admin_page,
):
    population = ServiceFactory(name="Population", slug="population")
    julie, marc = open_agent(population), open_agent(population)
    citizens = [
        CitizenFactory(last_name=name, first_name="Anne", language="fr")
        for name in ("Lambert", "Peeters", "Dubois")
    ]
    booked = [
        appointment_at(julie, population, DAY, 9, citizen=citizens[0]),
        appointment_at(
            marc, population, DAY, 10, citizen=citizens[1], booked_for_service=False
        ),
        appointment_at(julie, population, DAY, 11, citizen=citizens[2]),
    ]
    page = admin_page

    page.goto("/admin/staffing/closure/add/")
    page.fill("#id_label_fr", "Fête communale")  # translated: one input per language
    page.fill("#id_start_date", DAY.strftime("%d/%m/%Y"))
    page.fill("#id_end_date", DAY.strftime("%d/%m/%Y"))
    page.click("button[name=_save]")

    table = page.locator("#rdv-consequences")
    table.wait_for()
    for citizen in citizens:
        assert str(citizen) in table.inner_text()
    assert not Closure.objects.exists()
    assert page.input_value("#id__consequences-note") == "Fête communale"
    if folder := os.environ.get("E2E_SCREENSHOTS"):
        page.screenshot(path=Path(folder) / "closure-preview.png", full_page=True)

    page.click("#rdv-confirm-consequences")
    page.wait_for_url("**/admin/staffing/closure/")

    assert Closure.objects.get().label == "Fête communale"
    statuses = Appointment.objects.filter(pk__in=[row.pk for row in booked])
    assert set(statuses.values_list("status", flat=True)) == {"cancelled"}
    told = Message.objects.filter(
        event=Event.CANCELLED_BY_COMMUNE, channel="email", agent__isnull=True
    )
    assert sorted(told.values_list("recipient", flat=True)) == sorted(
        citizen.email for citizen in citizens
    )
