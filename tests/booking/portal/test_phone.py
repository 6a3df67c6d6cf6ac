"""Phone booking (R15): search, first free slots for staff, the booking itself."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from booking.models import Appointment, Citizen
from tests.factories import (
    AppointmentFactory,
    CitizenFactory,
    VisitReasonFactory,
    appointment_at,
    local,
    next_weekday,
    open_agent,
)
from tests.i18n import translated

PAGE = reverse("admin:portal_phone")
CITIZENS = reverse("admin:portal_phone_citizens")
SLOTS = reverse("admin:portal_phone_slots")


@pytest.fixture
def reason(population):
    return VisitReasonFactory(service=population, name="Carte d'identité")


@pytest.fixture
def day():
    return next_weekday()


@pytest.fixture
def open_population(agent, population):
    return open_agent(population, agent)


# A visit long past: what makes a citizen one of the service's (GDPR).
PAST = local(date(2024, 1, 9), 10)


def known_to(service, citizen):
    """Give ``citizen`` a past visit to ``service``: its staff now see him or her."""
    AppointmentFactory(
        citizen=citizen,
        service=service,
        start=PAST,
        end=PAST + timedelta(minutes=15),
        status=Appointment.Status.DONE,
    )
    return citizen


@pytest.fixture
def dupont(population):
    return known_to(
        population,
        CitizenFactory(
            last_name="Dupont", first_name="Jeanne", email="jeanne@example.be"
        ),
    )


def first_slot(client, reason, **params):
    data = client.get(SLOTS, {"reason": reason.pk, **params}).json()
    return data["slots"][0]["value"]


def test_citizen_search_matches_name_phone_and_email(client, agent, population, dupont):
    durand = known_to(
        population, CitizenFactory(last_name="Durand", phone="+32475000000")
    )
    client.force_login(agent.user)
    for text in ("dupo", "jeanne@exa", "Dupont Jeanne"):
        results = client.get(CITIZENS, {"q": text}).json()["results"]
        assert [row["id"] for row in results] == [dupont.pk], text
    by_phone = client.get(CITIZENS, {"q": "0475000000"}).json()["results"]
    assert [row["id"] for row in by_phone] == [durand.pk]
    assert by_phone[0]["phone"] == "0475 00 00 00"
    assert client.get(CITIZENS, {"q": "d"}).json()["results"] == []


def test_citizen_search_returns_ten_at_most_in_few_queries(
    client, agent, population, django_assert_max_num_queries
):
    for citizen in CitizenFactory.create_batch(15, last_name="Martin"):
        known_to(population, citizen)
    client.force_login(agent.user)
    # The search, the login and permissions, and the scope: is the user an
    # administrator, which services does he or she belong to, which details
    # do they ask for; the session's second factor (issue 23). None of it
    # grows with the number of citizens.
    with django_assert_max_num_queries(10):
        results = client.get(CITIZENS, {"q": "martin"}).json()["results"]
    assert len(results) == 10


def test_staff_slots_ignore_the_online_notice(
    client, agent, population, reason, open_population, day
):
    population.min_notice_hours = 24 * 30  # far more than the days to ``day``
    population.save()
    client.force_login(agent.user)
    data = client.get(SLOTS, {"reason": reason.pk}).json()
    starts = [row["value"] for row in data["slots"]]
    assert len(starts) == 8
    # The first Tuesday to come, well within the online notice.
    first_day = date.fromisoformat(starts[0][:10])
    assert first_day <= timezone.localdate() + timedelta(days=7)
    assert starts[0][11:16] in {
        f"{h:02d}:{m:02d}" for h in (9, 10, 11) for m in (0, 15, 30, 45)
    }
    population.refresh_from_db()
    assert population.min_notice_hours == 24 * 30  # the row was not touched


def test_slots_skip_taken_times_and_page_on(
    client, agent, population, reason, open_population, day
):
    appointment_at(agent, population, day, 9)
    client.force_login(agent.user)
    first = first_slot(client, reason, **{"from": day.isoformat()})
    assert first.startswith(f"{day.isoformat()}T09:15")
    later = client.get(
        SLOTS, {"reason": reason.pk, "after": first, "from": day.isoformat()}
    ).json()["slots"]
    assert later[0]["value"].startswith(f"{day.isoformat()}T09:30")


def test_phone_booking_for_an_existing_citizen(
    client, agent, population, reason, open_population, dupont
):
    client.force_login(agent.user)
    start = first_slot(client, reason)
    response = client.post(
        PAGE,
        {
            "action": "book",
            "citizen": dupont.pk,
            "reason": reason.pk,
            "start": start,
            "remarks": "Vient avec sa fille",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    appointment = Appointment.objects.get(channel=Appointment.Channel.PHONE)
    assert appointment.citizen == dupont
    assert appointment.channel == Appointment.Channel.PHONE
    assert appointment.created_by == agent.user
    assert appointment.booked_for_service is True
    assert appointment.remarks == "Vient avec sa fille"
    assert timezone.localtime(appointment.start).isoformat() == start


def test_phone_booking_creates_a_citizen_inline(client, agent, reason, open_population):
    client.force_login(agent.user)
    response = client.post(
        PAGE,
        {
            "action": "book",
            "new_citizen": "1",
            "new-last_name": "Lambert",
            "new-first_name": "Paul",
            "new-phone": "0470 12 34 56",
            "new-email": "",
            "new-language": "fr",
            "reason": reason.pk,
            "start": first_slot(client, reason),
        },
    )
    assert response.status_code == 302
    citizen = Citizen.objects.get(last_name="Lambert")
    assert str(citizen.phone) == "+32470123456"
    assert citizen.appointments.get().channel == Appointment.Channel.PHONE


def test_an_invalid_new_citizen_books_nothing(client, agent, reason, open_population):
    client.force_login(agent.user)
    response = client.post(
        PAGE,
        {
            "action": "book",
            "new_citizen": "1",
            "new-last_name": "Lambert",
            "new-first_name": "Paul",
            "new-phone": "12",
            "new-language": "fr",
            "reason": reason.pk,
            "start": first_slot(client, reason),
        },
    )
    assert response.status_code == 200
    assert "phone" in response.context["new_form"].errors
    assert not Citizen.objects.filter(last_name="Lambert").exists()
    assert not Appointment.objects.filter(channel=Appointment.Channel.PHONE).exists()


def test_a_service_requiring_the_national_number_asks_for_it(
    client, agent, population, reason, open_population, dupont
):
    population.requires_national_number = True
    population.save()
    client.force_login(agent.user)
    data = {
        "action": "book",
        "citizen": dupont.pk,
        "reason": reason.pk,
        "start": first_slot(client, reason),
    }
    refused = client.post(PAGE, data)
    assert refused.status_code == 200
    assert "national_number" in refused.context["form"].errors
    assert not Appointment.objects.filter(channel=Appointment.Channel.PHONE).exists()
    wrong = client.post(PAGE, {**data, "national_number": "85.07.30-033.27"})
    assert "national_number" in wrong.context["form"].errors
    accepted = client.post(PAGE, {**data, "national_number": "85.07.30-033.28"})
    assert accepted.status_code == 302
    dupont.refresh_from_db()
    assert dupont.national_number == "85073003328"


def test_a_taken_time_shows_the_public_message(
    client, agent, population, reason, open_population, dupont, day
):
    client.force_login(agent.user)
    start = first_slot(client, reason, **{"from": day.isoformat()})
    appointment_at(agent, population, day, 9)  # someone was quicker
    response = client.post(
        PAGE,
        {"action": "book", "citizen": dupont.pk, "reason": reason.pk, "start": start},
    )
    assert response.status_code == 200
    errors = response.context["form"].non_field_errors()
    assert list(errors) == [
        translated("Sorry, this time has just been taken. Please choose another.")
    ]
    assert not Appointment.objects.filter(channel=Appointment.Channel.PHONE).exists()


def test_agent_cannot_book_for_another_service(client, agent, foreigners, dupont, day):
    other_reason = VisitReasonFactory(service=foreigners)
    open_agent(foreigners)
    client.force_login(agent.user)
    assert client.get(SLOTS, {"reason": other_reason.pk}).status_code == 400
    response = client.post(
        PAGE,
        {
            "action": "book",
            "citizen": dupont.pk,
            "reason": other_reason.pk,
            "start": (timezone.now() + timedelta(days=7)).isoformat(),
        },
    )
    assert response.status_code == 200
    assert "reason" in response.context["form"].errors
    assert not Appointment.objects.filter(channel=Appointment.Channel.PHONE).exists()


def test_without_javascript_the_page_searches_and_proposes_slots(
    client, agent, reason, open_population, dupont
):
    client.force_login(agent.user)
    searched = client.post(PAGE, {"action": "search", "q": "dupont"})
    assert [match.citizen for match in searched.context["matches"]] == [dupont]
    assert 'name="citizen"' in searched.content.decode()
    slots = client.post(
        PAGE, {"action": "slots", "citizen": dupont.pk, "reason": reason.pk}
    )
    assert len(slots.context["slots"]) == 8
    assert slots.context["chosen_start"] == slots.context["slots"][0].value
