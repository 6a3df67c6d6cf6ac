"""Builders shared by the portal's tests: agents open on given weekdays, and
appointments placed in those openings, a week or more ahead of today."""

from datetime import date, time, timedelta

from django.utils import timezone

from booking.models import Appointment
from staffing.models import Agent, Membership
from tests.factories import (
    AgentFactory,
    AppointmentFactory,
    TypicalWeekFactory,
    TypicalWeekRangeFactory,
    local,
)

TUESDAY = 1


def next_weekday(weekday: int = TUESDAY, *, weeks_ahead: int = 1) -> date:
    """A day of that weekday at least ``weeks_ahead`` weeks from today."""
    today = timezone.localdate()
    days = (weekday - today.weekday()) % 7 + 7 * weeks_ahead
    return today + timedelta(days=days)


def open_agent(
    service,
    agent: Agent | None = None,
    *,
    weekday: int = TUESDAY,
    start: time = time(9),
    end: time = time(12),
    role: str = Membership.Role.MEMBER,
) -> Agent:
    """An agent of ``service`` open every ``weekday`` from ``start`` to ``end``."""
    agent = agent or AgentFactory()
    Membership.objects.get_or_create(
        agent=agent, service=service, defaults={"role": role}
    )
    week = TypicalWeekFactory(agent=agent, service=service, valid_from=date(2026, 1, 5))
    TypicalWeekRangeFactory(typical_week=week, weekday=weekday, start=start, end=end)
    return agent


def appointment_at(
    agent: Agent, service, day: date, hour: int, minute: int = 0, **kwargs
) -> Appointment:
    """A 15-minute confirmed appointment of ``agent`` at a local time."""
    kwargs.setdefault("booked_for_service", True)
    start = local(day, hour, minute)
    return AppointmentFactory(
        agent=agent,
        service=service,
        start=start,
        end=start + timedelta(minutes=15),
        **kwargs,
    )
