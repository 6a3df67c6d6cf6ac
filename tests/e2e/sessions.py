"""Staff pages in the browser without the login page: a session made by
Django's test client, handed to a fresh browser context as its cookie (the
login and two-factor pages have their own tests)."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client


def session_cookie(username: str, live_server) -> dict:
    """The session cookie of ``username`` for Playwright's ``add_cookies``."""
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    return {"name": cookie.key, "value": cookie.value, "url": live_server.url}


def staff_page(browser, live_server, username: str, *, theme: str = "light"):
    """A page of a fresh context (French, Brussels, 1366 × 900) signed in as
    ``username``, in unfold's light or dark theme (its "auto" follows the
    browser's colour scheme). Close it with ``page.context.close()``."""
    context = browser.new_context(
        base_url=live_server.url,
        locale="fr-BE",
        timezone_id="Europe/Brussels",
        color_scheme=theme,
        extra_http_headers={"Accept-Language": "fr"},
        viewport={"width": 1366, "height": 900},
    )
    context.set_default_timeout(15_000)
    context.add_cookies([session_cookie(username, live_server)])
    return context.new_page()
