"""The admin opens in each staff member's own language (issue 19, point 4).

After the authentication middleware: on the admin's pages, a signed-in staff
login that chose a language (``core.models.StaffProfile``, set in the user
admin or on the "Language" page of the user menu) reads them in it, whatever
the browser asks. A login that chose none keeps the browser's language
(Django's LocaleMiddleware), as the sign-in page does. The public pages follow
the citizen (``core.language_middleware``), never the staff member's choice.
"""

from django import forms
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from unfold.widgets import UnfoldAdminSelectWidget

from .accounts import staff_language_set
from .languages import CODES, chosen_staff_language
from .models import Language

ADMIN_PREFIX = "/admin/"


# The chosen language rides in the session: read at sign-in (or once, for a
# session older than this code), so that no admin page pays a query for it.
# One's own choice updates the session at once; an administrator's choice for
# someone else applies at that person's next sign-in.
SESSION_KEY = "staff_language"


@receiver(user_logged_in)
def remember_at_sign_in(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_KEY] = chosen_staff_language(user)


def remember(request, language: str) -> None:
    """The signed-in user just chose ``language``: pages follow at once."""
    request.session[SESSION_KEY] = language


class StaffLanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            request.path.startswith(ADMIN_PREFIX)
            and user is not None
            and user.is_authenticated
            and user.is_staff
        ):
            if SESSION_KEY not in request.session:
                remember(request, chosen_staff_language(user))
            language = request.session[SESSION_KEY]
            if language in CODES:
                translation.activate(language)
                request.LANGUAGE_CODE = language
        return self.get_response(request)


# --- The language on a login's admin form ------------------------------------


class StaffLanguageAdminMixin:
    """A "Language" field on a ModelAdmin's form for a staff login (the user
    admin, the agent admin), saved through ``accounts.staff_language_set``.

    ``staff_language_user(obj)`` names the login of ``obj``. Shown to
    administrators, and to the login itself; others never see it.
    """

    language_fieldset_title = None  # set: the field gets its own fieldset

    def staff_language_user(self, obj):
        return obj

    def _may_set_language(self, request, obj) -> bool:
        from .roles import is_administrator

        user = self.staff_language_user(obj) if obj is not None else None
        return is_administrator(request.user) or (
            user is not None and user.pk == request.user.pk
        )

    def get_form(self, request, obj=None, change=False, **kwargs):
        if not self._may_set_language(request, obj):
            return super().get_form(request, obj, change=change, **kwargs)
        user = self.staff_language_user(obj) if obj is not None else None
        field = forms.ChoiceField(
            label=_("Language"),
            choices=[("", _("The commune's main language")), *Language.choices],
            required=False,
            initial=chosen_staff_language(user),
            help_text=_(
                "The admin and the messages this person receives (new "
                "appointments, requests to answer, lists of the day) are in "
                "this language."
            ),
        )
        # Declared on the form, so that the model form accepts the name.
        base = kwargs.get("form")
        if base is None and obj is None:
            base = getattr(self, "add_form", None)
        base = base or self.form
        kwargs["form"] = type(base.__name__, (base,), {"staff_language": field})
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if self.language_fieldset_title is None or not self._may_set_language(
            request, obj
        ):
            return fieldsets
        named = {name for _title, options in fieldsets for name in options["fields"]}
        if "staff_language" in named:
            return fieldsets
        return [
            *fieldsets,
            (self.language_fieldset_title, {"fields": ["staff_language"]}),
        ]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if "staff_language" in form.cleaned_data:
            user = self.staff_language_user(obj)
            language = form.cleaned_data["staff_language"]
            staff_language_set(user=user, language=language, actor=request.user)
            if user.pk == request.user.pk:
                remember(request, language)


# --- One's own language: the user menu's "Language" page ----------------------


class OwnLanguageForm(forms.Form):
    language = forms.ChoiceField(
        label=_("Language of the admin and of your messages"),
        choices=[("", _("The commune's main language")), *Language.choices],
        required=False,
        widget=UnfoldAdminSelectWidget,
    )


@never_cache
def own_language(request):
    """A staff member chooses his or her own language (an admin page)."""
    from django.contrib import admin, messages
    from django.shortcuts import redirect
    from django.template.response import TemplateResponse
    from django.urls import reverse
    from django.utils.translation import gettext

    form = OwnLanguageForm(
        request.POST or None,
        initial={"language": chosen_staff_language(request.user)},
    )
    if request.method == "POST" and form.is_valid():
        language = form.cleaned_data["language"]
        staff_language_set(user=request.user, language=language, actor=request.user)
        remember(request, language)
        # The confirmation already in the language just chosen.
        with translation.override(language or translation.get_language()):
            messages.success(request, gettext("Your language is saved."))
        return redirect(reverse("admin:own_language"))
    return TemplateResponse(
        request,
        "admin/own_language.html",
        {
            **admin.site.each_context(request),
            "title": _("Language"),
            "form": form,
        },
        status=400 if form.errors else 200,
    )
