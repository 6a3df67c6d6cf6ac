"""Visit reason texts, one column per language (django-modeltranslation)."""

from modeltranslation.translator import TranslationOptions, translator

from core.languages import MainLanguageFallback

from .models import VisitReason


class VisitReasonTranslation(TranslationOptions):
    fields = ("name", "screen_information", "message_information")
    fallback_languages = MainLanguageFallback()


translator.register(VisitReason, VisitReasonTranslation)
translator.register(VisitReason.history.model, VisitReasonTranslation)
