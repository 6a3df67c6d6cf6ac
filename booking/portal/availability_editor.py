"""The availability editor of the portal (MISSION R18, R19): the page.

One page per agent and service: the agent's typical weeks, their validity and
repetition, a copy of a week to other agents, exceptions, and a preview of the
resulting openings and of the service's capacity. The forms and the preview
are staffing's (``staffing.admin_views``); the page is booking's, because its
writes may take time away from booked appointments: saving or deleting a
typical week and deleting an extra opening go through
``booking.consequences``, and when appointments are hit the page first lists
them (``booking.portal.staffing_admin.preview_response``), with the choice to keep
them (an extra opening over each) or to hand them to a colleague or cancel
them with a message to the citizen. An unavailability is entered on the
portal's own page, which handles its appointments the same way.

Only agents the user may edit are offered (``scopes.editable_availability``), and
only in the services where he or she may (``scopes.availability_service_ids``).
"""

from collections.abc import Callable
from datetime import datetime, time
from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from booking.consequences import AvailabilityChange
from core.inputs import parse_id
from staffing import availability
from staffing.admin_views import (
    CopyForm,
    ExceptionForm,
    TypicalWeekForm,
    build_preview,
    editable_agents,
)
from staffing.models import Agent, AvailabilityException, Service, TypicalWeek
from staffing.scopes import availability_service_ids
from staffing.services import (
    exception_create,
    exception_delete,
    typical_week_copy,
    typical_week_delete,
    typical_week_save,
)

from .staffing_admin import (
    SAVE_INTRO,
    NeedsConfirmation,
    done_message,
    preview_response,
    settle,
)

__all__ = ["availability_editor", "editable_agents"]


# --- The page -------------------------------------------------------------------------


def _resolve(request, agents: QuerySet) -> tuple[Agent, Service, QuerySet]:
    """The agent and service the page edits; 404 outside the user's scope."""
    source = request.POST if request.method == "POST" else request.GET
    agent_id = source.get("agent")
    if agent_id:
        agent = agents.filter(pk=parse_id(agent_id) or 0).first()
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
        service = services.filter(pk=parse_id(service_id) or 0).first()
    else:
        service = services.first()
    if service is None:
        raise Http404
    return agent, service, services


def _page_url(agent: Agent, service: Service, **extra) -> str:
    query = {"agent": agent.pk, "service": service.pk, **extra}
    return f"{reverse('admin:portal_availability')}?{urlencode(query)}"


def _with_consequences(
    request, agent: Agent, service: Service, write: Callable[[AvailabilityChange], Any]
) -> tuple[Any, TemplateResponse | None]:
    """Run ``write`` and settle the appointments it hits, as confirmed.

    Returns what ``write`` returned, and None; or, when appointments are hit
    and the user has not confirmed them yet, nothing is written and the
    second value is the page that lists them (it posts this request again).
    """
    try:
        with transaction.atomic():
            change = AvailabilityChange()
            outcome = write(change)
            done = settle(request, change)
    except NeedsConfirmation as stop:
        return None, preview_response(
            request,
            stop,
            context=admin.site.each_context(request),
            cancel_url=_page_url(agent, service),
            intro=SAVE_INTRO,
        )
    if done is not None:
        messages.success(request, done_message(done))
    return outcome, None


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
    if parse_id(week_param) is not None:
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

        def delete(change: AvailabilityChange) -> None:
            pending = change.before_write(week, deleting=True)
            typical_week_delete(week=week, actor=request.user)
            change.after_write(pending)

        _nothing, preview_page = _with_consequences(request, agent, service, delete)
        if preview_page is not None:
            return preview_page
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

            def save(change: AvailabilityChange) -> TypicalWeek:
                pending = change.before_write(week) if week else None
                saved = typical_week_save(
                    agent=agent,
                    service=service,
                    valid_from=cleaned["valid_from"],
                    valid_until=cleaned["valid_until"],
                    repeat_every=cleaned["repeat_every"],
                    ranges=form.ranges,
                    label=cleaned["label"],
                    site=cleaned.get("site"),
                    week=week,
                    actor=request.user,
                )
                if pending is not None:
                    change.after_write(pending)
                return saved

            try:
                saved, preview_page = _with_consequences(request, agent, service, save)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                if preview_page is not None:
                    return preview_page
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

    def delete(change: AvailabilityChange) -> None:
        # Removing an extra opening may leave appointments outside the hours.
        pending = change.before_write(exception, deleting=True)
        exception_delete(exception=exception, actor=request.user)
        change.after_write(pending)

    _nothing, preview_page = _with_consequences(request, agent, service, delete)
    if preview_page is not None:
        return preview_page
    messages.success(request, _("The exception was deleted."))
    return redirect(_page_url(agent, service))
