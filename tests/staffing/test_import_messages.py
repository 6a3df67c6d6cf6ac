"""Imports that explain themselves (issue 14, point 7): every bad row named as a
spreadsheet numbers it, in the user's language, never a traceback; files too
large or missing a column refused with one message; text the API refuses is
refused here too."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from tablib import Dataset

from booking.models import Citizen
from booking.portal.resources import CitizenResource
from staffing.models import Membership, TypicalWeek
from staffing.resources import MembershipResource, TypicalWeekResource
from tests.factories import AgentFactory, ServiceFactory
from tests.i18n import translated

pytestmark = pytest.mark.django_db

ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def staff(db):
    AgentFactory(user__username="m.dubois")
    ServiceFactory(slug="population")


def load(resource, csv_text: str, user):
    return resource.import_data(Dataset().load(csv_text, format="csv"), user=user)


def page_text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def upload(client, model: str, name: str, content: bytes):
    return client.post(
        reverse(f"admin:{model}_import"),
        {
            "import_file": SimpleUploadedFile(name, content, "text/csv"),
            "format": "0",
            "resource": "0",
        },
        **ENGLISH,
    )


def test_every_unknown_reference_is_reported_on_its_spreadsheet_row(
    client, administrator, staff
):
    csv_text = (
        "agent,service,role\n"
        "m.dubois,urbanism,member\n"
        "nobody,population,member\n"
        "m.dubois,population,member\n"
        "m.dubois,etat-civil,manager\n"
    )
    client.force_login(administrator)
    response = upload(client, "staffing_membership", "m.csv", csv_text.encode())
    assert response.status_code == 200
    text = page_text(response)
    assert "Row 2: unknown service “urbanism”" in text
    assert "Row 3: unknown agent “nobody”" in text
    assert "Row 5: unknown service “etat-civil”" in text
    assert "matching query" not in text and "Traceback" not in text
    assert not Membership.objects.exists()

    # In French, the commune's language: "Ligne 2 : service « urbanism » inconnu".
    upload_fr = client.post(
        reverse("admin:staffing_membership_import"),
        {
            "import_file": SimpleUploadedFile("m.csv", csv_text.encode()),
            "format": "0",
            "resource": "0",
        },
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    unknown = translated("unknown service “%(value)s”", {"value": "urbanism"})
    line = translated("Row %(row)s: %(error)s", {"row": 2, "error": unknown})
    assert line in page_text(upload_fr)


def test_a_missing_column_is_named_without_a_traceback(client, administrator, staff):
    csv_text = (
        "agent,label,valid_from,monday\nm.dubois,Standard,2026-01-05,9:00-12:00\n"
    )
    result = load(TypicalWeekResource(), csv_text, administrator)
    assert result.report == [
        translated(
            "The file has no column %(columns)s: add it to the first row.",
            {"columns": "“service”"},
        )
    ]
    client.force_login(administrator)
    response = upload(client, "staffing_typicalweek", "w.csv", csv_text.encode())
    text = page_text(response)
    assert "The file has no column “service”: add it to the first row." in text
    assert "Traceback" not in text and ".py" not in text
    assert not TypicalWeek.objects.exists()


def test_field_errors_name_the_row_and_the_column_in_the_users_language(
    administrator, staff
):
    csv_text = "agent,service,role\nm.dubois,population,boss\n"
    result = load(MembershipResource(), csv_text, administrator)
    # French by default: the row's words and the field's message.
    assert len(result.report) == 1
    prefix = translated(
        "Row %(row)s, column “%(column)s”: %(error)s",
        {"row": 2, "column": "role", "error": ""},
    )
    assert result.report[0].startswith(prefix)
    assert "boss" in result.report[0]


def test_a_file_over_the_row_limit_is_refused_with_a_message(
    client, administrator, settings
):
    settings.IMPORT_MAX_ROWS = 3
    rows = "".join(f"Nom{n},Prénom,p{n}@example.be\n" for n in range(4))
    csv_text = "last_name,first_name,email\n" + rows
    result = load(CitizenResource(), csv_text, administrator)
    assert result.report == [
        translated(
            "The file has %(count)s rows; import at most %(limit)s rows at a time "
            "(split the file).",
            {"count": 4, "limit": 3},
        )
    ]
    assert not Citizen.objects.exists()
    client.force_login(administrator)
    response = upload(client, "booking_citizen", "c.csv", csv_text.encode())
    assert "import at most 3 rows at a time" in page_text(response)


def test_a_file_over_the_byte_limit_is_refused_before_it_is_read(
    client, administrator, settings
):
    settings.IMPORT_MAX_BYTES = 100
    csv_text = "last_name,first_name,email\n" + "Dupont,Marie,m@example.be\n" * 10
    client.force_login(administrator)
    response = upload(client, "booking_citizen", "c.csv", csv_text.encode())
    assert response.status_code == 200
    [error] = response.context["form"].errors["import_file"]
    assert error.startswith("The file is 287")
    assert "import at most 100" in error and "(split the file)" in error
    assert not Citizen.objects.exists()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("Du\x00pont", "Null characters are not allowed."),
        ("Du\x07pont", "Control characters are not allowed."),
    ],
)
def test_control_characters_are_refused_as_the_api_refuses_them(
    client, administrator, value, message
):
    csv_text = (
        "last_name,first_name,email\n"
        f"Martin,Luc,l@example.be\n{value},Marie,m@example.be\n"
    )
    client.force_login(administrator)
    response = upload(client, "booking_citizen", "c.csv", csv_text.encode())
    assert f"Row 3, column “last_name”: {message}" in page_text(response)
    assert not Citizen.objects.exists()

    api = client.post(
        "/api/v1/appointments",
        {"citizen": {"last_name": value}},
        content_type="application/json",
        **ENGLISH,
    )
    errors = {tuple(error["loc"]): error["msg"] for error in api.json()["detail"]}
    assert errors[("body", "citizen", "last_name")] == message
