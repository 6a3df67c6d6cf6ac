"""French typography on the public pages (issue 19, point 5).

French puts a non-breaking space before ":" ";" "?" "!" ("Service : Population"),
where English glues the sign to the word ("Service: Population"). The labels
are glued in the templates and the French translations and what the commune
types use an ordinary space, which may break the line before the sign. One
pass over a French page's text (never its tags, attributes or form fields'
contents) sets it right, in one place.

Never for SMS: one such character takes a message out of GSM-7 (70-character
segments). Only HTML pages go through :func:`french_spacing`.
"""

import re

NBSP = "\u00a0"
_TAG = re.compile(r"(<[^>]*>)")
# Text left as typed: a form field's value is sent back as it is shown.
_RAW_OPEN = re.compile(r"<(textarea|script|style|pre)\b", re.IGNORECASE)
_RAW_CLOSE = re.compile(r"</(textarea|script|style|pre)\s*>", re.IGNORECASE)
# An ordinary space (or several) before the sign.
_SPACED = re.compile(r"[ \t]+([:;?!])")
# A sign glued to a word and followed by a space or the end of the text: not
# "10:30" or "https://…"; not ";", which ends the entities ("&amp; ").
_GLUED = re.compile(r"(?<=[^\W\d_)»])([:?!])(?=\s|$)")


def _text(text: str) -> str:
    text = _SPACED.sub(NBSP + r"\1", text)
    return _GLUED.sub(NBSP + r"\1", text)


def french_spacing(html: str) -> str:
    """``html`` with a non-breaking space before ``: ; ? !`` in its text."""
    parts = _TAG.split(html)
    raw = None
    for index, part in enumerate(parts):
        if index % 2:  # a tag
            if raw is None:
                opened = _RAW_OPEN.match(part)
                raw = opened.group(1).lower() if opened else None
            elif _RAW_CLOSE.match(part) and part[2:].lower().startswith(raw):
                raw = None
        elif raw is None and part:
            parts[index] = _text(part)
    return "".join(parts)


def french_spacing_response(response):
    """Apply :func:`french_spacing` to an HTML response rendered in French."""
    from django.utils import translation

    if (
        (translation.get_language() or "")[:2] != "fr"
        or getattr(response, "streaming", False)
        or not response.get("Content-Type", "").startswith("text/html")
    ):
        return response
    charset = response.charset or "utf-8"
    response.content = french_spacing(response.content.decode(charset)).encode(charset)
    return response
