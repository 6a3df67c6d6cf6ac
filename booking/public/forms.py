"""Forms of the public booking flow and of the citizen's appointment page.

They only validate what the citizen typed; ``booking/services.py`` decides
whether the booking can be made. Every message goes through gettext, so a
citizen reads it in his or her language.
"""

from collections.abc import Collection, Mapping
from datetime import datetime, time, timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.translation import gettext_lazy as _
from phonenumber_field.formfields import PhoneNumberField

from booking import citizen_rules
from core.inputs import InvalidInput, parse_datetime_value
from staffing.availability import PARTS_OF_DAY

from .wizard import ANY_AGENT

WEEKDAYS = [
    ("0", _("Monday")),
    ("1", _("Tuesday")),
    ("2", _("Wednesday")),
    ("3", _("Thursday")),
    ("4", _("Friday")),
    ("5", _("Saturday")),
    ("6", _("Sunday")),
]
PARTS = dict(
    zip(
        PARTS_OF_DAY,
        [_("Morning (before noon)"), _("Afternoon (noon to 5 pm)"), _("Evening")],
        strict=True,
    )
)
# The parts' names when their hours follow: "Evening (17:00 – 19:00)".
PART_NAMES = dict(
    zip(PARTS_OF_DAY, [_("Morning"), _("Afternoon"), _("Evening")], strict=True)
)


class DateInput(forms.DateInput):
    """The browser's date picker; it always sends ISO dates (YYYY-MM-DD)."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class AgentForm(forms.Form):
    """Choose an agent of the service, or any agent (R3)."""

    agent = forms.ChoiceField(
        label=_("Who would you like to meet?"),
        error_messages={"required": _("Choose an agent, or any available agent.")},
    )

    def __init__(self, *args, agents, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agent"].choices = [(ANY_AGENT, _("Any available agent"))] + [
            (str(agent.pk), str(agent)) for agent in agents
        ]


class ReasonForm(forms.Form):
    """Choose why one comes: it sets the duration of the slot (R4, R7)."""

    reason = forms.ChoiceField(
        label=_("Reason for your visit"),
        error_messages={"required": _("Choose the reason for your visit.")},
    )

    def __init__(self, *args, reasons, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].choices = [
            (str(reason.pk), reason.name) for reason in reasons
        ]


class CriteriaForm(forms.Form):
    """When the citizen can come (R4): every field may stay empty. For a
    reason that lets several people come together, how many (issue 25,
    point 3): the times shown are as long as their visit."""

    people = forms.TypedChoiceField(
        label=_("Number of people"),
        required=False,
        coerce=int,
        empty_value=1,
        help_text=_("Everyone who comes to this appointment, you included."),
    )
    from_date = forms.DateField(
        label=_("From"),
        required=False,
        widget=DateInput(),
        help_text=_("The first day you could come. Leave empty for the soonest."),
    )
    weekdays = forms.MultipleChoiceField(
        label=_("Days of the week"),
        required=False,
        choices=WEEKDAYS,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave all unticked if any day suits you."),
    )
    parts = forms.MultipleChoiceField(
        label=_("Time of day"),
        required=False,
        choices=list(PARTS.items()),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave all unticked if any time suits you."),
    )

    def __init__(
        self,
        *args,
        horizon_days: int = 366,
        weekdays: Collection[int] | None = None,
        part_hours: Mapping[str, tuple[time, time]] | None = None,
        max_people: int = 1,
        sites: Collection | None = None,
        **kwargs,
    ):
        """``weekdays`` and ``part_hours``: what the service opens (issue 20,
        point 2); only those are offered, the parts with their hours.
        ``max_people``: the reason's maximum; the number of people is asked
        only when it is more than one. ``sites``: where the service receives;
        with more than one, the citizen may choose one (issue 25, point 4)."""
        super().__init__(*args, **kwargs)
        self.horizon_days = horizon_days
        if max_people > 1:
            self.fields["people"].choices = [
                (str(count), str(count)) for count in range(1, max_people + 1)
            ]
        else:
            del self.fields["people"]
        if sites is not None and len(sites) > 1:
            self.fields["site"] = forms.TypedChoiceField(
                label=_("Where"),
                required=False,
                coerce=int,
                empty_value=None,
                choices=[("", _("All sites"))]
                + [(str(site.pk), site_choice_label(site)) for site in sites],
                widget=forms.RadioSelect,
            )
        if weekdays is not None:
            self.fields["weekdays"].choices = [
                (value, label) for value, label in WEEKDAYS if int(value) in weekdays
            ]
        if part_hours is not None:
            self.fields["parts"].choices = [
                (
                    part,
                    _("%(part)s (%(start)s – %(end)s)")
                    % {
                        "part": PART_NAMES[part],
                        "start": time_format(start, "TIME_FORMAT"),
                        "end": time_format(end, "TIME_FORMAT"),
                    },
                )
                for part, (start, end) in part_hours.items()
            ]
        today = timezone.localdate()
        self.fields["from_date"].widget.attrs.update(
            min=today.isoformat(),
            max=(today + timedelta(days=horizon_days)).isoformat(),
        )

    def clean_from_date(self):
        value = self.cleaned_data["from_date"]
        today = timezone.localdate()
        if value is None:
            return None
        if value < today:
            raise forms.ValidationError(_("Choose today or a later date."))
        if value > today + timedelta(days=self.horizon_days):
            raise forms.ValidationError(
                _("Appointments can be booked up to %(days)s days ahead."),
                params={"days": self.horizon_days},
            )
        return value

    def to_state(self) -> dict:
        data = self.cleaned_data
        state = {
            "from_date": data["from_date"].isoformat() if data["from_date"] else "",
            "weekdays": list(data["weekdays"]),
            "parts": list(data["parts"]),
            "site": data.get("site") or "",
        }
        if "people" in self.fields:
            state["people"] = data["people"]
        return state


def site_choice_label(site) -> str:
    """A site as the times page's filter offers it: its name and address."""
    address = " ".join(site.address.split())
    return f"{site.name} ({address})" if address else site.name


# A time at a given site, as the times page's radio sends it: "<ISO>@<site id>"
# (issue 25, point 4); a plain ISO date and time is a time at any site.
SITE_SEPARATOR = "@"


def slot_value(start: datetime, site_id: int | None) -> str:
    """The radio value of a time (at a site, when the service has several)."""
    value = start.isoformat()
    return f"{value}{SITE_SEPARATOR}{site_id}" if site_id is not None else value


def split_slot_value(value: str) -> tuple[str, int | None]:
    """The date and time part of a radio value, and its site id (or None)."""
    moment, _separator, site = (value or "").partition(SITE_SEPARATOR)
    return moment, int(site) if site.isdigit() else None


class SlotForm(forms.Form):
    """The slot picked among those proposed (R6), as an ISO date and time."""

    slot = forms.CharField(
        label=_("Available times"),
        error_messages={"required": _("Choose a time for your appointment.")},
    )

    def clean_slot(self) -> datetime:
        moment, self.site_id = split_slot_value(self.cleaned_data["slot"])
        try:
            value = parse_datetime_value(moment)
        except InvalidInput:
            value = None
        if value is None or timezone.is_naive(value):
            raise forms.ValidationError(_("Choose a time for your appointment."))
        return value

    site_id: int | None = None  # the site of the time chosen, if it says one


class IdentityForm(forms.Form):
    """Who the citizen is (R2), with the extra fields the service requires."""

    last_name = forms.CharField(
        label=_("Last name"),
        max_length=100,
        error_messages={"required": _("Enter your last name.")},
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    first_name = forms.CharField(
        label=_("First name"),
        max_length=100,
        error_messages={"required": _("Enter your first name.")},
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    email = forms.EmailField(
        label=_("E-mail address"),
        help_text=_("We send the confirmation and your personal link here."),
        error_messages={
            "required": _("Enter your e-mail address."),
            "invalid": _("Enter your e-mail address in the form name@example.com."),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )
    phone = PhoneNumberField(
        label=_("Mobile phone"),
        region="BE",
        # phonenumber_field's own example is the region's landline.
        error_messages={
            "required": _("Enter your mobile phone number."),
            "invalid": _(
                "Enter a valid mobile phone number, for example 0470 12 34 56 "
                "or +33 6 12 34 56 78."
            ),
        },
        help_text=_(
            "For a text message reminder. Belgian (0470 12 34 56) or "
            "international (+33 6 12 34 56 78)."
        ),
    )
    national_number = forms.CharField(
        label=_("National register number"),
        max_length=20,
        error_messages={"required": _("Enter your national register number.")},
        help_text=_(
            "11 digits, on the back of your identity card (e.g. 85.07.30-033.28), "
            "or your BIS number."
        ),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    # Offered where the reason allows it (issue 20, point 3); without
    # JavaScript the number typed beside a ticked box is simply not kept.
    no_national_number = forms.BooleanField(
        label=_("I do not have a national register number yet"),
        required=False,
    )
    birth_date = forms.DateField(
        label=_("Date of birth"),
        error_messages={
            "required": _("Enter your date of birth."),
            "invalid": _("Enter your date of birth as day, month and year."),
        },
        widget=DateInput(attrs={"autocomplete": "bday"}),
    )
    address = forms.CharField(
        label=_("Address"),
        max_length=300,
        error_messages={"required": _("Enter your address.")},
        help_text=_("Street and number, postcode and municipality."),
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "street-address"}),
    )

    def __init__(self, *args, service, reason=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["phone"].widget.attrs.update(autocomplete="tel", inputmode="tel")
        # What the reason asks, the service's setting by default.
        self.asked = citizen_rules.details_asked(service, reason)
        for name in citizen_rules.DETAILS:
            if not self.asked.asks(name):
                del self.fields[name]
            else:
                self.fields[name].required = self.asked.requires(name)
        self._set_up_no_national_number()
        if "birth_date" in self.fields:
            self.fields["birth_date"].widget.attrs["max"] = (
                timezone.localdate().isoformat()
            )

    def clean_last_name(self):
        return " ".join(self.cleaned_data["last_name"].split())

    def clean_first_name(self):
        return " ".join(self.cleaned_data["first_name"].split())

    def clean_email(self):
        return self.cleaned_data["email"].strip()

    # The rules: booking.citizen_rules, the same for the API and phone booking.
    def clean_phone(self):
        return citizen_rules.mobile_phone(self.cleaned_data["phone"])

    def _set_up_no_national_number(self) -> None:
        """The "I do not have one yet" box, where the reason offers it: it
        disables the number's field (static/public/site.js), and once ticked
        the number is neither required nor kept."""
        if "national_number" in self.fields:
            self.fields["national_number"].error_messages["required"] = (
                self.asked.missing_message("national_number")
            )
        if not self.asked.offers_no_national_number:
            del self.fields["no_national_number"]
            return
        self.fields["no_national_number"].widget.attrs["data-disables"] = self[
            "national_number"
        ].auto_id
        if self._has_no_national_number():
            self.fields["national_number"].required = False

    def _has_no_national_number(self) -> bool:
        return bool(
            self.is_bound
            and "no_national_number" in self.fields
            and self["no_national_number"].data
        )

    def clean_national_number(self):
        if self._has_no_national_number():
            return ""
        value = self.cleaned_data["national_number"].strip()
        return citizen_rules.national_number(value) if value else ""

    def clean_birth_date(self):
        return citizen_rules.birth_date(self.cleaned_data["birth_date"])

    def clean(self):
        data = super().clean()
        try:
            citizen_rules.birth_date_matches(
                data.get("national_number"), data.get("birth_date")
            )
        except ValidationError as error:
            self.add_error("birth_date", error)
        return data

    def to_state(self) -> dict:
        data = dict(self.cleaned_data)
        data["phone"] = data["phone"].as_e164
        if data.get("birth_date"):
            data["birth_date"] = data["birth_date"].isoformat()
        return data


class RemarksForm(forms.Form):
    """Anything the agent should know beforehand (R7)."""

    remarks = forms.CharField(
        label=_("Remarks (optional)"),
        required=False,
        max_length=1000,
        help_text=_(
            "Anything the service should know before your visit. Do not write "
            "sensitive information here."
        ),
        widget=forms.Textarea(attrs={"rows": 5}),
    )


class ConfirmForm(forms.Form):
    """The last step. ``website`` is a honeypot: people never see it, bots fill it."""

    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def is_bot(self) -> bool:
        return bool(self.is_valid() and self.cleaned_data["website"])


class CancelForm(forms.Form):
    """Cancel one's appointment; the reason is optional and goes to the service."""

    reason = forms.CharField(
        label=_("Reason for cancelling (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class EarlierTimeForm(forms.Form):
    """Be told when an earlier time frees up (issue 25, point 2): on the done
    page and the personal link's page; weekdays and parts may stay empty."""

    weekdays = forms.MultipleChoiceField(
        label=_("Only on these days"),
        required=False,
        choices=WEEKDAYS,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave all unticked if any day suits you."),
    )
    parts = forms.MultipleChoiceField(
        label=_("Only at these times of day"),
        required=False,
        choices=list(PARTS.items()),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave all unticked if any time suits you."),
    )
