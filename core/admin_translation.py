"""The admin of what the commune types in several languages (issue 19, point 1).

modeltranslation's ``TranslationAdmin`` puts one field per language in the
forms; our own script (``static/core/translation_tabs.js``) shows them as
language tabs (modeltranslation's tabbed variant loads jQuery UI from a CDN,
which the Content-Security-Policy forbids). The field of the commune's main
language is the required one, whatever modeltranslation's default language.
Imports and exports carry one column per language (``name_fr``, ``name_nl``…)
and still accept a file with the old untranslated column (``name``), read as
the main language.
"""

from django.contrib import admin
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin

from .languages import CODES, main_language


def missing_languages(obj, fields) -> list[str]:
    """The languages in which one of ``fields`` is empty while the main
    language's is filled (what the fallback hides from the citizens)."""
    main = main_language()
    missing = []
    for code in CODES:
        if code == main:
            continue
        if any(
            getattr(obj, f"{field}_{main}", "")
            and not getattr(obj, f"{field}_{code}", "")
            for field in fields
        ):
            missing.append(code)
    return missing


class TranslatedAdmin(TranslationAdmin):
    """Language tabs, the main language required, a "missing" column."""

    class Media:
        js = ("core/translation_tabs.js",)
        css = {"all": ("core/translation_tabs.css",)}

    def get_form(self, request, obj=None, change=False, **kwargs):
        # modeltranslation's get_form takes no positional ``change``.
        return super().get_form(request, obj, change=change, **kwargs)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        original = getattr(db_field, "translated_field", None)
        if field is not None and original is not None:
            field.required = not original.blank and db_field.language == main_language()
        return field

    @admin.display(description=_("translations"))
    def translations_missing(self, obj) -> str:
        """ "nl missing" when a text has no Dutch yet (the main language shows)."""
        fields = self.trans_opts.all_fields.keys()
        missing = missing_languages(obj, fields)
        if not missing:
            return "✓"
        return gettext("%(languages)s missing") % {"languages": ", ".join(missing)}


def with_languages(fields, translated) -> tuple[str, ...]:
    """``fields`` with each translated one replaced by its column per language."""
    columns: list[str] = []
    for field in fields:
        if field in translated:
            columns.extend(f"{field}_{code}" for code in CODES)
        else:
            columns.append(field)
    return tuple(columns)


class TranslatedColumnsMixin:
    """Resource mixin: a file's old column ``name`` is read as ``name_<main>``."""

    translated_fields: tuple[str, ...] = ()

    def import_data(self, dataset, **kwargs):
        main = main_language()
        headers = [str(header).strip() for header in dataset.headers or []]
        if headers:
            dataset.headers = [
                f"{header}_{main}"
                if header in self.translated_fields
                and f"{header}_{main}" not in headers
                else header
                for header in headers
            ]
        return super().import_data(dataset, **kwargs)
