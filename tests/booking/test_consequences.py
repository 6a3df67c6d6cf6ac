"""Availability changes that tell the citizen, from every screen (issue 13).

Every screen that changes who works when shows the upcoming appointments the
change hits before writing, then hands team appointments to a free colleague
and cancels the others with a message to each citizen: the closure, exception,
typical-week, membership, agent, service and visit-reason admins, their
imports, and the availability editor (``booking.consequences``,
``booking.portal.staffing_admin``, ``booking.portal.availability_editor``).

The clock stands on Monday 12 November 2029, 09:00; the appointments are on
Tuesday the 20th, when the agents of ``open_agent`` receive from 9:00 to 12:00.
"""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from tablib import Dataset

from booking.consequences import AvailabilityChange
from booking.links import make_token
from booking.models import Appointment
from booking.portal.staffing_admin import PREFIX, ConsequencesResourceMixin
from booking.services import appointment_move
from core.roles import SERVICE_MANAGER
from messaging.models import Event, Message
from staffing.models import (
    Agent,
    AvailabilityException,
    Closure,
    Membership,
    TypicalWeek,
)
from staffing.resources import AvailabilityExceptionResource
from tests.factories import (
    AgentFactory,
    AvailabilityExceptionFactory,
    ClosureFactory,
    MembershipFactory,
    VisitReasonFactory,
    appointment_at,
    local,
    open_agent,
)

BRUSSELS = ZoneInfo("Europe/Brussels")
NOW = datetime(2029, 11, 12, 9, 0, tzinfo=BRUSSELS)  # a Monday
DAY = date(2029, 11, 20)  # the Tuesday after next
Status = Appointment.Status
TEMPLATE = "admin/booking/availability_consequences.html"


@pytest.fixture(autouse=True)
def clock():
    """Monday 12 November 2029, 09:00 in Brussels, ticking."""
    with time_machine.travel(NOW, tick=True) as traveller:
        yield traveller


@pytest.fixture
def team(agent, population):
    """The agent and a colleague of Population, both open on DAY 9:00–12:00."""
    open_agent(population, agent)
    return open_agent(population)


@pytest.fixture
def confirm(client, django_capture_on_commit_callbacks):
    """Post a preview page's form back, confirmed, messages sent on commit."""

    def post(url: str, preview, *, note: str = "Fermeture", choice: str = "settle"):
        data: dict = _lists(preview.context["resubmit"])
        form = preview.context["form"]
        data.update(
            {
                f"{PREFIX}-confirm": "1",
                f"{PREFIX}-ids": form["ids"].value(),
                f"{PREFIX}-note": note,
                f"{PREFIX}-choice": choice,
            }
        )
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url, data)

    return post


def _lists(pairs) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for key, value in pairs:
        grouped.setdefault(key, []).append(value)
    return grouped


def change_form_data(response) -> dict:
    """What a browser sends back from an admin change (or history) page."""
    data = {}
    sent = [response.context["adminform"].form]
    for inline in response.context.get("inline_admin_formsets", []):
        sent += [inline.formset.management_form, *inline.formset.forms]
    for form in sent:
        for name, field in form.fields.items():
            value = form[name].value()
            if isinstance(field, forms.BooleanField):
                if value:
                    data[form.add_prefix(name)] = "on"
            elif isinstance(field, forms.SplitDateTimeField):
                moment = timezone.localtime(value) if value else None
                data[f"{form.add_prefix(name)}_0"] = (
                    f"{moment:%Y-%m-%d}" if value else ""
                )
                data[f"{form.add_prefix(name)}_1"] = f"{moment:%H:%M}" if value else ""
            elif value is not None:
                data[form.add_prefix(name)] = value
    return data


def citizen_messages(event: str = Event.CANCELLED_BY_COMMUNE) -> set[int]:
    """The appointments whose citizen was sent an e-mail about ``event``."""
    return set(
        Message.objects.filter(
            event=event, channel="email", agent__isnull=True
        ).values_list("appointment_id", flat=True)
    )


def statuses(*appointments) -> list[str]:
    return [
        Appointment.objects.values_list("status", flat=True).get(pk=row.pk)
        for row in appointments
    ]


def agents_of(*appointments) -> list[int]:
    return [
        Appointment.objects.values_list("agent_id", flat=True).get(pk=row.pk)
        for row in appointments
    ]


# --- Closures -------------------------------------------------------------------------


def closure_data(service) -> dict:
    return {
        "label_fr": "Fête communale",  # one field per language (issue 19)
        "start_date": DAY.isoformat(),
        "end_date": DAY.isoformat(),
        "service": service.pk if service else "",
    }


def test_a_commune_wide_closure_cancels_each_appointment_of_the_day_and_tells_each_citizen(  # noqa: E501
    client, administrator, agent, population, foreigners, team, confirm
):
    other = open_agent(foreigners)
    hit = [
        appointment_at(agent, population, DAY, 9),
        appointment_at(team, population, DAY, 10, booked_for_service=False),
        appointment_at(other, foreigners, DAY, 11),
    ]
    spared = appointment_at(agent, population, date(2029, 11, 27), 9)
    client.force_login(administrator)
    url = reverse("admin:staffing_closure_add")

    preview = client.post(url, closure_data(None))

    assert preview.status_code == 200
    assert preview.templates[0].name == TEMPLATE
    assert [change.appointment for change in preview.context["plan"].changes] == hit
    assert not Closure.objects.exists()
    assert preview.context["form"]["note"].value() == "Fête communale"

    done = confirm(url, preview, note="Fête communale")

    assert done.status_code == 302
    assert Closure.objects.get().service is None
    assert statuses(*hit) == [Status.CANCELLED] * 3
    assert statuses(spared) == [Status.CONFIRMED]
    assert citizen_messages() == {row.pk for row in hit}
    assert Message.objects.filter(
        event=Event.CANCELLED_BY_COMMUNE, channel="email"
    ).count() == len(hit)
    reasons = Appointment.objects.filter(pk__in=[row.pk for row in hit])
    assert set(reasons.values_list("cancellation_reason", flat=True)) == {
        "Fête communale"
    }


def test_a_service_closure_cancels_only_that_services_appointments(
    client, administrator, agent, population, foreigners, team, confirm
):
    other = open_agent(foreigners)
    hit = [
        appointment_at(agent, population, DAY, 9),
        appointment_at(team, population, DAY, 9, booked_for_service=False),
    ]
    spared = appointment_at(other, foreigners, DAY, 9)
    client.force_login(administrator)
    url = reverse("admin:staffing_closure_add")

    preview = client.post(url, closure_data(population))
    done = confirm(url, preview)

    assert done.status_code == 302
    assert statuses(*hit) == [Status.CANCELLED] * 2
    assert statuses(spared) == [Status.CONFIRMED]
    assert citizen_messages() == {row.pk for row in hit}


def test_a_closure_that_hits_nothing_is_saved_at_once(client, administrator, team):
    client.force_login(administrator)

    response = client.post(reverse("admin:staffing_closure_add"), closure_data(None))

    assert response.status_code == 302
    assert Closure.objects.exists()


def test_moving_a_stored_closure_onto_booked_days_previews_them(
    client, administrator, agent, population, team, confirm
):
    closure = ClosureFactory(
        service=population, start_date=date(2029, 11, 27), end_date=date(2029, 11, 27)
    )
    hit = appointment_at(agent, population, DAY, 9, booked_for_service=False)
    client.force_login(administrator)
    url = reverse("admin:staffing_closure_change", args=[closure.pk])

    preview = client.post(url, closure_data(population))
    assert [change.appointment for change in preview.context["plan"].changes] == [hit]
    confirm(url, preview)

    assert statuses(hit) == [Status.CANCELLED]
    assert citizen_messages() == {hit.pk}


# --- Exceptions -----------------------------------------------------------------------


def exception_data(agent, *, start=time(8), end=time(13), note="Formation") -> dict:
    return {
        "agent": agent.pk,
        "service": "",
        "kind": AvailabilityException.Kind.UNAVAILABLE,
        "start_0": DAY.isoformat(),
        "start_1": start.strftime("%H:%M"),
        "end_0": DAY.isoformat(),
        "end_1": end.strftime("%H:%M"),
        "note": note,
    }


def test_an_unavailability_in_the_exception_admin_is_previewed_before_anything_is_written(  # noqa: E501
    client, administrator, agent, population, team
):
    shared = appointment_at(agent, population, DAY, 9)
    client.force_login(administrator)

    preview = client.post(
        reverse("admin:staffing_availabilityexception_add"), exception_data(agent)
    )

    assert preview.status_code == 200
    [change] = preview.context["plan"].changes
    assert (change.appointment, change.new_agent) == (shared, team)
    assert not AvailabilityException.objects.exists()
    assert statuses(shared) == [Status.CONFIRMED]
    assert not Message.objects.exists()


def test_an_unavailability_in_the_exception_admin_hands_over_or_cancels_and_tells_the_citizens(  # noqa: E501
    client, administrator, agent, population, team, confirm
):
    shared = appointment_at(agent, population, DAY, 9)
    personal = appointment_at(agent, population, DAY, 10, booked_for_service=False)
    appointment_at(team, population, DAY, 11)  # the colleague is busy then
    shared_busy = appointment_at(agent, population, DAY, 11)
    client.force_login(administrator)
    url = reverse("admin:staffing_availabilityexception_add")

    preview = client.post(url, exception_data(agent))
    done = confirm(url, preview, note="Formation")

    assert done.status_code == 302
    assert AvailabilityException.objects.get().agent == agent
    assert agents_of(shared) == [team.pk]
    assert statuses(shared, personal, shared_busy) == [
        Status.CONFIRMED,
        Status.CANCELLED,
        Status.CANCELLED,
    ]
    # Cancelled: the citizen is told. Handed over: the new agent is (the
    # citizen of a team appointment did not choose the agent).
    assert citizen_messages() == {personal.pk, shared_busy.pk}
    assert Message.objects.filter(
        appointment=shared, event=Event.AGENT_NEW, agent=team
    ).exists()


def test_a_confirmation_for_other_appointments_shows_the_preview_again(
    client, administrator, agent, population, team, confirm
):
    first = appointment_at(agent, population, DAY, 10, booked_for_service=False)
    client.force_login(administrator)
    url = reverse("admin:staffing_availabilityexception_add")
    preview = client.post(url, exception_data(agent))
    booked_meanwhile = appointment_at(
        agent, population, DAY, 11, booked_for_service=False
    )

    again = confirm(url, preview)

    assert again.status_code == 200
    assert again.templates[0].name == TEMPLATE
    assert again.context["plan"].ids == [first.pk, booked_meanwhile.pk]
    assert again.context["form"].non_field_errors()
    assert not AvailabilityException.objects.exists()
    assert statuses(first, booked_meanwhile) == [Status.CONFIRMED] * 2


def test_the_preview_asks_for_the_reason_citizens_read(
    client, administrator, agent, population, team, confirm
):
    personal = appointment_at(agent, population, DAY, 10, booked_for_service=False)
    client.force_login(administrator)
    url = reverse("admin:staffing_availabilityexception_add")
    preview = client.post(url, exception_data(agent, note=""))

    again = confirm(url, preview, note="  ")

    assert again.status_code == 200
    assert again.context["form"].errors["note"]
    assert statuses(personal) == [Status.CONFIRMED]


def test_the_preview_names_only_the_citizens_the_user_may_see(
    client, population, foreigners
):
    manager = AgentFactory(user__groups=[SERVICE_MANAGER])
    MembershipFactory(agent=manager, service=population, role=Membership.Role.MANAGER)
    colleague = open_agent(population)
    open_agent(foreigners, colleague)
    theirs = appointment_at(colleague, foreigners, DAY, 9, booked_for_service=False)
    ours = appointment_at(colleague, population, DAY, 10, booked_for_service=False)
    client.force_login(manager.user)

    preview = client.post(
        reverse("admin:staffing_availabilityexception_add"), exception_data(colleague)
    )

    html = preview.content.decode()
    assert str(ours.citizen) in html
    assert str(theirs.citizen) not in html
    assert preview.context["plan"].ids == [theirs.pk, ours.pk]


def test_removing_an_extra_opening_previews_the_appointments_it_held(
    client, administrator, agent, population, confirm
):
    open_agent(population, agent)
    extra = AvailabilityExceptionFactory(
        agent=agent,
        service=population,
        kind=AvailabilityException.Kind.EXTRA_OPENING,
        start=local(DAY, 14),
        end=local(DAY, 16),
    )
    held = appointment_at(agent, population, DAY, 14, booked_for_service=False)
    client.force_login(administrator)
    url = reverse("admin:staffing_availabilityexception_delete", args=[extra.pk])

    preview = client.post(url, {"post": "yes"})
    assert preview.context["plan"].ids == [held.pk]
    assert preview.context["plan"].keepable
    confirm(url, preview)

    assert not AvailabilityException.objects.filter(pk=extra.pk).exists()
    assert statuses(held) == [Status.CANCELLED]
    assert citizen_messages() == {held.pk}


# --- Imports --------------------------------------------------------------------------


def exceptions_csv(agent) -> str:
    return (
        "agent,service,kind,start,end,note\n"
        # Spreadsheet times are the commune's wall-clock times.
        f"{agent.user.username},,unavailable,{DAY} 08:00:00,{DAY} 13:00:00,Formation\n"
    )


def test_an_imported_unavailability_lists_the_appointments_then_deals_with_them(
    client, administrator, agent, population, team, django_capture_on_commit_callbacks
):
    personal = appointment_at(agent, population, DAY, 10, booked_for_service=False)
    shared = appointment_at(agent, population, DAY, 9)
    client.force_login(administrator)
    upload = SimpleUploadedFile("exceptions.csv", exceptions_csv(agent).encode())

    preview = client.post(
        reverse("admin:staffing_availabilityexception_import"),
        {"import_file": upload, "format": "0", "resource": "0"},
    )

    assert preview.status_code == 200
    assert preview.context["consequences"].ids == [shared.pk, personal.pk]
    assert not AvailabilityException.objects.exists()
    confirm_form = preview.context["confirm_form"]
    assert confirm_form["consequence_note"].field.required
    data = {
        **{name: confirm_form[name].value() for name in confirm_form.fields},
        "consequence_note": "Formation",
    }
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(
            reverse("admin:staffing_availabilityexception_process_import"), data
        )

    assert done.status_code == 302
    assert AvailabilityException.objects.get().agent == agent
    assert agents_of(shared) == [team.pk]
    assert statuses(personal) == [Status.CANCELLED]
    assert citizen_messages() == {personal.pk}


def test_an_import_confirmed_for_other_appointments_writes_nothing(
    client, administrator, agent, population, team
):
    first = appointment_at(agent, population, DAY, 10, booked_for_service=False)
    client.force_login(administrator)
    upload = SimpleUploadedFile("exceptions.csv", exceptions_csv(agent).encode())
    preview = client.post(
        reverse("admin:staffing_availabilityexception_import"),
        {"import_file": upload, "format": "0", "resource": "0"},
    )
    confirm_form = preview.context["confirm_form"]
    data = {
        **{name: confirm_form[name].value() for name in confirm_form.fields},
        "consequence_note": "Formation",
    }
    later = appointment_at(agent, population, DAY, 11, booked_for_service=False)

    done = client.post(
        reverse("admin:staffing_availabilityexception_process_import"), data
    )

    assert done.status_code == 302
    assert done.url == reverse("admin:staffing_availabilityexception_import")
    assert not AvailabilityException.objects.exists()
    assert statuses(first, later) == [Status.CONFIRMED] * 2


def test_an_import_that_hits_appointments_needs_the_admins_confirmation(
    administrator, agent, population, team
):
    personal = appointment_at(agent, population, DAY, 10, booked_for_service=False)
    resource_class = type(
        "Resource", (ConsequencesResourceMixin, AvailabilityExceptionResource), {}
    )

    result = resource_class().import_data(
        Dataset().load(exceptions_csv(agent), format="csv"), user=administrator
    )

    assert result.has_errors()
    assert not AvailabilityException.objects.exists()
    assert statuses(personal) == [Status.CONFIRMED]


# --- Typical weeks: the availability editor and the admin -----------------------------

EDITOR = reverse("admin:portal_availability")


def narrowed_week(agent, population, week) -> dict:
    """The editor's form for ``week``, open on Tuesdays 9:00–10:00 only."""
    return {
        "agent": agent.pk,
        "service": population.pk,
        "week": week.pk,
        "label": "Horaire réduit",
        "valid_from": "2026-01-05",
        "valid_until": "",
        "repeat_every": "1",
        "monday": "",
        "tuesday": "09:00-10:00",
        "wednesday": "",
        "thursday": "",
        "friday": "",
        "saturday": "",
        "sunday": "",
        "action": "save",
    }


def test_a_narrowed_typical_week_hands_over_or_cancels_the_appointments_outside_the_new_hours(  # noqa: E501
    client, administrator, agent, population, team, confirm
):
    week = TypicalWeek.objects.get(agent=agent)
    inside = appointment_at(agent, population, DAY, 9, booked_for_service=False)
    shared = appointment_at(agent, population, DAY, 10)
    personal = appointment_at(agent, population, DAY, 11, booked_for_service=False)
    client.force_login(administrator)
    url = f"{EDITOR}?agent={agent.pk}&service={population.pk}"

    preview = client.post(url, narrowed_week(agent, population, week))

    assert preview.context["plan"].ids == [shared.pk, personal.pk]
    assert preview.context["plan"].keepable
    assert week.ranges.get().end == time(12)
    done = confirm(url, preview, note="Nouvel horaire")

    assert done.status_code == 302
    assert week.ranges.get().end == time(10)
    assert statuses(inside, personal) == [Status.CONFIRMED, Status.CANCELLED]
    assert agents_of(shared) == [team.pk]
    assert citizen_messages() == {personal.pk}


def test_a_narrowed_typical_week_may_keep_its_appointments_with_an_extra_opening_each(
    client, administrator, agent, population, team, confirm
):
    week = TypicalWeek.objects.get(agent=agent)
    shared = appointment_at(agent, population, DAY, 10)
    personal = appointment_at(agent, population, DAY, 11, booked_for_service=False)
    client.force_login(administrator)
    url = f"{EDITOR}?agent={agent.pk}&service={population.pk}"
    preview = client.post(url, narrowed_week(agent, population, week))

    done = confirm(url, preview, note="", choice="keep")

    assert done.status_code == 302
    assert week.ranges.get().end == time(10)
    assert statuses(shared, personal) == [Status.CONFIRMED] * 2
    assert agents_of(shared, personal) == [agent.pk, agent.pk]
    openings = AvailabilityException.objects.filter(
        agent=agent, kind=AvailabilityException.Kind.EXTRA_OPENING
    ).order_by("start")
    assert [(row.start, row.end, row.service) for row in openings] == [
        (shared.start, shared.end, population),
        (personal.start, personal.end, population),
    ]
    assert not Message.objects.exists()


def test_a_typical_week_change_that_takes_no_time_away_is_saved_at_once(
    client, administrator, agent, population, team
):
    week = TypicalWeek.objects.get(agent=agent)
    appointment_at(agent, population, DAY, 11, booked_for_service=False)
    # Already outside the hours before the change: not this change's doing.
    appointment_at(agent, population, DAY, 15, booked_for_service=False)
    client.force_login(administrator)
    data = narrowed_week(agent, population, week) | {"tuesday": "09:00-12:00"}

    response = client.post(f"{EDITOR}?agent={agent.pk}", data)

    assert response.status_code == 302
    assert TypicalWeek.objects.get(pk=week.pk).label == "Horaire réduit"


def test_deleting_an_extra_opening_in_the_editor_previews_then_cancels(
    client, administrator, agent, population, confirm
):
    open_agent(population, agent)
    extra = AvailabilityExceptionFactory(
        agent=agent,
        service=population,
        kind=AvailabilityException.Kind.EXTRA_OPENING,
        start=local(DAY, 14),
        end=local(DAY, 16),
    )
    held = appointment_at(agent, population, DAY, 15, booked_for_service=False)
    client.force_login(administrator)
    url = f"{EDITOR}?agent={agent.pk}&service={population.pk}"
    data = {"action": "delete_exception", "exception": extra.pk}

    preview = client.post(url, data)
    assert preview.context["plan"].ids == [held.pk]
    assert AvailabilityException.objects.filter(pk=extra.pk).exists()
    done = confirm(url, preview, note="Permanence supprimée")

    assert done.status_code == 302
    assert not AvailabilityException.objects.filter(pk=extra.pk).exists()
    assert statuses(held) == [Status.CANCELLED]
    assert citizen_messages() == {held.pk}


def test_deleting_a_typical_week_in_the_admin_previews_then_cancels(
    client, administrator, agent, population, confirm
):
    open_agent(population, agent)
    week = TypicalWeek.objects.get(agent=agent)
    personal = appointment_at(agent, population, DAY, 9, booked_for_service=False)
    client.force_login(administrator)
    url = reverse("admin:staffing_typicalweek_delete", args=[week.pk])

    preview = client.post(url, {"post": "yes"})
    assert TypicalWeek.objects.filter(pk=week.pk).exists()
    done = confirm(url, preview)

    assert done.status_code == 302
    assert not TypicalWeek.objects.filter(pk=week.pk).exists()
    assert statuses(personal) == [Status.CANCELLED]
    assert citizen_messages() == {personal.pk}


def test_narrowing_a_typical_week_in_the_admin_form_previews_the_appointments(
    client, administrator, agent, population, team, confirm
):
    week = TypicalWeek.objects.get(agent=agent)
    personal = appointment_at(agent, population, DAY, 11, booked_for_service=False)
    client.force_login(administrator)
    url = reverse("admin:staffing_typicalweek_change", args=[week.pk])
    data = change_form_data(client.get(url))
    [prefix] = {key.split("-")[0] for key in data if key.endswith("-TOTAL_FORMS")}
    data[f"{prefix}-0-end"] = "10:00"

    preview = client.post(url, data)
    assert preview.context["plan"].ids == [personal.pk]
    confirm(url, preview)

    assert week.ranges.get().end == time(10)
    assert statuses(personal) == [Status.CANCELLED]
    assert citizen_messages() == {personal.pk}


# --- Agents, memberships, services, reasons -------------------------------------------


def test_a_deactivated_agent_hands_over_team_appointments_and_cancels_the_others(
    client, administrator, agent, population, team, confirm
):
    shared = appointment_at(agent, population, DAY, 9)
    personal = appointment_at(agent, population, DAY, 10, booked_for_service=False)
    elsewhere = appointment_at(team, population, DAY, 11)
    client.force_login(administrator)
    url = reverse("admin:staffing_agent_change", args=[agent.pk])
    data = change_form_data(client.get(url))
    del data["is_active"]

    preview = client.post(url, data)
    assert preview.context["plan"].ids == [shared.pk, personal.pk]
    assert not preview.context["plan"].keepable
    done = confirm(url, preview, note="Départ de l'agent")

    assert done.status_code == 302
    assert not Agent.objects.get(pk=agent.pk).is_active
    assert agents_of(shared) == [team.pk]
    assert statuses(personal, elsewhere) == [Status.CANCELLED, Status.CONFIRMED]
    assert citizen_messages() == {personal.pk}


def test_a_removed_membership_cancels_the_agents_appointments_in_that_service(
    client, administrator, agent, population, foreigners, confirm
):
    open_agent(population, agent)
    open_agent(foreigners, agent)
    hit = [
        appointment_at(agent, population, DAY, 9),
        appointment_at(agent, population, DAY, 10, booked_for_service=False),
    ]
    spared = appointment_at(agent, foreigners, DAY, 11)
    membership = Membership.objects.get(agent=agent, service=population)
    client.force_login(administrator)
    url = reverse("admin:staffing_membership_delete", args=[membership.pk])

    preview = client.post(url, {"post": "yes"})
    assert preview.context["plan"].ids == [row.pk for row in hit]
    done = confirm(url, preview, note="Changement de service")

    assert done.status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert statuses(*hit, spared) == [Status.CANCELLED] * 2 + [Status.CONFIRMED]
    assert citizen_messages() == {row.pk for row in hit}


def test_memberships_deleted_from_the_list_are_previewed_too(
    client, administrator, agent, population, confirm
):
    open_agent(population, agent)
    personal = appointment_at(agent, population, DAY, 9, booked_for_service=False)
    membership = Membership.objects.get(agent=agent, service=population)
    client.force_login(administrator)
    url = reverse("admin:staffing_membership_changelist")
    data = {
        "action": "delete_selected",
        "_selected_action": [membership.pk],
        "post": "yes",
    }

    preview = client.post(url, data)
    assert preview.templates[0].name == TEMPLATE
    assert Membership.objects.filter(pk=membership.pk).exists()
    confirm(url, preview)

    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert statuses(personal) == [Status.CANCELLED]


def test_a_switched_off_reason_cancels_its_appointments(
    client, administrator, agent, population, team, confirm
):
    reason = VisitReasonFactory(service=population)
    hit = [
        appointment_at(agent, population, DAY, 9, reason=reason),
        appointment_at(team, population, DAY, 10, reason=reason),
    ]
    spared = appointment_at(agent, population, DAY, 11)
    client.force_login(administrator)
    url = reverse("admin:booking_visitreason_change", args=[reason.pk])
    data = change_form_data(client.get(url))
    del data["is_active"]

    preview = client.post(url, data)
    plan = preview.context["plan"]
    assert plan.ids == [row.pk for row in hit]
    # Nobody can take an appointment for a reason no longer offered.
    assert [change.new_agent for change in plan.changes] == [None, None]
    done = confirm(url, preview, note="Démarche supprimée")

    assert done.status_code == 302
    assert statuses(*hit, spared) == [Status.CANCELLED] * 2 + [Status.CONFIRMED]
    assert citizen_messages() == {row.pk for row in hit}


def test_a_switched_off_reason_may_keep_its_appointments(
    client, administrator, agent, population, team, confirm
):
    reason = VisitReasonFactory(service=population)
    kept = appointment_at(agent, population, DAY, 9, reason=reason)
    client.force_login(administrator)
    url = reverse("admin:booking_visitreason_change", args=[reason.pk])
    data = change_form_data(client.get(url))
    del data["is_active"]

    done = confirm(url, client.post(url, data), note="", choice="keep")

    assert done.status_code == 302
    reason.refresh_from_db()
    assert not reason.is_active
    assert statuses(kept) == [Status.CONFIRMED]
    assert not AvailabilityException.objects.exists()


def test_a_switched_off_service_cancels_its_appointments(
    client, administrator, agent, population, foreigners, team, confirm
):
    hit = [
        appointment_at(agent, population, DAY, 9),
        appointment_at(team, population, DAY, 10, booked_for_service=False),
    ]
    other = open_agent(foreigners)
    spared = appointment_at(other, foreigners, DAY, 9)
    client.force_login(administrator)
    url = reverse("admin:staffing_service_change", args=[population.pk])
    data = change_form_data(client.get(url))
    del data["is_active"]

    preview = client.post(url, data)
    assert preview.context["plan"].ids == [row.pk for row in hit]
    done = confirm(url, preview, note="Service fermé")

    assert done.status_code == 302
    assert statuses(*hit, spared) == [Status.CANCELLED] * 2 + [Status.CONFIRMED]
    assert citizen_messages() == {row.pk for row in hit}


def test_a_revert_that_would_switch_a_service_off_over_its_appointments_is_refused(
    client, administrator, agent, population, team
):
    population.is_active = False
    population.save()
    switched_off = population.history.first()
    population.is_active = True
    population.save()
    booked = appointment_at(agent, population, DAY, 9, booked_for_service=False)
    client.force_login(administrator)
    url = reverse(
        "admin:staffing_service_simple_history",
        args=[population.pk, switched_off.history_id],
    )
    data = change_form_data(client.get(url))
    data.pop("is_active", None)

    response = client.post(url, data)

    assert response.status_code == 302
    population.refresh_from_db()
    assert population.is_active
    assert statuses(booked) == [Status.CONFIRMED]


def test_a_deactivated_login_hands_over_or_cancels_its_agents_appointments(
    client, administrator, agent, population, team, confirm
):
    personal = appointment_at(agent, population, DAY, 10, booked_for_service=False)
    client.force_login(administrator)
    url = reverse("admin:auth_user_change", args=[agent.user.pk])
    data = change_form_data(client.get(url))
    data.pop("is_active", None)

    preview = client.post(url, data)
    assert preview.context["plan"].ids == [personal.pk]
    confirm(url, preview, note="Départ")

    assert statuses(personal) == [Status.CANCELLED]


# --- Moving an appointment whose agent has left ---------------------------------------


def test_the_manage_page_offers_the_services_free_times_when_the_agent_has_left(
    client, agent, population, team, django_capture_on_commit_callbacks
):
    personal = appointment_at(agent, population, DAY, 10, booked_for_service=False)
    Agent.objects.filter(pk=agent.pk).update(is_active=False)
    url = reverse("booking:manage_move", args=[make_token(personal)])

    page = client.get(url)

    assert page.status_code == 200
    slots = [slot for day in page.context["days"] for slot in day["slots"]]
    assert slots
    with django_capture_on_commit_callbacks(execute=True):
        moved = client.post(url, {"slot": slots[0]["value"]})
    assert moved.status_code == 302
    personal.refresh_from_db()
    assert (personal.agent, personal.start) == (team, slots[0]["start"])
    assert citizen_messages(Event.MOVED) == {personal.pk}


def test_moving_an_appointment_whose_agent_has_left_gives_it_to_a_free_colleague(
    agent, population, team
):
    personal = appointment_at(agent, population, DAY, 10, booked_for_service=False)
    Membership.objects.filter(agent=agent).delete()

    moved = appointment_move(appointment=personal, start=local(DAY, 11), actor=None)

    assert (moved.agent, moved.start) == (team, local(DAY, 11))


# --- The service itself ---------------------------------------------------------------


def test_a_change_plan_writes_nothing_and_apply_all_or_nothing(
    administrator, agent, population, team
):
    personal = appointment_at(agent, population, DAY, 10, booked_for_service=False)
    change = AvailabilityChange()
    pending = change.before_write(agent)
    Agent.objects.filter(pk=agent.pk).update(is_active=False)
    change.after_write(pending)

    assert change.plan().ids == [personal.pk]
    assert statuses(personal) == [Status.CONFIRMED]
    with pytest.raises(ValidationError) as refused:
        change.apply(actor=administrator, note="")
    assert "note" in refused.value.message_dict
    assert statuses(personal) == [Status.CONFIRMED]
