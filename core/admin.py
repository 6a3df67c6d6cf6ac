"""Admin of the commune's settings, users and roles."""

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group, User
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.decorators import action
from unfold.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm

from . import account_views
from .admin_base import HistoryAdmin, invite_users
from .admin_translation import TranslatedAdmin
from .models import Commune
from .roles import is_administrator

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


@admin.register(User)
class UserAdmin(BaseUserAdmin, ModelAdmin):
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
    actions = ["invite"]

    def has_invite_permission(self, request) -> bool:
        return is_administrator(request.user)

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
    ]

    def has_add_permission(self, request) -> bool:
        # One commune per installation.
        return not Commune.objects.exists() and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
