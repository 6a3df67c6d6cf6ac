"""Two-factor sign-in to the admin (issue 23, point 3), with django-otp.

Who must: administrators (and superusers) and service managers, always; every
staff login when the commune ticks ``Commune.two_factor_for_all``. Agents may
set it up on their own, and once they have, they are asked for it too (a
device one is never asked for protects nothing).

How: after the password, the admin sends a login that needs a second factor
to ``admin:two_factor`` (a code from an authenticator app, TOTP, or one of its
recovery codes) or, without a device yet, to ``admin:two_factor_setup`` (scan a
QR code, type a code, keep the ten recovery codes shown once). Until then the
admin site refuses the session (``RendezVousAdminSite.has_permission``), so no
admin page, portal page or admin action opens on a password alone.

Recovery codes are django-otp static tokens: each works once. An administrator
who loses the phone is helped by another: "Reset two-factor sign-in" on the
users' list deletes the login's devices, and the next sign-in sets up anew.
"""

import logging

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django_otp import devices_for_user
from django_otp.middleware import OTPMiddleware
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.errors import UserFacingError

from .models import Commune
from .roles import SERVICE_MANAGER, is_administrator

logger = logging.getLogger(__name__)

RECOVERY_CODES = 10
TOTP_NAME = "authenticator"
RECOVERY_NAME = "recovery codes"
# The login (its id) whose single sign-on counts as its second factor
# (core/sso.py, OIDC_TRUSTS_MFA), in the session it signed in.
IDP_SECOND_FACTOR_SESSION_KEY = "two_factor_by_idp"


class TwoFactorError(UserFacingError):
    """A two-factor action that cannot be done; ``message`` says why."""


def two_factor_required(user) -> bool:
    """Whether ``user`` must sign in with a second factor."""
    if not settings.TWO_FACTOR_REQUIRED:
        return False
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return False
    if is_administrator(user) or user.groups.filter(name=SERVICE_MANAGER).exists():
        return True
    return Commune.objects.get_solo().two_factor_for_all


def has_authenticator(user) -> bool:
    """Whether ``user`` has a confirmed authenticator (TOTP device)."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def is_verified(user) -> bool:
    """Whether this session's login passed its second factor (OTPMiddleware)."""
    check = getattr(user, "is_verified", None)
    return bool(callable(check) and check())


def needs_second_factor(user) -> bool:
    """Whether the session must still pass a second factor before the admin:
    required for the login, or it has an authenticator, and not yet passed."""
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return False
    if is_verified(user):
        return False
    return has_authenticator(user) or two_factor_required(user)


def second_factor_by_idp(request, user) -> bool:
    """Whether this session's login came through the commune's identity
    provider, and the commune trusts it to ask for a second factor."""
    return bool(
        settings.OIDC_TRUSTS_MFA
        and user.pk is not None
        and request.session.get(IDP_SECOND_FACTOR_SESSION_KEY) == user.pk
    )


class TwoFactorMiddleware(OTPMiddleware):
    """django-otp's (``user.is_verified()``), where a sign-in through a
    trusted identity provider counts as verified too."""

    def _verify_user_sync(self, request, user):
        user = super()._verify_user_sync(request, user)
        if user.is_authenticated and second_factor_by_idp(request, user):
            user.is_verified = lambda: True
        return user

    async def _verify_user_async_via_auser(self, request, auser):
        user = await super()._verify_user_async_via_auser(request, auser)
        if user.is_authenticated and second_factor_by_idp(request, user):
            user.is_verified = lambda: True
        return user


def verify_code(user, code: str):
    """The device (authenticator or recovery codes) that accepts ``code``, or
    None. A recovery code is spent by the match; every try counts against
    django-otp's throttling."""
    code = "".join(code.split())
    if not code:
        return None
    for device in devices_for_user(user, confirmed=True):
        if device.verify_token(code):
            return device
    return None


def authenticator_start(user) -> TOTPDevice:
    """A new, unconfirmed authenticator for ``user`` (replacing an earlier
    unconfirmed one); confirmed by ``authenticator_confirm``."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)


@transaction.atomic
def authenticator_confirm(*, device: TOTPDevice, code: str) -> list[str]:
    """Confirm ``device`` with a code the app shows; return new recovery codes.

    Any other authenticator of the login is removed: one phone at a time.
    """
    if not device.verify_token("".join(code.split())):
        raise TwoFactorError(
            _("The code is not right: type the six digits the app shows now.")
        )
    TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    logger.info("%s set up two-factor sign-in", device.user)
    return recovery_codes_renew(user=device.user)


@transaction.atomic
def recovery_codes_renew(*, user) -> list[str]:
    """Replace the login's recovery codes with ten new ones (shown once)."""
    device, _created = StaticDevice.objects.get_or_create(
        user=user, name=RECOVERY_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(
        StaticToken(device=device, token=code) for code in codes
    )
    return codes


def recovery_codes_left(user) -> int:
    """How many recovery codes the login has not used."""
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


@transaction.atomic
def two_factor_reset(*, user, actor, own: bool = False) -> int:
    """An administrator removes a login's second factors (a lost phone); the
    next sign-in sets them up again. ``own``: someone for whom it is optional
    turns his or her own off. Returns how many devices were removed."""
    turns_own_off = own and actor.pk == user.pk and not two_factor_required(user)
    if not (is_administrator(actor) or turns_own_off):
        raise TwoFactorError(_("Only administrators reset two-factor sign-in."))
    removed = 0
    for model in (TOTPDevice, StaticDevice):
        devices = model.objects.filter(user=user)
        removed += devices.count()
        devices.delete()
    logger.warning("%s reset the two-factor sign-in of %s", actor, user)
    return removed
