"""Importing is the administrator's job (issue 12, point 1; R25).

The admins let only administrators import; others export what they see. Each
resource checks its rows again in the importer's scope, agents' logins change
only when the administrator asks, and rows with rules are written by the
staffing services.
"""

from datetime import date, datetime, time

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from tablib import Dataset

from booking.models import VisitReason
from booking.portal.resources import VisitReasonResource
from staffing.models import AvailabilityException, Membership, TypicalWeek
from staffing.resources import (
    IMPORT_REASON,
    AgentResource,
    AvailabilityExceptionResource,
    MembershipResource,
    TypicalWeekResource,
)
from tests.factories import (
    AvailabilityExceptionFactory,
    MembershipFactory,
    VisitReasonFactory,
)

IMPORT_ADMINS = [
    "staffing_service",
    "staffing_agent",
    "staffing_membership",
    "staffing_typicalweek",
    "staffing_availabilityexception",
    "booking_visitreason",
    "booking_citizen",
]
# A Monday far from today: nothing here depends on the day the suite runs.
MONDAY = date(2030, 3, 4)


def _local(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=timezone.get_default_timezone())


def _dataset(csv_text: str) -> Dataset:
    return Dataset().load(csv_text, format="csv")


def _upload(csv_text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("rows.csv", csv_text.encode(), "text/csv")


@pytest.fixture
def colleague(population):
    """Another agent of Population, whose login an administrator set by hand:
    no staff status, no group."""
    member = MembershipFactory(
        service=population,
        agent__user__username="m.dubois",
        agent__user__first_name="Marie",
        agent__user__last_name="Dubois",
        agent__user__email="marie.dubois@commune.example",
        agent__user__is_staff=False,
        agent__user__groups=[],
    )
    return member.agent


# --- The admin: who may import, who may export ------------------------------------


@pytest.mark.parametrize("admin_name", IMPORT_ADMINS)
@pytest.mark.parametrize("role", ["agent", "manager"])
def test_staff_who_are_not_administrators_cannot_import_anywhere(
    client, request, role, admin_name
):
    user = request.getfixturevalue(role).user
    client.force_login(user)

    page = client.get(reverse(f"admin:{admin_name}_import"))
    confirm = client.post(reverse(f"admin:{admin_name}_process_import"), {})
    changelist = client.get(reverse(f"admin:{admin_name}_changelist"))

    assert page.status_code == 403
    assert confirm.status_code == 403
    assert changelist.status_code == 200
    assert changelist.context["has_import_permission"] is False


def test_an_agent_cannot_import_memberships(client, agent, foreigners):
    """The reported attack: a memberships file making the agent a manager."""
    client.force_login(agent.user)
    csv_text = (
        "agent,service,role\n"
        "agent-population,population,manager\n"
        "agent-population,etrangers,manager\n"
    )

    response = client.post(
        reverse("admin:staffing_membership_import"),
        {"import_file": _upload(csv_text), "format": "0", "resource": "0"},
    )

    assert response.status_code == 403
    assert list(agent.memberships.values_list("service__slug", "role")) == [
        ("population", Membership.Role.MEMBER)
    ]


def test_an_administrator_imports_memberships_in_two_steps(
    client, administrator, agent, foreigners
):
    client.force_login(administrator)
    csv_text = "agent,service,role\nagent-population,etrangers,member\n"

    preview = client.post(
        reverse("admin:staffing_membership_import"),
        {"import_file": _upload(csv_text), "format": "0", "resource": "0"},
    )
    assert preview.status_code == 200
    confirm_form = preview.context["confirm_form"]
    done = client.post(
        reverse("admin:staffing_membership_process_import"), confirm_form.initial
    )

    assert done.status_code == 302
    assert agent.memberships.filter(service=foreigners).exists()


@pytest.mark.parametrize("role", ["agent", "manager"])
def test_staff_export_only_the_rows_they_can_see(
    client, request, role, population, foreigners
):
    user = request.getfixturevalue(role).user
    VisitReasonFactory(service=population, name="Carte d'identité")
    VisitReasonFactory(service=foreigners, name="Titre de séjour")
    client.force_login(user)

    response = client.post(
        reverse("admin:booking_visitreason_export"), {"format": "0", "resource": "0"}
    )

    assert response.status_code == 200
    exported = response.content.decode()
    assert "Carte d'identité" in exported
    assert "Titre de séjour" not in exported


# --- The resources: every row in the importer's scope -----------------------------


def test_an_import_without_an_importer_writes_nothing(db, agent, foreigners):
    csv_text = "agent,service,role\nagent-population,etrangers,manager\n"

    result = MembershipResource().import_data(_dataset(csv_text))

    assert result.has_validation_errors()
    assert not agent.memberships.filter(service=foreigners).exists()


def test_a_membership_row_outside_the_managed_services_is_refused(
    manager, agent, foreigners
):
    """Defence in depth: even if a manager reached the import, his scope holds."""
    MembershipFactory(agent=manager, service=foreigners)
    csv_text = (
        "agent,service,role\n"
        "agent-population,population,manager\n"
        "manager-population,etrangers,manager\n"
    )

    result = MembershipResource().import_data(_dataset(csv_text), user=manager.user)

    assert [row.number for row in result.invalid_rows] == [2]
    assert Membership.objects.get(agent=manager, service=foreigners).role == "member"
    # All or nothing: the row in his own service is not written either.
    assert agent.memberships.get().role == Membership.Role.MEMBER


def test_only_administrators_import_agents_even_through_the_resource(
    manager, colleague
):
    csv_text = (
        "username,first_name,last_name,email\n"
        "m.dubois,Mallory,Evil,mallory@example.com\n"
    )

    result = AgentResource(update_logins=True).import_data(
        _dataset(csv_text), user=manager.user
    )

    assert result.has_validation_errors()
    colleague.user.refresh_from_db()
    assert colleague.user.email == "marie.dubois@commune.example"


def test_a_reason_row_of_a_service_the_importer_only_belongs_to_is_refused(
    manager, foreigners
):
    MembershipFactory(agent=manager, service=foreigners)
    reason = VisitReasonFactory(service=foreigners, name="Titre de séjour")
    csv_text = "service,name,duration_minutes,online_bookable\n"
    csv_text += "etrangers,Titre de séjour,15,0\n"

    result = VisitReasonResource().import_data(_dataset(csv_text), user=manager.user)

    assert result.has_validation_errors()
    assert VisitReason.objects.get(pk=reason.pk).online_bookable is True


def test_a_manager_cannot_import_weeks_for_a_colleague_outside_his_services(
    manager, population, foreigners
):
    stranger = MembershipFactory(
        service=foreigners, agent__user__username="e.stranger"
    ).agent
    csv_text = (
        "agent,service,valid_from,repeat_every,monday\n"
        f"e.stranger,etrangers,{MONDAY},1,08:00-12:00\n"
    )

    result = TypicalWeekResource().import_data(_dataset(csv_text), user=manager.user)

    assert result.has_validation_errors()
    assert not TypicalWeek.objects.filter(agent=stranger).exists()


# --- Agents' logins ---------------------------------------------------------------


def test_importing_agents_keeps_existing_names_unless_asked(administrator, colleague):
    csv_text = (
        "username,first_name,last_name,email,title\n"
        "m.dubois,Maria,Dubois-Peeters,maria@commune.example,Cheffe de bureau\n"
    )

    kept = AgentResource().import_data(_dataset(csv_text), user=administrator)
    colleague.refresh_from_db()
    user = User.objects.get(pk=colleague.user_id)
    assert not kept.has_errors() and not kept.has_validation_errors()
    assert colleague.title == "Cheffe de bureau"
    assert (user.first_name, user.last_name, user.email, user.is_staff) == (
        "Marie",
        "Dubois",
        "marie.dubois@commune.example",
        False,
    )
    assert not user.groups.filter(name="Agent").exists()

    updated = AgentResource(update_logins=True).import_data(
        _dataset(csv_text), user=administrator
    )
    user.refresh_from_db()
    assert not updated.has_errors() and not updated.has_validation_errors()
    assert (user.first_name, user.last_name, user.email, user.is_staff) == (
        "Maria",
        "Dubois-Peeters",
        "maria@commune.example",
        False,
    )


@pytest.mark.parametrize("ticked", [False, True])
def test_the_agent_import_form_updates_logins_only_when_ticked(
    client, administrator, colleague, ticked
):
    client.force_login(administrator)
    url = reverse("admin:staffing_agent_import")
    form = client.get(url).context["form"]
    assert form["update_logins"].value() is False
    csv_text = (
        "username,first_name,last_name,email\n"
        "m.dubois,Maria,Dubois,maria@commune.example\n"
    )
    data = {"import_file": _upload(csv_text), "format": "0", "resource": "0"}
    if ticked:
        data["update_logins"] = "on"

    preview = client.post(url, data)
    confirm_form = preview.context["confirm_form"]
    assert confirm_form.initial["update_logins"] is ticked
    done = client.post(
        reverse("admin:staffing_agent_process_import"),
        {
            key: value
            for key, value in confirm_form.initial.items()
            if key != "update_logins" or value
        },
    )

    assert done.status_code == 302
    colleague.user.refresh_from_db()
    assert colleague.user.first_name == ("Maria" if ticked else "Marie")


# --- Rows with rules go through the staffing services ----------------------------


def test_typical_week_import_goes_through_the_staffing_service(
    administrator, agent, foreigners
):
    header = "agent,service,label,valid_from,repeat_every,monday\n"

    def import_week(service: str, monday: str):
        row = f'agent-population,{service},Standard,{MONDAY},1,"{monday}"\n'
        return TypicalWeekResource().import_data(
            _dataset(header + row), user=administrator
        )

    # The service's rules: the agent works in the service, ranges do not overlap.
    not_his_service = import_week("etrangers", "08:00-12:00")
    overlapping = import_week("population", "08:00-12:00, 11:00-13:00")
    assert "service" in not_his_service.invalid_rows[0].field_specific_errors
    assert overlapping.has_validation_errors()
    assert not TypicalWeek.objects.exists()

    good = import_week("population", "08:00-12:00")
    assert not good.has_errors() and not good.has_validation_errors()
    week = TypicalWeek.objects.get()
    record = week.history.latest()
    assert (record.history_user, record.history_change_reason) == (
        administrator,
        IMPORT_REASON,
    )
    assert [str(opening) for opening in week.ranges.all()] == ["Lundi 08:00–12:00"]


def test_exception_import_goes_through_the_staffing_service(
    administrator, agent, foreigners
):
    stored = AvailabilityExceptionFactory(
        agent=agent, start=_local(MONDAY, 8), end=_local(MONDAY, 12)
    )
    header = "agent,service,kind,start,end,note\n"
    # Spreadsheet times are the commune's wall-clock times.
    period = f"{MONDAY} 08:00:00,{MONDAY} 16:00:00"

    def import_exception(service: str, note: str):
        row = f"agent-population,{service},unavailable,{period},{note}\n"
        return AvailabilityExceptionResource().import_data(
            _dataset(header + row), user=administrator
        )

    not_his_service = import_exception("etrangers", "x")
    assert "service" in not_his_service.invalid_rows[0].field_specific_errors

    updated = import_exception("", "Formation")
    assert not updated.has_errors() and not updated.has_validation_errors()
    exception = AvailabilityException.objects.get()
    assert (exception.pk, exception.end, exception.note) == (
        stored.pk,
        _local(MONDAY, 16),
        "Formation",
    )
    record = exception.history.latest()
    assert (record.history_user, record.history_change_reason) == (
        administrator,
        "updated by an import",
    )
