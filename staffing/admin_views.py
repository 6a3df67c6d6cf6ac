"""The availability editor of the portal (MISSION R18, R19).

One page per agent and service: the agent's typical weeks (a text field per
weekday holding ranges such as ``08:30-12:00, 13:00-16:00``, the format of the
spreadsheet import), their validity and repetition; a copy of a week to other
agents; exceptions; and, before saving, a preview of the resulting openings
and of the service's capacity (agents open at once) for the next two weeks,
computed by the pure engine (``staffing.availability``) with the edited week
in place of the stored one.

Only agents the user may edit are offered (``scopes.editable_availability``), and
only in the services where he or she may (``scopes.availability_service_ids``).
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import availability
from .availability import AgentCalendar, Interval
from .closures import belgian_public_holidays
from .models import (
    Agent,
    AvailabilityException,
    Closure,
    Membership,
    Service,
    TypicalWeek,
    TypicalWeekRange,
)
from .resources import WEEKDAY_COLUMNS, parse_week_columns
from .scopes import availability_service_ids, editable_availability
from .services import (
    exception_create,
    exception_delete,
    typical_week_copy,
    typical_week_delete,
    typical_week_save,
)

PREVIEW_DAYS = 14


def _tz() -> ZoneInfo:
    return ZoneInfo(timezone.get_default_timezone_name())


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=_tz())


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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for value, label in TypicalWeekRange.Weekday.choices:
            self.fields[WEEKDAY_COLUMNS[value]] = forms.CharField(
                label=label,
                required=False,
                widget=forms.TextInput(
                    attrs={
                        "placeholder": "08:30-12:00, 13:00-16:00",
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
        by_day: dict[int, list[str]] = defaultdict(list)
        for opening in week.ranges.all():
            by_day[opening.weekday].append(f"{opening.start:%H:%M}-{opening.end:%H:%M}")
        return {
            "label": week.label,
            "valid_from": week.valid_from,
            "valid_until": week.valid_until,
            "repeat_every": week.repeat_every,
            **{WEEKDAY_COLUMNS[day]: ", ".join(by_day[day]) for day in range(7)},
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


def _engine_week(row: TypicalWeek, ranges) -> availability.TypicalWeek:
    return availability.TypicalWeek(
        valid_from=row.valid_from,
        valid_until=row.valid_until,
        repeat_every=row.repeat_every,
        ranges=tuple(availability.WeeklyRange(*item) for item in ranges),
    )


def service_calendars(
    service: Service,
    window: Interval,
    *,
    replace: tuple[int, int | None, availability.TypicalWeek] | None = None,
) -> tuple[list[AgentCalendar], list[Interval], dict[date, str]]:
    """Openings of the service's active agents over ``window`` (no appointments).

    ``replace`` = (agent id, typical week id or None, engine week): the edited
    week, in place of the stored one (or in addition, when new). Five queries.
    Returns the calendars, the closed intervals and the closed days' labels.
    """
    tz = _tz()
    first_day = window.start.astimezone(tz).date()
    last_day = window.end.astimezone(tz).date()
    agent_ids = sorted(
        Membership.objects.filter(
            service=service, agent__is_active=True, agent__user__is_active=True
        ).values_list("agent_id", flat=True)
    )
    rows = list(
        TypicalWeek.objects.filter(
            service=service, agent_id__in=agent_ids, valid_from__lte=last_day
        ).filter(Q(valid_until__isnull=True) | Q(valid_until__gte=first_day))
    )
    ranges: dict[int, list[tuple[int, time, time]]] = defaultdict(list)
    for week_id, weekday, start, end in TypicalWeekRange.objects.filter(
        typical_week__in=rows
    ).values_list("typical_week_id", "weekday", "start", "end"):
        ranges[week_id].append((weekday, start, end))
    weeks: dict[int, list[availability.TypicalWeek]] = defaultdict(list)
    for row in rows:
        if replace and row.agent_id == replace[0] and row.pk == replace[1]:
            continue
        weeks[row.agent_id].append(_engine_week(row, ranges[row.pk]))
    if replace:
        weeks[replace[0]].append(replace[2])

    extra: dict[int, list[Interval]] = defaultdict(list)
    unavailable: dict[int, list[Interval]] = defaultdict(list)
    for agent_id, kind, start, end in (
        AvailabilityException.objects.filter(agent_id__in=agent_ids)
        .filter(Q(service__isnull=True) | Q(service=service))
        .overlapping(window.start, window.end)
        .values_list("agent_id", "kind", "start", "end")
    ):
        target = (
            extra if kind == AvailabilityException.Kind.EXTRA_OPENING else unavailable
        )
        target[agent_id].append(Interval(start, end))

    closed: dict[date, str] = dict(belgian_public_holidays(first_day, last_day))
    for label, first, last in Closure.objects.filter(
        Q(service__isnull=True) | Q(service=service),
        start_date__lte=last_day,
        end_date__gte=first_day,
    ).values_list("label", "start_date", "end_date"):
        day = max(first, first_day)
        while day <= min(last, last_day):
            closed.setdefault(day, label)
            day += timedelta(days=1)
    closures = [
        Interval(_midnight(day), _midnight(day + timedelta(days=1))) for day in closed
    ]
    calendars = [
        AgentCalendar(
            agent_id=agent_id,
            typical_weeks=tuple(weeks[agent_id]),
            extra_openings=tuple(extra[agent_id]),
            unavailable=tuple(unavailable[agent_id]),
        )
        for agent_id in agent_ids
    ]
    return calendars, closures, closed


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
    replace = (agent.pk, week_id, week) if week is not None else None
    calendars, closures, closed = service_calendars(service, window, replace=replace)
    per_agent = {
        calendar.agent_id: availability.free_intervals(calendar, window, tz, closures)
        for calendar in calendars
    }
    if replace and agent.pk not in per_agent:
        per_agent[agent.pk] = []
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


# --- The page -------------------------------------------------------------------------


def _resolve(request, agents: QuerySet) -> tuple[Agent, Service, QuerySet]:
    """The agent and service the page edits; 404 outside the user's scope."""
    source = request.POST if request.method == "POST" else request.GET
    agent_id = source.get("agent")
    if agent_id:
        agent = agents.filter(pk=agent_id if agent_id.isdigit() else 0).first()
    else:
        agent = agents.filter(user=request.user).first() or agents.first()
    if agent is None:
        raise Http404
    # A manager edits a colleague only in the services he or she manages.
    services = Service.objects.filter(
        pk__in=availability_service_ids(request.user, agent.pk)
    ).order_by("order", "name")
    service_id = source.get("service")
    if service_id:
        service = services.filter(pk=service_id if service_id.isdigit() else 0).first()
    else:
        service = services.first()
    if service is None:
        raise Http404
    return agent, service, services


def _page_url(agent: Agent, service: Service, **extra) -> str:
    query = {"agent": agent.pk, "service": service.pk, **extra}
    return f"{reverse('admin:portal_availability')}?{urlencode(query)}"


@permission_required("staffing.change_typicalweek", raise_exception=True)
def availability_editor(request):
    """Typical weeks, copy and exceptions of one agent in one service."""
    agents = editable_agents(request.user)
    agent, service, services = _resolve(request, agents)
    weeks = (
        TypicalWeek.objects.filter(agent=agent, service=service)
        .prefetch_related("ranges")
        .order_by("-valid_from")
    )
    source = request.POST if request.method == "POST" else request.GET
    week_param = source.get("week", "")
    week = None
    if week_param.isdigit():
        week = weeks.filter(pk=week_param).first()
        if week is None:
            raise Http404
    elif week_param != "new":
        week = weeks.first()
    action = request.POST.get("action", "") if request.method == "POST" else ""

    if action == "delete_exception":
        return _delete_exception(request, agent, service)
    if action == "add_exception":
        response = _add_exception(request, agent, service)
        if response is not None:
            return response
    if action == "copy" and week is not None:
        return _copy(request, agent, service, week, agents)
    if action == "delete" and week is not None:
        typical_week_delete(week=week, actor=request.user)
        messages.success(request, _("The typical week was deleted."))
        return redirect(_page_url(agent, service))

    editing = action in ("preview", "save")
    form = TypicalWeekForm(
        request.POST if editing else None, initial=TypicalWeekForm.initial_for(week)
    )
    preview_week = None
    if editing and form.is_valid():
        cleaned = form.cleaned_data
        if action == "save":
            try:
                saved = typical_week_save(
                    agent=agent,
                    service=service,
                    valid_from=cleaned["valid_from"],
                    valid_until=cleaned["valid_until"],
                    repeat_every=cleaned["repeat_every"],
                    ranges=form.ranges,
                    label=cleaned["label"],
                    week=week,
                    actor=request.user,
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("The typical week was saved."))
                return redirect(_page_url(agent, service, week=saved.pk))
        if not form.errors:
            preview_week = availability.TypicalWeek(
                valid_from=cleaned["valid_from"],
                valid_until=cleaned["valid_until"],
                repeat_every=cleaned["repeat_every"],
                ranges=tuple(availability.WeeklyRange(*item) for item in form.ranges),
            )
    preview, hours = build_preview(
        service,
        agent,
        week_id=week.pk if week else None,
        week=preview_week,
        first_day=timezone.localdate(),
    )
    exception_form = getattr(request, "_exception_form", None) or ExceptionForm(
        initial={
            "kind": AvailabilityException.Kind.EXTRA_OPENING,
            "start": datetime.combine(timezone.localdate(), time(8, 30)),
            "end": datetime.combine(timezone.localdate(), time(12, 0)),
        }
    )
    colleagues = agents.filter(memberships__service=service).exclude(pk=agent.pk)
    context = {
        **admin.site.each_context(request),
        "title": _("Availability of %(agent)s") % {"agent": agent},
        "agent": agent,
        "service": service,
        "agents": agents,
        "services": services,
        "weeks": weeks,
        "week": week,
        "form": form,
        "previewing": preview_week is not None,
        "preview": preview,
        "hours": list(range(hours[0], hours[1])),
        "hour_width": round(100 / max(hours[1] - hours[0], 1), 4),
        "copy_form": CopyForm(agents=colleagues) if week and colleagues else None,
        "exception_form": exception_form,
        "exceptions": AvailabilityException.objects.filter(
            agent=agent, end__gte=timezone.now()
        )
        .filter(Q(service__isnull=True) | Q(service=service))
        .order_by("start")[:50],
        "unavailability_url": reverse("admin:portal_unavailability"),
    }
    return TemplateResponse(request, "portal/availability.html", context)


def _copy(request, agent, service, week, agents):
    form = CopyForm(
        request.POST,
        agents=agents.filter(memberships__service=service).exclude(pk=agent.pk),
    )
    if not form.is_valid():
        messages.error(request, _("Choose the agents to copy the week to."))
        return redirect(_page_url(agent, service, week=week.pk))
    try:
        copies = typical_week_copy(
            week=week, agents=form.cleaned_data["agents"], actor=request.user
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("The week was copied to %(agents)s.")
            % {"agents": ", ".join(str(copy.agent) for copy in copies)},
        )
    return redirect(_page_url(agent, service, week=week.pk))


def _add_exception(request, agent, service):
    """Add an extra opening here; an unavailability goes through its own page,
    which shows and handles the appointments it hits."""
    form = ExceptionForm(request.POST)
    if not form.is_valid():
        request._exception_form = form
        return None
    cleaned = form.cleaned_data
    if cleaned["kind"] == AvailabilityException.Kind.UNAVAILABLE:
        query = urlencode(
            {
                "agent": agent.pk,
                "start": timezone.localtime(cleaned["start"]).strftime(
                    "%Y-%m-%dT%H:%M"
                ),
                "end": timezone.localtime(cleaned["end"]).strftime("%Y-%m-%dT%H:%M"),
                "note": cleaned["note"],
            }
        )
        return redirect(f"{reverse('admin:portal_unavailability')}?{query}")
    try:
        exception_create(
            agent=agent,
            kind=cleaned["kind"],
            start=cleaned["start"],
            end=cleaned["end"],
            service=service,
            note=cleaned["note"],
            actor=request.user,
        )
    except ValidationError as error:
        form.add_error(None, error)
        request._exception_form = form
        return None
    messages.success(
        request,
        _("Extra opening added on %(day)s.")
        % {"day": formats.date_format(timezone.localtime(cleaned["start"]), "l j F")},
    )
    return redirect(_page_url(agent, service))


def _delete_exception(request, agent, service):
    exception = AvailabilityException.objects.filter(
        agent=agent, pk=request.POST.get("exception") or 0
    ).first()
    if exception is None:
        raise Http404
    exception_delete(exception=exception, actor=request.user)
    messages.success(request, _("The exception was deleted."))
    return redirect(_page_url(agent, service))
