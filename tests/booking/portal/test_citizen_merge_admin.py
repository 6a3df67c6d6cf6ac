"""The citizen admin's "Merge these citizens" action (issue 14, point 1):
a preview first, then ``citizen_merge``; administrators, and service managers
for citizens whose appointments are all in services they manage."""

from datetime import date, timedelta

import pytest
import time_machine
from django.contrib.admin import helpers
from django.urls import reverse

from booking.models import Appointment, Citizen
from tests.factories import AppointmentFactory, CitizenFactory, local
from tests.i18n import translated

CHANGELIST = "admin:booking_citizen_changelist"
NOW = local(date(2027, 1, 4), 9)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.fixture
def maries(population, agent):
    """One person, two rows: her second booking brought a national number."""
    older = CitizenFactory(
        last_name="Dupont", first_name="Marie", email="marie@example.be"
    )
    newer = CitizenFactory(
        last_name="Dupont",
        first_name="Marie",
        email="marie@example.be",
        national_number="85073003328",
    )
    for hours, citizen in ((10, older), (11, newer)):
        start = local(date(2027, 1, 6), hours)
        AppointmentFactory(
            service=population,
            agent=agent,
            citizen=citizen,
            start=start,
            end=start + timedelta(minutes=15),
        )
    return older, newer


def act(client, citizens, **extra):
    return client.post(
        reverse(CHANGELIST),
        {
            "action": "merge_citizens",
            helpers.ACTION_CHECKBOX_NAME: [c.pk for c in citizens],
            **extra,
        },
    )


def test_merge_shows_a_preview_then_merges_into_the_chosen_citizen(
    client, administrator, maries
):
    older, newer = maries
    client.force_login(administrator)
    preview = act(client, [older, newer], keep=newer.pk)
    assert preview.status_code == 200
    assert preview.templates[0].name == "admin/booking/citizen/merge_preview.html"
    assert preview.context["keep"] == newer
    assert [m.citizen_id for m in preview.context["moving"]] == [older.pk]
    assert Citizen.objects.count() == 2  # a preview changes nothing

    # "Merge" for a row other than the one previewed shows its preview first.
    changed_mind = act(
        client, [older, newer], keep=older.pk, post="yes", previewed=newer.pk
    )
    assert changed_mind.status_code == 200
    assert Citizen.objects.count() == 2

    done = act(client, [older, newer], keep=newer.pk, post="yes", previewed=newer.pk)
    assert done.status_code == 302
    assert list(Citizen.objects.all()) == [newer]
    assert set(Appointment.objects.values_list("citizen_id", flat=True)) == {newer.pk}


def test_a_manager_merges_the_citizens_of_his_services_only(
    client, manager, maries, foreigners
):
    older, newer = maries
    client.force_login(manager.user)
    assert act(client, [older, newer]).status_code == 200

    # An appointment in a service he does not manage makes it the administrator's.
    AppointmentFactory(service=foreigners, citizen=newer)
    refused = act(client, [older, newer], keep=older.pk, post="yes", previewed=older.pk)
    assert refused.status_code == 302
    assert Citizen.objects.count() == 2
    shown = [str(m) for m in refused.wsgi_request._messages]
    assert shown == [
        translated(
            "You may not merge these citizens: one of them has appointments in a "
            "service you do not manage."
        )
    ]


def test_an_agent_is_not_offered_the_merge(client, agent, maries):
    older, newer = maries
    client.force_login(agent.user)
    page = client.get(reverse(CHANGELIST))
    form = page.context["action_form"]
    offered = [name for name, _label in form.fields["action"].choices] if form else []
    assert "merge_citizens" not in offered
    response = act(
        client, [older, newer], keep=older.pk, post="yes", previewed=older.pk
    )
    # The list ignores an action it does not offer: no preview, no merge.
    assert "admin/booking/citizen/merge_preview.html" not in [
        template.name for template in response.templates
    ]
    assert Citizen.objects.count() == 2


def test_anonymous_visitors_are_sent_to_the_login(client, maries):
    older, newer = maries
    response = act(client, [older, newer])
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))
    assert Citizen.objects.count() == 2
