"""What the browser shows of the staff pages besides the page: the favicon.

``UNFOLD["SITE_FAVICONS"]`` names :func:`favicon_url` by dotted path, so that
the settings import nothing; unfold calls it with the request.
"""

from django.templatetags.static import static


def favicon_url(request) -> str:
    """The admin's icon: the product's calendar mark in the primary blue."""
    return static("staff/favicon.svg")
