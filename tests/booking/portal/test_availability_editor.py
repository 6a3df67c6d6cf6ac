"""The availability editor (R18, R19): scope, typical weeks, preview, copy,
exceptions; and the staffing services behind it."""

from datetime import date, time, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from staffing.models import AvailabilityException, TypicalWeek
from staffing.services import agent_feed_token_regenerate, typical_week_save
from tests.factories import (
    WEEKDAYS,
    ClosureFactory,
    MembershipFactory,
    TypicalWeekFactory,
    TypicalWeekRangeFactory,
    local,
    open_agent,
)

PAGE = reverse("admin:portal_availability")


def week_data(agent, service, **overrides):
    data = {
        "agent": agent.pk,
        "service": service.pk,
        "week": "new",
        "label": "Horaire d'hiver",
        "valid_from": timezone.localdate().isoformat(),
        "valid_until": "",
        "repeat_every": "1",
        "monday": "08:30-12:00, 13:00-16:00",
        "tuesday": "",
        "wednesday": "09:00-12:00",
        "thursday": "",
        "friday": "",
        "saturday": "",
        "sunday": "",
        "action": "save",
    }
    return {**data, **overrides}


@pytest.fixture
def colleague(population):
    return MembershipFactory(service=population).agent


def test_agent_edits_own_availability_but_not_a_colleague(
    client, agent, population, colleague
):
    client.force_login(agent.user)
    assert client.get(PAGE).context["agent"] == agent
    assert client.get(PAGE, {"agent": colleague.pk}).status_code == 404
    response = client.post(PAGE, week_data(colleague, population))
    assert response.status_code == 404
    assert not TypicalWeek.objects.filter(agent=colleague).exists()


def test_manager_edits_the_agents_of_the_managed_service_only(
    client, manager, agent, foreigners
):
    stranger = MembershipFactory(service=foreigners).agent
    client.force_login(manager.user)
    assert client.get(PAGE, {"agent": agent.pk}).status_code == 200
    assert client.get(PAGE, {"agent": stranger.pk}).status_code == 404


def test_saving_a_typical_week_writes_its_ranges(client, agent, population):
    client.force_login(agent.user)
    response = client.post(PAGE, week_data(agent, population))
    assert response.status_code == 302
    week = TypicalWeek.objects.get(agent=agent)
    assert week.label == "Horaire d'hiver"
    assert list(week.ranges.values_list("weekday", "start", "end")) == [
        (0, time(8, 30), time(12)),
        (0, time(13), time(16)),
        (2, time(9), time(12)),
    ]
    assert week.history.first().history_user == agent.user


def test_a_malformed_range_is_shown_on_its_day(client, agent, population):
    client.force_login(agent.user)
    response = client.post(PAGE, week_data(agent, population, tuesday="9h-midi"))
    assert response.status_code == 200
    assert "tuesday" in response.context["form"].errors
    assert not TypicalWeek.objects.exists()


def test_editing_replaces_the_ranges(client, agent, population):
    week = TypicalWeekFactory(agent=agent, service=population)
    TypicalWeekRangeFactory(typical_week=week, weekday=4)
    client.force_login(agent.user)
    client.post(
        PAGE,
        week_data(agent, population, week=week.pk, monday="", wednesday="14:00-15:00"),
    )
    assert list(week.ranges.values_list("weekday", "start")) == [(2, time(14))]


def test_preview_shows_the_edited_week_without_saving(
    client, agent, population, colleague
):
    # The colleague is open every weekday 9:00–12:00.
    open_agent(population, colleague, weekdays=WEEKDAYS, start=time(9), end=time(12))
    client.force_login(agent.user)
    response = client.post(
        PAGE,
        week_data(
            agent, population, action="preview", monday="08:00-10:00", wednesday=""
        ),
    )
    assert response.status_code == 200
    assert response.context["previewing"] is True
    assert not TypicalWeek.objects.filter(agent=agent).exists()
    day = next(
        row
        for row in response.context["preview"]
        if row.day.weekday() == 0 and not row.closed
    )
    assert [block.label for block in day.own] == ["08:00–10:00"]
    assert [(block.label, block.count) for block in day.capacity] == [
        ("08:00–09:00", 1),
        ("09:00–10:00", 2),
        ("10:00–12:00", 1),
    ]


def test_preview_shows_closures(client, agent, population):
    TypicalWeekRangeFactory(
        typical_week=TypicalWeekFactory(agent=agent, service=population),
        weekday=0,
    )
    # A fixed Wednesday: the next Mondays must not be public holidays (Easter
    # Monday and 1 November follow the changes of time by one day).
    with time_machine.travel(local(date(2026, 12, 2), 10), tick=True):
        today = timezone.localdate()
        monday = today + timedelta(days=(7 - today.weekday()) % 7)  # within 6 days
        ClosureFactory(label="Fête communale", start_date=monday, end_date=monday)
        client.force_login(agent.user)
        preview = client.get(PAGE).context["preview"]
    assert len(preview) == 14
    closed = next(row for row in preview if row.day == monday)
    assert closed.closed == "Fête communale"
    assert closed.own == []
    week_after = next(row for row in preview if row.day == monday + timedelta(days=7))
    assert [block.label for block in week_after.own] == ["08:00–12:00"]


def test_copying_a_week_to_other_agents(client, manager, agent, population, colleague):
    week = TypicalWeekFactory(agent=agent, service=population, label="Été")
    TypicalWeekRangeFactory(typical_week=week, weekday=1, start=time(13), end=time(16))
    client.force_login(manager.user)
    response = client.post(
        PAGE,
        {
            "agent": agent.pk,
            "service": population.pk,
            "week": week.pk,
            "action": "copy",
            "agents": [colleague.pk],
        },
    )
    assert response.status_code == 302
    copy = TypicalWeek.objects.get(agent=colleague)
    assert copy.label == "Été"
    assert list(copy.ranges.values_list("weekday", "start", "end")) == [
        (1, time(13), time(16))
    ]


def test_extra_opening_is_added_and_unavailability_goes_to_its_page(
    client, agent, population
):
    client.force_login(agent.user)
    day = timezone.localdate() + timedelta(days=3)
    base = {
        "agent": agent.pk,
        "service": population.pk,
        "action": "add_exception",
        "start": f"{day.isoformat()}T17:00",
        "end": f"{day.isoformat()}T19:00",
        "note": "Soirée",
    }
    added = client.post(PAGE, {**base, "kind": "extra_opening"})
    assert added.status_code == 302
    extra = AvailabilityException.objects.get()
    assert (extra.kind, extra.service) == ("extra_opening", population)
    closed = client.post(PAGE, {**base, "kind": "unavailable"})
    assert closed.status_code == 302
    assert closed.url.startswith(reverse("admin:portal_unavailability"))
    assert AvailabilityException.objects.count() == 1


def test_agent_cannot_delete_a_colleague_exception(
    client, agent, population, colleague
):
    from tests.factories import AvailabilityExceptionFactory

    exception = AvailabilityExceptionFactory(agent=colleague)
    client.force_login(agent.user)
    response = client.post(
        PAGE,
        {
            "agent": agent.pk,
            "service": population.pk,
            "action": "delete_exception",
            "exception": exception.pk,
        },
    )
    assert response.status_code == 404
    assert AvailabilityException.objects.filter(pk=exception.pk).exists()


def test_typical_week_save_refuses_overlapping_ranges(agent, population):
    with pytest.raises(ValidationError):
        typical_week_save(
            agent=agent,
            service=population,
            valid_from=date(2027, 1, 4),
            valid_until=None,
            repeat_every=1,
            ranges=[(0, time(9), time(12)), (0, time(11), time(13))],
            actor=None,
        )
    assert not TypicalWeek.objects.exists()


def test_typical_week_save_refuses_a_service_the_agent_is_not_in(agent, foreigners):
    with pytest.raises(ValidationError):
        typical_week_save(
            agent=agent,
            service=foreigners,
            valid_from=date(2027, 1, 4),
            valid_until=None,
            repeat_every=1,
            ranges=[(0, time(9), time(12))],
            actor=None,
        )


def test_feed_token_regeneration_changes_the_token(agent):
    old = agent.feed_token
    agent_feed_token_regenerate(agent=agent, actor=agent.user)
    agent.refresh_from_db()
    assert agent.feed_token != old
    assert len(agent.feed_token) >= 32
