"""The citizen's details a booking needs, and how they are checked: one set of
rules for the public wizard, the API and phone booking (issue 16, point 3).

Each check takes the value as typed (or parsed) and returns it cleaned, or
raises Django's ``ValidationError`` with the message the citizen reads, the
same whichever door the booking came through.

Which details a booking asks is decided per visit reason, the service's
setting being the default (issue 20, point 3): :func:`details_asked` reads
it, :func:`check_details` applies it.
"""

from dataclasses import dataclass
from datetime import date

import phonenumbers
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from stdnum import exceptions as stdnum_errors
from stdnum.be import bis, nn

NOT_MOBILE = _("Enter a mobile number: a landline cannot receive text messages.")
BAD_NATIONAL_NUMBER = _(
    "Enter a valid national register number or BIS number: check the 11 digits."
)
BAD_BIRTH_DATE = _("Enter your real date of birth.")
BIRTH_DATE_MISMATCH = _("This date does not match your national register number.")


def mobile_phone(number: phonenumbers.PhoneNumber) -> phonenumbers.PhoneNumber:
    """Refuse a landline: the reminders go by text message. Where the metadata
    cannot tell (FIXED_LINE_OR_MOBILE, UNKNOWN), the number is kept."""
    if phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.FIXED_LINE:
        raise ValidationError(NOT_MOBILE, code="not_mobile")
    return number


def is_national_number(value: str) -> bool:
    """Whether ``value`` is a Belgian national register number or a BIS
    number (the register's number for people not, or not yet, in it): both
    have 11 digits, a birth date and a checksum; a BIS number's month is
    increased by 20 or 40."""
    return nn.is_valid(value) or bis.is_valid(value)


def national_number(value: str) -> str:
    """A Belgian national register number or BIS number, checksum verified,
    as 11 digits."""
    if not is_national_number(value):
        raise ValidationError(BAD_NATIONAL_NUMBER, code="invalid_national_number")
    return nn.compact(value)


def birth_date(value: date) -> date:
    """A date of birth from 1900 to today."""
    if value > timezone.localdate() or value < date(1900, 1, 1):
        raise ValidationError(BAD_BIRTH_DATE, code="invalid_birth_date")
    return value


def birth_date_matches(number: str | None, birth: date | None) -> None:
    """Refuse a date of birth that the national register or BIS number
    contradicts (numbers with an unknown birth date encode none; stdnum reads
    a BIS number's date as a national number's, its month less 20 or 40)."""
    if not number or not birth:
        return
    try:
        encoded = nn.get_birth_date(number)
    except stdnum_errors.ValidationError:
        return
    if encoded is not None and encoded != birth:
        raise ValidationError(BIRTH_DATE_MISMATCH, code="birth_date_mismatch")


# --- Which details a reason asks (issue 20, point 3) ----------------------------

# The citizen's details a reason may ask, beyond name, e-mail and mobile phone
# (which every booking needs: the confirmation and the reminders go there).
DETAILS = ("national_number", "birth_date", "address")


class Ask(models.TextChoices):
    """How a reason asks one detail. The empty value follows the service."""

    SERVICE = "", _("as the service says")
    REQUIRED = "required", _("required")
    OPTIONAL = "optional", _("optional")
    NOT_ASKED = "not_asked", _("not asked")


MISSING = {
    "national_number": _("Enter your national register number."),
    "birth_date": _("Enter your date of birth."),
    "address": _("Enter your address."),
}
MISSING_NATIONAL_NUMBER_OR_NONE = _(
    "Enter your national register number, or tick “I do not have a national "
    "register number yet”."
)


@dataclass(frozen=True)
class DetailsAsked:
    """The details one reason asks: ``Ask.REQUIRED``, ``OPTIONAL`` or
    ``NOT_ASKED`` for each of ``DETAILS``, and whether the citizen may say
    that he or she has no national register number yet."""

    national_number: str = Ask.NOT_ASKED
    birth_date: str = Ask.NOT_ASKED
    address: str = Ask.NOT_ASKED
    no_national_number_allowed: bool = False

    def asks(self, name: str) -> bool:
        return getattr(self, name) != Ask.NOT_ASKED

    def requires(self, name: str) -> bool:
        return getattr(self, name) == Ask.REQUIRED

    @property
    def asked(self) -> list[str]:
        return [name for name in DETAILS if self.asks(name)]

    @property
    def required(self) -> list[str]:
        return [name for name in DETAILS if self.requires(name)]

    @property
    def offers_no_national_number(self) -> bool:
        """Whether "I do not have one yet" is offered beside the number."""
        return self.asks("national_number") and self.no_national_number_allowed

    def missing_message(self, name: str):
        """What the citizen reads when a required ``name`` is empty."""
        if name == "national_number" and self.offers_no_national_number:
            return MISSING_NATIONAL_NUMBER_OR_NONE
        return MISSING[name]

    def as_json(self) -> dict:
        """For the phone page's script and the API's reasons."""
        return {
            **{name: str(getattr(self, name)) for name in DETAILS},
            "no_national_number_allowed": self.offers_no_national_number,
        }


def service_rule(service, name: str) -> str:
    """What ``service`` asks of ``name`` (required or not asked): the default
    of its reasons."""
    return Ask.REQUIRED if getattr(service, f"requires_{name}") else Ask.NOT_ASKED


def details_asked(service, reason=None) -> DetailsAsked:
    """The details a booking of ``reason`` (of ``service``) asks: the
    reason's own setting, else the service's. Without a reason (not chosen
    yet), the service's."""

    def rule(name: str) -> str:
        own = getattr(reason, f"{name}_rule", Ask.SERVICE) if reason else Ask.SERVICE
        return own or service_rule(service, name)

    return DetailsAsked(
        national_number=rule("national_number"),
        birth_date=rule("birth_date"),
        address=rule("address"),
        no_national_number_allowed=bool(
            reason is not None and reason.no_national_number_allowed
        ),
    )


def service_asks(service, reasons, name: str) -> bool:
    """Whether ``service`` or one of its ``reasons`` asks ``name`` (the
    privacy notice lists the services that may keep it)."""
    return service_rule(service, name) == Ask.REQUIRED or any(
        details_asked(service, reason).asks(name) for reason in reasons
    )


@dataclass(frozen=True)
class DetailsGiven:
    """What a booking keeps of the details typed: only those asked (GDPR)."""

    national_number: str = ""
    birth_date: date | None = None
    address: str = ""
    no_national_number: bool = False


def check_details(
    asked: DetailsAsked,
    *,
    national_number: str = "",
    birth_date: date | None = None,
    address: str = "",
    no_national_number: bool = False,
    present: frozenset[str] = frozenset(),
) -> DetailsGiven:
    """Keep the details ``asked``, drop the others, and refuse a missing one
    that is required, every field at once (``ValidationError`` keyed by
    field). Values already checked one by one (``national_number``,
    ``birth_date``) are expected here.

    "I do not have one yet" (``no_national_number``) counts only where the
    reason offers it; then the number is not kept, even if one was typed.
    ``present``: the details the citizen already holds (phone booking of a
    known citizen): not asked again.
    """
    no_national_number = no_national_number and asked.offers_no_national_number
    values = {
        "national_number": "" if no_national_number else (national_number or ""),
        "birth_date": birth_date,
        "address": (address or "").strip(),
    }
    errors = {}
    for name in DETAILS:
        if not asked.asks(name):
            values[name] = None if name == "birth_date" else ""
            continue
        if values[name] or name in present or not asked.requires(name):
            continue
        if name == "national_number" and no_national_number:
            continue
        errors[name] = ValidationError(asked.missing_message(name), code="required")
    if errors:
        raise ValidationError(errors)
    return DetailsGiven(**values, no_national_number=no_national_number)
