"""The public wizard asks the details of the reason chosen (issue 20, point 3):
"I do not have one yet" works without JavaScript, and a reason changed after
the details sends the citizen back to give what it asks. The rules
themselves, through every door: tests/booking/test_identity_rules.py."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils.html import escape

from booking.citizen_rules import Ask
from booking.models import Appointment
from tests.factories import VisitReasonFactory
from tests.i18n import translated

from .test_views import (  # noqa: F401 (fixtures)
    IDENTITY,
    _no_waiting,
    reason,
    service,
    url,
    walk_to_details,
)

# A Tuesday morning of winter time: the flow proposes the same day's times.
NOW = datetime(2026, 3, 17, 8, 0, tzinfo=ZoneInfo("Europe/Brussels"))


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=True) as traveller:
        yield traveller


@pytest.fixture
def arrival(service):  # noqa: F811
    service.requires_national_number = True
    service.save()
    return VisitReasonFactory(
        service=service,
        name="Déclaration d'arrivée",
        national_number_rule=Ask.OPTIONAL,
        no_national_number_allowed=True,
    )


def finish(client, response):
    """From the details step's answer to the booking (the remarks step, if
    the flow still has one, left empty)."""
    assert response.status_code == 302, response.context["form"].errors
    if response.url == url("remarks"):
        response = client.post(url("remarks"), {"remarks": ""})
    assert response.url == url("confirm")
    page = client.get(url("confirm"))
    done = client.post(url("confirm"), {"website": ""})
    assert done.status_code == 302
    assert done.url == url("done")
    return page


def test_the_details_page_offers_the_box_where_the_reason_allows_it(client, arrival):
    walk_to_details(client, arrival)
    content = client.get(url("details")).content.decode()
    assert 'name="national_number"' in content
    assert 'type="checkbox" name="no_national_number"' in content
    assert 'data-disables="id_national_number"' in content
    assert '<label for="id_no_national_number">' in content
    label = translated("I do not have a national register number yet")
    assert escape(label) in content


def test_without_javascript_the_box_books_without_the_number(client, arrival):
    walk_to_details(client, arrival)
    # JavaScript off: the field stays enabled, a number typed is sent too.
    response = client.post(
        url("details"),
        {**IDENTITY, "national_number": "85.07.30-033.28", "no_national_number": "on"},
    )
    confirm = finish(client, response)
    assert translated("None yet") in confirm.content.decode()
    appointment = Appointment.objects.get()
    assert appointment.no_national_number
    assert appointment.citizen.national_number == ""


def test_a_reason_that_requires_the_number_refuses_the_box(client, service, reason):  # noqa: F811
    service.requires_national_number = True
    service.save()
    walk_to_details(client, reason)
    response = client.post(url("details"), {**IDENTITY, "no_national_number": "on"})
    assert response.status_code == 200
    assert response.context["form"].errors["national_number"] == [
        translated("Enter your national register number.")
    ]
    assert "no_national_number" not in response.context["form"].fields
    assert not Appointment.objects.exists()


def test_a_bis_number_books(client, arrival):
    walk_to_details(client, arrival)
    finish(
        client,
        client.post(url("details"), {**IDENTITY, "national_number": "98472899765"}),
    )
    appointment = Appointment.objects.get()
    assert appointment.citizen.national_number == "98472899765"
    assert not appointment.no_national_number


def test_a_reason_changed_after_the_details_asks_its_own(client, service, reason):  # noqa: F811
    """Details given for a reason that asks no number; the citizen then
    chooses one that requires it: the confirm step sends back to the details."""
    walk_to_details(client, reason)
    response = client.post(url("details"), IDENTITY)
    assert response.status_code == 302
    required = VisitReasonFactory(
        service=service, name="Séjour", national_number_rule=Ask.REQUIRED
    )
    client.post(url("reason"), {"reason": required.pk})
    back = client.get(url("confirm"))
    assert back.status_code == 302
    assert back.url in (url("details"), url("criteria"), url("slots"))
    assert not Appointment.objects.exists()
