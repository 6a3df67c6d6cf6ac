"""Where the citizen's booking keeps its state: on the server, under a random
key the pages carry, so that it works in a cross-site frame (issue 20, point 6).

Framed by the commune's site on another domain, the module gets no cookie:
browsers withhold third-party cookies (and ``SameSite=Lax`` ones) from
cross-site frames, so neither Django's session nor its CSRF cookie reaches it.

What we chose, and why:

- **The state stays on the server**, in the session engine's store
  (``SESSION_ENGINE``, the database by default; never the signed-cookie
  engine, whose key *is* the data), as a record of its own found by a random
  *flow key* of 32 characters. Names, national numbers and e-mail addresses
  never travel in URLs or in signed blobs that end up in logs and browser
  histories; only the key does.
- **The key rides along**: a hidden field in every form (``{% flow_field %}``)
  and, only when no cookie can carry it, a ``flow=`` parameter in the links and
  redirects of the flow (``embed.carried_parameters``). Where cookies work (a
  visit to the module itself), a small ``HttpOnly``, ``SameSite=Lax`` cookie
  carries the key too and the URLs stay clean, as before.
- **The key changes on every POST**: a link copied from the address bar or a
  log goes stale at the citizen's next step, and a key planted by someone else
  (a link with ``?flow=``) is worthless once the citizen posts. The old key
  points to the new one for ``FLOW_GRACE_SECONDS``, only for the very same
  form posted again (a double click), never for a GET.
- **No CSRF cookie**: the public views are exempt from Django's cookie check;
  a POST must instead come from the module's own origin (``Origin``, else
  ``Referer``, else ``Sec-Fetch-Site``), and the flow key, unguessable and
  sent in the form, is the synchronizer token: a forged POST reaches no one's
  booking. The personal-link pages' token in the URL plays the same part.
- **Expiry**: a flow unused for ``BOOKING_FLOW_SECONDS`` is gone (the session
  engine's expiry, purged with the sessions); the citizen starts again.
- Messages shown after a redirect ("this time was just taken", "your
  appointment is cancelled") go in the flow too where no cookie carries them
  (``FlowMessageStorage``), on the personal-link pages as well.
- Where a browser still refuses (an ``Origin: null``, a CSRF failure), the
  page says so in the citizen's language and offers to open the booking in a
  new tab instead of an error page (``refused``).

Rate limits count per client address (``core/ratelimit.py``), not per cookie:
they hold without cookies.
"""

import contextlib
import hashlib
from importlib import import_module
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.base import UpdateError
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.csrf import csrf_failure as django_csrf_failure

FIELD = "flow"
COOKIE = "booking_flow"
# A key superseded by a POST answers further POSTs (a double click) this long.
FLOW_GRACE_SECONDS = 60
_MOVED = "_moved_to"
_POSTED = "_posted"
_NO_FLOW_YET = "none"
# The flow's own messages ("this time was just taken"), where no cookie can.
_NOTICES = "notices"
_FOLLOW_AT_MOST = 3
_STAFF_PREFIXES = ("/admin/", "/api/")


def _engine():
    engine = settings.SESSION_ENGINE
    if engine.endswith("signed_cookies"):
        # That engine's key is the data itself: never in a URL.
        engine = "django.contrib.sessions.backends.db"
    return import_module(engine)


def _fingerprint(request) -> str:
    """What a POST sent (a double click sends it twice, word for word)."""
    posted = sorted(
        (key, value)
        for key, values in request.POST.lists()
        if key != FIELD
        for value in values
    )
    return hashlib.sha256(repr(posted).encode()).hexdigest()


def _open(key: str):
    """The live record under ``key`` (a loaded SessionStore), or None."""
    if not key or len(key) > 64 or not key.isalnum():
        return None
    store = _engine().SessionStore(session_key=key)
    store.items()  # loads it; an unknown or expired key becomes None
    return store if store.session_key is not None else None


class Flow:
    """One citizen's booking state, a dict like the session's.

    ``data`` is read and changed freely; ``commit`` (called once per response
    by ``embed.public_page``) writes it. A POST gives the state a new key at
    once (the page's links and redirects carry it), but the new record is
    written, and the old key pointed to it, only by ``commit``: a request that
    fails on the way (the database lost mid-booking, a 503 "try again") leaves
    the old key working, so that trying again finds the booking.
    """

    def __init__(self, request):
        self.request = request
        store, self.cookie_confirmed = self._find(request)
        self._store = store
        self.data: dict = {
            key: value
            for key, value in (store.items() if store is not None else [])
            if not key.startswith("_")
        }
        self.modified = False
        self.key = store.session_key if store is not None else ""
        self._superseded = None  # the record a POST's new key replaces
        if store is not None and request.method == "POST":
            self._rotate()

    @staticmethod
    def _find(request):
        """The record the request names: the form's key (or the URL's on a
        GET), a key superseded a moment ago on a POST, else the cookie's."""
        given = request.POST.get(FIELD) if request.method == "POST" else None
        given = given or request.GET.get(FIELD, "")
        cookie = request.COOKIES.get(COOKIE, "")
        store = _open(given)
        if request.method == "POST":
            posted = _fingerprint(request)
            for _hop in range(_FOLLOW_AT_MOST):
                moved = store.get(_MOVED) if store is not None else None
                if not moved:
                    break
                # Only the same form again: nobody else can follow the key.
                store = _open(moved) if store.get(_POSTED) == posted else None
        elif store is not None and store.get(_MOVED):
            store = None  # a stale link: never followed on a GET
        if store is None or store.get(_MOVED):
            store = _open(cookie)
            if store is not None and store.get(_MOVED):
                store = None
        # Cookies work here: ours came back (a placeholder at first), or the
        # browser says this is a page of its own, not a frame
        # (``Sec-Fetch-Dest``): a first-party Lax cookie will come back, so
        # even the first redirect keeps the key out of the address.
        top_level = request.headers.get("Sec-Fetch-Dest") == "document"
        return store, bool(cookie) or top_level

    def _rotate(self) -> None:
        """Give the state a new key, written with it by ``commit``."""
        new = _engine().SessionStore()
        new._session_key = new._get_new_session_key()  # reserved, not saved
        self._superseded = self._store
        self._store, self.key = new, new.session_key

    def _retire_superseded(self) -> None:
        """The old key points to the new one for a minute (a double click)."""
        old, self._superseded = self._superseded, None
        if old is None:
            return
        old.clear()
        old[_MOVED] = self.key
        old[_POSTED] = _fingerprint(self.request)
        old.set_expiry(FLOW_GRACE_SECONDS)
        with contextlib.suppress(UpdateError):  # ended meanwhile (done page)
            old.save()

    # --- the dict the wizard uses --------------------------------------------

    def get(self, key, default=None):
        return self.data.get(key, default)

    def __getitem__(self, key):
        return self.data[key]

    def __setitem__(self, key, value) -> None:
        self.data[key] = value
        self.modified = True

    def __contains__(self, key) -> bool:
        return key in self.data

    # --- carrying the key ----------------------------------------------------

    @property
    def is_live(self) -> bool:
        """Whether the state exists (stored, or being written by this request)."""
        return self._store is not None or (self.modified and any(self.data.values()))

    @property
    def in_url(self) -> str:
        """The key for links and redirects, when no cookie carries it."""
        if not self.is_live or self.cookie_confirmed:
            return ""
        return self._ensure_key()

    def _ensure_key(self) -> str:
        if not self.key:
            self._store = _engine().SessionStore()
            self._store.create()
            self.key = self._store.session_key
        return self.key

    def commit(self, response) -> None:
        """Write the state (or drop it once empty) and the cookie."""
        if not any(self.data.values()):
            for store in (self._store, self._superseded):
                if store is not None and store.session_key is not None:
                    store.delete()
            self._store = self._superseded = None
            # Sent back with the first post where cookies work: then the key
            # stays out of the URLs from the start.
            self._set_cookie(response, _NO_FLOW_YET)
            return
        if self.modified or self._store is None or self._superseded is not None:
            self._ensure_key()
            store = self._store
            store.clear()
            store.update(self.data)
            store.set_expiry(settings.BOOKING_FLOW_SECONDS)
            # A POST's new key is reserved, not yet written: create it.
            store.save(must_create=self._superseded is not None)
            self._retire_superseded()
        self._set_cookie(response, self.key)

    def _set_cookie(self, response, value: str) -> None:
        if self.request.COOKIES.get(COOKIE) != value:
            response.set_cookie(
                COOKIE,
                value,
                max_age=settings.BOOKING_FLOW_SECONDS,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )


def flow_of(request) -> Flow:
    """The request's flow, found once."""
    flow = getattr(request, "booking_flow", None)
    if flow is None:
        flow = request.booking_flow = Flow(request)
    return flow


def commit(request, response) -> None:
    """Write the request's flow, if one was used."""
    flow = getattr(request, "booking_flow", None)
    if flow is not None:
        flow.commit(response)


def key_in_url(request) -> str:
    """The flow key the links and redirects of this page must carry, or ""."""
    flow = getattr(request, "booking_flow", None)
    return flow.in_url if flow is not None else ""


def key_in_form(request) -> str:
    """The flow key the forms of this page must post, or ""."""
    flow = getattr(request, "booking_flow", None)
    if flow is None or not flow.is_live:
        return ""
    return flow._ensure_key()


# --- messages without cookies ---------------------------------------------------


class FlowMessageStorage(FallbackStorage):
    """``MESSAGE_STORAGE``: Django's (a cookie, else the session), except on
    the public pages where our cookie does not come back (a cross-site frame):
    there, the message waits in the flow, whose key the redirect carries."""

    def _flow(self, *, create: bool) -> Flow | None:
        request = self.request
        if not hasattr(request, "embed"):  # not a public page (the admin)
            return None
        flow = getattr(request, "booking_flow", None)
        if flow is None and (create or request.method == "GET"):
            flow = flow_of(request)  # never here for a refused POST
        return flow

    def add(self, level, message, extra_tags="") -> None:
        flow = self._flow(create=True)
        if flow is None or flow.cookie_confirmed or int(level) < self.level:
            super().add(level, message, extra_tags)
            return
        if message:
            flow[_NOTICES] = [*flow.get(_NOTICES, []), [int(level), str(message)]]

    def _get(self, *args, **kwargs):
        messages, all_retrieved = super()._get(*args, **kwargs)
        flow = self._flow(create=False)
        if flow is not None and flow.get(_NOTICES):
            notices = [Message(level, text) for level, text in flow[_NOTICES]]
            flow[_NOTICES] = []
            messages = [*(messages or []), *notices]
        return messages, all_retrieved


# --- the check that replaces the CSRF cookie -----------------------------------


def _own_origins(request) -> set[str]:
    return {
        f"{request.scheme}://{request.get_host()}",
        *settings.CSRF_TRUSTED_ORIGINS,
    }


def from_own_origin(request) -> bool:
    """Whether an unsafe request was sent by the module's own pages.

    Browsers send ``Origin`` with every POST (``null`` where they hide it);
    ``Referer`` and ``Sec-Fetch-Site`` serve where it is missing. A client
    sending none of them is no browser, so no victim of a forged form.
    """
    origin = request.META.get("HTTP_ORIGIN")
    if origin is not None:
        return origin in _own_origins(request)
    referer = request.META.get("HTTP_REFERER")
    if referer:
        parts = urlsplit(referer)
        return f"{parts.scheme}://{parts.netloc}" in _own_origins(request)
    return request.META.get("HTTP_SEC_FETCH_SITE", "same-origin") in (
        "same-origin",
        "none",
    )


def refused(request, *, status: int = 403):
    """The page for a post the module cannot take here: nothing was changed;
    the booking can go on in a tab of its own, where cookies work."""
    from .embed import top_level_url  # embed imports this module

    response = render(
        request,
        "booking/refused.html",
        {
            "embed": getattr(request, "embed", False),
            "title": _("Please open the booking in a new tab"),
            "new_tab_url": top_level_url(request),
        },
        status=status,
    )
    response["X-Robots-Tag"] = "noindex"
    return response


def csrf_failure(request, reason: str = ""):
    """``CSRF_FAILURE_VIEW``: on the public pages, the "new tab" page in the
    citizen's language; on the staff pages, Django's."""
    if request.path.startswith(_STAFF_PREFIXES):
        return django_csrf_failure(request, reason=reason)
    from .embed import allow_framing, is_embedded

    request.embed = is_embedded(request)
    return allow_framing(refused(request))
