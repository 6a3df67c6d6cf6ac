"""Service and closure texts, one column per language (django-modeltranslation).

The historical models are registered too, so that a history record keeps every
language (issue 19, point 2).
"""

from modeltranslation.translator import TranslationOptions, translator

from core.languages import MainLanguageFallback

from .models import Closure, Service


class ServiceTranslation(TranslationOptions):
    fields = ("name", "description", "address")
    fallback_languages = MainLanguageFallback()


class ClosureTranslation(TranslationOptions):
    fields = ("label",)
    fallback_languages = MainLanguageFallback()


for model, options in ((Service, ServiceTranslation), (Closure, ClosureTranslation)):
    translator.register(model, options)
    translator.register(model.history.model, options)
