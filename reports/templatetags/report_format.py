"""Template filter for the statistics tables: numbers in the active language."""

from django import template

from reports.tables import format_value

register = template.Library()


@register.filter
def stat(value) -> str:
    """A report cell as text: grouped thousands, one decimal, "–" when missing."""
    return format_value(value)
