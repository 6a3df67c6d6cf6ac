"""The commune's texts, one column per language (django-modeltranslation)."""

from modeltranslation.translator import TranslationOptions, translator

from .languages import MainLanguageFallback
from .models import Commune


class CommuneTranslation(TranslationOptions):
    fields = ("name", "footer_links", "accessibility_statement")
    fallback_languages = MainLanguageFallback()


translator.register(Commune, CommuneTranslation)
translator.register(Commune.history.model, CommuneTranslation)
