"""One set of citizen rules (issue 16, point 3 of the issue): the public
wizard and the API refuse the same bad details with the same messages."""

import re
from datetime import date

import pytest
import time_machine
from pydantic import ValidationError

from booking.api.schemas import CitizenIn
from booking.public.forms import IdentityForm
from tests.factories import ServiceFactory

GOOD = {
    "last_name": "Peeters",
    "first_name": "An",
    "email": "an@example.be",
    "phone": "0470 12 34 56",
    "national_number": "85.07.30-033.28",
    "birth_date": "1985-07-30",
    "address": "Rue de la Loi 16, 1000 Bruxelles",
}
BAD = [
    ("phone", {"phone": "02 511 11 11"}),  # a Brussels landline
    ("national_number", {"national_number": "85.07.30-033.29"}),
    ("birth_date", {"birth_date": "1985-07-31"}),  # not the number's
    ("birth_date", {"birth_date": "2999-01-01"}),
]


def _wizard_errors(data: dict) -> list[str]:
    service = ServiceFactory(
        requires_national_number=True, requires_birth_date=True, requires_address=True
    )
    form = IdentityForm(data, service=service)
    assert not form.is_valid()
    return [str(message) for messages in form.errors.values() for message in messages]


def _api_errors(data: dict) -> list[str]:
    with pytest.raises(ValidationError) as refused:
        CitizenIn.model_validate(data)
    return [error["msg"] for error in refused.value.errors()]


@pytest.mark.django_db
@time_machine.travel(date(2026, 3, 25), tick=False)
def test_good_details_pass_both():
    service = ServiceFactory(
        requires_national_number=True, requires_birth_date=True, requires_address=True
    )
    assert IdentityForm(GOOD, service=service).is_valid()
    CitizenIn.model_validate(GOOD)


@pytest.mark.django_db
@time_machine.travel(date(2026, 3, 25), tick=False)
@pytest.mark.parametrize(("field", "change"), BAD)
def test_the_api_and_the_wizard_refuse_the_same_details_alike(field, change):
    data = {**GOOD, **change}
    assert _api_errors(data) == _wizard_errors(data)


def test_the_openapi_schema_states_the_constraints(client):
    """A request the schema accepts is not refused for an empty name or
    malformed weekdays and parts: the schema refuses them itself."""
    schema = client.get("/api/v1/openapi.json").json()
    name = schema["components"]["schemas"]["CitizenIn"]["properties"]["last_name"]
    assert name["minLength"] == 1
    assert not re.search(name["pattern"], "   ")
    assert re.search(name["pattern"], " An ")
    parameters = {
        parameter["name"]: parameter["schema"]
        for parameter in schema["paths"]["/api/v1/slots"]["get"]["parameters"]
    }
    weekdays = parameters["weekdays"]
    weekdays = next(
        (option for option in weekdays.get("anyOf", []) if "pattern" in option),
        weekdays,
    )
    for good in ("", "0", "0, 1 ,6"):
        assert re.search(weekdays["pattern"], good)
    for bad in ("7", "0 1", "01", "monday"):
        assert not re.search(weekdays["pattern"], bad)
