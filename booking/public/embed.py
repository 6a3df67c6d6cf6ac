"""The public pages may be framed by the commune's own site (R1, R17).

``?embed=1`` on any public URL, or the ``/embed/`` prefix, hides the header and
footer. Every public response says who may frame it with the CSP
``frame-ancestors`` directive (the module itself and ``EMBED_ALLOWED_ORIGINS``);
the admin keeps ``X-Frame-Options: DENY``.

Framed by another site, the pages get no cookie: the booking's state is kept
on the server under a key the pages carry (``booking/public/flow.py`` says
why), and a POST is checked against the module's own origin instead of
Django's CSRF cookie (``public_page``).
"""

from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from core.typography import french_spacing_response

from . import flow

EMBED_NAMESPACE = "embed"


def is_embedded(request) -> bool:
    """Whether the page is shown inside the commune's iframe."""
    match = getattr(request, "resolver_match", None)
    if match is not None and match.namespace == EMBED_NAMESPACE:
        return True
    return request.GET.get("embed") == "1"


def embed_query(request) -> str:
    """``?embed=1`` when the flow must keep the query form of the embed mode.

    Under the ``/embed/`` prefix the URLs themselves carry the mode.
    """
    match = getattr(request, "resolver_match", None)
    if match is not None and match.namespace == EMBED_NAMESPACE:
        return ""
    return "?embed=1" if request.GET.get("embed") == "1" else ""


def carried_parameters(request) -> list[tuple[str, str]]:
    """What every public URL of this page carries on: the embed mode kept by
    query and the language chosen in the URL (issue 19, point 4: a cookie is
    lost in a cross-site frame, the URL is not)."""
    carried = []
    if embed_query(request):
        carried.append(("embed", "1"))
    language = getattr(request, "lang_in_url", "")
    if language:
        carried.append(("lang", language))
    key = flow.key_in_url(request)
    if key:  # no cookie carries the booking's key here (issue 20, point 6)
        carried.append((flow.FIELD, key))
    return carried


def top_level_url(request) -> str:
    """This page outside the frame (no ``/embed/``, no ``embed=1``), in the
    citizen's language: where cookies work, for a new tab."""
    path = request.path
    prefix = reverse("embed:home")
    if path.startswith(prefix):
        path = "/" + path[len(prefix) :]
    language = getattr(request, "lang_in_url", "")
    return f"{path}?{urlencode({'lang': language})}" if language else path


def public_reverse(request, name: str, *args, query: str = "", **kwargs) -> str:
    """Reverse a public URL staying in the citizen's embed mode and language.

    ``query`` (``after=…``, without ``?``) is appended after the carried
    parameters (``embed=1``, ``lang=xx``).
    """
    match = getattr(request, "resolver_match", None)
    current_app = match.namespace if match is not None else None
    url = reverse(name, args=args, kwargs=kwargs or None, current_app=current_app)
    parts = [urlencode(carried_parameters(request)), query]
    joined = "&".join(part for part in parts if part)
    return f"{url}?{joined}" if joined else url


def frame_ancestors() -> str:
    """The CSP directive listing who may frame the public pages."""
    return " ".join(["frame-ancestors", "'self'", *settings.EMBED_ALLOWED_ORIGINS])


def allow_framing(response):
    """Let the commune's site frame ``response`` (and nobody else)."""
    directive = frame_ancestors()
    policy = response.get("Content-Security-Policy", "")
    if "frame-ancestors" not in policy:
        response["Content-Security-Policy"] = (
            f"{policy.rstrip('; ')}; {directive}" if policy else directive
        )
    if settings.EMBED_ALLOWED_ORIGINS:
        # frame-ancestors decides; X-Frame-Options cannot list origins.
        response.xframe_options_exempt = True
    else:
        response.setdefault("X-Frame-Options", "SAMEORIGIN")
    return response


UNSAFE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


def public_page(view):
    """Mark a view as a public page: embed mode known, framing allowed, French
    typography on French pages (``core.typography``).

    No CSRF cookie (a cross-site frame would not send it): a POST must come
    from the module's own origin, else nothing is done and the citizen is
    offered a new tab (``flow.from_own_origin``, ``flow.refused``). The
    booking's state is written once the view has answered (``flow.commit``).
    """

    @csrf_exempt
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        request.embed = is_embedded(request)
        if request.method in UNSAFE_METHODS and not flow.from_own_origin(request):
            return allow_framing(french_spacing_response(flow.refused(request)))
        response = french_spacing_response(view(request, *args, **kwargs))
        flow.commit(request, response)
        return allow_framing(response)

    return wrapper
