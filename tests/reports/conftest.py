"""A small commune whose statistics are counted by hand (issue 7).

Period: Monday 7 to Friday 18 September 2026 (no Belgian public holiday), with
the commune closed on Monday 14 September.

Openings (minutes):
- Alice, Population, Monday–Friday 09:00–12:00 (180 a day): 10 weekdays
  minus the closure = 9 days = 1620, minus an unavailability on Wednesday 16
  09:00–10:00 (60) = 1560.
- Bruno, Étrangers, Tuesday and Thursday 13:00–17:00 (240 a day): 8, 10, 15,
  17 September = 960.

Appointments (lead time = start - created_at):

| #  | day / time   | agent | reason    | min | status    | channel | citizen | lead  |
| 1  | Mon 7 09:00  | Alice | Identity  | 15  | done      | web     | C1      | 144 h |
| 2  | Mon 7 09:30  | Alice | Passport  | 30  | done      | phone   | C2      |   2 h |
| 3  | Tue 8 10:00  | Alice | Identity  | 15  | no-show   | web     | C1      |  48 h |
| 4  | Wed 9 11:00  | Alice | Identity  | 15  | cancelled | desk    | C3      |   1 h |
| 5  | Fri 18 09:00 | Alice | Passport  | 30  | confirmed | web     | C4      | 720 h |
| 6  | Tue 8 13:00  | Bruno | Residence | 60  | done      | desk    | C2      |   1 h |
| 7  | Thu 10 14:00 | Bruno | Residence | 60  | cancelled | phone   | C5      | 168 h |
| 8  | Tue 15 15:00 | Bruno | Residence | 60  | pending   | web     | C6      | 120 h |
| 9  | Thu 17 13:00 | Bruno | Residence | 60  | refused   | web     | C6      | 120 h |
| 10 | Mon 21 09:00 | Alice | Identity  | 15  | confirmed | web     | C1      | later |

By hand: 9 appointments, 6 citizens, 2 cancelled (22.2 %), 1 no-show out of
4 recorded (25 %); lead times 1, 1, 2, 48, 120, 120, 144, 168, 720 hours:
median 120 h, average 1324 / 9 h. Booked minutes (not cancelled nor refused):
Alice 15 + 30 + 15 + 30 = 90, Bruno 60 + 60 = 120.
"""

from dataclasses import dataclass
from datetime import date, time, timedelta

import pytest

from booking.models import Appointment
from staffing.models import AvailabilityException
from tests.factories import (
    THURSDAY,
    TUESDAY,
    WEEKDAYS,
    AgentFactory,
    AppointmentFactory,
    CitizenFactory,
    ClosureFactory,
    VisitReasonFactory,
    local,
    open_agent,
)

FIRST_DAY = date(2026, 9, 7)
LAST_DAY = date(2026, 9, 18)
Status = Appointment.Status


@dataclass
class Commune:
    population: object
    foreigners: object
    alice: object
    bruno: object
    appointments: list


def book(agent, reason, day, hour, minute, status, channel, citizen, lead):
    """One appointment, with its booking time set ``lead`` hours before."""
    start = local(date(2026, 9, day), hour, minute)
    appointment = AppointmentFactory(
        service=reason.service,
        agent=agent,
        reason=reason,
        citizen=citizen,
        start=start,
        end=start + timedelta(minutes=reason.duration_minutes),
        status=status,
        channel=channel,
    )
    # created_at is auto_now_add: set the booking time afterwards.
    Appointment.objects.filter(pk=appointment.pk).update(
        created_at=start - timedelta(hours=lead)
    )
    return appointment


@pytest.fixture
def commune(population, foreigners) -> Commune:
    alice = AgentFactory(user__first_name="Alice", user__last_name="Martin")
    bruno = AgentFactory(user__first_name="Bruno", user__last_name="Peeters")
    open_agent(population, alice, weekdays=WEEKDAYS, start=time(9), end=time(12))
    open_agent(
        foreigners, bruno, weekdays=(TUESDAY, THURSDAY), start=time(13), end=time(17)
    )
    ClosureFactory(label="Fête locale", start_date=date(2026, 9, 14))
    AvailabilityException.objects.create(
        agent=alice,
        kind=AvailabilityException.Kind.UNAVAILABLE,
        start=local(date(2026, 9, 16), 9),
        end=local(date(2026, 9, 16), 10),
    )

    identity = VisitReasonFactory(
        service=population, name="Identity card", duration_minutes=15
    )
    passport = VisitReasonFactory(
        service=population, name="Passport", duration_minutes=30
    )
    residence = VisitReasonFactory(
        service=foreigners, name="Residence permit", duration_minutes=60
    )
    c1, c2, c3, c4, c5, c6 = (CitizenFactory() for _ in range(6))
    a, b = alice, bruno
    rows = [
        (a, identity, 7, 9, 0, Status.DONE, "web", c1, 144),
        (a, passport, 7, 9, 30, Status.DONE, "phone", c2, 2),
        (a, identity, 8, 10, 0, Status.NO_SHOW, "web", c1, 48),
        (a, identity, 9, 11, 0, Status.CANCELLED, "desk", c3, 1),
        (a, passport, 18, 9, 0, Status.CONFIRMED, "web", c4, 720),
        (b, residence, 8, 13, 0, Status.DONE, "desk", c2, 1),
        (b, residence, 10, 14, 0, Status.CANCELLED, "phone", c5, 168),
        (b, residence, 15, 15, 0, Status.PENDING, "web", c6, 120),
        (b, residence, 17, 13, 0, Status.REFUSED, "web", c6, 120),
        (a, identity, 21, 9, 0, Status.CONFIRMED, "web", c1, 24),
    ]  # fmt: skip
    appointments = [book(*row) for row in rows]
    return Commune(population, foreigners, alice, bruno, appointments)
