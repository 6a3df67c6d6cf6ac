"""Calendar files (RFC 5545) for citizens: one VEVENT per appointment.

The same event is sent with an e-mail (``METHOD:REQUEST``, then ``CANCEL``) and
downloaded from the public pages (``PUBLISH``). Its UID never changes, and its
SEQUENCE grows with every change recorded in the appointment's history, so
calendar applications update or remove the event they already hold instead of
adding a second one.

The files are built with ``icalendar``, which escapes text and parameter values
and folds long lines; times are local to the commune (``settings.TIME_ZONE``)
with the VTIMEZONE that describes them. The helpers at the end are shared with
the agents' feeds (``booking/portal/feeds.py``).
"""

import re
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from icalendar import Alarm, Calendar, Event, vCalAddress

from .links import manage_url
from .models import Appointment

METHODS = ("REQUEST", "CANCEL", "PUBLISH")

# C0 control characters but tab and line feed, and DEL: RFC 5545 (3.3.11)
# allows none of them in a TEXT value, and icalendar writes them as they come.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


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


def _address(email: str, name: str) -> vCalAddress:
    """A ``mailto:`` address with a common name (ORGANIZER, ATTENDEE)."""
    # A DQUOTE cannot stand in a quoted parameter value; icalendar would write
    # it as RFC 6868's ^', which Outlook shows as it is.
    return vCalAddress.new(email, cn=one_line(name).replace('"', ""))


def _description(appointment: Appointment, link: str) -> str:
    parts = []
    if appointment.reference:
        parts.append(
            _("Booking reference: %(reference)s")
            % {"reference": appointment.reference_display}
        )
    if appointment.people > 1:  # issue 25: several people in one visit
        parts.append(_("Number of people: %(count)s") % {"count": appointment.people})
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
        status = _status(appointment, method)
        calendar = new_calendar(
            prodid="-//Rendez-vous communal//Appointments//"
            + language.upper().split("-")[0],
            method=method,
        )
        event = Event()
        event.add("uid", _uid(appointment))
        event.add("dtstamp", timezone.now())
        event.add("dtstart", local_time(appointment.start))
        event.add("dtend", local_time(appointment.end))
        event.add("sequence", _sequence(appointment))
        event.add("status", status)
        event.add("summary", one_line(summary))
        event.add("description", clean_text(_description(appointment, link)))
        event.add("url", link)
        event.add("transp", "OPAQUE")
        service = appointment.service
        event.add(
            "organizer",
            _address(service.email or settings.DEFAULT_FROM_EMAIL, service.name),
        )
        # Where the citizen is received: the appointment's site (issue 25,
        # point 4), else the service's address.
        site = appointment.site
        where = (site.address or site.name) if site is not None else service.address
        address = ", ".join(line.strip() for line in where.splitlines() if line.strip())
        if address:
            event.add("location", one_line(address))
        citizen, email = appointment.citizen, appointment.recipient_email
        if method != "PUBLISH" and email:
            attendee = _address(email, f"{citizen.first_name} {citizen.last_name}")
            attendee.params["ROLE"] = "REQ-PARTICIPANT"
            attendee.params["PARTSTAT"] = "ACCEPTED"
            event.add("attendee", attendee)
        if status != "CANCELLED":
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", one_line(summary))
            alarm.add("trigger", -timedelta(hours=1))
            event.add_component(alarm)
        calendar.add_component(event)
    return calendar_text(calendar)


# --- Shared with booking/portal/feeds.py --------------------------------------


def new_calendar(*, prodid: str, method: str) -> Calendar:
    """An empty VCALENDAR (version 2.0, Gregorian) with its PRODID and METHOD."""
    calendar = Calendar()
    calendar.add("prodid", prodid)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    return calendar


def local_time(moment: datetime) -> datetime:
    """``moment`` in the commune's time zone, written with its TZID."""
    return moment.astimezone(ZoneInfo(settings.TIME_ZONE))


def clean_text(value) -> str:
    """Text with line breaks as ``\\n`` and without control characters."""
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text)


def one_line(value) -> str:
    """Text on one line: every run of white space (line breaks too) is a space."""
    return " ".join(clean_text(value).split())


def calendar_text(calendar: Calendar) -> str:
    """The calendar as text, with a VTIMEZONE for each TZID its events use.

    The VTIMEZONE covers the years of the events (from 1 January of the first
    to 1 January after the last): icalendar generates it from zoneinfo.
    """
    events = calendar.events
    if events:
        calendar.add_missing_timezones(
            first_date=date(min(event.start for event in events).year, 1, 1),
            last_date=date(max(event.end for event in events).year + 1, 1, 1),
        )
    return calendar.to_ical().decode()
