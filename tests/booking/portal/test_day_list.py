"""The desk's day list (issue 21, point 3): the day it opens on, the no-show
that waits for the start plus a grace period and can be undone, numbers read
with their country, and the phone booking's message leading to the booking."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from booking.models import Appointment
from booking.services import (
    BookingError,
    appointment_mark,
    appointment_undo_no_show,
    no_show_allowed_from,
)
from tests.factories import (
    CitizenFactory,
    VisitReasonFactory,
    appointment_at,
    open_agent,
)
from tests.i18n import translated

BRUSSELS = ZoneInfo("Europe/Brussels")
# A Tuesday; the appointment of the tests is at 10:15 that day.
DAY = date(2030, 3, 5)
DAY_LIST = reverse("admin:portal_day_list")
MARK = reverse("admin:portal_desk_mark")


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(DAY.year, DAY.month, DAY.day, hour, minute, tzinfo=BRUSSELS)


@pytest.fixture(autouse=True)
def _grace(settings):
    settings.NO_SHOW_GRACE_MINUTES = 15


@pytest.fixture(autouse=True)
def _early_that_day():
    """The tests start at 07:00 on DAY (logins too); each moves on from there."""
    with time_machine.travel(at(7, 0), tick=False):
        yield


@pytest.fixture
def booked(agent, population):
    open_agent(population, agent)
    return appointment_at(agent, population, DAY, 10, 15)


def mark(client, appointment, status, **extra):
    return client.post(
        MARK,
        {"appointment": appointment.pk, "status": status, "next": DAY_LIST, **extra},
    )


def test_the_day_list_opens_on_today(client, agent, booked):
    client.force_login(agent.user)
    with time_machine.travel(at(7, 26), tick=False):
        response = client.get(DAY_LIST, {"agent": agent.pk})
    assert response.context["day"] == DAY
    assert response.context["appointments"] == [booked]


def test_the_day_list_opens_on_the_day_asked(client, agent, booked):
    client.force_login(agent.user)
    with time_machine.travel(at(7, 26), tick=False):
        response = client.get(DAY_LIST, {"agent": agent.pk, "date": "2030-03-06"})
    assert response.context["day"] == date(2030, 3, 6)
    assert response.context["appointments"] == []


def test_a_no_show_waits_for_the_start_plus_the_grace_period(agent, booked):
    assert no_show_allowed_from(booked) == at(10, 30)
    with time_machine.travel(at(7, 26), tick=False), pytest.raises(BookingError):
        appointment_mark(appointment=booked, status="no_show", actor=agent.user)
    with time_machine.travel(at(10, 29), tick=False), pytest.raises(BookingError):
        appointment_mark(appointment=booked, status="no_show", actor=agent.user)
    booked.refresh_from_db()
    assert booked.status == Appointment.Status.CONFIRMED
    with time_machine.travel(at(10, 30), tick=False):
        appointment_mark(appointment=booked, status="no_show", actor=agent.user)
    booked.refresh_from_db()
    assert booked.status == Appointment.Status.NO_SHOW


def test_the_grace_period_is_a_setting(agent, booked, settings):
    settings.NO_SHOW_GRACE_MINUTES = 0
    with time_machine.travel(at(10, 15), tick=False):
        appointment_mark(appointment=booked, status="no_show", actor=agent.user)
    booked.refresh_from_db()
    assert booked.status == Appointment.Status.NO_SHOW


def test_the_day_list_offers_no_show_only_after_the_grace_period(client, agent, booked):
    client.force_login(agent.user)
    with time_machine.travel(at(7, 26), tick=False):
        early = client.get(DAY_LIST, {"agent": agent.pk}).content.decode()
        refused = mark(client, booked, "no_show")
    assert 'value="no_show"' not in early
    assert "10:30" in early  # when it will be offered
    assert refused.status_code == 302
    booked.refresh_from_db()
    assert booked.status == Appointment.Status.CONFIRMED
    with time_machine.travel(at(10, 31), tick=False):
        later = client.get(DAY_LIST, {"agent": agent.pk}).content.decode()
    assert 'value="no_show"' in later
    assert "data-confirm=" in later  # the browser asks first


def test_a_no_show_from_the_day_list_can_be_undone(client, agent, booked):
    client.force_login(agent.user)
    with time_machine.travel(at(10, 40), tick=False):
        marked = mark(client, booked, "no_show")
        assert f"undo={booked.pk}" in marked.url
        page = client.get(marked.url).content.decode()
        assert 'value="undo_no_show"' in page
        undone = mark(client, booked, "undo_no_show", next=marked.url)
    assert "undo=" not in undone.url
    booked.refresh_from_db()
    assert booked.status == Appointment.Status.CONFIRMED
    assert booked.history.first().history_change_reason == "no-show undone"
    assert booked.history.first().history_user == agent.user


def test_undo_gives_back_the_status_before_the_no_show(agent, booked):
    with time_machine.travel(at(10, 40), tick=False):
        appointment_mark(appointment=booked, status="done", actor=agent.user)
        appointment_mark(appointment=booked, status="no_show", actor=agent.user)
        appointment_undo_no_show(appointment=booked, actor=agent.user)
    booked.refresh_from_db()
    assert booked.status == Appointment.Status.DONE


def test_only_a_no_show_can_be_undone(agent, booked):
    with pytest.raises(BookingError):
        appointment_undo_no_show(appointment=booked, actor=agent.user)


def test_undo_keeps_to_the_user_services(client, agent, foreigners):
    stranger = open_agent(foreigners)
    other = appointment_at(stranger, foreigners, DAY, 10, 15)
    other.status = Appointment.Status.NO_SHOW
    other.save()
    client.force_login(agent.user)
    assert mark(client, other, "undo_no_show").status_code == 404


def test_foreign_numbers_are_shown_with_their_country(client, agent, population):
    open_agent(population, agent)
    appointment_at(
        agent,
        population,
        DAY,
        9,
        citizen=CitizenFactory(last_name="Smith", phone="+447911123456"),
        contact_phone="+447911123456",
    )
    appointment_at(
        agent,
        population,
        DAY,
        10,
        citizen=CitizenFactory(last_name="Dupont", phone="+32470123456"),
        contact_phone="+32470123456",
    )
    client.force_login(agent.user)
    page = client.get(DAY_LIST, {"agent": agent.pk, "date": DAY.isoformat()})
    text = page.content.decode()
    assert "+44 7911 123456" in text
    assert "07911 123456" not in text
    assert "0470 12 34 56" in text


def test_the_phone_booking_message_links_to_the_appointment(client, agent, population):
    open_agent(population, agent)
    reason = VisitReasonFactory(service=population, name="Carte d'identité")
    citizen = CitizenFactory(last_name="Dupont", first_name="Jeanne")
    # A past visit: the citizen is one of the service's (phone.py, GDPR).
    past = appointment_at(agent, population, date(2024, 1, 9), 10, citizen=citizen)
    past.status = Appointment.Status.DONE
    past.save()
    client.force_login(agent.user)
    with time_machine.travel(at(7, 0), tick=False):
        slots = client.get(
            reverse("admin:portal_phone_slots"), {"reason": reason.pk}
        ).json()
        response = client.post(
            reverse("admin:portal_phone"),
            {
                "action": "book",
                "citizen": citizen.pk,
                "reason": reason.pk,
                "start": slots["slots"][0]["value"],
            },
            follow=True,
        )
    appointment = Appointment.objects.get(
        citizen=citizen, channel=Appointment.Channel.PHONE
    )
    link = reverse("admin:booking_appointment_change", args=[appointment.pk])
    assert f'href="{link}"' in response.content.decode()


def test_the_day_list_says_when_a_citizen_has_no_national_number_yet(
    client, agent, booked
):
    """Issue 20, point 3: the agent asks for it at the visit."""
    label = translated("No national register number yet")
    client.force_login(agent.user)
    with time_machine.travel(at(7, 26), tick=False):
        before = client.get(DAY_LIST, {"agent": agent.pk}).content.decode()
        Appointment.objects.filter(pk=booked.pk).update(no_national_number=True)
        after = client.get(DAY_LIST, {"agent": agent.pk}).content.decode()
    assert label not in before
    assert label in after
