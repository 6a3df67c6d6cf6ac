"""Phone booking (MISSION R15): one keyboard-first page for an agent on the phone.

Type a name, phone or e-mail: matching citizens appear (or create one inline);
pick the visit reason: the first free slots appear with the first selected;
Enter confirms. The page works without JavaScript (one form, a button per
step); with it, citizens and slots are fetched as the agent types
(``static/portal/phone.js``). The booking itself goes through
``booking.services.appointment_book`` with channel "phone", so the validations
and messages are the public module's; staff are not held to the online notice.
"""

import copy
from dataclasses import dataclass
from datetime import date, datetime

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.roles import is_administrator
from staffing.models import Agent, Membership, Service
from staffing.scopes import member_service_ids

from .models import Appointment, Citizen, VisitReason, validate_national_number
from .services import BookingError, appointment_book
from .slots import SearchCriteria, first_free_slots

SEARCH_LIMIT = 10
SLOT_COUNT = 8


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


def citizen_matches(text: str) -> list[Citizen]:
    """At most ten citizens matching every word of ``text`` (two letters at least)."""
    text = text.strip()
    if len(text) < 2:
        return []
    return list(
        Citizen.objects.search(text)
        .filter(anonymised_at__isnull=True)
        .order_by("last_name", "first_name", "pk")[:SEARCH_LIMIT]
    )


def citizen_as_json(citizen: Citizen) -> dict:
    return {
        "id": citizen.pk,
        "label": str(citizen),
        "email": citizen.email,
        "phone": citizen.phone.as_national if citizen.phone else "",
        "birth_date": (
            formats.date_format(citizen.birth_date, "SHORT_DATE_FORMAT")
            if citizen.birth_date
            else ""
        ),
        "has": {
            "national_number": bool(citizen.national_number),
            "birth_date": citizen.birth_date is not None,
            "address": bool(citizen.address),
        },
    }


def required_details(service: Service) -> list[str]:
    """The citizen's details this service requires (R2)."""
    return [
        name
        for name, required in (
            ("national_number", service.requires_national_number),
            ("birth_date", service.requires_birth_date),
            ("address", service.requires_address),
        )
        if required
    ]


@dataclass(frozen=True)
class SlotChoice:
    value: str  # ISO 8601 with offset: what the form posts back
    label: str
    capacity: int


def staff_slots(
    reason: VisitReason,
    *,
    agent: Agent | None = None,
    from_date: date | None = None,
    after: datetime | None = None,
    n: int = SLOT_COUNT,
) -> list[SlotChoice]:
    """The first free slots for staff: no minimum notice, the service's horizon."""
    # A copy, so that the service row itself is never changed.
    service = copy.copy(reason.service)
    service.min_notice_hours = 0
    criteria = SearchCriteria(
        from_date=from_date, agent_id=agent.pk if agent is not None else None
    )
    slots = first_free_slots(service, reason, criteria, n, after=after)
    return [
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
    citizen = forms.ModelChoiceField(
        queryset=Citizen.objects.filter(anonymised_at__isnull=True),
        required=False,
        widget=forms.HiddenInput,
    )
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

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
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

    def clean_start(self) -> datetime | None:
        value = self.cleaned_data.get("start") or ""
        if not value:
            return None
        parsed = parse_datetime(value)
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
) -> Appointment:
    """Book by phone: complete the citizen's details the service requires, then
    book through ``appointment_book`` (channel phone, entered by ``actor``).

    One transaction: a refused booking leaves a new citizen unsaved and an
    existing one unchanged.
    """
    service = reason.service
    changed = False
    # Only what this service needs is kept (GDPR): a national register number
    # typed for a service that does not ask for it is dropped.
    needed = required_details(service)
    for name, value in details.items():
        if name not in needed:
            continue
        if value and not getattr(citizen, name):
            setattr(citizen, name, value)
            changed = True
    missing = [name for name in needed if not getattr(citizen, name)]
    if missing:
        raise ValidationError(
            {
                name: _("%(service)s requires this information.") % {"service": service}
                for name in missing
            }
        )
    with transaction.atomic():
        if citizen.pk is None or changed:
            citizen.full_clean()
            citizen._history_user = actor
            citizen._change_reason = "entered by phone"
            citizen.save()
        return appointment_book(
            service=service,
            reason=reason,
            start=start,
            citizen=citizen,
            agent=agent,
            channel=Appointment.Channel.PHONE,
            remarks=remarks,
            actor=actor,
        )


# --- Views ----------------------------------------------------------------------------


@permission_required("booking.view_citizen", raise_exception=True)
def citizens_json(request):
    """Citizens matching ``q``, for the search-as-you-type list."""
    matches = citizen_matches(request.GET.get("q", ""))
    return JsonResponse({"results": [citizen_as_json(c) for c in matches]})


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
    after = parse_datetime(request.GET.get("after", "").replace(" ", "+"))
    slots = staff_slots(
        reason,
        agent=agent,
        from_date=parse_date(request.GET.get("from", "")),
        after=after if after and timezone.is_aware(after) else None,
    )
    return JsonResponse(
        {
            "slots": [slot.__dict__ for slot in slots],
            "required": required_details(reason.service),
            "agents": [
                {"id": member.pk, "label": str(member)}
                for member in Agent.objects.filter(
                    is_active=True, memberships__service=reason.service
                ).select_related("user")
            ],
        }
    )


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


@permission_required("booking.add_appointment", raise_exception=True)
def phone_booking(request):
    """The page. POST ``action``: search, slots (no-JS steps) or book."""
    data = request.POST if request.method == "POST" else None
    action = request.POST.get("action", "book") if data else ""
    form = PhoneBookingForm(data, user=request.user)
    creating = bool(data and data.get("new_citizen") == "1")
    new_form = NewCitizenForm(
        data if creating else None,
        prefix="new",
        initial={"language": Citizen.Language.FRENCH},
    )
    query = (data or request.GET).get("q", "")
    matches = citizen_matches(query) if query else []
    slots: list[SlotChoice] = []

    form.is_valid()  # fills cleaned_data for every step; errors shown on book
    cleaned = getattr(form, "cleaned_data", {})
    chosen_citizen = cleaned.get("citizen")
    if action == "book":
        appointment = _book(request, form, new_form, creating, chosen_citizen)
        if appointment is not None:
            return redirect(reverse("admin:portal_phone"))
    reason = cleaned.get("reason")
    if reason is not None:
        slots = staff_slots(
            reason, agent=cleaned.get("agent"), from_date=cleaned.get("from_date")
        )

    context = {
        **admin.site.each_context(request),
        "title": _("Book by phone"),
        "form": form,
        "new_form": new_form,
        "creating": creating,
        "query": query,
        "matches": matches,
        "searched": bool(query),
        "chosen_citizen": chosen_citizen,
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


def _book(request, form, new_form, creating, citizen) -> Appointment | None:
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
        for name in ("national_number", "birth_date", "address")
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
        )
    except BookingError as error:
        form.add_error(None, error.message)
        return None
    except ValidationError as error:
        _attach(error, form, new_form)
        return None
    local = timezone.localtime(appointment.start)
    messages.success(
        request,
        _("Booked: %(citizen)s, %(when)s with %(agent)s (%(reason)s).")
        % {
            "citizen": appointment.citizen,
            "when": formats.date_format(local, "l j F Y · H:i"),
            "agent": appointment.agent,
            "reason": appointment.reason,
        },
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
