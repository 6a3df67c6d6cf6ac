"""One place for each read (issue 16, point 2): the appointments' chainable
queryset methods, the open statuses defined once, the requests inbox."""

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import time_machine

from booking.models import Appointment
from booking.selectors import day_loads, least_loaded_agent_id, pending_requests_for
from tests.factories import (
    AgentFactory,
    AppointmentFactory,
    MembershipFactory,
    ServiceFactory,
    UserFactory,
    local,
)

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 3, 25, 9, 0, tzinfo=UTC)  # a Wednesday, 10:00 in Brussels
Status = Appointment.Status


def test_the_open_statuses_are_written_once():
    literal = re.compile(
        r"(Status\.PENDING,\s*(Appointment\.)?Status\.CONFIRMED)"
        r"|\"pending\",\s*\"confirmed\""
    )
    writers = [
        path.relative_to(ROOT).as_posix()
        for app in ("core", "staffing", "booking", "messaging", "reports", "audit")
        for path in (ROOT / app).rglob("*.py")
        if "/migrations/" not in path.as_posix()
        and literal.search(path.read_text(encoding="utf-8"))
    ]
    # booking/models.py defines them; the API's schema states them to clients.
    assert sorted(writers) == ["booking/api/schemas.py", "booking/models.py"]


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_open_upcoming_not_over_and_local_day_chain():
    day = date(2026, 3, 25)
    past = AppointmentFactory(start=local(day, 8), end=local(day, 8, 15))
    under_way = AppointmentFactory(start=local(day, 9, 55), end=local(day, 10, 10))
    later = AppointmentFactory(start=local(day, 11), end=local(day, 11, 15))
    cancelled = AppointmentFactory(
        start=local(day, 12), end=local(day, 12, 15), status=Status.CANCELLED
    )
    tomorrow = AppointmentFactory(
        start=local(day + timedelta(1), 0, 30), end=local(day + timedelta(1), 0, 45)
    )
    objects = Appointment.objects
    assert set(objects.open()) == {past, under_way, later, tomorrow}
    assert set(objects.open().upcoming()) == {later, tomorrow}
    assert set(objects.open().not_over()) == {under_way, later, tomorrow}
    assert set(objects.on_local_day(day)) == {past, under_way, later, cancelled}
    assert set(objects.open().upcoming().on_local_day(day)) == {later}


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_visible_to_and_the_requests_inbox_read():
    mine, other = ServiceFactory(), ServiceFactory()
    agent = AgentFactory()
    MembershipFactory(agent=agent, service=mine)
    request = AppointmentFactory(service=mine, agent=agent, status=Status.PENDING)
    # Another time: PostgreSQL refuses one agent's overlapping appointments.
    later = request.start + timedelta(hours=2)
    AppointmentFactory(
        service=mine,
        agent=agent,
        status=Status.CONFIRMED,
        start=later,
        end=later + timedelta(minutes=15),
    )
    AppointmentFactory(service=other, status=Status.PENDING)
    assert set(Appointment.objects.visible_to(agent.user)) == set(
        Appointment.objects.filter(service=mine)
    )
    assert list(pending_requests_for(agent.user)) == [request]
    assert list(pending_requests_for(UserFactory())) == []


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_the_least_loaded_agent_of_the_day_ties_to_the_lowest_id():
    day = date(2026, 3, 26)
    busy, idle, also_idle = AgentFactory(), AgentFactory(), AgentFactory()
    AppointmentFactory(agent=busy, start=local(day, 9), end=local(day, 9, 15))
    AppointmentFactory(
        agent=idle,
        start=local(day, 10),
        end=local(day, 10, 15),
        status=Status.CANCELLED,
    )
    ids = [busy.pk, idle.pk, also_idle.pk]
    assert day_loads(ids, local(day, 15)) == {busy.pk: 1}
    assert least_loaded_agent_id(ids, local(day, 15)) == min(idle.pk, also_idle.pk)
