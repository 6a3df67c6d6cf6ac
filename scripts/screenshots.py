"""Take the README's screenshots (docs/screenshots/*.png) of a fresh demo commune.

Runs on a temporary SQLite database seeded with ``seed_demo``, serves it with
``runserver`` on a free local port and drives Debian's Chromium with
Playwright, in French. Usage: ``.venv/bin/python scripts/screenshots.py``.
"""

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"

PUBLIC = [
    ("public-services", "/"),
]
STAFF = [
    ("admin-dashboard", "admin", "/admin/"),
    # Population's week (fixtures/services.yaml, pk 1): every agent's events.
    ("agenda-service", "manager", "/admin/agenda/?service=1&view=timeGridWeek"),
    ("phone-booking", "agent", "/admin/phone/"),
    ("availability-editor", "manager", "/admin/availability/"),
    ("statistics", "admin", "/admin/statistics/"),
]
# What a page shows once it is ready: (selector to wait for, to scroll to top).
READY = {
    "agenda-service": (".rdv-event", None),
    # The key figures and the first chart, drawn once the page has loaded.
    "statistics": ("[data-plotly-drawn]", "#key-figures"),
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def main() -> None:
    """Seed a temporary commune, serve it and photograph the main pages."""
    folder = Path(tempfile.mkdtemp(prefix="rdv-shots-"))
    env = {
        **os.environ,
        "DEBUG": "1",
        # The demo's logins have no authenticator app to photograph with.
        "TWO_FACTOR_REQUIRED": "0",
        "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}",
    }
    manage = [sys.executable, "manage.py"]
    for command in (["migrate", "-v0"], ["seed_demo"]):
        subprocess.run([*manage, *command], cwd=ROOT, env=env, check=True)  # noqa: S603
    port = free_port()
    server = subprocess.Popen(  # noqa: S603
        [*manage, "runserver", "--noreload", f"127.0.0.1:{port}"], cwd=ROOT, env=env
    )
    base = f"http://127.0.0.1:{port}"
    try:
        time.sleep(3)
        OUT.mkdir(parents=True, exist_ok=True)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium",
                args=["--no-sandbox", "--disable-background-networking"],
            )
            context = browser.new_context(
                viewport={"width": 1280, "height": 860}, locale="fr-BE"
            )
            page = context.new_page()
            for name, path in PUBLIC:
                page.goto(base + path)
                page.screenshot(path=OUT / f"{name}.png")
            for name, user, path in STAFF:
                context.clear_cookies()
                page.goto(base + "/admin/login/")
                page.fill("#id_username", user)
                page.fill("#id_password", user)
                page.click("button[type=submit]")
                page.goto(base + path)
                page.wait_for_load_state("networkidle")
                selector, top = READY.get(name, (None, None))
                if top:
                    page.locator(top).evaluate("element => element.scrollIntoView()")
                if selector:
                    page.wait_for_selector(selector)
                    page.wait_for_timeout(300)  # plotly's last frame
                page.screenshot(path=OUT / f"{name}.png")
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(f"screenshots written to {OUT.relative_to(ROOT)}/")


if __name__ == "__main__":
    main()
