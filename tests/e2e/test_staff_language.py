"""One's own language, in the browser (issue 19, point 4): the user menu's
"Language" page meets WCAG 2.1 AA and, once Dutch is chosen, the admin speaks
Dutch though the browser asks for French."""

import os

import pytest

from tests.e2e.sessions import staff_page
from tests.e2e.test_staff_accessibility import _password_only, axe_problems, demo

pytestmark = pytest.mark.e2e

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
SCREENSHOTS = os.environ.get("SCREENSHOT_DIR", "")

__all__ = ["_password_only", "demo"]  # the fixtures, shared


def test_an_agent_chooses_dutch_and_the_admin_follows(demo, browser, live_server):
    page = staff_page(browser, live_server, "agent")
    page.goto("/admin/")
    page.locator("a[href='/admin/language/']").first.wait_for(state="attached")

    page.goto("/admin/language/")
    assert page.evaluate("document.documentElement.lang") == "fr"
    assert axe_problems(page) == []
    # The label is a new text (its translation comes later): found by its input.
    page.locator("#id_language").select_option("nl")
    page.locator("button.rdv-btn-primary[type=submit]").click()
    page.wait_for_load_state("networkidle")

    assert page.evaluate("document.documentElement.lang") == "nl"
    assert axe_problems(page) == []
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, "own-language-nl.png"))
    page.goto("/admin/agenda/")
    assert page.evaluate("document.documentElement.lang") == "nl"
    page.context.close()
