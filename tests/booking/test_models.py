"""The database itself refuses double bookings (issue 2)."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from booking.models import Appointment
from tests.factories import AppointmentFactory

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="exclusion constraints are PostgreSQL's"
)
def test_postgresql_refuses_two_overlapping_active_appointments_of_one_agent():
    first = AppointmentFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        AppointmentFactory(
            agent=first.agent,
            service=first.service,
            start=first.start + timedelta(minutes=5),
            end=first.end + timedelta(minutes=5),
        )
    assert Appointment.objects.count() == 1


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="exclusion constraints are PostgreSQL's"
)
def test_postgresql_allows_overlap_with_a_cancelled_appointment_or_back_to_back():
    first = AppointmentFactory(status=Appointment.Status.CANCELLED)
    AppointmentFactory(
        agent=first.agent, service=first.service, start=first.start, end=first.end
    )
    AppointmentFactory(
        agent=first.agent,
        service=first.service,
        start=first.end,
        end=first.end + timedelta(minutes=15),
    )
    assert Appointment.objects.active().count() == 2


def test_an_appointment_must_end_after_it_starts():
    moment = timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        AppointmentFactory(start=moment, end=moment)
    assert not Appointment.objects.exists()
