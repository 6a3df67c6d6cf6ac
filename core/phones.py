"""Phone numbers as people read them: Belgian ones as written in Belgium
("0470 12 34 56"), every other one with its country ("+44 7911 123456"), which
a Belgian agent can dial and no one mistakes for a Belgian number."""

import phonenumbers

BELGIUM = 32


def phone_display(value) -> str:
    """A stored number (E.164 text or a ``PhoneNumber``) as it should be read;
    anything that is no number comes back as it is."""
    if not value:
        return ""
    try:
        number = phonenumbers.parse(str(value))
    except phonenumbers.NumberParseException:
        return str(value)
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if number.country_code == BELGIUM
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, style)
