"""The demo commune's content in the citizen's language, from the link to the
e-mail (issue 19, points 4, 5, 7 and 8).

The demo's texts differ per language (fixtures/*.yaml): each step asserts the
Dutch (or German) value is shown and the French one is not. The browser asks
for French (Accept-Language) throughout: only the URL carries the language.
"""

import os
import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.core.management import call_command

from booking.models import Appointment
from core.languages import forget_main_language

pytestmark = pytest.mark.e2e

CONTINUE = "form button.button--primary"
FRENCH = {
    "service": "Population",
    "reason": "Carte d'identité électronique",
    "screen": "Apportez une photo récente",
    "message": "N'oubliez pas votre photo OACI",
}
CONTENT = {
    "nl": {
        "service": "Bevolking",
        "reason": "Elektronische identiteitskaart (eID)",
        "screen": "Breng een recente pasfoto",
        "message": "Vergeet uw ICAO-pasfoto",
    },
    "de": {
        "service": "Bevölkerung",
        "reason": "Elektronischer Personalausweis (eID)",
        "screen": "Bringen Sie ein aktuelles Passfoto",
        "message": "Vergessen Sie Ihr ICAO-Passfoto",
    },
}


@pytest.fixture
def demo(transactional_db):
    """The demo commune: four languages, French first."""
    call_command("seed_demo", force=True, stdout=open(os.devnull, "w"))  # noqa: SIM115
    # Fixtures are loaded without Commune.save(): read its languages afresh.
    forget_main_language()
    yield
    forget_main_language()


def step(name: str, language: str):
    """A step of Population's flow, the language carried in the URL."""
    return re.compile(rf"/population/{name}/\?lang={language}$")


def shows(page, language: str, *keys: str) -> None:
    """The page is in ``language`` and shows its values of ``keys``, not the
    French ones."""
    assert page.locator("html").get_attribute("lang") == language
    assert f"lang={language}" in page.url
    text = page.inner_text("main")
    for key in keys:
        assert CONTENT[language][key] in text, (key, page.url)
        assert FRENCH[key] not in text, (key, page.url)


@pytest.mark.parametrize("language", ["nl", "de"])
def test_a_booking_in_the_citizens_language_from_the_link_to_the_email(
    new_page, demo, assert_accessible, language
):
    values = CONTENT[language]
    page = new_page(language="fr")
    page.goto(f"/?lang={language}")
    shows(page, language, "service", "reason")
    page.click(f"a.service-reason:has-text('{values['reason']}')")
    page.wait_for_url(step("slots", language))
    shows(page, language, "service", "reason")
    page.click(".slot-label >> nth=0")
    page.click(CONTINUE)
    page.wait_for_url(step("details", language))
    shows(page, language, "service", "reason")
    page.fill("#id_last_name", "Peeters")
    page.fill("#id_first_name", "An")
    page.fill("#id_email", "an.peeters@example.be")
    page.fill("#id_phone", "0470 12 34 56")
    page.click(CONTINUE)
    page.wait_for_url(step("confirm", language))
    shows(page, language, "service", "reason")
    page.click(CONTINUE)
    page.wait_for_url(step("done", language))
    shows(page, language, "service", "reason", "message")
    assert_accessible(page)

    appointment = Appointment.objects.get(citizen__email="an.peeters@example.be")
    assert appointment.recipient_language == language
    (email,) = [m for m in mail.outbox if m.to == ["an.peeters@example.be"]]
    body = email.body + "".join(
        str(content) for content, _type in getattr(email, "alternatives", [])
    )
    assert values["reason"] in email.subject + body
    assert values["message"] in body
    assert FRENCH["message"] not in body and FRENCH["reason"] not in body

    # The personal link of the e-mail opens in the citizen's language, whatever
    # the browser's (here French, then English).
    link = re.search(r"https?://\S+?(/r/\w+)", body).group(1)  # issue 20
    for browser_language in ("fr", "en"):
        other = new_page(language=browser_language)
        other.goto(link)
        assert other.locator("html").get_attribute("lang") == language
        assert values["reason"] in other.inner_text("main")
        assert FRENCH["reason"] not in other.inner_text("main")
        other.click("[data-action=move]")
        other.wait_for_url(re.compile(rf"/move/\?lang={language}$"))


def test_the_accessibility_statement_is_linked_from_the_footer(
    new_page, demo, assert_accessible
):
    page = new_page(language="fr")
    page.goto("/?lang=nl")
    page.click(".footer-links a[href^='/accessibility/']")
    page.wait_for_url(re.compile(r"/accessibility/\?lang=nl$"))
    assert page.locator("html").get_attribute("lang") == "nl"
    assert page.locator("main h2").count() >= 4
    assert_accessible(page)


def test_lang_in_a_cross_site_frame_keeps_dutch_from_step_to_step(
    new_page, demo, live_server, settings, commune_site
):
    """The commune's page on ``localhost`` frames the module on ``127.0.0.1``:
    another site, so the browser sends the frame no cookie (no session, no
    language cookie); the URL alone carries the language."""
    port = urlsplit(live_server.url).port
    module = f"http://127.0.0.1:{port}"
    settings.EMBED_ALLOWED_ORIGINS = [commune_site.origin]
    commune_site.pages["/our-page/"] = (
        '<!DOCTYPE html><html lang="fr"><head><title>Commune</title></head><body>'
        f'<iframe src="{module}/embed/" title="Rendez-vous" data-rendez-vous '
        'data-lang="nl" style="width:100%;border:0" height="900"></iframe>'
        f'<script src="{module}/static/public/embed-parent.js"></script>'
        "</body></html>"
    )
    page = new_page(language="fr")
    page.goto(f"{commune_site.origin}/our-page/")

    # The snippet's data-lang became ?lang=nl in the frame's address.
    page.wait_for_function(
        "() => document.querySelector('iframe').src.endsWith('/embed/?lang=nl')"
    )
    frame = page.frame_locator("iframe[data-rendez-vous]")
    frame.locator("html[lang=nl]").wait_for(state="attached")
    assert CONTENT["nl"]["service"] in frame.locator("main").inner_text()
    module_frame = next(f for f in page.frames if f.url.startswith(module))
    assert module_frame.evaluate("document.cookie") == ""

    # From step to step (links and redirects), still in Dutch. The reason's
    # link opens its times: the booking's key rides in the address, where no
    # cookie can carry it (booking/public/flow.py).
    frame.locator(f"a.service-reason:has-text('{CONTENT['nl']['reason']}')").click()
    module_frame.wait_for_url(
        re.compile(r"/embed/population/slots/\?lang=nl&flow=\w+$")
    )
    frame.locator("html[lang=nl]").wait_for(state="attached")
    text = frame.locator("main").inner_text()
    assert CONTENT["nl"]["reason"] in text and FRENCH["reason"] not in text

    # The language switch works in the frame too (a GET form, no cookie), and
    # the booking's key goes along.
    frame.locator("#language").select_option("de")
    frame.locator(".language-switch button").click()
    module_frame.wait_for_url(re.compile(r"/embed/population/slots/\?.*lang=de"))
    assert "flow=" in module_frame.url  # the booking goes along
    frame.locator("html[lang=de]").wait_for(state="attached")
    assert CONTENT["de"]["reason"] in frame.locator("main").inner_text()
    frame.locator("a.flow-change[href^='/embed/?']").click()
    module_frame.wait_for_url(re.compile(r"/embed/\?lang=de"))
    assert CONTENT["de"]["service"] in frame.locator("main").inner_text()
    # The booking's POST steps in such a frame: tests/e2e/test_embed.py.


@pytest.mark.parametrize("language", ["fr", "nl", "de", "en"])
def test_the_new_page_states_pass_axe_in_every_language(
    new_page, demo, assert_accessible, language
):
    """Issue 20's page states: the home page's reasons, the times with their
    filter open, a jump to a day, filters matching nothing, the details with
    the remarks and their errors, the done page."""
    page = new_page(language="fr")
    page.goto(f"/?lang={language}")
    assert_accessible(page)
    page.click("a.service-reason >> nth=0")
    page.wait_for_url(step("slots", language))
    page.click(".criteria-box summary")
    assert_accessible(page)
    page.click("a.day-strip-link >> nth=-1")
    page.wait_for_url(re.compile(r"from_date="))
    assert_accessible(page)
    last = page.locator("#id_from_date").get_attribute("max")
    page.fill("#id_from_date", last)
    page.locator("input[name=weekdays]").first.check()
    page.locator("input[name=weekdays]").nth(1).check()
    page.click(".criteria-box button[type=submit]")
    page.locator("[data-no-times]").wait_for()
    assert_accessible(page)
    page.click(".slot-label >> nth=0")
    page.click(CONTINUE)
    page.wait_for_url(re.compile(rf"/population/details/\?lang={language}$"))
    page.click(CONTINUE)
    page.locator(".error-summary").wait_for()
    assert_accessible(page)
    page.fill("#id_last_name", "Peeters")
    page.fill("#id_first_name", "An")
    page.fill("#id_email", "an.peeters@example.be")
    page.fill("#id_phone", "0470 12 34 56")
    page.fill("#id_remarks", "Rolstoel.")
    if page.locator("#id_national_number").count():
        page.fill("#id_national_number", "85.07.30-033.28")
    page.click(CONTINUE)
    page.wait_for_url(re.compile(rf"/population/confirm/\?lang={language}$"))
    assert_accessible(page)
    page.click(CONTINUE)
    page.wait_for_url(re.compile(rf"/population/done/\?lang={language}$"))
    reference = Appointment.objects.get(citizen__email="an.peeters@example.be")
    assert reference.reference_display in page.inner_text("[data-booking-reference]")
    assert page.locator("[data-print]").is_visible()
    assert_accessible(page)
    assert len(assert_accessible.pages) == 7
