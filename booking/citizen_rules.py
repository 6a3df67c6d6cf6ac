"""The citizen's details a booking needs, and how they are checked: one set of
rules for the public wizard, the API and phone booking (issue 16, point 3).

Each check takes the value as typed (or parsed) and returns it cleaned, or
raises Django's ``ValidationError`` with the message the citizen reads, the
same whichever door the booking came through.
"""

from datetime import date

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from stdnum import exceptions as stdnum_errors
from stdnum.be import nn

NOT_MOBILE = _("Enter a mobile number: a landline cannot receive text messages.")
BAD_NATIONAL_NUMBER = _(
    "This is not a valid Belgian national register number: check the 11 digits."
)
BAD_BIRTH_DATE = _("Enter your real date of birth.")
BIRTH_DATE_MISMATCH = _("This date does not match your national register number.")


def mobile_phone(number: phonenumbers.PhoneNumber) -> phonenumbers.PhoneNumber:
    """Refuse a landline: the reminders go by text message. Where the metadata
    cannot tell (FIXED_LINE_OR_MOBILE, UNKNOWN), the number is kept."""
    if phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.FIXED_LINE:
        raise ValidationError(NOT_MOBILE, code="not_mobile")
    return number


def national_number(value: str) -> str:
    """A Belgian national register number, checksum verified, as 11 digits."""
    try:
        return nn.validate(value)
    except stdnum_errors.ValidationError:
        raise ValidationError(
            BAD_NATIONAL_NUMBER, code="invalid_national_number"
        ) from None


def birth_date(value: date) -> date:
    """A date of birth from 1900 to today."""
    if value > timezone.localdate() or value < date(1900, 1, 1):
        raise ValidationError(BAD_BIRTH_DATE, code="invalid_birth_date")
    return value


def birth_date_matches(number: str | None, birth: date | None) -> None:
    """Refuse a date of birth that the national register number contradicts
    (numbers with an unknown birth date encode none)."""
    if not number or not birth:
        return
    try:
        encoded = nn.get_birth_date(number)
    except stdnum_errors.ValidationError:
        return
    if encoded is not None and encoded != birth:
        raise ValidationError(BIRTH_DATE_MISMATCH, code="birth_date_mismatch")
