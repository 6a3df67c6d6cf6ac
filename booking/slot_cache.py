"""The shared cache of slot searches, and how it stays right (issue 17).

When a commune opens bookings for a popular service, hundreds of citizens ask
for the same first free slots within seconds. ``booking.slots`` keeps what a
search computed for whole local days in the shared cache (Redis in
production) and gives it to the next citizen asking the same question, for
``SLOT_CACHE_SECONDS`` at most (0, the default without Redis, turns the cache
off: a per-process cache would not see the other processes' bookings).

A search's slots depend on two things, each with a *version* in the cache:

- the agents' appointments: one version per agent, changed by the booking
  services once a booking, confirmation, refusal, cancellation, move or
  reassignment is committed (both agents of a reassignment or move);
- everything else, "the calendars": services, visit reasons (their buffers
  hold time after every appointment), agents, logins, memberships, typical
  weeks and their ranges, exceptions and closures. Any save or delete of such
  a row changes the one calendars version once committed, whatever screen,
  import or service wrote it (model signals, connected in
  ``BookingConfig.ready``).

A cached result keeps the versions it was computed from, read *before* its
rows were read (the calendars version even before the memberships that say
which agents' versions to read); it is used only while every one of them
still holds. So a change committed after the rows were read always
invalidates the result, and one committed before is in it. A version is a
random token, never a counter: a version lost from the cache (evicted,
flushed) comes back as a new token, never as one a stored result could match.

The re-check under lock in ``booking.services`` stays the guarantee: a result
that is stale for any reason (a version change lost with Redis down) offers
at worst a time that is "just taken" (409), never a double booking, and only
until the entry expires.
"""

import logging
import uuid
from collections.abc import Iterable
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from staffing.models import (
    Agent,
    AvailabilityException,
    Closure,
    Membership,
    Service,
    TypicalWeek,
    TypicalWeekRange,
)

from .models import VisitReason

logger = logging.getLogger(__name__)

CALENDARS = "slots:calendars"  # the key of the calendars' version


def enabled() -> bool:
    """Whether searches go through the shared cache (SLOT_CACHE_SECONDS > 0)."""
    return settings.SLOT_CACHE_SECONDS > 0


def _agent(agent_id: int) -> str:
    return f"slots:agent:{agent_id}"


def _bump(keys: list[str]) -> None:
    try:
        cache.set_many({key: uuid.uuid4().hex for key in keys}, timeout=None)
    except Exception:
        # The booking is committed whatever happens here: say so loudly, and
        # let the entries expire (the re-check under lock keeps bookings right).
        logger.exception("slot cache: versions %s not changed", keys)


def appointments_changed(agent_ids: Iterable[int | None]) -> None:
    """The appointments of these agents change: new versions once committed."""
    keys = sorted({_agent(agent_id) for agent_id in agent_ids if agent_id})
    if keys and enabled():
        transaction.on_commit(partial(_bump, keys))


def stale(agent_ids: Iterable[int]) -> None:
    """A kept search offered a time these agents' re-check under lock found
    gone: a change reached the rows without changing a version (written
    around the services and the signals, or its version change lost). New
    versions at once, so that the first refused booking ends it."""
    keys = sorted({_agent(agent_id) for agent_id in agent_ids})
    if keys and enabled():
        logger.warning("slot cache: a kept search offered a time gone (%s)", keys)
        _bump(keys)


def calendars_changed(**_signal) -> None:
    """A calendar row changes: a new calendars version once committed."""
    if enabled():
        transaction.on_commit(partial(_bump, [CALENDARS]))


def _user_changed(*, update_fields=None, **signal) -> None:
    # A login saves the user's last_login, which changes nobody's calendar.
    if update_fields is None or set(update_fields) != {"last_login"}:
        calendars_changed(**signal)


def connect() -> None:
    """Listen to every row a search's calendars are made of (see above)."""
    models = [
        Service,
        VisitReason,
        Agent,
        Membership,
        TypicalWeek,
        TypicalWeekRange,
        AvailabilityException,
        Closure,
    ]
    for model in models:
        post_save.connect(calendars_changed, sender=model, weak=False)
        post_delete.connect(calendars_changed, sender=model, weak=False)
    post_save.connect(_user_changed, sender=get_user_model(), weak=False)
    post_delete.connect(calendars_changed, sender=get_user_model(), weak=False)


def calendars_version() -> str | None:
    """The current calendars version: read it before the memberships that say
    which agents a search holds, then give it to :func:`versions`."""
    found = versions(())
    return None if found is None else found[CALENDARS]


def versions(
    agent_ids: Iterable[int], *, calendars: str | None = None
) -> dict[str, str] | None:
    """The current versions of the calendars and of these agents' appointments.

    Read them *before* reading the rows a result is computed from. A version
    not in the cache yet (a fresh or emptied cache) is created, as a new token.
    ``calendars``: the calendars version read earlier still (before the
    memberships); the result holds that one. None when the cache does not
    answer, or when the calendars changed since ``calendars`` was read: that
    result is not kept.
    """
    found = _current([CALENDARS, *(_agent(agent_id) for agent_id in agent_ids)])
    if found is None:
        return None
    if calendars is not None and found[CALENDARS] != calendars:
        return None  # a calendar changed while the memberships were read
    return found


def _current(keys: list[str]) -> dict[str, str] | None:
    """The versions under ``keys``, those missing created; None when the
    cache does not answer."""
    try:
        found = cache.get_many(keys)
        if len(found) < len(keys):
            for key in keys:
                if key not in found:
                    # add, not set: another process may be creating it too.
                    cache.add(key, uuid.uuid4().hex, timeout=None)
            found = cache.get_many(keys)
    except Exception:
        logger.exception("slot cache: versions not read")
        return None
    return found if len(found) == len(keys) else None


# --- The times held for citizens (issue 25, point 1) ----------------------------
#
# A search's slots are kept without the held times, which come and go by the
# minute (a hold expires without any write): each search takes them off
# afterwards. So that a search answered from the cache reads no row either, the
# held times themselves are kept too, all of them in one entry (a few hundred
# at most, on an opening day), with a version of their own that every placed,
# released or converted hold changes once committed. Expired ones are skipped
# by the reader, so nothing needs to change when a hold runs out.

HOLDS = "slots:holds"  # the version of the held times
_HELD = "slots:held"  # the held times, kept with that version


def holds_changed() -> None:
    """A hold is placed, released or converted: a new version once committed."""
    if enabled():
        transaction.on_commit(partial(_bump, [HOLDS]))


def kept_holds() -> list | None:
    """The held times kept, while their version holds; None on a miss."""
    return get_many([_HELD]).get(_HELD)


def holds_version() -> dict[str, str] | None:
    """The held times' version: read it before reading them, then give it to
    :func:`keep_holds`."""
    return _current([HOLDS])


def keep_holds(rows: list, kept: dict[str, str] | None) -> None:
    put_many({_HELD: rows}, kept)


def get_many(keys: list[str]) -> dict:
    """The values kept under ``keys`` whose versions all still hold, by key
    (two round trips to the cache, however many keys)."""
    try:
        entries = cache.get_many(keys)
        wanted: dict[str, str] = {}
        for kept, _value in entries.values():
            wanted.update(kept)
        current = cache.get_many(list(wanted)) if wanted else {}
    except Exception:
        logger.exception("slot cache: %s not read", keys[:1])
        return {}
    return {
        key: value
        for key, (kept, value) in entries.items()
        if all(current.get(name) == version for name, version in kept.items())
    }


def put_many(values: dict, kept: dict[str, str] | None) -> None:
    """Keep ``values`` (by key) with the versions they were computed from."""
    if kept is None:
        return
    try:
        cache.set_many(
            {key: (kept, value) for key, value in values.items()},
            timeout=settings.SLOT_CACHE_SECONDS,
        )
    except Exception:
        logger.exception("slot cache: %s not written", list(values)[:1])
