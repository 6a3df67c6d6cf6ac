"""The citizen's pages of earlier-time offers (issue 25, point 2): the list's
form on the personal link's page, and the offer's link."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from booking import offers
from booking.links import make_token, manage_path
from booking.models import EarlierTimeOffer, EarlierTimeRequest
from booking.services import appointment_cancel
from core.typography import french_spacing
from tests.booking.offers.conftest import ANNE_DAY, NOW, THURSDAY
from tests.factories import local

Waiting = EarlierTimeRequest.Status
Offered = EarlierTimeOffer.Status


@pytest.fixture(autouse=True)
def _fresh_limits(instant_visitor):
    """Fresh rate limits for every test."""


@pytest.fixture
def offer(world):
    offers.earlier_request_join(appointment=world["anne"])
    appointment_cancel(appointment=world["taken"][THURSDAY], actor=None)
    [offer] = offers.offers_send()
    return offer


def fr(message: str) -> str:
    """``message`` as the French page writes it, with French spacing ({%
    translate %} leaves its apostrophes as they are)."""
    with translation.override("fr"):
        return french_spacing(gettext(message))


def earlier_url(appointment):
    return reverse("booking:manage_earlier", args=[make_token(appointment)])


def offer_url(offer):
    return reverse("booking:offer", args=[offer.token])


def test_the_personal_link_page_offers_to_join(client, world):
    anne = world["anne"]
    page = client.get(manage_path(anne)).content.decode()
    assert fr("Tell me if an earlier time frees up") in page
    assert 'name="join"' in page
    assert earlier_url(anne) in page


def test_joining_and_leaving_from_the_personal_link(client, world):
    anne = world["anne"]
    response = client.post(
        earlier_url(anne), {"join": "1", "weekdays": ["0", "3"], "parts": ["morning"]}
    )
    assert response.status_code == 302
    assert response.url.startswith(manage_path(anne))
    assert response.url.endswith("#earlier")
    request = EarlierTimeRequest.objects.get(appointment=anne)
    assert (request.status, request.weekdays, request.parts) == (
        Waiting.WAITING,
        [0, 3],
        ["morning"],
    )
    page = client.get(manage_path(anne)).content.decode()
    assert fr("Only:") in page
    assert f"{fr('Monday')}, {fr('Thursday')}" in page
    client.post(earlier_url(anne), {"leave": "1"})
    request.refresh_from_db()
    assert request.status == Waiting.STOPPED
    # An unticked box changes nothing.
    client.post(earlier_url(anne), {"weekdays": ["1"]})
    request.refresh_from_db()
    assert request.status == Waiting.STOPPED


def test_a_get_of_the_list_changes_nothing(client, world):
    response = client.get(earlier_url(world["anne"]))
    assert response.status_code == 302
    assert not EarlierTimeRequest.objects.exists()


def test_the_offer_page_shows_both_times_and_changes_nothing(client, offer):
    response = client.get(offer_url(offer))
    assert response.status_code == 200
    assert response["X-Robots-Tag"] == "noindex"
    page = response.content.decode()
    assert "jeudi 10 janvier 2030" in page.lower()
    assert "lundi 21 janvier 2030" in page.lower()
    assert fr("Take this earlier time") in page
    offer.refresh_from_db()
    assert offer.status == Offered.SENT


def test_accepting_from_the_page_moves_the_appointment(client, offer, world):
    with time_machine.travel(NOW + timedelta(minutes=5), tick=False):
        response = client.post(offer_url(offer), {"accept": "1"})
    anne = world["anne"]
    assert response.status_code == 302
    assert response.url.startswith(manage_path(anne))
    anne.refresh_from_db()
    assert anne.start == local(THURSDAY, 9)
    page = client.get(offer_url(offer)).content.decode()
    assert fr("You took this time: your appointment was moved.") in page


def test_declining_keeps_the_appointment(client, offer, world):
    page = client.post(offer_url(offer), {"decline": "1"}).content.decode()
    offer.refresh_from_db()
    assert offer.status == Offered.DECLINED
    assert (
        fr("You kept your appointment. This time will be offered to someone else.")
        in page
    )
    anne = world["anne"]
    anne.refresh_from_db()
    assert anne.start == local(ANNE_DAY, 9)


def test_an_expired_offer_says_so_and_accepts_nothing(client, offer, world):
    with time_machine.travel(NOW + timedelta(minutes=31), tick=False):
        response = client.post(offer_url(offer), {"accept": "1"})
    page = response.content.decode()
    assert response.status_code == 200
    expired = fr(
        "This offer has expired: the time was offered to others. Your "
        "appointment is unchanged, and you stay on the list for an earlier time."
    )
    assert expired in page
    assert "Prendre ce moment plus tôt" not in page
    anne = world["anne"]
    anne.refresh_from_db()
    assert anne.start == local(ANNE_DAY, 9)


def test_a_taken_time_says_so(client, offer):
    EarlierTimeOffer.objects.filter(pk=offer.pk).update(status=Offered.WITHDRAWN)
    page = client.get(offer_url(offer)).content.decode()
    assert (
        fr("This time is no longer available. Your appointment is unchanged.") in page
    )


def test_an_unknown_offer_link_is_a_404(client, world):
    response = client.get(reverse("booking:offer", args=["0" * 12]))
    assert response.status_code == 404
