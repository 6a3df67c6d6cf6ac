"""The public module speaks the commune's languages only (issue 19, points 3, 4).

After Django's LocaleMiddleware (cookie, Accept-Language): on every page but
the admin's, ``?lang=xx`` chooses the language when the commune offers it (a
cross-site frame loses cookies: the URL carries the language); a language the
commune does not offer gives way to its main language. The admin keeps each
user's own language.
"""

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.urls import reverse
from django.utils import translation

from .languages import commune_languages, main_language

STAFF_PREFIXES = ("/admin/", "/api/")


class CommuneLanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method == "POST" and request.path == reverse("set_language"):
            _drop_lang_from_next(request)
        if not request.path.startswith(STAFF_PREFIXES):
            offered = commune_languages()
            asked = (request.GET.get("lang") or "").strip().lower()[:2]
            current = (translation.get_language() or "")[:2]
            if asked in offered:
                language = asked
            elif current in offered:
                language = current
            else:
                language = main_language()
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)


def without_lang(url: str) -> str:
    """``url`` without its ``lang`` parameter."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    kept = urlencode([(k, v) for k, v in query if k != "lang"])
    return urlunsplit(parts._replace(query=kept))


def _drop_lang_from_next(request) -> None:
    # The language switch posts the page's address as "next": a ?lang= in it
    # would undo the choice just made.
    if "lang=" in request.POST.get("next", ""):
        post = request.POST.copy()
        post["next"] = without_lang(post["next"])
        request.POST = post
