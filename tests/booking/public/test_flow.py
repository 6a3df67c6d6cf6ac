"""The booking without cookies: its key, the origin check, expiry (issue 20,
point 6; ``booking/public/flow.py``).

``Framed`` plays a cross-site frame: no cookie ever comes back, and the
browser says where each post comes from (``Origin``).
"""

import re
from datetime import datetime, time, timedelta

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from booking.links import make_token
from booking.models import Appointment
from booking.privacy import privacy_sweep
from booking.public.flow import FLOW_GRACE_SECONDS
from staffing.models import Agent
from tests.factories import (
    EVERY_DAY,
    AppointmentFactory,
    ServiceFactory,
    VisitReasonFactory,
    open_agent,
)

IDENTITY = {
    "last_name": "Vanderbeken-Dupont",
    "first_name": "Françoise",
    "email": "francoise@example.be",
    "phone": "0470 12 34 56",
}
OWN_ORIGIN = "http://testserver"
KEY = re.compile(r'name="flow" value="(\w+)"')


@pytest.fixture(autouse=True)
def _no_waiting(instant_visitor):
    """Posts at once, under fresh rate limits."""


@pytest.fixture
def reason(db):
    service = ServiceFactory(name="Population", slug="population", min_notice_hours=2)
    open_agent(
        service,
        weekdays=EVERY_DAY,
        start=time(8),
        end=time(18),
        valid_from=timezone.localdate() - timedelta(days=7),
    )
    return VisitReasonFactory(service=service, duration_minutes=20)


class Framed:
    """A browser showing the module in another site's frame."""

    def __init__(self, origin: str = OWN_ORIGIN):
        self.client = Client()
        self.origin = origin
        self.urls: list[str] = []

    def get(self, path: str):
        self.client.cookies.clear()
        self.urls.append(path)
        return self.client.get(path)

    def post(self, path: str, data: dict, **headers):
        self.client.cookies.clear()
        self.urls.append(path)
        headers.setdefault("HTTP_ORIGIN", self.origin)
        return self.client.post(path, data, **headers)


def form_key(response) -> str:
    found = KEY.search(response.content.decode())
    return found.group(1) if found else ""


def answers(response, reason) -> dict:
    """What the citizen answers on whichever step ``response`` shows."""
    page = response.content.decode()
    slot = re.search(r'name="slot" id="[^"]+" value="([^"]+)"', page)
    return {
        "reason": reason.pk,
        **({"slot": slot.group(1)} if slot else {}),
        **IDENTITY,
        "remarks": "",
        "website": "",
        "flow": form_key(response),
    }


def walk(framed: Framed, reason, *, until: str = "/done/"):
    """From the service's link to ``until``, posting each step's answers."""
    response = framed.get("/embed/population/")
    while response.status_code == 302:
        response = framed.get(response.url)
    steps = 0
    while until not in framed.urls[-1]:
        steps += 1
        assert steps < 10, framed.urls
        assert response.status_code == 200, framed.urls[-1]
        posted = framed.post(framed.urls[-1], answers(response, reason))
        assert posted.status_code == 302, posted.content.decode()[:2000]
        response = framed.get(posted.url)
        while response.status_code == 302:
            response = framed.get(response.url)
    return response


def test_a_booking_completes_without_any_cookie(reason):
    framed = Framed()
    done = walk(framed, reason)
    appointment = Appointment.objects.get()
    assert appointment.citizen.last_name == "Vanderbeken-Dupont"
    assert done.context["appointment"] == appointment
    # The key went along in the URLs, the citizen's details never did.
    assert any("flow=" in url for url in framed.urls)
    for url in framed.urls:
        assert "Vanderbeken" not in url and "example.be" not in url
    assert "csrftoken" not in done.cookies


def test_the_key_changes_on_each_post_and_a_copied_link_goes_stale(reason):
    framed = Framed()
    details = walk(framed, reason, until="/details/")
    copied = framed.urls[-1]  # the address bar, as copied or logged
    old_key = form_key(details)
    posted = framed.post(copied, answers(details, reason))
    assert posted.status_code == 302
    new_key = re.search(r"flow=(\w+)", posted.url).group(1)
    assert new_key != old_key
    # The copied link shows someone else nothing: the flow starts afresh.
    stale = framed.get(copied)
    assert stale.status_code == 302
    assert "flow=" not in stale.url
    assert "Vanderbeken" not in framed.get(stale.url).content.decode()
    # The citizen's own next page goes on, with the details kept.
    following = framed.get(posted.url)
    assert following.status_code == 200
    assert (
        Session.objects.get(session_key=form_key(following)).get_decoded()[
            "booking:population"
        ]["identity"]["last_name"]
        == "Vanderbeken-Dupont"
    )


def test_the_same_form_posted_twice_books_once(reason):
    """A double click in the frame: the second post carries the first's key,
    superseded meanwhile; it follows to the new one and books nothing more."""
    framed = Framed()
    confirm = walk(framed, reason, until="/confirm/")
    data = answers(confirm, reason)
    first = framed.post(framed.urls[-1], data)
    second = framed.post(framed.urls[-2], data)
    assert first.url.split("?")[0].endswith("/done/")
    assert second.url.split("?")[0].endswith("/done/")
    assert Appointment.objects.count() == 1
    assert framed.get(second.url).context["appointment"] == Appointment.objects.get()


def test_a_superseded_key_serves_no_other_form(reason):
    """Someone who planted or copied a key cannot follow the citizen's."""
    framed = Framed()
    details = walk(framed, reason, until="/details/")
    planted = form_key(details)
    framed.post(framed.urls[-1], answers(details, reason))
    other = framed.post(
        reverse("embed:details", kwargs={"service": "population"}),
        {**IDENTITY, "flow": planted, "first_name": "Mallory"},
    )
    assert other.status_code == 302
    assert "/details/" not in other.url  # a new, empty flow: back to the start
    assert "Vanderbeken" not in framed.get(other.url).content.decode()


def test_the_old_key_follows_only_for_a_minute(reason):
    framed = Framed()
    confirm = walk(framed, reason, until="/confirm/")
    data = answers(confirm, reason)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        framed.post(framed.urls[-1], {**data, "back": "1"})
        clock.shift(FLOW_GRACE_SECONDS + 1)
        late = framed.post(framed.urls[-2], {**data, "back": "1"})
    assert "/details/" not in late.url and "/confirm/" not in late.url


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_ORIGIN": "https://evil.example"},
        {"HTTP_ORIGIN": "null"},
        {"HTTP_REFERER": "https://evil.example/page"},
        {"HTTP_SEC_FETCH_SITE": "cross-site"},
    ],
    ids=["other-origin", "null-origin", "other-referer", "cross-site-fetch"],
)
def test_a_forged_cross_site_post_is_refused_and_changes_nothing(reason, headers):
    framed = Framed()
    confirm = walk(framed, reason, until="/confirm/")
    key = form_key(confirm)
    stored = Session.objects.get(session_key=key).session_data
    framed.client.cookies.clear()
    forged = framed.client.post(framed.urls[-1], answers(confirm, reason), **headers)
    assert forged.status_code == 403
    page = forged.content.decode()
    assert "data-new-tab" in page
    assert 'href="/population/confirm/"' in page  # outside the frame
    assert "frame-ancestors" in forged["Content-Security-Policy"]
    assert not Appointment.objects.exists()
    # The key still works, unchanged: the forged post did not rotate it.
    assert Session.objects.get(session_key=key).session_data == stored


def test_a_post_from_the_module_itself_passes_by_origin_or_referer(reason):
    for headers in (
        {"HTTP_ORIGIN": OWN_ORIGIN},
        {"HTTP_REFERER": f"{OWN_ORIGIN}/embed/population/reason/"},
        {"HTTP_SEC_FETCH_SITE": "same-origin"},
    ):
        client = Client()
        response = client.post(
            reverse("embed:reason", kwargs={"service": "population"}),
            {"reason": reason.pk},
            **headers,
        )
        assert response.status_code == 302, headers


def test_a_flow_left_alone_expires(reason, settings):
    framed = Framed()
    details = walk(framed, reason, until="/details/")
    with time_machine.travel(
        timezone.now() + timedelta(seconds=settings.BOOKING_FLOW_SECONDS + 1)
    ):
        expired = framed.get(framed.urls[-1])
        assert expired.status_code == 302
        assert "flow=" not in expired.url
        posted = framed.post(framed.urls[-1], answers(details, reason))
        assert "/remarks/" not in posted.url and "/confirm/" not in posted.url


def test_the_privacy_sweep_deletes_a_flow_left_alone(reason, settings):
    """Names typed and abandoned do not stay on the server either."""
    framed = Framed()
    details = walk(framed, reason, until="/details/")
    posted = framed.post(framed.urls[-1], answers(details, reason))
    key = re.search(r"flow=(\w+)", posted.url).group(1)
    assert "Vanderbeken" in str(Session.objects.get(session_key=key).get_decoded())
    later = timezone.now() + timedelta(seconds=settings.BOOKING_FLOW_SECONDS + 1)
    with time_machine.travel(later):
        privacy_sweep()
    assert not Session.objects.filter(session_key=key).exists()


def test_where_cookies_work_the_key_stays_out_of_the_urls(client, reason):
    """A visit to the module itself: the cookie carries the key, as the
    session did, and the browser's Back button still finds the booking."""
    start = client.get(reverse("booking:service", kwargs={"service": "population"}))
    times = client.get(start.url)  # one reason: straight to its times
    answered = answers(times, reason)
    posted = client.post(start.url, answered)
    assert posted.status_code == 302
    assert "/details/" in posted.url and "flow=" not in posted.url
    cookie = client.cookies["booking_flow"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    # An old form posted again (Back, then Continue): the cookie finds it.
    again = client.post(start.url, answered)
    assert again.url == posted.url


@pytest.mark.parametrize(
    ("destination", "in_url"), [("document", False), ("iframe", True)]
)
def test_a_page_of_its_own_keeps_the_key_out_of_the_first_redirect(
    reason, destination, in_url
):
    """The first request has no cookie yet: a browser saying the page is its
    own (``Sec-Fetch-Dest: document``) will send the Lax cookie back, a frame
    may not, so only the frame's redirect carries the key."""
    first = Client().get("/population/", HTTP_SEC_FETCH_DEST=destination)
    assert first.status_code == 302
    assert ("flow=" in first.url) is in_url


def test_the_booking_rate_limit_holds_without_cookies(reason, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "book": (1, 60)}
    framed = Framed()
    confirm = walk(framed, reason, until="/confirm/")
    framed.post(framed.urls[-1], {**answers(confirm, reason), "back": "1"})
    refused = framed.post(framed.urls[-1], answers(confirm, reason))
    assert refused.status_code == 429


def test_a_csrf_failure_on_a_public_page_offers_a_new_tab(db, settings):
    settings.LANGUAGE_CODE = "fr"
    browser = Client(enforce_csrf_checks=True)
    public = browser.post("/i18n/setlang/?lang=nl", {"language": "fr"})
    assert public.status_code == 403
    assert "data-new-tab" in public.content.decode()
    assert public.headers["Content-Language"] == "nl"
    staff = browser.post(reverse("admin:login"), {})
    assert staff.status_code == 403
    assert "data-new-tab" not in staff.content.decode()


def test_a_time_taken_meanwhile_is_said_in_the_frame_too(reason):
    """The message after the redirect waits in the flow, not in a cookie."""
    framed = Framed()
    confirm = walk(framed, reason, until="/confirm/")
    state = Session.objects.get(session_key=form_key(confirm)).get_decoded()
    start = datetime.fromisoformat(state["booking:population"]["slot"])
    AppointmentFactory(  # someone else takes that time meanwhile
        service=reason.service,
        reason=reason,
        agent=Agent.objects.get(),
        start=start,
        end=start + reason.duration,
    )
    posted = framed.post(framed.urls[-1], answers(confirm, reason))
    assert "/slots/" in posted.url and "flow=" in posted.url
    slots = framed.get(posted.url)
    assert 'class="notice notice--error"' in slots.content.decode()
    # Said once.
    assert "notice--error" not in framed.get(posted.url).content.decode()


def test_the_personal_link_cancels_in_a_frame_and_says_so(reason):
    appointment = walk(Framed(), reason).context["appointment"]
    framed = Framed()
    cancel = reverse("embed:manage_cancel", args=[make_token(appointment)])
    posted = framed.post(cancel, {"reason": "Empêchée"})
    assert posted.status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CANCELLED
    page = framed.get(posted.url).content.decode()
    assert 'class="notice notice--success"' in page
