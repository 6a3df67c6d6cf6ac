"""The appointment admin changes appointments only through the booking
services (issue 12, point 2; R21, R23): read-only scheduling fields, "add"
goes to phone booking, status changes are buttons calling the services, no
delete, no history revert, and no other code writes appointments."""

import re
from datetime import date, datetime
from pathlib import Path

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.core import mail
from django.urls import reverse

from booking.models import Appointment
from booking.portal.appointment_admin import SCHEDULING_FIELDS
from tests.factories import (
    AvailabilityExceptionFactory,
    ClosureFactory,
    TypicalWeekFactory,
    appointment_at,
    local,
    open_agent,
)

# A Tuesday of 2030: the agents below are open 9:00-12:00 on Tuesdays.
DAY = date(2030, 3, 5)
NOW = datetime(2030, 3, 1, 8, 0, tzinfo=local(DAY, 0).tzinfo)


@pytest.fixture(autouse=True)
def clock():
    """The Friday before DAY, whatever today is."""
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.fixture
def appointment(agent, population):
    """A confirmed team appointment of the Population agent, DAY at 9:00."""
    open_agent(population, agent)
    return appointment_at(agent, population, DAY, 9)


def change_url(appointment):
    return reverse("admin:booking_appointment_change", args=[appointment.pk])


def action_url(name, appointment):
    return reverse(
        f"admin:booking_appointment_{name}_appointment", args=[appointment.pk]
    )


def post_dialog(client, url, data=None):
    """What unfold's dialog posts (with htmx)."""
    return client.post(
        url, {"_form_submitted": "on", **(data or {})}, HTTP_HX_REQUEST="true"
    )


def levels(response):
    return [message.level_tag for message in get_messages(response.wsgi_request)]


# --- The change form ------------------------------------------------------------------


def test_the_change_form_shows_scheduling_fields_read_only(client, agent, appointment):
    client.force_login(agent.user)
    response = client.get(change_url(appointment))
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert set(form.fields) == {"remarks"}
    readonly = set(response.context["adminform"].readonly_fields)
    assert set(SCHEDULING_FIELDS) <= readonly
    # The buttons that change them instead.
    page = response.content.decode()
    for name in ("cancel", "move", "desk_done", "desk_no_show"):
        url = (
            action_url(name, appointment)
            if "_" not in name
            else reverse(f"admin:booking_appointment_{name}", args=[appointment.pk])
        )
        assert url in page, name


def test_posting_scheduling_fields_changes_only_the_remarks_through_the_service(
    client, agent, appointment, population, foreigners
):
    """A forged POST (another agent, service, time, status) changes nothing but
    the remarks, saved by ``appointment_update_notes`` with its history."""
    intruder = open_agent(foreigners)
    client.force_login(agent.user)
    response = client.post(
        change_url(appointment),
        {
            "remarks": "  Vient avec un interprète  ",
            "agent": intruder.pk,
            "service": foreigners.pk,
            "start_0": "2030-03-10",
            "start_1": "03:00",
            "status": Appointment.Status.CANCELLED,
            "citizen": appointment.citizen.pk + 1,
        },
    )
    assert response.status_code == 302
    before_start, before_agent = appointment.start, appointment.agent_id
    appointment.refresh_from_db()
    assert appointment.remarks == "Vient avec un interprète"
    assert (appointment.start, appointment.agent_id) == (before_start, before_agent)
    assert appointment.service == population
    assert appointment.status == Appointment.Status.CONFIRMED
    record = appointment.history.first()
    assert (record.history_user, record.history_change_reason) == (
        agent.user,
        "remarks changed",
    )


def test_adding_an_appointment_in_the_admin_goes_to_phone_booking(client, agent):
    client.force_login(agent.user)
    add = reverse("admin:booking_appointment_add")
    assert client.get(add).url == reverse("admin:portal_phone")
    response = client.post(add, {"remarks": "x"})
    assert response.status_code == 302
    assert response.url == reverse("admin:portal_phone")
    assert not Appointment.objects.exists()


def test_nobody_deletes_an_appointment_in_the_admin(client, administrator, appointment):
    client.force_login(administrator)
    url = reverse("admin:booking_appointment_delete", args=[appointment.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert Appointment.objects.filter(pk=appointment.pk).exists()


# --- The buttons ----------------------------------------------------------------------


def test_cancel_action_cancels_through_the_service_and_tells_the_citizen(
    client, agent, appointment, django_capture_on_commit_callbacks
):
    client.force_login(agent.user)
    url = action_url("cancel", appointment)
    dialog = client.get(url)
    assert dialog.status_code == 200
    assert 'name="reason"' in dialog.content.decode()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = post_dialog(client, url, {"reason": "Agent malade"})
    assert response.status_code == 204
    assert response["HX-Redirect"] == change_url(appointment)
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CANCELLED
    assert appointment.cancellation_reason == "Agent malade"
    record = appointment.history.first()
    assert (record.history_user, record.history_change_reason) == (
        agent.user,
        "cancelled",
    )
    to_citizen = [m for m in mail.outbox if m.to == [appointment.citizen.email]]
    assert to_citizen and "Agent malade" in to_citizen[0].body


def test_revoke_link_gives_a_new_code_through_the_service(
    client, agent, appointment, foreigners
):
    """Issue 20: the button revokes the citizen's links; the old code opens
    nothing; an agent of another service is refused."""
    from booking.links import appointment_for_token

    old = appointment.link_code
    url = reverse("admin:booking_appointment_revoke_link", args=[appointment.pk])
    client.force_login(agent.user)
    assert url in client.get(change_url(appointment)).content.decode()
    assert client.get(url).status_code == 200  # the dialog: are you sure?
    appointment.refresh_from_db()
    assert appointment.link_code == old  # a GET changes nothing
    response = post_dialog(client, url)
    assert response.status_code == 204
    appointment.refresh_from_db()
    assert appointment.link_code != old
    assert appointment_for_token(old) is None
    record = appointment.history.first()
    assert (record.history_user, record.history_change_reason) == (
        agent.user,
        "personal link revoked",
    )
    stranger = open_agent(foreigners)
    client.force_login(stranger.user)
    code = appointment.link_code
    assert post_dialog(client, url).status_code == 403
    appointment.refresh_from_db()
    assert appointment.link_code == code


def test_cancel_action_needs_the_reason_the_citizen_reads(client, agent, appointment):
    client.force_login(agent.user)
    response = post_dialog(client, action_url("cancel", appointment), {"reason": ""})
    assert response.status_code == 200  # the dialog again, with the error
    assert response.context["form"].errors["reason"]
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CONFIRMED


def test_cancel_is_offered_only_on_an_open_appointment_of_the_users_services(
    client, agent, appointment, foreigners
):
    other = appointment_at(open_agent(foreigners), foreigners, DAY, 9)
    done = appointment_at(
        appointment.agent,
        appointment.service,
        DAY,
        10,
        status=Appointment.Status.DONE,
    )
    client.force_login(agent.user)
    for refused in (other, done):
        url = action_url("cancel", refused)
        assert post_dialog(client, url, {"reason": "x"}).status_code == 403
        refused.refresh_from_db()
        assert refused.status != Appointment.Status.CANCELLED
    assert (
        action_url("cancel", done) not in client.get(change_url(done)).content.decode()
    )


def test_move_action_moves_through_the_service_and_refuses_a_closed_time(
    client, agent, appointment, django_capture_on_commit_callbacks
):
    client.force_login(agent.user)
    url = action_url("move", appointment)
    assert client.get(url).context["form"]["start"].value() == "2030-03-05T09:00"
    with django_capture_on_commit_callbacks(execute=True):
        moved = post_dialog(client, url, {"start": "2030-03-05T10:30"})
    assert moved.status_code == 204
    appointment.refresh_from_db()
    assert appointment.start == local(DAY, 10, 30)
    assert appointment.end == local(DAY, 10, 45)
    assert appointment.history.first().history_change_reason == "moved"

    # 03:00 on a Sunday: nobody works, the service refuses.
    refused = post_dialog(client, url, {"start": "2030-03-10T03:00"})
    assert refused.status_code == 204
    assert levels(refused)[-1] == "error"
    appointment.refresh_from_db()
    assert appointment.start == local(DAY, 10, 30)


def test_move_action_refuses_a_double_booking(client, agent, appointment):
    appointment_at(agent, appointment.service, DAY, 10, booked_for_service=False)
    client.force_login(agent.user)
    response = post_dialog(
        client, action_url("move", appointment), {"start": "2030-03-05T10:00"}
    )
    assert levels(response)[-1] == "error"
    appointment.refresh_from_db()
    assert appointment.start == local(DAY, 9)


def test_reassign_action_offers_free_colleagues_and_reassigns_through_the_service(
    client, manager, agent, appointment, population, django_capture_on_commit_callbacks
):
    free = open_agent(population)
    busy = open_agent(population)
    appointment_at(busy, population, DAY, 9, booked_for_service=False)
    client.force_login(manager.user)
    url = action_url("reassign", appointment)
    offered = dict(client.get(url).context["form"].fields["agent"].choices)
    assert set(offered) == {free.pk}
    # A busy colleague posted by hand is not a valid choice.
    assert post_dialog(client, url, {"agent": busy.pk}).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = post_dialog(client, url, {"agent": free.pk})
    assert response.status_code == 204
    appointment.refresh_from_db()
    assert appointment.agent == free
    assert appointment.history.first().history_user == manager.user


def test_reassign_is_the_managers_job(client, agent, appointment, population):
    colleague = open_agent(population)
    client.force_login(agent.user)
    url = action_url("reassign", appointment)
    assert post_dialog(client, url, {"agent": colleague.pk}).status_code == 403
    assert url not in client.get(change_url(appointment)).content.decode()
    appointment.refresh_from_db()
    assert appointment.agent == agent


def test_the_detail_buttons_mark_done_and_no_show_through_the_service(
    client, agent, appointment
):
    absent = appointment_at(agent, appointment.service, DAY, 10)
    client.force_login(agent.user)
    for status, row in (("done", appointment), ("no_show", absent)):
        url = reverse(f"admin:booking_appointment_desk_{status}", args=[row.pk])
        # A no-show is recorded once the appointment has begun (issue 21).
        with time_machine.travel(local(DAY, 11), tick=True):
            post_dialog(client, url)
        row.refresh_from_db()
        assert row.status == status
        assert row.history.first().history_change_reason == f"marked {status}"


# --- History --------------------------------------------------------------------------


def test_history_revert_is_refused_for_appointments(client, administrator, appointment):
    first = appointment.history.earliest()
    from booking.services import appointment_update_notes

    appointment_update_notes(
        appointment=appointment, remarks="Nouvelle remarque", actor=administrator
    )
    client.force_login(administrator)
    url = reverse(
        "admin:booking_appointment_simple_history",
        args=[appointment.pk, first.history_id],
    )
    page = client.get(url)
    assert page.status_code == 200  # still readable
    assert page.context["revert_disabled"] is True
    assert 'name="_change_history"' not in page.content.decode()
    history = client.get(
        reverse("admin:booking_appointment_history", args=[appointment.pk])
    )
    assert history.context["revert_disabled"] is True
    assert client.post(url, {"remarks": ""}).status_code == 403
    appointment.refresh_from_db()
    assert appointment.remarks == "Nouvelle remarque"


@pytest.mark.parametrize("model", ["typicalweek", "availabilityexception", "closure"])
def test_history_revert_is_refused_where_staffing_writes_have_rules(
    client, administrator, agent, population, model
):
    row = {
        "typicalweek": lambda: TypicalWeekFactory(agent=agent, service=population),
        "availabilityexception": lambda: AvailabilityExceptionFactory(
            agent=agent, start=local(DAY, 8), end=local(DAY, 12)
        ),
        "closure": lambda: ClosureFactory(service=population),
    }[model]()
    version = row.history.earliest()
    client.force_login(administrator)
    url = reverse(
        f"admin:staffing_{model}_simple_history", args=[row.pk, version.history_id]
    )
    assert client.get(url).context["revert_disabled"] is True
    assert client.post(url, {}).status_code == 403


# --- One door -------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[3]
# A write to appointments: .save() on one, or a queryset update, create,
# delete or bulk write. (An unsaved Appointment(...) is no write: messaging
# builds one to preview a template.)
_WRITE = re.compile(
    r"appointment\.save\("
    r"|Appointment\.objects[^\n]*\.(update|create|bulk_create|bulk_update|delete"
    r"|get_or_create|update_or_create)\("
    r"|appointments?_?\w*\.(update|delete)\("
)
# booking/services.py is the door; the demo loader bulk-creates its generated
# rows on purpose (its docstring says so); migrations hold no code that runs now.
_ALLOWED = {"booking/services.py", "booking/management/commands/seed_demo.py"}


def test_only_the_booking_services_write_appointments():
    offenders = []
    for app in ("booking", "core", "messaging", "reports", "staffing"):
        for path in (ROOT / app).rglob("*.py"):
            relative = path.relative_to(ROOT).as_posix()
            if relative in _ALLOWED or "/migrations/" in relative:
                continue
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if _WRITE.search(line) and "Membership" not in line:
                    offenders.append(f"{relative}:{number}: {line.strip()}")
    assert offenders == []


# --- Who gets what --------------------------------------------------------------------


@pytest.fixture
def users(administrator, manager, agent):
    return {
        "administrator": administrator,
        "manager": manager.user,
        "agent": agent.user,
    }


# role -> expected status for each URL of the appointment admin, on an upcoming
# team appointment of Population (the manager manages it, the agent holds it).
MATRIX = {
    "changelist": {"administrator": 200, "manager": 200, "agent": 200},
    "add": {"administrator": 302, "manager": 302, "agent": 302},
    "change": {"administrator": 200, "manager": 200, "agent": 200},
    "delete": {"administrator": 403, "manager": 403, "agent": 403},
    "history": {"administrator": 200, "manager": 200, "agent": 200},
    "revert": {"administrator": 403, "manager": 403, "agent": 403},
    "cancel": {"administrator": 200, "manager": 200, "agent": 200},
    "move": {"administrator": 200, "manager": 200, "agent": 200},
    "reassign": {"administrator": 200, "manager": 200, "agent": 403},
    "desk_done": {"administrator": 200, "manager": 200, "agent": 200},
}


def _url(page, appointment):
    pk = appointment.pk
    if page in ("changelist", "add"):
        return reverse(f"admin:booking_appointment_{page}")
    if page in ("cancel", "move", "reassign"):
        return action_url(page, appointment)
    if page == "revert":
        version = appointment.history.earliest().history_id
        return reverse("admin:booking_appointment_simple_history", args=[pk, version])
    return reverse(f"admin:booking_appointment_{page}", args=[pk])


@pytest.mark.parametrize("role", ["administrator", "manager", "agent"])
@pytest.mark.parametrize("page", list(MATRIX))
def test_the_appointment_admin_answers_each_role_as_the_matrix_says(
    client, users, appointment, page, role
):
    client.force_login(users[role])
    url = _url(page, appointment)
    response = client.post(url, {}) if page == "revert" else client.get(url)
    assert response.status_code == MATRIX[page][role]


@pytest.mark.parametrize("role", ["manager", "agent"])
def test_another_services_appointment_is_out_of_reach(client, users, foreigners, role):
    other = appointment_at(open_agent(foreigners), foreigners, DAY, 9)
    client.force_login(users[role])
    assert client.get(_url("change", other)).status_code == 302  # "does not exist"
    assert client.get(_url("history", other)).status_code == 404
    for page in ("cancel", "move", "reassign", "desk_done"):
        assert client.get(_url(page, other)).status_code == 403, page


def test_anonymous_visitors_are_sent_to_the_login(client, appointment):
    for page in MATRIX:
        response = client.get(_url(page, appointment))
        assert response.status_code == 302, page
        assert reverse("admin:login") in response.url, page


def test_the_change_form_offers_no_save_and_add_another(
    client, administrator, appointment
):
    client.force_login(administrator)

    page = client.get(
        reverse("admin:booking_appointment_change", args=[appointment.pk])
    ).content.decode()

    assert 'name="_save"' in page
    assert 'name="_addanother"' not in page


def test_the_change_form_shows_the_contact_details_the_booking_brought(
    client, agent, appointment
):
    Appointment.objects.filter(pk=appointment.pk).update(
        contact_email="given@example.be", contact_address="Rue cachée 1"
    )
    client.force_login(agent.user)

    page = client.get(
        reverse("admin:booking_appointment_change", args=[appointment.pk])
    ).content.decode()
    found = client.get(
        reverse("admin:booking_appointment_changelist"), {"q": "given@example.be"}
    )

    assert "given@example.be" in page
    assert "Rue cachée 1" not in page  # the agent's service asks for no address
    assert list(found.context["cl"].result_list) == [appointment]
