"""The admin theme's own strings read in the staff's language (issue 19,
point 6): django-unfold ships no French, Dutch or German catalogue, so its
strings are listed in core/unfold_messages.py and translated in locale/."""

import pytest
from django.urls import reverse
from django.utils.translation import trans_real

from core.unfold_messages import MESSAGES


@pytest.mark.parametrize("language", ["fr", "nl", "de"])
def test_every_string_of_the_admin_theme_is_translated(language):
    # The plurals (lazy) are left to the page test; the names are all here.
    names = [message for message in MESSAGES if isinstance(message, str)]
    # A catalogue entry, even one spelt as in English ("Code", "Link").
    catalogue = trans_real.translation(language)._catalog
    untranslated = [name for name in names if not catalogue.get(name)]
    assert len(names) > 80
    assert untranslated == []


@pytest.mark.parametrize(
    ("language", "search", "upload"),
    [
        ("fr", "Rechercher une page…", "Choisir le fichier à envoyer"),
        ("nl", "Een pagina zoeken…", "Te uploaden bestand kiezen"),
        ("de", "Seite suchen…", "Hochzuladende Datei wählen"),
    ],
)
def test_the_admin_shows_the_theme_in_the_staff_language(
    client, administrator, language, search, upload
):
    client.force_login(administrator)
    url = reverse("admin:staffing_service_import")
    html = client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert search in html
    assert "Search apps and models" not in html
    assert upload in html
    assert "Choose file to upload" not in html
