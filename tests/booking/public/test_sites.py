"""The public flow of a service with several sites (issue 25, point 4): the
times page offers the site and shows each time's, the later pages and the
personal link say where; a service at one site shows no choice."""

import re
from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from booking.links import make_token
from booking.models import Appointment
from tests.factories import (
    TUESDAY,
    ServiceFactory,
    SiteFactory,
    VisitReasonFactory,
    open_agent,
)

# Monday 7 December 2026, 8:00 in Brussels.
NOW = datetime(2026, 12, 7, 8, 0, tzinfo=ZoneInfo("Europe/Brussels"))
IDENTITY = {
    "last_name": "Dupont",
    "first_name": "Marie",
    "email": "marie.dupont@example.be",
    "phone": "0470 12 34 56",
}


@pytest.fixture(autouse=True)
def _frozen(instant_visitor):
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def town_hall(db):
    return SiteFactory(
        name="Hôtel de ville", address="Place communale 1, 5000 Démo", order=1
    )


@pytest.fixture
def district(db):
    return SiteFactory(
        name="Mairie de quartier",
        address="Rue du Faubourg 27, 5000 Démo",
        information="Bus 12, arrêt Faubourg.",
        order=2,
    )


@pytest.fixture
def service(town_hall, district):
    """Tuesday mornings: one agent at the town hall, one at the district
    office from 10:00."""
    service = ServiceFactory(
        slug="population",
        main_site=town_hall,
        slot_minutes=30,
        min_notice_hours=0,
        max_horizon_days=60,
    )
    open_agent(service, weekdays=(TUESDAY,), start=time(9), end=time(12))
    open_agent(
        service, weekdays=(TUESDAY,), start=time(10), end=time(12), site=district
    )
    return service


@pytest.fixture
def reason(service):
    return VisitReasonFactory(service=service, duration_minutes=30)


def url(name, **kwargs):
    return reverse(f"booking:{name}", kwargs={"service": "population", **kwargs})


def times(client, reason, **query):
    assert client.get(url("reason_start", reason=reason.pk)).url == url("slots")
    return client.get(url("slots"), query) if query else client.get(url("slots"))


def shown(response) -> list[tuple[str, str]]:
    """The times shown, as (local "HH:MM", site name)."""
    return [
        (f"{slot['start'].astimezone(NOW.tzinfo):%H:%M}", slot["site"].name)
        for day in response.context["days"]
        for slot in day["slots"]
    ]


def test_the_times_page_offers_the_sites_and_says_where_each_time_is(
    client, service, reason, district
):
    response = times(client, reason)
    content = response.content.decode()
    # The filter: all sites first and ticked, then each site with its address.
    assert re.search(r'<input type="radio" name="site" value=""[^>]*checked', content)
    assert "Mairie de quartier (Rue du Faubourg 27, 5000 Démo)" in content
    assert shown(response)[:4] == [
        ("09:00", "Hôtel de ville"),
        ("09:30", "Hôtel de ville"),
        ("10:00", "Hôtel de ville"),
        ("10:00", "Mairie de quartier"),
    ]
    # Each time shows its site's address.
    assert '<span class="slot-site-address">Rue du Faubourg 27, 5000 Démo</span>' in (
        content
    )
    # Filtered: the district office's times only.
    response = client.get(url("slots"), {"from_date": "", "site": str(district.pk)})
    assert {site for _time, site in shown(response)} == {"Mairie de quartier"}
    assert response.context["filtered"]


def test_a_time_at_a_site_is_booked_there_and_every_page_after_says_where(
    client, service, reason, district
):
    response = times(client, reason)
    chosen = next(
        slot
        for day in response.context["days"]
        for slot in day["slots"]
        if slot["site"] == district
    )
    assert chosen["value"].endswith(f"@{district.pk}")
    response = client.post(url("slots"), {"slot": chosen["value"]})
    assert response.url == url("details")
    details = client.get(url("details")).content.decode()
    assert "Mairie de quartier" in details
    assert "Rue du Faubourg 27" in details
    response = client.post(url("details"), {**IDENTITY, "remarks": ""})
    assert response.url == url("confirm")
    confirm = client.get(url("confirm")).content.decode()
    assert "Mairie de quartier" in confirm
    assert "Bus 12, arrêt Faubourg." in confirm

    response = client.post(url("confirm"), {"website": ""})
    assert response.url == url("done")
    appointment = Appointment.objects.get()
    assert appointment.site == district
    assert appointment.start == chosen["start"]
    done = client.get(url("done")).content.decode()
    assert f'data-site="{district.pk}"' in done
    assert "Rue du Faubourg 27" in done
    manage = client.get(
        reverse("booking:manage", kwargs={"token": make_token(appointment)})
    ).content.decode()
    assert f'data-site="{district.pk}"' in manage
    assert "Rue du Faubourg 27" in manage


def test_a_site_that_no_agent_sits_at_then_is_refused(
    client, service, reason, district
):
    times(client, reason)
    # 9:00 at the district office: nobody sits there before 10:00.
    value = datetime(2026, 12, 8, 9, tzinfo=NOW.tzinfo).isoformat()
    response = client.post(url("slots"), {"slot": f"{value}@{district.pk}"})
    assert response.status_code == 200
    assert response.context["form"].errors


def test_a_service_at_one_site_offers_no_choice(client, db):
    service = ServiceFactory(slug="population", min_notice_hours=0)
    open_agent(service, weekdays=(TUESDAY,), start=time(9), end=time(12))
    reason = VisitReasonFactory(service=service, duration_minutes=30)
    response = times(client, reason)
    assert 'name="site"' not in response.content.decode()
    first = response.context["days"][0]["slots"][0]
    assert first["site"] is None
    assert "@" not in first["value"]


def test_the_home_page_lists_a_services_sites(client, service, reason):
    content = client.get(reverse("booking:home")).content.decode()
    assert "Hôtel de ville" in content
    assert "Mairie de quartier" in content
