"""Phone and desk booking (MISSION R15; issue 22, point 1): one keyboard-first
page for an agent on the phone, or at the desk with a citizen who walked in.

Type a name, phone or e-mail: matching citizens appear (or create one inline);
pick the visit reason: the first free slots appear with the first selected;
Enter confirms. The page works without JavaScript (one form, a button per
step); with it, citizens and slots are fetched as the agent types
(``static/portal/phone.js``). The booking itself goes through
``booking.services.citizen_book`` with channel "phone" or "desk" (the one
code path, the channel a parameter: ``BookingDesk``), so the validations and
messages are the public module's; staff are not held to the online notice. At
the desk the first time offered is "now" when an agent is free at once: the
walk-in is then booked at this minute and recorded as arrived.
"""

import copy
import dataclasses
import operator
import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import reduce

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.decorators import permission_required
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from phonenumber_field.phonenumber import to_python
from stdnum.be import nn

from audit.models import AccessRecord
from audit.services import access_record, looks_like_national_number
from booking import citizen_rules
from booking.models import Appointment, Citizen, VisitReason, validate_national_number
from booking.selectors import visible_citizen_details
from booking.services import (
    BookingContact,
    BookingError,
    appointment_mark,
    citizen_book,
)
from booking.slots import SearchCriteria, available_agent_ids, first_free_slots
from core.inputs import (
    InvalidInput,
    parse_datetime_value,
    parse_day,
    parse_id,
    validate_day,
)
from core.languages import main_language
from core.phones import phone_display
from core.roles import is_administrator
from staffing.models import Agent, Membership, Service
from staffing.scopes import member_service_ids

SEARCH_LIMIT = 10
SLOT_COUNT = 8
# A desk booking starting this close to now is a walk-in received at once.
NOW_TOLERANCE_SECONDS = 60


@dataclass(frozen=True)
class BookingDesk:
    """What differs between the phone and the desk: the channel, the page's
    URL name and title, and whether "now" is offered."""

    channel: str
    url_name: str
    title: str
    offers_now: bool


PHONE = BookingDesk(
    channel=Appointment.Channel.PHONE,
    url_name="admin:portal_phone",
    title=gettext_lazy("Book by phone"),
    offers_now=False,
)
WALK_IN = BookingDesk(
    channel=Appointment.Channel.DESK,
    url_name="admin:portal_walk_in",
    title=gettext_lazy("Walk-in at the desk"),
    offers_now=True,
)
DESKS = {desk.channel: desk for desk in (PHONE, WALK_IN)}


# --- What the user may book -----------------------------------------------------------


def bookable_services(user) -> QuerySet:
    """Services the user books for: his or her own, all for an administrator."""
    services = Service.objects.filter(is_active=True)
    if is_administrator(user):
        return services
    return services.filter(pk__in=member_service_ids(user))


def bookable_reasons(user) -> QuerySet:
    """Active reasons of those services, including those not bookable online."""
    return (
        VisitReason.objects.filter(is_active=True, service__in=bookable_services(user))
        .select_related("service")
        .order_by("service__order", "service__name", "order", "name")
    )


# --- Finding the citizen (GDPR) -------------------------------------------------------
#
# Staff see the citizens of their services (``Citizen.objects.visible_to``): a
# search by name lists only those. A citizen new to the user's services is
# found only by an exact e-mail, phone or national register number, which the
# caller already knows, and is shown by name with masked contact details:
# enough to book without creating a duplicate. The page then posts a signed,
# short-lived token instead of the id, so that no id typed by hand attaches a
# stranger to a booking.

CHOICE_MAX_AGE = 4 * 60 * 60  # seconds a masked search result stays bookable
_CHOICE_SALT = "booking.phone.citizen"
MASK = "\u2022"  # •
_NUMBER = re.compile(r"[+\d][\d\s./-]+")


def mask_email(email: str) -> str:
    """``anne.dupont@example.be`` → ``a•••@example.be``."""
    if not email:
        return ""
    local, _at, domain = email.partition("@")
    return f"{local[:1]}{MASK * 3}@{domain}"


def mask_phone(phone) -> str:
    """``+32 470 12 34 56`` → ``+32 4•• •• •• 56``: the country, the first and
    the last two digits."""
    if not phone:
        return ""
    country, _space, number = phone.as_international.partition(" ")
    digits = sum(character.isdigit() for character in number)
    masked, seen = [], 0
    for character in number:
        if character.isdigit():
            seen += 1
            if 1 < seen <= digits - 2:
                character = MASK
        masked.append(character)
    return f"{country} {''.join(masked)}"


@dataclass(frozen=True)
class CitizenMatch:
    """A citizen as the phone page may show him or her to one user."""

    citizen: Citizen
    value: str  # what the page posts back: the id, or a signed token if masked
    masked: bool  # new to the user's services: contact details masked
    details: frozenset[str]  # the extra details the user may see

    @property
    def label(self) -> str:
        return str(self.citizen)

    @property
    def email(self) -> str:
        email = self.citizen.email
        return mask_email(email) if self.masked else email

    @property
    def phone(self) -> str:
        phone = self.citizen.phone
        if not phone:
            return ""
        return mask_phone(phone) if self.masked else phone_display(phone)

    @property
    def birth_date(self) -> str:
        birth_date = self.citizen.birth_date
        if self.masked or not birth_date or "birth_date" not in self.details:
            return ""
        return formats.date_format(birth_date, "SHORT_DATE_FORMAT")

    @property
    def meta(self) -> str:
        return " · ".join(
            part for part in (self.phone, self.email, self.birth_date) if part
        )

    def as_json(self) -> dict:
        citizen = self.citizen
        return {
            # What the page posts back: the id, or the masked result's token.
            "id": self.value if self.masked else self.citizen.pk,
            "label": self.label,
            "email": self.email,
            "phone": self.phone,
            "birth_date": self.birth_date,
            "masked": self.masked,
            "has": {
                "national_number": bool(citizen.national_number),
                "birth_date": citizen.birth_date is not None,
                "address": bool(citizen.address),
            },
        }


def _choice(citizen: Citizen, user, *, masked: bool, details) -> CitizenMatch:
    value = (
        signing.dumps(citizen.pk, salt=f"{_CHOICE_SALT}:{user.pk}")
        if masked
        else str(citizen.pk)
    )
    return CitizenMatch(citizen=citizen, value=value, masked=masked, details=details)


def _exact_lookup(text: str, details) -> Q | None:
    """The exact e-mail, phone or national register number ``text`` is, if any.

    A national register number is looked up only by staff whose services ask
    for it (they are the only ones who may type it).
    """
    if "@" in text:
        return Q(email__iexact=text)
    if not _NUMBER.fullmatch(text):
        return None
    lookups = []
    compact = nn.compact(text)
    if "national_number" in details and citizen_rules.is_national_number(compact):
        lookups.append(Q(national_number=compact))
    phone = to_python(text)
    if phone.is_valid():
        lookups.append(Q(phone=phone.as_e164))
    return reduce(operator.or_, lookups) if lookups else None


def citizen_matches(text: str, user) -> list[CitizenMatch]:
    """What the phone search shows ``user`` for ``text`` (two letters at least).

    At most ten citizens of the user's services matching every word of
    ``text`` or holding it exactly; then, when ``text`` is exactly an e-mail,
    a phone or a national register number, the other citizens holding it,
    masked.
    """
    text = text.strip()
    if len(text) < 2:
        return []
    details = visible_citizen_details(user)
    alive = Citizen.objects.filter(anonymised_at__isnull=True)
    visible = alive.visible_to(user)
    exact = _exact_lookup(text, details)
    found = visible.search(text)
    if exact is not None:
        found = found | visible.filter(exact)
    order = ("last_name", "first_name", "pk")
    seen = list(found.order_by(*order)[:SEARCH_LIMIT])
    matches = [_choice(c, user, masked=False, details=details) for c in seen]
    if exact is not None and len(matches) < SEARCH_LIMIT:
        others = (
            alive.filter(exact)
            .exclude(pk__in=visible.values("pk"))
            .order_by(*order)[: SEARCH_LIMIT - len(matches)]
        )
        matches += [_choice(c, user, masked=True, details=details) for c in others]
    return matches


def citizen_from_choice(value: str, user) -> CitizenMatch | None:
    """The citizen the page posted back: an id among the citizens the user
    sees, or the signed token of a masked search result."""
    alive = Citizen.objects.filter(anonymised_at__isnull=True)
    if value.isdigit():
        citizen = alive.visible_to(user).filter(pk=value).first()
        masked = False
    else:
        try:
            pk = signing.loads(
                value, salt=f"{_CHOICE_SALT}:{user.pk}", max_age=CHOICE_MAX_AGE
            )
        except signing.BadSignature:
            return None
        citizen = alive.filter(pk=pk).first()
        masked = not alive.visible_to(user).filter(pk=pk).exists()
    if citizen is None:
        return None
    return _choice(citizen, user, masked=masked, details=visible_citizen_details(user))


@dataclass(frozen=True)
class SlotChoice:
    value: str  # ISO 8601 with offset: what the form posts back
    label: str
    capacity: int


def now_slot(reason: VisitReason, *, agent: Agent | None = None) -> SlotChoice | None:
    """ "Now" (this minute) when an agent of the service is free at once for
    ``reason``: a walk-in received straight away."""
    now = timezone.localtime().replace(second=0, microsecond=0)
    free = available_agent_ids(
        reason.service,
        reason,
        now,
        agent_ids=[agent.pk] if agent is not None else None,
        count_holds=False,  # staff may take a time held online
    )
    if not free:
        return None
    return SlotChoice(
        value=now.isoformat(),
        label=_("Now (%(time)s)") % {"time": now.strftime("%H:%M")},
        capacity=len(free),
    )


def staff_slots(
    reason: VisitReason,
    *,
    agent: Agent | None = None,
    from_date: date | None = None,
    after: datetime | None = None,
    n: int = SLOT_COUNT,
    offer_now: bool = False,
) -> list[SlotChoice]:
    """The first free slots for staff: no minimum notice, the service's horizon;
    with ``offer_now`` (the desk, first page of today's times), "now" first."""
    # A copy, so that the service row itself is never changed.
    service = copy.copy(reason.service)
    service.min_notice_hours = 0
    criteria = SearchCriteria(
        from_date=from_date, agent_id=agent.pk if agent is not None else None
    )
    # Staff may take a time a citizen holds online: that citizen is then
    # offered the next ones (issue 25, point 1).
    slots = first_free_slots(
        service, reason, criteria, n, after=after, count_holds=False
    )
    first = []
    if offer_now and after is None and from_date in (None, timezone.localdate()):
        first = [slot for slot in [now_slot(reason, agent=agent)] if slot]
    return first + [
        SlotChoice(
            value=timezone.localtime(slot.start).isoformat(),
            label=formats.date_format(timezone.localtime(slot.start), "l j F · H:i"),
            capacity=slot.capacity,
        )
        for slot in slots
    ]


# --- Forms ----------------------------------------------------------------------------


class NewCitizenForm(forms.ModelForm):
    """A citizen created on the phone: the model's own validation applies."""

    class Meta:
        model = Citizen
        fields = ["last_name", "first_name", "phone", "email", "language"]


class ReasonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.duration_minutes} min)"


class PhoneBookingForm(forms.Form):
    # The id of a citizen the user sees, or a masked search result's token.
    citizen = forms.CharField(required=False, widget=forms.HiddenInput)
    reason = ReasonChoiceField(
        queryset=VisitReason.objects.none(), label=gettext_lazy("Visit reason")
    )
    agent = forms.ModelChoiceField(
        queryset=Agent.objects.none(),
        required=False,
        label=gettext_lazy("With"),
        empty_label=gettext_lazy("Any agent of the service"),
    )
    from_date = forms.DateField(
        required=False,
        validators=[validate_day],
        label=gettext_lazy("From"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    start = forms.CharField(required=False)
    remarks = forms.CharField(
        required=False,
        label=gettext_lazy("Remarks"),
        widget=forms.TextInput(),
    )
    national_number = forms.CharField(
        required=False,
        max_length=15,
        label=gettext_lazy("National register number"),
        validators=[validate_national_number],
    )
    birth_date = forms.DateField(
        required=False,
        label=gettext_lazy("Date of birth"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    address = forms.CharField(
        required=False, label=gettext_lazy("Address"), widget=forms.TextInput()
    )
    # Where the reason allows it (issue 20, point 3); shown by phone.js then.
    no_national_number = forms.BooleanField(
        required=False, label=gettext_lazy("No national register number yet")
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.chosen: CitizenMatch | None = None
        self.fields["reason"].queryset = bookable_reasons(user)
        self.fields["agent"].queryset = Agent.objects.filter(
            is_active=True, memberships__service__in=bookable_services(user)
        ).distinct()

    def grouped_reasons(self) -> list[tuple[Service, list[VisitReason]]]:
        """The reasons grouped by service, for the <optgroup>s of the page."""
        groups: dict[int, tuple[Service, list[VisitReason]]] = {}
        for reason in self.fields["reason"].queryset:
            groups.setdefault(reason.service_id, (reason.service, []))[1].append(reason)
        return list(groups.values())

    def clean_citizen(self) -> Citizen | None:
        value = self.cleaned_data.get("citizen") or ""
        if not value:
            return None
        self.chosen = citizen_from_choice(value, self.user)
        if self.chosen is None:
            # Outside the user's services, erased meanwhile, or a stale token.
            self.add_error(None, _("Choose the citizen again: search once more."))
            return None
        return self.chosen.citizen

    def clean_start(self) -> datetime | None:
        value = self.cleaned_data.get("start") or ""
        if not value:
            return None
        try:
            parsed = parse_datetime_value(value)
        except InvalidInput:
            parsed = None
        if parsed is None or timezone.is_naive(parsed):
            raise ValidationError(_("Choose one of the proposed times."))
        return parsed

    def clean(self):
        cleaned = super().clean()
        reason, agent = cleaned.get("reason"), cleaned.get("agent")
        if (
            reason
            and agent
            and not Membership.objects.filter(
                agent=agent, service=reason.service
            ).exists()
        ):
            self.add_error("agent", _("This agent does not work in this service."))
        return cleaned


# --- The write ------------------------------------------------------------------------


def phone_appointment_book(
    *,
    citizen: Citizen,
    details: dict,
    reason: VisitReason,
    start: datetime,
    agent: Agent | None,
    remarks: str,
    actor,
    channel: str = Appointment.Channel.PHONE,
) -> Appointment:
    """Book by phone or at the desk: complete the citizen's details the reason
    asks (``citizen_rules``, as the public pages and the API), then book
    through ``citizen_book`` (``channel``, entered by ``actor``). A desk
    booking starting now is a walk-in who is here: the arrival is recorded
    with it.

    One transaction: a refused booking leaves a new citizen unsaved and an
    existing one unchanged.
    """
    service = reason.service
    asked = citizen_rules.details_asked(service, reason)
    # Only what this reason asks is kept (GDPR): a national register number
    # typed for a reason that does not ask for it is dropped.
    try:
        given = citizen_rules.check_details(
            asked,
            national_number=details.get("national_number") or "",
            birth_date=details.get("birth_date"),
            address=details.get("address") or "",
            no_national_number=bool(details.get("no_national_number")),
            present=frozenset(
                name for name in citizen_rules.DETAILS if getattr(citizen, name)
            ),
        )
    except ValidationError as error:
        raise ValidationError(
            {
                name: _("%(reason)s requires this information.") % {"reason": reason}
                for name in error.message_dict
            }
        ) from None
    changed = False
    for name in asked.asked:
        value = getattr(given, name)
        if value and not getattr(citizen, name):
            setattr(citizen, name, value)
            changed = True
    contact = dataclasses.replace(
        BookingContact.of(citizen),
        no_national_number=given.no_national_number and not citizen.national_number,
    )
    # The citizen rules the wizard and the API apply (booking.citizen_rules).
    try:
        citizen_rules.birth_date_matches(citizen.national_number, citizen.birth_date)
    except ValidationError as error:
        raise ValidationError({"birth_date": error}) from None
    with transaction.atomic():
        appointment = citizen_book(
            citizen=citizen,
            citizen_changed=changed,
            service=service,
            reason=reason,
            start=start,
            agent=agent,
            channel=channel,
            remarks=remarks,
            contact=contact,
            actor=actor,
        )
        walked_in = (
            channel == Appointment.Channel.DESK
            and (start - timezone.now()).total_seconds() <= NOW_TOLERANCE_SECONDS
        )
        if walked_in:
            appointment = appointment_mark(
                appointment=appointment, status="arrived", actor=actor
            )
        return appointment


# --- Views ----------------------------------------------------------------------------


@permission_required("booking.view_citizen", raise_exception=True)
def citizens_json(request):
    """Citizens matching ``q``, for the search-as-you-type list."""
    text = request.GET.get("q", "")
    matches = citizen_matches(text, request.user)
    record_national_number_search(request, text)
    return JsonResponse({"results": [match.as_json() for match in matches]})


def record_national_number_search(request, text: str) -> None:
    """The record of who looked (issue 23): a search by national number, by
    the search-as-you-type list or by the page itself (without script)."""
    if looks_like_national_number(text):
        access_record(
            user=request.user,
            action=AccessRecord.Action.SEARCH,
            what="phone booking: citizens searched by national number",
            query=nn.compact(text),
        )


@permission_required("booking.add_appointment", raise_exception=True)
def slots_json(request):
    """The first free slots for ``reason`` (and ``agent``, ``from``, ``after``)."""
    reason = bookable_reasons(request.user).filter(pk=_int(request.GET.get("reason")))
    reason = reason.first()
    if reason is None:
        return JsonResponse({"error": _("Choose a visit reason.")}, status=400)
    agent = None
    if request.GET.get("agent"):
        agent = Agent.objects.filter(
            pk=_int(request.GET["agent"]), memberships__service=reason.service
        ).first()
    try:
        after = parse_datetime_value(request.GET.get("after"))
        from_date = parse_day(request.GET.get("from"))
    except InvalidInput as error:
        return JsonResponse({"error": str(error.message)}, status=400)
    desk = DESKS.get(request.GET.get("channel", ""), PHONE)
    slots = staff_slots(
        reason,
        agent=agent,
        from_date=from_date,
        after=after if after and timezone.is_aware(after) else None,
        offer_now=desk.offers_now,
    )
    return JsonResponse(
        {
            "slots": [slot.__dict__ for slot in slots],
            **_details_json(reason),
            "agents": [
                {"id": member.pk, "label": str(member)}
                for member in Agent.objects.filter(
                    is_active=True, memberships__service=reason.service
                ).select_related("user")
            ],
        }
    )


def _details_json(reason: VisitReason) -> dict:
    """What phone.js needs to show the details the reason asks."""
    asked = reason.details_asked()
    return {
        "asked": asked.asked,
        "required": asked.required,
        "noNationalNumber": asked.offers_no_national_number,
    }


def _int(value) -> int:
    return parse_id(value) or 0


@permission_required("booking.add_appointment", raise_exception=True)
def phone_booking(request):
    """The phone page. POST ``action``: search, slots (no-JS steps) or book."""
    return staff_booking(request, PHONE)


@permission_required("booking.add_appointment", raise_exception=True)
def walk_in_booking(request):
    """The same page at the desk: a citizen who walked in, now or later."""
    return staff_booking(request, WALK_IN)


def staff_booking(request, desk: BookingDesk):
    """The page of ``desk``. POST ``action``: search, slots (no-JS) or book."""
    data = request.POST if request.method == "POST" else None
    action = request.POST.get("action", "book") if data else ""
    form = PhoneBookingForm(data, user=request.user)
    creating = bool(data and data.get("new_citizen") == "1")
    new_form = NewCitizenForm(
        data if creating else None,
        prefix="new",
        initial={"language": main_language()},
    )
    query = (data or request.GET).get("q", "")
    matches = citizen_matches(query, request.user) if query else []
    slots: list[SlotChoice] = []

    form.is_valid()  # fills cleaned_data for every step; errors shown on book
    cleaned = getattr(form, "cleaned_data", {})
    chosen_citizen = cleaned.get("citizen")
    if query and chosen_citizen is None:
        # The page lists what it found (once a citizen is chosen, it hides it).
        record_national_number_search(request, query)
    if action == "book":
        appointment = _book(request, form, new_form, creating, chosen_citizen, desk)
        if appointment is not None:
            return redirect(reverse(desk.url_name))
    reason = cleaned.get("reason")
    if reason is not None:
        slots = staff_slots(
            reason,
            agent=cleaned.get("agent"),
            from_date=cleaned.get("from_date"),
            offer_now=desk.offers_now,
        )

    context = {
        **admin.site.each_context(request),
        "title": desk.title,
        "desk": desk,
        "page_url": reverse(desk.url_name),
        "form": form,
        "new_form": new_form,
        "creating": creating,
        "query": query,
        "matches": matches,
        "searched": bool(query),
        "chosen_citizen": chosen_citizen,
        "chosen": form.chosen,
        "slots": slots,
        "chosen_start": (data or {}).get("start") or (slots[0].value if slots else ""),
        "groups": form.grouped_reasons(),
        "show_errors": action == "book",
        "urls": {
            "citizens": reverse("admin:portal_phone_citizens"),
            "slots": reverse("admin:portal_phone_slots"),
        },
    }
    return TemplateResponse(request, "portal/phone.html", context)


def _book(
    request, form, new_form, creating, citizen, desk: BookingDesk = PHONE
) -> Appointment | None:
    """Validate the whole page and book; add the errors to the forms if refused."""
    citizen_valid = new_form.is_valid() if creating else True
    if not form.is_valid() or not citizen_valid:
        return None
    if creating:
        citizen = Citizen(**new_form.cleaned_data)
    if citizen is None:
        form.add_error(None, _("Choose a citizen or create one."))
        return None
    start = form.cleaned_data["start"]
    if start is None:
        form.add_error("start", _("Choose one of the proposed times."))
        return None
    details = {
        name: form.cleaned_data.get(name)
        for name in (*citizen_rules.DETAILS, "no_national_number")
        if form.cleaned_data.get(name)
    }
    try:
        appointment = phone_appointment_book(
            citizen=citizen,
            details=details,
            reason=form.cleaned_data["reason"],
            start=start,
            agent=form.cleaned_data.get("agent"),
            remarks=form.cleaned_data.get("remarks", ""),
            actor=request.user,
            channel=desk.channel,
        )
    except BookingError as error:
        form.add_error(None, error.message)
        return None
    except ValidationError as error:
        _attach(error, form, new_form)
        return None
    local = timezone.localtime(appointment.start)
    booked = _("Booked: %(citizen)s, %(when)s with %(agent)s (%(reason)s).") % {
        "citizen": appointment.citizen,
        "when": formats.date_format(local, "l j F Y · H:i"),
        "agent": appointment.agent,
        "reason": appointment.reason,
    }
    booked += " " + _("Reference %(reference)s.") % {
        "reference": appointment.reference_display
    }
    if appointment.arrived_at is not None:
        booked += " " + _("Recorded as arrived: waiting.")
    # The message leads to the new appointment (to add a remark, print it…).
    messages.success(
        request,
        format_html(
            '{} <a href="{}" class="underline font-semibold">{}</a>',
            booked,
            reverse("admin:booking_appointment_change", args=[appointment.pk]),
            _("Open the appointment"),
        ),
    )
    return appointment


def _attach(error: ValidationError, form, new_form) -> None:
    """Show a model validation error on the field it names, else on the page."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.message_dict.items():
        if field in form.fields:
            form.add_error(field, errors)
        elif field in new_form.fields:
            new_form.add_error(field, errors)
        else:
            form.add_error(None, errors)


# Sidebar permission callback (core/navigation.py, via booking.portal).


def may_book(request) -> bool:
    return request.user.has_perm("booking.add_appointment")
