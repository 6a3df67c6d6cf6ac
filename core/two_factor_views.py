"""The pages of two-factor sign-in (``core.two_factor``).

- ``two_factor_verify`` (``admin:two_factor``): after the password, the code of
  the authenticator app or a recovery code.
- ``two_factor_setup`` (``admin:two_factor_setup``): scan the QR code, type a
  code, then read the recovery codes, shown once.
- ``two_factor_manage`` (``admin:two_factor_manage``, an admin page): one's own
  second factor: set it up or replace the phone, new recovery codes, and, for
  those it is optional for, turn it off.

The first two are served without the admin's check (it refuses a session
that has not passed its second factor yet); each requires a signed-in staff
session of its own.
"""

from urllib.parse import urlencode

import django_otp
import segno
from django import forms
from django.contrib import admin, messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django_otp.plugins.otp_totp.models import TOTPDevice
from unfold.widgets import BASE_INPUT_CLASSES

from . import two_factor
from .inputs import safe_next_url
from .ratelimit import ratelimited

_SETUP_DEVICE = "two_factor_setup_device"


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=32,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "autofocus": "",
                "inputmode": "text",
                "spellcheck": "false",
                "autocapitalize": "off",
                "class": " ".join(BASE_INPUT_CLASSES),
            }
        ),
    )


def _page(request, template: str, context: dict, status: int = 200):
    context = {**admin.site.each_context(request), **context}
    return TemplateResponse(request, template, context, status=status)


def _signed_in_staff(request) -> bool:
    user = request.user
    return user.is_authenticated and user.is_active and user.is_staff


def _login_redirect(request):
    return redirect(
        reverse("admin:login") + "?" + urlencode({"next": request.get_full_path()})
    )


def _next(request) -> str:
    return safe_next_url(request, reverse("admin:index"))


@never_cache
@csrf_protect
@ratelimited("login", methods=("POST",))
def two_factor_verify(request):
    """The second step of signing in."""
    if not _signed_in_staff(request):
        return _login_redirect(request)
    user = request.user
    if not two_factor.needs_second_factor(user):
        return redirect(_next(request))
    if not two_factor.has_authenticator(user):
        return redirect(
            reverse("admin:two_factor_setup")
            + "?"
            + urlencode({"next": _next(request)})
        )
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = two_factor.verify_code(user, form.cleaned_data["code"])
        if device is not None:
            django_otp.login(request, device)
            if device.name == two_factor.RECOVERY_NAME:
                messages.warning(
                    request,
                    _(
                        "You signed in with a recovery code; %(left)s are left. "
                        "Make new ones under “Two-factor sign-in”."
                    )
                    % {"left": two_factor.recovery_codes_left(user)},
                )
            return redirect(_next(request))
        form.add_error("code", _("This code is not right, or was already used."))
    return _page(
        request,
        "admin/two_factor/verify.html",
        {"title": _("Two-factor sign-in"), "form": form, "next": _next(request)},
        status=400 if form.errors else 200,
    )


def _qr_svg(device: TOTPDevice) -> str:
    """The device's otpauth:// address as an inline SVG QR code."""
    return segno.make(device.config_url, error="m").svg_inline(
        scale=5, border=2, title=_("QR code for the authenticator app")
    )


def _base32_key(device: TOTPDevice) -> str:
    from base64 import b32encode

    key = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[index : index + 4] for index in range(0, len(key), 4))


@never_cache
@csrf_protect
@ratelimited("login", methods=("POST",))
def two_factor_setup(request):
    """Set up (or replace) the authenticator; then show the recovery codes."""
    if not _signed_in_staff(request):
        return _login_redirect(request)
    user = request.user
    if two_factor.has_authenticator(user) and not two_factor.is_verified(user):
        # Replacing the phone takes the phone (or a recovery code) first.
        return redirect(
            reverse("admin:two_factor") + "?" + urlencode({"next": _next(request)})
        )
    device = TOTPDevice.objects.filter(
        user=user, confirmed=False, pk=request.session.get(_SETUP_DEVICE)
    ).first()
    if device is None:
        device = two_factor.authenticator_start(user)
        request.session[_SETUP_DEVICE] = device.pk
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = two_factor.authenticator_confirm(
                device=device, code=form.cleaned_data["code"]
            )
        except two_factor.TwoFactorError as error:
            form.add_error("code", error.message)
        else:
            request.session.pop(_SETUP_DEVICE, None)
            django_otp.login(request, device)
            return _page(
                request,
                "admin/two_factor/recovery_codes.html",
                {
                    "title": _("Your recovery codes"),
                    "codes": codes,
                    "next": _next(request),
                },
            )
    return _page(
        request,
        "admin/two_factor/setup.html",
        {
            "title": _("Set up two-factor sign-in"),
            "form": form,
            "qr_svg": _qr_svg(device),
            "key": _base32_key(device),
            "next": _next(request),
            "required": two_factor.two_factor_required(user),
        },
        status=400 if form.errors else 200,
    )


@never_cache
def two_factor_manage(request):
    """One's own second factor, inside the admin (the session has passed it,
    or does not need it)."""
    user = request.user
    required = two_factor.two_factor_required(user)
    if request.method == "POST":
        if request.POST.get("do") == "codes" and two_factor.has_authenticator(user):
            return _page(
                request,
                "admin/two_factor/recovery_codes.html",
                {
                    "title": _("Your recovery codes"),
                    "codes": two_factor.recovery_codes_renew(user=user),
                    "next": reverse("admin:two_factor_manage"),
                },
            )
        if request.POST.get("do") == "off" and not required:
            two_factor.two_factor_reset(user=user, actor=user, own=True)
            messages.success(request, _("Two-factor sign-in is off."))
        return redirect(reverse("admin:two_factor_manage"))
    return TemplateResponse(
        request,
        "admin/two_factor/manage.html",
        {
            **admin.site.each_context(request),
            "title": _("Two-factor sign-in"),
            "enabled": two_factor.has_authenticator(user),
            "required": required,
            "codes_left": two_factor.recovery_codes_left(user),
        },
    )
