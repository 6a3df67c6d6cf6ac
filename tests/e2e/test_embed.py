"""A booking inside the commune's page on another site, with third-party
cookies blocked (issue 20, point 6).

The commune's page is served from ``localhost``, the module from
``127.0.0.1``: two sites. Chromium runs with ``--test-third-party-cookie-
phaseout`` (third-party cookies blocked, as Chrome does for more and more
users); the test first shows that the frame really has no cookie.
"""

from urllib.parse import urlsplit

import pytest

from booking.links import make_token
from booking.models import Appointment
from tests.factories import AppointmentFactory

from .conftest import CHROMIUM

pytestmark = pytest.mark.e2e

CONTINUE = "form button.button--primary"


@pytest.fixture(scope="module")
def blocking_browser():
    """Chromium with third-party cookies blocked."""
    if not CHROMIUM.exists():
        pytest.skip("Browser tests need Debian's Chromium at /usr/bin/chromium.")
    sync_api = pytest.importorskip("playwright.sync_api")
    with (
        pytest.MonkeyPatch.context() as patch,
        sync_api.sync_playwright() as playwright,
    ):
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--no-sandbox",
                "--disable-background-networking",
                "--test-third-party-cookie-phaseout",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def framed(blocking_browser, live_server, settings, commune_site):
    """The commune's page framing the module; returns (page, frame, module)."""
    contexts = []

    def open_page(path="/embed/population/", lang="fr", frame_attributes=""):
        module = f"http://127.0.0.1:{urlsplit(live_server.url).port}"
        settings.EMBED_ALLOWED_ORIGINS = [commune_site.origin]
        commune_site.pages["/rendez-vous/"] = (
            f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
            "<title>Commune</title></head><body><h1>Notre commune</h1>"
            f'<iframe src="{module}{path}" title="Prendre rendez-vous" '
            f"data-rendez-vous {frame_attributes} "
            'style="width:100%;border:0" height="300"></iframe>'
            f'<script src="{module}/static/public/embed-parent.js"></script>'
            "</body></html>"
        )
        context = blocking_browser.new_context(
            locale="fr-BE",
            extra_http_headers={"Accept-Language": lang},
            viewport={"width": 390, "height": 800},
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{commune_site.origin}/rendez-vous/")
        frame = page.frame_locator("iframe[data-rendez-vous]")
        frame.locator("main").wait_for()
        module_frame = next(f for f in page.frames if f.url.startswith(module))
        return page, frame, module_frame

    yield open_page
    for context in contexts:
        context.close()


def frame_height_matches(page, module_frame) -> bool:
    """embed-parent.js gave the iframe the height of the page inside."""
    inner = module_frame.evaluate(
        "Math.ceil(document.documentElement.getBoundingClientRect().height)"
    )
    outer = page.evaluate("document.querySelector('iframe').style.height")
    return outer == f"{inner}px"


def test_a_booking_completes_in_a_cross_site_frame_without_cookies(
    framed, population, assert_accessible
):
    page, frame, module_frame = framed()

    # The block is real: the frame can neither keep nor read a cookie.
    module_frame.evaluate("document.cookie = 'probe=1; path=/'")
    assert module_frame.evaluate("document.cookie") == ""
    assert module_frame.evaluate("document.hasStorageAccess()") is False

    seen_urls = []
    pages = 0
    while "/done/" not in module_frame.url:
        pages += 1
        assert pages < 10, f"stuck on {module_frame.url}"
        seen_urls.append(module_frame.url)
        assert_accessible(module_frame)
        page.wait_for_function(
            "() => document.querySelector('iframe').style.height !== ''"
        )
        if frame.locator(".option label").count():
            frame.locator(".option label").first.click()
        if frame.locator(".slot-label").count():
            frame.locator(".slot-label").first.click()
        if frame.locator("#id_last_name").count():
            frame.locator("#id_last_name").fill("Vanderbeken-Dupont")
            frame.locator("#id_first_name").fill("Françoise")
            frame.locator("#id_email").fill("francoise@example.be")
            frame.locator("#id_phone").fill("0470 12 34 56")
        before = module_frame.url
        frame.locator(CONTINUE).click()
        module_frame.wait_for_url(lambda url, before=before: url != before)
        assert frame.locator("[data-refused]").count() == 0
    assert_accessible(module_frame)

    appointment = Appointment.objects.get()
    assert appointment.citizen.last_name == "Vanderbeken-Dupont"
    assert frame.locator("[data-manage-link]").count() == 1
    # Still framed, still no cookie, and nobody's details in an address.
    assert "/embed/" in module_frame.url
    assert module_frame.evaluate("document.cookie") == ""
    for url in [*seen_urls, module_frame.url]:
        assert "Vanderbeken" not in url and "example.be" not in url
    # The frame followed its content's height from page to page.
    page.wait_for_function("() => document.querySelector('iframe').style.height !== ''")
    assert frame_height_matches(page, module_frame)


def test_the_personal_link_cancels_in_a_cross_site_frame(
    framed, population, assert_accessible
):
    reason = population.reasons.get()
    appointment = AppointmentFactory(service=population, reason=reason)
    _page, frame, module_frame = framed(f"/embed/manage/{make_token(appointment)}/")
    assert module_frame.evaluate("document.cookie") == ""
    frame.locator("[data-action=cancel]").click()
    frame.locator("#id_reason").wait_for()
    assert_accessible(module_frame)
    frame.locator("#id_reason").fill("Empêchée")
    frame.locator("form button.button--danger").click()
    frame.locator(".status--cancelled").wait_for()
    assert_accessible(module_frame)
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CANCELLED


def test_a_refused_post_offers_a_new_tab_in_the_citizens_language(
    framed, population, assert_accessible
):
    """A commune's page that sandboxes the frame makes its posts come from
    nowhere (``Origin: null``): the module changes nothing and offers to go
    on in a tab of its own, in the citizen's language."""
    _page, frame, module_frame = framed(
        "/embed/population/?lang=nl",
        lang="nl",
        frame_attributes='sandbox="allow-forms allow-scripts allow-popups"',
    )
    # One reason: the service's link opens its times at once.
    frame.locator(".slot-label").first.click()
    frame.locator(CONTINUE).click()
    frame.locator("[data-refused]").wait_for()
    assert module_frame.evaluate("document.documentElement.lang") == "nl"
    link = frame.locator("[data-new-tab]")
    assert link.get_attribute("target") == "_blank"
    assert link.get_attribute("href") == "/population/slots/?lang=nl"
    assert_accessible(module_frame)
    assert not Appointment.objects.exists()
