"""A citizen books, sees and cancels an appointment in a real browser (issue 4).

Selectors use ids, classes and data attributes, not texts: the texts change
with the translations, the page structure does not.
"""

import re

import pytest
from django.utils import timezone

from booking.models import Appointment, Citizen

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
    page.click("a.service-link")
    page.wait_for_url(step_url("reason"))
    check(page)
    page.click(".option label")
    page.click(CONTINUE)
    page.wait_for_url(step_url("when"))
    check(page)
    page.click(CONTINUE)
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
    page.click(CONTINUE)
    page.wait_for_url(step_url("remarks"))
    check(page)
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
    assert len(assert_accessible.pages) == 13


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
    page.goto("/population/")
    page.click(".option label")
    page.click(CONTINUE)
    page.click(CONTINUE)
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
    page.click(CONTINUE)
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
    tab_to(page, "a.service-link")
    page.keyboard.press("Enter")
    page.wait_for_url("**/population/reason/")

    tab_to(page, "input[name=reason]")
    page.keyboard.press("Space")
    tab_to(page, CONTINUE)
    # The focus is visible (WCAG 2.4.7): an outline is drawn.
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != (
        "none"
    )
    page.keyboard.press("Enter")
    page.wait_for_url("**/population/when/")

    tab_to(page, "input[name=parts][value=morning]")
    page.keyboard.press("Space")
    tab_to(page, CONTINUE)
    page.keyboard.press("Enter")
    page.wait_for_url("**/population/slots/")

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
    page.keyboard.press("Enter")  # implicit submission: the first button
    page.wait_for_url("**/population/remarks/")

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
    page.click(".option label")
    page.click(CONTINUE)
    page.click(CONTINUE)
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
    page.click("a.service-link")
    page.wait_for_url("**/embed/population/reason/")
    assert_accessible(page)
