"""HTTP security shared by the whole site (issue 8): the Content-Security-Policy
of each kind of page, the client's address behind the reverse proxy, and the
page shown when django-axes locks a login out.

Public pages get ``settings.CONTENT_SECURITY_POLICY`` (django-csp): scripts and
styles only from the site itself, no inline code, nobody may frame them except
where ``booking.public.embed`` says so. The admin gets the same policy loosened for
what django-unfold needs (inline scripts, Alpine.js, which evaluates its
expressions, inline styles); it still loads nothing from elsewhere and may
never be framed.
"""

from csp.constants import HEADER, NONE, SELF, UNSAFE_EVAL, UNSAFE_INLINE
from csp.middleware import CSPMiddleware, PolicyParts
from csp.utils import default_config
from django.conf import settings
from django.contrib import admin
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

# What the admin adds to the public policy: unfold's templates carry inline
# scripts and style attributes, and Alpine.js compiles its attributes with
# ``new Function`` (hence 'unsafe-eval'); plotly charts and uploaded logos may
# be blob:/data: images.
ADMIN_DIRECTIVES = {
    "script-src": [SELF, UNSAFE_INLINE, UNSAFE_EVAL],
    "style-src": [SELF, UNSAFE_INLINE],
    "img-src": [SELF, "data:", "blob:"],
    "font-src": [SELF, "data:"],
    "frame-ancestors": [NONE],
}


def parse_policy(header: str) -> dict[str, list[str]]:
    """``"a x y; b z"`` -> ``{"a": ["x", "y"], "b": ["z"]}``."""
    directives = {}
    for part in header.split(";"):
        name, *sources = part.split()
        if name:
            directives[name.lower()] = sources
    return directives


def admin_policy() -> dict:
    """The public policy with the admin's additions (see ADMIN_DIRECTIVES)."""
    public = settings.CONTENT_SECURITY_POLICY.get("DIRECTIVES", {})
    return default_config({**public, **ADMIN_DIRECTIVES})


def is_admin_path(request) -> bool:
    return request.path_info.startswith(reverse("admin:index"))


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, choosing the admin's or the public policy.

    A view may set directives of its own in the header (``booking.public.embed``
    writes ``frame-ancestors`` for the commune's site): they replace the same
    directives of the policy instead of replacing the whole policy, so the
    embed logic keeps working without knowing about the rest.
    """

    def process_response(self, request, response):
        own = response.get(HEADER, "")
        if own and not getattr(response, "_csp_exempt", False):
            del response[HEADER]
            replace = parse_policy(own)
            replace.update(getattr(response, "_csp_replace", None) or {})
            response._csp_replace = replace
        response = super().process_response(request, response)
        if own and HEADER not in response:
            # django-csp leaves debug error pages alone: keep what the view said.
            response[HEADER] = own
        return response

    def get_policy_parts(self, request, response, report_only=False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if not report_only and parts.config is None and is_admin_path(request):
            parts.config = admin_policy()
        return parts


def client_ip(request) -> str:
    """The client's address, for rate limits and login lockouts.

    Behind the reverse proxy (``BEHIND_PROXY``), the *last* X-Forwarded-For
    entry: the proxy appends the address it saw, while anything before it was
    sent by the client and could be made up to dodge a limit.
    """
    if settings.BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        entries = [entry.strip() for entry in forwarded.split(",") if entry.strip()]
        if entries:
            return entries[-1]
    return request.META.get("REMOTE_ADDR", "")


def lockout_response(request, original_response=None, credentials=None):
    """What django-axes answers once a login is locked out: the login page's
    look, a plain explanation and when to try again (HTTP 429)."""
    cooloff = settings.AXES_COOLOFF_TIME
    minutes = max(1, round(cooloff.total_seconds() / 60)) if cooloff else 0
    context = {
        **admin.site.each_context(request),
        "title": _("Too many failed logins"),
        "minutes": minutes,
        "login_url": reverse("admin:login"),
    }
    return render(request, "admin/locked_out.html", context, status=429)
