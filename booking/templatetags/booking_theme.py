"""``{% load booking_theme %}``: Django finds it here, in the installed app;
the tag is the public room's (``booking/public/templatetags``)."""

from booking.public.templatetags.booking_theme import register

__all__ = ["register"]
