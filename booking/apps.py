from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BookingConfig(AppConfig):
    name = "booking"
    verbose_name = _("Appointments")

    def ready(self):
        from . import events, offers, slot_cache  # models are loaded by now

        slot_cache.connect()
        # A cancellation or a move frees a time: earlier-time offers
        # (issue 25, point 2) look for the first citizen in line at once.
        for signal_name in ("appointment_cancelled", "appointment_moved"):
            signal = getattr(events, signal_name)
            signal.connect(
                offers.time_freed,
                dispatch_uid=f"booking.offers.time_freed.{signal_name}",
            )
