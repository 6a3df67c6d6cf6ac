"""Several sites per service (issue 25, point 4): the slot search per site,
bookings and moves recording where, the shared cache, the calendar file, the
messages' context, the statistics and the staff's day list."""

from datetime import date, time, timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse
from icalendar import Calendar

from booking.ics import appointment_ics
from booking.portal.phone import staff_slots
from booking.services import (
    BookingError,
    SlotTaken,
    appointment_book,
    appointment_move,
    appointment_reassign,
    reassignable_agents,
)
from booking.slots import SearchCriteria, first_free_slots, search_slots
from messaging.rendering import appointment_context
from reports.selectors import StatisticsFilters, statistics_report
from tests.factories import (
    TUESDAY as TUESDAY_WEEKDAY,
)
from tests.factories import (
    CitizenFactory,
    ServiceFactory,
    SiteFactory,
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
def town_hall(db):
    return SiteFactory(
        name="Hôtel de ville", address="Place communale 1\n5000 Démo", order=1
    )


@pytest.fixture
def district(db):
    return SiteFactory(
        name="Mairie de quartier",
        address="Rue du Faubourg 27, 5000 Démo",
        information="Bus 12, arrêt Faubourg.",
        order=2,
    )


@pytest.fixture
def service(town_hall):
    return ServiceFactory(
        name="Population",
        main_site=town_hall,
        address="Place communale 1",
        slot_minutes=30,
        min_notice_hours=0,
        max_horizon_days=60,
    )


@pytest.fixture
def reason(service):
    return VisitReasonFactory(service=service, duration_minutes=30)


@pytest.fixture
def agents(service, district):
    """Anne at the town hall 9–11, Bruno at the district office 9–11 and
    Anne again at the district office 13–14, on Tuesdays."""
    anne = open_agent(service, weekdays=(TUESDAY_WEEKDAY,), start=time(9), end=time(11))
    bruno = open_agent(
        service,
        weekdays=(TUESDAY_WEEKDAY,),
        start=time(9),
        end=time(11),
        site=district,
    )
    open_agent(
        service,
        anne,
        weekdays=(TUESDAY_WEEKDAY,),
        start=time(13),
        end=time(14),
        site=district,
    )
    return anne, bruno


def tuesday(service, reason, **criteria) -> list[tuple[str, int | None, tuple]]:
    """Tuesday's slots as (local "HH:MM", site id, agent ids)."""
    found = search_slots(
        service,
        reason,
        start=local(TUESDAY, 0),
        end=local(TUESDAY + timedelta(days=1), 0),
        criteria=SearchCriteria(**criteria),
    )
    tz = local(TUESDAY, 0).tzinfo
    return [
        (f"{slot.start.astimezone(tz):%H:%M}", slot.site_id, slot.agent_ids)
        for slot in found
    ]


def book(service, reason, hour, **kwargs):
    return appointment_book(
        service=service,
        reason=reason,
        start=local(TUESDAY, hour),
        citizen=CitizenFactory(),
        now=NOW,
        **kwargs,
    )


@pytest.fixture(params=[0, 600], ids=["computed", "cached"])
def slot_cache(request, settings):
    """Every search test twice: computed, and through the shared cache."""
    settings.SLOT_CACHE_SECONDS = request.param
    cache.clear()
    yield
    cache.clear()


def test_each_slot_says_its_site_and_the_filter_keeps_one(
    service, reason, agents, town_hall, district, slot_cache
):
    anne, bruno = agents
    everywhere = tuesday(service, reason)
    assert everywhere == [
        ("09:00", town_hall.pk, (anne.pk,)),
        ("09:00", district.pk, (bruno.pk,)),
        ("09:30", town_hall.pk, (anne.pk,)),
        ("09:30", district.pk, (bruno.pk,)),
        ("10:00", town_hall.pk, (anne.pk,)),
        ("10:00", district.pk, (bruno.pk,)),
        ("10:30", town_hall.pk, (anne.pk,)),
        ("10:30", district.pk, (bruno.pk,)),
        ("13:00", district.pk, (anne.pk,)),
        ("13:30", district.pk, (anne.pk,)),
    ]
    assert tuesday(service, reason, site_id=district.pk) == [
        slot for slot in everywhere if slot[1] == district.pk
    ]
    assert tuesday(service, reason, site_id=town_hall.pk) == [
        slot for slot in everywhere if slot[1] == town_hall.pk
    ]
    # The soonest times too.
    soonest = first_free_slots(
        service, reason, SearchCriteria(site_id=district.pk), n=3, now=NOW
    )
    assert [slot.site_id for slot in soonest] == [district.pk] * 3


def test_a_service_at_its_main_site_only_labels_its_slots_with_it(
    service, reason, town_hall, slot_cache
):
    open_agent(service, weekdays=(TUESDAY_WEEKDAY,), start=time(9), end=time(10))
    assert {site for _time, site, _agents in tuesday(service, reason)} == {town_hall.pk}


def test_a_booking_records_the_site_asked_or_where_its_agent_sits(
    service, reason, agents, town_hall, district, slot_cache
):
    anne, bruno = agents
    tuesday(service, reason)  # a citizen's search, kept when the cache is on
    at_district = book(service, reason, 9, site=district)
    assert (at_district.agent, at_district.site) == (bruno, district)
    anywhere = book(service, reason, 9)
    assert (anywhere.agent, anywhere.site) == (anne, town_hall)
    # Nobody left at 9:00 at either site.
    with pytest.raises(SlotTaken):
        book(service, reason, 9, site=district)
    # At 13:00 Anne sits at the district office: not at the town hall.
    with pytest.raises(SlotTaken):
        book(service, reason, 13, site=town_hall)
    afternoon = book(service, reason, 13)
    assert (afternoon.agent, afternoon.site) == (anne, district)


def test_a_move_may_change_the_site_and_respects_the_site_asked(
    service, reason, agents, town_hall, district
):
    anne, bruno = agents
    appointment = book(service, reason, 9, site=town_hall)
    moved = appointment_move(
        appointment=appointment, start=local(TUESDAY, 10), site=district
    )
    assert (moved.agent, moved.site) == (bruno, district)
    moved = appointment_move(appointment=moved, start=local(TUESDAY, 13))
    assert (moved.agent, moved.site) == (anne, district)
    with pytest.raises(SlotTaken):
        appointment_move(
            appointment=moved, start=local(TUESDAY, 13, 30), site=town_hall
        )


def test_a_reassignment_stays_at_the_appointments_site(
    service, reason, agents, town_hall
):
    _anne, bruno = agents
    appointment = book(service, reason, 9, site=town_hall)
    # Bruno is free at 9:00, but at the district office.
    with pytest.raises(BookingError):
        appointment_reassign(appointment=appointment, agent=bruno, actor=None)
    assert reassignable_agents(appointment) == []


def test_the_calendar_file_is_located_at_the_site(service, reason, agents, district):
    appointment = book(service, reason, 9, site=district)
    event = Calendar.from_ical(appointment_ics(appointment)).walk("VEVENT")[0]
    assert str(event["location"]) == "Rue du Faubourg 27, 5000 Démo"
    # Without a site: the service's address.
    appointment.site = None
    event = Calendar.from_ical(appointment_ics(appointment)).walk("VEVENT")[0]
    assert str(event["location"]) == "Place communale 1"


def test_the_messages_say_where(service, reason, agents, district):
    appointment = book(service, reason, 9, site=district)
    context = appointment_context(appointment, language="fr")
    assert context["site"] == {
        "name": "Mairie de quartier",
        "address": "Rue du Faubourg 27, 5000 Démo",
        "information": "Bus 12, arrêt Faubourg.",
    }
    appointment.site = None
    assert appointment_context(appointment, language="fr")["site"] == {
        "name": "",
        "address": "Place communale 1",
        "information": "",
    }


def test_statistics_count_per_site(service, reason, agents, town_hall, district):
    book(service, reason, 9, site=town_hall)
    book(service, reason, 9, site=district)
    book(service, reason, 13)
    administrator = UserFactory(is_superuser=True, is_staff=True)
    report = statistics_report(administrator, StatisticsFilters(TUESDAY, TUESDAY))
    assert {row.label: row.appointments for row in report.by_site} == {
        "Hôtel de ville": 1,
        "Mairie de quartier": 2,
    }


def test_the_day_list_shows_the_sites(
    client, service, reason, agents, district, town_hall
):
    book(service, reason, 9, site=district)
    book(service, reason, 9, site=town_hall)
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    response = client.get(
        reverse("admin:portal_day_list"),
        {"service": service.pk, "date": TUESDAY.isoformat()},
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert f'data-site="{district.pk}">Mairie de quartier<' in content
    assert f'data-site="{town_hall.pk}">Hôtel de ville<' in content


def test_the_phone_page_offers_a_time_once_saying_at_which_sites(
    service, reason, agents
):
    choices = staff_slots(reason, n=4)
    assert [choice.label.split(" · ")[1] for choice in choices] == [
        "09:00 (Hôtel de ville, Mairie de quartier)",
        "09:30 (Hôtel de ville, Mairie de quartier)",
    ]
    assert [choice.capacity for choice in choices] == [2, 2]
