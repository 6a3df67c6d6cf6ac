"""``{% load booking_references %}``: the booking reference's QR code (issue 22).

``{% reference_qr appointment %}`` draws the QR code of the appointment's
reference as inline SVG (no image request: the Content-Security-Policy needs
nothing more), inside an element that names it for screen readers.
"""

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from booking import references

register = template.Library()


@register.simple_tag
def reference_qr(appointment) -> str:
    reference = getattr(appointment, "reference", "")
    if not reference:
        return ""
    label = _("QR code of the booking reference %(reference)s") % {
        "reference": references.display(reference)
    }
    # segno writes the SVG from the reference alone (capitals, digits, a dash).
    svg = mark_safe(references.qr_svg(reference))  # noqa: S308
    return format_html(
        '<span class="reference-qr" role="img" aria-label="{}">{}</span>', label, svg
    )
