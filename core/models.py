"""The commune itself: its name and how the public module looks (R1, R17)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .languages import (
    CODES,
    LANGUAGES,
    MEMBER_NAMES,
    forget_main_language,
    parse_codes,
)

hex_colour = RegexValidator(
    r"^#[0-9a-fA-F]{6}$", _("Enter a colour as #RRGGBB, for example #1d4ed8.")
)
# Written into a <style> element, where HTML escaping does not apply: allow
# only what a font-family list needs, so nothing can close the element.
font_family_list = RegexValidator(
    r"^[\w \-,\"']+$",
    _("Use only font names, spaces, commas, hyphens and quotes."),
)
# Every language the interface speaks, as model choices (core.languages).
Language = models.TextChoices(
    "Language", [(MEMBER_NAMES[code], (code, label)) for code, label in LANGUAGES]
)


def validate_language_list(value: str) -> None:
    """Every code of the list is one the interface speaks."""
    codes = [part.strip().lower() for part in value.split(",") if part.strip()]
    unknown = [code for code in codes if code not in CODES]
    if unknown or not codes:
        raise ValidationError(
            _("Use language codes among %(codes)s, separated by commas.")
            % {"codes": ", ".join(CODES)}
        )


no_markup = RegexValidator(
    r"<", _("CSS cannot contain the character <."), inverse_match=True
)


class CommuneManager(models.Manager):
    def get_solo(self) -> "Commune":
        """Return the one commune row, creating it with defaults on first use."""
        commune, _created = self.get_or_create(pk=1)
        return commune


class Commune(models.Model):
    """The single row that names the commune and themes the public module."""

    name = models.CharField(_("name"), max_length=120, default="Commune de Démo")
    main_language = models.CharField(
        _("main language"),
        max_length=2,
        choices=Language.choices,
        default=Language.FRENCH,
        help_text=_("Shown where a text has no translation in the citizen's language."),
    )
    languages = models.CharField(
        _("languages"),
        max_length=20,
        default=",".join(CODES),
        validators=[validate_language_list],
        help_text=_(
            "The languages offered to citizens, as codes separated by commas "
            "(fr,nl,de,en). The main language is always offered."
        ),
    )
    website_url = models.URLField(_("website"), blank=True)
    logo = models.ImageField(_("logo"), upload_to="branding/", blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    primary_colour = models.CharField(
        _("primary colour"), max_length=7, default="#1d4ed8", validators=[hex_colour]
    )
    accent_colour = models.CharField(
        _("accent colour"), max_length=7, default="#b45309", validators=[hex_colour]
    )
    font_stack = models.CharField(
        _("font stack"),
        max_length=200,
        default='system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
        help_text=_("A CSS font-family list; fonts must be installed or self-hosted."),
        validators=[font_family_list],
    )
    extra_css = models.TextField(
        _("extra CSS"),
        blank=True,
        help_text=_(
            "Added after the module's own styles, to match the commune's site."
        ),
    )
    footer_links = models.TextField(
        _("footer links"),
        blank=True,
        help_text=_("One link per line, as: label | https://address"),
    )
    # The accessibility statement every public-sector site publishes (EU
    # directive 2016/2102, issue 19 point 7); empty: the module's default.
    accessibility_statement = models.TextField(
        _("accessibility statement"),
        blank=True,
        help_text=_(
            "Shown on the public page “Accessibility”, linked from the "
            "footer. Leave empty for the module's own statement (conformance, "
            "known gaps, contact, complaints). Paragraphs are separated by an "
            "empty line; addresses become links."
        ),
    )
    # Administrators and service managers always sign in with a second
    # factor; this extends it to every staff login (core/two_factor.py).
    two_factor_for_all = models.BooleanField(
        _("two-factor sign-in for all staff"),
        default=False,
        help_text=_(
            "Administrators and service managers always confirm their sign-in "
            "with a code from an authenticator app; tick to require it from "
            "agents too."
        ),
    )

    objects = CommuneManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("commune")
        verbose_name_plural = _("commune")

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        # The fallback language is memoised per process (core.languages).
        forget_main_language()

    def language_codes(self) -> tuple[str, ...]:
        """The languages offered to citizens, the main one included."""
        offered = parse_codes(self.languages)
        return tuple(c for c in CODES if c in offered or c == self.main_language)

    def language_choices(self) -> list[tuple[str, str]]:
        """(code, name) of the languages offered, for the public switch."""
        names = dict(Language.choices)
        return [(code, names[code]) for code in self.language_codes()]

    def footer_link_list(self) -> list[tuple[str, str]]:
        """The footer links as (label, url) pairs, skipping malformed lines."""
        links = []
        for line in self.footer_links.splitlines():
            label, _sep, url = line.partition("|")
            if label.strip() and url.strip():
                links.append((label.strip(), url.strip()))
        return links


class StaffProfile(models.Model):
    """What one staff login chose for itself: the language of the admin and of
    the messages it receives (issue 19, point 4). A login without a row, or
    with an empty language, reads its messages in the commune's main language
    and the admin in its browser's (``core.languages.staff_language``).

    Written by ``core.accounts.staff_language_set`` only.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="staff_profile",
        verbose_name=_("user"),
    )
    language = models.CharField(
        _("language"),
        max_length=2,
        choices=Language.choices,
        blank=True,
        help_text=_(
            "The admin and the messages this person receives are in this "
            "language. Empty: messages in the commune's main language, the "
            "admin in the browser's."
        ),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("staff profile")
        verbose_name_plural = _("staff profiles")

    def __str__(self) -> str:
        return str(self.user)
