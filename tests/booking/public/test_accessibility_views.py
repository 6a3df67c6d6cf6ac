"""The public accessibility statement (issue 19, point 7)."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from core.languages import forget_main_language
from core.models import Commune
from staffing.models import validate_service_slug


@pytest.fixture
def commune(db):
    commune = Commune.objects.get_solo()
    commune.languages = "fr,nl,en"
    commune.contact_email = "info@commune.example"
    commune.save()
    forget_main_language()
    yield commune
    forget_main_language()


def test_the_footer_links_the_statement(client, commune):
    home = client.get("/?lang=nl").content.decode()
    assert 'href="/accessibility/?lang=nl"' in home


def test_the_default_statement_gives_status_gaps_contact_and_complaints(
    client, commune
):
    # In English: the statement's texts are new, translated centrally after.
    response = client.get(reverse("booking:accessibility") + "?lang=en")

    content = response.content.decode()
    assert response.status_code == 200
    for heading in (
        "Conformance status",
        "Known gaps",
        "Tell us about a barrier",
        "Enforcement procedure",
    ):
        assert f"<h2>{heading}</h2>" in content
    assert "WCAG" in content and "EN 301 549" in content
    assert 'href="mailto:info@commune.example"' in content
    assert "www.vlaamseombudsdienst.be" in content


def test_the_commune_writes_its_own_statement_per_language(client, commune):
    commune.accessibility_statement_fr = "Notre déclaration, revue en 2026."
    commune.accessibility_statement_nl = (
        "Onze verklaring.\n\nMeer op https://www.gemeente.example/toegankelijkheid"
    )
    commune.save()

    dutch = client.get("/accessibility/?lang=nl").content.decode()
    french = client.get("/accessibility/?lang=fr").content.decode()

    assert "<p>Onze verklaring.</p>" in dutch
    assert 'href="https://www.gemeente.example/toegankelijkheid"' in dutch
    assert "Notre déclaration" not in dutch
    assert "Notre déclaration, revue en 2026." in french
    assert "vlaamseombudsdienst" not in dutch + french


def test_the_statement_is_framed_too(client, commune):
    response = client.get("/embed/accessibility/?lang=nl")
    assert response.status_code == 200
    assert 'class="site-footer"' not in response.content.decode()


def test_the_statements_address_is_no_service_slug():
    with pytest.raises(ValidationError) as refused:
        validate_service_slug("accessibility")
    assert refused.value.code == "reserved_slug"


def test_the_administrator_edits_it_in_each_language(client, administrator, commune):
    client.force_login(administrator)

    page = client.get(reverse("admin:core_commune_change", args=[commune.pk]))

    content = page.content.decode()
    assert page.status_code == 200
    assert 'name="accessibility_statement_fr"' in content
    assert 'name="accessibility_statement_nl"' in content
