"""The languages the application speaks, defined once (issue 19, point 3).

Interface strings go through Django's i18n (``settings.LANGUAGES`` is
:data:`LANGUAGES`; ``core.models.Language`` makes the model choices of it);
what the commune types is stored per language by
django-modeltranslation (each app's ``translation.py``) and, where a language
is missing, falls back to the commune's main language (:func:`main_language`).
"""

import time

from django.conf import settings
from django.utils.translation import gettext_lazy as _

# Imported by the settings: nothing here may import a model at module level.
LANGUAGES = (
    ("fr", _("French")),
    ("nl", _("Dutch")),
    ("de", _("German")),
    ("en", _("English")),
)
CODES: tuple[str, ...] = tuple(code for code, _label in LANGUAGES)
# The members' names of core.models.Language (Language.FRENCH…).
MEMBER_NAMES = {"fr": "FRENCH", "nl": "DUTCH", "de": "GERMAN", "en": "ENGLISH"}

# The commune's languages are read at every fallback: kept a few seconds per
# process (a change made elsewhere shows within that time), forgotten at once
# when this process saves the commune (Commune.save).
_CACHE_SECONDS = 30.0
_cached: tuple[float, str, tuple[str, ...]] | None = None


def _commune_languages() -> tuple[str, tuple[str, ...]]:
    global _cached
    now = time.monotonic()
    if _cached is not None and now - _cached[0] < _CACHE_SECONDS:
        return _cached[1], _cached[2]
    from core.models import Commune

    try:
        row = (
            Commune.objects.filter(pk=1)
            .values_list("main_language", "languages")
            .first()
        )
    except Exception:
        row = None
    main = (row and row[0]) or settings.MAIN_LANGUAGE
    # No commune row yet (it is created on first use): the model's default,
    # every language, as the row will say once created.
    offered = parse_codes(row[1]) if row else CODES
    offered = tuple(code for code in CODES if code in offered or code == main)
    _cached = (now, main, offered)
    return main, offered


def parse_codes(text: str) -> tuple[str, ...]:
    """The language codes of a comma-separated list, known ones only."""
    return tuple(
        code
        for code in (part.strip().lower() for part in (text or "").split(","))
        if code in CODES
    )


def main_language() -> str:
    """The commune's main language: where a missing translation falls back."""
    return _commune_languages()[0]


def commune_languages() -> tuple[str, ...]:
    """The languages the commune offers its citizens (the main one included),
    in the interface's order (issue 19, point 3)."""
    return _commune_languages()[1]


def forget_main_language() -> None:
    """Read the commune's languages again at the next use (it changed)."""
    global _cached
    _cached = None


class MainLanguageFallback(dict):
    """modeltranslation's ``fallback_languages``, resolved when a value is read.

    modeltranslation asks ``.get(language)`` then ``.get("default")``: every
    language falls back to the commune's main language, which is data, not a
    setting.
    """

    def get(self, key, default=None):
        if key == "default":
            return (main_language(),)
        return default if default is not None else ()


def copy_into_language(model, fields, language: str, *, back: bool = False) -> None:
    """Copy each of ``fields`` into its ``<field>_<language>`` column, or back.

    For the migrations that make a text translatable: today's text is in the
    commune's main language (issue 19, point 2). ``model`` is the migration's
    historical model (no translation descriptors: ``fields`` are the columns).
    """
    from django.db.models import F

    pairs = [(field, f"{field}_{language}") for field in fields]
    model._default_manager.update(
        **{
            (source if back else target): F(target if back else source)
            for source, target in pairs
        }
    )


def migration_main_language(apps) -> str:
    """The commune's main language as a migration sees it (core 0004 set it)."""
    Commune = apps.get_model("core", "Commune")
    language = Commune._default_manager.values_list("main_language", flat=True).first()
    return language or settings.MAIN_LANGUAGE


# --- Staff: each login's own language (issue 19, point 4) ---------------------


def chosen_staff_language(user) -> str:
    """The language ``user`` chose (``core.models.StaffProfile``), or ""."""
    from django.core.exceptions import ObjectDoesNotExist

    if user is None or not getattr(user, "pk", None):
        return ""
    try:
        language = user.staff_profile.language
    except ObjectDoesNotExist:
        return ""
    return language if language in CODES else ""


def staff_language(user) -> str:
    """The language of the messages ``user`` receives: his or her own, else
    the commune's main language."""
    return chosen_staff_language(user) or main_language()
