from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BookingConfig(AppConfig):
    name = "booking"
    verbose_name = _("Appointments")

    def ready(self):
        from . import slot_cache  # models are loaded by now

        slot_cache.connect()
