"""The pages of a staff member without a session: "forgot password" and
"choose your password" (the page an invitation or reset link opens).

Both have the admin login's look and are served under /admin/ by the admin
site (``register_open_view``) without its login check. See ``core.accounts``.
"""

from axes.handlers.proxy import AxesProxyHandler
from django import forms
from django.contrib import admin, messages
from django.contrib.auth.forms import SetPasswordForm
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from unfold.widgets import BASE_INPUT_CLASSES, UnfoldAdminPasswordWidget

from . import accounts
from .ratelimit import ratelimited

_INPUT = " ".join(BASE_INPUT_CLASSES)


class ForgotPasswordForm(forms.Form):
    email = forms.EmailField(
        label=gettext_lazy("Your e-mail address"),
        max_length=254,
        widget=forms.EmailInput(
            attrs={"autocomplete": "email", "autofocus": "", "class": _INPUT}
        ),
    )


class ChoosePasswordForm(SetPasswordForm):
    """Django's form (the password validators), with the admin's inputs."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("new_password1", "new_password2"):
            self.fields[name].widget = UnfoldAdminPasswordWidget(
                attrs={"autocomplete": "new-password"}
            )
        self.fields["new_password1"].widget.attrs["autofocus"] = ""


def _page(request, template: str, context: dict, status: int = 200):
    context = {**admin.site.each_context(request), **context}
    # The address may hold a token: never_cache keeps it out of caches, and the
    # site's Referrer-Policy (same-origin) out of other sites' logs. Not
    # "no-referrer": browsers then send "Origin: null" and the CSRF check fails.
    return TemplateResponse(request, template, context, status=status)


@never_cache
@csrf_protect
@ratelimited("password", methods=("POST",))
def password_forgot(request):
    """Ask for a reset link; the same answer whether the address is known.

    Behind the login lockout: a login that django-axes has locked for this
    client address gets no link (the answer is still the same), so that the
    form opens no second door while the login is locked.
    """
    form = ForgotPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        candidates = [
            user
            for user in accounts.reset_candidates(form.cleaned_data["email"])
            if AxesProxyHandler.is_allowed(
                request, credentials={"username": user.get_username()}
            )
        ]
        accounts.password_reset_request(
            user_ids=[user.pk for user in candidates], language=get_language()
        )
        return _page(
            request,
            "admin/accounts/password_forgot.html",
            {"title": _("Check your e-mail"), "sent": True},
        )
    return _page(
        request,
        "admin/accounts/password_forgot.html",
        {"title": _("Forgotten password"), "form": form},
        status=400 if form.errors else 200,
    )


@never_cache
@csrf_protect
@ratelimited("link")
@sensitive_post_parameters("new_password1", "new_password2")
def password_set(request, token: str):
    """Choose a password from an e-mailed link. A GET only shows the form (an
    e-mail scanner may open the link); the POST that sets the password spends
    the link."""
    user = accounts.user_for_password_token(token)
    if user is None:
        return _page(
            request,
            "admin/accounts/password_link_invalid.html",
            {
                "title": _("This link no longer works"),
                "forgot_url": reverse("admin:admin_password_reset"),
                "login_url": reverse("admin:login"),
            },
            status=410,
        )
    form = ChoosePasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        accounts.user_password_set(
            user=user, password=form.cleaned_data["new_password1"]
        )
        messages.success(request, _("Your password is set. Log in with it now."))
        return redirect(reverse("admin:login"))
    return _page(
        request,
        "admin/accounts/password_set.html",
        {
            "title": _("Choose your password"),
            "form": form,
            "account": user,
        },
        status=400 if form.errors else 200,
    )
