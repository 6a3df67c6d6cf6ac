"""Template helpers of the public module: theme colours and embed-aware URLs."""

from django import template

from ..embed import embed_query as _embed_query
from ..embed import public_reverse

register = template.Library()

BLACK, WHITE = "#000000", "#ffffff"
# WCAG 2.1, 1.4.3: 4.5:1 for normal text.
AA_TEXT = 4.5


def _rgb(colour: str) -> tuple[int, int, int]:
    colour = colour.lstrip("#")
    if len(colour) != 6:
        raise ValueError(colour)
    return tuple(int(colour[i : i + 2], 16) for i in (0, 2, 4))


def _luminance(rgb: tuple[int, int, int]) -> float:
    """Relative luminance (WCAG 2.1 definition)."""

    def channel(value: int) -> float:
        value /= 255
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (channel(value) for value in rgb)
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast_ratio(first: str, second: str) -> float:
    """The WCAG contrast ratio of two #RRGGBB colours, from 1 to 21."""
    light, dark = sorted(
        (_luminance(_rgb(first)), _luminance(_rgb(second))), reverse=True
    )
    return (light + 0.05) / (dark + 0.05)


@register.filter
def readable_on(background: str) -> str:
    """Black or white, whichever reads better on ``background``."""
    try:
        on_black = contrast_ratio(background, BLACK)
    except ValueError:
        return WHITE
    return BLACK if on_black >= contrast_ratio(background, WHITE) else WHITE


@register.filter
def readable_against(colour: str, background: str = WHITE) -> str:
    """``colour``, darkened or lightened until it reads as text on ``background``.

    The commune's primary colour is used for links and headings on white: a
    pale brand colour is darkened step by step to reach 4.5:1, keeping its hue.
    """
    try:
        rgb = _rgb(colour)
        target = _rgb(background)
    except ValueError:
        return BLACK
    towards = (0, 0, 0) if _luminance(target) > 0.18 else (255, 255, 255)
    for step in range(21):
        mixed = tuple(
            round(c + (t - c) * step / 20) for c, t in zip(rgb, towards, strict=True)
        )
        hex_colour = "#{:02x}{:02x}{:02x}".format(*mixed)
        if contrast_ratio(hex_colour, background) >= AA_TEXT:
            return hex_colour
    return "#{:02x}{:02x}{:02x}".format(*towards)


@register.simple_tag(takes_context=True)
def public_url(context, name, *args, **kwargs):
    """Like ``{% url %}``, keeping the embed mode (prefix or ``?embed=1``)."""
    return public_reverse(context["request"], name, *args, **kwargs)


@register.simple_tag(takes_context=True)
def embed_query(context):
    """``?embed=1`` when the page is embedded by query, else nothing."""
    request = context.get("request")
    return _embed_query(request) if request is not None else ""
