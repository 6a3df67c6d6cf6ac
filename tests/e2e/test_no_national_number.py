"""The details step of a reason that allows "I do not have one yet" (issue 20,
point 3), in a real browser, with and without JavaScript, checked by axe.

Selectors use ids and classes; the walk to the details step clicks on until it
gets there, so that it holds whatever screens come before.
"""

import re

import pytest

from booking.citizen_rules import Ask
from booking.models import Appointment
from tests.factories import VisitReasonFactory

pytestmark = pytest.mark.e2e

CONTINUE = "form button.button--primary"


@pytest.fixture
def arrival(population):
    """Population's only reason now asks the number as the demo's arrival does."""
    population.requires_national_number = True
    population.save()
    population.reasons.update(is_active=False)
    return VisitReasonFactory(
        service=population,
        name="Déclaration d'arrivée",
        national_number_rule=Ask.OPTIONAL,
        no_national_number_allowed=True,
    )


def walk_to_details(page):
    page.goto("/population/")  # one reason: straight to its times
    for _step in range(4):
        page.wait_for_load_state()
        if re.search(r"/details/(\?.*)?$", page.url):
            return
        if page.locator(".slot-label").count():
            page.click(".slot-label >> nth=0")
        page.click(CONTINUE)
    raise AssertionError(f"never reached the details step: {page.url}")


def fill_details(page):
    page.fill("#id_last_name", "Kowalska")
    page.fill("#id_first_name", "Anna")
    page.fill("#id_email", "anna.kowalska@example.eu")
    page.fill("#id_phone", "0470 12 34 56")


def book_from_details(page):
    page.click(CONTINUE)
    for _step in range(3):
        page.wait_for_load_state()
        if re.search(r"/done/(\?.*)?$", page.url):
            return
        page.click(CONTINUE)
    raise AssertionError(f"never booked: {page.url}")


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_i_do_not_have_one_yet(new_page, arrival, assert_accessible, javascript):
    page = new_page(language="fr", javascript=javascript)
    walk_to_details(page)
    number, box = (
        page.locator("#id_national_number"),
        page.locator("#id_no_national_number"),
    )
    assert number.is_enabled()
    # The box is a real checkbox with its label: a click on the label ticks it.
    page.click("label[for=id_no_national_number]")
    assert box.is_checked()
    # With JavaScript the field is disabled; without, it stays and is ignored.
    assert number.is_enabled() is (not javascript)
    if javascript:  # axe runs in the page: it needs JavaScript
        assert_accessible(page)
    fill_details(page)
    if not javascript:
        number.fill("85.07.30-033.28")
    book_from_details(page)
    appointment = Appointment.objects.get()
    assert appointment.no_national_number
    assert appointment.citizen.national_number == ""
