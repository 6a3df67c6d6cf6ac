"""The JSON API (issue 4, item 6): one test per endpoint and per error code."""

import json
import threading
from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.utils import timezone, translation
from django.utils.translation import gettext

from booking.links import appointment_for_token
from booking.models import Appointment, Citizen
from staffing.closures import belgian_public_holidays
from tests.factories import (
    AgentFactory,
    AppointmentFactory,
    CitizenFactory,
    ServiceFactory,
    VisitReasonFactory,
    local,
    open_agent,
)
from tests.i18n import translated

pytestmark = pytest.mark.django_db

WEEKDAYS = range(5)
VALID_NN = "85.07.30-033.28"  # checksum-valid (python-stdnum's example)


def working_day(after_days=2, weekday=None):
    """The first working day (Mon–Fri, no public holiday) at least
    ``after_days`` from today, optionally on a given weekday."""
    day = timezone.localdate() + timedelta(days=after_days)
    holidays = belgian_public_holidays(day, day + timedelta(days=60))
    while (
        day.weekday() > 4
        or day in holidays
        or (weekday is not None and day.weekday() != weekday)
    ):
        day += timedelta(days=1)
    return day


@pytest.fixture(autouse=True)
def _fresh_rate_limits(instant_visitor):
    """The rate-limit counters at zero for every test."""


@pytest.fixture
def service():
    return ServiceFactory(slug="population", name="Population", slot_minutes=15)


@pytest.fixture
def reason(service):
    return VisitReasonFactory(
        service=service,
        name="Carte d'identité",
        duration_minutes=30,
        screen_information="Apportez une photo.",
    )


@pytest.fixture
def agents(service):
    return [
        open_agent(service, weekdays=WEEKDAYS, start=time(8), end=time(12)),
        open_agent(service, weekdays=WEEKDAYS, start=time(8), end=time(12)),
    ]


@pytest.fixture
def day():
    return working_day()


def slots_url(service, reason, start, end, /, **extra):
    """The search URL; ``extra`` adds or overrides parameters (even service)."""
    params = {"service": service.slug, "reason": reason.pk, "start": start, "end": end}
    params.update(extra)
    return "/api/v1/slots?" + "&".join(
        f"{key}={value}" for key, value in params.items()
    )


def booking(service, reason, start, /, **overrides):
    """A valid booking request; ``overrides`` replace fields (citizen: merged)."""
    data = {
        "service": service.slug,
        "reason": reason.pk,
        "start": start.isoformat(),
        "agent": None,
        "citizen": {
            "first_name": "Marie",
            "last_name": "Dupont",
            "email": "marie.dupont@example.be",
            "phone": "0470 12 34 56",
            "language": "fr",
        },
        "remarks": "",
    }
    citizen = overrides.pop("citizen", {})
    data.update(overrides)
    data["citizen"].update(citizen)
    return data


def post(client, data, **headers):
    return client.post(
        "/api/v1/appointments", data, content_type="application/json", **headers
    )


def errors_at(response):
    """{"citizen.email": message, …} from a 422 answer."""
    assert response.status_code == 422, response.content
    return {
        ".".join(str(part) for part in error["loc"][1:]): error["msg"]
        for error in response.json()["detail"]
    }


# --- GET /services -----------------------------------------------------------


def test_services_lists_the_active_services_only(
    client, service, django_assert_max_num_queries
):
    ServiceFactory(slug="ferme", is_active=False)
    ServiceFactory(slug="etrangers", name="Étrangers", citizens_choose_agent=True)
    # The services, their typical weeks' sites and those sites (issue 25).
    with django_assert_max_num_queries(3):
        response = client.get("/api/v1/services")
    assert response.status_code == 200
    by_slug = {item["slug"]: item for item in response.json()}
    assert set(by_slug) == {"population", "etrangers"}
    assert by_slug["etrangers"]["name"] == "Étrangers"
    assert by_slug["etrangers"]["citizens_choose_agent"] is True
    assert by_slug["population"]["requires_national_number"] is False


# --- GET /services/{slug}/reasons --------------------------------------------

NOTHING_ASKED = {
    "national_number": "not_asked",
    "no_national_number_allowed": False,
    "birth_date": "not_asked",
    "address": "not_asked",
}


def test_reasons_lists_online_active_reasons_with_minutes(
    client, service, reason, django_assert_max_num_queries
):
    VisitReasonFactory(service=service, name="Au guichet", online_bookable=False)
    VisitReasonFactory(service=service, name="Ancien", is_active=False)
    VisitReasonFactory(name="Autre service")
    confirm = VisitReasonFactory(
        service=service, name="Mariage", needs_confirmation=True
    )
    with django_assert_max_num_queries(2):
        response = client.get("/api/v1/services/population/reasons")
    assert response.status_code == 200
    assert response.json() == [
        {
            "id": reason.pk,
            "name": "Carte d'identité",
            "duration": 30,
            "max_people": 1,
            "minutes_per_extra_person": 0,
            "screen_information": "Apportez une photo.",
            "needs_confirmation": False,
            "details": NOTHING_ASKED,
        },
        {
            "id": confirm.pk,
            "name": "Mariage",
            "duration": 15,
            "max_people": 1,
            "minutes_per_extra_person": 0,
            "screen_information": "",
            "needs_confirmation": True,
            "details": NOTHING_ASKED,
        },
    ]


@pytest.mark.parametrize("slug", ["inconnu", "ferme", "a%00b", "x" * 70])
def test_reasons_of_an_unknown_or_closed_service_is_404(client, slug):
    ServiceFactory(slug="ferme", is_active=False)
    response = client.get(f"/api/v1/services/{slug}/reasons")
    assert response.status_code == 404
    assert response.json()["detail"]


# --- GET /services/{slug}/agents ---------------------------------------------


def test_agents_are_listed_only_when_citizens_may_choose(
    client, service, agents, django_assert_max_num_queries
):
    with django_assert_max_num_queries(1):
        assert client.get("/api/v1/services/population/agents").json() == []
    service.citizens_choose_agent = True
    service.save()
    retired = open_agent(
        service,
        AgentFactory(is_active=False),
        weekdays=WEEKDAYS,
        start=time(8),
        end=time(12),
    )
    with django_assert_max_num_queries(2):
        response = client.get("/api/v1/services/population/agents")
    assert response.status_code == 200
    listed = response.json()
    assert {item["id"] for item in listed} == {agent.pk for agent in agents}
    assert retired.pk not in {item["id"] for item in listed}
    assert listed[0]["name"] in {str(agent) for agent in agents}
    assert client.get("/api/v1/services/inconnu/agents").status_code == 404


# --- GET /slots --------------------------------------------------------------


def test_slots_answers_free_slots_with_capacity_and_local_offset(
    client, service, reason, agents, day, django_assert_max_num_queries
):
    AppointmentFactory(
        service=service,
        agent=agents[0],
        reason=reason,
        citizen=CitizenFactory(),
        start=local(day, 8),
        end=local(day, 8, 30),
    )
    with django_assert_max_num_queries(10):
        response = client.get(slots_url(service, reason, day, day))
    assert response.status_code == 200
    slots = response.json()["slots"]
    # 08:00–12:00 in 15-minute steps for a 30-minute reason: 15 starts.
    assert len(slots) == 15
    offset = local(day, 8).strftime("%z")
    offset = f"{offset[:3]}:{offset[3:]}"
    assert slots[0] == {
        "start": f"{day.isoformat()}T08:00:00{offset}",
        "end": f"{day.isoformat()}T08:30:00{offset}",
        "capacity": 1,
        "site": None,  # a service without sites
    }
    assert slots[2]["capacity"] == 2  # 08:30, after the appointment


def test_slots_filter_by_part_weekday_and_agent(client, service, reason, agents):
    service.citizens_choose_agent = True
    service.save()
    afternoon = open_agent(service, weekdays=WEEKDAYS, start=time(13), end=time(15))
    tuesday = working_day(weekday=1)
    first, last = tuesday - timedelta(days=1), tuesday + timedelta(days=6)

    def starts(**extra):
        response = client.get(slots_url(service, reason, first, last, **extra))
        assert response.status_code == 200, response.content
        return [slot["start"] for slot in response.json()["slots"]]

    everything = starts()
    only_afternoons = starts(part="afternoon")
    assert only_afternoons
    assert all("T13" in start or "T14" in start for start in only_afternoons)
    assert set(only_afternoons) < set(everything)
    tuesday_mornings = starts(weekdays="1", part="morning")
    assert tuesday_mornings
    assert {start[:10] for start in tuesday_mornings} == {tuesday.isoformat()}
    assert all(start[11:13] in {"08", "09", "10", "11"} for start in tuesday_mornings)
    with_agent = client.get(
        slots_url(service, reason, first, last, agent=afternoon.pk)
    ).json()["slots"]
    assert with_agent
    assert {slot["start"] for slot in with_agent} == set(only_afternoons)
    assert all(slot["capacity"] == 1 for slot in with_agent)


def test_slots_stay_within_the_notice_and_the_horizon(client, service, reason, agents):
    service.max_horizon_days = 10
    service.save()
    beyond = timezone.localdate() + timedelta(days=20)
    response = client.get(slots_url(service, reason, beyond, beyond + timedelta(9)))
    assert response.json() == {"slots": []}
    past = timezone.localdate() - timedelta(days=30)
    response = client.get(slots_url(service, reason, past, past + timedelta(days=40)))
    starts = [
        datetime.fromisoformat(slot["start"]) for slot in response.json()["slots"]
    ]
    assert starts
    assert min(starts) >= timezone.now()
    assert max(starts).date() <= timezone.localdate() + timedelta(days=10)


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"end": "2026-01-01"}, "end"),  # before start
        ({"end": "2027-06-01"}, "end"),  # more than 92 days
        ({"start": "31/12/2026"}, "start"),
        ({"part": "night"}, "part"),
        ({"weekdays": "1,7"}, "weekdays"),
        ({"reason": "x"}, "reason"),
        ({"service": "inconnu"}, "service"),
        ({"agent": "1"}, "agent"),  # the service does not let citizens choose
    ],
)
def test_slots_refuse_bad_input_field_by_field(
    client, service, reason, agents, extra, field
):
    params = {
        "service": service.slug,
        "reason": reason.pk,
        "start": "2026-12-01",
        "end": "2026-12-31",
        **extra,
    }
    query = "&".join(f"{key}={value}" for key, value in params.items())
    response = client.get(f"/api/v1/slots?{query}")
    errors = errors_at(response)
    assert list(errors) == [field]
    assert errors[field]


def test_slots_refuse_a_reason_of_another_service(client, service, agents):
    other = VisitReasonFactory()
    url = slots_url(service, other, "2026-12-01", "2026-12-02")
    assert errors_at(client.get(url, HTTP_ACCEPT_LANGUAGE="en")) == {
        "reason": "This visit reason does not belong to this service."
    }


NO_SERVICE = "There is no such service."
NOT_ITS_REASON = "This visit reason does not belong to this service."


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ("unknown_service", "service", NO_SERVICE),
        ("inactive_service", "service", NO_SERVICE),
        ("inactive_reason", "reason", NOT_ITS_REASON),
        ("offline_reason", "reason", "This visit reason cannot be booked online."),
    ],
)
def test_slots_name_the_wrong_field_of_service_and_reason(
    client, service, reason, agents, change, field, message
):
    slug = "inconnu" if change == "unknown_service" else service.slug
    if change == "inactive_service":
        service.is_active = False
        service.save()
    if change == "inactive_reason":
        reason.is_active = False
        reason.save()
    if change == "offline_reason":
        reason.online_bookable = False
        reason.save()
    url = slots_url(service, reason, "2026-12-01", "2026-12-02", service=slug)
    assert errors_at(client.get(url, HTTP_ACCEPT_LANGUAGE="en")) == {field: message}


def test_a_right_service_and_reason_take_one_query(
    client, service, reason, agents, django_assert_num_queries
):
    """Every search and booking asks: the service comes with its reason."""
    from booking.api.router import _service_and_reason_fields

    with django_assert_num_queries(1):
        found = _service_and_reason_fields(service.slug, reason.pk, "query")
        assert found == (service, reason)
        assert found[1].service.slug == service.slug


def test_bounds_are_explained_in_the_request_language(client, service, reason):
    url = slots_url(service, reason, "2026-12-01", "2026-12-02", agent=0)
    with translation.override("nl"):
        expected = gettext(
            "Ensure this value is greater than or equal to %(limit_value)s."
        ) % {"limit_value": 1}
    assert expected.startswith("Zorg ervoor")
    assert errors_at(client.get(url, HTTP_ACCEPT_LANGUAGE="nl")) == {"agent": expected}


def test_errors_follow_the_request_language(client, service, reason):
    url = f"/api/v1/slots?service={service.slug}&start=2026-12-01&end=2026-12-02"
    dutch = errors_at(client.get(url, HTTP_ACCEPT_LANGUAGE="nl"))
    german = errors_at(client.get(url, HTTP_ACCEPT_LANGUAGE="de"))
    required = "This field is required."
    assert dutch == {"reason": translated(required, language="nl")}
    assert german == {"reason": translated(required, language="de")}


# --- POST /appointments ------------------------------------------------------


def test_booking_creates_an_appointment_and_answers_its_manage_link(
    client, service, reason, agents, day, settings
):
    response = post(client, booking(service, reason, local(day, 9)))
    assert response.status_code == 201, response.content
    body = response.json()
    appointment = Appointment.objects.get()
    assert body["id"] == appointment.pk
    assert body["status"] == "confirmed"
    assert body["start"] == local(day, 9).isoformat()
    token = body["manage_url"].rstrip("/").rsplit("/", 1)[-1]
    assert body["manage_url"].startswith(settings.SITE_URL)
    assert appointment_for_token(token) == appointment
    assert appointment.channel == Appointment.Channel.WEB
    assert appointment.booked_for_service is True
    citizen = appointment.citizen
    assert (citizen.last_name, citizen.phone) == ("Dupont", "+32470123456")


def test_booking_with_a_chosen_agent_when_the_service_allows_it(
    client, service, reason, agents, day
):
    service.citizens_choose_agent = True
    service.save()
    data = booking(service, reason, local(day, 9), agent=agents[1].pk)
    response = post(client, data)
    assert response.status_code == 201, response.content
    appointment = Appointment.objects.get()
    assert appointment.agent == agents[1]
    assert appointment.booked_for_service is False


def test_booking_reuses_the_citizen_only_on_same_names_and_email(
    client, service, reason, agents, day
):
    known = CitizenFactory(
        last_name="DUPONT", first_name="marie", email="Marie.Dupont@example.be"
    )
    assert post(client, booking(service, reason, local(day, 9))).status_code == 201
    other_email = {"email": "marie@example.be"}
    data = booking(service, reason, local(day, 10), citizen=other_email)
    assert post(client, data).status_code == 201
    assert Appointment.objects.get(start=local(day, 9)).citizen == known
    newcomer = Appointment.objects.get(start=local(day, 10)).citizen
    assert newcomer != known
    assert newcomer.email == "marie@example.be"


def test_booking_a_reason_needing_confirmation_is_pending(client, service, agents, day):
    reason = VisitReasonFactory(service=service, needs_confirmation=True)
    response = post(client, booking(service, reason, local(day, 9)))
    assert response.status_code == 201
    assert response.json()["status"] == "pending"
    assert Appointment.objects.get().status == Appointment.Status.PENDING


def test_booking_a_slot_just_taken_answers_409_with_alternatives(
    client, service, reason, day
):
    open_agent(service, weekdays=WEEKDAYS, start=time(8), end=time(12))  # capacity 1
    first = booking(service, reason, local(day, 9))
    assert post(client, first).status_code == 201
    second = booking(service, reason, local(day, 9), citizen={"email": "x@example.be"})
    response = post(client, second, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 409
    body = response.json()
    assert body["detail"] == (
        "Sorry, this time has just been taken. Please choose another."
    )
    assert body["slots"]
    assert local(day, 9).isoformat() not in {slot["start"] for slot in body["slots"]}
    assert Appointment.objects.count() == 1
    # The citizen of the refused booking is not kept either.
    assert not Citizen.objects.filter(email="x@example.be").exists()


@pytest.mark.parametrize(
    ("citizen", "field", "message"),
    [
        ({"email": "marie@"}, "email", "Enter a valid email address."),
        ({"phone": "0470 12"}, "phone", None),
        ({"language": "it"}, "language", None),
        ({"first_name": "   "}, "first_name", "This field is required."),
        (
            {"national_number": "85073003329"},
            "national_number",
            # the wizard's message (booking.citizen_rules, issue 16)
            "Enter a valid national register number or BIS number: "
            "check the 11 digits.",
        ),
    ],
)
def test_booking_with_invalid_identity_writes_nothing(
    client, service, reason, agents, day, citizen, field, message
):
    data = booking(service, reason, local(day, 9), citizen=citizen)
    response = post(client, data, HTTP_ACCEPT_LANGUAGE="nl")
    errors = errors_at(response)
    assert list(errors) == [f"citizen.{field}"]
    if message:
        assert errors[f"citizen.{field}"] == translated(message, language="nl")
    assert not Appointment.objects.exists()
    assert not Citizen.objects.exists()


def test_booking_reports_every_invalid_field_at_once(client, service, reason):
    data = booking(
        service,
        reason,
        local(working_day(), 9),
        citizen={"email": "nope", "phone": "123"},
        start="2026-12-01T09:00:00",  # no offset
        reason=0,
    )
    assert set(errors_at(post(client, data))) == {
        "citizen.email",
        "citizen.phone",
        "start",
        "reason",
    }


def test_booking_requires_the_national_number_when_the_service_does(
    client, service, reason, agents, day
):
    service.requires_national_number = True
    service.save()
    missing = post(client, booking(service, reason, local(day, 9)))
    assert list(errors_at(missing)) == ["citizen.national_number"]
    data = booking(
        service, reason, local(day, 9), citizen={"national_number": VALID_NN}
    )
    response = post(client, data)
    assert response.status_code == 201, response.content
    assert Appointment.objects.get().citizen.national_number == "85073003328"


def test_booking_refused_by_the_service_rules_is_422_with_its_message(
    client, service, reason, agents, day
):
    off_grid = booking(service, reason, local(day, 9, 5))
    assert errors_at(post(client, off_grid, HTTP_ACCEPT_LANGUAGE="en")) == {
        "": "Appointments start at fixed times: choose a proposed slot."
    }
    other_reason = VisitReasonFactory()
    response = post(client, booking(service, other_reason, local(day, 9)))
    assert list(errors_at(response)) == ["reason"]
    unknown = post(client, booking(service, reason, local(day, 9), service="inconnu"))
    assert list(errors_at(unknown)) == ["service"]
    chosen = post(client, booking(service, reason, local(day, 9), agent=agents[0].pk))
    assert list(errors_at(chosen)) == ["agent"]
    assert not Appointment.objects.exists()


def test_booking_with_a_body_that_is_not_json_is_400(client):
    response = client.post(
        "/api/v1/appointments",
        "{not json",
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert response.json() == {"detail": "The request body is not valid JSON."}
    assert not Appointment.objects.exists()


def test_booking_from_another_origin_needs_no_csrf_token(service, reason, agents, day):
    browser = Client(enforce_csrf_checks=True)
    response = post(
        browser,
        booking(service, reason, local(day, 9)),
        HTTP_ORIGIN="https://www.commune.example",
    )
    assert response.status_code == 201, response.content


# --- Rate limits -------------------------------------------------------------


def test_search_rate_limit_answers_429_with_retry_after(
    client, service, reason, agents, day, settings
):
    settings.RATE_LIMITS = {"search": (2, 60), "book": (0, 60)}
    url = slots_url(service, reason, day, day)
    assert client.get(url).status_code == 200
    assert client.get(url + "&part=bad").status_code == 422  # counted too
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 429
    assert response["Retry-After"] == "60"
    assert response.json() == {
        "detail": "Too many requests. Please wait a minute and try again."
    }
    other_client = client.get(url, REMOTE_ADDR="192.0.2.7")
    assert other_client.status_code == 200


def test_booking_rate_limit_answers_429(client, service, reason, agents, day, settings):
    settings.RATE_LIMITS = {"search": (0, 60), "book": (1, 30)}
    assert post(client, booking(service, reason, local(day, 9))).status_code == 201
    data = booking(service, reason, local(day, 10), citizen={"email": "b@example.be"})
    response = post(client, data)
    assert response.status_code == 429
    assert response["Retry-After"] == "30"
    assert Appointment.objects.count() == 1


# --- Documentation -----------------------------------------------------------


def test_docs_use_the_bundled_swagger_ui_and_no_cdn(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()
    assert '"validatorUrl": null' in html
    schema = client.get("/api/v1/openapi.json").json()
    assert set(schema["paths"]) == {
        "/api/v1/services",
        "/api/v1/services/{slug}/reasons",
        "/api/v1/services/{slug}/agents",
        "/api/v1/slots",
        "/api/v1/appointments",
    }


# --- Issue 14: double submits, duplicates, JSON only ---------------------------

TUESDAY = date(2027, 1, 5)


@pytest.fixture
def monday_morning():
    """Monday 4 January 2027, 8:00 in Brussels, ticking: TUESDAY is bookable."""
    with time_machine.travel(local(date(2027, 1, 4), 8), tick=True) as traveller:
        yield traveller


def test_the_same_idempotency_key_and_body_replay_the_first_answer_and_book_once(
    client, service, reason, agents, monday_morning
):
    data = booking(service, reason, local(TUESDAY, 9))
    key = "5f0c4c1e-3d35-4c8e-9a55-0a1b2c3d4e5f"
    first = post(client, data, HTTP_IDEMPOTENCY_KEY=key)
    again = post(client, data, HTTP_IDEMPOTENCY_KEY=key)
    assert first.status_code == again.status_code == 201, again.content
    assert "Idempotent-Replayed" not in first
    assert again["Idempotent-Replayed"] == "true"
    # The same answer; the link is signed afresh, for the same appointment.
    assert {k: v for k, v in again.json().items() if k != "manage_url"} == {
        k: v for k, v in first.json().items() if k != "manage_url"
    }
    token = again.json()["manage_url"].rstrip("/").rsplit("/", 1)[-1]
    assert appointment_for_token(token) == Appointment.objects.get()
    assert Appointment.objects.count() == 1
    assert Citizen.objects.count() == 1


def test_the_same_idempotency_key_with_another_body_is_refused(
    client, service, reason, agents, monday_morning
):
    key = "5f0c4c1e-3d35-4c8e-9a55-0a1b2c3d4e5f"
    assert (
        post(
            client,
            booking(service, reason, local(TUESDAY, 9)),
            HTTP_IDEMPOTENCY_KEY=key,
        ).status_code
        == 201
    )
    other = booking(service, reason, local(TUESDAY, 10))
    response = post(client, other, HTTP_IDEMPOTENCY_KEY=key)
    assert errors_at(response) == {
        "Idempotency-Key": translated(
            "This key was already used for another booking: send a new key."
        )
    }
    assert Appointment.objects.count() == 1
    # A key too short to be secret is refused before anything is booked.
    short = post(client, other, HTTP_IDEMPOTENCY_KEY="1")
    assert list(errors_at(short)) == ["Idempotency-Key"]
    assert Appointment.objects.count() == 1


def test_a_repeated_booking_without_key_answers_409_without_the_personal_link(
    client, service, reason, agents, monday_morning
):
    data = booking(service, reason, local(TUESDAY, 9))
    assert post(client, data).status_code == 201
    # A stranger replays it (or someone who knows her names and e-mail).
    stranger = Client()
    response = post(stranger, data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 409
    body = response.json()
    assert body == {
        "detail": "This appointment is already booked: the confirmation and its "
        "personal link were sent by e-mail.",
        "slots": [],
        "code": "duplicate",
    }
    assert "manage" not in response.content.decode()
    assert Appointment.objects.count() == 1
    # Another key does not open it either.
    keyed = post(stranger, data, HTTP_IDEMPOTENCY_KEY="a-key-of-the-strangers-own")
    assert keyed.status_code == 409
    assert "manage_url" not in keyed.json()


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data", ""],
)
def test_a_booking_body_not_declared_json_answers_415_and_books_nothing(
    client, service, reason, agents, monday_morning, content_type
):
    body = json.dumps(booking(service, reason, local(TUESDAY, 9)))
    response = client.generic(
        "POST",
        "/api/v1/appointments",
        body,
        content_type=content_type,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 415
    assert response.json() == {
        "detail": "Send the body as JSON, with Content-Type: application/json."
    }
    assert not Appointment.objects.exists()
    charset = client.generic(
        "POST",
        "/api/v1/appointments",
        body,
        content_type="application/json; charset=utf-8",
    )
    assert charset.status_code == 201, charset.content


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs real concurrency")
@pytest.mark.django_db(transaction=True)
def test_simultaneous_requests_with_one_key_book_once(service, reason, agents):
    """Ten clients' retries arriving together: the first books, the others
    wait on the key and replay its answer (or, with another key, are told
    it is a duplicate); never two appointments."""
    with time_machine.travel(local(date(2027, 1, 4), 8), tick=True):
        data = booking(service, reason, local(TUESDAY, 9))
        barrier = threading.Barrier(10)
        answers = []

        def attempt(index):
            try:
                barrier.wait()
                key = (
                    "same-key-for-all-0001" if index < 8 else f"other-key-{index:011d}"
                )
                response = post(Client(), data, HTTP_IDEMPOTENCY_KEY=key)
                answers.append((index, response.status_code, response.json()))
            finally:
                connection.close()

        threads = [threading.Thread(target=attempt, args=(i,)) for i in range(10)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    assert Appointment.objects.count() == 1
    booked = Appointment.objects.get().pk
    assert len(answers) == 10
    for _index, status, body in answers:
        assert (status, body.get("id"), body.get("code")) in {
            (201, booked, None),
            (409, None, "duplicate"),
        }
    # One key, one answer: all booked (one booking, replayed) or all refused.
    assert len({status for index, status, _body in answers if index < 8}) == 1
    assert sum(1 for _index, status, _body in answers if status == 201) >= 1
