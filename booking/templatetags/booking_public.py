"""``{% load booking_public %}``: Django finds it here, in the installed app;
the tags are the public room's (``booking/public/templatetags``)."""

from booking.public.templatetags.booking_public import register

__all__ = ["register"]
