"""A refused page says so in the user's language, with the admin's look (403)."""

from django.urls import reverse

from tests.factories import AppointmentFactory
from tests.i18n import translated


def test_a_refused_admin_page_explains_in_the_users_language(client, agent, population):
    appointment = AppointmentFactory(service=population, agent=agent)
    client.force_login(agent.user)

    response = client.get(
        reverse("admin:booking_appointment_reassign_appointment", args=[appointment.pk])
    )

    page = response.content.decode()
    assert response.status_code == 403
    assert translated("Not allowed") in page
    assert translated("Back to the dashboard") in page  # the admin's page, not bare
