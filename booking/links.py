"""The citizen's personal link to an appointment (R13; issue 20, point 5).

No password, no account: a link opens one appointment. Since issue 20 it
carries the appointment's *link code*, a random secret stored on the
appointment (``Appointment.link_code``):

- it lasts: a move, a confirmation or a reassignment keeps the code, so the
  first message's link still opens the appointment after it was moved;
- it expires as before, a day after the appointment (``VALID_AFTER_APPOINTMENT``);
- it tells nothing: drawn at random, never derived from the sequential id or
  from the booking reference (which is not secret and opens nothing);
- staff revoke it (``booking.services.appointment_link_revoke``): the
  appointment gets a new code at once and the old one never opens anything
  again; every later message carries the new one.

The code is stored as is, not hashed: every message (reminder, move…) must
write the link again, and the database holding the code holds everything the
link shows anyway.

It is short: 12 characters of Crockford's base 32 (60 bits, ~10¹⁸ values,
behind the manage pages' rate limit), so that the short form
``<SITE_URL>/r/<code>`` (``short_url``) leaves an SMS its room. Messages and
calendar files carry the short form, which redirects to the manage page
``/manage/<code>/`` (``manage_path``), the same under ``/embed/``.

Links sent before issue 20 (``/manage/<signed token>/``, the appointment's id
and start signed with Django's signing) keep opening their appointment on the
old terms until they would have expired: as long as the appointment is at the
time they were made for (a move sent a new link then, and still does), not
past a day after it, and as long as staff have not revoked the appointment's
links (``link_revoked_at``). They are never made any more.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from .link_codes import normalise_code
from .models import Appointment

# A link stays usable this long after the appointment (to download the .ics,
# see what was booked); it is refused afterwards.
VALID_AFTER_APPOINTMENT = timedelta(days=1)
# The signed tokens of the links sent before issue 20.
_LEGACY_SALT = "booking.manage-link"


def link_expired(appointment: Appointment, now: datetime | None = None) -> bool:
    """Whether the appointment's links no longer open it (a day after it)."""
    return (now or timezone.now()) > appointment.end + VALID_AFTER_APPOINTMENT


def make_token(appointment: Appointment) -> str:
    """What a link carries for ``appointment``: its lasting code."""
    return appointment.link_code


def legacy_token(appointment: Appointment) -> str:
    """A link's token as made before issue 20 (id and start, signed).

    Only the upgrade and compatibility tests make them now: they stand for the
    links already sent."""
    return signing.dumps(
        {"a": appointment.pk, "s": int(appointment.start.timestamp())},
        salt=_LEGACY_SALT,
        compress=True,
    )


def _with_relations():
    return Appointment.objects.select_related(
        "service", "reason", "agent__user", "citizen"
    )


def _legacy_appointment(token: str) -> Appointment | None:
    try:
        data = signing.loads(token, salt=_LEGACY_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("a"), int):
        return None
    appointment = _with_relations().filter(pk=data["a"]).first()
    if (
        appointment is None
        or appointment.link_revoked_at is not None
        or int(appointment.start.timestamp()) != data.get("s")
    ):
        return None
    return appointment


def appointment_for_token(token: str) -> Appointment | None:
    """The appointment a link opens, or None when the link is forged, revoked,
    expired, or (for a link sent before issue 20) made for another time."""
    code = normalise_code(token)
    if code is not None:
        appointment = _with_relations().filter(link_code=code).first()
    else:
        appointment = _legacy_appointment(token)
    if appointment is None or link_expired(appointment):
        return None
    return appointment


def manage_path(appointment: Appointment) -> str:
    """The path of the appointment's page (``/manage/<code>/``)."""
    return reverse("booking:manage", kwargs={"token": make_token(appointment)})


def short_path(appointment: Appointment) -> str:
    """The short form of the link (``/r/<code>``), which redirects to the page."""
    return reverse("booking:short_link", kwargs={"code": make_token(appointment)})


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def short_url(appointment: Appointment) -> str:
    """The absolute short link, for SMS and calendar files."""
    return _absolute(short_path(appointment))


def manage_url(appointment: Appointment) -> str:
    """The absolute link put in messages, calendar files and the API's answer:
    the short form, which lasts as long as the appointment's code."""
    return short_url(appointment)
