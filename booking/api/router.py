"""The JSON API, for communes that build their own front end (issue 4, item 6).

Mounted at ``/api/v1/`` (core/urls.py): the OpenAPI schema is
``/api/v1/openapi.json`` and its Swagger UI ``/api/v1/docs``, served from
django-ninja's own static files (``ninja`` is in INSTALLED_APPS, otherwise
ninja would load Swagger from a CDN).

The API is anonymous (``auth=None``): django-ninja marks its views
csrf-exempt, so a commune's site on another origin can POST. It holds no
session, hence there is nothing for a forged request to ride on.

Reads use ``booking.slots``; the only write, booking, goes through
``booking.services.citizen_book`` like the public pages. Searches and
bookings are rate limited per client IP (``settings.RATE_LIMITS``). Every
message, field errors included, is in the request's language (Accept-Language,
via LocaleMiddleware).

Booking takes a JSON body only (415 otherwise: a foreign page's form or
``fetch`` with ``text/plain`` needs no CORS preflight, JSON does), books once
per ``Idempotency-Key`` (``booking/idempotency.py``), and answers a repeated
booking sent without that key with 409 and no personal link: the link goes
only to whoever booked, by e-mail and in the first answer.
"""

import re
from datetime import datetime, time, timedelta
from functools import wraps

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.http import HttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Header, NinjaAPI, Query, Status, Swagger
from ninja.decorators import decorate_view
from ninja.errors import HttpError, ValidationError

from booking import citizen_rules, events, idempotency
from booking.links import manage_url
from booking.models import Appointment, VisitReason
from booking.services import (
    BookingContact,
    BookingError,
    CitizenDetails,
    DuplicateBooking,
    SlotTaken,
    check_people,
    citizen_book,
)
from booking.slots import SearchCriteria, booking_window, first_free_slots, search_slots
from core.ratelimit import client_ip, hit
from staffing.availability import Slot
from staffing.calendars import service_sites, sites_of_services
from staffing.models import Agent, Membership, Service, Site

from .schemas import (
    LANGUAGES,
    AgentOut,
    AppointmentOut,
    BookingIn,
    CitizenIn,
    DetailOut,
    IdempotencyKey,
    ReasonOut,
    ServiceOut,
    SlotOut,
    SlotQuery,
    SlotsOut,
    SlotTakenOut,
    ValidationErrorOut,
)

# Service.slug is a SlugField: anything else cannot match (and a NUL character
# would make PostgreSQL fail instead of answering "not found").
_SLUG = re.compile(r"[-a-zA-Z0-9_]{1,60}")
# How many free slots a 409 proposes instead of the one just taken.
ALTERNATIVES = 5

# Pydantic's built-in messages are English only: the common ones, reworded
# here (Django's own wording where it exists, so that they are translated).
_MESSAGES = {
    "missing": gettext_lazy("This field is required."),
    "string_too_short": gettext_lazy("This field is required."),
    "string_type": gettext_lazy("Enter a valid text."),
    "string_unicode": gettext_lazy("Enter a valid text."),
    "string_too_long": gettext_lazy("Use at most %(limit_value)s characters."),
    "int_parsing": gettext_lazy("Enter a whole number."),
    "int_type": gettext_lazy("Enter a whole number."),
    "int_from_float": gettext_lazy("Enter a whole number."),
    "greater_than_equal": gettext_lazy(
        "Ensure this value is greater than or equal to %(limit_value)s."
    ),
    "less_than_equal": gettext_lazy(
        "Ensure this value is less than or equal to %(limit_value)s."
    ),
    "date_parsing": gettext_lazy("Enter a valid date."),
    "date_type": gettext_lazy("Enter a valid date."),
    "date_from_datetime_parsing": gettext_lazy("Enter a valid date."),
    "date_from_datetime_inexact": gettext_lazy("Enter a valid date."),
    "datetime_parsing": gettext_lazy("Enter a valid date/time."),
    "datetime_type": gettext_lazy("Enter a valid date/time."),
    "datetime_from_date_parsing": gettext_lazy("Enter a valid date/time."),
    "datetime_object_invalid": gettext_lazy("Enter a valid date/time."),
    "timezone_aware": gettext_lazy(
        "Give the time with its UTC offset, for example 2026-12-01T09:30:00+01:00."
    ),
    "literal_error": gettext_lazy("Choose one of: %(expected)s."),
    "model_type": gettext_lazy("Send a JSON object."),
    "model_attributes_type": gettext_lazy("Send a JSON object."),
    "dict_type": gettext_lazy("Send a JSON object."),
}


def _message(error: dict) -> str:
    """The error's message in the active language (custom errors already are)."""
    template = _MESSAGES.get(error["type"])
    if template is None:
        return error["msg"]
    context = dict(error.get("ctx", {}))
    bounds = [context[key] for key in ("ge", "le", "max_length") if key in context]
    if bounds:
        context["limit_value"] = bounds[0]
    try:
        return str(template) % context
    except (KeyError, TypeError, ValueError):  # a context we did not foresee
        return error["msg"]


class RendezVousAPI(NinjaAPI):
    """NinjaAPI whose 422 answers are translated and drop ninja's internals."""

    def validation_error_from_error_contexts(self, error_contexts):
        errors = []
        for context in error_contexts:
            model = context.model
            body_attr = getattr(model, "__read_from_single_attr__", None)
            for error in context.pydantic_validation_error.errors(include_url=False):
                loc = model.__ninja_flatten_map_reverse__.get(
                    error["loc"], error["loc"]
                )
                if body_attr and loc[:1] == (body_attr,):
                    loc = loc[1:]  # the view's parameter name means nothing to clients
                errors.append(
                    {
                        "loc": [model.__ninja_param_source__, *loc],
                        "msg": _message(error),
                        "type": error["type"],
                    }
                )
        return ValidationError(errors)


api = RendezVousAPI(
    title="Rendez-vous communal",
    version="1",
    description=(
        "Book an appointment with the commune's services. Anonymous; searches "
        "and bookings are rate limited per client address. Messages follow "
        "Accept-Language (fr, nl, de, en)."
    ),
    urls_namespace="api-v1",
    docs=Swagger(settings={"validatorUrl": None}),  # no call to swagger.io
    docs_url="/docs",
)


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    # Ninja raises a 400 only for a body that is not JSON, with an English text.
    detail = (
        _("The request body is not valid JSON.") if exc.status_code == 400 else str(exc)
    )
    return api.create_response(request, {"detail": detail}, status=exc.status_code)


def _field_error(loc: tuple, message: str, code: str) -> ValidationError:
    return ValidationError([{"loc": list(loc), "msg": str(message), "type": code}])


def rate_limited(scope: str):
    """Count every request of the operation per client IP, valid or not, and
    answer 429 with Retry-After beyond ``settings.RATE_LIMITS[scope]``."""

    def decorator(run):
        @wraps(run)
        def wrapper(request, *args, **kwargs):
            limit, period = settings.RATE_LIMITS.get(scope, (0, 60))
            if not hit(scope, client_ip(request), limit=limit, period=period):
                response = api.create_response(
                    request,
                    {
                        "detail": _(
                            "Too many requests. Please wait a minute and try again."
                        )
                    },
                    status=429,
                )
                response["Retry-After"] = str(period)
                return response
            return run(request, *args, **kwargs)

        return wrapper

    return decorator


def json_only(run):
    """Answer 415 to a body not declared JSON (``application/json`` or a
    ``+json`` type), before it is read: a page of another site may POST
    ``text/plain`` without a CORS preflight, never JSON."""

    @wraps(run)
    def wrapper(request, *args, **kwargs):
        media_type = (request.content_type or "").lower()
        if media_type != "application/json" and not (
            media_type.startswith("application/") and media_type.endswith("+json")
        ):
            response = api.create_response(
                request,
                {
                    "detail": _(
                        "Send the body as JSON, with Content-Type: application/json."
                    )
                },
                status=415,
            )
            response["Accept-Post"] = "application/json"
            return response
        return run(request, *args, **kwargs)

    return wrapper


# --- Lookups shared by the operations ----------------------------------------


def _active_service(slug: str) -> Service | None:
    if not _SLUG.fullmatch(slug):
        return None
    return Service.objects.active().filter(slug=slug).first()


def _service_or_404(slug: str) -> Service:
    service = _active_service(slug)
    if service is None:
        raise HttpError(404, _("There is no such service."))
    return service


def _service_field(slug: str, source: str) -> Service:
    service = _active_service(slug)
    if service is None:
        raise _field_error(
            (source, "service"), _("There is no such service."), "unknown_service"
        )
    return service


def _service_and_reason_fields(
    slug: str, reason_id: int, source: str
) -> tuple[Service, VisitReason]:
    """The active service and its reason bookable online, in one query when
    both are right (every search and booking asks); otherwise the 422 of the
    first wrong field."""
    reason = (
        VisitReason.objects.select_related("service")
        .filter(
            pk=reason_id,
            is_active=True,
            online_bookable=True,
            service__slug=slug,
            service__is_active=True,
        )
        .first()
    )
    if reason is not None:
        return reason.service, reason
    service = _service_field(slug, source)
    return service, _reason_field(service, reason_id, source)


def _reason_field(service: Service, reason_id: int, source: str) -> VisitReason:
    """The service's active reason, bookable online, or a 422 on ``reason``."""
    reason = VisitReason.objects.filter(
        pk=reason_id, service=service, is_active=True
    ).first()
    if reason is None:
        raise _field_error(
            (source, "reason"),
            _("This visit reason does not belong to this service."),
            "unknown_reason",
        )
    if not reason.online_bookable:
        raise _field_error(
            (source, "reason"),
            _("This visit reason cannot be booked online."),
            "reason_not_online",
        )
    reason.service = service  # spares a query in requires_confirmation()
    return reason


def _agent_field(service: Service, agent_id: int | None, source: str) -> Agent | None:
    """The chosen agent, when the service lets citizens choose, or a 422."""
    if agent_id is None:
        return None
    if not service.citizens_choose_agent:
        raise _field_error(
            (source, "agent"),
            _("This service does not let you choose an agent."),
            "agent_not_allowed",
        )
    agent = (
        Agent.objects.active()
        .filter(
            pk=agent_id,
            pk__in=Membership.objects.filter(service=service).values("agent_id"),
        )
        .first()
    )
    if agent is None:
        raise _field_error(
            (source, "agent"),
            _("This agent does not work in this service."),
            "unknown_agent",
        )
    return agent


def _site_field(service: Service, site_id: int | None, source: str) -> Site | None:
    """One of the service's sites (issue 25, point 4), or a 422."""
    if site_id is None:
        return None
    for site in service_sites(service, on_or_after=timezone.localdate()):
        if site.pk == site_id:
            return site
    raise _field_error(
        (source, "site"),
        _("The service does not receive citizens at this site."),
        "unknown_site",
    )


def _site_out(site: Site | None) -> dict | None:
    if site is None:
        return None
    return {
        "id": site.pk,
        "name": site.name,
        "address": site.address,
        "information": site.information,
    }


def _slot_out(slot: Slot) -> SlotOut:
    return SlotOut(
        start=timezone.localtime(slot.start),
        end=timezone.localtime(slot.end),
        capacity=slot.capacity,
        site=slot.site_id,
    )


# --- Operations --------------------------------------------------------------


@api.get("/services", response=list[ServiceOut], tags=["services"])
def list_services(request):
    """The services open for bookings, in the commune's order, each with
    the sites where it receives."""
    services = list(Service.objects.active())
    sites = sites_of_services(services, on_or_after=timezone.localdate())
    for service in services:
        service.sites = sites[service.pk]
    return services


@api.get(
    "/services/{slug}/reasons",
    response={200: list[ReasonOut], 404: DetailOut},
    tags=["services"],
)
def list_reasons(request, slug: str):
    """The service's visit reasons bookable online; ``duration`` in minutes."""
    service = _service_or_404(slug)
    reasons = VisitReason.objects.filter(
        service=service, is_active=True, online_bookable=True
    ).order_by("order", "name")
    return [
        ReasonOut(
            id=reason.pk,
            name=reason.name,
            duration=reason.duration_minutes,
            max_people=reason.max_people,
            minutes_per_extra_person=reason.minutes_per_extra_person,
            screen_information=reason.screen_information,
            needs_confirmation=reason.needs_confirmation or service.needs_confirmation,
            details=citizen_rules.details_asked(service, reason).as_json(),
        )
        for reason in reasons
    ]


@api.get(
    "/services/{slug}/agents",
    response={200: list[AgentOut], 404: DetailOut},
    tags=["services"],
)
def list_agents(request, slug: str):
    """The agents citizens may choose; empty when the service assigns them."""
    service = _service_or_404(slug)
    if not service.citizens_choose_agent:
        return []
    agents = Agent.objects.active().in_service(service).select_related("user")
    return [AgentOut(id=agent.pk, name=str(agent)) for agent in agents]


@api.get(
    "/slots",
    response={200: SlotsOut, 422: ValidationErrorOut, 429: DetailOut},
    tags=["booking"],
)
@decorate_view(rate_limited("search"))
def list_slots(request, query: Query[SlotQuery]):
    """Free slots between two local days, within the service's notice and
    horizon; ``capacity`` is how many citizens can still book each."""
    service, reason = _service_and_reason_fields(query.service, query.reason, "query")
    agent = _agent_field(service, query.agent, "query")
    _people_field(reason, query.people, "query")
    site = _site_field(service, query.site, "query")
    window = booking_window(service, now=timezone.now(), from_date=query.start)
    if window is None:
        return {"slots": []}
    day_after = datetime.combine(
        query.end + timedelta(days=1), time.min, tzinfo=timezone.get_default_timezone()
    )
    end = min(window.end, day_after)
    if end <= window.start:
        return {"slots": []}
    criteria = SearchCriteria(
        weekdays=query.weekday_set(),
        parts=query.part_set(),
        agent_id=agent.pk if agent else None,
        people=query.people,
        site_id=site.pk if site else None,
    )
    slots = search_slots(
        service, reason, start=window.start, end=end, criteria=criteria
    )
    return {"slots": [_slot_out(slot) for slot in slots]}


def _people_field(reason: VisitReason, people: int, where: str) -> None:
    """Refuse more people than the reason lets one appointment hold, as a
    field error (the services' message, ``check_people``)."""
    try:
        check_people(reason=reason, people=people)
    except BookingError as error:
        raise _field_error(
            (where, "people"), error.message, "too_many_people"
        ) from None


def _check_details(
    service: Service, reason: VisitReason, citizen: CitizenIn
) -> citizen_rules.DetailsGiven:
    """The details the reason asks (R2; ``citizen_rules.check_details``, as
    the public pages and phone booking), every missing one reported at once;
    those it does not ask are dropped (GDPR)."""
    try:
        return citizen_rules.check_details(
            citizen_rules.details_asked(service, reason),
            national_number=citizen.national_number or "",
            birth_date=citizen.birth_date,
            address=citizen.address,
            no_national_number=citizen.no_national_number,
        )
    except DjangoValidationError as error:
        raise ValidationError(
            [
                {
                    "loc": ["body", "citizen", field],
                    "msg": str(message),
                    "type": "missing",
                }
                for field, messages in error.message_dict.items()
                for message in messages
            ]
        ) from error


def _citizen_for(
    data: CitizenIn, details: citizen_rules.DetailsGiven
) -> tuple[CitizenDetails, BookingContact]:
    """The citizen booking, through the same rule as the public pages
    (``citizen_for_booking``: the known one when names and e-mail match, else
    a new, unsaved one), and the contact details this booking brings, which
    stay with its appointment. Only the ``details`` the reason asks are
    passed: collect only what is needed (GDPR)."""
    language = data.language or (translation.get_language() or "")[:2]
    language = language if language in LANGUAGES else settings.LANGUAGE_CODE
    citizen = CitizenDetails(
        last_name=data.last_name,
        first_name=data.first_name,
        email=data.email,
        phone=data.phone,
        language=language,
        national_number=details.national_number,
        birth_date=details.birth_date,
        address=details.address,
    )
    contact = BookingContact(
        email=data.email,
        phone=data.phone,
        language=language,
        address=details.address,
        no_national_number=details.no_national_number,
    )
    return citizen, contact


def _appointment_out(answer: dict, appointment: Appointment) -> AppointmentOut:
    """The booking answer: ``answer`` (id, status, times) and a personal link
    signed now, so that no link is ever stored."""
    return AppointmentOut(
        **answer,
        manage_url=manage_url(appointment),
        notices=events.notices_for(appointment),
    )


def _duplicate() -> Status:
    return Status(
        409,
        {"detail": str(DuplicateBooking().message), "slots": [], "code": "duplicate"},
    )


def _model_errors(error: DjangoValidationError) -> ValidationError:
    """A model's full_clean() refusal as field errors (a safety net: the schema
    checks the same rules first)."""
    citizen_fields = set(CitizenIn.model_fields)
    errors = []
    for field, messages in error.message_dict.items():
        loc = ["body", "citizen", field] if field in citizen_fields else ["body"]
        errors += [{"loc": loc, "msg": str(m), "type": "invalid"} for m in messages]
    return ValidationError(errors)


IDEMPOTENCY_KEY_HEADER = Header(
    None,
    alias="Idempotency-Key",
    description="A random key (a UUID) per booking: the same request sent again "
    "with the same key and body answers as the first time, without booking twice "
    "(header Idempotent-Replayed: true); with another body, 422. Kept 24 hours.",
)


@api.post(
    "/appointments",
    response={
        201: AppointmentOut,
        409: SlotTakenOut,
        415: DetailOut,
        422: ValidationErrorOut,
        429: DetailOut,
    },
    tags=["booking"],
)
@decorate_view(json_only, rate_limited("book"))
def book_appointment(
    request,
    response: HttpResponse,
    payload: BookingIn,
    idempotency_key: IdempotencyKey = IDEMPOTENCY_KEY_HEADER,
):
    """Book a slot. 201: booked (``status`` pending when an agent must confirm),
    or the first answer again for a repeated ``Idempotency-Key``; 409: the slot
    was just taken, with the next free ones (``code`` slot_taken), or this
    person already holds this appointment (``code`` duplicate: no link, it was
    sent by e-mail); 415: the body is not declared JSON; 422: invalid input or
    refused by the service's rules (notice, horizon, per-citizen limit)."""
    service, reason = _service_and_reason_fields(
        payload.service, payload.reason, "body"
    )
    agent = _agent_field(service, payload.agent, "body")
    _people_field(reason, payload.people, "body")
    site = _site_field(service, payload.site, "body")
    details = _check_details(service, reason, payload.citizen)
    # One person, as before issue 25: a key sent before keeps its fingerprint.
    content_hash = idempotency.fingerprint(
        payload.model_dump(
            mode="json", exclude={"people"} if payload.people == 1 else None
        )
    )
    try:
        # One transaction around the key, the citizen and the booking: a
        # refused booking leaves no new citizen and no used key behind.
        with transaction.atomic():
            if idempotency_key:
                earlier = idempotency.claim(
                    scope=idempotency.API,
                    key=idempotency_key,
                    content_hash=content_hash,
                )
                if earlier is not None:
                    if earlier.appointment is None:  # never committed so
                        return _duplicate()
                    response["Idempotent-Replayed"] = "true"
                    return Status(
                        201, _appointment_out(earlier.answer, earlier.appointment)
                    )
            citizen, contact = _citizen_for(payload.citizen, details)
            appointment = citizen_book(
                citizen=citizen,
                service=service,
                reason=reason,
                start=payload.start,
                agent=agent,
                site=site,
                channel=Appointment.Channel.WEB,
                remarks=payload.remarks,
                contact=contact,
                people=payload.people,
            )
            answer = {
                "id": appointment.pk,
                "status": appointment.status,
                "start": timezone.localtime(appointment.start).isoformat(),
                "end": timezone.localtime(appointment.end).isoformat(),
                "people": appointment.people,
                "site": _site_out(appointment.site),
            }
            if idempotency_key:
                idempotency.complete(
                    scope=idempotency.API,
                    key=idempotency_key,
                    appointment=appointment,
                    answer=answer,
                )
    except idempotency.KeyReused as error:
        raise _field_error(
            ("header", "Idempotency-Key"),
            _("This key was already used for another booking: send a new key."),
            "idempotency_key_reused",
        ) from error
    except DuplicateBooking:
        return _duplicate()
    except SlotTaken as error:
        alternatives = first_free_slots(
            service,
            reason,
            SearchCriteria(
                agent_id=agent.pk if agent else None,
                people=payload.people,
                site_id=site.pk if site else None,
            ),
            n=ALTERNATIVES,
        )
        return Status(
            409,
            {
                "detail": str(error.message),
                "slots": [_slot_out(slot) for slot in alternatives],
            },
        )
    except BookingError as error:
        raise _field_error(("body",), error.message, "booking_refused") from error
    except DjangoValidationError as error:
        raise _model_errors(error) from error
    return Status(201, _appointment_out(answer, appointment))
