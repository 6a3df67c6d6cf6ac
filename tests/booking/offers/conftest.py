"""The world of the earlier-time offers' tests (issue 25, point 2;
``booking/offers.py``, its public pages and the staff's queue).

Population opens one hour a weekday (9:00–10:00), a visit takes the hour, so
each weekday holds one time. Every weekday from Tuesday 8 to Friday 25 January
2030 is taken, Anne's appointment on Monday 21 and Bruno's on Tuesday 22 among
them; the clock stands on Monday 7 January at noon. A cancellation then frees
exactly one earlier time.
"""

from datetime import date, time, timedelta

import pytest
import time_machine

from messaging.sms import LocmemBackend
from tests.factories import (
    WEEKDAYS,
    AppointmentFactory,
    CitizenFactory,
    VisitReasonFactory,
    local,
    open_agent,
)

NOW = local(date(2030, 1, 7), 12)  # a Monday
DAYS = [date(2030, 1, 8) + timedelta(days=n) for n in range(18)]
WORKDAYS = [day for day in DAYS if day.weekday() < 5]
ANNE_DAY, BRUNO_DAY = date(2030, 1, 21), date(2030, 1, 22)
THURSDAY = date(2030, 1, 10)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def quiet_hours(settings):
    settings.QUIET_HOURS = "21:00-08:00"
    settings.EARLIER_OFFER_HOLD_MINUTES = 30
    settings.EARLIER_OFFER_STOP_DAYS = 2
    settings.EARLIER_OFFER_MAX = 3
    LocmemBackend.outbox.clear()
    yield
    LocmemBackend.outbox.clear()


@pytest.fixture
def world(population):
    agent = open_agent(population, weekdays=WEEKDAYS, start=time(9), end=time(10))
    reason = VisitReasonFactory(
        service=population, name="Carte d'identité", duration_minutes=60
    )

    def book(day, citizen=None):
        start = local(day, 9)
        return AppointmentFactory(
            service=population,
            agent=agent,
            reason=reason,
            citizen=citizen or CitizenFactory(),
            start=start,
            end=start + timedelta(hours=1),
            booked_for_service=True,
        )

    taken = {day: book(day) for day in WORKDAYS if day not in (ANNE_DAY, BRUNO_DAY)}
    anne = book(ANNE_DAY, CitizenFactory(first_name="Anne", email="anne@example.be"))
    bruno = book(
        BRUNO_DAY, CitizenFactory(first_name="Bruno", email="bruno@example.be")
    )
    return {"taken": taken, "anne": anne, "bruno": bruno, "agent": agent}
