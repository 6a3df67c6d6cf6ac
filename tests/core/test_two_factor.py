"""Two-factor sign-in (issue 23, point 3): required for administrators and
service managers, optional for agents unless the commune requires it for all,
recovery codes that work once, a lost device reset by an administrator.

These tests sign in with a plain ``Client`` (the suite's ``client`` fixture
passes the second factor for the other tests: tests/two_factor.py)."""

import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from core import two_factor
from core.models import Commune
from tests.two_factor import authenticator, current_code

PASSWORD = "secret-pass"  # tests.factories.UserFactory's
ADMIN = "/admin/"


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()


def password_login(user) -> tuple[Client, object]:
    browser = Client()
    response = browser.post(
        reverse("admin:login"),
        {"username": user.username, "password": PASSWORD, "next": ADMIN},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    return browser, response


def test_an_administrator_without_a_second_factor_cannot_reach_the_admin(
    administrator,
):
    browser = Client()
    browser.force_login(administrator)  # the password step, nothing more

    for path in (
        ADMIN,
        "/admin/agenda/",
        "/admin/booking/citizen/",
        "/admin/auth/user/",
    ):
        response = browser.get(path)
        assert response.status_code == 302, path
        assert response.url.startswith(reverse("admin:login")), path
    # The login page sends the session on to the second factor, here its set-up.
    login = browser.get(reverse("admin:login") + "?next=/admin/agenda/")
    assert login.url == reverse("admin:two_factor") + "?next=%2Fadmin%2Fagenda%2F"
    verify = browser.get(login.url)
    assert verify.url.startswith(reverse("admin:two_factor_setup"))
    # An admin action posted without the second factor does nothing either.
    posted = browser.post(
        reverse("admin:auth_user_changelist"),
        {"action": "delete_selected", "_selected_action": [administrator.pk]},
    )
    assert posted.status_code == 302 and "/login/" in posted.url
    administrator.refresh_from_db()


def test_the_password_leads_an_administrator_to_set_up_then_to_the_admin(
    administrator,
):
    browser, response = password_login(administrator)
    assert response.url == reverse("admin:two_factor") + "?next=%2Fadmin%2F"
    setup = browser.get(browser.get(response.url).url, HTTP_ACCEPT_LANGUAGE="en")
    assert setup.status_code == 200
    html = setup.content.decode()
    assert "<svg" in html  # the QR code, inline
    device = TOTPDevice.objects.get(user=administrator, confirmed=False)
    key = re.search(r"<code[^>]*>([A-Z2-7 ]+)</code>", html)[1]
    assert len(key.replace(" ", "")) >= 32

    wrong = browser.post(setup.request["PATH_INFO"], {"code": "000000"})
    assert wrong.status_code == 400
    done = browser.post(
        setup.request["PATH_INFO"] + "?next=/admin/",
        {"code": current_code(device), "next": "/admin/"},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert done.status_code == 200
    codes = done.context["codes"]
    assert len(codes) == two_factor.RECOVERY_CODES
    assert browser.get(ADMIN).status_code == 200
    device.refresh_from_db()
    assert device.confirmed


def test_the_authenticators_code_opens_the_admin(administrator, settings):
    # django-otp makes each failure wait longer (1 s, 2 s, 4 s…): not here.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    device = authenticator(administrator)
    browser, response = password_login(administrator)
    bad = browser.post(response.url, {"code": "123456"}, HTTP_ACCEPT_LANGUAGE="en")
    assert bad.status_code == 400
    assert "not right" in bad.content.decode()
    good = browser.post(response.url, {"code": current_code(device)})
    assert good.status_code == 302 and good.url == ADMIN
    assert browser.get(ADMIN).status_code == 200


def test_a_recovery_code_works_once(administrator, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = settings.OTP_STATIC_THROTTLE_FACTOR = 0
    authenticator(administrator)
    first, second, *_rest = two_factor.recovery_codes_renew(user=administrator)

    browser, response = password_login(administrator)
    used = browser.post(response.url, {"code": first})
    assert used.url == ADMIN
    assert browser.get(ADMIN).status_code == 200
    assert two_factor.recovery_codes_left(administrator) == 9

    again, response = password_login(administrator)
    refused = again.post(response.url, {"code": first})
    assert refused.status_code == 400
    assert again.get(ADMIN).status_code == 302
    other = again.post(response.url, {"code": second})
    assert other.url == ADMIN


def test_service_managers_need_it_agents_may_choose(manager, agent):
    _browser, response = password_login(manager.user)
    assert response.url.startswith(reverse("admin:two_factor"))

    browser, response = password_login(agent.user)
    assert response.url == ADMIN
    assert browser.get(ADMIN).status_code == 200


def test_an_agent_who_set_it_up_is_asked_for_it(agent):
    device = authenticator(agent.user)
    browser, response = password_login(agent.user)
    assert response.url.startswith(reverse("admin:two_factor"))
    browser.post(response.url, {"code": current_code(device)})
    assert browser.get(ADMIN).status_code == 200


def test_the_commune_may_require_it_for_every_agent(agent):
    commune = Commune.objects.get_solo()
    commune.two_factor_for_all = True
    commune.save()
    _browser, response = password_login(agent.user)
    assert response.url.startswith(reverse("admin:two_factor"))


def test_an_administrator_resets_a_lost_device(client, administrator, manager):
    authenticator(manager.user)
    two_factor.recovery_codes_renew(user=manager.user)
    client.force_login(administrator)

    client.post(
        reverse("admin:auth_user_changelist"),
        {"action": "reset_two_factor", "_selected_action": [manager.user.pk]},
    )

    assert not TOTPDevice.objects.filter(user=manager.user).exists()
    assert not StaticDevice.objects.filter(user=manager.user).exists()
    browser, response = password_login(manager.user)
    assert browser.get(response.url).url.startswith(reverse("admin:two_factor_setup"))


def test_only_administrators_reset_and_nobody_replaces_a_device_without_it(
    manager, agent
):
    with pytest.raises(two_factor.TwoFactorError):
        two_factor.two_factor_reset(user=agent.user, actor=manager.user)
    authenticator(manager.user)
    browser = Client()
    browser.force_login(manager.user)
    setup = browser.get(reverse("admin:two_factor_setup"))
    assert setup.url.startswith(reverse("admin:two_factor"))


def test_an_agent_turns_it_off_an_administrator_cannot(client, agent, administrator):
    authenticator(agent.user)
    client.force_login(agent.user)
    client.post(reverse("admin:two_factor_manage"), {"do": "off"})
    assert not TOTPDevice.objects.filter(user=agent.user).exists()

    authenticator(administrator)
    client.force_login(administrator)
    page = client.get(reverse("admin:two_factor_manage"), HTTP_ACCEPT_LANGUAGE="en")
    assert "cannot be turned off" in page.content.decode()
    client.post(reverse("admin:two_factor_manage"), {"do": "off"})
    assert TOTPDevice.objects.filter(user=administrator).exists()


def test_new_recovery_codes_replace_the_old_ones(client, administrator):
    authenticator(administrator)
    old = set(two_factor.recovery_codes_renew(user=administrator))
    client.force_login(administrator)
    page = client.post(reverse("admin:two_factor_manage"), {"do": "codes"})
    new = set(page.context["codes"])
    assert len(new) == 10 and not old & new
    assert two_factor.recovery_codes_left(administrator) == 10
