"""Agendas people can read (issue 21, point 1): the events' text on tints that
read in both themes, the day from the first opening hour, buttons named in the
user's language."""

from datetime import date, time

import pytest
from django.urls import reverse

from booking.models import Appointment
from booking.portal.agenda import AgendaScope, opening_hours
from core.colours import DARK_TEXT, LIGHT_TEXT, contrast_ratio, theme_tints
from tests.factories import (
    CitizenFactory,
    TypicalWeekFactory,
    TypicalWeekRangeFactory,
    appointment_at,
    open_agent,
)

EVENTS = reverse("admin:portal_agenda_events")
DAY = date(2030, 3, 5)  # a Tuesday


def events(client, **params):
    window = {"start": f"{DAY}T00:00:00Z", "end": f"{DAY}T23:59:00Z"}
    response = client.get(EVENTS, {**window, **params})
    assert response.status_code == 200
    return [item for item in response.json() if item.get("id")]


@pytest.mark.parametrize(
    "colour", ["#2563eb", "#15803d", "#facc15", "#ffffff", "#000000", "#db2777"]
)
def test_event_tints_carry_text_at_4_5_to_1_in_both_themes(colour):
    tints = theme_tints(colour)
    assert contrast_ratio(tints["light"], LIGHT_TEXT) >= 4.5
    assert contrast_ratio(tints["dark"], DARK_TEXT) >= 4.5


def test_an_event_carries_its_line_and_its_details(client, agent, population):
    open_agent(population, agent)
    citizen = CitizenFactory(last_name="El Amrani", first_name="Yasmine")
    appointment = appointment_at(agent, population, DAY, 8, 30, citizen=citizen)
    appointment.status = Appointment.Status.DONE
    appointment.save()
    client.force_login(agent.user)
    (event,) = events(client, agent=agent.pk)
    props = event["extendedProps"]
    assert props["citizen"] == "EL AMRANI Yasmine"
    assert props["citizenShort"] == "EL AMRANI Y."
    assert props["statusCode"] == "done"
    assert props["details"][0] == "08:30–08:45"
    assert str(population) in props["details"][2]
    assert "textColor" not in event  # the page's text colour, on the tint
    assert contrast_ratio(props["tint"], LIGHT_TEXT) >= 4.5
    assert contrast_ratio(props["tintDark"], DARK_TEXT) >= 4.5


def test_a_service_agenda_names_each_event_agent(client, agent, population):
    agent.user.first_name, agent.user.last_name = "Julie", "Renard"
    agent.user.save()
    open_agent(population, agent)
    appointment_at(agent, population, DAY, 9)
    client.force_login(agent.user)
    (event,) = events(client, service=population.pk)
    assert event["extendedProps"]["initials"] == "JR"


def test_the_day_starts_at_the_first_opening_hour(agent, population):
    open_agent(population, agent, start=time(8, 30), end=time(12))
    other = open_agent(population, start=time(13), end=time(16, 15))
    assert opening_hours(AgendaScope(service=population)) == (8, 17)
    assert opening_hours(AgendaScope(agent=other)) == (13, 17)


def test_an_ended_typical_week_does_not_widen_the_day(agent, population):
    open_agent(population, agent, start=time(9), end=time(12))
    ended = TypicalWeekFactory(
        agent=agent,
        service=population,
        valid_from=date(2020, 1, 6),
        valid_until=date(2020, 12, 31),
    )
    TypicalWeekRangeFactory(typical_week=ended, weekday=0, start=time(6), end=time(21))
    assert opening_hours(AgendaScope(agent=agent)) == (9, 12)


def test_an_agenda_without_typical_week_shows_office_hours(agent):
    assert opening_hours(AgendaScope(agent=agent)) == (8, 18)


def test_the_page_gives_the_calendar_its_hours_and_named_buttons(
    client, agent, population
):
    open_agent(population, agent, start=time(8, 30), end=time(12))
    client.force_login(agent.user)
    page = client.get(reverse("admin:portal_agenda"), {"agent": agent.pk})
    html = page.content.decode()
    assert 'data-slot-min="08:00:00"' in html
    assert 'data-slot-max="12:00:00"' in html
    labels = page.context["calendar_labels"]
    assert labels["previousHints"]["week"] and labels["nextHints"]["day"]
    assert 'id="rdv-calendar-labels"' in html
