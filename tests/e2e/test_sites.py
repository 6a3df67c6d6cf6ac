"""A citizen picks a site on the times page and books there (issue 25, point
4), in a real browser: still five screens, the page passes axe."""

from datetime import time, timedelta

import pytest
from django.utils import timezone

from booking.models import Appointment
from tests.factories import EVERY_DAY, SiteFactory, open_agent

from .test_public_booking import CONTINUE, fill_details, screens_of, step_url

pytestmark = pytest.mark.e2e


@pytest.fixture
def district(population):
    """Population also receives at a district office, where a second agent
    sits every day from 8:00 to 18:00; its main site is the town hall."""
    population.main_site = SiteFactory(
        name="Hôtel de ville", address="Place communale 1, 5000 Démo", order=1
    )
    population.save()
    district = SiteFactory(
        name="Mairie de quartier",
        address="Rue du Faubourg 27, 5000 Démo",
        information="Bus 12, arrêt Faubourg.",
        order=2,
    )
    open_agent(
        population,
        weekdays=EVERY_DAY,
        start=time(8),
        end=time(18),
        valid_from=timezone.localdate() - timedelta(days=7),
        site=district,
    )
    return district


def test_a_citizen_picks_a_site_on_the_times_page_and_books_there(
    new_page, population, district, assert_accessible
):
    page = new_page(language="fr")
    screens = screens_of(page)
    page.goto("/")
    assert "Mairie de quartier" in page.inner_text(".service-list")
    page.click("a.service-reason")
    page.wait_for_url(step_url("slots"))
    # Every site at first, each time saying where.
    assert page.locator(".slot-site").count() > 0
    page.click(".criteria-box summary")
    page.check(f"input[name=site][value='{district.pk}']")
    page.click(".criteria-box button[type=submit]")
    page.wait_for_url(step_url("slots"))
    page.locator(f"[data-slot-site='{district.pk}']").first.wait_for()
    assert (
        page.locator(".slot-site").count()
        == page.locator(f"[data-slot-site='{district.pk}']").count()
    )
    assert "Rue du Faubourg 27, 5000 Démo" in page.inner_text(".slot-days")
    assert_accessible(page)

    page.click(".slot-label >> nth=0")
    page.click(CONTINUE)
    page.wait_for_url(step_url("details"))
    assert "Mairie de quartier" in page.inner_text(".flow-aside")
    fill_details(page)
    page.click(CONTINUE)
    page.wait_for_url(step_url("confirm"))
    assert "Bus 12, arrêt Faubourg." in page.inner_text("main")
    page.click(CONTINUE)
    page.wait_for_url(step_url("done"))
    assert "Rue du Faubourg 27" in page.inner_text("main")
    assert_accessible(page)

    assert Appointment.objects.get().site == district
    # The filter is no step of its own: still five screens.
    assert screens == [
        "",
        "population/slots/",
        "population/details/",
        "population/confirm/",
        "population/done/",
    ]
