from django.apps import AppConfig
from django.apps import apps as global_apps
from django.contrib.admin import apps as admin_apps
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_roles_after_migrate(sender, **kwargs):
    # The role groups are created by core's migration 0002; permissions of
    # models added later (by any app) only exist after post_migrate, so the
    # groups are topped up here too. Idempotent and a handful of queries.
    from .roles import sync_role_groups

    sync_role_groups(kwargs.get("apps") or global_apps)


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Commune")

    def ready(self):
        post_migrate.connect(_sync_roles_after_migrate, dispatch_uid="core.sync_roles")


class RendezVousAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with our site, which serves the extra admin pages."""

    default = False  # CoreConfig stays the default config of the core app
    default_site = "core.admin_site.RendezVousAdminSite"
