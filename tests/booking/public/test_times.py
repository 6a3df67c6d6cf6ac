"""The times page of the public flow (issue 20, points 1 and 2): the soonest
times at once, filters offering only what the service opens, a day strip, the
nearest times when the filters match nothing, the agents still free."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from staffing.availability import part_hours
from tests.factories import (
    THURSDAY,
    TUESDAY,
    AgentFactory,
    ServiceFactory,
    VisitReasonFactory,
    open_agent,
)

# Monday 7 December 2026, 8:00 in Brussels: every date below follows from it.
NOW = datetime(2026, 12, 7, 8, 0, tzinfo=ZoneInfo("Europe/Brussels"))


@pytest.fixture(autouse=True)
def _frozen(instant_visitor):
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def service(db):
    """Open on Tuesday mornings (one agent) and Thursday afternoons and
    evenings (another)."""
    service = ServiceFactory(
        slug="urbanisme", slot_minutes=30, min_notice_hours=0, max_horizon_days=60
    )
    open_agent(service, weekdays=(TUESDAY,), start=time(9), end=time(12))
    open_agent(
        service,
        weekdays=(THURSDAY,),
        start=time(14),
        end=time(19),
        valid_from=date(2026, 1, 5),
    )
    return service


@pytest.fixture
def reason(service):
    return VisitReasonFactory(service=service, duration_minutes=30)


def url(name="slots", service="urbanisme", **kwargs):
    return reverse(f"booking:{name}", kwargs={"service": service, **kwargs})


def times(client, reason, **query):
    """The times page of ``reason``, reached from its link, then filtered."""
    assert client.get(url("reason_start", reason=reason.pk)).url == url()
    return client.get(url(), query) if query else client.get(url())


def starts(response, key="days"):
    return [slot["start"] for day in response.context[key] for slot in day["slots"]]


def test_the_parts_of_the_day_come_with_the_hours_they_open():
    assert part_hours([(time(9), time(12)), (time(14), time(19))]) == {
        "morning": (time(9), time(12)),
        "afternoon": (time(14), time(17)),
        "evening": (time(17), time(19)),
    }
    assert part_hours([(time(8), time(12, 30))]) == {
        "morning": (time(8), time(12)),
        "afternoon": (time(12), time(12, 30)),
    }
    assert part_hours([(time(16), time(17))]) == {"afternoon": (time(16), time(17))}
    assert part_hours([]) == {}


def test_the_soonest_times_show_at_once(client, service, reason):
    response = times(client, reason)
    assert response.status_code == 200
    first = starts(response)
    assert len(first) == 10
    # Tuesday 8 December, 9:00: the first time the service opens.
    assert first[0] == datetime(2026, 12, 8, 9, 0, tzinfo=ZoneInfo("Europe/Brussels"))


def test_the_filters_offer_only_the_days_and_parts_the_service_opens(
    client, service, reason
):
    gone = AgentFactory()
    open_agent(service, gone, weekdays=(5,), start=time(8), end=time(10))
    gone.is_active = False
    gone.save()
    # A Sunday week that ended last month opens nothing any more.
    ended = open_agent(service, weekdays=(6,), start=time(8), end=time(10))
    ended.typical_weeks.update(valid_until=date(2026, 11, 30))
    form = times(client, reason).context["criteria_form"]
    assert [value for value, _label in form.fields["weekdays"].choices] == ["1", "3"]
    parts = dict(form.fields["parts"].choices)
    assert list(parts) == ["morning", "afternoon", "evening"]
    assert "09:00 – 12:00" in str(parts["morning"])
    assert "14:00 – 17:00" in str(parts["afternoon"])
    assert "17:00 – 19:00" in str(parts["evening"])
    # A day the service does not open is refused, and not offered.
    refused = client.get(url(), {"from_date": "", "weekdays": ["5"]})
    assert "weekdays" in refused.context["criteria_form"].errors


def test_a_filter_on_the_evening_shows_only_evening_times(client, service, reason):
    response = times(client, reason, from_date="", parts=["evening"])
    found = starts(response)
    assert found
    local = ZoneInfo("Europe/Brussels")
    assert all(start.astimezone(local).hour >= 17 for start in found)
    assert all(start.astimezone(local).weekday() == THURSDAY for start in found)


def test_filters_matching_nothing_offer_the_nearest_times_outside_them(
    client, service, reason
):
    # Thursday evenings from the last day of the horizon (Friday 5 February
    # 2027): none; the nearest outside the filters are none either from that
    # day on, so the soonest of all are offered.
    response = times(client, reason, from_date="2027-02-05", weekdays=["3"])
    assert starts(response) == []
    nearest = starts(response, "nearest_days")
    assert nearest
    page = response.content.decode()
    assert "data-no-times" in page
    assert "button--primary" in page  # the nearest times can be chosen
    # Tuesday mornings from Monday 1 February: none on Tuesday 2nd after the
    # filters... but the weekday dropped finds Thursday 4th's.
    response = times(client, reason, from_date="2027-02-03", weekdays=["1"])
    assert starts(response) == []
    first = starts(response, "nearest_days")[0]
    assert first.date() == date(2027, 2, 4)


def test_without_any_free_time_no_continue_button_leads_nowhere(client, db):
    empty = ServiceFactory(slug="vide", min_notice_hours=0)  # no agent at all
    reason = VisitReasonFactory(service=empty)
    client.get(url("reason_start", service="vide", reason=reason.pk))
    page = client.get(url(service="vide")).content.decode()
    assert "data-no-times" in page
    assert "button--primary" not in page
    assert 'name="back"' in page


def test_the_day_strip_links_only_the_days_with_free_times(client, service, reason):
    strip = times(client, reason).context["strip"]
    days = {day["date"]: day for day in strip["days"]}
    assert min(days) == date(2026, 12, 7)  # the week's Monday
    assert len(days) == 14
    linked = sorted(day for day, item in days.items() if item["url"])
    assert linked == [
        date(2026, 12, 8),
        date(2026, 12, 10),
        date(2026, 12, 15),
        date(2026, 12, 17),
    ]
    assert strip["earlier_url"] is None  # nothing before today
    assert "from_date=2026-12-21" in strip["later_url"]
    # Jumping to a day shows that day's times first, the day marked current.
    jumped = client.get(days[date(2026, 12, 17)]["url"])
    assert starts(jumped)[0].date() == date(2026, 12, 17)
    current = [day for day in jumped.context["strip"]["days"] if day["current"]]
    assert [day["date"] for day in current] == [date(2026, 12, 17)]
    assert 'aria-current="date"' in jumped.content.decode()


def test_the_strip_follows_the_weekday_filter(client, service, reason):
    strip = times(client, reason, from_date="", weekdays=["3"]).context["strip"]
    linked = [day["date"] for day in strip["days"] if day["url"]]
    assert linked == [date(2026, 12, 10), date(2026, 12, 17)]


def test_the_agents_still_free_show_only_where_the_service_allows(
    client, service, reason
):
    second = AgentFactory()
    open_agent(service, second, weekdays=(TUESDAY,), start=time(9), end=time(10))
    hidden = times(client, reason)
    assert not hidden.context["show_capacity"]
    assert "slot-capacity" not in hidden.content.decode()
    service.shows_free_agents = True
    service.save()
    shown = client.get(url())
    assert shown.context["show_capacity"]
    capacities = [
        slot["capacity"] for day in shown.context["days"] for slot in day["slots"]
    ]
    assert capacities[:2] == [2, 2]  # Tuesday 9:00 and 9:30: both agents
    assert capacities[2] == 1
    assert shown.content.decode().count('class="slot-capacity"') == 10


def test_the_times_page_reads_the_reason_once(
    client, service, reason, django_assert_max_num_queries
):
    times(client, reason)
    # 17: the times held for other citizens are read once for the times and
    # once for the day strip (issue 25, point 1).
    with django_assert_max_num_queries(17) as counted:
        client.get(url())
    reads = [
        query["sql"]
        for query in counted.captured_queries
        if 'FROM "booking_visitreason"' in query["sql"]
    ]
    assert len(reads) == 1, reads
