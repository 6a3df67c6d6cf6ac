"""``{% load phones %}``: ``{{ number|phone_display }}`` (core/phones.py)."""

from django import template

from core.phones import phone_display as _phone_display

register = template.Library()


@register.filter
def phone_display(value) -> str:
    """Belgian numbers national, the others international."""
    return _phone_display(value)
