"""Shapes of the JSON API's requests and answers (``booking/api/router.py``).

Input validation lives here, so that every field error is reported at once and
in the request's language: the checks raise ``PydanticCustomError`` with a
message translated at validation time (LocaleMiddleware has already activated
the language of Accept-Language). Checks that need the database (does the
reason belong to the service?) are done in the API views.
"""

from datetime import date, datetime, timedelta
from typing import Annotated, Literal

import phonenumbers
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from ninja import Field, Schema
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from booking import citizen_rules
from booking.models import MAX_PEOPLE_PER_VISIT
from core.inputs import text_error
from staffing.availability import PARTS_OF_DAY

# Database ids are 64-bit; a larger number would overflow the query, not miss.
MAX_ID = 2**63 - 1
# A search may cover at most this many days (a quarter), to bound its cost.
MAX_SEARCH_DAYS = 92
# Dates outside these years are mistakes, and far ones overflow date arithmetic.
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100

LANGUAGES = ("fr", "nl", "de", "en")


def _invalid(code: str, message: str) -> PydanticCustomError:
    return PydanticCustomError(code, message)


def _rule(check, value):
    """``check`` of ``booking.citizen_rules`` (the wizard's and phone
    booking's rules), its refusal as the API's error with the same message."""
    try:
        return check(value)
    except DjangoValidationError as error:
        raise _invalid(error.code or "invalid", str(error.messages[0])) from None


def _clean_text(value: str) -> str:
    """Strip ``value`` and refuse what cannot be stored (NUL, control
    characters, lone surrogates; the imports' rule too, ``core.inputs``)."""
    message = text_error(value)
    if message:
        code = "null_characters" if "\x00" in value else "invalid_text"
        raise _invalid(code, message)
    return value.strip()


def _required_text(value: str) -> str:
    value = _clean_text(value)
    if not value:
        raise _invalid("missing", _("This field is required."))
    return value


def _clean_email(value: str) -> str:
    value = _required_text(value)
    try:
        validate_email(value)
    except DjangoValidationError:
        raise _invalid("invalid_email", _("Enter a valid email address.")) from None
    return value


def _clean_phone(value: str) -> str:
    """A Belgian (0470 12 34 56) or international number, stored as E.164."""
    value = _required_text(value)
    message = _(
        "Enter a valid phone number: Belgian (0470 12 34 56) or international "
        "(+33 6 12 34 56 78)."
    )
    try:
        number = phonenumbers.parse(value, "BE")
    except phonenumbers.NumberParseException:
        raise _invalid("invalid_phone", message) from None
    if not phonenumbers.is_valid_number(number):
        raise _invalid("invalid_phone", message)
    number = _rule(citizen_rules.mobile_phone, number)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _clean_national_number(value: str | None) -> str | None:
    """A Belgian national register number or BIS number, checksum verified,
    as 11 digits."""
    if value is None:
        return None
    value = _clean_text(value)
    if not value:
        return None
    return _rule(citizen_rules.national_number, value)


def _in_range_years(value: date) -> date:
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise _invalid(
            "date_out_of_range",
            _("Give a date between the years %(first)s and %(last)s.")
            % {"first": EARLIEST_YEAR, "last": LATEST_YEAR},
        )
    return value


def _birth_date(value: date | None) -> date | None:
    return value if value is None else _rule(citizen_rules.birth_date, value)


def _csv_pattern(item: str) -> str:
    """The pattern of a comma-separated list of ``item`` (spaces and empty
    items allowed, as :func:`_csv` reads it), for the OpenAPI schema to state
    what the validators accept."""
    return rf"^ *(, *)*({item} *(, *)+)*({item} *)?$"


def _csv(value: str | None) -> list[str] | None:
    """``"a, b"`` -> ``["a", "b"]``; None or an empty string means "no filter"."""
    if value is None:
        return None
    items = [item.strip() for item in _clean_text(value).split(",") if item.strip()]
    return items or None


Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Slug = Annotated[str, Field(max_length=60), AfterValidator(_required_text)]
# A name holds something besides spaces: the schema says so too, so that a
# request it accepts is not refused for an empty name (the validators keep
# their own messages: the schema's constraints are stated, not duplicated).
Name = Annotated[
    str,
    Field(
        max_length=100,
        # stated, and checked by _required_text with its own message
        json_schema_extra={"minLength": 1, "pattern": r"[^ \t\n\r]"},
    ),
    AfterValidator(_required_text),
]
Email = Annotated[str, Field(max_length=254), AfterValidator(_clean_email)]
Phone = Annotated[str, Field(max_length=40), AfterValidator(_clean_phone)]
NationalNumber = (
    Annotated[str, Field(max_length=20), AfterValidator(_clean_national_number)] | None
)
SearchDate = Annotated[date, AfterValidator(_in_range_years)]
People = Annotated[
    int,
    Field(
        ge=1,
        le=MAX_PEOPLE_PER_VISIT,
        description="How many people come together, up to the reason's "
        "max_people: the slots are as long as their visit.",
    ),
]


# --- Answers -----------------------------------------------------------------


class DetailOut(Schema):
    """An error explained in one sentence (404, 409, 429)."""

    detail: str


class FieldErrorOut(Schema):
    """One invalid input: where it is, what is wrong (in the request's language)."""

    loc: list[str | int] = Field(
        ..., description='Where: ["body", "citizen", "email"], ["query", "end"]…'
    )
    msg: str
    type: str


class ValidationErrorOut(Schema):
    """422: every invalid field at once."""

    detail: list[FieldErrorOut]


class SiteOut(Schema):
    """A place where citizens are received (issue 25, point 4)."""

    id: int
    name: str
    address: str
    information: str = Field(..., description="How to get there.")


class ServiceOut(Schema):
    slug: str
    name: str
    description: str
    address: str
    sites: list[SiteOut] = Field(
        ...,
        description="Where the service receives citizens: filter GET /slots "
        "by one with ``site``.",
    )
    email: str
    phone: str
    citizens_choose_agent: bool
    needs_confirmation: bool
    slot_minutes: int
    min_notice_hours: int
    max_horizon_days: int
    requires_national_number: bool
    requires_birth_date: bool
    requires_address: bool


AskOut = Literal["required", "optional", "not_asked"]


class DetailsAskedOut(Schema):
    """The citizen's details a booking for the reason asks (besides names,
    e-mail and mobile phone, always required)."""

    national_number: AskOut = Field(
        ..., description="A Belgian national register number or a BIS number."
    )
    no_national_number_allowed: bool = Field(
        ...,
        description='Whether the citizen may say "I do not have one yet" '
        "(citizen.no_national_number) instead of giving the number.",
    )
    birth_date: AskOut
    address: AskOut


class ReasonOut(Schema):
    id: int
    name: str
    duration: int = Field(..., description="In minutes, for one person.")
    max_people: int = Field(
        1,
        description="How many people one appointment may be for (a family "
        "renewing its identity cards); 1: do not ask.",
    )
    minutes_per_extra_person: int = Field(
        0, description="Minutes added to the duration for each extra person."
    )
    screen_information: str
    needs_confirmation: bool
    details: DetailsAskedOut


class AgentOut(Schema):
    id: int
    name: str


# The slot lists are plain pydantic models, not ninja Schemas: a Schema runs
# its Django-object validator on every item, which cost a search as much time
# as finding the slots (issue 17, the opening-day rush). Nothing here is read
# from a Django object.
class SlotOut(BaseModel):
    start: datetime
    end: datetime
    capacity: int = Field(..., description="How many citizens can still book it.")
    site: int | None = Field(
        None, description="Where: the id of one of the service's sites."
    )


class SlotsOut(BaseModel):
    slots: list[SlotOut]


class SlotTakenOut(Schema):
    """409: the slot was just taken (``code`` slot_taken), with the next free
    slots to choose from; or the same person already holds this appointment
    (``code`` duplicate, no slots and no personal link: its owner has it by
    e-mail)."""

    detail: str
    slots: list[SlotOut]
    code: Literal["slot_taken", "duplicate"] = "slot_taken"


class AppointmentOut(Schema):
    id: int
    status: Literal["pending", "confirmed"]
    start: datetime
    end: datetime
    people: int = Field(1, description="How many people come together.")
    site: SiteOut | None = Field(None, description="Where the citizen is received.")
    manage_url: str = Field(
        ...,
        description=(
            "The citizen's personal link (short, kept when the appointment "
            "moves): see, cancel, move, .ics."
        ),
    )
    notices: list[str] = Field(
        [],
        description=(
            "Sentences to show the citizen with the booking, in the request's "
            "language: for example that messages will come by e-mail, not SMS."
        ),
    )


# --- Requests ----------------------------------------------------------------


class SlotQuery(Schema):
    """``GET /slots``: the free slots of a reason between two local dates."""

    service: Slug
    reason: Id
    start: SearchDate = Field(..., description="First local day, YYYY-MM-DD.")
    end: SearchDate = Field(
        ...,
        description=f"Last local day (included); at most {MAX_SEARCH_DAYS} days "
        "after start.",
    )
    agent: Id | None = Field(
        None, description="Only when the service lets citizens choose an agent."
    )
    people: People = 1
    site: Id | None = Field(
        None, description="Only the times at this site (one of the service's)."
    )
    part: str | None = Field(
        None,
        max_length=40,
        json_schema_extra={"pattern": _csv_pattern("(morning|afternoon|evening)")},
        description="Comma-separated parts of the day: morning, afternoon, evening.",
    )
    weekdays: str | None = Field(
        None,
        max_length=40,
        json_schema_extra={"pattern": _csv_pattern("[0-6]")},
        description="Comma-separated weekdays, 0 = Monday … 6 = Sunday.",
    )

    @field_validator("end")
    @classmethod
    def _end_after_start(cls, end: date, info: ValidationInfo) -> date:
        start = info.data.get("start")
        if start is None:
            return end
        if end < start:
            raise _invalid(
                "end_before_start", _("The end must not be before the start.")
            )
        if end - start > timedelta(days=MAX_SEARCH_DAYS):
            raise _invalid(
                "search_too_long",
                _("Search at most %(days)s days at once.") % {"days": MAX_SEARCH_DAYS},
            )
        return end

    @field_validator("part")
    @classmethod
    def _known_parts(cls, value: str | None) -> str | None:
        parts = _csv(value)
        if parts is None:
            return None
        if not set(parts) <= set(PARTS_OF_DAY):
            raise _invalid(
                "invalid_part",
                _("Choose among: %(choices)s.") % {"choices": ", ".join(PARTS_OF_DAY)},
            )
        return ",".join(parts)

    @field_validator("weekdays")
    @classmethod
    def _known_weekdays(cls, value: str | None) -> str | None:
        days = _csv(value)
        if days is None:
            return None
        if not all(day in {"0", "1", "2", "3", "4", "5", "6"} for day in days):
            raise _invalid(
                "invalid_weekdays",
                _("Give weekdays as numbers from 0 (Monday) to 6 (Sunday)."),
            )
        return ",".join(days)

    def part_set(self) -> set[str] | None:
        return set(self.part.split(",")) if self.part else None

    def weekday_set(self) -> set[int] | None:
        return {int(day) for day in self.weekdays.split(",")} if self.weekdays else None


class CitizenIn(Schema):
    first_name: Name
    last_name: Name
    email: Email
    phone: Phone = Field(
        ..., description="Belgian (0470 12 34 56) or international (+33 …)."
    )
    language: Literal["fr", "nl", "de", "en"] | None = Field(
        None, description="For later messages; by default the request's language."
    )
    national_number: NationalNumber = Field(
        None,
        description="A national register number or a BIS number; required when "
        "the reason's details say so (GET /services/{slug}/reasons).",
    )
    no_national_number: bool = Field(
        False,
        description="The citizen has no national register number yet: accepted "
        "instead of the number where the reason allows it.",
    )
    birth_date: Annotated[date | None, AfterValidator(_birth_date)] = Field(
        None, description="Required when the reason's details say so."
    )
    address: Annotated[str, Field(max_length=500), AfterValidator(_clean_text)] = Field(
        "", description="Required when the reason's details say so."
    )

    @model_validator(mode="after")
    def _birth_date_matches(self) -> "CitizenIn":
        _rule(
            lambda pair: citizen_rules.birth_date_matches(*pair),
            (self.national_number, self.birth_date),
        )
        return self


def _idempotency_key(value: str | None) -> str | None:
    """A client's key for one booking request: 16 to 255 visible ASCII
    characters, so that a guessable key ("1") cannot be someone else's."""
    if value is None:
        return None
    if not (16 <= len(value) <= 255 and all("!" <= char <= "~" for char in value)):
        raise _invalid(
            "invalid_idempotency_key",
            _(
                "Send a key of 16 to 255 visible ASCII characters, unique to "
                "this booking: a random UUID, for example."
            ),
        )
    return value


IdempotencyKey = Annotated[str | None, AfterValidator(_idempotency_key)]


class BookingIn(Schema):
    service: Slug
    reason: Id
    start: AwareDatetime = Field(
        ..., description="A proposed slot's start, with its UTC offset."
    )
    agent: Id | None = None
    people: People = 1
    site: Id | None = Field(
        None, description="The site of the slot chosen (one of the service's)."
    )
    citizen: CitizenIn
    remarks: Annotated[str, Field(max_length=2000), AfterValidator(_clean_text)] = ""

    @field_validator("start")
    @classmethod
    def _start_in_range(cls, value: datetime) -> datetime:
        _in_range_years(value.date())
        return value
