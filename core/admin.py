"""Admin of the commune's settings, users and roles."""

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group, User
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from unfold.admin import ModelAdmin
from unfold.decorators import action
from unfold.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm

from . import account_views, sso, two_factor, two_factor_views
from .admin_base import HistoryAdmin, invite_users
from .admin_translation import TranslatedAdmin
from .models import Commune
from .roles import is_administrator
from .staff_language import StaffLanguageAdminMixin, own_language

admin.site.unregister(User)
admin.site.unregister(Group)

# Pages of staff without a session (core/account_views.py): the login page's
# "Forgotten your password?" button (unfold shows it when this name exists)
# and the page an invitation or reset link opens.
admin.site.register_open_view(
    "password/forgot/", account_views.password_forgot, "admin_password_reset"
)
admin.site.register_open_view(
    "password/set/<str:token>/", account_views.password_set, "password_set"
)
# Two-factor sign-in (core/two_factor.py): the second step of signing in and
# the set-up, before the admin accepts the session; one's own settings inside.
admin.site.register_open_view(
    "two-factor/", two_factor_views.two_factor_verify, "two_factor"
)
admin.site.register_open_view(
    "two-factor/setup/", two_factor_views.two_factor_setup, "two_factor_setup"
)
# Single sign-on with the commune's identity provider (core/sso.py): 404
# unless the OIDC_* settings are set.
admin.site.register_open_view("sso/start/", sso.sso_start, "sso_start")
admin.site.register_open_view("sso/callback/", sso.sso_callback, "sso_callback")
admin.site.register_view(
    "two-factor/manage/", two_factor_views.two_factor_manage, "two_factor_manage"
)
# One's own language (issue 19, point 4): the user menu's "Language" page.
admin.site.register_view("language/", own_language, "own_language")
# django-otp's device admins show the secrets: a lost device is reset from
# the users' list instead ("Reset two-factor sign-in").
for _device_model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_device_model):
        admin.site.unregister(_device_model)


@admin.register(User)
class UserAdmin(StaffLanguageAdminMixin, BaseUserAdmin, ModelAdmin):
    # The login's own language (issue 19): the admin's and its messages'.
    language_fieldset_title = _("Language")
    form = UserChangeForm
    add_form = UserCreationForm
    change_password_form = AdminPasswordChangeForm
    list_display = [
        "username",
        "last_name",
        "first_name",
        "email",
        "is_staff",
        "is_active",
    ]
    list_filter = ["is_staff", "is_active", "groups"]
    actions = ["invite", "reset_two_factor"]

    def has_invite_permission(self, request) -> bool:
        return is_administrator(request.user)

    def has_reset_two_factor_permission(self, request) -> bool:
        return is_administrator(request.user)

    @action(
        description=_("Reset two-factor sign-in (lost phone)"),
        permissions=["reset_two_factor"],
    )
    def reset_two_factor(self, request, queryset):
        """The selected logins set up their second factor again at their next
        sign-in (their authenticator and recovery codes are deleted)."""
        users = list(queryset)
        for user in users:
            two_factor.two_factor_reset(user=user, actor=request.user)
        self.message_user(
            request,
            ngettext(
                "Two-factor sign-in reset for %(names)s: set up again at the "
                "next sign-in.",
                "Two-factor sign-in reset for %(names)s: each sets it up again "
                "at the next sign-in.",
                len(users),
            )
            % {"names": ", ".join(user.get_username() for user in users)},
        )

    @action(
        description=_("Send an invitation to choose a password"),
        permissions=["invite"],
    )
    def invite(self, request, queryset):
        invite_users(self, request, list(queryset))


@admin.register(Group)
class GroupAdmin(BaseGroupAdmin, ModelAdmin):
    pass


@admin.register(Commune)
class CommuneAdmin(HistoryAdmin, TranslatedAdmin):
    list_display = [
        "name",
        "main_language",
        "translations_missing",
        "website_url",
        "primary_colour",
        "accent_colour",
    ]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "name",
                    "main_language",
                    "languages",
                    "website_url",
                    "contact_email",
                    "contact_phone",
                ]
            },
        ),
        (
            _("Appearance"),
            {
                "fields": [
                    "logo",
                    "primary_colour",
                    "accent_colour",
                    "font_stack",
                    "extra_css",
                    "footer_links",
                ]
            },
        ),
        (
            _("Accessibility statement"),
            {"fields": ["accessibility_statement"]},
        ),
        (_("Security"), {"fields": ["two_factor_for_all"]}),
    ]

    def has_add_permission(self, request) -> bool:
        # One commune per installation.
        return not Commune.objects.exists() and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
