"""Every statistic matches a hand count (see conftest.py for the fixture)."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from booking.models import Appointment
from reports.selectors import (
    StatisticsFilters,
    day_summary,
    period_starts,
    statistics_report,
    todays_appointments,
    utc_offsets,
)
from staffing.availability import Interval
from tests.factories import (
    MONDAY,
    AgentFactory,
    AppointmentFactory,
    local,
    open_agent,
)

from .conftest import FIRST_DAY, LAST_DAY

pytestmark = pytest.mark.django_db


def report_for(user, **criteria):
    filters = StatisticsFilters(first_day=FIRST_DAY, last_day=LAST_DAY, **criteria)
    return statistics_report(user, filters)


def by_label(rows):
    return {row.label: row for row in rows}


def test_totals_match_the_hand_count(administrator, commune):
    totals = report_for(administrator).totals
    assert totals.appointments == 9  # the 21st is outside the period
    assert totals.citizens == 6
    assert totals.cancelled == 2
    assert totals.no_shows == 1
    assert totals.done == 3
    assert totals.cancellation_rate == pytest.approx(2 / 9)
    assert totals.no_show_rate == pytest.approx(1 / 4)


def test_counts_per_service_agent_reason_and_channel(administrator, commune):
    report = report_for(administrator)
    services = by_label(report.by_service)
    assert services["Population"].appointments == 5
    assert services["Population"].cancelled == 1
    assert services["Population"].no_shows == 1
    assert services["Population"].no_show_rate == pytest.approx(1 / 3)
    assert services["Étrangers"].appointments == 4
    assert services["Étrangers"].cancelled == 1
    assert services["Étrangers"].no_shows == 0

    agents = by_label(report.by_agent)
    assert agents["Alice Martin"].appointments == 5
    assert agents["Bruno Peeters"].appointments == 4

    reasons = by_label(report.by_reason)
    assert reasons["Identity card (Population)"].appointments == 3
    assert reasons["Passport (Population)"].appointments == 2
    assert reasons["Residence permit (Étrangers)"].appointments == 4

    channels = {row.key: row.appointments for row in report.by_channel}
    assert channels == {"web": 5, "phone": 2, "desk": 2}


def test_counts_per_day_include_empty_days(administrator, commune):
    periods = report_for(administrator, granularity="day").periods
    assert [row.period for row in periods] == [
        FIRST_DAY + timedelta(days=offset) for offset in range(12)
    ]
    per_day = {row.period.day: (row.appointments, row.citizens) for row in periods}
    assert per_day[7] == (2, 2)
    assert per_day[8] == (2, 2)  # Alice's C1 and Bruno's C2
    assert per_day[9] == (1, 1)
    assert per_day[14] == (0, 0)  # the closure
    assert sum(appointments for appointments, _c in per_day.values()) == 9


def test_counts_per_week_count_each_citizen_once(administrator, commune):
    periods = report_for(administrator, granularity="week").periods
    assert [(row.period, row.appointments, row.citizens) for row in periods] == [
        (date(2026, 9, 7), 6, 4),  # C1 twice, C2 twice: 4 people
        (date(2026, 9, 14), 3, 2),
    ]


def test_counts_per_month_start_on_the_first(administrator, commune):
    periods = report_for(administrator, granularity="month").periods
    assert [(row.period, row.appointments) for row in periods] == [
        (date(2026, 9, 1), 9)
    ]


def test_periods_follow_local_days_across_daylight_saving(administrator, population):
    # 00:30 local is still the previous day in UTC; both DST changes of 2026.
    for day in (date(2026, 3, 29), date(2026, 7, 1), date(2026, 10, 25)):
        AppointmentFactory(service=population, start=local(day, 0, 30))
    AppointmentFactory(service=population, start=local(date(2026, 10, 25), 23, 30))
    filters = StatisticsFilters(date(2026, 3, 1), date(2026, 10, 31))
    per_day = {
        row.period: row.appointments
        for row in statistics_report(administrator, filters).periods
        if row.appointments
    }
    assert per_day == {
        date(2026, 3, 29): 1,
        date(2026, 7, 1): 1,
        date(2026, 10, 25): 2,
    }
    monthly = statistics_report(
        administrator,
        StatisticsFilters(date(2026, 3, 1), date(2026, 10, 31), granularity="month"),
    ).periods
    assert {
        row.period.month: row.appointments for row in monthly if row.appointments
    } == {
        3: 1,
        7: 1,
        10: 2,
    }


def test_lead_time_average_median_and_buckets(administrator, commune):
    lead = report_for(administrator).lead_time
    assert lead.average_hours == pytest.approx(1324 / 9)
    assert lead.median_hours == pytest.approx(120)
    assert [count for _label, count in lead.buckets] == [3, 1, 3, 1, 0, 1]


def test_median_of_an_even_count_is_the_mean_of_the_middle_two(administrator, commune):
    # By phone: #2 (2 h) and #7 (168 h).
    lead = report_for(administrator, channel="phone").lead_time
    assert lead.median_hours == pytest.approx(85)
    assert lead.average_hours == pytest.approx(85)
    # Population: 1, 2, 48, 144, 720.
    lead = report_for(administrator, service_id=commune.population.pk).lead_time
    assert lead.median_hours == pytest.approx(48)


def test_occupancy_counts_closures_unavailability_and_booked_minutes(
    administrator, commune
):
    report = report_for(administrator)
    agents = by_label(report.occupancy_by_agent)
    assert agents["Alice Martin"].available_minutes == 1560
    assert agents["Alice Martin"].booked_minutes == 90
    assert agents["Bruno Peeters"].available_minutes == 960
    assert agents["Bruno Peeters"].booked_minutes == 120
    assert agents["Bruno Peeters"].rate == pytest.approx(0.125)
    services = by_label(report.occupancy_by_service)
    assert services["Population"].rate == pytest.approx(90 / 1560)
    assert report.occupancy_total.available_minutes == 2520
    assert report.occupancy_total.booked_minutes == 210


def test_occupancy_skips_public_holidays(administrator, commune):
    # Week of Monday 9 November 2026: Armistice on Wednesday 11.
    filters = StatisticsFilters(date(2026, 11, 9), date(2026, 11, 13))
    agents = by_label(statistics_report(administrator, filters).occupancy_by_agent)
    assert agents["Alice Martin"].available_minutes == 4 * 180
    assert agents["Bruno Peeters"].available_minutes == 2 * 240


def test_an_agent_counts_his_hours_once_across_two_services(administrator, commune):
    # Alice also opens for Étrangers on Mondays 09:00–12:00: the same hours.
    open_agent(
        commune.foreigners,
        commune.alice,
        weekdays=[MONDAY],
        start=time(9),
        end=time(12),
    )
    report = report_for(administrator)
    assert by_label(report.occupancy_by_agent)["Alice Martin"].available_minutes == 1560
    # Étrangers gains Alice's Monday 7 (the 14th is closed): 960 + 180.
    assert by_label(report.occupancy_by_service)["Étrangers"].available_minutes == 1140


def test_filters_narrow_every_figure(administrator, commune):
    report = report_for(administrator, channel="web")
    assert report.totals.appointments == 5
    assert report.totals.citizens == 3  # C1 twice, C4, C6 twice
    report = report_for(administrator, status=Appointment.Status.CANCELLED)
    assert report.totals.appointments == 2
    assert report.totals.cancellation_rate == 1
    report = report_for(administrator, agent_id=commune.bruno.pk)
    assert [row.label for row in report.by_service] == ["Étrangers"]
    assert [row.label for row in report.occupancy_by_agent] == ["Bruno Peeters"]
    report = report_for(administrator, reason_id=commune.appointments[1].reason_id)
    assert report.totals.appointments == 2


def test_an_agent_sees_only_the_figures_of_his_services(commune, agent):
    report = report_for(agent.user)
    assert report.totals.appointments == 5
    assert [row.label for row in report.by_service] == ["Population"]
    assert "Bruno Peeters" not in by_label(report.by_agent)
    assert "Étrangers" not in by_label(report.occupancy_by_service)


def test_report_query_count_does_not_grow_with_appointments(
    administrator, commune, django_assert_max_num_queries
):
    with django_assert_max_num_queries(16):
        report_for(administrator)
    # Four more agents (more agents must not mean more queries), one
    # appointment a day each so that none overlaps.
    others = AgentFactory.create_batch(4)
    for index in range(30):
        AppointmentFactory(
            service=commune.population,
            agent=others[index % 4],
            reason=commune.appointments[0].reason,
            start=local(FIRST_DAY + timedelta(days=index // 4), 8),
        )
    with django_assert_max_num_queries(16):
        assert report_for(administrator).totals.appointments == 39


def test_period_starts_per_week_and_month():
    assert period_starts(date(2026, 9, 9), date(2026, 9, 21), "week") == [
        date(2026, 9, 7),
        date(2026, 9, 14),
        date(2026, 9, 21),
    ]
    assert period_starts(date(2026, 11, 15), date(2027, 1, 2), "month") == [
        date(2026, 11, 1),
        date(2026, 12, 1),
        date(2027, 1, 1),
    ]


def test_utc_offsets_find_both_daylight_saving_changes():
    brussels = ZoneInfo("Europe/Brussels")
    window = Interval(
        datetime(2026, 1, 1, tzinfo=brussels), datetime(2027, 1, 1, tzinfo=brussels)
    )
    offsets = utc_offsets(window, brussels)
    assert [(since and since.isoformat(), seconds) for since, seconds in offsets] == [
        (None, 3600),
        ("2026-03-29T01:00:00+00:00", 7200),
        ("2026-10-25T01:00:00+00:00", 3600),
    ]


def test_day_summary_counts_today_pending_and_the_weekly_trend(agent, population):
    Model = Appointment
    today = date(2026, 9, 16)  # a Wednesday
    now = local(today, 10)
    mine = AppointmentFactory(service=population, agent=agent, start=local(today, 14))
    AppointmentFactory(service=population, start=local(today, 15))
    AppointmentFactory(
        service=population,
        agent=agent,
        start=local(today, 16),
        status=Model.Status.CANCELLED,
    )
    AppointmentFactory(
        service=population, start=local(today, 11), status=Model.Status.PENDING
    )
    # Booked this week (Monday 14 to now) and last week (Monday 7 to Wed 9 10:00).
    created = [local(date(2026, 9, 14), 8), local(date(2026, 9, 16), 9)]
    created_before = [local(date(2026, 9, 8), 8), local(date(2026, 9, 10), 8)]
    appointments = list(Model.objects.order_by("pk"))
    for appointment, moment in zip(appointments, created + created_before, strict=True):
        Model.objects.filter(pk=appointment.pk).update(created_at=moment)

    summary = day_summary(agent.user, today, now=now)
    assert summary["services_today"] == 3  # the cancelled one does not count
    assert summary["mine_today"] == 1
    assert summary["pending"] == 1
    assert summary["week_bookings"] == 2
    # Last week up to Wednesday 10:00: only the one of Tuesday 8.
    assert summary["last_week_bookings"] == 1
    assert summary["trend"] == 100
    assert list(todays_appointments(agent.user, today)) == [mine]


def test_people_are_counted_as_well_as_appointments(administrator, commune):
    """Issue 25, point 3: two families come to the Population service; every
    other appointment counts one person."""
    first, _passport, _no_show, cancelled = commune.appointments[:4]
    Appointment.objects.filter(pk=first.pk).update(people=3)
    Appointment.objects.filter(pk=cancelled.pk).update(people=2)
    report = report_for(administrator, granularity="day")
    assert report.totals.appointments == 9
    assert report.totals.people == 9 + 2 + 1  # the cancelled family counts too
    services = by_label(report.by_service)
    assert (services["Population"].appointments, services["Population"].people) == (
        5,
        8,
    )
    assert services["Étrangers"].people == 4
    assert by_label(report.by_agent)["Alice Martin"].people == 8
    reasons = by_label(report.by_reason)
    assert reasons["Identity card (Population)"].people == 6
    assert reasons["Passport (Population)"].people == 2
    channels = {row.key: row.people for row in report.by_channel}
    assert channels == {"web": 7, "phone": 2, "desk": 3}
    per_day = {row.period.day: (row.appointments, row.people) for row in report.periods}
    assert per_day[7] == (2, 4)
    assert per_day[9] == (1, 2)
    assert per_day[11] == (0, 0)  # an empty day


def test_day_summary_counts_todays_people(agent, population):
    today = date(2026, 9, 16)
    AppointmentFactory(
        service=population, agent=agent, start=local(today, 14), people=3
    )
    AppointmentFactory(service=population, start=local(today, 15))
    AppointmentFactory(
        service=population,
        agent=agent,
        start=local(today, 16),
        people=4,
        status=Appointment.Status.CANCELLED,
    )
    summary = day_summary(agent.user, today, now=local(today, 10))
    assert (summary["mine_today"], summary["mine_people_today"]) == (1, 3)
    assert (summary["services_today"], summary["services_people_today"]) == (2, 4)
