"""What a reader of a given language sees, taken from the project's catalogues.

Tests assert the text people actually read (French by default) without copying
the translations: a reworded translation does not break them, a missing one
does, since the reader would then see English.
"""

from django.utils import translation


def translated(message: str, params: dict | None = None, *, language: str = "fr"):
    """``message`` (an English msgid) in ``language``, ``params`` filled in.

    Fails when the catalogue has no translation for it: the test would
    otherwise pass on the English text it means to rule out.
    """
    with translation.override(language):
        text = translation.gettext(message)
    if language != "en":
        assert text != message, f"no {language} translation for {message!r}"
    return text % params if params is not None else text


def translated_plural(
    singular: str, plural: str, count: int, params: dict, *, language: str = "fr"
) -> str:
    """As :func:`translated`, for a message with a plural form."""
    with translation.override(language):
        text = translation.ngettext(singular, plural, count)
    if language != "en":
        assert text not in (singular, plural), f"no {language} translation"
    return text % params
