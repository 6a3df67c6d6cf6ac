"""A fuzz of the public pages' query strings (issue 14, "What it must show"):
whatever a visitor puts after the ``?``, no page answers a server error.

Hypothesis draws query strings of two kinds: parameters the pages read
(``after``, ``from_date``, ``weekdays``, ``parts``, ``embed``, ``v``…) with
hostile values (impossible and extreme dates, huge numbers, NUL and other
control characters, very long text), and raw
query strings with broken percent-encodings. Each is sent to every page of the
booking flow (a session walked to the slots step, so that the slot search
really runs), the done page, the personal-link pages and the stylesheet, under
``/`` and ``/embed/``. The clock is fixed; rate limits are off (a 429 would
hide the page behind it).
"""

from datetime import date, time, timedelta
from urllib.parse import quote

import pytest
import time_machine
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from booking.links import make_token
from tests.factories import (
    WEEKDAYS,
    AppointmentFactory,
    ServiceFactory,
    VisitReasonFactory,
    local,
    open_agent,
)

pytestmark = pytest.mark.django_db

MONDAY = date(2027, 1, 4)

PARAMETERS = [
    "after",
    "from_date",
    "weekdays",
    "parts",
    "embed",
    "v",
    "slot",
    "agent",
    "reason",
    "page",
    "next",
    "lang",
]
HOSTILE = [
    "",
    "1",
    "-1",
    "0",
    "99999999999999999999999",
    "2026-13-45T99:99",
    "2026-13-45",
    "9999-12-31T23:59:59+14:00",
    "0001-01-01T00:00:00",
    "0001-01-01",
    "10000-01-01",
    "2027-01-05T09:00:00",  # naive
    "2027-01-05T09:00:00+01:00",
    "2027-01-05T09:00:00Z",
    "2027-02-29",
    "NaN",
    "inf",
    "\x00",
    "a\x00b",
    "\x1b[31m",
    "'; DROP TABLE booking_citizen; --",
    "<script>alert(1)</script>",
    "morning,afternoon,evening,night",
    "0,1,2,3,4,5,6,7,-1",
    "é" * 3000,
]

values = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=60))
query_dicts = st.dictionaries(
    st.one_of(st.sampled_from(PARAMETERS), st.text(max_size=12)),
    st.one_of(values, st.lists(values, min_size=1, max_size=3)),
    max_size=5,
)
raw_queries = st.text(
    alphabet=st.sampled_from("%0123456789abcdefABCDEFxyz=&;+?#/\\ \t.:-_é"),
    max_size=80,
)


@pytest.fixture
def world(client, settings, instant_visitor):
    """A service open on weekdays, one reason, a booked appointment (its
    personal link), and a visitor's session walked to the slots step."""
    settings.RATE_LIMITS = {"search": (0, 60), "book": (0, 60), "manage": (0, 60)}
    with time_machine.travel(local(MONDAY, 8), tick=True):
        service = ServiceFactory(slug="population", slot_minutes=15)
        agent = open_agent(service, weekdays=WEEKDAYS, start=time(8), end=time(12))
        reason = VisitReasonFactory(service=service, duration_minutes=15)
        start = local(MONDAY + timedelta(days=2), 10)
        appointment = AppointmentFactory(
            service=service,
            agent=agent,
            reason=reason,
            start=start,
            end=start + timedelta(minutes=15),
        )
        token = make_token(appointment)
        client.post(
            reverse("booking:reason", args=["population"]), {"reason": reason.pk}
        )
        paths = [
            reverse("booking:home"),
            reverse("booking:privacy"),
            *(
                reverse(f"booking:{name}", args=["population"])
                for name in (
                    "service",
                    "agent",
                    "reason",
                    "criteria",
                    "slots",
                    "details",
                    "remarks",
                    "confirm",
                    "done",
                )
            ),
            *(
                reverse(f"booking:{name}", args=[token])
                for name in ("manage", "manage_cancel", "manage_move", "manage_ics")
            ),
            # The embedded module runs the same views behind its own prefix.
            reverse("embed:home"),
            reverse("embed:slots", args=["population"]),
            reverse("embed:manage_move", args=[token]),
        ]
        paths.append(reverse("theme_css"))
        # The visitor's session reaches the slot search: the fuzz runs it.
        slots = client.get(reverse("booking:slots", args=["population"]))
        assert slots.status_code == 200
        assert slots.context["days"]
        yield paths


FUZZ = settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _no_server_error(client, paths, **request):
    for path in paths:
        response = client.get(path, **request)
        assert response.status_code < 500, (path, request, response.status_code)


@FUZZ
@given(query=query_dicts)
def test_no_public_page_answers_a_server_error_whatever_its_parameters(
    client, world, query
):
    with time_machine.travel(local(MONDAY, 8), tick=True):
        _no_server_error(client, world, data=query)


@FUZZ
@given(raw=raw_queries, encode=st.booleans())
def test_no_public_page_answers_a_server_error_whatever_its_raw_query(
    client, world, raw, encode
):
    # Sent as drawn (broken escapes such as "%zz" or "%"), or percent-encoded
    # byte by byte (NUL, invalid UTF-8 once decoded…).
    query = quote(raw, safe="=&%") if encode else raw
    with time_machine.travel(local(MONDAY, 8), tick=True):
        _no_server_error(client, world, QUERY_STRING=query)
