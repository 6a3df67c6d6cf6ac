"""Rate limits per client IP, on the shared cache (Redis in production).

A fixed window counter: ``cache.add`` creates the key with its expiry, then
``cache.incr`` counts atomically, so several web workers share one count.

Ours, not a library's (issue 18): django-ratelimit, not a dependency, does
this same window on the same cache, but answers 403 through its own exception
and handler view where we answer 429 with Retry-After in the user's language;
pyrate-limiter is only in the development lock (a dependency of schemathesis)
and keeps its own buckets apart from Django's configured cache. The count is
these twenty lines, and the client address is the one axes uses.
"""

from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.utils.translation import gettext as _

# One definition for rate limits and login lockouts (the proxy rule is there).
from core.security import client_ip as client_ip


def hit(scope: str, key: str, *, limit: int, period: int) -> bool:
    """Count one hit; return False when ``limit`` is exceeded in the window."""
    if limit <= 0:
        return True
    cache_key = f"ratelimit:{scope}:{key}"
    cache.add(cache_key, 0, timeout=period)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, timeout=period)
        count = 1
    return count <= limit


def ratelimited(scope: str, *, methods=("GET", "POST")):
    """Limit a view per client IP with the RATE_LIMITS[scope] = (limit, seconds)."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            limit, period = settings.RATE_LIMITS.get(scope, (0, 60))
            if request.method in methods and not hit(
                scope, client_ip(request), limit=limit, period=period
            ):
                response = HttpResponse(
                    _("Too many requests. Please wait a minute and try again."),
                    status=429,
                    content_type="text/plain; charset=utf-8",
                )
                response["Retry-After"] = str(period)
                return response
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
