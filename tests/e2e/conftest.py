"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's
live server (a real HTTP server in a thread, on a transactional test database).

Skipped, with the reason, where Chromium or axe-core is not installed.
"""

import threading
from datetime import time, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.utils import timezone

from core.models import Commune
from tests.factories import (
    EVERY_DAY,
    ServiceFactory,
    VisitReasonFactory,
    open_agent,
)

CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


# Module scope: one Playwright per module, so that modules with their own
# browser fixture never run two sync Playwright loops at once.
@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(
            "Browser tests need Debian's Chromium at /usr/bin/chromium "
            "(apt-get install chromium); skipped."
        )
    sync_api = pytest.importorskip("playwright.sync_api")
    # Playwright's sync API runs an event loop in this thread while the browser
    # lives; the ORM calls of the tests (fixtures, assertions, the database
    # flush after each test) are still plain synchronous code.
    with (
        pytest.MonkeyPatch.context() as patch,
        sync_api.sync_playwright() as playwright,
    ):
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-background-networking"],
        )
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser, live_server):
    """Open pages in fresh contexts (own cookies); closes them afterwards."""
    contexts = []

    def make(*, language="fr", javascript=True, width=1280):
        context = browser.new_context(
            base_url=live_server.url,
            locale={"fr": "fr-BE", "nl": "nl-BE"}.get(language, language),
            extra_http_headers={"Accept-Language": language},
            java_script_enabled=javascript,
            viewport={"width": width, "height": 900},
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture(autouse=True)
def _fast_confirm(instant_visitor):
    """People need a moment to read the confirm step; the browser does not."""


@pytest.fixture
def commune(transactional_db):
    commune = Commune.objects.get_solo()
    commune.name = "Commune de Démo-sur-Meuse"
    commune.contact_phone = "081 23 45 00"
    commune.footer_links = "Heures d'ouverture | https://www.commune.example/horaires"
    commune.save()
    return commune


@pytest.fixture
def population(commune):
    """A service open every day from 8:00 to 18:00, with one visit reason."""
    service = ServiceFactory(
        name="Population",
        slug="population",
        address="Place communale 1\n5000 Démo-sur-Meuse",
        phone="081 23 45 10",
        slot_minutes=15,
        min_notice_hours=2,
        description="Cartes d'identité, passeports et certificats.",
    )
    open_agent(
        service,
        weekdays=EVERY_DAY,
        start=time(8),
        end=time(18),
        valid_from=timezone.localdate() - timedelta(days=7),
    )
    VisitReasonFactory(
        service=service,
        name="Carte d'identité",
        duration_minutes=20,
        screen_information="Apportez une photo récente et votre ancienne carte.",
        message_information="Prix : 25,70 €.",
    )
    return service


@pytest.fixture
def assert_accessible():
    """Run axe-core on the page: no serious or critical violation allowed."""
    if not AXE.exists():
        pytest.skip(
            "axe-core is missing: run `npm ci` to get node_modules/axe-core; skipped."
        )
    checked = []

    def check(page):
        # Evaluated through the DevTools protocol: the pages' Content-Security-
        # Policy (rightly) refuses the inline <script> add_script_tag would add.
        page.evaluate(AXE.read_text())
        result = page.evaluate(
            "async () => await axe.run(document, {resultTypes: ['violations']})"
        )
        problems = [
            f"{violation['id']} ({violation['impact']}): {violation['help']} – "
            + "; ".join(node["target"][0] for node in violation["nodes"][:3])
            for violation in result["violations"]
            if violation["impact"] in ("serious", "critical")
        ]
        checked.append(page.url)
        assert not problems, f"axe on {page.url}:\n" + "\n".join(problems)

    check.pages = checked
    return check


@pytest.fixture
def commune_site():
    """The commune's own website: a page on ``localhost`` (another site than
    the module's ``127.0.0.1``) holding the embed snippet, served by a plain
    HTTP server (a page Playwright made up would count as a public address,
    which Chromium forbids to load from the loopback)."""
    pages = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            body = pages.get(self.path, "").encode()
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("localhost", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.pages = pages
    server.origin = f"http://localhost:{server.server_address[1]}"
    yield server
    server.shutdown()
    server.server_close()
