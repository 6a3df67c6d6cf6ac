"""A citizen books, sees and cancels an appointment in a real browser (issue 4).

Selectors use ids, classes and data attributes, not texts: the texts change
with the translations, the page structure does not.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from booking.models import Appointment, Citizen
from tests.factories import VisitReasonFactory

pytestmark = pytest.mark.e2e

CONTINUE = "form button.button--primary"
DUTCH_DAYS = re.compile(
    r"maandag|dinsdag|woensdag|donderdag|vrijdag|zaterdag|zondag", re.IGNORECASE
)
FRENCH_DAYS = re.compile(
    r"lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche", re.IGNORECASE
)


def step_url(step: str, service: str = "population"):
    """A step's address, with or without a query (``?lang=nl`` goes on)."""
    return re.compile(rf"/{service}/{step}/(\?.*)?$")


def fill_details(page):
    page.fill("#id_last_name", "Dupont")
    page.fill("#id_first_name", "Marie")
    page.fill("#id_email", "marie.dupont@example.be")
    page.fill("#id_phone", "0470 12 34 56")


def book_with_the_mouse(page, check, *, days=FRENCH_DAYS):
    """From the home page to the confirmation, running ``check`` on each page."""
    page.goto("/")
    check(page)
    page.click("a.service-reason")  # the reason: straight to its times
    page.wait_for_url(step_url("slots"))
    check(page)
    assert days.search(page.locator(".slot-day-title").first.inner_text())
    page.click(".slot-label >> nth=0")
    page.click(CONTINUE)
    page.wait_for_url(step_url("details"))
    page.click(CONTINUE)  # nothing typed: the error summary takes the focus
    page.locator(".error-summary:focus").wait_for()
    check(page)
    fill_details(page)
    page.fill("#id_remarks", "Je viens avec ma fille.")
    page.click(CONTINUE)
    page.wait_for_url(step_url("confirm"))
    check(page)
    page.click(CONTINUE)
    page.wait_for_url(step_url("done"))
    check(page)


def test_citizen_books_in_french_then_cancels_from_the_personal_link(
    new_page, population, assert_accessible
):
    page = new_page(language="fr")
    book_with_the_mouse(page, assert_accessible)
    assert page.locator("html").get_attribute("lang") == "fr"
    # French typography: a non-breaking space before the colon (issue 19).
    assert "Prix\u00a0: 25,70 €." in page.inner_text("main")
    assert page.locator("[data-ics-link]").get_attribute("href").endswith(".ics")
    appointment = Appointment.objects.get()
    assert appointment.status == Appointment.Status.CONFIRMED
    assert appointment.citizen.language == "fr"

    page.goto(page.locator("[data-manage-link]").get_attribute("href"))
    assert_accessible(page)
    assert "Apportez une photo récente" in page.inner_text("main")
    page.click("[data-action=move]")
    assert page.locator(".slot-label").count() > 0
    assert_accessible(page)
    page.go_back()
    page.click("[data-action=cancel]")
    assert_accessible(page)
    page.fill("#id_reason", "Empêchée")
    page.click("form button.button--danger")
    page.locator(".status--cancelled").wait_for()
    assert_accessible(page)
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CANCELLED

    page.goto("/manage/not-a-token/")
    assert_accessible(page)
    assert page.locator("html").get_attribute("lang") == "fr"
    assert len(assert_accessible.pages) == 10


def test_the_same_booking_in_dutch_with_the_language_switch(new_page, population):
    page = new_page(language="fr")
    page.goto("/")
    page.select_option("#language", "nl")
    page.click(".language-switch button")
    page.locator("html[lang=nl]").wait_for(state="attached")
    # The language goes on in the URL (issue 19, point 4), no cookie needed.
    assert page.url.endswith("/?lang=nl")

    def in_dutch(page):
        assert page.locator("html").get_attribute("lang") == "nl"

    book_with_the_mouse(page, in_dutch, days=DUTCH_DAYS)
    assert DUTCH_DAYS.search(page.inner_text(".summary"))
    assert Citizen.objects.get().language == "nl"


def test_the_flow_works_without_javascript(new_page, population):
    page = new_page(language="fr", javascript=False)
    page.goto("/population/")  # one reason: straight to the times
    page.wait_for_url("**/population/slots/")
    first_page = page.locator(".slot-input").first.get_attribute("value")
    page.click("[data-more-slots]")
    page.wait_for_url("**/population/slots/?after=*")
    later = page.locator(".slot-input").first.get_attribute("value")
    assert later > first_page
    page.click(".slot-label >> nth=0")
    page.click(CONTINUE)
    page.wait_for_url("**/population/details/")
    page.fill("#id_last_name", "Dupont")
    page.fill("#id_email", "pas-une-adresse")
    page.click("form button[name=back]")
    page.wait_for_url("**/population/slots/")
    # The time chosen on the later page is still ticked, and what was typed kept.
    assert page.locator("#slot-kept").is_checked()
    page.click(CONTINUE)
    page.wait_for_url("**/population/details/")
    assert page.input_value("#id_last_name") == "Dupont"
    assert page.input_value("#id_email") == "pas-une-adresse"
    page.click(CONTINUE)
    assert page.locator(".error-summary a[href='#id_email']").count() == 1
    fill_details(page)
    page.click(CONTINUE)
    page.wait_for_url("**/population/confirm/")
    page.click(CONTINUE)
    page.wait_for_url("**/population/done/")
    assert Appointment.objects.get().start.isoformat() == later


def tab_to(page, selector: str, limit: int = 60) -> None:
    """Press Tab until the focus is on an element matching ``selector``."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(
            "s => !!document.activeElement && document.activeElement.matches(s)",
            selector,
        ):
            return
    raise AssertionError(f"Tab never reached {selector} on {page.url}")


def test_keyboard_only_from_the_first_page_to_the_confirmation(new_page, population):
    page = new_page(language="fr", width=390)
    page.goto("/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    tab_to(page, "a.service-reason")
    page.keyboard.press("Enter")
    page.wait_for_url("**/population/slots/")

    # The filter: open it, tick the morning, show the times.
    tab_to(page, ".criteria-box summary")
    page.keyboard.press("Enter")
    tab_to(page, "input[name=parts][value=morning]")
    page.keyboard.press("Space")
    tab_to(page, ".criteria-box button[type=submit]")
    # The focus is visible (WCAG 2.4.7): an outline is drawn.
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != (
        "none"
    )
    page.keyboard.press("Enter")
    page.wait_for_url("**/population/slots/?*parts=morning*")

    tab_to(page, "input.slot-input")
    page.keyboard.press("Space")
    tab_to(page, CONTINUE)
    page.keyboard.press("Enter")
    page.wait_for_url("**/population/details/")

    for field, text in (
        ("#id_last_name", "Dupont"),
        ("#id_first_name", "Marie"),
        ("#id_email", "marie.dupont@example.be"),
        ("#id_phone", "0470 12 34 56"),
    ):
        tab_to(page, field)
        page.keyboard.type(text)
    tab_to(page, "#id_remarks")
    page.keyboard.type("Au clavier.")
    tab_to(page, CONTINUE)
    page.keyboard.press("Enter")
    page.wait_for_url("**/population/confirm/")

    tab_to(page, CONTINUE)
    page.keyboard.press("Enter")
    page.wait_for_url("**/population/done/")
    appointment = Appointment.objects.get()
    assert appointment.remarks == "Au clavier."
    assert timezone.localtime(appointment.start).hour < 12  # morning, as asked
    assert page.locator("[data-manage-link]").count() == 1


def test_more_times_load_in_place_and_are_announced(new_page, population):
    page = new_page(language="fr")
    page.goto("/population/")
    page.wait_for_url("**/population/slots/")
    before = page.locator(".slot-input").count()
    page.click("[data-more-slots]")
    # A locator, not wait_for_function: the public pages' Content-Security-
    # Policy forbids the eval() Playwright polls a JavaScript string with.
    page.locator(".slot-input").nth(before).wait_for(state="attached")
    assert page.url.endswith("/population/slots/")  # no page load
    assert page.inner_text("[data-slot-status]").strip()
    assert page.evaluate("document.activeElement.classList.contains('slot-input')")


def test_embedded_pages_have_no_header_and_pass_axe(
    new_page, population, assert_accessible
):
    page = new_page(language="fr", width=390)
    page.goto("/embed/")
    assert page.locator(".site-header").count() == 0
    assert_accessible(page)
    page.click("a.service-reason")
    page.wait_for_url("**/embed/population/slots/")
    assert_accessible(page)


def screens_of(page) -> list[str]:
    """The screens a citizen sees, by path, as the page loads them (a page
    shown again after an error counts once)."""
    seen: list[str] = []

    def loaded(frame):
        if frame == page.main_frame:
            path = frame.url.split("://", 1)[1].split("/", 1)[1].split("?")[0]
            if not seen or seen[-1] != path:
                seen.append(path)

    page.on("framenavigated", loaded)
    return seen


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_five_screens_from_the_home_page_to_booked(new_page, population, javascript):
    """Issue 20's target: home, times, details, confirm, booked: five screens,
    with JavaScript or without, for a service with several reasons where the
    citizen does not choose the agent."""
    VisitReasonFactory(service=population, name="Passeport", duration_minutes=15)
    page = new_page(language="fr", javascript=javascript)
    screens = screens_of(page)
    page.goto("/")
    page.click("a.service-reason:has-text('Passeport')")
    page.wait_for_url(step_url("slots"))
    page.click(".slot-label >> nth=0")
    page.click(CONTINUE)
    page.wait_for_url(step_url("details"))
    fill_details(page)
    page.click(CONTINUE)
    page.wait_for_url(step_url("confirm"))
    page.click(CONTINUE)
    page.wait_for_url(step_url("done"))
    assert screens == [
        "",
        "population/slots/",
        "population/details/",
        "population/confirm/",
        "population/done/",
    ]
    assert Appointment.objects.get().reason.name == "Passeport"


def test_filters_that_match_nothing_offer_the_nearest_times(
    new_page, population, assert_accessible
):
    """The last day of the horizon on another weekday finds nothing: the page
    says so and offers the nearest times outside the filters."""
    page = new_page(language="fr")
    page.goto("/population/")
    page.wait_for_url(step_url("slots"))
    assert_accessible(page)
    last = timezone.localdate() + timedelta(days=population.max_horizon_days)
    other_day = (last.weekday() + 1) % 7
    page.click(".criteria-box summary")
    # Only what the service opens, the parts with their hours.
    assert page.locator("input[name=parts]").count() == 3
    assert "17:00 – 18:00" in page.inner_text(".criteria-box")
    page.fill("#id_from_date", last.isoformat())
    page.check(f"input[name=weekdays][value='{other_day}']")
    page.click(".criteria-box button[type=submit]")
    page.locator("[data-no-times]").wait_for()
    assert_accessible(page)
    nearest = page.locator(".slot-input")
    assert nearest.count() > 0
    assert all(
        value.startswith(last.isoformat())
        for value in nearest.evaluate_all("els => els.map(e => e.value)")
    )
    page.click(".slot-label >> nth=0")
    page.click(CONTINUE)
    page.wait_for_url(step_url("details"))


def test_the_day_strip_jumps_to_a_day(new_page, population, assert_accessible):
    page = new_page(language="fr")  # plain links: the same without JavaScript
    page.goto("/population/")
    page.wait_for_url(step_url("slots"))
    target = page.locator("a.day-strip-link").last
    href = target.get_attribute("href")
    day = href.split("from_date=")[1].split("&")[0]
    target.click()
    page.wait_for_url(f"**from_date={day}*")
    assert page.locator("a.day-strip-link[aria-current=date]").count() == 1
    assert page.locator(".slot-day").first.get_attribute("data-day") == day
    assert_accessible(page)
