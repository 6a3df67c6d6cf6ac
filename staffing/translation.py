"""Service, site and closure texts, one column per language (django-modeltranslation).

The historical models are registered too, so that a history record keeps every
language (issue 19, point 2).
"""

from modeltranslation.translator import TranslationOptions, translator

from core.languages import MainLanguageFallback

from .models import Closure, Service, Site


class ServiceTranslation(TranslationOptions):
    fields = ("name", "description", "address")
    fallback_languages = MainLanguageFallback()


class SiteTranslation(TranslationOptions):
    fields = ("name", "address", "information")
    fallback_languages = MainLanguageFallback()


class ClosureTranslation(TranslationOptions):
    fields = ("label",)
    fallback_languages = MainLanguageFallback()


for model, options in (
    (Service, ServiceTranslation),
    (Site, SiteTranslation),
    (Closure, ClosureTranslation),
):
    translator.register(model, options)
    translator.register(model.history.model, options)
