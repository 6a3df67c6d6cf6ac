"""A family books one visit for three in a real browser (issue 25, point 3):
the number of people is chosen on the times page, whose times are then as
long as their visit, and the booking stays at five screens (home, times,
details, confirm, done)."""

from datetime import timedelta

import pytest

from booking.models import Appointment, VisitReason

from .test_public_booking import CONTINUE, fill_details, step_url

pytestmark = pytest.mark.e2e


def test_a_family_of_three_books_in_five_screens(
    new_page, population, assert_accessible
):
    VisitReason.objects.filter(service=population).update(
        max_people=5, minutes_per_extra_person=10
    )
    page = new_page(language="fr")
    screens = []

    def reached(name):
        screens.append(name)

    page.goto("/")
    reached("home")
    page.click("a.service-reason")
    page.wait_for_url(step_url("slots"))
    reached("times")
    # The number of people is in sight, outside the folded filter.
    assert page.locator("[data-people-filter] select#id_people").is_visible()
    assert page.locator("#id_people option").count() == 5
    page.select_option("#id_people", "3")
    page.click("[data-people-filter] button[type=submit]")
    page.wait_for_url(step_url("slots"))
    assert "people=3" in page.url
    assert page.input_value("#id_people") == "3"
    assert_accessible(page)  # the times page with its people filter
    # The visit of three lasts 20 + 2 x 10 minutes: said beside the reason.
    assert "40" in page.inner_text(".summary-inline")
    page.click(".slot-label >> nth=0")
    page.click(CONTINUE)
    page.wait_for_url(step_url("details"))
    reached("details")
    fill_details(page)
    page.click(CONTINUE)
    page.wait_for_url(step_url("confirm"))
    reached("confirm")
    assert page.inner_text(".summary [data-people]") == "3"
    assert_accessible(page)
    page.click(CONTINUE)
    page.wait_for_url(step_url("done"))
    reached("done")
    assert page.inner_text("[data-people]") == "3"

    assert screens == ["home", "times", "details", "confirm", "done"]
    appointment = Appointment.objects.get()
    assert appointment.people == 3
    assert appointment.end - appointment.start == timedelta(minutes=40)
