"""The citizen's lasting personal link (issue 20, point 5): booking/links.py,
its short form /r/<code>, and its revocation by staff."""

from datetime import date, time, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from booking.link_codes import ALPHABET, CODE_LENGTH, new_link_code, normalise_code
from booking.links import (
    appointment_for_token,
    legacy_token,
    make_token,
    manage_path,
    manage_url,
    short_path,
)
from booking.models import Appointment
from booking.services import appointment_link_revoke, appointment_move
from staffing.models import validate_service_slug
from tests.factories import (
    EVERY_DAY,
    AppointmentFactory,
    ServiceFactory,
    UserFactory,
    VisitReasonFactory,
    local,
    open_agent,
)

TUESDAY = date(2027, 1, 5)
NOW = local(date(2027, 1, 4), 9)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=True) as traveller:
        yield traveller


@pytest.fixture
def appointment(db):
    service = ServiceFactory(slug="population", slot_minutes=15, min_notice_hours=2)
    open_agent(service, weekdays=EVERY_DAY, start=time(8), end=time(18))
    reason = VisitReasonFactory(service=service, duration_minutes=15)
    start = local(TUESDAY, 10)
    return AppointmentFactory(
        service=service,
        reason=reason,
        agent=service.memberships.get().agent,
        booked_for_service=True,
        start=start,
        end=start + timedelta(minutes=15),
    )


def _move(appointment, hour: int) -> Appointment:
    return appointment_move(
        appointment=appointment,
        start=local(TUESDAY, hour),
        actor=UserFactory(is_superuser=True, is_staff=True),
    )


def test_a_code_is_random_short_and_tells_nothing(appointment):
    codes = {new_link_code() for _ in range(200)}
    assert len(codes) == 200
    assert all(
        len(code) == CODE_LENGTH and set(code) <= set(ALPHABET) for code in codes
    )
    code = make_token(appointment)
    assert appointment.reference.lower() not in code
    assert manage_path(appointment) == f"/manage/{code}/"
    assert manage_url(appointment) == f"http://127.0.0.1:8000/r/{code}"


def test_every_appointment_has_its_own_code(appointment):
    other = AppointmentFactory(service=appointment.service, reason=appointment.reason)
    assert make_token(other) != make_token(appointment)
    assert appointment_for_token(make_token(other)) == other


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("ABCD1234EFGH", "abcd1234efgh"),
        (" abcdo1234efg ", "abcd01234efg"),  # o read as 0
        ("abcdi1234efg", "abcd11234efg"),
        ("abcd", None),
        ("abcd1234efg!", None),
        ("", None),
    ],
)
def test_a_typed_code_is_read_kindly(typed, code):
    assert normalise_code(typed) == code


def test_the_link_survives_moves(appointment, client):
    first = make_token(appointment)
    moved = _move(appointment, 14)
    moved = _move(moved, 16)
    assert make_token(moved) == first
    page = client.get(reverse("booking:manage", args=[first]))
    assert page.status_code == 200
    assert page.context["appointment"].start == local(TUESDAY, 16)


def test_the_link_expires_a_day_after_the_appointment(appointment, client, clock):
    path = manage_path(appointment)
    clock.move_to(appointment.end + timedelta(hours=23))
    assert client.get(path).status_code == 200
    clock.move_to(appointment.end + timedelta(days=1, minutes=1))
    response = client.get(path)
    assert response.status_code == 404
    assert "Ce lien ne fonctionne plus" in response.content.decode()


def test_an_expired_link_stays_dead_when_the_appointment_is_moved_later(
    appointment, clock
):
    old = make_token(appointment)
    clock.move_to(appointment.end + timedelta(days=2))
    moved = appointment_move(
        appointment=appointment,
        start=local(TUESDAY + timedelta(days=7), 10),
        actor=UserFactory(is_superuser=True, is_staff=True),
    )
    assert make_token(moved) != old
    assert appointment_for_token(old) is None
    assert appointment_for_token(make_token(moved)) == moved


def test_staff_revoke_the_link_and_the_old_ones_never_work_again(appointment, client):
    first = make_token(appointment)
    sent_before = legacy_token(appointment)  # a link of a message sent before
    assert client.get(reverse("booking:manage", args=[sent_before])).status_code == 200
    staff = UserFactory(is_superuser=True, is_staff=True)

    revoked = appointment_link_revoke(appointment=appointment, actor=staff)

    assert make_token(revoked) != first
    for token in (first, sent_before):
        assert client.get(reverse("booking:manage", args=[token])).status_code == 404
        assert client.get(f"/r/{token}").status_code in (302, 404)
    assert client.get(manage_path(revoked)).status_code == 200
    record = revoked.history.first()
    assert record.history_change_reason == "personal link revoked"
    assert record.history_user == staff
    assert record.link_revoked_at is not None
    assert not hasattr(record, "link_code")  # the secret stays out of history
    # Moved afterwards, still refused: the code is gone for good.
    moved = _move(revoked, 15)
    assert appointment_for_token(first) is None
    assert appointment_for_token(sent_before) is None
    assert appointment_for_token(make_token(moved)) == moved


def test_a_link_sent_before_keeps_its_old_terms(appointment, client, clock):
    """A signed token of before issue 20 opens its appointment while it is at
    the time the token was made for, and not a day after it."""
    token = legacy_token(appointment)
    page = client.get(reverse("booking:manage", args=[token]))
    assert page.status_code == 200
    # The page's own links carry the lasting code.
    assert page.context["cancel_url"].startswith(
        reverse("booking:manage_cancel", args=[make_token(appointment)])
    )
    clock.move_to(appointment.end + timedelta(days=1, minutes=1))
    assert appointment_for_token(token) is None
    clock.move_to(NOW)
    moved = _move(appointment, 14)
    assert appointment_for_token(token) is None
    assert appointment_for_token(make_token(moved)) == moved


def test_a_forged_token_opens_nothing(appointment):
    code = make_token(appointment)
    other = next(c for c in ALPHABET if c != code[-1])
    assert appointment_for_token(code[:-1] + other) is None
    assert appointment_for_token(appointment.reference) is None  # not a key
    assert appointment_for_token(str(appointment.pk)) is None


def test_the_short_link_leads_to_the_page(appointment, client):
    code = make_token(appointment)
    assert short_path(appointment) == f"/r/{code}"
    for path in (f"/r/{code}", f"/r/{code}/", f"/r/{code.upper()}"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.url == f"/manage/{code}/"
    page = client.get(f"/r/{code}", follow=True)
    assert page.context["appointment"] == appointment
    bad = client.get("/r/not-a-code")
    assert bad.status_code == 404
    assert "Ce lien ne fonctionne plus" in bad.content.decode()


def test_the_embedded_short_link_stays_embedded(appointment, client):
    code = make_token(appointment)
    response = client.get(f"/embed/r/{code}?lang=nl")
    assert response.status_code == 302
    assert response.url.startswith(f"/embed/manage/{code}/")
    assert "lang=nl" in response.url


def test_r_is_reserved_among_the_service_slugs():
    with pytest.raises(ValidationError):
        validate_service_slug("r")
    validate_service_slug("rue")
