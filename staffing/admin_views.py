"""The availability editor's forms and openings preview (MISSION R18, R19).

The editor shows, per agent and service, the agent's typical weeks (a text
field per weekday holding ranges such as ``08:30-12:00, 13:00-16:00``, the
format of the spreadsheet import), their validity and repetition; a copy of a
week to other agents; exceptions; and, before saving, a preview of the
resulting openings and of the service's capacity (agents open at once) for the
next two weeks, computed by the pure engine (``staffing.availability``) with
the edited week in place of the stored one.

The page itself is booking's (``booking.portal.availability_editor``): its writes may
hit booked appointments, which staffing knows nothing about. What lives here
needs no appointment: the forms, the agents the user may edit
(``scopes.editable_availability``) and the preview.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.localtime import local_midnight, local_tz

from . import availability
from .availability import Interval
from .calendars import EditedWeek, service_openings, week_ranges_by_day
from .models import (
    Agent,
    AvailabilityException,
    Service,
    Site,
    TypicalWeek,
    TypicalWeekRange,
)
from .resources import WEEKDAY_COLUMNS, parse_week_columns
from .scopes import editable_availability

PREVIEW_DAYS = 14


_tz = local_tz
_midnight = local_midnight


def editable_agents(user) -> QuerySet:
    """Agents whose availability the user may change."""
    return editable_availability(
        Agent.objects.filter(is_active=True).select_related("user"),
        user,
        agent_field="",
    ).order_by("user__last_name", "user__first_name")


# --- Forms ----------------------------------------------------------------------------


class TypicalWeekForm(forms.Form):
    label = forms.CharField(label=gettext_lazy("Label"), max_length=120, required=False)
    valid_from = forms.DateField(
        label=gettext_lazy("Valid from"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    valid_until = forms.DateField(
        label=gettext_lazy("Valid until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=gettext_lazy("Empty: no end."),
    )
    repeat_every = forms.IntegerField(
        label=gettext_lazy("Repeat every (weeks)"),
        min_value=1,
        max_value=8,
        initial=1,
        widget=forms.NumberInput(attrs={"min": 1, "max": 8}),
    )
    # Where the agent receives that week (issue 25, point 4).
    site = forms.ModelChoiceField(
        label=gettext_lazy("Site"),
        queryset=Site.objects.active(),
        required=False,
        empty_label=gettext_lazy("The service's main site"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for value, label in TypicalWeekRange.Weekday.choices:
            self.fields[WEEKDAY_COLUMNS[value]] = forms.CharField(
                label=label,
                required=False,
                widget=forms.TextInput(
                    attrs={
                        # An empty day is a closed day: say so, rather than
                        # show hours that look like real ones.
                        "placeholder": gettext_lazy("Closed"),
                        "autocomplete": "off",
                        "spellcheck": "false",
                    }
                ),
            )
        self.ranges: list[tuple[int, time, time]] = []

    def weekday_fields(self):
        return [self[column] for column in WEEKDAY_COLUMNS]

    def clean(self):
        cleaned = super().clean()
        valid_from, valid_until = cleaned.get("valid_from"), cleaned.get("valid_until")
        if valid_from and valid_until and valid_until < valid_from:
            self.add_error("valid_until", _("The end comes before the start."))
        try:
            self.ranges = parse_week_columns(cleaned)
        except ValidationError as error:
            for column, errors in error.message_dict.items():
                self.add_error(column, errors)
        else:
            if not self.ranges and not self.errors:
                raise ValidationError(_("Enter at least one opening range."))
        return cleaned

    @classmethod
    def initial_for(cls, week: TypicalWeek | None) -> dict:
        if week is None:
            return {"valid_from": timezone.localdate(), "repeat_every": 1}
        by_day = {
            weekday: [f"{start:%H:%M}-{end:%H:%M}" for start, end in ranges]
            for weekday, ranges in week_ranges_by_day(week.pk).items()
        }
        return {
            "label": week.label,
            "site": week.site_id,
            "valid_from": week.valid_from,
            "valid_until": week.valid_until,
            "repeat_every": week.repeat_every,
            **{
                WEEKDAY_COLUMNS[day]: ", ".join(by_day.get(day, [])) for day in range(7)
            },
        }


class CopyForm(forms.Form):
    agents = forms.ModelMultipleChoiceField(
        queryset=Agent.objects.none(),
        label=gettext_lazy("Copy this week to"),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, agents, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agents"].queryset = agents


_LOCAL_INPUT = forms.DateTimeInput(
    attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
)


class ExceptionForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"), choices=AvailabilityException.Kind.choices
    )
    start = forms.DateTimeField(label=gettext_lazy("From"), widget=_LOCAL_INPUT)
    end = forms.DateTimeField(label=gettext_lazy("Until"), widget=_LOCAL_INPUT)
    note = forms.CharField(label=gettext_lazy("Note"), max_length=200, required=False)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end <= start:
            self.add_error("end", _("The end of the period must come after its start."))
        return cleaned


# --- Preview: the pure engine over the edited week ------------------------------------


@dataclass
class Block:
    """A stretch of one day, placed on the preview's time line."""

    start: datetime
    end: datetime
    count: int
    left: float  # percent of the time line
    width: float

    @property
    def label(self) -> str:
        return f"{self.start:%H:%M}–{self.end:%H:%M}"


@dataclass
class PreviewDay:
    day: date
    closed: str
    own: list[Block]
    capacity: list[Block]

    @property
    def own_minutes(self) -> int:
        return sum(int((b.end - b.start).total_seconds() // 60) for b in self.own)


def _capacity(openings: list[list[Interval]]) -> list[tuple[datetime, datetime, int]]:
    """How many agents are open at once: a sweep over every agent's openings."""
    changes: dict[datetime, int] = defaultdict(int)
    for intervals in openings:
        for item in intervals:
            changes[item.start] += 1
            changes[item.end] -= 1
    segments, level, previous = [], 0, None
    for moment in sorted(changes):
        if previous is not None and level > 0 and moment > previous:
            segments.append((previous, moment, level))
        level += changes[moment]
        previous = moment
    return segments


def build_preview(
    service: Service,
    agent: Agent,
    *,
    week_id: int | None,
    week: availability.TypicalWeek | None,
    first_day: date,
    days: int = PREVIEW_DAYS,
) -> tuple[list[PreviewDay], tuple[int, int]]:
    """The next ``days`` days: the agent's openings and the service's capacity,
    with ``week`` in place of typical week ``week_id``. Also returns the hours
    the time line spans."""
    tz = _tz()
    window = Interval(_midnight(first_day), _midnight(first_day + timedelta(days=days)))
    edited = (
        EditedWeek(agent.pk, service.pk, week_id, week) if week is not None else None
    )
    calendars, closures, closed = service_openings(service.pk, window, edited=edited)
    per_agent = {
        calendar.agent_id: availability.free_intervals(calendar, window, tz, closures)
        for calendar in calendars
    }
    per_agent.setdefault(agent.pk, [])
    capacity = _capacity(list(per_agent.values()))
    local = [
        (start.astimezone(tz), end.astimezone(tz), n) for start, end, n in capacity
    ]
    first_hour = min([8, *(start.hour for start, _end, _n in local)])
    last_hour = max(
        [18, *(end.hour + (1 if end.minute else 0) for _s, end, _n in local)]
    )
    span = (last_hour - first_hour) * 60

    def place(start: datetime, end: datetime, count: int, day: date) -> Block | None:
        day_start = datetime.combine(day, time(first_hour), tzinfo=tz)
        low = max(start, day_start)
        high = min(end, datetime.combine(day, time.min, tzinfo=tz) + timedelta(days=1))
        if high <= low:
            return None
        offset = (low - day_start).total_seconds() / 60
        length = (high - low).total_seconds() / 60
        return Block(
            low.astimezone(tz),
            high.astimezone(tz),
            count,
            round(100 * offset / span, 2),
            round(min(100 * length / span, 100 - 100 * offset / span), 2),
        )

    preview = []
    for index in range(days):
        day = first_day + timedelta(days=index)
        own = [
            block
            for item in per_agent.get(agent.pk, [])
            if (
                block := place(
                    item.start.astimezone(tz), item.end.astimezone(tz), 1, day
                )
            )
        ]
        blocks = [
            block for start, end, n in local if (block := place(start, end, n, day))
        ]
        preview.append(PreviewDay(day, closed.get(day, ""), own, blocks))
    return preview, (first_hour, last_hour)
