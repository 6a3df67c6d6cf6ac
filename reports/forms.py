"""The statistics filter form: period, granularity and criteria (R24)."""

from datetime import date, timedelta

from django import forms
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from unfold.widgets import DATETIME_CLASSES, UnfoldAdminSelectWidget

from booking.models import Appointment, VisitReason
from core.inputs import validate_day
from staffing.models import Agent, Membership, Service
from staffing.scopes import visible_to

from .selectors import GRANULARITIES, StatisticsFilters, agent_label

# Occupancy walks every day of the period through the availability engine:
# bound the period so that one request cannot ask for a century.
MAX_DAYS = 3 * 366


class AgentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Agent) -> str:
        return agent_label(
            obj.user.first_name, obj.user.last_name, obj.user.get_username()
        )


class ReasonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: VisitReason) -> str:
        return f"{obj.name} ({obj.service.name})"


def _select():
    return UnfoldAdminSelectWidget()


def _date():
    # The browser's own date picker: keyboard-accessible, no admin calendar JS.
    return forms.DateInput(
        format="%Y-%m-%d", attrs={"type": "date", "class": " ".join(DATETIME_CLASSES)}
    )


class StatisticsFilterForm(forms.Form):
    """Filters of the statistics page, its exports and its PDF (a GET form).

    The service, agent and reason choices are limited to what the user may see
    (``staffing.scopes.visible_to``): an agent cannot ask for the figures of a
    service he or she does not belong to.
    """

    first_day = forms.DateField(
        label=_("From"), widget=_date(), validators=[validate_day]
    )
    last_day = forms.DateField(
        label=_("Until"), widget=_date(), validators=[validate_day]
    )
    granularity = forms.ChoiceField(
        label=_("Per"),
        choices=[(key, label) for key, (_trunc, label) in GRANULARITIES.items()],
        initial="day",
        widget=_select(),
    )
    service = forms.ModelChoiceField(
        label=_("Service"),
        queryset=Service.objects.none(),
        required=False,
        empty_label=_("All services"),
        widget=_select(),
    )
    agent = AgentChoiceField(
        label=_("Agent"),
        queryset=Agent.objects.none(),
        required=False,
        empty_label=_("All agents"),
        widget=_select(),
    )
    reason = ReasonChoiceField(
        label=_("Visit reason"),
        queryset=VisitReason.objects.none(),
        required=False,
        empty_label=_("All reasons"),
        widget=_select(),
    )
    channel = forms.ChoiceField(
        label=_("Channel"),
        choices=[("", _("All channels")), *Appointment.Channel.choices],
        required=False,
        widget=_select(),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("All statuses")), *Appointment.Status.choices],
        required=False,
        widget=_select(),
    )

    def __init__(self, data=None, *, user, today: date | None = None, **kwargs):
        today = today or timezone.localdate()
        data = data.copy() if data is not None else QueryDict(mutable=True)
        # Without a period the page shows the last 30 days, per day.
        defaults = {
            "first_day": (today - timedelta(days=29)).isoformat(),
            "last_day": today.isoformat(),
            "granularity": "day",
        }
        for name, value in defaults.items():
            if not data.get(name):
                data[name] = value
        super().__init__(data, **kwargs)
        services = visible_to(Service.objects.all(), user, service_field="pk")
        self.fields["service"].queryset = services
        self.fields["agent"].queryset = (
            Agent.objects.filter(
                pk__in=Membership.objects.filter(service__in=services).values(
                    "agent_id"
                )
            )
            .select_related("user")
            .order_by("user__last_name", "user__first_name")
        )
        self.fields["reason"].queryset = (
            visible_to(VisitReason.objects.all(), user, service_field="service")
            .select_related("service")
            .order_by("service__name", "name")
        )

    def clean(self):
        cleaned = super().clean()
        first, last = cleaned.get("first_day"), cleaned.get("last_day")
        if first and last:
            if last < first:
                raise forms.ValidationError(
                    _("The end of the period must not be before its start.")
                )
            if (last - first).days >= MAX_DAYS:
                raise forms.ValidationError(
                    _("Choose a period of at most three years.")
                )
        return cleaned

    def filters(self) -> StatisticsFilters:
        """The cleaned form as the selectors' filters (call after is_valid())."""
        data = self.cleaned_data
        return StatisticsFilters(
            first_day=data["first_day"],
            last_day=data["last_day"],
            granularity=data["granularity"],
            service_id=data["service"].pk if data["service"] else None,
            agent_id=data["agent"].pk if data["agent"] else None,
            reason_id=data["reason"].pk if data["reason"] else None,
            channel=data["channel"],
            status=data["status"],
        )

    def description(self) -> list[tuple[str, str]]:
        """The chosen criteria as (label, value) pairs, for exports and the PDF."""
        data = self.cleaned_data
        described = []
        for name in ("service", "agent", "reason", "channel", "status"):
            value = data.get(name)
            if not value:
                continue
            field = self.fields[name]
            if isinstance(field, forms.ModelChoiceField):
                shown = field.label_from_instance(value)
            else:
                shown = str(dict(field.choices)[value])
            described.append((str(field.label), shown))
        if not described:
            described.append((gettext("Filters"), gettext("none")))
        return described

    def query_string(self) -> str:
        """The form's data, to carry the same filters to the export links."""
        return self.data.urlencode()
