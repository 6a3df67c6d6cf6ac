"""Identity rules per visit reason (issue 20, point 3): each reason says which
of the citizen's details it asks (the service's setting by default), a BIS
number is accepted wherever a national register number is, and "I do not have
one yet" where the reason allows it, the same through every door: the public
details form, the API and phone booking (the public wizard's pages:
tests/booking/public/test_identity_rules.py)."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from booking import citizen_rules
from booking.citizen_rules import Ask
from booking.models import Appointment, Citizen
from booking.portal.agenda import _details
from booking.portal.phone import phone_appointment_book
from booking.public.forms import IdentityForm
from booking.selectors import visible_citizen_details
from tests.factories import (
    AgentFactory,
    CitizenFactory,
    MembershipFactory,
    ServiceFactory,
    VisitReasonFactory,
    local,
    open_agent,
)
from tests.i18n import translated

# A Tuesday of winter time; the bookings are for the next Tuesday, 9:00.
NOW = datetime(2026, 3, 17, 8, 0, tzinfo=ZoneInfo("Europe/Brussels"))
VISIT = date(2026, 3, 24)

NATIONAL = "85.07.30-033.28"  # python-stdnum's example: born 1985-07-30
BIS = "98.47.28-997.65"  # a BIS number (month + 40): born 1998-07-28
BIS_UNKNOWN_SEX = "01 49 07 001 85"  # stdnum's second example (month + 40)
BAD_BIS = "98.47.28-997.66"  # the checksum is wrong
NN = "85073003328"  # NATIONAL, compact

IDENTITY = {
    "last_name": "Kowalska",
    "first_name": "Anna",
    "email": "anna.kowalska@example.eu",
    "phone": "0470 12 34 56",
}

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock():
    """A week before the visit, ticking (the services read the time)."""
    with time_machine.travel(NOW, tick=True) as traveller:
        yield traveller


@pytest.fixture
def service():
    service = ServiceFactory(
        name="Étrangers", slug="etrangers", requires_national_number=True
    )
    open_agent(service, start=time(9), end=time(12))
    return service


def reason_with(service, national_number=Ask.SERVICE, allowed=False, **rules):
    return VisitReasonFactory(
        service=service,
        name="Déclaration d'arrivée",
        national_number_rule=national_number,
        no_national_number_allowed=allowed,
        **rules,
    )


# --- The rule: what a reason asks ------------------------------------------------


def test_a_reason_asks_what_its_service_asks_unless_it_says_otherwise(service):
    default = reason_with(service)
    assert default.details_asked() == citizen_rules.DetailsAsked(
        national_number=Ask.REQUIRED,
        birth_date=Ask.NOT_ASKED,
        address=Ask.NOT_ASKED,
    )
    own = reason_with(
        service,
        Ask.OPTIONAL,
        allowed=True,
        birth_date_rule=Ask.REQUIRED,
        address_rule=Ask.OPTIONAL,
    )
    asked = own.details_asked()
    assert asked.asked == ["national_number", "birth_date", "address"]
    assert asked.required == ["birth_date"]
    assert asked.offers_no_national_number
    # "Not asked" overrides a service that requires it; no box without a field.
    hidden = reason_with(service, Ask.NOT_ASKED, allowed=True)
    assert hidden.details_asked().asked == []
    assert not hidden.details_asked().offers_no_national_number


@pytest.mark.parametrize(
    ("rule", "allowed", "given", "kept", "error"),
    [
        (Ask.REQUIRED, False, {}, None, "Enter your national register number."),
        (
            Ask.REQUIRED,
            False,
            {"no_national_number": True},  # not offered: does not count
            None,
            "Enter your national register number.",
        ),
        (Ask.REQUIRED, True, {"no_national_number": True}, ("", True), None),
        (Ask.REQUIRED, False, {"national_number": NN}, (NN, False), None),
        (Ask.OPTIONAL, False, {}, ("", False), None),
        (Ask.OPTIONAL, True, {"no_national_number": True}, ("", True), None),
        # Ticked and typed (JavaScript off): the number is not kept.
        (
            Ask.OPTIONAL,
            True,
            {"national_number": NN, "no_national_number": True},
            ("", True),
            None,
        ),
        # Not asked: whatever came is dropped (GDPR).
        (Ask.NOT_ASKED, True, {"national_number": NN}, ("", False), None),
    ],
)  # fmt: skip
def test_check_details_for_each_setting(service, rule, allowed, given, kept, error):
    asked = reason_with(service, rule, allowed).details_asked()
    if error:
        with pytest.raises(ValidationError) as refused:
            citizen_rules.check_details(asked, **given)
        assert refused.value.message_dict == {"national_number": [translated(error)]}
        return
    details = citizen_rules.check_details(asked, **given)
    assert (details.national_number, details.no_national_number) == kept


def test_a_required_number_where_none_yet_is_allowed_says_so(service):
    asked = reason_with(service, Ask.REQUIRED, allowed=True).details_asked()
    with pytest.raises(ValidationError) as refused:
        citizen_rules.check_details(asked)
    assert refused.value.message_dict["national_number"] == [
        translated(
            "Enter your national register number, or tick “I do not have a "
            "national register number yet”."
        )
    ]


# --- BIS numbers -----------------------------------------------------------------


@pytest.mark.parametrize("number", [BIS, BIS_UNKNOWN_SEX, NATIONAL])
def test_a_bis_number_is_a_national_number_for_the_rules(number):
    assert citizen_rules.national_number(number).isdigit()
    Citizen(last_name="K", first_name="A", national_number=number).full_clean()


def test_a_bad_bis_number_is_refused_with_a_message_naming_the_field():
    with pytest.raises(ValidationError) as refused:
        citizen_rules.national_number(BAD_BIS)
    assert refused.value.messages == [
        translated(
            "Enter a valid national register number or BIS number: check the 11 digits."
        )
    ]
    with pytest.raises(ValidationError) as model:
        Citizen(last_name="K", first_name="A", national_number=BAD_BIS).full_clean()
    assert "national_number" in model.value.message_dict


def test_the_birth_date_is_checked_against_a_bis_number_too():
    citizen_rules.birth_date_matches("98472899765", date(1998, 7, 28))
    with pytest.raises(ValidationError):
        citizen_rules.birth_date_matches("98472899765", date(1998, 7, 29))


# --- Door 1: the public details form ---------------------------------------------


def test_the_form_asks_what_the_reason_asks(service):
    required = IdentityForm(service=service, reason=reason_with(service))
    assert required.fields["national_number"].required
    assert "no_national_number" not in required.fields
    optional = IdentityForm(
        service=service, reason=reason_with(service, Ask.OPTIONAL, allowed=True)
    )
    assert not optional.fields["national_number"].required
    box = optional.fields["no_national_number"].widget.attrs
    assert box["data-disables"] == "id_national_number"
    not_asked = IdentityForm(
        service=service, reason=reason_with(service, Ask.NOT_ASKED)
    )
    assert "national_number" not in not_asked.fields
    assert "no_national_number" not in not_asked.fields
    # No reason chosen yet: the service's setting.
    assert IdentityForm(service=service).fields["national_number"].required


def test_the_form_refuses_a_missing_required_number_naming_it(service):
    form = IdentityForm(IDENTITY, service=service, reason=reason_with(service))
    assert not form.is_valid()
    assert form.errors["national_number"] == [
        translated("Enter your national register number.")
    ]


def test_the_box_replaces_a_required_number_and_drops_one_typed(service):
    reason = reason_with(service, Ask.REQUIRED, allowed=True)
    empty = IdentityForm(IDENTITY, service=service, reason=reason)
    assert not empty.is_valid()
    assert list(empty.errors) == ["national_number"]
    ticked = IdentityForm(
        {**IDENTITY, "national_number": NATIONAL, "no_national_number": "on"},
        service=service,
        reason=reason,
    )
    assert ticked.is_valid(), ticked.errors
    state = ticked.to_state()
    assert state["national_number"] == ""
    assert state["no_national_number"] is True


def test_the_form_accepts_a_bis_number_and_checks_its_birth_date(service):
    reason = reason_with(service, birth_date_rule=Ask.REQUIRED)
    good = IdentityForm(
        {**IDENTITY, "national_number": BIS, "birth_date": "1998-07-28"},
        service=service,
        reason=reason,
    )
    assert good.is_valid(), good.errors
    assert good.cleaned_data["national_number"] == "98472899765"
    mismatch = IdentityForm(
        {**IDENTITY, "national_number": BIS, "birth_date": "1998-07-29"},
        service=service,
        reason=reason,
    )
    assert list(mismatch.errors) == ["birth_date"]
    bad = IdentityForm(
        {**IDENTITY, "national_number": BAD_BIS, "birth_date": "1998-07-28"},
        service=service,
        reason=reason,
    )
    assert bad.errors["national_number"] == [
        translated(
            "Enter a valid national register number or BIS number: check the 11 digits."
        )
    ]


# --- Door 2: the API -----------------------------------------------------------


def api_booking(service, reason, **citizen):
    return {
        "service": service.slug,
        "reason": reason.pk,
        "start": local(VISIT, 9).isoformat(),
        "agent": None,
        "citizen": {**IDENTITY, "language": "fr", **citizen},
        "remarks": "",
    }


def api_post(client, data):
    return client.post("/api/v1/appointments", data, content_type="application/json")


@pytest.fixture
def _api(instant_visitor):
    """Fresh rate limits for the API's bookings."""


@pytest.mark.usefixtures("_api")
def test_the_api_lists_what_each_reason_asks(client, service):
    reason = reason_with(service, Ask.OPTIONAL, allowed=True)
    listed = client.get("/api/v1/services/etrangers/reasons").json()
    assert listed[0]["details"] == {
        "national_number": "optional",
        "no_national_number_allowed": True,
        "birth_date": "not_asked",
        "address": "not_asked",
    }
    assert listed[0]["id"] == reason.pk


@pytest.mark.usefixtures("_api")
def test_the_api_refuses_a_missing_required_number_naming_it(client, service):
    reason = reason_with(service, Ask.REQUIRED)
    response = api_post(client, api_booking(service, reason, no_national_number=True))
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {
            "loc": ["body", "citizen", "national_number"],
            "msg": translated("Enter your national register number."),
            "type": "missing",
        }
    ]
    assert not Appointment.objects.exists()


@pytest.mark.usefixtures("_api")
def test_the_api_books_without_a_number_where_the_reason_allows_it(client, service):
    reason = reason_with(service, Ask.REQUIRED, allowed=True)
    response = api_post(
        client,
        api_booking(service, reason, national_number=NATIONAL, no_national_number=True),
    )
    assert response.status_code == 201, response.content
    appointment = Appointment.objects.get()
    assert appointment.no_national_number
    assert appointment.citizen.national_number == ""


@pytest.mark.usefixtures("_api")
def test_the_api_accepts_a_bis_number_and_refuses_a_bad_one(client, service):
    reason = reason_with(service, Ask.REQUIRED)
    bad = api_post(client, api_booking(service, reason, national_number=BAD_BIS))
    assert bad.status_code == 422
    [error] = bad.json()["detail"]
    assert error["loc"] == ["body", "citizen", "national_number"]
    assert "BIS" in error["msg"]
    good = api_post(client, api_booking(service, reason, national_number=BIS))
    assert good.status_code == 201, good.content
    appointment = Appointment.objects.get()
    assert appointment.citizen.national_number == "98472899765"
    assert not appointment.no_national_number


@pytest.mark.usefixtures("_api")
def test_the_api_drops_a_number_the_reason_does_not_ask(client, service):
    reason = reason_with(service, Ask.NOT_ASKED)
    response = api_post(client, api_booking(service, reason, national_number=NATIONAL))
    assert response.status_code == 201, response.content
    assert Appointment.objects.get().citizen.national_number == ""


# --- Door 3: phone booking ---------------------------------------------------------


@pytest.fixture
def staff(service):
    agent = AgentFactory()
    MembershipFactory(agent=agent, service=service)
    return agent.user


def phone_book(reason, citizen, actor, hour=9, **details):
    return phone_appointment_book(
        citizen=citizen,
        details=details,
        reason=reason,
        start=local(VISIT, hour),
        agent=None,
        remarks="",
        actor=actor,
    )


def test_phone_booking_refuses_a_missing_required_number(service, staff):
    reason = reason_with(service, Ask.REQUIRED)
    citizen = CitizenFactory()
    with pytest.raises(ValidationError) as refused:
        phone_book(reason, citizen, staff, no_national_number=True)
    assert list(refused.value.message_dict) == ["national_number"]
    assert not Appointment.objects.exists()


def test_phone_booking_records_a_missing_number_where_allowed(service, staff):
    reason = reason_with(service, Ask.REQUIRED, allowed=True)
    appointment = phone_book(reason, CitizenFactory(), staff, no_national_number=True)
    assert appointment.no_national_number
    # The agenda and the appointment tell the agent (the day list as well).
    assert translated("No national register number yet") in _details(appointment)


def test_phone_booking_keeps_a_bis_number_and_not_an_unasked_one(service, staff):
    reason = reason_with(service, Ask.OPTIONAL, allowed=True)
    citizen = CitizenFactory()
    appointment = phone_book(reason, citizen, staff, national_number="98472899765")
    citizen.refresh_from_db()
    assert citizen.national_number == "98472899765"
    assert not appointment.no_national_number
    other = CitizenFactory()
    phone_book(
        reason_with(service, Ask.NOT_ASKED),
        other,
        staff,
        hour=10,
        national_number="85073003328",
    )
    other.refresh_from_db()
    assert other.national_number == ""


def test_the_phone_page_accepts_a_bis_number_and_says_what_the_reason_asks(
    client, service, staff
):
    reason = reason_with(service, Ask.OPTIONAL, allowed=True)
    client.force_login(staff)
    slots = client.get(
        reverse("admin:portal_phone_slots"), {"reason": reason.pk}
    ).json()
    assert slots["asked"] == ["national_number"]
    assert slots["required"] == []
    assert slots["noNationalNumber"] is True
    data = {
        "action": "book",
        "new_citizen": "1",
        "new-last_name": "Kowalska",
        "new-first_name": "Anna",
        "new-email": "anna@example.eu",
        "new-phone": "0470 12 34 56",
        "new-language": "fr",
        "reason": reason.pk,
        "start": slots["slots"][0]["value"],
        "national_number": BAD_BIS,
    }
    refused = client.post(reverse("admin:portal_phone"), data)
    assert "national_number" in refused.context["form"].errors
    accepted = client.post(
        reverse("admin:portal_phone"), {**data, "national_number": BIS}
    )
    assert accepted.status_code == 302
    assert Citizen.objects.get().national_number == "98472899765"


# --- Staff: who may see it, the admin's reason form -----------------------------------


def test_staff_see_the_number_where_one_reason_of_theirs_asks_it(staff, service):
    service.requires_national_number = False
    service.save()
    reason = reason_with(service, Ask.NOT_ASKED)
    assert "national_number" not in visible_citizen_details(staff)
    reason.national_number_rule = Ask.OPTIONAL
    reason.save()
    assert "national_number" in visible_citizen_details(staff)


def test_the_reasons_admin_form_shows_the_setting(client, administrator, service):
    reason = reason_with(service, Ask.OPTIONAL, allowed=True)
    client.force_login(administrator)
    page = client.get(reverse("admin:booking_visitreason_change", args=[reason.pk]))
    assert page.status_code == 200
    form = page.context["adminform"].form
    assert form["national_number_rule"].value() == "optional"
    assert form["no_national_number_allowed"].value() is True
    choices = dict(form.fields["national_number_rule"].choices)
    assert choices[""] == translated("as the service says (%(rule)s)") % {
        "rule": translated("required")
    }
    content = page.content.decode()
    assert 'name="birth_date_rule"' in content
    assert 'name="address_rule"' in content
