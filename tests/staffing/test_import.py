"""Bulk loading of the configuration from spreadsheets (R25, issue 2)."""

import re

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from tablib import Dataset

from staffing.models import Agent, TypicalWeek
from staffing.resources import AgentResource, TypicalWeekResource
from tests.factories import AgentFactory, MembershipFactory, ServiceFactory

GOOD_AGENTS = (
    "username,first_name,last_name,email,title\n"
    "m.dubois,Marie,Dubois,marie.dubois@commune.example,Employée\n"
    "j.peeters,Jan,Peeters,jan.peeters@commune.example,Attaché\n"
)
BAD_AGENTS = GOOD_AGENTS + "x.lambert,Xavier,,not-an-email,Employé\n"


def import_form_post(client, csv_text: str, **headers):
    url = reverse("admin:staffing_agent_import")
    upload = SimpleUploadedFile("agents.csv", csv_text.encode(), "text/csv")
    return client.post(
        url,
        {"import_file": upload, "format": "0", "resource": "0"},
        **headers,
    )


def test_agent_import_creates_agents_and_their_logins(administrator):
    result = AgentResource().import_data(
        Dataset().load(GOOD_AGENTS, format="csv"), user=administrator
    )
    assert not result.has_errors() and not result.has_validation_errors()
    assert Agent.objects.count() == 2
    user = User.objects.get(username="m.dubois")
    assert (user.first_name, user.is_staff, user.groups.get().name) == (
        "Marie",
        True,
        "Agent",
    )
    assert not user.has_usable_password()


def test_agent_import_with_one_bad_row_writes_nothing_and_names_the_row(
    administrator,
):
    result = AgentResource().import_data(
        Dataset().load(BAD_AGENTS, format="csv"), user=administrator
    )
    assert result.has_validation_errors()
    invalid = result.invalid_rows
    assert [row.number for row in invalid] == [3]
    assert set(invalid[0].field_specific_errors) == {"last_name", "email"}
    assert Agent.objects.count() == 0
    assert not User.objects.exclude(pk=administrator.pk).exists()


def test_admin_import_of_a_bad_file_names_the_row_and_writes_nothing(
    client, administrator
):
    client.force_login(administrator)
    response = import_form_post(client, BAD_AGENTS, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))
    # The row as a spreadsheet numbers it (the header is row 1) and, per
    # column, what is wrong.
    assert "Row 4, column “last_name”: This column is required." in text
    assert "Row 4, column “email”: Enter a valid email address." in text
    assert not Agent.objects.exists()
    assert User.objects.filter(username="m.dubois").count() == 0


def test_typical_week_import_reads_weekday_columns(administrator):
    agent = AgentFactory(user__username="m.dubois")
    MembershipFactory(agent=agent, service=ServiceFactory(slug="population"))
    csv_text = (
        "agent,service,label,valid_from,valid_until,repeat_every,monday,tuesday\n"
        "m.dubois,population,Standard,2026-01-05,,1,"
        '"08:30-12:00, 13:00-16:00",09:00-12:00\n'
    )
    result = TypicalWeekResource().import_data(
        Dataset().load(csv_text, format="csv"), user=administrator
    )
    assert not result.has_errors() and not result.has_validation_errors()
    week = TypicalWeek.objects.get(agent=agent)
    assert [str(opening) for opening in week.ranges.all()] == [
        "Lundi 08:30–12:00",
        "Lundi 13:00–16:00",
        "Mardi 09:00–12:00",
    ]


# "8h-12h" reads as 08:00-12:00 (issue 21): a lone time is no range.
@pytest.mark.parametrize("bad", ["8h30", "12:00-08:00", "25:00-26:00"])
def test_typical_week_import_refuses_malformed_ranges(administrator, bad):
    MembershipFactory(
        agent=AgentFactory(user__username="m.dubois"),
        service=ServiceFactory(slug="population"),
    )
    csv_text = (
        "agent,service,valid_from,repeat_every,monday\n"
        f"m.dubois,population,2026-01-05,1,{bad}\n"
    )
    result = TypicalWeekResource().import_data(
        Dataset().load(csv_text, format="csv"), user=administrator
    )
    assert result.has_validation_errors()
    assert "monday" in result.invalid_rows[0].field_specific_errors
    assert not TypicalWeek.objects.exists()


def test_service_import_refuses_a_slug_that_shadows_a_site_path(administrator):
    from staffing.resources import ServiceResource

    csv_text = "slug,name\nadmin,Administration\n"
    result = ServiceResource().import_data(
        Dataset().load(csv_text, format="csv"), user=administrator
    )
    assert result.has_validation_errors()
    assert "slug" in result.invalid_rows[0].field_specific_errors
