"""``{% theme_stylesheet_url %}``: the versioned address of ``/theme.css``."""

from django import template

from core.models import Commune

from ..theme import theme_url

register = template.Library()


@register.simple_tag(takes_context=True)
def theme_stylesheet_url(context) -> str:
    """The theme of the commune in the context (the context processor's)."""
    commune = context.get("commune") or Commune.objects.get_solo()
    return theme_url(commune)
