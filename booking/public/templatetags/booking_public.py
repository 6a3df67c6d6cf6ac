"""Template helpers of the public module: theme colours and embed-aware URLs."""

from django import template
from django.utils.html import format_html_join

from core.colours import AA_TEXT, BLACK, WHITE, contrast_ratio, luminance, rgb

from .. import flow
from ..embed import carried_parameters, public_reverse
from ..embed import embed_query as _embed_query

register = template.Library()


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
        channels = rgb(colour)
        target = rgb(background)
    except ValueError:
        return BLACK
    towards = (0, 0, 0) if luminance(target) > 0.18 else (255, 255, 255)
    for step in range(21):
        mixed = tuple(
            round(c + (t - c) * step / 20)
            for c, t in zip(channels, towards, strict=True)
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


def _hidden_inputs(pairs):
    return format_html_join(
        "", '<input type="hidden" name="{}" value="{}">', ((k, v) for k, v in pairs)
    )


@register.simple_tag(takes_context=True)
def carried_fields(context):
    """Hidden inputs carrying the embed mode and the language of the URL.

    For the forms sent by GET, whose action's query the browser drops.
    """
    return _hidden_inputs(carried_parameters(context["request"]))


@register.simple_tag(takes_context=True)
def query_fields(context, *excluded):
    """Hidden inputs repeating this page's query, but the ``excluded`` names.

    The language switch sends the same page again with another ``lang``.
    """
    request = context["request"]
    pairs = [
        (key, value)
        for key, values in request.GET.lists()
        if key not in (*excluded, flow.FIELD)
        for value in values
    ]
    key = flow.key_in_url(request)  # the current key, not the URL's (issue 20)
    return _hidden_inputs([*pairs, (flow.FIELD, key)] if key else pairs)


@register.simple_tag(takes_context=True)
def flow_field(context):
    """The hidden input every public POST form carries: the booking's key.

    In place of ``{% csrf_token %}``: a cross-site frame sends no cookie
    (``booking/public/flow.py``). Nothing on pages without a booking in hand.
    """
    request = context.get("request")
    key = flow.key_in_form(request) if request is not None else ""
    return _hidden_inputs([(flow.FIELD, key)] if key else [])
