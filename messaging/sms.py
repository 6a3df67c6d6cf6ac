"""SMS backends, chosen by the SMS_BACKEND setting like Django's e-mail backends,
and the arithmetic of SMS lengths (MISSION R30, R31).

A backend sends one text to one number (E.164) and returns the provider's
message id, or raises ``SmsError`` with the provider's explanation so that the
outbox can retry and show it.

Backends: ``ConsoleBackend`` (development), ``LocmemBackend`` (tests),
``FileBackend``, ``HttpJsonBackend`` (a generic JSON provider) and
``TwilioBackend`` (Twilio's Programmable Messaging REST API).

``sms_segments`` counts characters and segments exactly as the phone network
does (3GPP TS 23.038 and 23.040); ``static/messaging/sms-counter.js`` does the
same computation live in the template editor.
"""

import base64
import json
import re
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib import request as urlrequest
from urllib.error import HTTPError, URLError
from urllib.parse import quote, urlencode

import phonenumbers
from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

# --- Lengths and segments -----------------------------------------------------

# Ours, not a library's (issue 18): none of our dependencies counts SMS parts
# (phonenumbers knows numbers, not messages), and the template editor's
# static/messaging/sms-counter.js must count exactly as this does, rule for
# rule; a new package would hide the rules that file has to mirror.
#
# GSM 03.38 default alphabet (one septet each) and its extension table (an
# escape septet plus one: two each). Anything else forces UCS-2.
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

GSM7, UCS2 = "GSM-7", "UCS-2"
# (single-message capacity, capacity per part of a concatenated message): the
# user data header of a concatenated SMS takes 7 septets or 3 UCS-2 units.
_CAPACITY = {GSM7: (160, 153), UCS2: (70, 67)}


# Typography with a GSM-7 equivalent that reads the same (issue 19, point 5):
# one such character in an SMS, typed by the commune or a translator, would send
# the whole message in UCS-2, 70 characters a segment instead of 160.
_GSM7_PUNCTUATION = str.maketrans(
    {
        "\u00a0": " ",  # no-break space (French typography before ":")
        "\u202f": " ",  # narrow no-break space
        "\u2009": " ",  # thin space
        "\u2007": " ",  # figure space
        "\u2018": "'",
        "\u2019": "'",  # typographic apostrophe
        "\u201a": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",  # en dash
        "\u2014": "-",  # em dash
        "\u2212": "-",
        "\u2026": "...",
        "\u2022": "-",
    }
)
_GUILLEMETS = re.compile(r"«\s*|\s*»")


def gsm7_friendly(text: str) -> str:
    """``text`` with its typography in GSM-7: plain spaces, apostrophes,
    quotes, hyphens and dots. Letters are kept (a name with "ç" or "ł" needs
    them), except the circumflex of the French "août" ("aout", spelling
    reformed in 1990), the only one a date brings."""
    text = _GUILLEMETS.sub('"', text).translate(_GSM7_PUNCTUATION)
    return text.replace("août", "aout").replace("Août", "Aout")


def _units(text: str) -> tuple[str, list[int]]:
    """The encoding of ``text`` and the size of each character in its units."""
    if all(char in GSM7_BASIC or char in GSM7_EXTENSION for char in text):
        return GSM7, [2 if char in GSM7_EXTENSION else 1 for char in text]
    # UCS-2 counts UTF-16 code units: a character outside the BMP (an emoji)
    # takes a surrogate pair.
    return UCS2, [2 if ord(char) > 0xFFFF else 1 for char in text]


def sms_segments(text: str) -> tuple[str, int, int]:
    """``(encoding, characters, segments)`` of ``text`` sent as one SMS.

    ``characters`` counts the units the network counts: an extension character
    of GSM-7 (``€ [ ] { } ^ ~ | \\``) counts two, so does an emoji in UCS-2.
    A concatenated message never splits an escape sequence or a surrogate pair
    across two parts, so parts are filled character by character.
    """
    encoding, sizes = _units(text)
    total = sum(sizes)
    single, per_part = _CAPACITY[encoding]
    if total <= single:
        return encoding, total, 1 if total else 0
    segments, used = 1, 0
    for size in sizes:
        if used + size > per_part:
            segments, used = segments + 1, 0
        used += size
    return encoding, total, segments


# --- Phone numbers ------------------------------------------------------------

# Parsing, validation and formatting are phonenumbers' (the library behind
# django-phonenumber-field, issue 18): these helpers only choose the region
# and turn its errors into SmsError.


def normalise_phone(value, region: str | None = None) -> str:
    """``value`` as E.164 (``+32470123456``); raise ``SmsError`` if it is none.

    Accepts a ``PhoneNumber`` (from django-phonenumber-field) or any text a
    person may type ("0470 12 34 56", "+33 6 12 34 56 78"); national numbers
    are read in PHONENUMBER_DEFAULT_REGION (Belgium).
    """
    text = str(getattr(value, "as_e164", value) or "").strip()
    region = region or getattr(settings, "PHONENUMBER_DEFAULT_REGION", "BE")
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as error:
        raise SmsError(f"not a phone number: {text!r}") from error
    if not phonenumbers.is_valid_number(number):
        raise SmsError(f"not a valid phone number: {text!r}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_country(value) -> str:
    """The ISO 3166 code of a number's country ("BE", "FR"), or "" if none."""
    try:
        number = phonenumbers.parse(normalise_phone(value))
    except SmsError:
        return ""
    return phonenumbers.region_code_for_number(number) or ""


def is_mobile(value) -> bool:
    """Whether ``value`` is a number that can receive SMS (a mobile number)."""
    try:
        number = phonenumbers.parse(normalise_phone(value))
    except SmsError:
        return False
    return phonenumbers.number_type(number) in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    )


# --- Backends -----------------------------------------------------------------


class SmsError(Exception):
    """The provider did not accept the message; ``str(error)`` says why."""


@dataclass(frozen=True)
class Sms:
    to: str  # E.164, e.g. +32470123456
    body: str
    sender: str = ""
    # The same for every attempt at one outbox row: a provider that honours
    # idempotency keys accepts the message once however often it is retried
    # (messaging/services.py, "Idempotent").
    reference: str = ""


class BaseBackend:
    def send(self, sms: Sms) -> str:
        """Send one SMS; return the provider's id for it."""
        raise NotImplementedError


class ConsoleBackend(BaseBackend):
    """Prints messages: the development default."""

    def send(self, sms: Sms) -> str:
        print(f"SMS to {sms.to} from {sms.sender}:\n{sms.body}\n")
        return f"console-{timezone.now().timestamp()}"


class LocmemBackend(BaseBackend):
    """Keeps messages in ``LocmemBackend.outbox``, for tests."""

    outbox: list[Sms] = []
    _lock = threading.Lock()

    def send(self, sms: Sms) -> str:
        with self._lock:
            self.outbox.append(sms)
            return f"locmem-{len(self.outbox)}"


class FileBackend(BaseBackend):
    """Writes each message as a JSON file under SMS_FILE_PATH."""

    def send(self, sms: Sms) -> str:
        folder = Path(settings.SMS_FILE_PATH)
        folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(tz=timezone.get_current_timezone()).strftime(
            "%Y%m%d-%H%M%S-%f"
        )
        path = folder / f"{stamp}.json"
        path.write_text(json.dumps(sms.__dict__, ensure_ascii=False))
        return path.name


class HttpJsonBackend(BaseBackend):
    """A provider reached with a JSON POST and a bearer token.

    Configured with SMS_HTTP_URL and SMS_HTTP_TOKEN; a non-2xx answer or a
    network failure raises ``SmsError`` so the message is retried. The
    message's ``reference`` goes in an ``Idempotency-Key`` header, so that a
    retry of a message the provider already accepted is not sent twice.
    """

    timeout = 10

    def send(self, sms: Sms) -> str:
        payload = json.dumps({"to": sms.to, "from": sms.sender, "text": sms.body})
        headers = {
            "Content-Type": "application/json",
            "Authorization": f"Bearer {settings.SMS_HTTP_TOKEN}",
        }
        if sms.reference:
            headers["Idempotency-Key"] = sms.reference
        http_request = urlrequest.Request(  # noqa: S310 - URL comes from settings
            settings.SMS_HTTP_URL,
            data=payload.encode(),
            method="POST",
            headers=headers,
        )
        try:
            with urlrequest.urlopen(http_request, timeout=self.timeout) as response:  # noqa: S310
                answer = json.loads(response.read() or b"{}")
        except HTTPError as error:
            raise SmsError(f"HTTP {error.code}: {error.read()[:300]!r}") from error
        except (URLError, TimeoutError, ValueError) as error:
            raise SmsError(str(error)) from error
        return str(answer.get("id", ""))


class TwilioBackend(BaseBackend):
    """Twilio's Messages resource (REST API 2010-04-01).

    ``POST {TWILIO_API_URL}/2010-04-01/Accounts/{AccountSid}/Messages.json``,
    form-encoded ``To``, ``From`` (or ``MessagingServiceSid``) and ``Body``,
    with HTTP basic authentication (account SID, auth token). Twilio answers
    201 with the message's ``sid``; an error answer carries ``code`` and
    ``message``, which become the ``SmsError`` the outbox shows.
    """

    timeout = 10

    def send(self, sms: Sms) -> str:
        account, token = settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN
        if not account or not token:
            raise SmsError("TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN are not set")
        fields = {"To": sms.to, "Body": sms.body}
        if settings.TWILIO_MESSAGING_SERVICE_SID:
            fields["MessagingServiceSid"] = settings.TWILIO_MESSAGING_SERVICE_SID
        else:
            fields["From"] = settings.TWILIO_FROM or sms.sender
        url = (
            settings.TWILIO_API_URL.rstrip("/")
            + f"/2010-04-01/Accounts/{quote(account, safe='')}/Messages.json"
        )
        credentials = base64.b64encode(f"{account}:{token}".encode()).decode()
        http_request = urlrequest.Request(  # noqa: S310 - URL comes from settings
            url,
            data=urlencode(fields).encode(),
            method="POST",
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
                "Authorization": f"Basic {credentials}",
            },
        )
        try:
            with urlrequest.urlopen(http_request, timeout=self.timeout) as response:  # noqa: S310
                answer = json.loads(response.read() or b"{}")
        except HTTPError as error:
            raise SmsError(self._explain(error)) from error
        except (URLError, TimeoutError, ValueError) as error:
            raise SmsError(str(error)) from error
        if answer.get("error_code"):
            raise SmsError(
                f"Twilio error {answer['error_code']}: {answer.get('error_message')}"
            )
        return str(answer.get("sid", ""))

    @staticmethod
    def _explain(error: HTTPError) -> str:
        """Twilio's own words for a refusal: ``HTTP 400 (21211): The 'To'…``."""
        raw = error.read()[:1000]
        try:
            detail = json.loads(raw)
        except ValueError:
            return f"HTTP {error.code}: {raw[:300]!r}"
        if not isinstance(detail, dict):
            return f"HTTP {error.code}: {raw[:300]!r}"
        return f"HTTP {error.code} ({detail.get('code')}): {detail.get('message')}"


def get_backend() -> BaseBackend:
    """The backend named by the SMS_BACKEND setting."""
    return import_string(settings.SMS_BACKEND)()
