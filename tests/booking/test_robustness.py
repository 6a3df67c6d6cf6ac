"""No server error on any input (issue 14, point 5): a service without agents,
an agent outside the service, malformed or extreme dates, non-numeric ids.

Each answers a 400 or a 404 in the user's language (English here: the new
messages are translated centrally), or the page with its form's error.
"""

from datetime import date, datetime, time

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from booking.links import make_token
from booking.models import Appointment
from core.inputs import InvalidInput, parse_datetime_value, parse_day, parse_moment
from tests.factories import (
    EVERY_DAY,
    AgentFactory,
    AppointmentFactory,
    VisitReasonFactory,
    local,
    open_agent,
)

pytestmark = pytest.mark.django_db

# Tuesday 1 September 2026, 08:00 in Brussels: no public holiday that week.
NOW = local(date(2026, 9, 1), 8)
DAY = date(2026, 9, 8)  # the next Tuesday
BAD_DATES = [
    "2026-13-45T99:99",
    "2026-02-30",
    "9999-12-31",
    "9999-12-31T23:59",
    "0001-01-01",
    "0001-01-01T00:00",
    "2026-09-08T09:00:00+99:00",
    "abc",
    "2026-09-08\x00",
]
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture(autouse=True)
def _now(instant_visitor):
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.fixture
def service(population):
    open_agent(population, weekdays=EVERY_DAY, start=time(8), end=time(18))
    return population


@pytest.fixture
def reason(service):
    return VisitReasonFactory(service=service, name="Carte d'identité")


def on_slot_step(client, service, reason):
    client.post(reverse("booking:reason", args=[service.slug]), {"reason": reason.pk})


# --- the shared helper ---------------------------------------------------------------


def test_the_parsing_helpers_refuse_what_python_would_crash_on():
    assert parse_day(None) is None
    assert parse_day("2026-09-08") == date(2026, 9, 8)
    assert parse_datetime_value("2026-09-08T09:00:00 02:00") == datetime.fromisoformat(
        "2026-09-08T09:00:00+02:00"
    )
    assert parse_moment("2026-09-08T09:00") == local(DAY, 9)
    for value in BAD_DATES:
        with pytest.raises(InvalidInput):
            parse_datetime_value(value)
        if "T" not in value:
            with pytest.raises(InvalidInput):
                parse_day(value)


# --- a service without agents, an agent outside the service ----------------------


def test_service_without_active_agent_offers_no_slot_and_books_nothing(
    client, population
):
    reason = VisitReasonFactory(service=population)
    inactive = AgentFactory(is_active=False)
    open_agent(population, inactive, weekdays=EVERY_DAY, start=time(8), end=time(18))
    search = client.get(
        "/api/v1/slots",
        {
            "service": "population",
            "reason": reason.pk,
            "start": "2026-09-07",
            "end": "2026-09-11",
        },
    )
    assert search.status_code == 200
    assert search.json() == {"slots": []}

    booking = client.post(
        "/api/v1/appointments",
        {
            "service": "population",
            "reason": reason.pk,
            "start": local(DAY, 9).isoformat(),
            "agent": None,
            "remarks": "",
            "citizen": {
                "first_name": "Marie",
                "last_name": "Dupont",
                "email": "marie@example.be",
                "phone": "0470 12 34 56",
                "language": "fr",
            },
        },
        content_type="application/json",
    )
    assert booking.status_code == 409
    assert booking.json()["slots"] == []
    assert not Appointment.objects.exists()

    on_slot_step(client, population, reason)
    page = client.get(reverse("booking:slots", args=["population"]))
    assert page.status_code == 200
    assert page.context["days"] == []


def test_redistributing_to_an_agent_outside_the_service_is_refused_with_a_message(
    client, administrator, service, reason, foreigners
):
    agent = service.memberships.get().agent
    appointment = AppointmentFactory(
        service=service,
        reason=reason,
        agent=agent,
        start=local(DAY, 9),
        end=local(DAY, 9, 15),
        booked_for_service=True,
    )
    stranger = open_agent(foreigners, weekdays=EVERY_DAY, start=time(8), end=time(18))
    client.force_login(administrator)
    response = client.post(
        reverse("admin:portal_redistribution"),
        {f"agent_{appointment.pk}": stranger.pk},
        follow=True,
        **ENGLISH,
    )
    assert response.status_code == 200
    assert "This agent does not work in this service." in response.content.decode()
    appointment.refresh_from_db()
    assert appointment.agent == agent


# --- malformed and extreme dates -------------------------------------------------


@pytest.mark.parametrize("value", BAD_DATES)
def test_bad_dates_on_the_public_pages_answer_400_in_the_users_language(
    client, service, reason, value
):
    on_slot_step(client, service, reason)
    # The personal link's pages speak the citizen's language (issue 19).
    appointment = AppointmentFactory(
        service=service,
        reason=reason,
        agent=service.memberships.get().agent,
        start=local(DAY, 9),
        end=local(DAY, 9, 15),
        contact_language="en",
    )
    pages = [
        reverse("booking:slots", args=["population"]),
        reverse("booking:manage_move", args=[make_token(appointment)]),
    ]
    for page in pages:
        response = client.get(page, {"after": value}, **ENGLISH)
        assert response.status_code == 400, page
        assert response["Content-Language"] == "en"
        assert "Invalid request" in response.content.decode()
    # A posted slot that is no date is the form's error, not a crash.
    posted = client.post(pages[0], {"slot": value}, **ENGLISH)
    assert posted.status_code == 200
    assert posted.context["form"].errors["slot"]


@pytest.mark.parametrize("value", BAD_DATES)
def test_bad_dates_in_the_agenda_and_statistics_answer_400_or_the_forms_error(
    client, administrator, service, value
):
    client.force_login(administrator)
    scope = {"service": service.pk}
    for page in ("admin:portal_agenda", "admin:portal_day_list"):
        response = client.get(reverse(page), {**scope, "date": value}, **ENGLISH)
        assert response.status_code == 400, page
        assert "Invalid request" in response.content.decode()
    events = client.get(
        reverse("admin:portal_agenda_events"),
        {**scope, "start": value, "end": "2026-09-14"},
        **ENGLISH,
    )
    assert events.status_code == 400
    assert events.json()["error"]

    period = {"first_day": value, "last_day": value}
    statistics = client.get(reverse("admin:reports_statistics"), period, **ENGLISH)
    assert statistics.status_code == 200
    assert statistics.context["form"].errors
    for fmt in ("csv", "xlsx", "pdf"):
        export = client.get(
            reverse("admin:reports_statistics_export", args=[fmt]), period, **ENGLISH
        )
        assert export.status_code == 400
        assert export.content.decode() == "The filters are not valid."

    redistribution = client.get(reverse("admin:portal_redistribution"), period)
    assert redistribution.status_code == 200
    phone = client.get(
        reverse("admin:portal_phone_slots"), {"from": value, "after": value}
    )
    assert phone.status_code == 400


@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31", "0001-01-01T00:00"])
def test_extreme_dates_in_an_admin_lists_address_are_an_invalid_lookup(
    client, administrator, value
):
    client.force_login(administrator)
    changelist = reverse("admin:booking_appointment_changelist")
    for lookup in ("start__gte", "start_from"):
        response = client.get(changelist, {lookup: value}, follow=True)
        assert response.status_code == 200, lookup
    year = client.get(changelist, {"start__year": "9999"})
    assert year.status_code == 302
    assert year.url.endswith("?e=1")


# --- ids that are no numbers ------------------------------------------------------


@pytest.mark.parametrize("object_id", ["abc", "1x", "%00", "²"])
def test_a_non_numeric_id_is_a_404_on_history_and_export_pages(
    client, administrator, manager, object_id
):
    pages = [
        f"/admin/booking/citizen/{object_id}/history/",
        f"/admin/booking/appointment/{object_id}/history/",
        f"/admin/staffing/typicalweek/{object_id}/history/",
        f"/admin/core/commune/{object_id}/history/",
        f"/admin/booking/citizen/1/history/{object_id}/",
        f"/admin/booking/citizen/{object_id}/export_data/",
    ]
    for user in (administrator, manager.user):
        client.force_login(user)
        for page in pages:
            response = client.get(page, **ENGLISH)
            assert response.status_code in (302, 403, 404), (page, response.status_code)
            if response.status_code == 404:
                assert "Page not found" in response.content.decode()


def test_the_error_pages_speak_the_users_language(client, administrator):
    client.force_login(administrator)
    english = client.get("/admin/booking/citizen/abc/history/", **ENGLISH)
    dutch = client.get("/admin/booking/citizen/abc/history/", HTTP_ACCEPT_LANGUAGE="nl")
    assert english.status_code == dutch.status_code == 404
    assert english["Content-Language"] == "en"
    assert dutch["Content-Language"] == "nl"
    public = Client().get(
        reverse("booking:slots", args=["nowhere"]), {"after": "x"}, **ENGLISH
    )
    assert public.status_code == 404


def test_statistics_refuse_a_period_beyond_the_bounds_with_a_message(
    client, administrator
):
    client.force_login(administrator)
    response = client.get(
        reverse("admin:reports_statistics"),
        {"first_day": "2199-12-30", "last_day": "2200-01-01"},
        **ENGLISH,
    )
    assert response.status_code == 200
    assert response.context["form"].errors["last_day"] == [
        "Give a date between the years 1900 and 2199."
    ]


@pytest.mark.parametrize("value", ["²", "١", "abc", "99999999999999999999", "-1"])
def test_ids_that_are_no_row_ids_never_crash_a_page(
    client, administrator, manager, value
):
    pages = [
        f"/admin/booking/appointment/{value}/change/",
        f"/admin/booking/appointment/{value}/desk_arrived/",
        f"/admin/booking/citizen/{value}/change/",
        f"/admin/booking/citizen/{value}/export_data/",
        f"/admin/redistribution/?ids={value},1",
        f"/admin/availability/?agent={value}&service={value}&week={value}",
        f"/admin/agenda/?agent={value}",
        f"/admin/booking/appointment/?start__year={value}",
    ]
    posts = [
        ("/admin/redistribution/", {f"agent_{value}": value}),
        ("/admin/desk/mark/", {"appointment": value, "status": "done"}),
    ]
    for user in (administrator, manager.user):
        client.force_login(user)
        for page in pages:
            assert client.get(page).status_code < 500, page
        for page, data in posts:
            assert client.post(page, data).status_code < 500, page


def test_an_export_with_filters_the_list_cannot_read_answers_400(client, administrator):
    client.force_login(administrator)
    export = reverse("admin:booking_citizen_export")
    for query in ("resource=abc", "created_at__gte=0001-01-01"):
        response = client.get(f"{export}?{query}", **ENGLISH)
        assert response.status_code == 400, query
        assert "These filters are not valid" in response.content.decode()
