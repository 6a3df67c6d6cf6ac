"""Security of the site (issue 8): the Content-Security-Policy, the login
lockout, cookies and HSTS, rate limits shared through Redis, the personal links,
and no way to learn whether a citizen is known."""

import json
import os
import re
import subprocess
import sys
import uuid
from datetime import date, time, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.core import mail
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from booking.links import make_token
from booking.models import Appointment
from booking.services import BookingError, appointment_book
from core.models import Commune
from core.security import parse_policy
from tests.factories import (
    EVERY_DAY,
    AppointmentFactory,
    CitizenFactory,
    ServiceFactory,
    UserFactory,
    VisitReasonFactory,
    open_agent,
)
from tests.two_factor import sign_in

ROOT = Path(__file__).resolve().parents[2]
CONTINUE = "form button.button--primary"
IDENTITY = {
    "last_name": "Dupont",
    "first_name": "Marie",
    "email": "marie.dupont@example.be",
    "phone": "0470 12 34 56",
    "national_number": "85.07.30-033.28",
    "birth_date": "1985-07-30",
    "address": "Rue de la Gare 1, 5000 Namur",
}


@pytest.fixture(autouse=True)
def _quiet(instant_visitor, settings):
    settings.EMBED_ALLOWED_ORIGINS = []


@pytest.fixture
def service(db):
    """Every step of the flow is shown: agent choice and every extra field."""
    service = ServiceFactory(
        name="Population",
        slug="population",
        min_notice_hours=2,
        citizens_choose_agent=True,
        requires_national_number=True,
        requires_birth_date=True,
        requires_address=True,
    )
    open_agent(
        service,
        weekdays=EVERY_DAY,
        start=time(8),
        end=time(18),
        valid_from=timezone.localdate() - timedelta(days=7),
    )
    return service


@pytest.fixture
def reason(service):
    return VisitReasonFactory(
        service=service, name="Carte d'identité", screen_information="Photo."
    )


def step(name, **kwargs):
    return reverse(f"booking:{name}", kwargs={"service": "population", **kwargs})


def book_through_the_pages(client, reason, identity=IDENTITY) -> dict:
    """Walk the whole public flow; return every page seen, by name."""
    pages = {"home": client.get("/"), "privacy": client.get("/privacy/")}
    pages["agent"] = client.get(step("agent"))
    client.post(step("agent"), {"agent": "any"})
    pages["reason"] = client.get(step("reason"))
    client.post(step("reason"), {"reason": reason.pk})
    pages["slots"] = client.get(step("slots"))
    slot = pages["slots"].context["days"][0]["slots"][0]["value"]
    assert client.post(step("slots"), {"slot": slot}).status_code == 302
    pages["details"] = client.get(step("details"))
    assert (
        client.post(step("details"), {**identity, "remarks": "Avec ma fille."})
    ).status_code == 302
    pages["confirm"] = client.get(step("confirm"))
    booked = client.post(step("confirm"), {"website": ""})
    assert booked.status_code == 302, booked.context and booked.context.get("error")
    pages["booked"] = booked
    pages["done"] = client.get(step("done"))
    return pages


class InlineCode(HTMLParser):
    """Collects what a strict CSP would block: inline scripts and styles,
    event-handler attributes and javascript: URLs."""

    def __init__(self):
        super().__init__()
        self.found, self._in_script = [], False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script":
            self._in_script = True
            if not attributes.get("src"):
                self.found.append("<script> without src")
        if tag == "style":
            self.found.append("<style>")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"{tag} {name}=")
            if name == "style":
                self.found.append(f"{tag} style=")
            if (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"{tag} {name}=javascript:")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.found.append("inline script code")


def inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    return parser.found


# --- Content-Security-Policy ----------------------------------------------------------


def test_every_public_page_has_a_strict_policy_and_no_inline_code(
    client, service, reason
):
    pages = book_through_the_pages(client, reason)
    appointment = Appointment.objects.get()
    token = make_token(appointment)
    for name in ("manage", "manage_cancel", "manage_move"):
        pages[name] = client.get(reverse(f"booking:{name}", args=[token]))
    pages["not found"] = client.get("/no-such-service/")
    pages["expired link"] = client.get(reverse("booking:manage", args=["forged"]))
    pages["embedded"] = client.get("/embed/")
    pages["embedded by query"] = client.get("/privacy/?embed=1")
    del pages["booked"]  # a redirect

    for name, response in pages.items():
        assert response.status_code in (200, 404), name
        policy = parse_policy(response["Content-Security-Policy"])
        assert policy["default-src"] == ["'self'"], name
        assert policy["script-src"] == ["'self'"], name  # no 'unsafe-inline'
        assert policy["style-src"] == ["'self'"], name
        assert policy["img-src"] == ["'self'", "data:"], name
        assert policy["object-src"] == ["'none'"], name
        assert policy["base-uri"] == ["'self'"], name
        assert policy["form-action"] == ["'self'"], name
        assert policy["frame-ancestors"] == ["'self'"], name
        assert inline_code(response.content.decode()) == [], name


def test_the_commune_site_may_frame_the_module_and_nothing_else_loosens(
    client, service, reason, settings
):
    settings.EMBED_ALLOWED_ORIGINS = ["https://www.commune.example"]
    embedded = parse_policy(client.get("/embed/")["Content-Security-Policy"])
    assert embedded["frame-ancestors"] == ["'self'", "https://www.commune.example"]
    assert embedded["script-src"] == ["'self'"]
    # Pages that are not the booking module refuse every frame.
    for path in ("/theme.css", "/api/v1/services", "/admin/login/"):
        policy = parse_policy(client.get(path)["Content-Security-Policy"])
        assert policy["frame-ancestors"] == ["'none'"], path


def test_the_admin_policy_loads_nothing_from_elsewhere(client, administrator):
    client.force_login(administrator)
    for path in ("/admin/login/", "/admin/", "/admin/booking/citizen/"):
        response = client.get(path)
        policy = parse_policy(response["Content-Security-Policy"])
        sources = {source for values in policy.values() for source in values}
        assert policy["default-src"] == ["'self'"], path
        assert policy["object-src"] == ["'none'"], path
        assert policy["frame-ancestors"] == ["'none'"], path
        # Only keywords, data: and blob: besides the site itself: no host.
        assert all(s.startswith("'") or s in ("data:", "blob:") for s in sources)
        assert response["X-Frame-Options"] == "DENY"


def test_the_theme_is_a_versioned_stylesheet_cached_for_a_year(client, service):
    commune = Commune.objects.get_solo()
    commune.primary_colour = "#123456"
    commune.extra_css = ".brand-name { letter-spacing: .02em; }"
    commune.save()
    page = client.get("/").content.decode()
    href = re.search(r'href="(/theme\.css\?v=(\w+))"', page).group(1)
    stylesheet = client.get(href)
    assert stylesheet["Content-Type"] == "text/css; charset=utf-8"
    assert "--primary: #123456;" in stylesheet.content.decode()
    assert ".brand-name { letter-spacing: .02em; }" in stylesheet.content.decode()
    assert "immutable" in stylesheet["Cache-Control"]

    commune.primary_colour = "#654321"
    commune.save()
    assert href not in client.get("/").content.decode()  # a new version
    stale = client.get(href)  # an old page asking for the old version
    assert "--primary: #654321;" in stale.content.decode()
    assert "immutable" not in stale["Cache-Control"]


@pytest.mark.e2e
def test_no_policy_violation_in_chromium_and_the_theme_applies(
    live_server, transactional_db, administrator
):
    """The real browser enforces the policy: nothing refused on the public
    pages (booking flow included) nor in the admin, and the theme's colour
    reaches the header."""
    chromium = Path("/usr/bin/chromium")
    if not chromium.exists():
        pytest.skip("Browser tests need Debian's Chromium at /usr/bin/chromium.")
    sync_api = pytest.importorskip("playwright.sync_api")
    service = ServiceFactory(name="Population", slug="population", min_notice_hours=0)
    open_agent(
        service,
        weekdays=EVERY_DAY,
        start=time(8),
        end=time(18),
        valid_from=timezone.localdate(),
    )
    VisitReasonFactory(service=service, name="Carte d'identité")
    commune = Commune.objects.get_solo()
    commune.primary_colour = "#7a1f5c"
    commune.save()
    administrator.set_password("a-long-admin-password")
    administrator.save()

    refused = []
    with (
        pytest.MonkeyPatch.context() as patch,
        sync_api.sync_playwright() as playwright,
    ):
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = playwright.chromium.launch(
            executable_path=str(chromium),
            args=["--no-sandbox", "--disable-background-networking"],
        )
        page = browser.new_page(base_url=live_server.url)
        page.set_default_timeout(10_000)
        page.on(
            "console",
            lambda message: (
                refused.append(f"{page.url}: {message.text}")
                if "Content Security Policy" in message.text
                else None
            ),
        )
        page.goto("/")
        header = page.evaluate(
            "getComputedStyle(document.querySelector('.site-header')).backgroundColor"
        )
        assert header == "rgb(122, 31, 92)"  # #7a1f5c, from /theme.css
        page.click("a.service-reason >> nth=0")  # straight to the times
        page.wait_for_url("**/population/slots/")
        page.click(".slot-label >> nth=0")
        page.click(CONTINUE)
        page.wait_for_url("**/population/details/")
        for path in ("/privacy/", "/embed/population/reason/", "/api/v1/docs"):
            page.goto(path)
        # With the second factor (issue 23), whose pages are checked too.
        sign_in(page, administrator.username, "a-long-admin-password")
        for path in ("/admin/booking/citizen/", "/admin/agenda/", "/admin/phone/"):
            page.goto(path)
            page.wait_for_load_state("networkidle")
        browser.close()
    assert refused == []


# --- Login lockout (django-axes) ------------------------------------------------------


def login(client, username, password, **extra):
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": password, "next": "/admin/"},
        HTTP_ACCEPT_LANGUAGE="en",
        **extra,
    )


def test_admin_login_locks_out_after_the_failure_limit(client, settings, db):
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)
    user = UserFactory(username="clerk", password=None)
    user.set_password("the-right-password")
    user.save()

    for _attempt in range(2):
        refused = login(client, "clerk", "wrong", REMOTE_ADDR="203.0.113.5")
        assert refused.status_code == 200  # the form again, with its error
    locked = login(client, "clerk", "wrong", REMOTE_ADDR="203.0.113.5")
    assert locked.status_code == 429
    assert "Too many wrong passwords" in locked.content.decode()
    assert "15 minutes" in locked.content.decode()

    # The right password does not get through the lockout…
    assert (
        login(client, "clerk", "the-right-password", REMOTE_ADDR="203.0.113.5")
    ).status_code == 429
    assert "_auth_user_id" not in client.session
    # …but the same person from another address is not locked out.
    elsewhere = Client()
    response = login(
        elsewhere, "clerk", "the-right-password", REMOTE_ADDR="198.51.100.9"
    )
    assert response.status_code == 302
    assert elsewhere.session["_auth_user_id"] == str(user.pk)

    # After the cool-off, the right password works again.
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert (
        login(client, "clerk", "the-right-password", REMOTE_ADDR="203.0.113.5")
    ).status_code == 302


def test_a_forged_forwarded_address_does_not_dodge_the_lockout(client, settings, db):
    """Behind the proxy, the address counted is the one the proxy appended."""
    settings.BEHIND_PROXY = True
    settings.AXES_FAILURE_LIMIT = 3
    UserFactory(username="clerk")
    statuses = [
        login(
            client,
            "clerk",
            "wrong",
            HTTP_X_FORWARDED_FOR=f"10.0.0.{attempt}, 203.0.113.5",
        ).status_code
        for attempt in range(4)
    ]
    assert statuses == [200, 200, 429, 429]


# --- Cookies and HSTS -----------------------------------------------------------------


def test_secure_cookies_and_hsts_when_the_settings_say_so(client, settings, db):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    user = UserFactory(username="clerk", password=None)
    user.set_password("the-right-password")
    user.save()

    page = client.get(reverse("admin:login"), secure=True)
    assert page["Strict-Transport-Security"] == (
        "max-age=31536000; includeSubDomains; preload"
    )
    assert page.cookies["csrftoken"]["secure"]
    logged_in = client.post(
        reverse("admin:login"),
        {"username": "clerk", "password": "the-right-password", "next": "/admin/"},
        secure=True,
    )
    assert logged_in.status_code == 302
    session = logged_in.cookies["sessionid"]
    assert session["secure"] and session["httponly"]
    assert session["samesite"] == "Lax"
    # HSTS only over HTTPS (RFC 6797): never on a plain HTTP answer.
    assert "Strict-Transport-Security" not in client.get("/privacy/")


def test_production_defaults_redirect_to_https_and_send_hsts():
    """With only the production variables set (no HTTPS option given), plain
    HTTP is redirected and HTTPS answers carry HSTS and secure cookies."""
    code = (
        "import json\n"
        "from django.test import Client\n"
        "c = Client(HTTP_HOST='rendez-vous.commune.example')\n"
        "plain = c.get('/api/v1/openapi.json')\n"
        "tls = c.get('/api/v1/openapi.json', secure=True)\n"
        "from django.conf import settings as s\n"
        "print(json.dumps({'plain': [plain.status_code, plain.get('Location')],\n"
        "  'hsts': tls.get('Strict-Transport-Security'),\n"
        "  'csp': tls.get('Content-Security-Policy'),\n"
        "  'cookies': [s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE]}))\n"
    )
    environment = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", str(ROOT)),
        "DEBUG": "0",
        "SECRET_KEY": "k8Jv2-production-like-secret-key-with-enough-entropy-9fQ3",
        "ALLOWED_HOSTS": "rendez-vous.commune.example",
        "DATABASE_URL": "sqlite://:memory:",
        "STATIC_MANIFEST": "0",
    }
    result = subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["plain"] == [
        301,
        "https://rendez-vous.commune.example/api/v1/openapi.json",
    ]
    assert answer["hsts"] == "max-age=31536000; includeSubDomains; preload"
    assert "script-src 'self'" in answer["csp"]
    assert answer["cookies"] == [True, True]


# --- Rate limits on Redis -------------------------------------------------------------


@pytest.fixture
def redis_cache(settings):
    """The default cache on the real Redis at 127.0.0.1:6379, under a prefix of
    its own (removed afterwards); skipped when no Redis server answers."""
    redis = pytest.importorskip("redis")
    server = redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=0.5)
    try:
        server.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("No Redis server at 127.0.0.1:6379 (start redis-server).")
    prefix = f"rdv-test-{uuid.uuid4().hex}"
    # Changing CACHES through the fixture resets django.core.cache.caches.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/0",
            "KEY_PREFIX": prefix,
        }
    }
    assert isinstance(caches["default"], RedisCache)
    yield server, prefix
    keys = server.keys(f"{prefix}:*")
    if keys:
        server.delete(*keys)


def test_rate_limits_count_in_redis_shared_by_every_worker(
    client, redis_cache, settings, db
):
    server, prefix = redis_cache
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "search": (3, 60)}
    statuses = [client.get("/api/v1/slots").status_code for _ in range(4)]
    assert statuses[:3] == [422, 422, 422]  # invalid queries count too
    assert statuses[3] == 429
    # The counter is in Redis itself, where every web worker reads it.
    key = f"{prefix}:1:ratelimit:search:127.0.0.1"
    assert server.get(key) == b"4"
    assert 0 < server.ttl(key) <= 60
    # Another client address has its own count.
    assert client.get("/api/v1/slots", REMOTE_ADDR="192.0.2.7").status_code == 422


# --- Personal links (R13) -------------------------------------------------------------


@pytest.fixture
def appointment(service, reason):
    start = timezone.localtime().replace(
        hour=10, minute=0, second=0, microsecond=0
    ) + timedelta(days=5)
    return AppointmentFactory(
        service=service,
        agent=service.memberships.get().agent,
        reason=reason,
        start=start,
        end=start + timedelta(minutes=15),
    )


def test_a_personal_link_expires_a_day_after_the_appointment(appointment, client):
    now = timezone.now()
    for ended_ago, status in ((timedelta(hours=23), 200), (timedelta(hours=25), 404)):
        Appointment.objects.filter(pk=appointment.pk).update(
            start=now - ended_ago - timedelta(minutes=15), end=now - ended_ago
        )
        appointment.refresh_from_db()
        token = make_token(appointment)  # signed for the new time
        response = client.get(reverse("booking:manage", args=[token]))
        assert response.status_code == status, ended_ago


def test_a_personal_link_acts_only_on_a_post_from_the_module_itself(appointment):
    token = make_token(appointment)
    browser = Client(enforce_csrf_checks=True)
    cancel = reverse("booking:manage_cancel", args=[token])
    move = reverse("booking:manage_move", args=[token])
    # Mail scanners and prefetchers only GET, whatever the query says.
    assert browser.get(cancel + "?reason=scanner").status_code == 200
    assert browser.get(move + "?slot=" + appointment.start.isoformat()).status_code
    # A cross-site form: the browser says where it comes from (issue 20: no
    # CSRF cookie on the public pages, which a cross-site frame would not send).
    forged = browser.post(
        cancel, {"reason": "forged"}, HTTP_ORIGIN="https://evil.example"
    )
    assert forged.status_code == 403
    assert "data-new-tab" in forged.content.decode()
    hidden = browser.post(
        cancel, {"reason": "forged"}, HTTP_SEC_FETCH_SITE="cross-site"
    )
    assert hidden.status_code == 403
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CONFIRMED
    assert appointment.history.count() == 1


# --- No citizen enumeration -----------------------------------------------------------


def test_the_public_booking_answers_the_same_for_a_known_citizen(
    service, reason, settings
):
    settings.MAX_ACTIVE_APPOINTMENTS_PER_CITIZEN = 0
    # Known with the national number and birth date the form brings: a row
    # without them would be another person (issue 14, point 1).
    known_citizen = CitizenFactory(
        last_name="Dupont",
        first_name="Marie",
        email="marie.dupont@example.be",
        national_number="85073003328",
        birth_date=date(1985, 7, 30),
    )
    # Before opening time: no slot offered to anyone can show this time.
    earlier_start = timezone.localtime().replace(
        hour=7, minute=5, second=0, microsecond=0
    ) + timedelta(days=9)
    AppointmentFactory(
        service=service,
        agent=service.memberships.get().agent,
        reason=reason,
        citizen=known_citizen,
        start=earlier_start,
        end=earlier_start + timedelta(minutes=15),
    )
    known = book_through_the_pages(Client(HTTP_ACCEPT_LANGUAGE="en"), reason)
    stranger = {**IDENTITY, "email": "someone.else@example.be"}
    unknown = book_through_the_pages(
        Client(HTTP_ACCEPT_LANGUAGE="en"), reason, stranger
    )

    # The known citizen's booking was added to his or her record…
    assert known["done"].context["appointment"].citizen == known_citizen
    # …and yet both see the same steps, the same redirect and the same pages.
    for name in known:
        assert known[name].status_code == unknown[name].status_code, name
        assert [t.name for t in known[name].templates] == [
            t.name for t in unknown[name].templates
        ], name
    assert known["booked"]["Location"] == unknown["booked"]["Location"]
    assert "07:05" not in known["done"].content.decode()


def test_the_api_answers_the_same_for_a_known_citizen(service, reason, client):
    CitizenFactory(
        last_name="Dupont", first_name="Marie", email="marie.dupont@example.be"
    )
    slots = client.get(
        "/api/v1/slots",
        {
            "service": "population",
            "reason": reason.pk,
            # A week, not one day: tomorrow may be a public holiday.
            "start": timezone.localdate() + timedelta(days=1),
            "end": timezone.localdate() + timedelta(days=8),
        },
    ).json()["slots"]
    answers = []
    for start, email in (
        (slots[0]["start"], "marie.dupont@example.be"),
        (slots[1]["start"], "nobody@example.be"),
    ):
        body = {
            "service": "population",
            "reason": reason.pk,
            "start": start,
            "citizen": {**IDENTITY, "email": email, "language": "fr"},
        }
        response = client.post(
            "/api/v1/appointments", body, content_type="application/json"
        )
        answers.append((response.status_code, sorted(response.json())))
    assert (
        answers[0]
        == answers[1]
        == (
            201,
            ["end", "id", "manage_url", "notices", "people", "site", "start", "status"],
        )
    )


def test_the_per_citizen_limit_refusal_tells_nothing_about_the_booked_ones(
    service, reason, settings
):
    settings.MAX_ACTIVE_APPOINTMENTS_PER_CITIZEN = 1
    citizen = CitizenFactory()
    AppointmentFactory(
        service=service,
        agent=service.memberships.get().agent,
        reason=reason,
        citizen=citizen,
        start=timezone.now() + timedelta(days=30),
        end=timezone.now() + timedelta(days=30, minutes=15),
    )
    start = timezone.localtime().replace(
        hour=10, minute=0, second=0, microsecond=0
    ) + timedelta(days=20)
    with pytest.raises(BookingError) as refusal:
        appointment_book(service=service, reason=reason, citizen=citizen, start=start)
    with translation.override("en"):
        message = str(refusal.value.message)
    assert "please call the service" in message
    assert not re.search(r"\d", message)  # neither how many nor when
    assert mail.outbox == []
