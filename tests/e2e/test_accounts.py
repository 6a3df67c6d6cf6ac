"""Staff links in a browser (issue 23): an invited agent chooses a password
from the e-mailed link, which then no longer works, and an e-mail scanner that
opens the link first does not spend it; "forgot password" from the login page.

``E2E_SCREENSHOTS=<dir>`` also saves the pages (reviews).
"""

import os
import re
from base64 import b32decode
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.cache import cache
from django_otp.oath import TOTP

from core import accounts
from core.roles import ADMINISTRATOR, AGENT
from tests.factories import AgentFactory, UserFactory

pytestmark = pytest.mark.e2e

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

LINK = re.compile(r"https?://\S+(/admin/password/set/[\w-]+/)")


def screenshot(page, name: str) -> None:
    if folder := os.environ.get("E2E_SCREENSHOTS"):
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=Path(folder) / f"{name}.png", full_page=True)


@pytest.fixture
def invited(transactional_db, settings):
    """An imported agent (no password yet) and the invitation sent to her."""
    cache.clear()
    agent = AgentFactory(
        user__username="m.dubois",
        user__first_name="Marie",
        user__last_name="Dubois",
        user__email="marie.dubois@commune.example",
        user__groups=[AGENT],
    )
    agent.user.set_unusable_password()
    agent.user.save()
    administrator = AgentFactory(user__is_superuser=True).user
    mail.outbox = []
    accounts.users_invite(users=[agent.user], actor=administrator)
    (message,) = mail.outbox
    return agent.user, LINK.search(message.body)[1]


def test_an_invited_agent_chooses_a_password_and_the_link_then_no_longer_works(
    new_page, invited, assert_accessible
):
    user, path = invited
    page = new_page(language="fr")

    # A mail scanner follows the link first (GET only): the link survives.
    scan = page.request.get(path)
    assert scan.status == 200

    page.goto(path)
    assert page.locator("#id_new_password1").is_visible()
    assert_accessible(page)
    screenshot(page, "password-set")
    page.fill("#id_new_password1", "Tulipe-Rouge-42")
    page.fill("#id_new_password2", "Tulipe-Rouge-42")
    page.click("button[type=submit]")
    page.wait_for_url("**/admin/login/")
    assert page.locator("#login-form").is_visible()
    screenshot(page, "password-set-done")
    user.refresh_from_db()
    assert user.check_password("Tulipe-Rouge-42")

    # The same link again: spent.
    again = page.goto(path)
    assert again.status == 410
    assert_accessible(page)
    screenshot(page, "password-link-spent")

    # The new password opens the admin.
    page.goto("/admin/login/?next=/admin/")
    page.fill("#id_username", "m.dubois")
    page.fill("#id_password", "Tulipe-Rouge-42")
    page.click("button[type=submit]")
    page.wait_for_url("**/admin/")


def test_forgot_password_from_the_login_page(new_page, invited, assert_accessible):
    user, _path = invited
    mail.outbox = []
    page = new_page(language="fr")
    page.goto("/admin/login/")
    page.click("a.password-reset-link")
    page.wait_for_url("**/admin/password/forgot/")
    assert_accessible(page)
    screenshot(page, "password-forgot")
    page.fill("#id_email", "marie.dubois@commune.example")
    page.click("button[type=submit]")
    page.wait_for_selector("[role=status]")
    assert_accessible(page)
    screenshot(page, "password-forgot-sent")
    (message,) = mail.outbox
    assert message.to == [user.email]


def test_an_administrator_sets_up_two_factor_sign_in(
    new_page, transactional_db, assert_accessible
):
    """The first sign-in of an administrator: the password, then the set-up
    (the QR code, or its key typed into the app), the recovery codes, the
    admin; the next sign-in asks for the app's code."""
    cache.clear()
    chef = UserFactory(username="chef", is_superuser=True)
    chef.groups.add(Group.objects.get(name=ADMINISTRATOR))
    page = new_page(language="fr")
    page.goto("/admin/login/?next=/admin/")
    page.fill("#id_username", "chef")
    page.fill("#id_password", "secret-pass")
    page.click("button[type=submit]")
    page.wait_for_url("**/admin/two-factor/setup/**")
    assert page.locator("svg").first.is_visible()  # the QR code
    assert_accessible(page)
    screenshot(page, "two-factor-setup")

    # The app's side: the key shown under the QR code gives the codes.
    key = page.locator("code").inner_text().replace(" ", "")
    secret = b32decode(key + "=" * (-len(key) % 8))
    page.fill("#id_code", f"{TOTP(secret).token():06d}")
    page.click("button[type=submit]")
    page.wait_for_selector("[role=status]")
    assert page.locator("ul[aria-label] li").count() == 10
    assert_accessible(page)
    screenshot(page, "two-factor-recovery-codes")
    page.click("a[href='/admin/']")
    page.wait_for_url("**/admin/")

    # The next sign-in asks for the app's code.
    other = new_page(language="fr")
    other.goto("/admin/login/?next=/admin/")
    other.fill("#id_username", "chef")
    other.fill("#id_password", "secret-pass")
    other.click("button[type=submit]")
    other.wait_for_url("**/admin/two-factor/?next=**")
    assert_accessible(other)
    screenshot(other, "two-factor-verify")
