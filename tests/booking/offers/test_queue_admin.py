"""The staff's view of each service's earlier-time queue (issue 25, point 2):
members see their services' queues, the administrator every one, with the
place in line, the appointment, the criteria and the offers sent."""

from datetime import timedelta

import pytest
from django.urls import reverse

from booking import offers
from booking.models import EarlierTimeRequest
from tests.factories import AppointmentFactory, VisitReasonFactory

URL = reverse("admin:booking_earliertimerequest_changelist")


@pytest.fixture
def queues(world, foreigners, clock):
    anne, bruno = world["anne"], world["bruno"]
    offers.earlier_request_join(appointment=anne, parts=["morning"])
    clock.shift(timedelta(minutes=1))
    offers.earlier_request_join(appointment=bruno)
    elsewhere = AppointmentFactory(
        service=foreigners, reason=VisitReasonFactory(service=foreigners)
    )
    other = EarlierTimeRequest.objects.create(appointment=elsewhere)
    return anne.earlier_request, bruno.earlier_request, other


def listed(client, user, django_assert_max_num_queries):
    client.force_login(user)
    with django_assert_max_num_queries(40):
        response = client.get(URL)
    assert response.status_code == 200
    return response.context["cl"].result_list


def test_the_administrator_sees_every_queue(
    client, administrator, queues, django_assert_max_num_queries
):
    rows = listed(client, administrator, django_assert_max_num_queries)
    assert {row.pk for row in rows} == {request.pk for request in queues}


@pytest.mark.parametrize("role", ["manager", "agent"])
def test_members_see_their_services_queue_only(
    client, role, request, queues, django_assert_max_num_queries
):
    member = request.getfixturevalue(role)
    anne, bruno, other = queues
    rows = listed(client, member.user, django_assert_max_num_queries)
    assert {row.pk for row in rows} == {anne.pk, bruno.pk}
    positions = {row.pk: row.line_position for row in rows}
    assert positions == {anne.pk: 1, bruno.pk: 2}
    page = client.get(URL).content.decode()
    assert anne.appointment.citizen.last_name.upper() in page
    # Another service's request does not open.
    response = client.get(
        reverse("admin:booking_earliertimerequest_change", args=[other.pk])
    )
    assert response.status_code == 302


def test_the_queue_is_read_only(client, manager, queues):
    anne = queues[0]
    client.force_login(manager.user)
    url = reverse("admin:booking_earliertimerequest_change", args=[anne.pk])
    page = client.get(url).content.decode()
    assert 'name="_save"' not in page
    assert client.post(url, {"status": "stopped"}).status_code == 403
    anne.refresh_from_db()
    assert anne.status == EarlierTimeRequest.Status.WAITING
