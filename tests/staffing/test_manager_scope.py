"""Managers write only in the services they manage (issue 12, point 5).

The manager of Population is also a plain member of Étrangers: he sees
Étrangers' rows but may not write them. Rows without a service (commune-wide
closures) are the administrator's. Agents change only their own availability.
"""

from datetime import date

import pytest
from django import forms
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from booking.models import VisitReason
from staffing.models import Closure, Membership, Service, TypicalWeek
from tests.factories import (
    AvailabilityExceptionFactory,
    ClosureFactory,
    MembershipFactory,
    TypicalWeekFactory,
    VisitReasonFactory,
    local,
)

FIRST_DAY = date(2030, 7, 22)


@pytest.fixture
def manager(manager, foreigners):
    """The manager of Population, who also belongs to Étrangers as a member."""
    MembershipFactory(agent=manager, service=foreigners)
    return manager


@pytest.fixture
def colleague(population, foreigners):
    """An agent of both services."""
    member = MembershipFactory(service=population)
    MembershipFactory(agent=member.agent, service=foreigners)
    return member.agent


def change_form_data(response) -> dict:
    """What a browser sends back from an admin change page, unchanged."""
    data = {}
    sent = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        sent += [inline.formset.management_form, *inline.formset.forms]
    for form in sent:
        for name, field in form.fields.items():
            value = form[name].value()
            if isinstance(field, forms.BooleanField):
                if value:
                    data[form.add_prefix(name)] = "on"
            else:
                data[form.add_prefix(name)] = "" if value is None else value
    return data


def change_url(obj) -> str:
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])


# --- Memberships -------------------------------------------------------------------


def test_a_manager_cannot_promote_himself_in_a_service_he_only_belongs_to(
    client, manager, foreigners
):
    membership = Membership.objects.get(agent=manager, service=foreigners)
    client.force_login(manager.user)

    page = client.get(change_url(membership))
    response = client.post(
        change_url(membership),
        {"agent": manager.pk, "service": foreigners.pk, "role": "manager"},
    )

    assert 'name="_save"' not in page.content.decode()
    assert response.status_code == 403
    membership.refresh_from_db()
    assert membership.role == Membership.Role.MEMBER


def test_a_manager_cannot_add_a_membership_in_a_service_he_only_belongs_to(
    client, manager, population, foreigners, agent
):
    client.force_login(manager.user)
    url = reverse("admin:staffing_membership_add")

    offered = client.get(url).context["adminform"].form.fields["service"].queryset
    response = client.post(
        url, {"agent": agent.pk, "service": foreigners.pk, "role": "manager"}
    )

    assert list(offered) == [population]
    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert not agent.memberships.filter(service=foreigners).exists()


def test_a_manager_manages_the_memberships_of_his_service(client, manager, agent):
    membership = agent.memberships.get()
    client.force_login(manager.user)

    response = client.post(
        change_url(membership),
        {"agent": agent.pk, "service": membership.service_id, "role": "manager"},
    )

    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.role == Membership.Role.MANAGER


def test_a_manager_cannot_delete_other_services_memberships_in_bulk(
    client, manager, colleague, foreigners
):
    foreign = Membership.objects.get(agent=colleague, service=foreigners)
    client.force_login(manager.user)

    response = client.post(
        reverse("admin:staffing_membership_changelist"),
        {"action": "delete_selected", "_selected_action": [foreign.pk], "post": "yes"},
    )

    assert response.status_code == 403
    assert Membership.objects.filter(pk=foreign.pk).exists()


def test_a_manager_cannot_revert_a_membership_of_a_service_he_only_belongs_to(
    client, manager, foreigners
):
    membership = Membership.objects.get(agent=manager, service=foreigners)
    version = membership.history.latest()
    client.force_login(manager.user)

    response = client.post(
        reverse(
            "admin:staffing_membership_simple_history",
            args=[membership.pk, version.history_id],
        ),
        {"agent": manager.pk, "service": foreigners.pk, "role": "manager"},
    )

    assert response.status_code == 403
    membership.refresh_from_db()
    assert membership.role == Membership.Role.MEMBER


# --- Closures ----------------------------------------------------------------------


def closure_data(service: Service | None) -> dict:
    return {
        "label_fr": "Fête locale",  # one field per language (issue 19)
        "start_date": FIRST_DAY.isoformat(),
        "end_date": FIRST_DAY.isoformat(),
        "service": service.pk if service else "",
    }


def test_a_manager_cannot_create_a_commune_wide_closure(client, manager):
    client.force_login(manager.user)

    response = client.post(reverse("admin:staffing_closure_add"), closure_data(None))

    assert response.status_code == 200
    assert "service" in response.context["adminform"].form.errors
    assert not Closure.objects.exists()


def test_a_manager_cannot_change_or_delete_a_commune_wide_closure(client, manager):
    closure = ClosureFactory(service=None, start_date=FIRST_DAY, end_date=FIRST_DAY)
    client.force_login(manager.user)
    delete_url = reverse("admin:staffing_closure_delete", args=[closure.pk])

    changed = client.post(change_url(closure), closure_data(None) | {"label": "x"})
    deleted = client.post(delete_url, {"post": "yes"})

    assert (changed.status_code, deleted.status_code) == (403, 403)
    closure.refresh_from_db()
    assert closure.label == "Fête locale"


def test_a_manager_cannot_close_a_service_he_only_belongs_to(
    client, manager, foreigners
):
    client.force_login(manager.user)

    response = client.post(
        reverse("admin:staffing_closure_add"), closure_data(foreigners)
    )

    assert response.status_code == 200
    assert not Closure.objects.exists()


def test_a_manager_closes_the_service_he_manages(client, manager, population):
    client.force_login(manager.user)

    response = client.post(
        reverse("admin:staffing_closure_add"), closure_data(population)
    )

    assert response.status_code == 302
    assert Closure.objects.get().service == population


def test_an_administrator_creates_a_commune_wide_closure(client, administrator):
    client.force_login(administrator)

    response = client.post(reverse("admin:staffing_closure_add"), closure_data(None))

    assert response.status_code == 302
    assert Closure.objects.get().service is None


# --- Visit reasons -----------------------------------------------------------------


def test_a_member_cannot_switch_off_a_reason_online(client, manager, foreigners):
    """The manager of Population is only a member of Étrangers."""
    reason = VisitReasonFactory(service=foreigners, online_bookable=True)
    client.force_login(manager.user)
    page = client.get(change_url(reason))
    data = change_form_data(page)
    data.pop("online_bookable", None)

    response = client.post(change_url(reason), data)

    assert 'name="_save"' not in page.content.decode()
    assert response.status_code == 403
    assert VisitReason.objects.get(pk=reason.pk).online_bookable is True


def test_a_manager_switches_a_reason_of_his_service_off_online(
    client, manager, population
):
    reason = VisitReasonFactory(service=population, online_bookable=True)
    client.force_login(manager.user)
    data = change_form_data(client.get(change_url(reason)))
    data.pop("online_bookable")

    response = client.post(change_url(reason), data)

    assert response.status_code == 302
    assert VisitReason.objects.get(pk=reason.pk).online_bookable is False


def test_a_manager_cannot_move_a_reason_into_a_service_he_only_belongs_to(
    client, manager, population, foreigners
):
    reason = VisitReasonFactory(service=population)
    client.force_login(manager.user)
    data = change_form_data(client.get(change_url(reason)))

    response = client.post(change_url(reason), data | {"service": foreigners.pk})

    assert response.status_code == 200
    assert VisitReason.objects.get(pk=reason.pk).service == population


# --- Services ----------------------------------------------------------------------


def test_a_manager_cannot_change_a_service_he_only_belongs_to(
    client, manager, foreigners
):
    client.force_login(manager.user)
    data = change_form_data(client.get(change_url(foreigners)))

    response = client.post(change_url(foreigners), data | {"is_active": ""})

    assert response.status_code == 403
    foreigners.refresh_from_db()
    assert foreigners.is_active is True


# --- Availability: own rows, and rows of the services one manages -----------------


def test_a_manager_cannot_change_a_colleagues_week_in_a_service_he_only_belongs_to(
    client, manager, colleague, population, foreigners
):
    managed = TypicalWeekFactory(agent=colleague, service=population)
    foreign = TypicalWeekFactory(agent=colleague, service=foreigners)
    client.force_login(manager.user)

    foreign_page = client.get(change_url(foreign))
    managed_page = client.get(change_url(managed))
    response = client.post(change_url(foreign), {"label": "hijacked"})

    assert 'name="_save"' not in foreign_page.content.decode()
    assert 'name="_save"' in managed_page.content.decode()
    assert response.status_code == 403
    assert TypicalWeek.objects.get(pk=foreign.pk).label == ""


def test_a_manager_cannot_give_a_colleague_a_week_in_a_service_he_only_belongs_to(
    manager, colleague, foreigners
):
    request = RequestFactory().post("/")
    request.user = manager.user
    model_admin = admin.site.get_model_admin(TypicalWeek)
    form_class = model_admin.get_form(request, None)

    form = form_class(
        {
            "agent": colleague.pk,
            "service": foreigners.pk,
            "valid_from": FIRST_DAY.isoformat(),
            "repeat_every": 1,
        }
    )

    assert not form.is_valid()
    assert form.non_field_errors().as_data()[0].code == "out_of_scope"


def test_an_agent_changes_only_his_own_exceptions(agent, population):
    colleague = MembershipFactory(service=population).agent
    start, end = local(FIRST_DAY, 8), local(FIRST_DAY, 12)
    own = AvailabilityExceptionFactory(agent=agent, start=start, end=end)
    theirs = AvailabilityExceptionFactory(agent=colleague, start=start, end=end)
    request = RequestFactory().get("/")
    request.user = agent.user
    model_admin = admin.site.get_model_admin(type(own))

    assert model_admin.has_change_permission(request, own)
    assert model_admin.has_delete_permission(request, own)
    assert not model_admin.has_change_permission(request, theirs)
    assert not model_admin.has_delete_permission(request, theirs)


def test_the_availability_editor_offers_a_colleague_only_in_managed_services(
    client, manager, colleague, population, foreigners
):
    page = reverse("admin:portal_availability")
    client.force_login(manager.user)

    managed = client.get(page, {"agent": colleague.pk})
    foreign = client.get(page, {"agent": colleague.pk, "service": foreigners.pk})
    own = client.get(page, {"agent": manager.pk, "service": foreigners.pk})

    assert list(managed.context["services"]) == [population]
    assert foreign.status_code == 404
    assert own.status_code == 200
