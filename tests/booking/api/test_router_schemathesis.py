"""Schemathesis over the JSON API's OpenAPI schema: whatever a client sends, the
API answers it (2xx, 4xx) and never fails with a server error (5xx).

Runs in-process against the WSGI application, on the test database, with a
bounded number of examples per operation (about 10 s in all). Half the cases
are steered onto the seeded service, reason and dates, so that the searches
and bookings really run instead of stopping at "unknown service".
"""

from datetime import time, timedelta

import pytest
from django.core.signals import request_started
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.wsgi import application
from tests.factories import (
    WEEKDAYS,
    ServiceFactory,
    VisitReasonFactory,
    local,
    open_agent,
)

schemathesis = pytest.importorskip("schemathesis")
from schemathesis.checks import not_a_server_error  # noqa: E402

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(db, instant_visitor):
    """A service whose agent is open on weekdays, and one reason."""
    service = ServiceFactory(
        slug="population", slot_minutes=15, citizens_choose_agent=True
    )
    agent = open_agent(service, weekdays=WEEKDAYS, start=time(8), end=time(12))
    reason = VisitReasonFactory(service=service, duration_minutes=15)
    return {"service": service, "reason": reason, "agent": agent}


@pytest.fixture
def in_process(seeded):
    # The raw WSGI handler would close the test's connection after each request
    # (Django's test client disconnects this handler for the same reason).
    request_started.disconnect(close_old_connections)
    yield seeded
    request_started.connect(close_old_connections)


# Loaded at collection: the schema is built from code, without the database.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


def steer(case, seeded, day_offset):
    """Point a generated case at the seeded data, keeping its other values."""
    day = timezone.localdate() + timedelta(days=day_offset)
    if isinstance(case.query, dict) and "service" in case.query:
        case.query.update(
            service="population",
            reason=seeded["reason"].pk,
            start=day.isoformat(),
            end=(day + timedelta(days=day_offset % 14)).isoformat(),
        )
    if isinstance(case.body, dict):
        case.body.update(
            service="population",
            reason=seeded["reason"].pk,
            start=local(day, 8 + day_offset % 4, 15 * (day_offset % 4)).isoformat(),
        )
        if day_offset % 2:  # a valid citizen, so that some bookings go through
            case.body["citizen"] = {
                "first_name": "Marie",
                "last_name": f"Dupont {day_offset}",
                "email": f"marie{day_offset}@example.be",
                "phone": "+32470123456",
                "language": "fr",
            }
    if case.path_parameters and "slug" in case.path_parameters:
        case.path_parameters["slug"] = "population"
    if isinstance(case.body, dict) and day_offset % 3 == 0:
        # A client that sends its booking again under one key (issue 14).
        case.headers = {**(case.headers or {}), "Idempotency-Key": f"{day_offset:032x}"}


@schema.parametrize()
@schema.given(steered=st.booleans(), day_offset=st.integers(0, 20))
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_api_never_answers_a_server_error(case, in_process, steered, day_offset):
    if steered:
        steer(case, in_process, day_offset)
    response = case.call()
    case.validate_response(response, checks=[not_a_server_error])
    assert response.status_code < 500
    if case.method == "POST":
        # The same request again: a replay, a duplicate or a refusal, never a 5xx.
        again = case.call()
        case.validate_response(again, checks=[not_a_server_error])
        assert again.status_code < 500


# What an HTTP header value may hold (RFC 9110: visible characters, space, tab,
# obs-text); servers refuse the rest (a NUL, say) before Django sees it.
FIELD_TEXT = st.characters(
    codec="latin-1", exclude_categories=["Cc"], include_characters="\t"
)
MEDIA_TYPES = [
    "text/plain",
    "text/plain; charset=utf-8",
    "application/json",
    "application/json; charset=latin-1",
    "application/problem+json",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "application/xml",
    "",
    "application/json; charset=no-such-charset",
]


@given(
    media_type=st.one_of(
        st.sampled_from(MEDIA_TYPES), st.text(FIELD_TEXT, max_size=40)
    ),
    body=st.one_of(
        st.binary(max_size=300),
        st.sampled_from([b"{}", b"[]", b"null", b'{"service": "population"}']),
    ),
)
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
def test_booking_answers_any_body_and_content_type_without_a_server_error(
    client, seeded, media_type, body
):
    """Whatever the declared media type and the bytes: 415 unless JSON is
    declared, then 400/422 for what is not a valid booking (issue 14, point 3)."""
    try:
        response = client.generic(
            "POST", "/api/v1/appointments", body, content_type=media_type
        )
    except UnicodeEncodeError:  # a header the client itself cannot send
        return
    assert response.status_code < 500, (media_type, body, response.content)
    declared = media_type.split(";")[0].strip().lower()
    if declared != "application/json" and not declared.endswith("+json"):
        assert response.status_code in (415, 429), (media_type, response.content)
