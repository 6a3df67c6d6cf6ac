"""Citizens in scope (issue 12, point 3; GDPR).

Staff see a citizen through an appointment in one of their services, and of
him or her the extra details (national register number, date of birth,
address) only where one of their services asks for them; administrators see
everyone. Phone booking finds a citizen new to the service by an exact e-mail,
phone or national register number, masked, and books him or her without a
duplicate. Erasure is the administrators'.
"""

import json
from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from phonenumber_field.phonenumber import PhoneNumber

from booking.models import Appointment, Citizen
from booking.portal.phone import mask_email, mask_phone
from booking.selectors import visible_citizen_details
from core.roles import AGENT
from tests.factories import (
    AgentFactory,
    AppointmentFactory,
    CitizenFactory,
    MembershipFactory,
    VisitReasonFactory,
    local,
    open_agent,
)

DAY = date(2030, 3, 5)  # a Tuesday
NOW = datetime(2030, 3, 1, 8, 0, tzinfo=local(DAY, 0).tzinfo)
PAST = local(date(2029, 6, 4), 10)
NATIONAL_NUMBER = "85073003328"

CITIZENS = reverse("admin:booking_citizen_changelist")
PHONE = reverse("admin:portal_phone")
PHONE_SEARCH = reverse("admin:portal_phone_citizens")


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.fixture
def foreigners(foreigners):
    """Étrangers asks for the national register number and the address."""
    foreigners.requires_national_number = True
    foreigners.requires_address = True
    foreigners.save()
    return foreigners


@pytest.fixture
def foreigners_agent(foreigners):
    agent = AgentFactory(user__username="agent-etrangers", user__groups=[AGENT])
    MembershipFactory(agent=agent, service=foreigners)
    return agent


def visit(citizen, service, **kwargs):
    """A past visit of ``citizen`` to ``service``."""
    kwargs.setdefault("status", Appointment.Status.DONE)
    return AppointmentFactory(
        citizen=citizen,
        service=service,
        start=PAST,
        end=PAST + timedelta(minutes=15),
        **kwargs,
    )


@pytest.fixture
def ours(population):
    """A citizen of Population."""
    citizen = CitizenFactory(last_name="Nôtre", email="notre@example.be")
    visit(citizen, population)
    return citizen


@pytest.fixture
def theirs(foreigners):
    """A citizen who only ever came to Étrangers."""
    citizen = CitizenFactory(
        last_name="Étranger",
        first_name="Amina",
        email="amina.etranger@example.be",
        phone="+32470123456",
        national_number=NATIONAL_NUMBER,
        birth_date=date(1985, 7, 30),
        address="Rue des Tilleuls 7, 5000 Namur",
    )
    visit(citizen, foreigners)
    return citizen


def change_url(citizen):
    return reverse("admin:booking_citizen_change", args=[citizen.pk])


# --- The rule -------------------------------------------------------------------------


def test_staff_see_citizens_through_appointments_in_their_services(
    agent, foreigners_agent, administrator, ours, theirs
):
    newcomer = CitizenFactory()  # no appointment anywhere yet
    assert list(Citizen.objects.visible_to(agent.user)) == [ours]
    assert list(Citizen.objects.visible_to(foreigners_agent.user)) == [theirs]
    assert set(Citizen.objects.visible_to(administrator)) == {ours, theirs, newcomer}
    # A cancelled appointment still makes the citizen one of the service's.
    visit(newcomer, agent.services.get(), status=Appointment.Status.CANCELLED)
    assert newcomer in Citizen.objects.visible_to(agent.user)


def test_the_extra_details_are_those_the_users_services_ask_for(
    agent, foreigners_agent, administrator
):
    assert visible_citizen_details(agent.user) == frozenset()
    assert visible_citizen_details(foreigners_agent.user) == {
        "national_number",
        "address",
    }
    assert visible_citizen_details(administrator) == {
        "national_number",
        "birth_date",
        "address",
    }


# --- The admin ------------------------------------------------------------------------


def test_an_agent_lists_only_citizens_of_his_or_her_services(
    client, agent, ours, theirs
):
    client.force_login(agent.user)
    response = client.get(CITIZENS)
    assert list(response.context["cl"].queryset) == [ours]


def test_the_citizen_list_and_its_search_cost_the_same_for_many_citizens(
    client, agent, population
):
    client.force_login(agent.user)

    def queries_for(count):
        for citizen in CitizenFactory.create_batch(count, last_name="Martin"):
            visit(citizen, population)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(CITIZENS, {"q": "martin"})
        assert response.status_code == 200
        return len(queries)

    assert queries_for(2) == queries_for(30)


def test_an_agent_cannot_open_a_citizen_of_another_service(client, agent, theirs):
    client.force_login(agent.user)
    response = client.get(change_url(theirs))
    assert response.status_code == 302  # "does not exist", back home
    assert response.url == reverse("admin:index")
    client.post(change_url(theirs), {"last_name": "Changé", "first_name": "X"})
    theirs.refresh_from_db()
    assert theirs.last_name == "Étranger"
    history = reverse("admin:booking_citizen_history", args=[theirs.pk])
    assert client.get(history).status_code == 404


def test_an_agent_cannot_find_a_citizen_of_another_service_by_national_number(
    client, agent, foreigners_agent, theirs
):
    client.force_login(agent.user)
    found = client.get(CITIZENS, {"q": NATIONAL_NUMBER}).context["cl"].queryset
    assert list(found) == []
    client.force_login(foreigners_agent.user)
    found = client.get(CITIZENS, {"q": NATIONAL_NUMBER}).context["cl"].queryset
    assert list(found) == [theirs]


def test_autocomplete_offers_only_citizens_of_the_users_services(
    client, agent, ours, theirs
):
    client.force_login(agent.user)
    response = client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "booking",
            "model_name": "appointment",
            "field_name": "citizen",
            "term": "",
        },
    )
    assert response.status_code == 200
    ids = [row["id"] for row in response.json()["results"]]
    assert ids == [str(ours.pk)]


def test_the_national_number_and_address_show_only_where_a_service_asks_for_them(
    client, agent, foreigners_agent, administrator, population, ours, theirs
):
    visit(theirs, population)  # now a citizen of both services
    client.force_login(agent.user)
    fields = set(client.get(change_url(theirs)).context["adminform"].form.fields)
    assert {"last_name", "email", "phone"} <= fields
    assert not fields & {"national_number", "birth_date", "address"}
    page = client.get(change_url(theirs)).content.decode()
    assert NATIONAL_NUMBER not in page and "Tilleuls" not in page

    client.force_login(foreigners_agent.user)
    fields = set(client.get(change_url(theirs)).context["adminform"].form.fields)
    assert {"national_number", "address"} <= fields
    assert "birth_date" not in fields

    client.force_login(administrator)
    fields = set(client.get(change_url(theirs)).context["adminform"].form.fields)
    assert {"national_number", "birth_date", "address"} <= fields


def test_saving_the_form_keeps_the_details_the_user_does_not_see(
    client, agent, population, theirs
):
    visit(theirs, population)
    client.force_login(agent.user)
    response = client.post(
        change_url(theirs),
        {
            "last_name": "Étranger",
            "first_name": "Amina",
            "email": "amina.nouvelle@example.be",
            "phone": "+32470123456",
            "language": "fr",
            "national_number": "",  # not in the form: ignored
            "address": "",
            "appointments-TOTAL_FORMS": "0",
            "appointments-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    theirs.refresh_from_db()
    assert theirs.email == "amina.nouvelle@example.be"
    assert (theirs.national_number, theirs.address) == (
        NATIONAL_NUMBER,
        "Rue des Tilleuls 7, 5000 Namur",
    )


def test_the_history_hides_the_details_the_user_may_not_see(
    client, agent, population, theirs
):
    visit(theirs, population)
    theirs.national_number = "90020199863"
    theirs.email = "amina.autre@example.be"
    theirs.save()
    client.force_login(agent.user)
    response = client.get(reverse("admin:booking_citizen_history", args=[theirs.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "amina.autre@example.be" in page
    assert "90020199863" not in page and NATIONAL_NUMBER not in page


def test_history_revert_is_refused_for_citizens(client, administrator, theirs):
    first = theirs.history.earliest()
    theirs.email = "amina.autre@example.be"
    theirs.save()
    client.force_login(administrator)
    url = reverse(
        "admin:booking_citizen_simple_history", args=[theirs.pk, first.history_id]
    )
    assert client.get(url).context["revert_disabled"] is True
    assert client.post(url, {"last_name": "X"}).status_code == 403
    theirs.refresh_from_db()
    assert theirs.email == "amina.autre@example.be"


def _export_csv(client) -> str:
    url = reverse("admin:booking_citizen_export")
    form = client.get(url).context["form"]
    csv = next(
        value for value, label in form.fields["format"].choices if label == "csv"
    )
    # The export asks why (issue 23: the record of who looked).
    response = client.post(url, {"format": csv, "resource": "0", "reason": "Check"})
    assert response.status_code == 200, response.context and response.context["form"]
    return response.content.decode()


def test_the_spreadsheet_export_holds_only_the_users_citizens_and_details(
    client, agent, foreigners_agent, ours, theirs
):
    client.force_login(agent.user)
    text = _export_csv(client)
    header = text.splitlines()[0]
    assert "national_number" not in header and "address" not in header
    assert "Nôtre" in text
    assert "Étranger" not in text and NATIONAL_NUMBER not in text

    client.force_login(foreigners_agent.user)
    text = _export_csv(client)
    assert "national_number" in text.splitlines()[0]
    assert NATIONAL_NUMBER in text and "Nôtre" not in text


def test_adding_a_citizen_in_the_admin_goes_to_phone_booking_for_staff(
    client, agent, administrator
):
    add = reverse("admin:booking_citizen_add")
    client.force_login(agent.user)
    assert client.get(add).url == PHONE
    client.force_login(administrator)
    assert client.get(add).status_code == 200


# --- Privacy actions ------------------------------------------------------------------


def test_an_agents_export_of_a_citizen_holds_only_what_he_or_she_may_see(
    client, agent, administrator, population, foreigners, theirs
):
    mine = visit(theirs, population, remarks="Remarque Population")
    visit(theirs, foreigners, remarks="Remarque Étrangers")
    url = reverse("admin:booking_citizen_export_data", args=[theirs.pk])

    client.force_login(agent.user)
    data = json.loads(client.post(url, {"reason": "Access request"}).content)
    assert data["complete"] is False
    assert [row["id"] for row in data["appointments"]] == [mine.pk]
    assert not {"national_number", "birth_date", "address"} & set(data["citizen"])
    assert "Étrangers" not in json.dumps(data, ensure_ascii=False)

    client.force_login(administrator)
    data = json.loads(client.post(url, {"reason": "Access request"}).content)
    assert data["complete"] is True
    assert len(data["appointments"]) == 3
    assert data["citizen"]["national_number"] == NATIONAL_NUMBER


def test_erasing_a_citizen_is_reserved_to_administrators(
    client, agent, manager, administrator, population, theirs
):
    """An erasure reaches every service (it cancels and anonymises there too):
    the agent and the manager of one of the citizen's services may not."""
    visit(theirs, population)
    erase = reverse("admin:booking_citizen_erase_data", args=[theirs.pk])
    for user in (agent.user, manager.user):
        client.force_login(user)
        assert erase not in client.get(change_url(theirs)).content.decode()
        assert client.get(erase).status_code == 403
        assert client.post(erase, {"confirm": "yes"}).status_code == 403
    theirs.refresh_from_db()
    assert theirs.anonymised_at is None

    client.force_login(administrator)
    assert erase in client.get(change_url(theirs)).content.decode()
    client.post(erase, {"confirm": "yes"})
    theirs.refresh_from_db()
    assert theirs.anonymised_at is not None


# --- Phone booking --------------------------------------------------------------------


def test_masking_keeps_enough_to_recognise_a_contact():
    assert mask_email("amina.etranger@example.be") == "a•••@example.be"
    assert mask_phone(PhoneNumber.from_string("+32470123456")) == "+32 4•• •• •• 56"
    assert mask_phone(PhoneNumber.from_string("+33612345678")) == "+33 6 •• •• •• 78"


def test_phone_search_by_name_lists_only_citizens_of_the_users_services(
    client, agent, ours, theirs
):
    client.force_login(agent.user)
    for text in ("Étranger", "amina", "amina.etr"):
        assert client.get(PHONE_SEARCH, {"q": text}).json()["results"] == [], text
    (row,) = client.get(PHONE_SEARCH, {"q": "Nôtre"}).json()["results"]
    assert (row["id"], row["email"], row["masked"]) == (
        ours.pk,
        "notre@example.be",
        False,
    )


def test_phone_search_masks_contacts_of_a_citizen_new_to_the_service(
    client, agent, theirs
):
    client.force_login(agent.user)
    for text in (
        "amina.etranger@example.be",
        "AMINA.ETRANGER@example.be",
        "0470 12 34 56",
    ):
        (row,) = client.get(PHONE_SEARCH, {"q": text}).json()["results"]
        assert row["label"] == "ÉTRANGER Amina", text
        assert row["email"] == "a•••@example.be"
        assert row["phone"] == "+32 4•• •• •• 56"
        assert (row["birth_date"], row["masked"]) == ("", True)
        assert row["id"] != theirs.pk and str(theirs.pk) != row["id"]
    # The page without JavaScript shows the same.
    page = client.post(PHONE, {"action": "search", "q": "amina.etranger@example.be"})
    (match,) = page.context["matches"]
    assert match.masked and match.citizen == theirs
    html = page.content.decode()
    assert "a•••@example.be" in html
    assert html.count("amina.etranger@example.be") == 1  # what was typed
    assert "1985" not in html and "Tilleuls" not in html


def test_phone_search_by_national_number_only_where_a_service_asks_for_it(
    client, agent, foreigners_agent, population, theirs
):
    client.force_login(agent.user)
    assert client.get(PHONE_SEARCH, {"q": NATIONAL_NUMBER}).json()["results"] == []
    population.requires_national_number = True
    population.save()
    (row,) = client.get(PHONE_SEARCH, {"q": "85.07.30-033.28"}).json()["results"]
    assert row["masked"] is True
    client.force_login(foreigners_agent.user)  # Étrangers asks for it
    (row,) = client.get(PHONE_SEARCH, {"q": NATIONAL_NUMBER}).json()["results"]
    assert (row["id"], row["masked"]) == (theirs.pk, False)


@pytest.fixture
def booking(agent, population):
    """What the Population agent needs to book DAY at 9:00."""
    open_agent(population, agent)
    return {
        "action": "book",
        "reason": VisitReasonFactory(service=population).pk,
        "start": local(DAY, 9).isoformat(),
    }


def test_phone_booking_attaches_the_citizen_found_masked_without_a_duplicate(
    client, agent, theirs, booking
):
    client.force_login(agent.user)
    (row,) = client.get(PHONE_SEARCH, {"q": "amina.etranger@example.be"}).json()[
        "results"
    ]
    citizens = Citizen.objects.count()
    response = client.post(PHONE, {**booking, "citizen": row["id"]})
    assert response.status_code == 302, response.context["form"].errors
    assert Citizen.objects.count() == citizens
    appointment = Appointment.objects.get(channel=Appointment.Channel.PHONE)
    assert appointment.citizen == theirs
    # From now on the citizen is one of Population's.
    assert theirs in Citizen.objects.visible_to(agent.user)


def test_phone_booking_refuses_the_id_of_a_citizen_of_another_service(
    client, agent, population, theirs, booking
):
    client.force_login(agent.user)
    response = client.post(PHONE, {**booking, "citizen": theirs.pk})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not Appointment.objects.filter(channel=Appointment.Channel.PHONE).exists()


def test_a_masked_result_is_bookable_only_by_the_user_who_searched(
    client, agent, population, theirs, booking
):
    client.force_login(agent.user)
    token = client.get(PHONE_SEARCH, {"q": "0470123456"}).json()["results"][0]["id"]
    colleague = open_agent(population)
    client.force_login(colleague.user)
    response = client.post(PHONE, {**booking, "citizen": token})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not Appointment.objects.filter(channel=Appointment.Channel.PHONE).exists()


def test_a_masked_result_cannot_be_booked_after_a_few_hours(
    client, agent, theirs, booking
):
    client.force_login(agent.user)
    token = client.get(PHONE_SEARCH, {"q": "0470123456"}).json()["results"][0]["id"]
    with time_machine.travel(NOW + timedelta(hours=5), tick=False):
        client.force_login(agent.user)
        response = client.post(PHONE, {**booking, "citizen": token})
    assert response.status_code == 200
    assert not Appointment.objects.filter(channel=Appointment.Channel.PHONE).exists()


# --- Who gets what --------------------------------------------------------------------

# role -> expected status for each URL of the citizen admin, on a citizen of
# Population (the manager's and the agent's service).
MATRIX = {
    "changelist": {"administrator": 200, "manager": 200, "agent": 200},
    "add": {"administrator": 200, "manager": 302, "agent": 302},
    "change": {"administrator": 200, "manager": 200, "agent": 200},
    "delete": {"administrator": 200, "manager": 403, "agent": 403},
    "history": {"administrator": 200, "manager": 200, "agent": 200},
    "revert": {"administrator": 403, "manager": 403, "agent": 403},
    "export": {"administrator": 200, "manager": 200, "agent": 200},
    "export_data": {"administrator": 200, "manager": 200, "agent": 200},
    "erase_data": {"administrator": 200, "manager": 403, "agent": 403},
}


def _url(page, citizen):
    if page in ("changelist", "add", "export"):
        return reverse(f"admin:booking_citizen_{page}")
    if page == "revert":
        version = citizen.history.earliest().history_id
        return reverse(
            "admin:booking_citizen_simple_history", args=[citizen.pk, version]
        )
    return reverse(f"admin:booking_citizen_{page}", args=[citizen.pk])


@pytest.fixture
def users(administrator, manager, agent):
    return {
        "administrator": administrator,
        "manager": manager.user,
        "agent": agent.user,
    }


@pytest.mark.parametrize("role", ["administrator", "manager", "agent"])
@pytest.mark.parametrize("page", list(MATRIX))
def test_the_citizen_admin_answers_each_role_as_the_matrix_says(
    client, users, ours, page, role
):
    client.force_login(users[role])
    url = _url(page, ours)
    response = client.post(url, {}) if page == "revert" else client.get(url)
    assert response.status_code == MATRIX[page][role]


@pytest.mark.parametrize("role", ["manager", "agent"])
def test_another_services_citizen_is_out_of_reach(client, users, theirs, role):
    client.force_login(users[role])
    assert client.get(_url("change", theirs)).status_code == 302  # "does not exist"
    assert client.get(_url("history", theirs)).status_code == 404
    assert client.get(_url("export_data", theirs)).status_code == 403
    assert client.get(_url("erase_data", theirs)).status_code == 403
