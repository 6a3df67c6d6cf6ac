"""The public module speaks the commune's languages only (issue 19, points 3, 4).

After Django's LocaleMiddleware (cookie, Accept-Language): on every page but
the admin's, ``?lang=xx`` chooses the language when the commune offers it (a
cross-site frame loses cookies: the URL carries the language); a language the
commune does not offer gives way to its main language. The admin keeps each
user's own language.

A language chosen in the URL is remembered on the request
(``request.lang_in_url``): the public module's links, form actions and
redirects carry it on (``booking.public.embed.public_reverse``).
"""

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings
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
        if request.path.startswith(STAFF_PREFIXES):
            return self.get_response(request)
        chosen = self._choose(request)
        response = self.get_response(request)
        if chosen and request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) != chosen:
            # Remembered where the browser keeps cookies (not in a cross-site
            # frame, where the URL alone carries it): the next visit without
            # ?lang= opens in the language chosen, as the former switch did.
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                chosen,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
        return response

    @staticmethod
    def _choose(request) -> str:
        """Activate the page's language; return it when the URL chose it."""
        offered = commune_languages()
        asked = (request.GET.get("lang") or "").strip().lower()[:2]
        current = (translation.get_language() or "")[:2]
        request.lang_in_url = asked if asked in offered else ""
        if asked in offered:
            language = asked
        elif current in offered:
            language = current
        else:
            language = main_language()
        translation.activate(language)
        request.LANGUAGE_CODE = language
        return request.lang_in_url


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


def speak(request, language: str) -> bool:
    """Answer ``request`` in ``language`` when the commune offers it.

    For pages that know whom they speak to (the personal link opens in the
    citizen's stored language, issue 19 point 4): the language then goes on
    in the URL like a ``?lang=`` the citizen chose. A ``?lang=`` in the URL
    still wins. Returns whether the language was taken.
    """
    if getattr(request, "lang_in_url", "") or language not in commune_languages():
        return False
    translation.activate(language)
    request.LANGUAGE_CODE = language
    request.lang_in_url = language
    return True
