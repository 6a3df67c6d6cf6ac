"""A clear "please try again" when the database cannot be reached (issue 8, 5c).

``DatabaseUnavailableMiddleware`` turns a lost or refused database connection
(``OperationalError``, ``InterfaceError``) raised by a view into a 503 with a
``Retry-After``, in the visitor's language: a small page for people, a JSON
``{"detail": …}`` under ``/api/``. The page is rendered without touching the
database (no commune branding, no session, no user), since that is what failed.

Nothing is left half-written: every write is one transaction (the booking
services, and the public confirm step and the API wrap the citizen and the
appointment together), which the database rolls back when the connection is
lost. Other database errors (integrity, programming) are bugs, not outages:
they stay 500s.
"""

import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30


UNAVAILABLE_MESSAGE = gettext_lazy(
    "The service is briefly unavailable and your request could not be "
    "completed. Please try again in a moment."
)


def unavailable_response(request) -> HttpResponse:
    """The 503 answer for ``request``: JSON for the API, a page for people."""
    message = str(UNAVAILABLE_MESSAGE)
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message}, status=503)
    else:
        retry_url = request.get_full_path()
        if not url_has_allowed_host_and_scheme(retry_url, allowed_hosts=set()):
            retry_url = "/"  # "//other.site/…": never link elsewhere
        response = HttpResponse(
            render_to_string(
                "public/unavailable.html",
                {"message": message, "retry_url": retry_url},
            ),
            status=503,
        )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    add_never_cache_headers(response)
    return response


class DatabaseUnavailableMiddleware:
    """Answer 503 instead of a 500 when a view loses the database."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.error(
            "database unavailable during %s %s: %s",
            request.method,
            request.path,
            exception,
        )
        return unavailable_response(request)
