"""The commune's theme as a stylesheet, ``/theme.css`` (R17).

The colours, font stack and extra CSS set under *Commune and appearance* used to
sit in an inline ``<style>`` of every public page; the Content-Security-Policy
(``style-src 'self'``) refuses inline styles, so they are served from here. The
pages link it with a version (a hash of the CSS), so browsers keep it for a
year and still see a change at once.
"""

import hashlib
from functools import lru_cache

from django.http import HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET

from core.models import Commune

from .templatetags.booking_public import readable_against, readable_on

YEAR = 60 * 60 * 24 * 365


@lru_cache(maxsize=16)
def _build(primary: str, accent: str, font_stack: str, extra_css: str) -> str:
    # Only values here; the rules that use them are in static/public/site.css.
    lines = [
        ":root {",
        f"    --primary: {primary};",
        f"    --on-primary: {readable_on(primary)};",
        f"    --primary-text: {readable_against(primary, '#ffffff')};",
        f"    --accent: {accent};",
        f"    --on-accent: {readable_on(accent)};",
        f"    --accent-text: {readable_against(accent, '#ffffff')};",
        f"    --font: {font_stack};",
        "}",
    ]
    if extra_css.strip():
        lines += ["", "/* The commune's extra CSS */", extra_css.strip()]
    return "\n".join(lines) + "\n"


def theme_css(commune: Commune) -> str:
    """The stylesheet of ``commune``'s theme."""
    return _build(
        commune.primary_colour,
        commune.accent_colour,
        commune.font_stack,
        commune.extra_css,
    )


def theme_version(commune: Commune) -> str:
    """A short hash of the stylesheet: it changes whenever the theme does."""
    digest = hashlib.sha256(theme_css(commune).encode())
    return digest.hexdigest()[:12]


def theme_url(commune: Commune) -> str:
    return f"{reverse('theme_css')}?v={theme_version(commune)}"


@require_GET
def theme_stylesheet(request):
    """Serve the theme; cached for a year when asked for the current version."""
    commune = Commune.objects.get_solo()
    response = HttpResponse(theme_css(commune), content_type="text/css; charset=utf-8")
    if request.GET.get("v") == theme_version(commune):
        response["Cache-Control"] = f"public, max-age={YEAR}, immutable"
    else:
        response["Cache-Control"] = "public, max-age=60"
    return response
