"""Log a browser in without the login page: a session made by Django's test
client, handed to the browser as its cookie."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client


def session_cookie(username: str, live_server) -> dict:
    """The session cookie of ``username`` for Playwright's ``add_cookies``."""
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    return {"name": cookie.key, "value": cookie.value, "url": live_server.url}
