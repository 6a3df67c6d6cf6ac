"""The database lost during a booking (issue 8, item 5c).

On PostgreSQL the booking's own connection is terminated from a second one
(``pg_terminate_backend``) inside the booking transaction, once the citizen,
the appointment and its message are written and before the commit; or the
database refuses new connections. On SQLite another writer holds the
database. Each time the citizen gets a 503 "try again" in his or her
language, nothing is left half-written, and once the database is back the
same request books.
"""

import re
import sqlite3

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from booking import events
from booking.models import Appointment, Citizen
from core.outage import UNAVAILABLE_MESSAGE, unavailable_response
from messaging.models import Message
from tests.factories import local

from .conftest import bookable_day, require_postgresql


def _postgres_admin():
    """A connection of our own to the server, beside Django's."""
    import psycopg

    db = connection.settings_dict
    return psycopg.connect(
        dbname="postgres",
        user=db["USER"],
        password=db["PASSWORD"] or None,
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        autocommit=True,
    )


@pytest.fixture
def connection_lost_mid_booking():
    """Cut Django's connection inside the next booking transaction, after
    messaging wrote the outbox (its receiver was connected first)."""
    require_postgresql("a connection another one can terminate")
    cuts = []

    def cut(sender, **kwargs):
        if cuts:
            return  # only the first booking
        pid = connection.connection.info.backend_pid
        with _postgres_admin() as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", [pid])
        cuts.append(pid)

    events.appointment_changed_in_transaction.connect(cut)
    yield cuts
    events.appointment_changed_in_transaction.disconnect(cut)


@pytest.fixture
def connections_refused():
    """Make the test database refuse new connections until ``reopen()``."""
    require_postgresql("a database server that can refuse connections")
    name = connection.settings_dict["NAME"]
    admin = _postgres_admin()

    def reopen():
        admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')

    admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
    connection.close()  # the next query must connect anew
    yield reopen
    reopen()
    admin.close()


def _booking(reason, **citizen):
    return {
        "service": reason.service.slug,
        "reason": reason.pk,
        "start": local(bookable_day(), 10).isoformat(),
        "citizen": {
            "first_name": "Marie",
            "last_name": "Dupont",
            "email": "marie.dupont@example.be",
            "phone": "0470 12 34 56",
            **citizen,
        },
    }


def _post_api(client, payload, language="nl"):
    return client.post(
        "/api/v1/appointments",
        payload,
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE=language,
    )


def _nothing_written():
    return (
        Appointment.objects.count(),
        Citizen.objects.count(),
        Message.objects.count(),
    ) == (0, 0, 0)


def _message_in(language: str) -> str:
    with translation.override(language):
        return str(UNAVAILABLE_MESSAGE)


@pytest.mark.django_db(transaction=True)
def test_the_api_answers_503_try_again_when_the_connection_drops_mid_booking(
    desk, client, connection_lost_mid_booking
):
    _service, reason, _agent = desk
    payload = _booking(reason)

    response = _post_api(client, payload)

    assert connection_lost_mid_booking, "the booking never reached its transaction"
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response["Content-Language"] == "nl"
    assert response.json() == {"detail": _message_in("nl")}
    assert _nothing_written()

    # Back a moment later: the same request books, once.
    assert _post_api(client, payload).status_code == 201
    assert (Appointment.objects.count(), Citizen.objects.count()) == (1, 1)
    assert Message.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_api_answers_503_when_the_database_refuses_connections(
    desk, client, connections_refused
):
    _service, reason, _agent = desk
    payload = _booking(reason)

    response = _post_api(client, payload, language="de")

    assert response.status_code == 503
    assert response.json() == {"detail": _message_in("de")}
    connections_refused()
    assert _nothing_written()
    assert _post_api(client, payload).status_code == 201


def _walk_to_confirm(client, reason):
    """The public steps up to the confirmation page, as a citizen does."""
    service = reason.service.slug

    def url(step):
        return reverse(f"booking:{step}", kwargs={"service": service})

    client.post(url("reason"), {"reason": reason.pk})
    slot = client.get(url("slots")).context["days"][0]["slots"][0]["value"]
    assert client.post(url("slots"), {"slot": slot}).status_code == 302
    details = {
        "last_name": "Peeters",
        "first_name": "Anna",
        "email": "anna.peeters@example.be",
        "phone": "0470 12 34 56",
    }
    assert client.post(url("details"), details).status_code == 302
    assert client.get(url("confirm")).status_code == 200
    return url("confirm")


@pytest.mark.django_db(transaction=True)
def test_the_confirm_step_shows_a_retry_page_when_the_connection_drops(
    desk, client, settings, connection_lost_mid_booking, instant_visitor
):
    _service, reason, _agent = desk
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nl"
    confirm = _walk_to_confirm(client, reason)

    response = client.post(confirm, {"website": ""})

    assert response.status_code == 503
    page = response.content.decode()
    assert '<html lang="nl">' in page
    assert escape(_message_in("nl")) in page
    assert re.search(rf'href="{confirm}"', page)  # "Try again" returns there
    assert _nothing_written()

    # The citizen's answers are still in the session: trying again books.
    response = client.post(confirm, {"website": ""})
    assert response.status_code == 302
    assert response.url.endswith("/done/")
    appointment = Appointment.objects.get()
    assert appointment.citizen.language == "nl"


@pytest.mark.django_db(transaction=True)
def test_a_locked_sqlite_database_answers_503_and_writes_nothing(desk, client):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's own failure: the database held by another writer")
    _service, reason, _agent = desk
    payload = _booking(reason)
    # Another process's write transaction (a backup, a long import…).
    other = sqlite3.connect(
        connection.settings_dict["NAME"], uri=True, timeout=0.1, isolation_level=None
    )
    other.execute("BEGIN IMMEDIATE")
    try:
        with connection.cursor() as cursor:  # do not wait 20 s for the lock
            cursor.execute("PRAGMA busy_timeout = 100")
        response = _post_api(client, payload)
    finally:
        other.execute("ROLLBACK")
        other.close()

    assert response.status_code == 503
    assert response.json() == {"detail": _message_in("nl")}
    assert _nothing_written()
    assert _post_api(client, payload).status_code == 201


def test_the_retry_page_needs_no_database(rf):
    """Rendered while the database is down: no query may be made (this test
    has no database access)."""
    request = rf.post("/population/confirm/")
    with translation.override("fr"):
        response = unavailable_response(request)

    assert response.status_code == 503
    assert "no-store" in response["Cache-Control"]
    assert escape(_message_in("fr")) in response.content.decode()
    assert response["Retry-After"] == "30"


def test_the_retry_link_never_leads_to_another_site(rf):
    request = rf.get("/")
    request.path = "//evil.example/population/"  # as a raw request line gives it

    response = unavailable_response(request)

    assert 'href="/"' in response.content.decode()
    assert "evil.example" not in response.content.decode()
