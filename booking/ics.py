"""Calendar files (RFC 5545) for citizens: one VEVENT per appointment.

The same event is sent with an e-mail (``METHOD:REQUEST``, then ``CANCEL``) and
downloaded from the public pages (``PUBLISH``). Its UID never changes, and its
SEQUENCE grows with every change recorded in the appointment's history, so
calendar applications update or remove the event they already hold instead of
adding a second one.
"""

from datetime import UTC
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .links import manage_url
from .models import Appointment

METHODS = ("REQUEST", "CANCEL", "PUBLISH")
_LINE_OCTETS = 75  # RFC 5545, 3.1: lines SHOULD NOT be longer than 75 octets


def _utc(moment) -> str:
    """A DATE-TIME in UTC form (RFC 5545, 3.3.5, form #2)."""
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def escape_text(value: str) -> str:
    """Escape a TEXT value (RFC 5545, 3.3.11): backslash, ``;``, ``,``, newline."""
    value = str(value).replace("\r\n", "\n").replace("\r", "\n")
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\n", "\\n")


def _param(value: str) -> str:
    """A parameter value, quoted (DQUOTE is not allowed inside: dropped)."""
    return '"' + str(value).replace('"', "").replace("\n", " ") + '"'


def fold(line: str) -> str:
    """Fold a content line at 75 octets, never inside a UTF-8 character (3.1)."""
    encoded = line.encode()
    if len(encoded) <= _LINE_OCTETS:
        return line
    parts, current, size, limit = [], [], 0, _LINE_OCTETS
    for char in line:
        width = len(char.encode())
        if size + width > limit:
            parts.append("".join(current))
            # Continuation lines start with a space that counts in their octets.
            current, size, limit = [], 0, _LINE_OCTETS - 1
        current.append(char)
        size += width
    parts.append("".join(current))
    return "\r\n ".join(parts)


def _uid(appointment: Appointment) -> str:
    host = urlsplit(settings.SITE_URL).hostname or "rendez-vous.invalid"
    return f"appointment-{appointment.pk}@{host}"


def _sequence(appointment: Appointment) -> int:
    """0 when booked, then one more per recorded change (moves, status…)."""
    return max(appointment.history.count() - 1, 0)


def _status(appointment: Appointment, method: str) -> str:
    if method == "CANCEL" or not appointment.is_active:
        return "CANCELLED"
    if appointment.status == Appointment.Status.PENDING:
        return "TENTATIVE"
    return "CONFIRMED"


def _organizer(appointment: Appointment) -> str:
    service = appointment.service
    email = service.email or settings.DEFAULT_FROM_EMAIL
    return f"ORGANIZER;CN={_param(service.name)}:mailto:{email}"


def _description(appointment: Appointment, link: str) -> str:
    parts = []
    if appointment.reason.message_information.strip():
        parts.append(appointment.reason.message_information.strip())
    if appointment.service.phone:
        parts.append(
            _("Service phone: %(phone)s") % {"phone": appointment.service.phone}
        )
    parts.append(_("See, move or cancel your appointment: %(url)s") % {"url": link})
    return "\n\n".join(parts)


def appointment_ics(
    appointment: Appointment, method: str = "REQUEST", *, language: str | None = None
) -> str:
    """The appointment as an iCalendar object, with CRLF line endings.

    ``method`` is ``REQUEST`` (new or changed, sent with a message), ``CANCEL``
    (cancelled or refused) or ``PUBLISH`` (a plain download). Texts are in
    ``language``, by default the citizen's.
    """
    method = method.upper()
    if method not in METHODS:
        raise ValueError(f"unknown iCalendar method: {method}")
    language = language or appointment.recipient_language or settings.LANGUAGE_CODE
    with translation.override(language):
        link = manage_url(appointment)
        summary = _("%(service)s: %(reason)s") % {
            "service": appointment.service.name,
            "reason": appointment.reason.name,
        }
        lines = [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//Rendez-vous communal//Appointments//"
            + language.upper().split("-")[0],
            "CALSCALE:GREGORIAN",
            f"METHOD:{method}",
            "BEGIN:VEVENT",
            f"UID:{_uid(appointment)}",
            f"DTSTAMP:{_utc(timezone.now())}",
            f"DTSTART:{_utc(appointment.start)}",
            f"DTEND:{_utc(appointment.end)}",
            f"SEQUENCE:{_sequence(appointment)}",
            f"STATUS:{_status(appointment, method)}",
            f"SUMMARY:{escape_text(summary)}",
            f"DESCRIPTION:{escape_text(_description(appointment, link))}",
            f"URL:{link}",
            "TRANSP:OPAQUE",
            _organizer(appointment),
        ]
        address = ", ".join(
            line.strip() for line in appointment.service.address.splitlines()
        )
        if address:
            lines.append(f"LOCATION:{escape_text(address)}")
        citizen, email = appointment.citizen, appointment.recipient_email
        if method != "PUBLISH" and email:
            lines.append(
                f"ATTENDEE;CN={_param(f'{citizen.first_name} {citizen.last_name}')}"
                f";ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED:mailto:{email}"
            )
        if method != "CANCEL" and _status(appointment, method) != "CANCELLED":
            lines += [
                "BEGIN:VALARM",
                "ACTION:DISPLAY",
                f"DESCRIPTION:{escape_text(summary)}",
                "TRIGGER:-PT1H",
                "END:VALARM",
            ]
        lines += ["END:VEVENT", "END:VCALENDAR"]
    return "".join(fold(line) + "\r\n" for line in lines)
