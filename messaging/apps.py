from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    name = "messaging"
    verbose_name = _("Messages")

    def ready(self):
        from django.contrib import admin

        # messaging listens to booking; booking never imports messaging.
        from . import dashboard, receivers

        receivers.connect()
        # Its block on the dashboard, which reports draws without importing it.
        admin.site.register_dashboard_block("messaging", dashboard.dashboard_block)
