"""The SMS budget abroad (issue 14, point 9): bookings made without login send
SMS abroad within a monthly budget per country and a daily cap for all
countries together; beyond, by e-mail, and the citizen is told. Staff bookings
are never limited. Administrators see the month's SMS per country."""

from datetime import date

import pytest
from django.urls import reverse

from booking.events import notices_for
from messaging.models import Message
from messaging.selectors import sms_month_by_country
from tests.factories import CitizenFactory, UserFactory, local

from .conftest import TUESDAY

pytestmark = pytest.mark.django_db

FRENCH_MOBILE = "+33612345678"
DUTCH_MOBILE = "+31612345678"
GERMAN_MOBILE = "+4915112345678"
BELGIAN_MOBILE = "+32470123456"


@pytest.fixture(autouse=True)
def budgets(settings):
    settings.SMS_MONTHLY_BUDGET_PER_COUNTRY = 10
    settings.SMS_MONTHLY_BUDGETS = {"FR": 2}
    settings.SMS_DAILY_CAP_ABROAD = 10


def booked_with(book, phone: str, minute: int, **kwargs):
    """An appointment booked on the web for a new citizen with ``phone``."""
    citizen = CitizenFactory(phone=phone)
    return book(
        start=local(TUESDAY, 13 + minute // 60, minute % 60),
        citizen=citizen,
        **kwargs,
    )


def citizen_channels(appointment) -> dict[str, Message]:
    return {
        message.channel: message
        for message in Message.objects.filter(appointment=appointment, agent=None)
    }


def test_sms_abroad_beyond_the_countrys_monthly_budget_go_by_email_and_say_so(
    book,
):
    first, second, third = (booked_with(book, FRENCH_MOBILE, m) for m in (0, 15, 30))
    for appointment in (first, second):
        channels = citizen_channels(appointment)
        assert channels["sms"].country == "FR"
        assert not channels["email"].instead_of_sms
        assert notices_for(appointment) == []

    channels = citizen_channels(third)
    assert set(channels) == {"email"}
    assert channels["email"].instead_of_sms
    assert len(notices_for(third)) == 1

    # Another country has its own budget; Belgium has none.
    assert "sms" in citizen_channels(booked_with(book, DUTCH_MOBILE, 45))
    assert "sms" in citizen_channels(booked_with(book, BELGIAN_MOBILE, 60))


def test_the_daily_cap_counts_every_country_abroad_together_and_resets_at_midnight(
    book, settings, clock
):
    settings.SMS_DAILY_CAP_ABROAD = 2
    booked_with(book, FRENCH_MOBILE, 0)
    booked_with(book, DUTCH_MOBILE, 15)
    german = booked_with(book, GERMAN_MOBILE, 30)
    assert set(citizen_channels(german)) == {"email"}
    assert "sms" in citizen_channels(booked_with(book, BELGIAN_MOBILE, 45))

    clock.move_to(local(date(2027, 1, 5), 0, 1))  # the next local day
    later = booked_with(book, GERMAN_MOBILE, 120)
    assert citizen_channels(later)["sms"].country == "DE"


def test_the_monthly_budget_starts_again_each_month(book, clock):
    booked_with(book, FRENCH_MOBILE, 0)
    booked_with(book, FRENCH_MOBILE, 15)
    assert set(citizen_channels(booked_with(book, FRENCH_MOBILE, 30))) == {"email"}

    clock.move_to(local(date(2027, 2, 1), 8))
    assert sms_month_by_country() == []
    # The booking rules still read Monday 4 January (``book``'s ``now``).
    assert "sms" in citizen_channels(booked_with(book, FRENCH_MOBILE, 45))


def test_staff_bookings_are_never_limited_nor_counted(book, settings):
    settings.SMS_MONTHLY_BUDGETS = {"FR": 0}
    settings.SMS_DAILY_CAP_ABROAD = 0
    clerk = UserFactory()
    by_phone = booked_with(book, FRENCH_MOBILE, 0, actor=clerk, channel="phone")
    assert citizen_channels(by_phone)["sms"].country == "FR"
    assert notices_for(by_phone) == []

    online = booked_with(book, FRENCH_MOBILE, 15)
    assert set(citizen_channels(online)) == {"email"}


def test_the_api_tells_the_citizen_that_messages_come_by_email(
    client, service, reason, desk_agent, settings, instant_visitor
):
    settings.SMS_MONTHLY_BUDGETS = {"FR": 0}
    payload = {
        "service": service.slug,
        "reason": reason.pk,
        "start": local(TUESDAY, 13).isoformat(),
        "agent": None,
        "remarks": "",
        "citizen": {
            "first_name": "Amélie",
            "last_name": "Durand",
            "email": "amelie@example.fr",
            "phone": FRENCH_MOBILE,
            "language": "fr",
        },
    }
    response = client.post(
        "/api/v1/appointments",
        payload,
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 201, response.content
    assert response.json()["notices"] == [
        "We cannot send text messages to your phone number at the moment: your "
        "confirmation and reminders will come by e-mail."
    ]
    payload["start"] = local(TUESDAY, 14).isoformat()
    payload["citizen"] = {**payload["citizen"], "phone": BELGIAN_MOBILE}
    payload["citizen"]["email"] = "autre@example.be"
    belgian = client.post(
        "/api/v1/appointments", payload, content_type="application/json"
    )
    assert belgian.json()["notices"] == []


def test_the_done_page_tells_the_citizen_that_messages_come_by_email(
    client, service, reason, desk_agent, settings, instant_visitor
):
    settings.SMS_MONTHLY_BUDGETS = {"FR": 0}
    slug = service.slug
    client.post(reverse("booking:reason", args=[slug]), {"reason": reason.pk})
    slots = client.get(reverse("booking:slots", args=[slug]))
    slot = slots.context["days"][0]["slots"][0]["value"]
    client.post(reverse("booking:slots", args=[slug]), {"slot": slot})
    identity = {
        "last_name": "Durand",
        "first_name": "Amélie",
        "email": "amelie@example.fr",
        "phone": "+33 6 12 34 56 78",
    }
    client.post(reverse("booking:details", args=[slug]), identity)
    client.get(reverse("booking:confirm", args=[slug]))
    confirmed = client.post(
        reverse("booking:confirm", args=[slug]), {"confirm": "1"}, follow=True
    )
    assert confirmed.status_code == 200
    assert confirmed.context["notices"]
    assert "data-booking-notice" in confirmed.content.decode()


def test_administrators_see_the_months_sms_per_country_on_the_dashboard(
    client, book, administrator, manager
):
    booked_with(book, FRENCH_MOBILE, 0)
    booked_with(book, FRENCH_MOBILE, 15)
    booked_with(book, FRENCH_MOBILE, 30)  # by e-mail: beyond the budget
    booked_with(book, BELGIAN_MOBILE, 45)
    rows = {row["country"]: row for row in sms_month_by_country()}
    assert rows["FR"] == {
        "country": "FR",
        "total": 2,
        "without_login": 2,
        "budget": 2,
    }
    assert rows["BE"]["budget"] is None

    client.force_login(administrator)
    page = client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="en")
    table = {row["country"]: row for row in page.context["sms_by_country"]}
    assert table["FR"]["name"] == "France"
    assert 'data-dashboard="sms-by-country"' in page.content.decode()

    client.force_login(manager.user)
    page = client.get(reverse("admin:index"))
    assert "sms_by_country" not in page.context
