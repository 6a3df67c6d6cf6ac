"""Book once per request, however often it arrives (issue 14, point 2).

A booking request may reach the server twice: a client retrying after a
timeout, a button clicked twice. The JSON API takes an ``Idempotency-Key``
header (IETF draft "The Idempotency-Key HTTP Header Field"); the public
wizard makes one key per confirm page it shows. Either way the request claims
its key *inside the booking's transaction*, before booking:

- a new key is inserted (uncommitted); the booking follows and ``complete``
  records the appointment and the answer; a refused booking rolls the claim
  back with it, so a key is only ever kept for a booking that was made;
- a concurrent request with the same key blocks on the unique index
  (PostgreSQL) or on the write lock (SQLite's IMMEDIATE transactions) until
  the first commits, then finds the first one's row and replays its answer;
- the same key with other content is refused (``KeyReused``).

Keys live in the database (``IdempotencyKey``), which every web worker shares,
rather than in the cache, which may be one per process (the default locmem).
They are kept ``IDEMPOTENCY_KEY_TTL_HOURS`` (24 by default, as common
practice for retries), then deleted by the next claim; only a keyed hash of
the content is stored, and the appointment's id, never the personal link,
which is signed afresh when an answer is replayed.
"""

import json
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from .models import IdempotencyKey

API = "api"
WIZARD = "wizard"


class KeyReused(Exception):
    """The key was already used for a request with other content."""


def fingerprint(content) -> str:
    """A keyed hash of ``content`` (JSON-serialisable): two requests with the
    same content share it; the stored value reveals nothing of the content."""
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
    return salted_hmac("booking.idempotency", canonical).hexdigest()


def claim(*, scope: str, key: str, content_hash: str) -> IdempotencyKey | None:
    """Claim ``key`` for this request, inside the caller's transaction.

    Returns None when the key is new: it is now held (until the transaction
    ends) and the caller books, then calls ``complete``. Returns the earlier
    request's row when the key was used before with the same content (replay
    its answer). Raises ``KeyReused`` when it was used with other content.
    """
    cutoff = timezone.now() - timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS)
    IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    try:
        with transaction.atomic():  # a savepoint: the caller's transaction lives on
            IdempotencyKey.objects.create(
                scope=scope, key=key, fingerprint=content_hash
            )
    except IntegrityError:
        earlier = IdempotencyKey.objects.select_related("appointment").get(
            scope=scope, key=key
        )
        if earlier.fingerprint != content_hash:
            raise KeyReused from None
        return earlier
    return None


def complete(*, scope: str, key: str, appointment, answer: dict) -> None:
    """Record what the claimed ``key`` booked and answered (same transaction)."""
    IdempotencyKey.objects.filter(scope=scope, key=key).update(
        appointment=appointment, answer=answer
    )
