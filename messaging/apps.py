from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    name = "messaging"
    verbose_name = _("Messages")

    def ready(self):
        # messaging listens to booking; booking never imports messaging.
        from . import receivers

        receivers.connect()
