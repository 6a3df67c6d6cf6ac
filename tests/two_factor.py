"""Signing in past the second factor in tests (issue 23, point 3).

Administrators and managers need a second factor before the admin opens; the
suite's ``client`` fixture (tests/conftest.py) is a ``VerifiedClient``, whose
``force_login`` also marks the session as having passed it, as a real sign-in
with an authenticator would. Tests of the second factor itself use a plain
``django.test.Client``.

Browser tests sign in through the pages: ``sign_in`` types the password, then
the current code of an authenticator it gives the login (``authenticator``).
"""

import re

from django.contrib.auth import get_user_model
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from core import two_factor


def verify_session(client: Client, user) -> None:
    """Mark ``client``'s session as signed in with a second factor."""
    device, _created = StaticDevice.objects.get_or_create(
        user=user, name="tests", defaults={"confirmed": True}
    )
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


class VerifiedClient(Client):
    """A test client whose ``force_login`` passes the second factor too.

    It says, as browsers do, that it shows each page in a tab of its own
    (``Sec-Fetch-Dest: document``), not in a frame: the public pages then keep
    the booking's key in a cookie from the first request
    (booking/public/flow.py; tests/booking/public/test_flow.py plays frames).
    """

    def __init__(self, *args, headers=None, **kwargs):
        super().__init__(
            *args, headers={"Sec-Fetch-Dest": "document", **(headers or {})}, **kwargs
        )

    def force_login(self, user, backend=None):
        super().force_login(user, backend)
        verify_session(self, user)


def authenticator(user) -> TOTPDevice:
    """The login's confirmed authenticator, made with a known key if missing."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(
        user=user, name=two_factor.TOTP_NAME, confirmed=True
    )


def current_code(device: TOTPDevice) -> str:
    """The six digits the authenticator app would show now."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def sign_in(page, username: str, password: str, next_url: str = "/admin/") -> None:
    """Sign in to the admin in a browser page, second factor included."""
    user = get_user_model().objects.get(username=username)
    device = None
    if two_factor.two_factor_required(user) or two_factor.has_authenticator(user):
        device = authenticator(user)
    page.goto(f"/admin/login/?next={next_url}")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    if device is not None:
        page.wait_for_url(re.compile(r".*/admin/two-factor/.*"))
        page.fill("#id_code", current_code(device))
        page.click("button[type=submit]")
    page.wait_for_url(re.compile(".*" + re.escape(next_url) + "$"))
