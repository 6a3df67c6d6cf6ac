"""Take the README's screenshots (docs/screenshots/*.png) of a fresh demo commune.

Runs on a temporary SQLite database seeded with ``seed_demo``, serves it with
``runserver`` on a free local port and drives Debian's Chromium with
Playwright, in French; the citizen's tour (home, times, done) is also taken in
Dutch and German (issue 19). Usage: ``.venv/bin/python scripts/screenshots.py
[name…]``: without names, every screenshot; with names (or their beginnings,
``public-tour``), only those.
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
# The French times page (issue 20): Population's eID, the filter open.
PUBLIC_TIMES = "public-times"
# Issue 25: a family of three at the district office: the number of people
# and the site chosen on the times page, then the confirmation.
PUBLIC_FAMILY = "public-family"
STAFF = [
    ("admin-dashboard", "admin", "/admin/"),
    # Population's week (fixtures/services.yaml, pk 1): every agent's events.
    ("agenda-service", "manager", "/admin/agenda/?service=1&view=timeGridWeek"),
    ("phone-booking", "agent", "/admin/phone/"),
    ("availability-editor", "manager", "/admin/availability/"),
    ("statistics", "admin", "/admin/statistics/"),
    # Closures that repeat (issue 24): the add form, the French Community's day
    # chosen among the presets.
    (
        "closure-presets",
        "admin",
        "/admin/staffing/closure/add/?preset=french_community",
    ),
    # SMS in budget (issue 24): the month's SMS against the budget (SMS_FIGURES).
    ("sms-budget", "admin", "/admin/messaging/sms/"),
]
# The demo sends no message: for the SMS page, the messages of its first
# appointments and of a week of reminders are sent (to memory), spread over the
# last months, at 0.075 € a segment, with a budget this month has spent 86 % of.
SMS_FIGURES = """
import random
from datetime import timedelta
from decimal import Decimal
from django.utils import timezone
from booking.models import Appointment
from messaging.models import Message, MessagingSettings
from messaging.selectors import sms_budget
from messaging.services import (
    message_send, outbox_write_for_change, reminders_create, sms_budget_watch,
)
random.seed(24)
now = timezone.now()
for appointment in Appointment.objects.order_by("start")[:160]:
    outbox_write_for_change(change="booked", appointment=appointment)
for days in range(1, 8):
    reminders_create(day=timezone.localdate(now) + timedelta(days=days))
for pk in Message.objects.filter(status="pending").values_list("pk", flat=True):
    message_send(message_id=pk)
for pk in Message.objects.filter(channel="sms").values_list("pk", flat=True):
    back = random.choice([0, 0, 0, 1, 1, 2, 3, 4, 5])
    Message.objects.filter(pk=pk).update(
        sent_at=now - timedelta(days=31 * back + random.randint(0, 3))
    )
price = Decimal("0.075")
budget = (sms_budget().segments * price / Decimal("0.86")).quantize(Decimal("1"))
MessagingSettings.objects.filter(pk=1).update(
    sms_segment_price=price, sms_monthly_budget=budget, sms_budget_alerted=None
)
sms_budget_watch()
"""
# The desk (issue 22): a citizen of the agent's service arrives in a quarter
# of an hour; the agent types the booking reference. Demo data written as
# the demo's own seed writes it (the desk only knows today's appointments).
DESK_SCENE = """
from datetime import timedelta
from django.utils import timezone
from booking.models import Appointment, Citizen
from staffing.models import Agent
agent = Agent.objects.get(user__username="agent")
service = agent.memberships.select_related("service").first().service
reason = service.reasons.filter(is_active=True).order_by("order", "pk").first()
now = timezone.localtime().replace(second=0, microsecond=0)
start = now + timedelta(minutes=15 - now.minute % 15)
citizen = Citizen.objects.create(
    first_name="Jeanne", last_name="Dupont", language="fr", email="jeanne@example.be"
)
appointment = Appointment.objects.create(
    service=service, agent=agent, reason=reason, citizen=citizen, start=start,
    end=start + timedelta(minutes=reason.duration_minutes), status="confirmed",
)
print(appointment.reference)
"""

# The citizen's tour in the commune's other languages: a booking with
# Population, photographed on its first page, its times and its end.
TOUR_LANGUAGES = ("nl", "de")
TOUR_PAGES = ("home", "times", "done")
# What a page shows once it is ready: (selector to wait for, to scroll to top).
# Photographed whole, not only the first screen.
FULL_PAGE = {"sms-budget"}
READY = {
    "agenda-service": (".rdv-event", None),
    # The key figures and the first chart, drawn once the page has loaded.
    "statistics": ("[data-plotly-drawn]", "#key-figures"),
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(port: int, seconds: float = 60) -> None:
    """Until the server answers on ``port`` (a busy machine takes a while)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.5)
    raise SystemExit(f"the server did not answer on port {port}")


def wanted(name: str) -> bool:
    """Whether the command line asks for screenshot ``name``."""
    asked = sys.argv[1:]
    return not asked or any(name.startswith(prefix) for prefix in asked)


def book_in(page, base: str, language: str) -> None:
    """Book with Population in ``language``, photographing the tour's pages."""

    def shot(step: str) -> None:
        page.screenshot(path=OUT / f"public-tour-{step}-{language}.png")

    page.goto(f"{base}/?lang={language}")
    shot("home")
    page.click("a.service-reason >> nth=0")  # Population's first reason
    page.wait_for_url("**/population/slots/*")
    page.click(".slot-label >> nth=0")
    shot("times")
    # Faster than anyone, the script would meet the anti-bot delay, counted
    # from the start of the flow: a person reads the times for a moment.
    page.wait_for_timeout(2500)
    page.click("form button.button--primary")
    page.wait_for_url("**/population/details/*")
    page.fill("#id_last_name", "Peeters" if language == "nl" else "Schmitz")
    page.fill("#id_first_name", "An" if language == "nl" else "Lena")
    page.fill("#id_email", "citizen@example.be")
    page.fill("#id_phone", "0470 12 34 56")
    page.click("form button.button--primary")
    page.wait_for_url("**/population/confirm/*")
    page.click("form button.button--primary")
    page.wait_for_url("**/population/done/*")
    shot("done")


def family_at_a_site(context, page, base: str) -> None:
    """Three people for identity cards at the district office: the times
    page with both choices, and the confirmation that repeats them."""
    context.clear_cookies()
    page.goto(base + "/")
    page.click("a.service-reason >> nth=0")
    page.wait_for_url("**/population/slots/*")
    page.select_option("select[name=people]", "3")
    page.click(".criteria-box summary")
    page.check("input[name=site] >> nth=2")  # after "All sites", the second
    page.click(".criteria-box button[type=submit]")
    page.wait_for_load_state()  # the filter stays open: filters are on
    page.screenshot(path=OUT / f"{PUBLIC_FAMILY}-times.png", full_page=True)
    page.click(".slot-label >> nth=0")
    page.click("form[method=post] button.button--primary")
    page.wait_for_url("**/population/details/*")
    page.fill("#id_last_name", "Lambert")
    page.fill("#id_first_name", "Sophie")
    page.fill("#id_email", "sophie.lambert@example.be")
    page.fill("#id_phone", "0470 12 34 56")
    page.click("form button.button--primary")
    page.wait_for_url("**/population/confirm/*")
    page.screenshot(path=OUT / f"{PUBLIC_FAMILY}-confirm.png", full_page=True)


def sign_in(page, base: str, user: str) -> None:
    """Sign in as a demo login (its password is its name)."""
    page.goto(base + "/admin/login/")
    page.fill("#id_username", user)
    page.fill("#id_password", user)
    page.click("button[type=submit]")


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
    if wanted("sms-budget"):
        subprocess.run(  # noqa: S603
            [*manage, "shell", "-c", SMS_FIGURES],
            cwd=ROOT,
            env={
                **env,
                "SMS_BACKEND": "messaging.sms.LocmemBackend",
                "EMAIL_URL": "memorymail://",
                "Q_SYNC": "1",
            },
            check=True,
            stdout=subprocess.DEVNULL,
        )
    desk_reference = ""
    if wanted("desk"):
        desk_reference = (
            subprocess.run(  # noqa: S603
                [*manage, "shell", "-c", DESK_SCENE],
                cwd=ROOT,
                env=env,
                check=True,
                capture_output=True,
                text=True,
            )
            .stdout.strip()
            .splitlines()[-1]
        )
    port = free_port()
    server = subprocess.Popen(  # noqa: S603
        [*manage, "runserver", "--noreload", f"127.0.0.1:{port}"], cwd=ROOT, env=env
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(port)
        OUT.mkdir(parents=True, exist_ok=True)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium",
                args=["--no-sandbox", "--disable-background-networking"],
            )
            context = browser.new_context(
                viewport={"width": 1280, "height": 860},
                locale="fr-BE",
                timezone_id="Europe/Brussels",
            )
            page = context.new_page()
            for name, path in PUBLIC:
                if wanted(name):
                    page.goto(base + path)
                    page.screenshot(path=OUT / f"{name}.png")
            if wanted(PUBLIC_TIMES):
                context.clear_cookies()
                page.goto(base + "/")
                page.click("a.service-reason >> nth=0")
                page.wait_for_url("**/population/slots/*")
                page.click(".criteria-box summary")
                page.screenshot(path=OUT / f"{PUBLIC_TIMES}.png", full_page=True)
            if wanted(PUBLIC_FAMILY):
                family_at_a_site(context, page, base)
            for language in TOUR_LANGUAGES:
                if wanted(f"public-tour-home-{language}"):
                    context.clear_cookies()
                    book_in(page, base, language)
            for name, user, path in STAFF:
                if not wanted(name):
                    continue
                context.clear_cookies()
                sign_in(page, base, user)
                page.goto(base + path)
                page.wait_for_load_state("networkidle")
                selector, top = READY.get(name, (None, None))
                if top:
                    page.locator(top).evaluate("element => element.scrollIntoView()")
                if selector:
                    page.wait_for_selector(selector)
                    page.wait_for_timeout(300)  # plotly's last frame
                page.screenshot(path=OUT / f"{name}.png", full_page=name in FULL_PAGE)
            if desk_reference:
                context.clear_cookies()
                sign_in(page, base, "agent")
                page.goto(base + "/admin/desk/")
                page.fill("input[name=reference]", desk_reference)
                page.keyboard.press("Enter")
                page.wait_for_load_state("networkidle")
                page.screenshot(path=OUT / "desk.png")
                # The same page in the dark theme (the admin follows the
                # system's choice until the user picks one).
                page.emulate_media(color_scheme="dark")
                page.reload()
                page.wait_for_load_state("networkidle")
                page.screenshot(path=OUT / "desk-dark.png")
                page.emulate_media(color_scheme="light")
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(f"screenshots written to {OUT.relative_to(ROOT)}/")


if __name__ == "__main__":
    main()
