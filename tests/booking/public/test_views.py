"""The citizen's public booking flow and appointment page (issue 4)."""

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.sessions.backends.db import SessionStore
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape

from booking.links import legacy_token, make_token, manage_path
from booking.models import Appointment, Citizen, Hold
from booking.public.templatetags.booking_public import (
    contrast_ratio,
    readable_against,
    readable_on,
)
from core.languages import forget_main_language
from core.models import Commune
from core.typography import NBSP, french_spacing
from tests.factories import (
    EVERY_DAY,
    AppointmentFactory,
    CitizenFactory,
    ServiceFactory,
    VisitReasonFactory,
    open_agent,
)
from tests.i18n import translated
from tests.two_factor import VerifiedClient

IDENTITY = {
    "last_name": "Dupont",
    "first_name": "Marie",
    "email": "marie.dupont@example.be",
    "phone": "0470 12 34 56",
}


@pytest.fixture(autouse=True)
def _no_waiting(instant_visitor, settings):
    """Tests post the confirm step at once; no site may frame the pages."""
    settings.EMBED_ALLOWED_ORIGINS = []


@pytest.fixture
def service(db):
    service = ServiceFactory(
        name="Population",
        slug="population",
        address="Place communale 1\n5000 Démo-sur-Meuse",
        phone="081 23 45 10",
        slot_minutes=15,
        min_notice_hours=2,
    )
    open_agent(
        service,
        weekdays=EVERY_DAY,
        start=time(8),
        end=time(18),
        valid_from=timezone.localdate() - timedelta(days=7),
    )
    return service


@pytest.fixture
def reason(service):
    return VisitReasonFactory(
        service=service,
        name="Carte d'identité",
        duration_minutes=20,
        screen_information="Apportez une photo récente.",
        message_information="Prix : 25,70 €.",
    )


def flow_state(client):
    """The stored state of the client's booking (``booking/public/flow.py``)."""
    return SessionStore(session_key=client.cookies["booking_flow"].value)


def url(name, service="population", **kwargs):
    return reverse(f"booking:{name}", kwargs={"service": service, **kwargs})


def first_slot(client, service="population") -> str:
    response = client.get(url("slots", service))
    assert response.status_code == 200
    return response.context["days"][0]["slots"][0]["value"]


def walk_to_details(client, reason, service="population"):
    """Reason and the first free slot: the citizen is on the details."""
    response = client.post(url("reason", service), {"reason": reason.pk})
    assert response.url == url("slots", service)
    slot = first_slot(client, service)
    response = client.post(url("slots", service), {"slot": slot})
    assert response.status_code == 302, (
        response.context and response.context["form"].errors
    )
    assert response.url == url("details", service)
    return slot


def walk_to_confirm(client, reason, service="population", **identity):
    slot = walk_to_details(client, reason, service)
    response = client.post(
        url("details", service),
        {**IDENTITY, "remarks": "Avec ma fille.", **identity},
    )
    assert response.status_code == 302, response.context["form"].errors
    assert response.url == url("confirm", service)
    assert client.get(url("confirm", service)).status_code == 200
    return slot


# --- the flow ------------------------------------------------------------------


def test_home_lists_only_services_bookable_online(client, service, reason):
    closed = ServiceFactory(name="Archives", slug="archives")
    VisitReasonFactory(service=closed, online_bookable=False)
    response = client.get("/")
    assert response.status_code == 200
    assert list(response.context["services"]) == [service]
    # Each reason leads straight to its times: no reason screen (issue 20).
    assert url("reason_start", reason=reason.pk) in response.content.decode()


def test_a_reason_link_opens_its_times_at_once(client, service, reason):
    VisitReasonFactory(service=service, name="Passeport")
    response = client.get(url("reason_start", reason=reason.pk))
    assert response.url == url("slots")
    page = client.get(response.url)
    assert page.context["reason"] == reason
    assert page.context["days"]


def test_a_reason_link_of_a_reason_no_longer_online_asks_for_another(
    client, service, reason
):
    other = VisitReasonFactory(service=service, online_bookable=False)
    VisitReasonFactory(service=service, name="Passeport")
    assert client.get(url("reason_start", reason=other.pk)).url == url("reason")
    assert client.get(url("reason_start", reason=999999)).url == url("reason")


def test_a_service_with_one_reason_skips_the_reason_screen(client, service, reason):
    assert client.get(url("service")).url == url("slots")
    VisitReasonFactory(service=service, name="Passeport")
    client.cookies.clear()
    assert client.get(url("service")).url == url("reason")


def test_service_starts_at_the_agent_step_only_when_citizens_choose(
    client, service, reason
):
    VisitReasonFactory(service=service, name="Passeport")
    assert client.get(url("service")).url == url("reason")
    service.citizens_choose_agent = True
    service.save()
    assert client.get(url("service")).url == url("agent")
    assert client.get(url("reason_start", reason=reason.pk)).url == url("agent")
    # The reason chosen on the home page: from the agent straight to the times.
    assert client.post(url("agent"), {"agent": "any"}).url == url("slots")


@pytest.mark.parametrize(
    ("old", "new"), [("criteria", "slots"), ("remarks", "details")]
)
def test_the_old_step_urls_lead_to_the_new_pages(client, service, reason, old, new):
    assert reverse("booking:criteria", kwargs={"service": "x"}) == "/x/when/"
    assert reverse("booking:remarks", kwargs={"service": "x"}) == "/x/remarks/"
    response = client.get(url(old) + "?lang=nl")
    assert response.status_code == 302
    assert response.url == url(new) + "?lang=nl"
    embedded = client.get(f"/embed/population/{'when' if old == 'criteria' else old}/")
    assert embedded.url == f"/embed/population/{'slots' if new == 'slots' else new}/"


def test_a_step_cannot_be_skipped(client, service, reason):
    response = client.get(url("details"))
    assert response.status_code == 302
    assert response.url == url("reason")


def test_reason_step_shows_duration_and_screen_information(client, service, reason):
    response = client.get(url("reason"))
    content = response.content.decode()
    assert "Carte d&#x27;identité" in content
    assert "20 minutes" in content
    assert "Apportez une photo récente." in content
    assert f'aria-describedby="reason-{reason.pk}-info"' in content


def test_full_booking_creates_a_confirmed_appointment(client, service, reason):
    slot = walk_to_confirm(client, reason)
    response = client.post(url("confirm"), {"website": ""})
    assert response.status_code == 302
    assert response.url == url("done")
    appointment = Appointment.objects.get()
    assert appointment.start.isoformat() == slot
    assert appointment.status == Appointment.Status.CONFIRMED
    assert appointment.channel == Appointment.Channel.WEB
    assert appointment.booked_for_service
    assert appointment.remarks == "Avec ma fille."
    citizen = appointment.citizen
    assert (citizen.last_name, citizen.first_name) == ("Dupont", "Marie")
    assert str(citizen.phone) == "+32470123456"
    assert citizen.language == "fr"

    # A token carries the second it was signed: stop the clock to compare.
    with time_machine.travel(timezone.now(), tick=False):
        done = client.get(url("done"))
        token = make_token(appointment)
    content = done.content.decode()
    assert done.status_code == 200
    # The reason's message information, with French typography (issue 19).
    assert "Prix\u00a0: 25,70 €." in content
    assert reverse("booking:manage", kwargs={"token": token}) in content
    assert reverse("booking:manage_ics", kwargs={"token": token}) in content


def test_booking_in_dutch_stores_dutch_as_the_citizens_language(
    client, service, reason
):
    client.cookies["django_language"] = "nl"
    walk_to_confirm(client, reason)
    client.post(url("confirm"), {"website": ""})
    assert Citizen.objects.get().language == "nl"


def test_reason_needing_confirmation_creates_a_pending_request(client, service, reason):
    reason.needs_confirmation = True
    reason.save()
    walk_to_confirm(client, reason)
    client.post(url("confirm"), {"website": ""})
    appointment = Appointment.objects.get()
    assert appointment.status == Appointment.Status.PENDING
    done = client.get(url("done"))
    assert done.context["appointment"] == appointment
    assert translated("Your request has been sent") in done.content.decode()


def test_chosen_agent_gets_the_appointment(client, service, reason):
    service.citizens_choose_agent = True
    service.save()
    other = open_agent(
        service,
        weekdays=EVERY_DAY,
        start=time(8),
        end=time(18),
        valid_from=timezone.localdate() - timedelta(days=7),
    )
    response = client.get(url("agent"))
    assert f'value="{other.pk}"' in response.content.decode()
    client.post(url("agent"), {"agent": str(other.pk)})
    walk_to_confirm(client, reason)
    client.post(url("confirm"), {"website": ""})
    appointment = Appointment.objects.get()
    assert appointment.agent == other
    assert not appointment.booked_for_service


def test_criteria_narrow_the_proposed_slots(client, service, reason):
    client.post(url("reason"), {"reason": reason.pk})
    filtered = client.get(
        url("slots"), {"from_date": "", "weekdays": ["2"], "parts": ["afternoon"]}
    )
    days = filtered.context["days"]
    starts = [
        timezone.localtime(slot["start"]) for day in days for slot in day["slots"]
    ]
    assert len(starts) == 10
    assert all(start.weekday() == 2 and start.hour >= 12 for start in starts)
    # The filters stay when the citizen comes back to the times.
    again = client.get(url("slots")).context["days"]
    assert [s["start"] for d in again for s in d["slots"]] == [
        s["start"] for d in days for s in d["slots"]
    ]


def test_later_slots_page_on_after_the_last_one(client, service, reason):
    client.post(url("reason"), {"reason": reason.pk})
    first = client.get(url("slots"))
    more_url = first.context["more_url"]
    assert "after=" in more_url
    later = client.get(more_url)
    first_starts = [s["start"] for d in first.context["days"] for s in d["slots"]]
    later_starts = [s["start"] for d in later.context["days"] for s in d["slots"]]
    assert len(later_starts) == 10
    assert min(later_starts) > max(first_starts)
    assert later.context["first_url"] == url("slots")


def test_back_keeps_what_was_typed_even_when_invalid(client, service, reason):
    walk_to_details(client, reason)
    typed = {**IDENTITY, "email": "marie@", "back": "1"}
    response = client.post(url("details"), typed)
    assert response.url == url("slots")
    page = client.get(url("details")).content.decode()
    assert 'value="marie@"' in page
    assert 'value="Dupont"' in page
    assert Citizen.objects.count() == 0


def test_back_from_confirm_keeps_every_answer(client, service, reason):
    slot = walk_to_confirm(client, reason)
    assert client.post(url("confirm"), {"back": "1"}).url == url("details")
    details = client.get(url("details")).content.decode()
    assert "Avec ma fille." in details
    assert 'value="marie.dupont@example.be"' in details
    back = client.post(
        url("details"), {**IDENTITY, "remarks": "Avec ma fille.", "back": "1"}
    )
    assert back.url == url("slots")
    slots_page = client.get(url("slots"))
    checked = [
        s["value"]
        for d in slots_page.context["days"]
        for s in d["slots"]
        if s["checked"]
    ]
    assert checked == [slot]
    assert f'value="{reason.pk}" checked' in client.get(url("reason")).content.decode()


@pytest.mark.parametrize(
    ("field", "value", "dutch"),
    [
        # The messages name the field (issue 20, point 4); the Dutch texts
        # come with the lead's merge of /work/helpers/tr/flow.json.
        ("email", "marie.dupont@", "Vul uw e-mailadres in als naam@voorbeeld.be."),
        ("phone", "12", "Vul een geldig gsm-nummer in, bijvoorbeeld 0470 12 34 56"),
    ],
)
def test_invalid_email_or_phone_is_explained_in_dutch_and_nothing_written(
    client, service, reason, field, value, dutch
):
    client.cookies["django_language"] = "nl"
    walk_to_details(client, reason)
    response = client.post(url("details"), {**IDENTITY, field: value})
    assert response.status_code == 200
    assert field in response.context["form"].errors
    content = response.content.decode()
    assert dutch in content
    assert f'href="#id_{field}"' in content  # the error summary links the field
    assert 'aria-invalid="true"' in content
    assert Citizen.objects.count() == 0
    assert Appointment.objects.count() == 0


def test_each_required_field_is_named_in_its_message(client, service, reason):
    service.requires_national_number = True
    service.requires_birth_date = True
    service.requires_address = True
    service.save()
    walk_to_details(client, reason)
    with translation.override("en"):
        form = client.post(url("details") + "?lang=en", {}).context["form"]
        errors = {name: str(error[0]) for name, error in form.errors.items()}
    assert errors == {
        "last_name": "Enter your last name.",
        "first_name": "Enter your first name.",
        "email": "Enter your e-mail address.",
        "phone": "Enter your mobile phone number.",
        "national_number": "Enter your national register number.",
        "birth_date": "Enter your date of birth.",
        "address": "Enter your address.",
    }
    # In French once the lead has merged the translations of this branch.
    page = client.post(url("details") + "?lang=fr", {}).content.decode()
    assert "Indiquez votre adresse e-mail." in page


def test_an_invalid_mobile_number_gets_a_mobile_example(client, service, reason):
    walk_to_details(client, reason)
    with translation.override("en"):
        form = client.post(url("details"), {**IDENTITY, "phone": "12"}).context["form"]
        message = str(form.errors["phone"][0])
    assert "0470 12 34 56" in message
    assert "012 34 56 78" not in message  # the landline example of before


def test_the_remarks_are_typed_with_the_details(client, service, reason):
    walk_to_details(client, reason)
    page = client.get(url("details")).content.decode()
    assert 'name="remarks"' in page
    too_long = client.post(url("details"), {**IDENTITY, "remarks": "x" * 1001})
    assert too_long.status_code == 200
    assert "remarks" in too_long.context["remarks_form"].errors
    assert client.get(url("confirm")).url == url("details")


def test_landline_is_refused_as_mobile_phone(client, service, reason):
    walk_to_details(client, reason)
    response = client.post(url("details"), {**IDENTITY, "phone": "081 23 45 00"})
    assert "phone" in response.context["form"].errors


def test_national_number_is_required_and_checked_when_the_service_says_so(
    client, service, reason
):
    service.requires_national_number = True
    service.requires_birth_date = True
    service.save()
    walk_to_details(client, reason)
    wrong = client.post(
        url("details"),
        {**IDENTITY, "national_number": "85.07.30-033.29", "birth_date": "1985-07-30"},
    )
    assert "national_number" in wrong.context["form"].errors
    mismatch = client.post(
        url("details"),
        {**IDENTITY, "national_number": "85.07.30-033.28", "birth_date": "1985-07-31"},
    )
    assert "birth_date" in mismatch.context["form"].errors
    assert Citizen.objects.count() == 0
    right = client.post(
        url("details"),
        {**IDENTITY, "national_number": "85.07.30-033.28", "birth_date": "1985-07-30"},
    )
    assert right.status_code == 302
    client.post(url("confirm"), {"website": ""})
    assert Citizen.objects.get().national_number == "85073003328"


def test_slot_taken_meanwhile_shows_a_message_and_other_slots(client, service, reason):
    slot = walk_to_confirm(client, reason)
    agent = service.memberships.get().agent
    start = datetime.fromisoformat(slot)
    AppointmentFactory(
        service=service,
        agent=agent,
        reason=reason,
        start=start,
        end=start + timedelta(minutes=20),
        # A fixed name: a random one could be "Dupont", the citizen checked below.
        citizen__last_name="Occupant",
    )
    response = client.post(url("confirm"), {"website": ""}, follow=True)
    assert response.redirect_chain[-1][0] == url("slots")
    content = response.content.decode()
    taken = translated("Sorry, this time has just been taken. Please choose another.")
    assert escape(taken) in content
    values = [s["value"] for d in response.context["days"] for s in d["slots"]]
    assert values
    assert slot not in values
    assert not Appointment.objects.filter(citizen__last_name="Dupont").exists()


def test_slot_taken_before_the_details_is_caught_on_the_slot_page(
    client, service, reason
):
    client.post(url("reason"), {"reason": reason.pk})
    slot = first_slot(client)
    start = datetime.fromisoformat(slot)
    AppointmentFactory(
        service=service,
        agent=service.memberships.get().agent,
        reason=reason,
        start=start,
        end=start + timedelta(minutes=20),
    )
    response = client.post(url("slots"), {"slot": slot})
    assert response.status_code == 200
    assert "slot" in response.context["form"].errors
    assert 'href="#slots"' in response.content.decode()


def test_booking_refusal_is_shown_on_the_confirm_page(
    client, service, reason, settings
):
    settings.MAX_ACTIVE_APPOINTMENTS_PER_CITIZEN = 1
    citizen = CitizenFactory(**{k: v for k, v in IDENTITY.items() if k != "phone"})
    AppointmentFactory(
        service=service,
        agent=service.memberships.get().agent,
        reason=reason,
        citizen=citizen,
        start=timezone.now() + timedelta(days=30),
        end=timezone.now() + timedelta(days=30, minutes=20),
    )
    walk_to_confirm(client, reason)
    response = client.post(url("confirm"), {"website": ""})
    assert response.status_code == 200
    assert (
        french_spacing(
            escape(
                translated(
                    "You cannot book more upcoming appointments with this service "
                    "online: please call the service."
                )
            )
        )
        in response.content.decode()
    )
    assert Appointment.objects.count() == 1


def test_known_citizen_is_reused_only_on_an_exact_match(client, service, reason):
    known = CitizenFactory(
        last_name="Dupont", first_name="Marie", email="marie.dupont@example.be"
    )
    walk_to_confirm(
        client,
        reason,
        last_name="DUPONT",
        first_name="marie",
        email="Marie.Dupont@Example.be",
    )
    client.post(url("confirm"), {"website": ""})
    assert Appointment.objects.get().citizen == known

    other = client.__class__()
    walk_to_confirm(other, reason, first_name="Mariette")
    other.post(url("confirm"), {"website": ""})
    assert Citizen.objects.count() == 2
    assert Appointment.objects.latest("pk").citizen.first_name == "Mariette"


def test_honeypot_filled_books_nothing(client, service, reason):
    walk_to_confirm(client, reason)
    response = client.post(url("confirm"), {"website": "http://spam.example"})
    assert response.status_code == 200
    assert response.context["error"]
    assert Appointment.objects.count() == 0


def test_confirm_posted_too_fast_books_nothing(client, service, reason, settings):
    settings.BOOKING_MIN_CONFIRM_SECONDS = 60
    walk_to_confirm(client, reason)
    response = client.post(url("confirm"), {"website": ""})
    assert response.status_code == 200
    assert response.context["error"]
    assert Appointment.objects.count() == 0


def test_the_anti_bot_delay_counts_from_the_start_of_the_flow(
    client, service, reason, settings
):
    """A citizen who confirms the moment the confirm page shows is no bot
    when the flow began long enough before (issue 20, point 4)."""
    settings.BOOKING_MIN_CONFIRM_SECONDS = 5
    # 09:00 on the day the agent's week was made for (whatever the clock says).
    start = datetime.combine(
        timezone.localdate(), time(9), tzinfo=ZoneInfo("Europe/Brussels")
    )
    with time_machine.travel(start, tick=False) as traveller:
        client.post(url("reason"), {"reason": reason.pk})
        traveller.shift(6)
        slot = first_slot(client)
        client.post(url("slots"), {"slot": slot})
        client.post(url("details"), IDENTITY)
        assert client.get(url("confirm")).status_code == 200
        response = client.post(url("confirm"), {"website": ""})
    assert response.status_code == 302
    assert response.url == url("done")
    assert Appointment.objects.get().start.isoformat() == slot


def test_search_is_rate_limited_per_client(client, service, reason, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "search": (2, 60)}
    client.post(url("reason"), {"reason": reason.pk})
    assert client.get(url("slots")).status_code == 200
    assert client.get(url("slots")).status_code == 200
    assert client.get(url("slots")).status_code == 429


def test_unknown_service_is_a_friendly_404(client, db):
    response = client.get(url("reason", service="nowhere"))
    assert response.status_code == 404
    assert "booking/not_found.html" in [t.name for t in response.templates]


# --- the appointment page (R13) --------------------------------------------------


@pytest.fixture
def appointment(service, reason):
    start = timezone.localtime().replace(
        hour=10, minute=0, second=0, microsecond=0
    ) + timedelta(days=5)
    return AppointmentFactory(
        service=service,
        agent=service.memberships.get().agent,
        reason=reason,
        booked_for_service=True,
        start=start,
        end=start + timedelta(minutes=20),
    )


def test_manage_page_shows_the_appointment_and_changes_nothing(client, appointment):
    history = appointment.history.count()
    # A token carries the second it was signed: stop the clock to compare.
    with time_machine.travel(timezone.now(), tick=False):
        response = client.get(manage_path(appointment))
        token = make_token(appointment)
    assert response.status_code == 200
    content = response.content.decode()
    assert "Apportez une photo récente." in content
    assert "Prix\u00a0: 25,70 €." in content
    for name in ("manage_ics", "manage_cancel", "manage_move"):
        assert reverse(f"booking:{name}", kwargs={"token": token}) in content
    assert response["Cache-Control"].startswith("max-age=0")
    # Opening the cancel page (as a mail scanner would) cancels nothing either.
    assert client.get(reverse("booking:manage_cancel", args=[token])).status_code == 200
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CONFIRMED
    assert appointment.history.count() == history


def test_manage_post_cancels(client, appointment):
    cancel = reverse("booking:manage_cancel", args=[make_token(appointment)])
    response = client.post(cancel, {"reason": "Empêchée"}, follow=True)
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CANCELLED
    assert appointment.cancellation_reason == "Empêchée"
    assert response.status_code == 200
    assert translated("Your appointment is cancelled.") in response.content.decode()


def test_cancel_inside_the_notice_is_refused_with_its_message(
    client, appointment, service
):
    service.min_notice_hours = 24 * 30
    service.save()
    # The personal link speaks the citizen's language; ?lang= may say another.
    response = client.post(
        reverse("booking:manage_cancel", args=[make_token(appointment)]) + "?lang=en",
        follow=True,
    )
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CONFIRMED
    assert "too late to cancel online" in response.content.decode()


def test_move_books_the_new_time_and_keeps_the_link(client, appointment):
    old_token = make_token(appointment)
    legacy = legacy_token(appointment)  # a link sent before issue 20
    move = reverse("booking:manage_move", args=[old_token])
    page = client.get(move)
    assert page.status_code == 200
    values = [s["value"] for d in page.context["days"] for s in d["slots"]]
    assert appointment.start.isoformat() not in values
    response = client.post(move, {"slot": values[0]})
    appointment.refresh_from_db()
    assert appointment.start.isoformat() == values[0]
    assert response.status_code == 302
    # The same link's page, in the citizen's language, carried in the URL.
    assert response.url == manage_path(appointment) + "?lang=fr"
    assert make_token(appointment) == old_token
    assert client.get(reverse("booking:manage", args=[old_token])).status_code == 200
    # A link sent before issue 20 keeps its old terms: made for the old time.
    assert client.get(reverse("booking:manage", args=[legacy])).status_code == 404


def test_move_to_a_taken_slot_shows_the_message_and_alternatives(
    client, appointment, service, reason
):
    move = reverse("booking:manage_move", args=[make_token(appointment)])
    target = client.get(move).context["days"][0]["slots"][0]["value"]
    start = datetime.fromisoformat(target)
    AppointmentFactory(
        service=service,
        agent=appointment.agent,
        reason=reason,
        start=start,
        end=start + timedelta(minutes=20),
    )
    response = client.post(move, {"slot": target})
    assert response.status_code == 200
    assert "slot" in response.context["form"].errors
    assert response.context["days"]
    appointment.refresh_from_db()
    assert appointment.start != start


@pytest.mark.parametrize("token", ["forged", "eyJhIjoxfQ:abc:def"])
def test_forged_token_is_a_friendly_404(client, appointment, token):
    response = client.get(reverse("booking:manage", args=[token]))
    assert response.status_code == 404
    assert translated("This link no longer works") in response.content.decode()


def test_expired_token_is_a_404_in_the_citizens_language(client, appointment):
    token = make_token(appointment)
    Appointment.objects.filter(pk=appointment.pk).update(
        start=appointment.start - timedelta(days=40),
        end=appointment.end - timedelta(days=40),
    )
    # Re-sign with the past start, so only the expiry can refuse it.
    appointment.refresh_from_db()
    token = make_token(appointment)
    client.cookies["django_language"] = "nl"
    response = client.get(reverse("booking:manage", args=[token]))
    assert response.status_code == 404
    assert response["Content-Language"] == "nl"
    assert '<html lang="nl">' in response.content.decode()


def test_ics_download_is_a_calendar_file(client, appointment):
    response = client.get(reverse("booking:manage_ics", args=[make_token(appointment)]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    body = response.content.decode()
    assert body.startswith("BEGIN:VCALENDAR\r\n")
    assert "METHOD:PUBLISH\r\n" in body


# --- embedding and theme (R1, R17) -------------------------------------------------


def test_public_pages_may_be_framed_by_the_communes_site_only(
    client, service, reason, settings
):
    settings.EMBED_ALLOWED_ORIGINS = ["https://www.commune.example"]
    response = client.get("/?embed=1")
    # The rest of the policy is core/security.py's (tests/core/test_security.py).
    policy = response["Content-Security-Policy"].split("; ")
    assert "frame-ancestors 'self' https://www.commune.example" in policy
    assert "X-Frame-Options" not in response
    assert 'class="site-header"' not in response.content.decode()
    assert client.get("/admin/login/")["X-Frame-Options"] == "DENY"


def test_without_allowed_origins_only_the_site_itself_may_frame(client, service):
    response = client.get("/")
    assert "frame-ancestors 'self'" in response["Content-Security-Policy"].split("; ")
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert 'class="site-header"' in response.content.decode()


def test_embed_query_is_kept_across_the_flow(client, service, reason):
    home = client.get("/?embed=1").content.decode()
    assert f'href="/population/{reason.pk}/?embed=1"' in home
    VisitReasonFactory(service=service, name="Passeport")
    response = client.get(url("service") + "?embed=1")
    assert response.url == url("reason") + "?embed=1"
    page = client.get(response.url).content.decode()
    assert f'action="{url("reason")}?embed=1"' in page
    assert "public/embed.js" in page
    assert client.post(url("reason") + "?embed=1", {"reason": reason.pk}).url == (
        url("slots") + "?embed=1"
    )


def test_embed_prefix_keeps_the_flow_under_embed(client, service, reason):
    VisitReasonFactory(service=service, name="Passeport")
    response = client.get("/embed/population/")
    assert response.status_code == 302
    assert response.url == "/embed/population/reason/"
    page = client.get(response.url)
    content = page.content.decode()
    assert 'class="site-header"' not in content
    assert 'action="/embed/population/reason/"' in content
    assert "frame-ancestors" in page["Content-Security-Policy"]


def test_theme_colours_get_a_readable_text_colour(client, service):
    commune = Commune.objects.get_solo()
    commune.primary_colour = "#ffd400"  # a pale yellow brand colour
    commune.save()
    page = client.get("/").content.decode()
    # The theme is a stylesheet (the CSP allows no inline style): follow the link.
    stylesheet = re.search(r'href="(/theme\.css\?v=\w+)"', page).group(1)
    content = client.get(stylesheet).content.decode()
    assert "--on-primary: #000000;" in content
    darkened = readable_against("#ffd400", "#ffffff")
    assert f"--primary-text: {darkened};" in content


@pytest.mark.parametrize("colour", ["#ffd400", "#1d4ed8", "#777777", "#00ff00"])
def test_readable_colours_meet_wcag_aa(colour):
    assert contrast_ratio(colour, readable_on(colour)) >= 4.5
    assert contrast_ratio(readable_against(colour, "#ffffff"), "#ffffff") >= 4.5


# --- Issue 14: double submits and shared computers --------------------------------


def test_confirm_sent_twice_books_once_and_both_show_the_same_done_page(
    client, service, reason
):
    walk_to_confirm(client, reason)
    # A double click: the second POST may read the flow's state before the
    # first has written it (it then carries the whole booking again), or after.
    before = dict(flow_state(client).items())
    first = client.post(url("confirm"), {"website": ""})
    assert first.url == url("done")
    state = flow_state(client)  # the second request as read before the first wrote
    state.update(before)
    state.save()
    second = client.post(url("confirm"), {"website": ""})
    assert second.status_code == 302
    assert second.url == url("done")
    third = client.post(url("confirm"), {"website": ""})  # read after: booked
    assert third.url == url("done")
    appointment = Appointment.objects.get()
    assert Citizen.objects.count() == 1
    done = client.get(url("done"))
    assert done.status_code == 200
    assert done.context["appointment"] == appointment


def test_the_done_page_is_shown_once_then_the_next_visitor_finds_the_start(
    client, service, reason
):
    walk_to_confirm(client, reason)
    client.post(url("confirm"), {"website": ""})
    done = client.get(url("done"))
    assert done.status_code == 200
    assert "/manage/" in done.context["manage_url"]
    # The next person at this computer: no link, the flow's beginning.
    again = client.get(url("done"))
    assert again.status_code == 302
    assert again.url == url("service")
    assert b"/manage/" not in again.content
    assert client.cookies["booking_flow"].value == "none"  # the flow is gone
    # Nor by sending the confirm again.
    resent = client.post(url("confirm"), {"website": ""})
    assert resent.status_code == 302
    assert resent.url != url("done")
    assert Appointment.objects.count() == 1


def test_the_done_page_is_worth_keeping(client, service, reason, settings):
    """The reference, the calendar file, the personal link written out, a
    print button and print styles (issue 20, point 7)."""
    settings.SITE_URL = "https://rdv.commune.example"
    walk_to_confirm(client, reason)
    client.post(url("confirm"), {"website": ""})
    done = client.get(url("done"))
    appointment = Appointment.objects.get()
    page = done.content.decode()
    assert appointment.reference_display in page
    assert done.context["ics_url"].endswith("/appointment.ics")
    link = done.context["personal_link"]
    assert link.startswith("https://rdv.commune.example/r/")  # short, lasting
    assert f">{link}</a>" in page
    assert "data-print hidden" in page  # shown by site.js, which prints
    stylesheet = (settings.BASE_DIR / "static" / "public" / "site.css").read_text()
    printed = stylesheet[stylesheet.index("@media print") :]
    assert ".actions-row" in printed.split("}")[0]  # no buttons on paper


def test_a_booking_left_unseen_in_the_session_is_not_shown_later(
    client, service, reason
):
    walk_to_confirm(client, reason)
    client.post(url("confirm"), {"website": ""})
    with time_machine.travel(timezone.now() + timedelta(minutes=11), tick=False):
        response = client.get(url("done"))
    assert response.status_code == 302
    assert response.url == url("service")


# --- the language in the URL (issue 19, point 4) -------------------------------


@pytest.fixture
def three_languages(db):
    commune = Commune.objects.get_solo()
    commune.main_language = "fr"
    commune.languages = "fr,nl,de"
    commune.save()
    forget_main_language()
    yield commune
    forget_main_language()


def test_lang_goes_from_page_to_page_in_the_url(client, three_languages, reason):
    home = client.get("/?lang=nl").content.decode()
    assert f'href="/population/{reason.pk}/?lang=nl"' in home
    VisitReasonFactory(service=reason.service, name="Passeport")
    response = client.get(url("service") + "?lang=nl")
    assert response.url == url("reason") + "?lang=nl"
    page = client.get(response.url).content.decode()
    assert '<html lang="nl"' in page
    assert f'action="{url("reason")}?lang=nl"' in page
    # The form's POST keeps it in its redirect, so does "Back".
    posted = client.post(url("reason") + "?lang=nl", {"reason": reason.pk})
    assert posted.url == url("slots") + "?lang=nl"
    back = client.post(url("slots") + "?lang=nl", {"back": "1"})
    assert back.url == url("reason") + "?lang=nl"


def test_lang_and_the_embed_query_go_on_together(client, three_languages, reason):
    response = client.get(url("service") + "?embed=1&lang=de")
    assert response.url == url("slots") + "?embed=1&lang=de"
    framed = client.get("/embed/population/?lang=de")
    assert framed.url == "/embed/population/slots/?lang=de"
    assert "Sprache" in client.get(framed.url).content.decode()


def test_without_lang_in_the_url_the_links_stay_as_they_were(
    client, three_languages, reason
):
    response = client.get(url("service"), HTTP_ACCEPT_LANGUAGE="nl")
    assert response.url == url("slots")


def test_a_language_not_offered_is_not_carried(client, three_languages, reason):
    response = client.get(url("service") + "?lang=en")
    assert response.url == url("slots")


def test_the_language_switch_is_a_get_form_keeping_the_rest_of_the_query(
    client, three_languages, reason
):
    client.post(url("reason"), {"reason": reason.pk})
    after = (timezone.now() + timedelta(days=1)).replace(microsecond=0).isoformat()
    page = client.get(url("slots"), {"embed": "1", "lang": "nl", "after": after})
    content = page.content.decode()
    switch = content[content.index('class="language-switch"') :]
    switch = switch[: switch.index("</form>")]
    assert 'method="get"' in switch and f'action="{url("slots")}"' in switch
    assert '<input type="hidden" name="embed" value="1">' in switch
    assert f'name="after" value="{after}"' in switch
    assert 'name="lang"' in switch and 'type="hidden" name="lang"' not in switch


def test_the_personal_link_opens_in_the_citizens_language(
    client, three_languages, appointment
):
    appointment.contact_language = "nl"
    appointment.save()
    manage = reverse("booking:manage", args=[make_token(appointment)])

    page = client.get(manage, HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    assert '<html lang="nl"' in page
    # Its links go on in Dutch: move, cancel, the calendar file.
    assert f'href="{manage}move/?lang=nl"' in page
    assert f'href="{manage}cancel/?lang=nl"' in page
    assert f'href="{manage}appointment.ics?lang=nl"' in page
    # A ?lang= the citizen chose still wins.
    german = client.get(manage + "?lang=de", HTTP_ACCEPT_LANGUAGE="fr")
    assert '<html lang="de"' in german.content.decode()


def test_the_move_pages_search_form_carries_the_language(
    client, three_languages, appointment
):
    move = reverse("booking:manage_move", args=[make_token(appointment)])
    page = client.get(move + "?embed=1&lang=de").content.decode()
    search = page[page.index('<form method="get"') :]
    search = search[: search.index("</form>")]
    assert '<input type="hidden" name="embed" value="1">' in search
    assert '<input type="hidden" name="lang" value="de">' in search


def test_french_pages_put_a_non_breaking_space_before_the_colon(
    client, three_languages, reason
):
    french = client.get(url("reason")).content.decode()
    assert f"Service{NBSP}:</span>" in french
    dutch = client.get(url("reason") + "?lang=nl").content.decode()
    assert "Dienst:</span>" in dutch and NBSP + ":" not in dutch


@time_machine.travel(datetime(2026, 12, 1, 9, 0, tzinfo=ZoneInfo("Europe/Brussels")))
def test_english_time_buttons_use_the_24_hour_clock(client, db):
    commune = Commune.objects.get_solo()
    commune.languages = "fr,en"
    commune.save()
    forget_main_language()
    service = ServiceFactory(slug="late", slot_minutes=30, min_notice_hours=0)
    open_agent(
        service,
        weekdays=EVERY_DAY,
        start=time(16),
        end=time(17),
        valid_from=date(2026, 11, 1),
    )
    reason = VisitReasonFactory(service=service, duration_minutes=30)
    client.post(url("reason", "late") + "?lang=en", {"reason": reason.pk})

    page = client.get(url("slots", "late") + "?lang=en").content.decode()

    forget_main_language()
    assert "1 December 2026" in page
    assert ">16:30<" in page and "p.m." not in page


# --- Issue 25, point 1: the time picked is held while the details are typed ---


def offered(client, reason) -> list[str]:
    client.post(url("reason"), {"reason": reason.pk})
    response = client.get(url("slots"))
    return [s["value"] for day in response.context["days"] for s in day["slots"]]


def test_a_time_picked_is_held_from_the_others_until_the_citizen_goes_back(
    client, service, reason
):
    slot = walk_to_details(client, reason)
    held = Hold.objects.get()
    assert held.start == datetime.fromisoformat(slot)
    assert held.client_address == "127.0.0.1"
    details = client.get(url("details")).content.decode()
    kept = translated(
        "This time is kept for you until %(time)s.",
        {"time": timezone.localtime(held.expires_at).strftime("%H:%M")},
    )
    assert kept in details  # blocktranslate leaves its text as it is

    other = VerifiedClient()
    assert slot not in offered(other, reason)  # one agent: the time is held
    response = other.post(url("slots"), {"slot": slot})
    assert response.status_code == 200
    assert "slot" in response.context["form"].errors

    # Back on the times: the time is everyone's again, and still selected.
    again = client.get(url("slots"))
    assert not Hold.objects.exists()
    assert again.context["days"][0]["slots"][0]["checked"]
    assert slot in offered(other, reason)


def test_the_booking_converts_its_hold(client, service, reason):
    slot = walk_to_confirm(client, reason)
    assert Hold.objects.count() == 1
    response = client.post(url("confirm"), {"website": ""})
    assert response.url == url("done")
    appointment = Appointment.objects.get()
    assert appointment.start == datetime.fromisoformat(slot)
    assert not Hold.objects.exists()


def test_picking_another_time_moves_the_hold(client, service, reason):
    first = walk_to_details(client, reason)
    client.get(url("slots"))
    times = [
        s["value"] for d in client.get(url("slots")).context["days"] for s in d["slots"]
    ]
    second = times[1]
    assert client.post(url("slots"), {"slot": second}).url == url("details")
    assert list(Hold.objects.values_list("start", flat=True)) == [
        datetime.fromisoformat(second)
    ]
    assert first != second


def test_too_many_holds_from_one_address_are_refused_with_a_message(
    client, service, reason, settings
):
    settings.HOLDS_PER_CLIENT = 1
    walk_to_details(client, reason)
    other = VerifiedClient()
    times = offered(other, reason)
    response = other.post(url("slots"), {"slot": times[0]})
    assert response.status_code == 200
    message = translated(
        "Too many times are being held from your connection. Finish a booking "
        "in progress, or try again in a few minutes."
    )
    assert escape(message) in response.content.decode()
    assert Hold.objects.count() == 1
