"""History pages show changed values as people read them (R26)."""

from datetime import date, timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import formats, timezone, translation

from booking.models import Appointment
from tests.factories import AppointmentFactory, local

WINTER_DAY = date(2026, 12, 3)


def test_the_history_diff_shows_local_times_and_labels(client, administrator):
    appointment = AppointmentFactory(
        start=local(WINTER_DAY, 9, 30), end=local(WINTER_DAY, 9, 45)
    )
    appointment.start = local(WINTER_DAY, 10, 15)
    appointment.end = appointment.start + timedelta(minutes=15)
    appointment.status = Appointment.Status.CANCELLED
    appointment.save()
    client.force_login(administrator)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nl"

    page = client.get(
        reverse("admin:booking_appointment_history", args=[appointment.pk])
    ).content.decode()

    with translation.override("nl"):
        before = formats.localize(timezone.localtime(local(WINTER_DAY, 9, 30)))
        after = formats.localize(timezone.localtime(local(WINTER_DAY, 10, 15)))
        cancelled = str(Appointment.Status.CANCELLED.label)
    assert "10:15" in after and before in page and after in page
    assert "08:30:00+00:00" not in page  # the raw UTC value shown before
    assert cancelled in page


def test_an_unavailability_is_named_by_its_local_start(db):
    from tests.factories import AvailabilityExceptionFactory

    exception = AvailabilityExceptionFactory(start=local(WINTER_DAY, 8, 0))

    assert str(exception).endswith("03/12/2026 08:00")
