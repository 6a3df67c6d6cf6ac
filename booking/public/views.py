"""The citizen's public booking module (R1–R11) and appointment page (R13).

Server-rendered pages that work without JavaScript: one page per step, the
state kept in the session (``booking/public/wizard.py``), every write through
``booking/services.py``. ``static/public/site.js`` only enhances them.
"""

import time
import uuid
from dataclasses import replace
from datetime import timedelta
from itertools import chain
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.forms import MultipleChoiceField
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from booking import events, idempotency, links
from booking.ics import appointment_ics
from booking.link_codes import normalise_code
from booking.links import appointment_for_token, make_token
from booking.models import Appointment, Citizen, VisitReason
from booking.services import (
    BookingContact,
    BookingError,
    CitizenDetails,
    SlotTaken,
    appointment_cancel,
    appointment_move,
    check_booking_rules,
    citizen_book,
    hold_place,
    hold_release,
    moves_with_its_agent,
)
from booking.slots import (
    SearchCriteria,
    first_free_slots,
    free_days,
)
from core.inputs import InvalidInput, parse_datetime_value
from core.language_middleware import speak
from core.phones import phone_display
from core.ratelimit import client_ip, ratelimited
from staffing.availability import part_hours
from staffing.calendars import service_sites, service_week_ranges, sites_of_services
from staffing.models import Agent, Service

from . import forms
from .earlier import earlier_context
from .embed import public_page, public_reverse
from .flow import FIELD as FLOW_FIELD
from .wizard import ANY_AGENT, Wizard

# Slots proposed per page (R5); "Later times" shows the next ones.
PAGE_SIZE = 10
# The done page shows a booking this long after it was made, once: a computer
# left on a shared desk must not show the next visitor the personal link.
DONE_PAGE_SECONDS = 10 * 60

# The day strip of the times page: two weeks from a Monday (issue 20, point 1).
STRIP_DAYS = 14

STEP_LABELS = {
    "agent": gettext_lazy("Agent"),
    "reason": gettext_lazy("Reason"),
    "slot": gettext_lazy("Time"),
    "details": gettext_lazy("Your details"),
    "confirm": gettext_lazy("Confirmation"),
}

GET_POST = require_http_methods(["GET", "POST"])


# --- helpers -----------------------------------------------------------------


def _render(request, template: str, context: dict, *, status: int = 200):
    context.setdefault("embed", getattr(request, "embed", False))
    return render(request, template, context, status=status)


def _redirect(request, name: str, *args, query: str = "", **kwargs):
    return HttpResponseRedirect(
        public_reverse(request, name, *args, query=query, **kwargs)
    )


def _not_found(request, *, title, message):
    """A friendly 404 in the citizen's language, inside the public layout."""
    response = _render(
        request,
        "booking/not_found.html",
        {"title": title, "message": message},
        status=404,
    )
    response["X-Robots-Tag"] = "noindex"
    return response


def _service_not_found(request):
    return _not_found(
        request,
        title=_("Service not found"),
        message=_("This service does not exist or no longer takes appointments."),
    )


def _language() -> str:
    code = (translation.get_language() or settings.LANGUAGE_CODE)[:2]
    return code if code in Citizen.Language.values else settings.LANGUAGE_CODE


def _raw(post) -> dict:
    """What a form posted, kept as typed (lists, for multiple choices)."""
    return {
        key: values
        for key, values in post.lists()
        if key not in {"csrfmiddlewaretoken", "back", FLOW_FIELD}
    }


def _initial_from_draft(form_class, draft: dict, **form_kwargs) -> dict:
    """Turn a draft back into a form's initial values."""
    fields = form_class(**form_kwargs).fields
    initial = {}
    for name, field in fields.items():
        if name not in draft:
            continue
        values = draft[name]
        if isinstance(field, MultipleChoiceField):
            initial[name] = values
        else:
            initial[name] = values[-1] if values else ""
    return initial


def _progress(wizard: Wizard, current: str, request) -> list[dict]:
    """The steps for the progress bar: done ones link back, the rest do not."""
    items, reachable = [], True
    for number, step in enumerate(wizard.steps(), start=1):
        is_current = step.key == current
        url = None
        if reachable and not is_current and step.key != "confirm":
            url = public_reverse(request, step.url_name, service=wizard.service.slug)
        items.append(
            {
                "number": number,
                "label": STEP_LABELS[step.key],
                "url": url,
                "current": is_current,
                "done": reachable and wizard.is_done(step.key) and not is_current,
            }
        )
        if is_current or not wizard.is_done(step.key):
            reachable = False
    return items


def _flow(request, slug: str, key: str):
    """Load the service and its wizard for step ``key``.

    Returns ``(service, wizard, None)``, or ``(None, None, response)`` when the
    citizen must be sent elsewhere: unknown service, or an earlier step to do.
    """
    service = Service.objects.active().filter(slug=slug).first()
    if service is None:
        return None, None, _service_not_found(request)
    wizard = Wizard(request, service)
    if "booked" in wizard.data:
        if key == "confirm" and request.method == "POST":
            # The confirm sent twice (after the first was answered): show what
            # the first one booked, book nothing.
            return None, None, _redirect(request, "booking:done", service=slug)
        wizard.reset()  # a booking was made: the next one starts afresh
    missing = wizard.missing_before(key)
    if missing is not None:
        return None, None, _redirect(request, missing.url_name, service=service.slug)
    wizard.start()
    return service, wizard, None


def _step_context(request, wizard: Wizard, key: str, **extra) -> dict:
    steps = wizard.steps()
    index = [step.key for step in steps].index(key)
    reason, slot, people = wizard.reason(), wizard.slot(), wizard.people()
    duration = reason.duration_for(people) if reason else None
    return {
        "chosen": {
            "agent": wizard.agent(),
            "any_agent": wizard.data.get("agent") == ANY_AGENT,
            "reason": reason,
            "people": people,
            "minutes": int(duration.total_seconds() // 60) if duration else None,
            "start": slot,
            "end": slot + duration if slot and duration else None,
            "held_until": wizard.held_until() if slot else None,
            "site": wizard.site(),
        },
        "service": wizard.service,
        "step": key,
        "progress": _progress(wizard, key, request),
        "step_number": index + 1,
        "step_count": len(steps),
        "step_label": STEP_LABELS[key],
        **extra,
    }


def _back(request, wizard: Wizard, key: str):
    """Leave ``key`` for the step before it, keeping what was typed."""
    wizard.keep_draft(key, _raw(request.POST))
    previous = wizard.previous(key)
    if previous is None:
        return _redirect(request, "booking:home")
    return _redirect(request, previous.url_name, service=wizard.service.slug)


def _forward(request, wizard: Wizard, key: str):
    wizard.drop_draft(key)
    return _redirect(request, wizard.next(key).url_name, service=wizard.service.slug)


def _group_by_day(
    slots, selected=None, *, sites=None, selected_site=None
) -> list[dict]:
    """Slots grouped by local day, each with its radio value and id.

    ``sites``: the service's sites by id when it receives in several places
    (issue 25, point 4): each time then shows its site, and its radio value
    and id carry it (one time may be free at two sites)."""
    days: list[dict] = []
    for slot in slots:
        local = timezone.localtime(slot.start)
        if not days or days[-1]["date"] != local.date():
            days.append(
                {"date": local.date(), "id": f"day-{local:%Y%m%d}", "slots": []}
            )
        site_id = slot.site_id if sites else None
        days[-1]["slots"].append(
            {
                "value": forms.slot_value(slot.start, site_id),
                "id": f"slot-{local:%Y%m%d%H%M}"
                + (f"-{site_id}" if site_id is not None else ""),
                "start": slot.start,
                "end": slot.end,
                "capacity": slot.capacity,
                "site": sites.get(site_id) if sites else None,
                "checked": selected is not None
                and slot.start == selected
                and (not sites or selected_site == site_id),
            }
        )
    return days


def _chosen_slot(request, wizard: Wizard):
    """The slot to show ticked: just posted, left with "Back", or chosen; and
    its site (None: any)."""
    draft = wizard.draft("slot") or {}
    value = request.POST.get("slot") or (draft.get("slot") or [""])[-1]
    value, site_id = forms.split_slot_value(value)
    try:
        moment = parse_datetime_value(value)
    except InvalidInput:
        moment = None  # the form says why
    if moment is None:
        return wizard.slot(), wizard.data.get("site")
    return moment, site_id


def _sites_by_id(service: Service) -> dict:
    """The service's sites by id when it receives in several places (the
    times page then offers a choice and shows each time's site), else {}."""
    sites = service_sites(service, on_or_after=timezone.localdate())
    return {site.pk: site for site in sites} if len(sites) > 1 else {}


def _parse_after(request):
    """Where the next page of slots starts; a 400 when it is no date-time."""
    value = request.GET.get("after") or request.POST.get("after") or ""
    moment = parse_datetime_value(value)
    return moment if moment is not None and timezone.is_aware(moment) else None


def _slot_pages(request, url_name: str, slots, after, **url_kwargs) -> dict:
    """Links to the later slots (``after=``) and back to the first ones."""
    # embed and lang come with public_reverse's carried parameters.
    base = {
        key: value
        for key, value in request.GET.items()
        if key not in ("after", "embed", "lang")
    }
    more = None
    if len(slots) == PAGE_SIZE:
        more = public_reverse(
            request,
            url_name,
            query=urlencode({**base, "after": slots[-1].start.isoformat()}),
            **url_kwargs,
        )
    first = None
    if after is not None:
        first = public_reverse(request, url_name, query=urlencode(base), **url_kwargs)
    return {"more_url": more, "first_url": first}


# --- the flow ----------------------------------------------------------------


@require_GET
@public_page
def home(request):
    """The first page: the services that take appointments online."""
    services = (
        Service.objects.active()
        .filter(reasons__is_active=True, reasons__online_bookable=True)
        .distinct()
        .prefetch_related(
            Prefetch(
                "reasons",
                queryset=VisitReason.objects.filter(
                    is_active=True, online_bookable=True
                ),
                to_attr="bookable_reasons",
            )
        )
    )
    services = list(services)
    # A service that receives in several places lists them (issue 25, point 4).
    sites = sites_of_services(services, on_or_after=timezone.localdate())
    for service in services:
        service.sites = sites[service.pk] if len(sites[service.pk]) > 1 else []
    return _render(request, "booking/home.html", {"services": services})


def _online_reasons(service: Service) -> list[VisitReason]:
    return list(service.reasons.filter(is_active=True, online_bookable=True))


def _resume(request, wizard: Wizard):
    """Where a citizen entering the flow goes: the first step left to do,
    else the times (the home page and messages link past the reason)."""
    step = wizard.missing_before("details")
    name = step.url_name if step is not None else "booking:slots"
    return _redirect(request, name, service=wizard.service.slug)


def _drop_slot(wizard: Wizard) -> None:
    """Forget the time chosen, and let its hold go for others."""
    if wizard.hold_key():
        hold_release(key=wizard.hold_key())
    wizard.discard("slot", "held_until")


def _choose_reason(wizard: Wizard, reason_id: int) -> None:
    if wizard.data.get("reason") != reason_id:
        _drop_slot(wizard)
    wizard.update(reason=reason_id)
    wizard.start()


@require_GET
@public_page
def service_start(request, service):
    """A service's entry point (the link a commune puts on its site)."""
    service_obj = Service.objects.active().filter(slug=service).first()
    if service_obj is None:
        return _service_not_found(request)
    wizard = Wizard(request, service_obj)
    if "booked" in wizard.data:
        wizard.reset()
    if wizard.reason() is None:
        reasons = _online_reasons(service_obj)
        if len(reasons) == 1:  # nothing to choose: no reason screen
            _choose_reason(wizard, reasons[0].pk)
    return _resume(request, wizard)


@require_GET
@public_page
def reason_start(request, service, reason):
    """A link straight to one reason's times: the home page's, and the one
    the cancellation and refusal messages give to book again (issue 20)."""
    service_obj = Service.objects.active().filter(slug=service).first()
    if service_obj is None:
        return _service_not_found(request)
    wizard = Wizard(request, service_obj)
    if "booked" in wizard.data:
        wizard.reset()
    if any(choice.pk == reason for choice in _online_reasons(service_obj)):
        _choose_reason(wizard, reason)
    else:  # no longer booked online: the citizen chooses another
        _drop_slot(wizard)
        wizard.discard("reason")
    return _resume(request, wizard)


@require_http_methods(["GET", "HEAD", "POST"])
@public_page
def old_criteria_step(request, service):
    """``/<service>/when/``, the criteria step until issue 20: the criteria now
    filter the times page. Communes' sites may link here."""
    return _redirect(request, "booking:slots", service=service)


@require_http_methods(["GET", "HEAD", "POST"])
@public_page
def old_remarks_step(request, service):
    """``/<service>/remarks/``: the remarks are now on the details page."""
    return _redirect(request, "booking:details", service=service)


@GET_POST
@public_page
def agent_step(request, service):
    """Choose an agent, or any agent, when the service allows it (R3)."""
    service, wizard, response = _flow(request, service, "agent")
    if response:
        return response
    if not service.citizens_choose_agent:
        return _redirect(request, "booking:reason", service=service.slug)
    agents = list(
        Agent.objects.active()
        .in_service(service)
        .select_related("user")
        .order_by("user__last_name", "user__first_name")
    )
    if request.method == "POST":
        if "back" in request.POST:
            return _back(request, wizard, "agent")
        form = forms.AgentForm(request.POST, agents=agents)
        if form.is_valid():
            chosen = form.cleaned_data["agent"]
            if wizard.data.get("agent") != chosen:
                _drop_slot(wizard)
            wizard.update(agent=chosen)
            wizard.drop_draft("agent")
            # The reason may come from the home page's link: on to the times.
            return _resume(request, wizard)
    else:
        draft = wizard.draft("agent")
        initial = (
            _initial_from_draft(forms.AgentForm, draft, agents=agents)
            if draft
            else {"agent": wizard.data.get("agent", "")}
        )
        form = forms.AgentForm(initial=initial, agents=agents)
    return _render(
        request,
        "booking/step_agent.html",
        _step_context(
            request,
            wizard,
            "agent",
            form=form,
            agents=agents,
            any_agent=ANY_AGENT,
            selected=str(form["agent"].value() or ""),
            error_anchor="agent-any",
        ),
    )


@GET_POST
@public_page
def reason_step(request, service):
    """Choose the visit reason; its duration and information are shown (R7, R11)."""
    service, wizard, response = _flow(request, service, "reason")
    if response:
        return response
    reasons = _online_reasons(service)
    if request.method == "POST":
        if "back" in request.POST:
            return _back(request, wizard, "reason")
        form = forms.ReasonForm(request.POST, reasons=reasons)
        if form.is_valid():
            _choose_reason(wizard, int(form.cleaned_data["reason"]))
            return _forward(request, wizard, "reason")
    else:
        draft = wizard.draft("reason")
        initial = (
            _initial_from_draft(forms.ReasonForm, draft, reasons=reasons)
            if draft
            else {"reason": str(wizard.data.get("reason", ""))}
        )
        form = forms.ReasonForm(initial=initial, reasons=reasons)
    return _render(
        request,
        "booking/step_reason.html",
        _step_context(
            request,
            wizard,
            "reason",
            form=form,
            reasons=reasons,
            selected=str(form["reason"].value() or ""),
            error_anchor=f"reason-{reasons[0].pk}" if reasons else "",
        ),
    )


def _criteria_form(
    data, service: Service, agent_id: int | None, *, sites=None, **kwargs
):
    """The times page's filter, offering only the weekdays and parts of the
    day the service (or the chosen agent) opens, the parts with their hours,
    the service's sites when it has several (``sites``, by id), and
    ``max_people`` (the reason's) offers the number of people."""
    by_day = service_week_ranges(
        service.pk, on_or_after=timezone.localdate(), agent_id=agent_id
    )
    return forms.CriteriaForm(
        data,
        horizon_days=service.max_horizon_days,
        weekdays=set(by_day),
        part_hours=part_hours(chain.from_iterable(by_day.values())),
        sites=list((sites or {}).values()),
        **kwargs,
    )


def _filter_query(criteria: SearchCriteria, **changes) -> dict:
    """The criteria as the filter form's query parameters (the number of
    people only when more than one come, so that other links stay as
    they were)."""
    query = {
        "from_date": criteria.from_date.isoformat() if criteria.from_date else "",
        "weekdays": [str(day) for day in criteria.weekdays or ()],
        "parts": list(criteria.parts or ()),
    }
    if criteria.people > 1:
        query["people"] = str(criteria.people)
    if criteria.site_id is not None:
        query["site"] = str(criteria.site_id)
    query.update(changes)
    return query


def _day_strip(request, route: tuple[str, dict], service, reason, criteria):
    """Two weeks of days to jump to (issue 20, point 1): a link for each day
    with a free time matching the other filters, plain text for the others."""
    today = timezone.localdate()
    shown = criteria.from_date or today
    first = shown - timedelta(days=shown.weekday())
    free = free_days(
        service,
        reason,
        replace(criteria, from_date=None),
        first_day=max(first, today),
        days=STRIP_DAYS - max(0, (today - first).days),
    )
    horizon = today + timedelta(days=service.max_horizon_days)

    def link(day):
        query = urlencode(_filter_query(criteria, from_date=day.isoformat()), True)
        return public_reverse(request, route[0], query=query, **route[1])

    days = [first + timedelta(days=n) for n in range(STRIP_DAYS)]
    earlier = first - timedelta(days=STRIP_DAYS)
    later = first + timedelta(days=STRIP_DAYS)
    return {
        "days": [
            {
                "date": day,
                "url": link(day) if day in free else None,
                "current": criteria.from_date == day,
            }
            for day in days
        ],
        "earlier_url": link(max(earlier, today)) if first > today else None,
        "later_url": link(later) if later <= horizon else None,
    }


def _nearest_outside(service, reason, criteria: SearchCriteria) -> list:
    """When the filters match nothing: the soonest times without them (the
    from date kept while it finds some)."""
    for loose in (
        replace(criteria, weekdays=None, parts=None),
        replace(criteria, weekdays=None, parts=None, site_id=None),
        SearchCriteria(agent_id=criteria.agent_id, people=criteria.people),
    ):
        if loose != criteria:
            found = first_free_slots(service, reason, loose, n=PAGE_SIZE)
            if found:
                return found
    return []


def _times_context(
    request,
    route: tuple[str, dict],
    *,
    service,
    reason,
    criteria,
    slots,
    after,
    sites=None,
) -> dict:
    """What the times pages (booking and moving) show besides the slots;
    ``route``: their URL's name and arguments."""
    filtered = bool(
        criteria.from_date or criteria.weekdays or criteria.parts or criteria.site_id
    )
    nearest = []
    if not slots and after is None and filtered:
        nearest = _nearest_outside(service, reason, criteria)
    # The number of people is no filter to remove: the visit stays as long.
    clear = urlencode(
        _filter_query(SearchCriteria(people=criteria.people), weekdays=[], parts=[]),
        True,
    )
    return {
        "filtered": filtered,
        "nearest_days": _group_by_day(nearest, sites=sites),
        "clear_filters_url": public_reverse(request, route[0], query=clear, **route[1]),
        "strip": _day_strip(request, route, service, reason, criteria),
        "show_capacity": service.shows_free_agents and criteria.agent_id is None,
    }


@GET_POST
@public_page
@ratelimited("search")
def slots_step(request, service):
    """The soonest free times at once, the criteria a filter over them, ten
    times a page and a day strip to jump ahead (R4–R6, issue 20)."""
    service, wizard, response = _flow(request, service, "slot")
    if response:
        return response
    reason, agent = wizard.reason(), wizard.agent()
    if (
        service.citizens_choose_agent
        and wizard.data.get("agent") not in (None, ANY_AGENT)
        and agent is None
    ):
        wizard.discard("agent")  # the agent left the service meanwhile
        return _redirect(request, "booking:agent", service=service.slug)
    agent_id = agent.pk if agent else None
    filtering = "from_date" in request.GET
    sites = _sites_by_id(service)
    criteria_form = _criteria_form(
        request.GET if filtering else None,
        service,
        agent_id,
        sites=sites,
        initial=wizard.data.get("criteria", {}),
        max_people=reason.max_people,
    )
    if filtering and criteria_form.is_valid():
        people = wizard.people()
        wizard.update(criteria=criteria_form.to_state())
        if wizard.people() != people:
            _drop_slot(wizard)  # chosen for a visit of another length
    criteria = wizard.criteria()
    after = _parse_after(request)
    form = forms.SlotForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if "back" in request.POST:
            return _back(request, wizard, "slot")
        if form.is_valid():
            start = form.cleaned_data["slot"]
            site_id = form.site_id if form.site_id in sites else None
            try:
                check_booking_rules(service=service, reason=reason, start=start)
                # Kept for this citizen while the details are typed (issue 25).
                hold = hold_place(
                    service=service,
                    reason=reason,
                    start=start,
                    key=wizard.hold_key(create=True),
                    client_address=client_ip(request),
                    agent_id=agent_id,
                    people=criteria.people,
                    site_id=site_id,
                )
            except BookingError as error:  # SlotTaken included
                form.add_error("slot", error.message)
            else:
                wizard.update(
                    slot=start.isoformat(),
                    site=site_id,
                    held_until=hold.expires_at.isoformat(),
                )
                return _forward(request, wizard, "slot")
    elif wizard.data.get("held_until"):
        # Back on the times: the time held goes back to everyone; the one
        # picked stays selected, and is held again when sent.
        hold_release(key=wizard.hold_key())
        wizard.discard("held_until")
    slots = first_free_slots(service, reason, criteria, n=PAGE_SIZE, after=after)
    chosen, chosen_site = _chosen_slot(request, wizard)
    if chosen_site not in sites:
        chosen_site = None
    days = _group_by_day(slots, chosen, sites=sites, selected_site=chosen_site)
    shown = {(slot.start, slot.site_id if sites else None) for slot in slots}
    kept = None
    if chosen is not None and (chosen, chosen_site) not in shown:
        # Chosen on a later page, or before the filters changed: keep it offered.
        kept = {
            "value": forms.slot_value(chosen, chosen_site),
            "id": "slot-kept",
            "start": chosen,
            "end": chosen + reason.duration_for(criteria.people),
            "site": sites.get(chosen_site),
            "checked": True,
        }
    url_kwargs = {"service": service.slug}
    return _render(
        request,
        "booking/step_slots.html",
        _step_context(
            request,
            wizard,
            "slot",
            form=form,
            criteria_form=criteria_form,
            reason=reason,
            agent=agent,
            days=days,
            kept_slot=kept,
            after=after.isoformat() if after else "",
            error_anchor="slots",
            **_times_context(
                request,
                ("booking:slots", url_kwargs),
                service=service,
                reason=reason,
                criteria=criteria,
                slots=slots,
                after=after,
                sites=sites,
            ),
            **_slot_pages(request, "booking:slots", slots, after, **url_kwargs),
        ),
    )


@GET_POST
@public_page
def details_step(request, service):
    """Who the citizen is (R2), with the fields the service requires, and
    anything the agent should know (R7)."""
    service, wizard, response = _flow(request, service, "details")
    if response:
        return response
    reason = wizard.reason()  # it decides which details are asked (issue 20)
    if request.method == "POST":
        if "back" in request.POST:
            return _back(request, wizard, "details")
        form = forms.IdentityForm(request.POST, service=service, reason=reason)
        remarks_form = forms.RemarksForm(request.POST)
        if form.is_valid() and remarks_form.is_valid():
            wizard.update(
                identity=form.to_state(),
                remarks=remarks_form.cleaned_data["remarks"],
            )
            return _forward(request, wizard, "details")
    else:
        draft = wizard.draft("details")
        if draft:
            initial = _initial_from_draft(
                forms.IdentityForm, draft, service=service, reason=reason
            )
            remarks = _initial_from_draft(forms.RemarksForm, draft)
        else:
            initial = wizard.data.get("identity", {})
            remarks = {"remarks": wizard.data.get("remarks", "")}
        form = forms.IdentityForm(initial=initial, service=service, reason=reason)
        remarks_form = forms.RemarksForm(initial=remarks)
    return _render(
        request,
        "booking/step_details.html",
        _step_context(request, wizard, "details", form=form, remarks_form=remarks_form),
    )


def _review(wizard: Wizard) -> dict:
    identity = wizard.identity()
    identity["phone_display"] = phone_display(identity.get("phone", ""))
    slot = wizard.slot()
    reason = wizard.reason()
    people = wizard.people()
    return {
        "reason": reason,
        "agent": wizard.agent(),
        "people": people,
        "slot_start": slot,
        "slot_end": slot + reason.duration_for(people) if slot and reason else None,
        "identity": identity,
        "remarks": wizard.data.get("remarks", ""),
        "site": wizard.site(),
    }


@GET_POST
@public_page
@ratelimited("book", methods=("POST",))
def confirm_step(request, service):
    """Review everything, then book (R8). The only step that writes."""
    service, wizard, response = _flow(request, service, "confirm")
    if response:
        return response
    review = _review(wizard)
    form = forms.ConfirmForm(request.POST if request.method == "POST" else None)
    error = None
    if request.method == "POST":
        if "back" in request.POST:
            return _back(request, wizard, "confirm")
        # From the start of the flow: no person gets here this fast, so no
        # person reads this message (issue 20, point 4).
        too_fast = wizard.seconds_since_start() < settings.BOOKING_MIN_CONFIRM_SECONDS
        if form.is_bot() or not form.is_valid():
            error = _("Your request could not be sent. Please try again.")
        elif too_fast:
            error = _("Please check your details, then confirm again.")
        else:
            return _book(request, wizard, review)
    # One key per confirm page shown: the same page confirmed twice books once.
    wizard.update(submission=uuid.uuid4().hex)
    return _render(
        request,
        "booking/step_confirm.html",
        _step_context(request, wizard, "confirm", form=form, error=error, **review),
    )


def _book_once(wizard: Wizard, review: dict) -> Appointment:
    """Book what the citizen reviewed, once per confirm page shown.

    Two POSTs of one confirm page (a double click) may both read the session
    before either has written it: they share the page's key, so the second
    waits for the first and gets its appointment (``booking/idempotency.py``).
    """
    identity = review["identity"]
    language = _language()
    key = wizard.data.get("submission") or uuid.uuid4().hex
    content_hash = idempotency.fingerprint(
        {
            "service": wizard.service.pk,
            "reason": review["reason"].pk,
            "agent": review["agent"].pk if review["agent"] else None,
            "start": review["slot_start"].isoformat(),
            "people": review["people"],
            "site": review["site"].pk if review["site"] else None,
            "identity": identity,
            "remarks": review["remarks"],
        }
    )
    # One transaction around the key and both services, as in the API: a
    # refused booking, or a database lost midway, leaves no citizen behind.
    with transaction.atomic():
        earlier = idempotency.claim(
            scope=idempotency.WIZARD, key=key, content_hash=content_hash
        )
        if earlier is not None and earlier.appointment is not None:
            return earlier.appointment
        appointment = citizen_book(
            citizen=CitizenDetails(
                last_name=identity["last_name"],
                first_name=identity["first_name"],
                email=identity["email"],
                phone=identity.get("phone", ""),
                national_number=identity.get("national_number", ""),
                birth_date=identity.get("birth_date"),
                address=identity.get("address", ""),
                language=language,
            ),
            service=wizard.service,
            reason=review["reason"],
            start=review["slot_start"],
            agent=review["agent"],
            site=review["site"],
            remarks=review["remarks"],
            people=review["people"],
            hold_key=wizard.hold_key(),
            contact=BookingContact(
                email=identity["email"],
                phone=identity.get("phone", ""),
                language=language,
                address=identity.get("address", ""),
                no_national_number=bool(identity.get("no_national_number")),
            ),
        )
        idempotency.complete(
            scope=idempotency.WIZARD,
            key=key,
            appointment=appointment,
            answer={"id": appointment.pk},
        )
    return appointment


def _book(request, wizard: Wizard, review: dict):
    service = wizard.service
    try:
        appointment = _book_once(wizard, review)
    except idempotency.KeyReused:
        message = _("Please check your details, then confirm again.")
    except SlotTaken as error:
        _drop_slot(wizard)
        messages.error(request, error.message)
        return _redirect(request, "booking:slots", service=service.slug)
    except BookingError as error:
        message = error.message
    except ValidationError as error:
        message = " ".join(error.messages)
    else:
        wizard.reset(booked=appointment.pk, booked_at=time.time())
        return _redirect(request, "booking:done", service=service.slug)
    return _render(
        request,
        "booking/step_confirm.html",
        _step_context(
            request,
            wizard,
            "confirm",
            form=forms.ConfirmForm(),
            error=message,
            **review,
        ),
    )


@require_GET
@public_page
@never_cache
def done(request, service):
    """The confirmation: what was booked, what to bring, what happens next.

    Shown once, just after booking: the flow's state ends here, so that the
    next person at a shared computer finds the start of the flow, never the
    personal link (it is in the citizen's e-mail).
    """
    service_obj = Service.objects.filter(slug=service).first()
    if service_obj is None:
        return _service_not_found(request)
    wizard = Wizard(request, service_obj)
    booked_at = wizard.data.get("booked_at") or 0
    appointment = (
        Appointment.objects.select_related("service", "reason", "agent__user")
        .filter(pk=wizard.data.get("booked"), service=service_obj)
        .first()
    )
    if "booked" in wizard.data:
        wizard.reset()
    if appointment is None or time.time() - booked_at > DONE_PAGE_SECONDS:
        return _redirect(request, "booking:service", service=service_obj.slug)
    token = make_token(appointment)
    return _render(
        request,
        "booking/done.html",
        {
            "service": service_obj,
            "appointment": appointment,
            "manage_url": public_reverse(request, "booking:manage", token=token),
            "personal_link": links.manage_url(appointment),
            "ics_url": public_reverse(request, "booking:manage_ics", token=token),
            "notices": events.notices_for(appointment),
            **earlier_context(request, appointment),
        },
    )


# --- the citizen's appointment page (R13) ------------------------------------


def _appointment_or_404(request, token: str):
    """The token's appointment, its page in the citizen's language (issue 19,
    point 4: whatever the browser's, unless ``?lang=`` says otherwise)."""
    appointment = appointment_for_token(token)
    if appointment is not None:
        speak(request, appointment.recipient_language)
    if appointment is None:
        return None, _link_not_working(request)
    return appointment, None


def _link_not_working(request):
    return _not_found(
        request,
        title=_("This link no longer works"),
        message=_(
            "The link is incomplete or has expired, or the service replaced "
            "it. Use the link of your latest message, or book a new "
            "appointment."
        ),
    )


def _can_change(appointment: Appointment) -> bool:
    """Whether the citizen may still cancel or move it online (the notice)."""
    notice = timedelta(hours=appointment.service.min_notice_hours)
    return (
        appointment.status in Appointment.OPEN_STATUSES
        and appointment.start >= timezone.now() + notice
    )


def _manage_context(request, appointment: Appointment, **extra) -> dict:
    """The page's own links carry the appointment's lasting code, even when a
    link sent before issue 20 opened it (``booking/links.py``)."""
    token = make_token(appointment)
    return {
        "appointment": appointment,
        "service": appointment.service,
        "token": token,
        "can_change": _can_change(appointment),
        "is_past": appointment.end <= timezone.now(),
        "manage_url": public_reverse(request, "booking:manage", token=token),
        "ics_url": public_reverse(request, "booking:manage_ics", token=token),
        "cancel_url": public_reverse(request, "booking:manage_cancel", token=token),
        "move_url": public_reverse(request, "booking:manage_move", token=token),
        **extra,
    }


def _private(response):
    response["X-Robots-Tag"] = "noindex"
    return response


@require_GET
@public_page
@never_cache
@ratelimited("manage")
def manage(request, token):
    """The appointment seen through the personal link. GET never changes it."""
    appointment, response = _appointment_or_404(request, token)
    if response:
        return response
    return _private(
        _render(
            request,
            "booking/manage.html",
            _manage_context(
                request, appointment, **earlier_context(request, appointment)
            ),
        )
    )


@GET_POST
@public_page
@never_cache
@ratelimited("manage")
def manage_cancel(request, token):
    """Ask "are you sure?" (GET), then cancel (POST) within the notice."""
    appointment, response = _appointment_or_404(request, token)
    if response:
        return response
    form = forms.CancelForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            appointment_cancel(
                appointment=appointment,
                reason=form.cleaned_data["reason"],
                by_citizen=True,
            )
        except BookingError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Your appointment is cancelled."))
        return _redirect(request, "booking:manage", token=make_token(appointment))
    return _private(
        _render(
            request,
            "booking/manage_cancel.html",
            _manage_context(request, appointment, form=form),
        )
    )


@GET_POST
@public_page
@never_cache
@ratelimited("search")
def manage_move(request, token):
    """Choose a new time (GET searches, POST moves); the link stays the same."""
    appointment, response = _appointment_or_404(request, token)
    if response:
        return response
    service = appointment.service
    criteria = SearchCriteria(
        # The agent's own times, unless the agent has left: then the service's.
        agent_id=appointment.agent_id if moves_with_its_agent(appointment) else None,
        # As many people as booked: the new time is as long as the old one.
        people=appointment.people,
    )
    sites = _sites_by_id(service)
    criteria_form = _criteria_form(
        request.GET if "from_date" in request.GET else None,
        service,
        criteria.agent_id,
        sites=sites,
    )
    if criteria_form.is_bound and criteria_form.is_valid():
        state = criteria_form.cleaned_data
        criteria = SearchCriteria(
            from_date=state["from_date"],
            weekdays=[int(day) for day in state["weekdays"]] or None,
            parts=list(state["parts"]) or None,
            agent_id=criteria.agent_id,
            people=criteria.people,
            site_id=state.get("site"),
        )
    form = forms.SlotForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            moved = appointment_move(
                appointment=appointment,
                start=form.cleaned_data["slot"],
                by_citizen=True,
                # A move may change the site: to the one of the time chosen.
                site=sites.get(form.site_id),
            )
        except BookingError as error:  # SlotTaken included: alternatives follow
            form.add_error("slot", error.message)
        else:
            messages.success(
                request,
                _("Your appointment is moved. We have sent you a message."),
            )
            return _redirect(request, "booking:manage", token=make_token(moved))
    after = _parse_after(request)
    slots = [
        slot
        for slot in first_free_slots(
            service,
            appointment.reason,
            criteria,
            n=PAGE_SIZE + 1,
            after=after,
            ignore_appointment_id=appointment.pk,
        )
        # Moving there would change nothing.
        if (slot.start, slot.site_id) != (appointment.start, appointment.site_id)
        and (sites or slot.start != appointment.start)
    ][:PAGE_SIZE]
    return _private(
        _render(
            request,
            "booking/manage_move.html",
            _manage_context(
                request,
                appointment,
                form=form,
                criteria_form=criteria_form,
                days=_group_by_day(slots, sites=sites),
                after=after.isoformat() if after else "",
                **_times_context(
                    request,
                    ("booking:manage_move", {"token": token}),
                    service=service,
                    reason=appointment.reason,
                    criteria=criteria,
                    slots=slots,
                    after=after,
                    sites=sites,
                ),
                **_slot_pages(
                    request,
                    "booking:manage_move",
                    slots,
                    after,
                    token=make_token(appointment),
                ),
            ),
        )
    )


@require_GET
@public_page
@never_cache
def short_link(request, code):
    """The short form of the personal link (``/r/<code>``, in SMS and calendar
    files): on to the appointment's page, which checks the code."""
    normalised = normalise_code(code)
    if normalised is None:
        return _link_not_working(request)
    return _redirect(request, "booking:manage", token=normalised)


@require_GET
@public_page
@never_cache
@ratelimited("manage")
def manage_ics(request, token):
    """The appointment as a calendar file (.ics) to add to one's agenda."""
    appointment, response = _appointment_or_404(request, token)
    if response:
        return response
    method = "PUBLISH" if appointment.is_active else "CANCEL"
    content = appointment_ics(appointment, method, language=_language())
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    day = timezone.localtime(appointment.start)
    response["Content-Disposition"] = (
        f'attachment; filename="appointment-{day:%Y-%m-%d-%H%M}.ics"'
    )
    return _private(response)
