"""Single sign-on in a browser (issue 23): the login page offers the
commune's identity provider (a real OpenID Connect server in a thread,
tests/core/oidc_provider.py); an agent presses the button, passes the
provider and lands on the dashboard. The page stays accessible.

``E2E_SCREENSHOTS=<dir>`` also saves the pages (reviews).
"""

import os

import pytest
from django.core.cache import cache

from core.roles import AGENT
from tests.core.oidc_provider import IdentityProvider
from tests.e2e.test_accounts import screenshot
from tests.factories import AgentFactory

pytestmark = pytest.mark.e2e

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def provider(settings):
    server = IdentityProvider()
    thread = server.start()
    for name, value in server.settings().items():
        setattr(settings, name, value)
    settings.OIDC_TRUSTS_MFA = False
    cache.clear()
    yield server
    cache.clear()
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def test_an_agent_signs_in_with_the_communes_provider(
    new_page, transactional_db, provider, assert_accessible
):
    AgentFactory(
        user__username="m.dubois",
        user__first_name="Marie",
        user__last_name="Dubois",
        user__email="Marie.Dubois@commune.example",
        user__groups=[AGENT],
    )
    provider.person = {"sub": "42", "email": "marie.dubois@commune.example"}
    page = new_page(language="fr")
    page.goto("/admin/login/?next=/admin/")
    button = page.locator("a.sso-login")
    assert button.is_visible()
    assert_accessible(page)
    screenshot(page, "login-sso")

    button.click()
    page.wait_for_url("**/admin/")
    assert "Marie Dubois" in page.content() or "m.dubois" in page.content()
    assert provider.calls == ["/authorize", "/token", "/jwks", "/userinfo"]
