"""Optional single sign-on with the commune's identity provider (issue 23).

OpenID Connect (authorization code flow, with PKCE and a nonce) through
mozilla-django-oidc, for communes that have a provider (Azure AD / Entra ID,
Keycloak, Google Workspace…). Off unless the ``OIDC_*`` environment variables
name the client and the provider's endpoints (``sso_enabled``); the admin
login page then shows "Sign in with <provider>".

Who gets in: the provider vouches for an e-mail address; it opens the existing
staff login holding that address (case-insensitive), if it is active. Nobody
else: an unknown address, a disabled login, a login that is not staff, or an
address two logins share, is refused with a message saying so. Only when
``OIDC_CREATE_STAFF`` is on does an unknown address get a new login, an agent
with an agent's rights (the Agent group) and no service yet.

The second factor: by default the roles that need one (``core.two_factor``)
still type their code after the provider; with ``OIDC_TRUSTS_MFA`` on, the
commune says its provider asks for a second factor itself, and a sign-in
through it counts as one (``two_factor.second_factor_by_idp``).
"""

import logging
from urllib.parse import urlencode

import requests
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group
from django.core.exceptions import SuspiciousOperation
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)

from . import two_factor
from .ratelimit import ratelimited
from .roles import AGENT

logger = logging.getLogger(__name__)

# What a sign-in through the provider must name; without them it is off.
_REQUIRED = (
    "OIDC_RP_CLIENT_ID",
    "OIDC_OP_AUTHORIZATION_ENDPOINT",
    "OIDC_OP_TOKEN_ENDPOINT",
    "OIDC_OP_USER_ENDPOINT",
)


def sso_enabled() -> bool:
    """Whether the commune signs its staff in through its identity provider."""
    return all(getattr(settings, name, "") for name in _REQUIRED)


def provider_name() -> str:
    """The provider's name, for the login page's button."""
    return settings.OIDC_PROVIDER_NAME or _("the commune's account")


def login_button(request) -> dict | None:
    """The login page's "Sign in with <provider>" button, or None when off."""
    if not sso_enabled():
        return None
    url = reverse("admin:sso_start")
    next_url = request.GET.get("next")
    if next_url:
        url += "?" + urlencode({"next": next_url})
    label = _("Sign in with %(provider)s") % {"provider": provider_name()}
    return {"url": url, "label": label}


def not_a_password_guess(request, credentials) -> bool:
    """django-axes' AXES_WHITELIST_CALLABLE: a single sign-on refused is not
    a password guessed. Counted, it would lock every single sign-on from the
    client address (a town hall's staff share one) after LOGIN_FAILURE_LIMIT
    refusals, for all; the provider guards its own sign-in, and the "login"
    rate limit still counts these requests."""
    return (
        request is not None
        and "username" not in (credentials or {})
        and request.path == reverse("admin:sso_callback")
    )


class SignInRefused(Exception):
    """The provider vouched for someone who may not sign in; ``message`` says why."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


class StaffOIDCBackend(OIDCAuthenticationBackend):
    """The provider's e-mail address opens the staff login holding it.

    Listed in AUTHENTICATION_BACKENDS always; does nothing while single
    sign-on is off (the library's settings are then not even read).
    """

    def __init__(self, *args, **kwargs):
        if sso_enabled():
            super().__init__(*args, **kwargs)
        else:
            self.UserModel = get_user_model()

    # The library's ignores is_active; Django's refuses a disabled login.
    get_user = ModelBackend.get_user

    def authenticate(self, request, **kwargs):
        if not sso_enabled() or request is None:
            return None
        return super().authenticate(request, **kwargs)

    def verify_token(self, token, **kwargs):
        """The library's checks (signature, nonce), and the audience: an ID
        token is for this client."""
        payload = super().verify_token(token, **kwargs)
        audience = payload.get("aud")
        if audience is not None:
            audiences = [audience] if isinstance(audience, str) else audience
            if self.OIDC_RP_CLIENT_ID not in audiences:
                raise SuspiciousOperation("ID token for another client")
        return payload

    def filter_users_by_claims(self, claims):
        email = (claims.get("email") or "").strip()
        if not email:
            return self.UserModel.objects.none()
        return self.UserModel.objects.filter(email__iexact=email)

    def get_or_create_user(self, access_token, id_token, payload):
        """The staff login the provider's address names, or None with the
        reason left on the request (``request.sso_refusal``)."""
        claims = self.get_userinfo(access_token, id_token, payload)
        try:
            return staff_for_claims(claims, users=self.filter_users_by_claims(claims))
        except SignInRefused as refusal:
            logger.warning(
                "single sign-on refused for %s: %s",
                claims.get("email") or "?",
                refusal,
            )
            self.request.sso_refusal = refusal.message
            return None


def staff_for_claims(claims: dict, *, users):
    """The login that may sign in with these claims; raises SignInRefused."""
    email = (claims.get("email") or "").strip()
    if not email or claims.get("email_verified") is False:
        raise SignInRefused(
            _(
                "Your identity provider gave no confirmed e-mail address: "
                "sign in with your password, or ask an administrator."
            )
        )
    found = list(users[:2])
    if len(found) > 1:
        raise SignInRefused(
            _(
                "Several logins have the address %(email)s: an administrator "
                "must keep it on one of them before you can sign in this way."
            )
            % {"email": email}
        )
    if not found:
        if settings.OIDC_CREATE_STAFF:
            return sso_staff_create(claims=claims)
        raise SignInRefused(
            _(
                "No staff login has the address %(email)s. Ask an "
                "administrator to put this address on your login."
            )
            % {"email": email}
        )
    (user,) = found
    if not user.is_active:
        raise SignInRefused(
            _("The login with the address %(email)s is disabled.") % {"email": email}
        )
    if not user.is_staff:
        raise SignInRefused(
            _("The login with the address %(email)s is not a staff login.")
            % {"email": email}
        )
    return user


@transaction.atomic
def sso_staff_create(*, claims: dict):
    """A new login for an address the provider vouches for (only with
    OIDC_CREATE_STAFF): an agent (the Agent group's rights), no password, no
    service yet; an administrator adds the agent's services."""
    User = get_user_model()
    email = claims["email"].strip()
    username = email.lower()[:150]
    if User.objects.filter(username=username).exists():
        raise SignInRefused(
            _(
                "A login named %(username)s already exists without this address: "
                "ask an administrator."
            )
            % {"username": username}
        )
    user = User(
        username=username,
        email=email,
        first_name=(claims.get("given_name") or "")[:150],
        last_name=(claims.get("family_name") or "")[:150],
        is_staff=True,
    )
    user.set_unusable_password()
    user.full_clean()
    user.save()
    user.groups.add(Group.objects.get_or_create(name=AGENT)[0])
    logger.warning("single sign-on created the agent login %s", username)
    return user


def _failed_message() -> str:
    return _(
        "Signing in with %(provider)s did not work. Try again, or sign in "
        "with your password."
    ) % {"provider": provider_name()}


class _Start(OIDCAuthenticationRequestView):
    pass


class _Callback(OIDCAuthenticationCallbackView):
    def login_failure(self):
        message = getattr(self.request, "sso_refusal", None) or _failed_message()
        messages.error(self.request, message)
        return redirect(reverse("admin:login"))

    def login_success(self):
        response = super().login_success()
        session = self.request.session
        if settings.OIDC_TRUSTS_MFA:
            session[two_factor.IDP_SECOND_FACTOR_SESSION_KEY] = self.user.pk
            return response
        session.pop(two_factor.IDP_SECOND_FACTOR_SESSION_KEY, None)
        if two_factor.needs_second_factor(self.user):
            return redirect(
                reverse("admin:two_factor") + "?" + urlencode({"next": response.url})
            )
        return response


@never_cache
@ratelimited("login")
def sso_start(request):
    """Off to the provider's sign-in page (``?next=`` comes back after)."""
    if not sso_enabled():
        raise Http404
    return _Start.as_view()(request)


@never_cache
@ratelimited("login")
def sso_callback(request):
    """Back from the provider with a code: sign in, or say why not."""
    if not sso_enabled():
        raise Http404
    try:
        return _Callback.as_view()(request)
    except (SuspiciousOperation, requests.RequestException) as error:
        # A state not ours (an old tab, a replay), a token that does not
        # verify, or a provider that does not answer.
        logger.warning("single sign-on failed: %s", error)
        messages.error(request, _failed_message())
        return redirect(reverse("admin:login"))
