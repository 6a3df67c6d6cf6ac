"""Single sign-on with the commune's identity provider (issue 23): the whole
flow through the test client and a real OpenID Connect server in a thread
(tests/core/oidc_provider.py), with mozilla-django-oidc as it runs."""

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import User
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from core.roles import AGENT
from tests.core.oidc_provider import IdentityProvider
from tests.factories import AgentFactory, UserFactory
from tests.two_factor import authenticator


@pytest.fixture
def provider():
    server = IdentityProvider()
    thread = server.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def sso(settings, provider):
    """The site signs its staff in through ``provider``."""
    for name, value in provider.settings().items():
        setattr(settings, name, value)
    settings.OIDC_TRUSTS_MFA = False
    settings.OIDC_CREATE_STAFF = False
    cache.clear()
    yield provider
    cache.clear()


@pytest.fixture
def browser():
    """A plain client: the second factor is passed, or not, by the pages."""
    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def marie(db):
    agent = AgentFactory(
        user__username="m.dubois",
        user__email="Marie.Dubois@Commune.example",
        user__groups=[AGENT],
    )
    return agent.user


def sign_in(browser, provider, claims: dict, next_url: str = "/admin/"):
    """Press "Sign in with …", pass the provider, come back with its code."""
    provider.person = claims
    start = browser.get(reverse("admin:sso_start"), {"next": next_url})
    assert start.status_code == 302
    assert start["Location"].startswith(f"{provider.url}/authorize?")
    sent = parse_qs(urlsplit(start["Location"]).query)
    assert sent["code_challenge_method"] == ["S256"] and sent["nonce"]
    answer = requests.get(start["Location"], allow_redirects=False, timeout=5)
    assert answer.status_code == 302
    back = urlsplit(answer.headers["Location"])
    assert (back.scheme, back.netloc, back.path) == (
        "http",
        "testserver",
        reverse("admin:sso_callback"),
    )
    return browser.get(f"{back.path}?{back.query}")


def shown_messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def signed_in_id(browser):
    return browser.session.get(SESSION_KEY)


def test_the_login_page_offers_the_provider_only_when_it_is_configured(
    browser, db, settings, provider
):
    page = browser.get(reverse("admin:login"))
    assert "Sign in with" not in page.content.decode()
    assert browser.get(reverse("admin:sso_start")).status_code == 404
    assert browser.get(reverse("admin:sso_callback")).status_code == 404

    for name, value in provider.settings().items():
        setattr(settings, name, value)
    page = browser.get(reverse("admin:login"), {"next": "/admin/booking/"})
    html = page.content.decode()
    assert "Sign in with Commune ID" in html
    assert 'href="/admin/sso/start/?next=%2Fadmin%2Fbooking%2F"' in html


def test_a_known_agent_signs_in_with_the_address_in_any_case(browser, sso, marie):
    answer = sign_in(
        browser, sso, {"sub": "1", "email": "marie.dubois@commune.example"}
    )

    assert answer.status_code == 302 and answer["Location"] == "/admin/"
    assert signed_in_id(browser) == str(marie.pk)
    assert browser.get("/admin/").status_code == 200
    # The token was checked with the provider's published key, then userinfo.
    assert sso.calls == ["/authorize", "/token", "/jwks", "/userinfo"]


def test_a_provider_that_signs_with_the_client_secret_hs256(browser, settings, marie):
    provider = IdentityProvider(algorithm="HS256")
    thread = provider.start()
    try:
        for name, value in provider.settings().items():
            setattr(settings, name, value)
        settings.OIDC_OP_JWKS_ENDPOINT = None
        answer = sign_in(browser, provider, {"sub": "1", "email": marie.email})
    finally:
        provider.shutdown()
        provider.server_close()
        thread.join(timeout=5)
    assert answer["Location"] == "/admin/"
    assert signed_in_id(browser) == str(marie.pk)
    assert provider.calls == ["/authorize", "/token", "/userinfo"]


def test_an_unknown_address_is_refused_and_no_login_is_made(browser, sso, marie):
    answer = sign_in(browser, sso, {"sub": "2", "email": "someone@elsewhere.example"})

    assert answer.status_code == 302 and answer["Location"] == reverse("admin:login")
    assert signed_in_id(browser) is None
    assert shown_messages(answer) == [
        "No staff login has the address someone@elsewhere.example. Ask an "
        "administrator to put this address on your login."
    ]
    assert not User.objects.filter(email__iexact="someone@elsewhere.example").exists()
    page = browser.get(answer["Location"])  # the login page says why, once
    assert "No staff login has the address" in page.content.decode()
    page = browser.get(answer["Location"])
    assert "No staff login has the address" not in page.content.decode()


def test_a_disabled_login_is_refused(browser, sso, marie):
    marie.is_active = False
    marie.save()

    answer = sign_in(browser, sso, {"sub": "1", "email": marie.email})

    assert answer["Location"] == reverse("admin:login")
    assert signed_in_id(browser) is None
    assert shown_messages(answer) == [
        "The login with the address Marie.Dubois@Commune.example is disabled."
    ]


def test_a_login_that_is_not_staff_and_an_unconfirmed_address_are_refused(
    browser, sso, db
):
    UserFactory(username="citizen", email="citizen@example.be", is_staff=False)
    answer = sign_in(browser, sso, {"sub": "3", "email": "citizen@example.be"})
    assert signed_in_id(browser) is None
    assert shown_messages(answer) == [
        "The login with the address citizen@example.be is not a staff login."
    ]

    answer = sign_in(
        browser,
        sso,
        {"sub": "4", "email": "x@commune.example", "email_verified": False},
    )
    assert signed_in_id(browser) is None
    assert "no confirmed e-mail address" in shown_messages(answer)[-1]


def test_refusals_lock_no_one_out_of_single_sign_on(browser, sso, settings, marie):
    """django-axes counts wrong passwords per username and address; a refused
    single sign-on names no username, and staff often share one address: five
    strangers refused must not lock everyone else's single sign-on."""
    settings.AXES_FAILURE_LIMIT = 2
    for number in range(3):
        sign_in(browser, sso, {"sub": str(number), "email": f"x{number}@else.example"})
    assert not AccessAttempt.objects.exists()

    answer = sign_in(browser, sso, {"sub": "1", "email": marie.email})
    assert answer["Location"] == "/admin/"
    assert signed_in_id(browser) == str(marie.pk)


def test_two_logins_with_the_address_are_refused(browser, sso, marie):
    UserFactory(username="m.dubois2", email="marie.dubois@commune.example")
    answer = sign_in(browser, sso, {"sub": "1", "email": marie.email})
    assert signed_in_id(browser) is None
    assert "Several logins have the address" in shown_messages(answer)[0]


def test_an_administrator_still_types_the_code_unless_the_provider_is_trusted(
    browser, sso, settings, administrator
):
    administrator.email = "admin@commune.example"
    administrator.save()
    authenticator(administrator)

    answer = sign_in(browser, sso, {"sub": "9", "email": "admin@commune.example"})

    assert answer.status_code == 302
    assert answer["Location"] == reverse("admin:two_factor") + "?next=%2Fadmin%2F"
    assert signed_in_id(browser) == str(administrator.pk)
    refused = browser.get("/admin/")
    assert refused.status_code == 302 and refused["Location"].startswith(
        reverse("admin:login")
    )

    settings.OIDC_TRUSTS_MFA = True
    browser.logout()
    answer = sign_in(browser, sso, {"sub": "9", "email": "admin@commune.example"})
    assert answer["Location"] == "/admin/"
    assert browser.get("/admin/").status_code == 200

    # The commune stops trusting it: the same session must pass the code again.
    settings.OIDC_TRUSTS_MFA = False
    assert browser.get("/admin/").status_code == 302


def test_a_trusted_provider_vouches_only_for_the_login_it_signed_in(
    browser, sso, settings, administrator
):
    """A password login in a session that an earlier single sign-on left
    trusted does not inherit its second factor."""
    settings.OIDC_TRUSTS_MFA = True
    UserFactory(username="helper", email="helper@commune.example", groups=[AGENT])
    sign_in(browser, sso, {"sub": "5", "email": "helper@commune.example"})
    assert browser.get("/admin/").status_code == 200

    browser.post(
        reverse("admin:login"),
        {"username": "administrator", "password": "secret-pass"},
    )
    assert signed_in_id(browser) == str(administrator.pk)
    assert browser.get("/admin/").status_code == 302


def test_an_unknown_address_gets_an_agents_login_only_when_the_commune_says_so(
    browser, sso, settings, db
):
    settings.OIDC_CREATE_STAFF = True
    claims = {
        "sub": "7",
        "email": "Jean.Peeters@commune.example",
        "given_name": "Jean",
        "family_name": "Peeters",
    }
    answer = sign_in(browser, sso, claims)

    user = User.objects.get(email="Jean.Peeters@commune.example")
    assert answer["Location"] == "/admin/"
    assert (user.username, user.get_full_name(), user.is_staff) == (
        "jean.peeters@commune.example",
        "Jean Peeters",
        True,
    )
    assert not user.is_superuser and not user.has_usable_password()
    assert list(user.groups.values_list("name", flat=True)) == [AGENT]


def test_a_code_used_twice_or_a_forged_state_signs_nobody_in(browser, sso, marie):
    sso.person = {"sub": "1", "email": marie.email}
    start = browser.get(reverse("admin:sso_start"))
    answer = requests.get(start["Location"], allow_redirects=False, timeout=5)
    back = urlsplit(answer.headers["Location"])
    forged = browser.get(f"{back.path}?code=made-up&state=made-up")
    assert forged["Location"] == reverse("admin:login")
    assert signed_in_id(browser) is None
    assert "did not work" in shown_messages(forged)[0]

    browser.get(f"{back.path}?{back.query}")
    assert signed_in_id(browser) == str(marie.pk)
    browser.logout()
    again = browser.get(f"{back.path}?{back.query}")
    assert again["Location"] == reverse("admin:login")
    assert signed_in_id(browser) is None


def test_a_provider_that_does_not_answer_is_a_clear_refusal(
    browser, sso, settings, marie
):
    sso.person = {"sub": "1", "email": marie.email}
    start = browser.get(reverse("admin:sso_start"))
    answer = requests.get(start["Location"], allow_redirects=False, timeout=5)
    settings.OIDC_OP_TOKEN_ENDPOINT = "http://127.0.0.1:9/token"  # nothing listens
    back = urlsplit(answer.headers["Location"])
    refused = browser.get(f"{back.path}?{back.query}")
    assert refused["Location"] == reverse("admin:login")
    assert shown_messages(refused) == [
        "Signing in with Commune ID did not work. Try again, or sign in with "
        "your password."
    ]
