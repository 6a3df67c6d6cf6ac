"""A commune chooses its languages; ?lang= picks one (issue 19, points 3, 4)."""

import pytest
from django.core.exceptions import ValidationError

from core.languages import commune_languages, forget_main_language, main_language
from core.models import Commune
from tests.factories import ServiceFactory, VisitReasonFactory


@pytest.fixture
def reason(db):
    service = ServiceFactory(name_fr="Population", name_nl="Bevolking", slug="pop")
    return VisitReasonFactory(
        service=service, name_fr="Passeport", name_nl="Paspoort", name_de="Reisepass"
    )


def _commune(main: str, languages: str) -> Commune:
    commune = Commune.objects.get_solo()
    commune.main_language = main
    commune.languages = languages
    commune.save()
    return commune


@pytest.fixture(autouse=True)
def _forget():
    forget_main_language()
    yield
    forget_main_language()


def test_a_flemish_commune_runs_in_dutch_first(client, reason):
    _commune("nl", "nl")

    response = client.get("/pop/reason/", HTTP_ACCEPT_LANGUAGE="fr")

    content = response.content.decode()
    assert main_language() == "nl" and commune_languages() == ("nl",)
    assert "Paspoort" in content and "Passeport" not in content
    assert '<html lang="nl"' in content


def test_a_brussels_commune_offers_french_and_dutch_only(client, reason):
    _commune("fr", "fr,nl")

    response = client.get("/", HTTP_ACCEPT_LANGUAGE="de")

    content = response.content.decode()
    assert '<html lang="fr"' in content
    assert 'value="nl"' in content and 'value="de"' not in content


def test_lang_in_the_url_chooses_an_offered_language(client, reason):
    _commune("fr", "fr,nl,de")

    assert "Paspoort" in client.get("/pop/reason/?lang=nl").content.decode()
    assert "Reisepass" in client.get("/pop/reason/?lang=de").content.decode()
    # A language the commune does not offer gives way to the main one.
    _commune("fr", "fr,nl")
    assert "Passeport" in client.get("/pop/reason/?lang=de").content.decode()


def test_lang_works_in_the_embedded_module(client, reason):
    _commune("fr", "fr,nl")

    response = client.get("/embed/pop/reason/?lang=nl")

    assert "Paspoort" in response.content.decode()


def test_the_admin_keeps_the_users_own_language(client, administrator):
    _commune("nl", "nl")
    client.force_login(administrator)

    response = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="fr")

    assert '<html lang="fr"' in response.content.decode()


def test_the_language_list_accepts_known_codes_only(db):
    commune = Commune.objects.get_solo()
    commune.languages = "fr,xx"
    with pytest.raises(ValidationError):
        commune.full_clean()
