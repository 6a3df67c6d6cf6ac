"""What the commune types, per language (issue 19, points 1 and 2)."""

import tablib
from django.urls import reverse
from django.utils import translation

from booking.models import VisitReason
from booking.portal.resources import VisitReasonResource
from core.languages import forget_main_language
from core.models import Commune
from tests.factories import VisitReasonFactory
from tests.i18n import translated


def _main(language: str) -> None:
    commune = Commune.objects.get_solo()
    commune.main_language = language
    commune.save()


def test_a_reason_shows_its_name_in_the_active_language(db):
    reason = VisitReasonFactory(name_fr="Carte d'identité", name_nl="Identiteitskaart")

    with translation.override("nl"):
        assert reason.name == "Identiteitskaart"
    with translation.override("fr"):
        assert reason.name == "Carte d'identité"


def test_a_missing_dutch_name_falls_back_to_the_main_language(db):
    reason = VisitReasonFactory(name_fr="Passeport", name_nl="")
    forget_main_language()

    with translation.override("nl"):
        assert reason.name == "Passeport"


def test_the_fallback_follows_a_flemish_communes_main_language(db):
    _main("nl")
    reason = VisitReasonFactory(name_fr="", name_nl="Paspoort")
    try:
        with translation.override("de"):
            assert reason.name == "Paspoort"
    finally:
        _main("fr")


def test_a_missing_dutch_name_is_flagged_in_the_admin_list(client, administrator):
    VisitReasonFactory(name_fr="Passeport", name_nl="", name_de="Reisepass")
    client.force_login(administrator)

    response = client.get(reverse("admin:booking_visitreason_changelist"))

    assert response.status_code == 200
    flag = translated("%(languages)s missing", {"languages": "nl, en"})
    assert flag in response.content.decode()


def test_the_admin_form_has_one_field_per_language(client, administrator):
    reason = VisitReasonFactory(name_fr="Passeport")
    client.force_login(administrator)

    response = client.get(reverse("admin:booking_visitreason_change", args=[reason.pk]))

    html = response.content.decode()
    for code in ("fr", "nl", "de", "en"):
        assert f'name="name_{code}"' in html
    assert "core/translation_tabs.js" in html


def test_a_reasons_export_carries_a_column_per_language(db):
    VisitReasonFactory(name_fr="Passeport", name_nl="Paspoort")

    dataset = VisitReasonResource().export()

    assert {"name_fr", "name_nl", "name_de", "name_en"} <= set(dataset.headers)
    assert "name" not in dataset.headers
    row = dict(zip(dataset.headers, dataset[0], strict=True))
    assert (row["name_fr"], row["name_nl"]) == ("Passeport", "Paspoort")


def test_an_old_file_with_a_name_column_imports_into_the_main_language(
    administrator, population
):
    dataset = tablib.Dataset(headers=["service", "name", "duration_minutes"])
    dataset.append([population.slug, "Permis de conduire", 20])

    result = VisitReasonResource().import_data(dataset, user=administrator)

    assert not result.has_errors() and not result.has_validation_errors()
    reason = VisitReason.objects.get(service=population)
    assert reason.name_fr == "Permis de conduire"
    assert reason.name_nl in ("", None)


def test_history_records_keep_every_language(db):
    reason = VisitReasonFactory(name_fr="Passeport", name_nl="Paspoort")

    record = reason.history.latest()

    assert (record.name_fr, record.name_nl) == ("Passeport", "Paspoort")
