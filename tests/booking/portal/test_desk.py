"""The portal's additions to the admin: desk actions, a citizen's appointments."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from booking.models import Appointment
from tests.factories import AppointmentFactory, CitizenFactory


def test_changelist_actions_mark_done_and_no_show(client, agent, population):
    done = AppointmentFactory(agent=agent, service=population)
    # A no-show is recorded once the appointment has begun (issue 21).
    absent = AppointmentFactory(
        agent=agent, service=population, start=timezone.now() - timedelta(hours=1)
    )
    client.force_login(agent.user)
    url = reverse("admin:booking_appointment_changelist")
    client.post(url, {"action": "mark_done", "_selected_action": [done.pk]})
    client.post(url, {"action": "mark_no_show", "_selected_action": [absent.pk]})
    done.refresh_from_db()
    absent.refresh_from_db()
    assert done.status == Appointment.Status.DONE
    assert absent.status == Appointment.Status.NO_SHOW
    assert done.history.first().history_user == agent.user


def test_changelist_action_cannot_reach_another_service(client, agent, foreigners):
    other = AppointmentFactory(service=foreigners)
    client.force_login(agent.user)
    client.post(
        reverse("admin:booking_appointment_changelist"),
        {"action": "mark_done", "_selected_action": [other.pk]},
    )
    other.refresh_from_db()
    assert other.status == Appointment.Status.CONFIRMED


def test_detail_button_marks_arrival_after_the_dialog(client, agent, population):
    appointment = AppointmentFactory(agent=agent, service=population)
    client.force_login(agent.user)
    url = reverse("admin:booking_appointment_desk_arrived", args=[appointment.pk])
    dialog = client.get(url)
    assert dialog.status_code == 200
    appointment.refresh_from_db()
    assert appointment.arrived_at is None  # a GET only shows the dialog
    response = client.post(url, {"_form_submitted": "on"}, HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"].endswith(f"/{appointment.pk}/change/")
    appointment.refresh_from_db()
    assert appointment.arrived_at is not None


def test_detail_button_cannot_reach_another_service(client, agent, foreigners):
    other = AppointmentFactory(service=foreigners)
    client.force_login(agent.user)
    url = reverse("admin:booking_appointment_desk_done", args=[other.pk])
    client.post(url, {"_form_submitted": "on"})
    other.refresh_from_db()
    assert other.status == Appointment.Status.CONFIRMED


def test_citizen_page_lists_the_appointments_of_the_user_services(
    client, agent, population, foreigners
):
    citizen = CitizenFactory()
    mine = AppointmentFactory(citizen=citizen, service=population, agent=agent)
    hidden = AppointmentFactory(citizen=citizen, service=foreigners)
    client.force_login(agent.user)
    response = client.get(reverse("admin:booking_citizen_change", args=[citizen.pk]))
    assert response.status_code == 200
    formset = next(
        item
        for item in response.context["inline_admin_formsets"]
        if item.formset.model is Appointment
    )
    listed = [form.instance for form in formset.formset.forms]
    assert listed == [mine]
    assert hidden not in listed
