"""The admin's dashboard: today's appointments, confirmations, weekly trend."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from booking.models import Appointment
from tests.factories import AppointmentFactory, local

pytestmark = pytest.mark.django_db


@pytest.fixture
def today():
    return timezone.localdate()


def test_dashboard_lists_the_agents_appointments_of_today(
    client, agent, population, today
):
    first = AppointmentFactory(service=population, agent=agent, start=local(today, 9))
    second = AppointmentFactory(
        service=population,
        agent=agent,
        start=local(today, 10, 30),
        status=Appointment.Status.PENDING,
    )
    AppointmentFactory(  # a colleague's: counted for the service, not listed
        service=population, start=local(today, 9)
    )
    AppointmentFactory(  # tomorrow: among the next ones
        service=population, agent=agent, start=local(today + timedelta(days=1), 9)
    )
    client.force_login(agent.user)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    assert response.context["today_appointments"] == [first, second]
    assert response.context["summary"]["mine_today"] == 2
    assert response.context["summary"]["services_today"] == 3
    content = response.content.decode()
    for appointment in (first, second):
        url = reverse("admin:booking_appointment_change", args=[appointment.pk])
        assert url in content
        assert str(appointment.citizen) in content
        assert appointment.reason.name in content
    assert "09:00–09:15" in content
    assert str(Appointment.Status.PENDING.label) in content


def test_dashboard_links_the_pending_confirmations(client, agent, population, today):
    AppointmentFactory(
        service=population,
        start=local(today + timedelta(days=2), 9),
        status=Appointment.Status.PENDING,
    )
    client.force_login(agent.user)
    response = client.get(reverse("admin:index"))
    assert response.context["summary"]["pending"] == 1
    pending_url = (
        reverse("admin:booking_appointment_changelist") + "?status__exact=pending"
    )
    assert pending_url in response.content.decode()
    # The link lands on the filtered list.
    listed = client.get(pending_url)
    assert listed.status_code == 200
    assert listed.context["cl"].result_count == 1


def test_dashboard_shows_this_weeks_bookings_and_the_trend(
    client, agent, population, today
):
    now = timezone.now()
    monday = today - timedelta(days=today.weekday())
    # Two bookings made this week (at the start of Monday), one last week.
    made = [
        local(monday, 0, 1),
        local(monday, 0, 2),
        local(monday, 0, 1) - timedelta(7),
    ]
    for moment in made:
        appointment = AppointmentFactory(
            service=population, start=now + timedelta(days=3)
        )
        Appointment.objects.filter(pk=appointment.pk).update(created_at=moment)
    client.force_login(agent.user)
    response = client.get(reverse("admin:index"))
    summary = response.context["summary"]
    assert summary["week_bookings"] == 2
    assert summary["last_week_bookings"] == 1
    assert summary["trend"] == 100
    assert "+100 %" in response.content.decode()


def test_dashboard_query_count_does_not_grow_with_appointments(
    client, agent, population, today, django_assert_max_num_queries
):
    client.force_login(agent.user)
    url = reverse("admin:index")
    for hour in (8, 9):
        AppointmentFactory(service=population, agent=agent, start=local(today, hour))
    client.get(url)  # warm the session and permission caches
    # 41: the session's second factor costs one (issue 23).
    with django_assert_max_num_queries(41) as captured:
        client.get(url)
    few = len(captured)
    for hour in range(10, 18):
        AppointmentFactory(service=population, agent=agent, start=local(today, hour))
    with django_assert_max_num_queries(few):
        response = client.get(url)
    assert len(response.context["today_appointments"]) == 10
