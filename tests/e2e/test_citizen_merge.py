"""The citizen merge in a browser (issue 14, point 1): a manager selects two
rows of one person in the citizen list, runs "Merge these citizens", reads the
preview, chooses the row that stays and merges.

``MERGE_SCREENSHOT=path.png`` saves the preview page (README, reviews).
"""

import os
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from booking.models import Appointment, Citizen
from core.roles import SERVICE_MANAGER
from staffing.models import Membership
from tests.factories import (
    AgentFactory,
    AppointmentFactory,
    CitizenFactory,
    MembershipFactory,
    ServiceFactory,
)

from . import test_portal

# The portal's fixtures: a browser, and a page logged in to the admin.
portal_browser = test_portal.portal_browser
login = test_portal.login

pytestmark = pytest.mark.e2e

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def two_rows(transactional_db):
    service = ServiceFactory(
        name="Population", slug="population", requires_national_number=True
    )
    manager = AgentFactory(user__username="claire", user__groups=[SERVICE_MANAGER])
    MembershipFactory(agent=manager, service=service, role=Membership.Role.MANAGER)
    first = CitizenFactory(
        last_name="Dupont",
        first_name="Marie",
        email="marie.dupont@example.be",
        phone="+32470123456",
    )
    second = CitizenFactory(
        last_name="Dupont",
        first_name="Marie",
        email="marie.dupont@example.be",
        phone="+32471987654",
        national_number="85073003328",
    )
    day = timezone.localdate() + timedelta(days=3)
    for hour, citizen in ((9, first), (10, second), (11, second)):
        start = timezone.make_aware(datetime.combine(day, datetime.min.time())) + (
            timedelta(hours=hour)
        )
        AppointmentFactory(
            service=service,
            agent=manager,
            citizen=citizen,
            start=start,
            end=start + timedelta(minutes=15),
        )
    return first, second


def test_a_manager_merges_two_rows_of_one_person_after_the_preview(login, two_rows):
    first, second = two_rows
    page = login("claire")
    page.goto("/admin/booking/citizen/")
    for citizen in (first, second):
        page.check(f"input[name=_selected_action][value='{citizen.pk}']")
    page.select_option("select[name=action]", "merge_citizens")
    page.click("button[name=index], button[title][type=submit]:has-text('Run')")
    page.wait_for_selector("text=Fusionner")
    # The older row stays by default; the preview shows what it will hold.
    assert page.is_checked(f"#keep-{first.pk}")
    assert "85073003328" in page.inner_text("body")
    if os.environ.get("MERGE_SCREENSHOT"):
        page.screenshot(path=Path(os.environ["MERGE_SCREENSHOT"]), full_page=True)
    page.click("button[name=post]")
    page.wait_for_url("**/admin/booking/citizen/")
    assert list(Citizen.objects.all()) == [first]
    assert set(Appointment.objects.values_list("citizen_id", flat=True)) == {first.pk}
    first.refresh_from_db()
    assert first.national_number == "85073003328"
