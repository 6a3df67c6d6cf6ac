"""The booking reference on the citizen's pages (issue 22): the done page shows
it with its QR code; the personal link's page shows it too."""

from booking.links import manage_path
from booking.models import Appointment
from tests.factories import AppointmentFactory

from .test_views import _no_waiting, reason, service, url, walk_to_confirm  # noqa: F401


def test_the_done_page_shows_the_reference_and_its_qr_code(client, service, reason):  # noqa: F811
    walk_to_confirm(client, reason)
    client.post(url("confirm"), {"website": ""})
    appointment = Appointment.objects.get()
    done = client.get(url("done"))
    content = done.content.decode()
    assert appointment.reference_display in content
    assert 'class="reference-qr" role="img"' in content
    assert "<svg" in content  # inline: no image request, nothing for the CSP
    # The reference is never the id (tests/booking/test_references.py shows
    # consecutive ids get unrelated references): the page names no id either.
    assert f"/{appointment.pk}/" not in content


def test_the_personal_page_shows_the_reference(client, db):
    appointment = AppointmentFactory()
    page = client.get(manage_path(appointment))
    assert page.status_code == 200
    assert appointment.reference_display in page.content.decode()
