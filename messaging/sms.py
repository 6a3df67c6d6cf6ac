"""SMS backends, chosen by the SMS_BACKEND setting like Django's e-mail backends.

A backend sends one text to one number (E.164) and returns the provider's
message id, or raises ``SmsError`` with the provider's explanation so that the
outbox can retry and show it.
"""

import json
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib import request as urlrequest
from urllib.error import HTTPError, URLError

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string


class SmsError(Exception):
    """The provider did not accept the message; ``str(error)`` says why."""


@dataclass(frozen=True)
class Sms:
    to: str  # E.164, e.g. +32470123456
    body: str
    sender: str = ""


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
    network failure raises ``SmsError`` so the message is retried.
    """

    timeout = 10

    def send(self, sms: Sms) -> str:
        payload = json.dumps({"to": sms.to, "from": sms.sender, "text": sms.body})
        http_request = urlrequest.Request(  # noqa: S310 - URL comes from settings
            settings.SMS_HTTP_URL,
            data=payload.encode(),
            method="POST",
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {settings.SMS_HTTP_TOKEN}",
            },
        )
        try:
            with urlrequest.urlopen(http_request, timeout=self.timeout) as response:  # noqa: S310
                answer = json.loads(response.read() or b"{}")
        except HTTPError as error:
            raise SmsError(f"HTTP {error.code}: {error.read()[:300]!r}") from error
        except (URLError, TimeoutError, ValueError) as error:
            raise SmsError(str(error)) from error
        return str(answer.get("id", ""))


def get_backend() -> BaseBackend:
    """The backend named by the SMS_BACKEND setting."""
    return import_string(settings.SMS_BACKEND)()
