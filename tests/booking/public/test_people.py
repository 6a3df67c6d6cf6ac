"""Several people in one visit on the public pages (issue 25, point 3): the
times page asks how many come when the reason allows more than one, shows
times as long as their visit, and the choice goes on to the confirmation; the
personal link's move keeps it. No new step: the flow stays at five screens."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from booking.links import make_token
from booking.models import Appointment
from booking.services import appointment_book
from messaging.models import Message
from tests.factories import (
    TUESDAY,
    AppointmentFactory,
    CitizenFactory,
    ServiceFactory,
    VisitReasonFactory,
    open_agent,
)

BRUSSELS = ZoneInfo("Europe/Brussels")
# Monday 7 December 2026, 8:00 in Brussels: every date below follows from it.
NOW = datetime(2026, 12, 7, 8, 0, tzinfo=BRUSSELS)
IDENTITY = {
    "last_name": "Dupont",
    "first_name": "Marie",
    "email": "marie.dupont@example.be",
    "phone": "0470 12 34 56",
}


def at(hour, minute=0):
    """Tuesday 8 December 2026 at a local time."""
    return datetime(2026, 12, 8, hour, minute, tzinfo=BRUSSELS)


@pytest.fixture(autouse=True)
def _frozen(instant_visitor):
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def service(db):
    """Open on Tuesday mornings, busy from 10:00 to 10:15."""
    service = ServiceFactory(
        slug="population", slot_minutes=15, min_notice_hours=0, max_horizon_days=60
    )
    agent = open_agent(service, weekdays=(TUESDAY,), start=time(9), end=time(12))
    AppointmentFactory(service=service, agent=agent, start=at(10), end=at(10, 15))
    return service


@pytest.fixture
def reason(service):
    return VisitReasonFactory(
        service=service,
        name="Carte d'identité",
        duration_minutes=20,
        max_people=5,
        minutes_per_extra_person=10,
    )


def url(name="slots", **kwargs):
    return reverse(f"booking:{name}", kwargs={"service": "population", **kwargs})


def times(client, reason, **query):
    assert client.get(url("reason_start", reason=reason.pk)).url == url()
    return client.get(url(), query) if query else client.get(url())


def slots(response):
    return [
        (slot["start"], slot["end"])
        for day in response.context["days"]
        for slot in day["slots"]
    ]


def test_the_times_page_asks_how_many_people_come(client, reason):
    response = times(client, reason)
    form = response.context["criteria_form"]
    assert [value for value, _label in form.fields["people"].choices] == [
        "1",
        "2",
        "3",
        "4",
        "5",
    ]
    page = response.content.decode()
    assert 'name="people"' in page and "data-people-filter" in page
    # One person by default: 20 minutes, as before.
    assert slots(response)[0] == (at(9), at(9, 20))
    assert response.context["chosen"]["minutes"] == 20


def test_a_reason_for_one_person_asks_nothing(client, service):
    single = VisitReasonFactory(service=service, duration_minutes=20)
    response = times(client, single)
    assert "people" not in response.context["criteria_form"].fields
    assert "data-people-filter" not in response.content.decode()


def test_the_times_shown_are_as_long_as_the_visit_of_three(client, reason):
    response = times(client, reason, from_date="", people="3")
    found = slots(response)
    # 40 minutes: 9:30 would meet the 10:00 appointment.
    assert found[:3] == [
        (at(9), at(9, 40)),
        (at(9, 15), at(9, 55)),
        (at(10, 15), at(10, 55)),
    ]
    assert response.context["chosen"]["minutes"] == 40
    # The choice stays while the citizen filters and pages on.
    again = client.get(url(), {"from_date": "", "parts": ["morning"], "people": "3"})
    assert slots(again)[:2] == found[:2]
    later = client.get(url())
    assert slots(later)[:3] == found[:3]
    # The day strip's links and "remove the filters" keep it too.
    assert "people=3" in later.context["clear_filters_url"]
    assert all(
        "people=3" in day["url"] for day in later.context["strip"]["days"] if day["url"]
    )


def test_more_people_than_the_reason_allows_is_refused(client, reason):
    response = times(client, reason, from_date="", people="6")
    assert "people" in response.context["criteria_form"].errors
    assert slots(response)[0] == (at(9), at(9, 20))


def test_a_time_too_short_for_three_is_refused(client, reason):
    times(client, reason, from_date="", people="3")
    response = client.post(url(), {"slot": at(9, 30).isoformat()})
    assert response.status_code == 200
    assert response.context["form"].errors["slot"]


def test_changing_the_number_forgets_a_time_chosen_for_another(client, reason):
    times(client, reason)
    assert client.post(url(), {"slot": at(9, 30).isoformat()}).url == url("details")
    response = client.get(url(), {"from_date": "", "people": "3"})
    assert response.context["kept_slot"] is None
    assert client.get(url("details")).url == url()  # the time is to choose again


def test_the_number_of_people_goes_on_to_the_confirmation_and_the_booking(
    client, reason
):
    times(client, reason, from_date="", people="3")
    response = client.post(url(), {"slot": at(10, 15).isoformat()})
    assert response.url == url("details")
    response = client.post(url("details"), {**IDENTITY, "remarks": ""})
    assert response.url == url("confirm")
    confirm = client.get(url("confirm"))
    assert confirm.context["people"] == 3
    assert confirm.context["slot_end"] == at(10, 55)
    assert "data-people>3<" in confirm.content.decode()
    assert client.post(url("confirm"), {}).url == url("done")
    appointment = Appointment.objects.get(citizen__last_name="Dupont")
    assert (appointment.people, appointment.end) == (3, at(10, 55))
    done = client.get(url("done"))
    assert "data-people>3<" in done.content.decode()
    # The booked e-mail says how many come (its text in French, the language
    # the citizen booked in).
    mail = Message.objects.get(appointment=appointment, event="booked", channel="email")
    assert "  Personnes : 3\n" in mail.body


def test_the_flow_stays_at_five_screens(client, reason):
    """The number of people is no step: home, times, details, confirm, done."""
    response = times(client, reason, from_date="", people="2")
    assert response.context["step_count"] == 4  # the reason came with the link
    assert response.context["step_number"] == 2
    assert response.context["step"] == "slot"


def test_the_personal_link_moves_the_family_to_a_time_long_enough(client, reason):
    appointment = appointment_book(
        service=reason.service,
        reason=reason,
        start=at(10, 15),
        citizen=CitizenFactory(),
        people=3,
    )
    move = reverse("booking:manage_move", kwargs={"token": make_token(appointment)})
    response = client.get(move)
    assert "people" not in response.context["criteria_form"].fields
    offered = [
        (slot["start"], slot["end"])
        for day in response.context["days"]
        for slot in day["slots"]
    ]
    assert offered[:2] == [(at(9), at(9, 40)), (at(9, 15), at(9, 55))]
    assert (at(9, 30), at(10, 10)) not in offered
    response = client.post(move, {"slot": at(9).isoformat()})
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert (appointment.start, appointment.end, appointment.people) == (
        at(9),
        at(9, 40),
        3,
    )
    assert timedelta(minutes=40) == appointment.end - appointment.start
