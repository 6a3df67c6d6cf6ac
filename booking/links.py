"""The citizen's personal link to an appointment (R13): no password, no account.

A link carries a signed token naming one appointment; it opens only that
appointment and expires a day after it. django-sesame was considered: it signs
*users*, and citizens are not users (creating a login per citizen would be
personal data kept for nothing), so the token is made with Django's own
signing, which gives the same guarantees: scoped to one appointment, expiring,
tamper-proof, and void once the appointment is moved (the start is signed too,
so a link from an old message cannot act on the new time).
"""

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from .models import Appointment

_SALT = "booking.manage-link"
# A link stays usable this long after the appointment (to download the .ics,
# see what was booked); it is refused afterwards.
VALID_AFTER_APPOINTMENT = timedelta(days=1)


def make_token(appointment: Appointment) -> str:
    """A URL-safe token that opens ``appointment`` until a day after it."""
    return signing.dumps(
        {"a": appointment.pk, "s": int(appointment.start.timestamp())},
        salt=_SALT,
        compress=True,
    )


def appointment_for_token(token: str) -> Appointment | None:
    """The appointment a token opens, or None when it is forged, stale or expired."""
    try:
        data = signing.loads(token, salt=_SALT)
    except signing.BadSignature:
        return None
    appointment = (
        Appointment.objects.select_related(
            "service", "reason", "agent__user", "citizen"
        )
        .filter(pk=data.get("a"))
        .first()
    )
    if appointment is None or int(appointment.start.timestamp()) != data.get("s"):
        return None
    if timezone.now() > appointment.end + VALID_AFTER_APPOINTMENT:
        return None
    return appointment


def manage_path(appointment: Appointment) -> str:
    return reverse("booking:manage", kwargs={"token": make_token(appointment)})


def manage_url(appointment: Appointment) -> str:
    """The absolute link put in e-mails and SMS."""
    return settings.SITE_URL.rstrip("/") + manage_path(appointment)
