"""What a request brings, read safely: dates, date-times and row ids.

One rule, one place (STYLE 10): every view that reads a date, a date-time or an
id from a query string, a posted field or a URL goes through these helpers.
They answer ``None`` when the value is absent and raise ``InvalidInput`` (a 400
in the user's language, see ``core.views.bad_request``) or ``Http404`` when it
is there but cannot be read. Python's own parsers raise ``ValueError`` for
"2026-13-45T99:99" and ``OverflowError`` a few operations after "9999-12-31"
(the next day) or "0001-01-01" (in UTC): a server error, unless the value is
refused here.

Dates are kept between ``FIRST_DAY`` and ``LAST_DAY``: wide enough for any
appointment, period or birth date, far enough from Python's limits that adding
days or changing time zones never overflows.
"""

import re
from datetime import date, datetime, time

from django.core.exceptions import BadRequest, ValidationError
from django.db.models import Model
from django.http import Http404
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2199, 12, 31)

# Database ids are 64-bit: a larger number would overflow the query.
MAX_ID = 2**63 - 1
# Longer values are not dates, whatever they hold.
_MAX_LENGTH = 40
# C0 control characters but tab, line feed and carriage return; and DEL.
_CONTROL = re.compile(r"[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]")


class InvalidInput(BadRequest):
    """A value of the request that cannot be read; ``message`` is for the user."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def _range_message() -> str:
    return _("Give a date between the years %(first)s and %(last)s.") % {
        "first": FIRST_DAY.year,
        "last": LAST_DAY.year,
    }


def validate_day(value: date | datetime) -> None:
    """Form and model field validator: the date lies between FIRST_DAY and LAST_DAY."""
    day = value.date() if isinstance(value, datetime) else value
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValidationError(_range_message(), code="date_range")


def parse_day(value: str | None) -> date | None:
    """An ISO date (``2026-12-01``) of the request; None when absent.

    Raises InvalidInput for a malformed or impossible date (30 February) and
    for one outside FIRST_DAY..LAST_DAY.
    """
    if not value:
        return None
    text = value.strip()
    try:
        if len(text) > _MAX_LENGTH:
            raise ValueError(text)
        day = date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(_("Enter a valid date.")) from None
    try:
        validate_day(day)
    except ValidationError:
        raise InvalidInput(_range_message()) from None
    return day


def parse_datetime_value(value: str | None) -> datetime | None:
    """An ISO date-time as written, naive or with its offset; None when absent.

    A lone date reads as its midnight. A ``+`` of the offset that a query
    string turned into a space is put back. Raises InvalidInput like
    ``parse_day``.
    """
    if not value:
        return None
    text = value.strip()
    if len(text) > 10:
        # "2026-12-01T09:00:00 01:00": the "+" of an unencoded query string.
        text = text[:11] + text[11:].replace(" ", "+")
    try:
        if len(text) > _MAX_LENGTH:
            raise ValueError(text)
        moment = parse_datetime(text)
        if moment is None:
            moment = datetime.combine(date.fromisoformat(text), time.min)
        # A valid offset is under a day, but Python accepts it only at use.
        moment.utcoffset()
    except ValueError:
        raise InvalidInput(_("Enter a valid date/time.")) from None
    try:
        validate_day(moment)
    except ValidationError:
        raise InvalidInput(_range_message()) from None
    return moment


def parse_moment(value: str | None, *, tz=None) -> datetime | None:
    """An ISO date-time of the request as an aware datetime; None when absent.

    A value without offset is wall-clock time in ``tz`` (the commune's time
    zone by default). Raises InvalidInput like ``parse_day``.
    """
    moment = parse_datetime_value(value)
    if moment is None or timezone.is_aware(moment):
        return moment
    return timezone.make_aware(moment, tz or timezone.get_default_timezone())


def text_error(value: str) -> str | None:
    """Why ``value`` cannot be stored as text, or None.

    NUL makes PostgreSQL fail (a server error) and SQLite cut the text; other
    control characters (but tab and line breaks) are invisible and break
    exports; lone surrogates cannot be encoded. The API (``booking.api.schemas``)
    and the spreadsheet imports (``core.imports``) refuse them by this rule.
    """
    if "\x00" in value:
        return str(_("Null characters are not allowed."))
    if _CONTROL.search(value):
        return str(_("Control characters are not allowed."))
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return str(_("Enter a valid text."))
    return None


def parse_ids(text: str | None) -> list[int]:
    """Row ids from a comma-separated list ("3,17"); what is not one is left
    out, as are numbers beyond a database id (they would overflow the query)."""
    parts = (part.strip() for part in (text or "").split(","))
    return [int(part) for part in parts if parse_id(part) is not None]


def parse_id(text: str | None) -> int | None:
    """A row id ("17"); None for anything else ("abc", "²", "-1", 2**64)."""
    text = (text or "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 19:
        return None
    value = int(text)
    return value if 0 < value <= MAX_ID else None


def parse_pk(model: type[Model], value) -> object:
    """A primary key of ``model`` read from a URL; Http404 when it cannot be one
    ("abc" for a numeric id), as for a row that does not exist."""
    try:
        return model._meta.pk.to_python(value)
    except ValidationError:
        raise Http404 from None


def safe_next_url(request, fallback: str) -> str:
    """The ``next`` address posted or asked for, when it stays on this site
    (else ``fallback``): a redirect never leads elsewhere."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback
