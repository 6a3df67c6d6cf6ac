"""Admin of the commune's settings, users and roles."""

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group, User
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm

from .admin_base import HistoryAdmin
from .models import Commune

admin.site.unregister(User)
admin.site.unregister(Group)


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


@admin.register(Group)
class GroupAdmin(BaseGroupAdmin, ModelAdmin):
    pass


@admin.register(Commune)
class CommuneAdmin(HistoryAdmin):
    list_display = ["name", "website_url", "primary_colour", "accent_colour"]
    fieldsets = [
        (None, {"fields": ["name", "website_url", "contact_email", "contact_phone"]}),
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
