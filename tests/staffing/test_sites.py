"""Sites (issue 25, point 4): where an agent sits, read per site by the one
loader of calendars, and one place at a time."""

from datetime import date, datetime, time

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from core.localtime import day_bounds
from staffing.availability import Interval, free_intervals
from staffing.calendars import load_openings, service_sites, sites_of_services
from staffing.services import exception_create, typical_week_save
from tests.clock import BRUSSELS
from tests.factories import (
    MONDAY,
    TUESDAY,
    MembershipFactory,
    ServiceFactory,
    SiteFactory,
    UserFactory,
    open_agent,
)

# Tuesday 5 January 2027: a week with no holiday.
DAY = date(2027, 1, 5)


@pytest.fixture
def town_hall(db):
    return SiteFactory(name="Hôtel de ville", order=1)


@pytest.fixture
def district(db):
    return SiteFactory(name="Mairie de quartier", order=2)


@pytest.fixture
def service(town_hall):
    return ServiceFactory(main_site=town_hall)


@pytest.fixture
def actor(db):
    return UserFactory()


def two_places(refused) -> bool:
    """Whether the refusal is "one place at a time" (by its code: the words
    are translated)."""
    return [error.code for error in refused.value.error_list] == ["two_places"]


def _hours(intervals) -> list[tuple[time, time]]:
    return [
        (item.start.astimezone(BRUSSELS).time(), item.end.astimezone(BRUSSELS).time())
        for item in intervals
    ]


def test_each_site_has_its_own_calendar_and_the_whole_one_keeps_every_opening(
    service, district
):
    agent = open_agent(service, weekdays=(TUESDAY,), start=time(9), end=time(12))
    open_agent(
        service, agent, weekdays=(TUESDAY,), start=time(13), end=time(16), site=district
    )
    window = Interval(*day_bounds(DAY))

    openings = load_openings([(agent.pk, service.pk)], window)

    by_site = openings.calendars_by_site(agent.pk, service.pk)
    assert list(by_site) == [service.main_site_id, district.pk]
    assert _hours(free_intervals(by_site[service.main_site_id], window, BRUSSELS)) == [
        (time(9), time(12))
    ]
    assert _hours(free_intervals(by_site[district.pk], window, BRUSSELS)) == [
        (time(13), time(16))
    ]
    whole = openings.calendar(agent.pk, service.pk)
    assert _hours(free_intervals(whole, window, BRUSSELS)) == [
        (time(9), time(12)),
        (time(13), time(16)),
    ]


def test_an_extra_opening_is_at_its_site_or_at_the_services_main_one(
    service, district, actor
):
    agent = open_agent(service, weekdays=(MONDAY,))
    exception_create(
        agent=agent,
        kind="extra_opening",
        service=service,
        site=district,
        start=datetime(2027, 1, 5, 9, tzinfo=BRUSSELS),
        end=datetime(2027, 1, 5, 11, tzinfo=BRUSSELS),
        actor=actor,
    )
    exception_create(
        agent=agent,
        kind="extra_opening",
        service=service,
        start=datetime(2027, 1, 5, 14, tzinfo=BRUSSELS),
        end=datetime(2027, 1, 5, 15, tzinfo=BRUSSELS),
        actor=actor,
    )
    window = Interval(*day_bounds(DAY))

    by_site = load_openings([(agent.pk, service.pk)], window).calendars_by_site(
        agent.pk, service.pk
    )

    assert _hours(free_intervals(by_site[district.pk], window, BRUSSELS)) == [
        (time(9), time(11))
    ]
    assert _hours(free_intervals(by_site[service.main_site_id], window, BRUSSELS)) == [
        (time(14), time(15))
    ]


def test_an_agent_at_one_site_keeps_one_calendar(service):
    agent = open_agent(service, weekdays=(TUESDAY,))
    window = Interval(*day_bounds(DAY))
    openings = load_openings([(agent.pk, service.pk)], window)
    assert openings.calendars_by_site(agent.pk, service.pk) == {
        service.main_site_id: openings.calendar(agent.pk, service.pk)
    }


def test_two_weeks_of_one_agent_at_two_sites_may_not_overlap(service, district, actor):
    agent = open_agent(service, weekdays=(TUESDAY,), start=time(9), end=time(12))
    other_service = ServiceFactory()
    open_agent(other_service, agent, weekdays=(MONDAY,))  # a member there too

    with pytest.raises(ValidationError) as refused:
        typical_week_save(
            agent=agent,
            service=service,
            site=district,
            valid_from=date(2026, 6, 1),
            valid_until=None,
            repeat_every=1,
            ranges=[(TUESDAY, time(11), time(13))],
            actor=actor,
        )
    assert two_places(refused)
    # Another service's week at another site is no different.
    with pytest.raises(ValidationError) as refused:
        typical_week_save(
            agent=agent,
            service=other_service,
            site=district,
            valid_from=date(2026, 6, 1),
            valid_until=None,
            repeat_every=1,
            ranges=[(TUESDAY, time(10), time(10, 30))],
            actor=actor,
        )
    assert two_places(refused)
    # Right after, the same day: fine.
    week = typical_week_save(
        agent=agent,
        service=service,
        site=district,
        valid_from=date(2026, 6, 1),
        valid_until=None,
        repeat_every=1,
        ranges=[(TUESDAY, time(12), time(15))],
        actor=actor,
    )
    assert week.site == district


def test_weeks_at_two_sites_that_never_apply_on_the_same_day_may_overlap(
    service, district, actor
):
    """Every other week at each site, one week apart; or one after the other."""
    agent = MembershipFactory(service=service).agent
    typical_week_save(
        agent=agent,
        service=service,
        valid_from=date(2027, 1, 4),  # a Monday
        valid_until=None,
        repeat_every=2,
        ranges=[(TUESDAY, time(9), time(12))],
        actor=actor,
    )
    typical_week_save(
        agent=agent,
        service=service,
        site=district,
        valid_from=date(2027, 1, 11),  # the week after
        valid_until=None,
        repeat_every=2,
        ranges=[(TUESDAY, time(9), time(12))],
        actor=actor,
    )
    typical_week_save(
        agent=agent,
        service=service,
        site=district,
        valid_from=date(2025, 1, 6),
        valid_until=date(2026, 12, 31),  # over before the others start
        repeat_every=1,
        ranges=[(TUESDAY, time(9), time(12))],
        actor=actor,
    )
    with pytest.raises(ValidationError) as refused:
        # Every third week from the week after: meets the first every sixth.
        typical_week_save(
            agent=agent,
            service=service,
            site=district,
            valid_from=date(2027, 1, 11),
            valid_until=None,
            repeat_every=3,
            ranges=[(TUESDAY, time(10), time(11))],
            actor=actor,
        )
    assert two_places(refused)


def test_a_service_receives_at_the_sites_of_its_weeks(service, district, town_hall):
    open_agent(service, weekdays=(TUESDAY,))
    assert service_sites(service, on_or_after=DAY) == [town_hall]
    open_agent(service, weekdays=(MONDAY,), site=district)
    assert service_sites(service, on_or_after=DAY) == [town_hall, district]
    # A closed site is offered no more.
    district.is_active = False
    district.save()
    assert service_sites(service, on_or_after=DAY) == [town_hall]
    # A service without sites: none.
    bare = ServiceFactory()
    open_agent(bare)
    assert sites_of_services([bare, service], on_or_after=DAY) == {
        bare.pk: [],
        service.pk: [town_hall],
    }


def test_the_typical_week_admin_refuses_a_second_place_at_the_same_time(
    client, service, district
):
    agent = open_agent(service, weekdays=(TUESDAY,), start=time(9), end=time(12))
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    form = {
        "agent": agent.pk,
        "service": service.pk,
        "site": district.pk,
        "label": "",
        "valid_from": "2027-01-04",
        "valid_until": "",
        "repeat_every": 1,
        "ranges-TOTAL_FORMS": 1,
        "ranges-INITIAL_FORMS": 0,
        "ranges-MIN_NUM_FORMS": 1,
        "ranges-MAX_NUM_FORMS": 1000,
        "ranges-0-weekday": TUESDAY,
        "ranges-0-start": "11:00",
        "ranges-0-end": "13:00",
    }
    response = client.post(reverse("admin:staffing_typicalweek_add"), form)
    assert response.status_code == 200
    formset = response.context["inline_admin_formsets"][0].formset
    assert [error.code for error in formset.non_form_errors().as_data()] == [
        "two_places"
    ]
    assert agent.typical_weeks.count() == 1
    form["ranges-0-start"] = "12:00"
    response = client.post(reverse("admin:staffing_typicalweek_add"), form)
    assert response.status_code == 302
    assert agent.typical_weeks.filter(site=district).exists()
