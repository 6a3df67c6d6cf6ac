"""What a change of availability does to the appointments already booked
(MISSION R16, R21; issue 13). The one booking service behind every screen that
changes who works when.

A change is anything that can take time away from booked appointments: an
unavailability, a closure (commune-wide or of one service), a typical week
changed or deleted, an extra opening removed, an agent deactivated or leaving
a service, a service or a visit reason switched off. :class:`AvailabilityChange`
follows one such change from before its write to its consequences:

1. ``before_write(row)`` before the row is saved or deleted: the stored state
   is read and, where the change may narrow openings (typical weeks, extra
   openings, edits of stored exceptions and closures), the appointments the
   agents' openings hold *now* are noted.
2. The caller writes, however it writes (a staffing service, an admin form and
   its inlines, an import row).
3. ``after_write(pending)``: the new state is read and compared.
4. ``plan()`` lists the appointments hit and what would happen to each (a dry
   run); ``apply()`` does it: a team appointment goes to the least loaded free
   colleague of its service, the others are cancelled with the reason given,
   through ``booking.services`` (lock, re-check, history, domain signals that
   messaging turns into messages to the citizen and the agents). All in the
   caller's transaction: if anything fails, nothing is written.

Which appointments a change hits (the upcoming pending or confirmed ones):

- *closed*: every appointment in the change's scope: a new unavailability or
  closure over its period, an agent deactivated, a membership removed (the
  agent can no longer hold any of them);
- *narrowed*: those in scope that the agent's openings held before the write
  and no longer hold after it: a typical week changed or deleted, an extra
  opening removed, a stored exception or closure edited. An edit that takes
  no time away (a label) hits nothing, and appointments that were already
  outside the hours are not dragged in;
- *withdrawn*: every appointment of a service or visit reason switched off;
  nobody can take them over.

Appointments hit only by narrowed openings or a withdrawal may be *kept*
instead (the user chooses in the preview): for a lost opening an extra opening
is recorded over each appointment, so the agenda keeps holding it.

Mechanism, and why here: staffing never imports booking (``core <- staffing
<- booking``). booking owns every screen that changes availability with these
consequences: it registers booking-aware admin classes for the staffing
models (``booking.portal.staffing_admin``, which also wraps their imports), and it
serves the availability editor (``booking.portal.availability_editor``). The staffing
services stay plain writers, unaware of appointments.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Hashable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import reduce
from operator import or_
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model, Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.history import Actor
from core.localtime import local_midnight, local_tz
from staffing import availability
from staffing.availability import Interval
from staffing.models import (
    Agent,
    AvailabilityException,
    Closure,
    Membership,
    Service,
    TypicalWeek,
)
from staffing.services import exception_create

from .models import Appointment, VisitReason
from .selectors import least_loaded_agent_id
from .services import (
    BookingError,
    appointment_cancel,
    appointment_reassign,
    reassignable_agents,
)
from .slots import load_service_calendars

KEPT_NOTE = _("Kept for an appointment booked before the change")


class ConsequencesChanged(BookingError):
    """The appointments hit are no longer those the user confirmed."""

    def __init__(self, message=None):
        super().__init__(
            message
            or _(
                "The appointments concerned changed since the preview: "
                "check them again."
            )
        )


@dataclass
class PlannedChange:
    """What happens to one appointment: handed to ``new_agent``, kept, or
    cancelled."""

    appointment: Appointment
    new_agent: Agent | None = None
    error: str = ""
    keepable: bool = False
    withdrawn: bool = False
    kept: bool = False

    @property
    def cancelled(self) -> bool:
        return self.new_agent is None and not self.kept


@dataclass
class Plan:
    """The appointments a change hits, in time order, and what happens to each."""

    changes: list[PlannedChange] = field(default_factory=list)

    @property
    def ids(self) -> list[int]:
        return [change.appointment.pk for change in self.changes]

    @property
    def keepable(self) -> bool:
        """Whether the user may keep them all as they are."""
        return bool(self.changes) and all(change.keepable for change in self.changes)

    @property
    def keeping_adds_openings(self) -> bool:
        """Whether keeping them records extra openings (not a mere withdrawal)."""
        return any(not change.withdrawn for change in self.changes)

    @property
    def reassigned(self) -> list[PlannedChange]:
        return [change for change in self.changes if change.new_agent is not None]

    @property
    def cancelled(self) -> list[PlannedChange]:
        return [change for change in self.changes if change.cancelled]

    @property
    def kept(self) -> list[PlannedChange]:
        return [change for change in self.changes if change.kept]


# --- Where a row's appointments are ---------------------------------------------------


_tz = local_tz
_midnight = local_midnight


def _in_service(service_id: int | None) -> Q:
    """Appointments of one service; ``None`` (the whole commune): all of them."""
    return Q(service_id=service_id) if service_id else Q()


def _closure_scope(state) -> Q:
    service_id, first, last = state
    return Q(
        start__lt=_midnight(last + timedelta(days=1)), end__gt=_midnight(first)
    ) & _in_service(service_id)


def _exception_scope(state) -> Q:
    agent_id, service_id, _kind, start, end = state
    return Q(agent_id=agent_id, start__lt=end, end__gt=start) & _in_service(service_id)


def _week_scope(state) -> Q:
    agent_id, service_id = state
    return Q(agent_id=agent_id, service_id=service_id)


# --- Per model: its state, and how a change of state hits appointments ----------------
#
# ``state(row)`` reads what matters of a row (saved or not); ``watch(old, new)``
# returns, before the write, the scopes whose held appointments a narrowing may
# hit, each with whether they may be kept; ``after(pk, old, new)`` returns,
# after the write, the scopes closed and withdrawn. ``old`` is None for a new
# row, ``new`` None for a deleted one.

Unavailable = AvailabilityException.Kind.UNAVAILABLE
Extra = AvailabilityException.Kind.EXTRA_OPENING


@dataclass(frozen=True)
class _RowRule:
    state: Callable[[Model], Hashable]
    watch: Callable[[Any, Any], list[tuple[Q, bool]]] = lambda old, new: []
    after: Callable[[int, Any, Any], tuple[list[Q], list[Q]]] = lambda pk, old, new: (
        [],
        [],
    )
    # Whether ``state`` reads related rows (then only stored rows are read).
    stored_only: bool = False


def _closure_watch(old, new):
    # An edit of a stored closure: what the new days take away.
    return [(_closure_scope(new), False)] if old and new else []


def _closure_after(pk, old, new):
    return ([_closure_scope(new)] if old is None and new else []), []


def _exception_watch(old, new):
    if old is None:
        return []
    watched = []
    if old[2] == Extra:
        # A removed or shrunk extra opening: keeping records it back.
        watched.append((_exception_scope(old), new is None or new[2] == Extra))
    if new is not None:
        watched.append((_exception_scope(new), new[2] == Extra))
    return watched


def _exception_after(pk, old, new):
    closed = old is None and new is not None and new[2] == Unavailable
    return ([_exception_scope(new)] if closed else []), []


def _week_watch(old, new):
    if old is None:
        return []
    return [(_week_scope(state), True) for state in {old, new} if state is not None]


def _membership_after(pk, old, new):
    # The agent no longer works in that service: none of its appointments
    # there can stay with him or her.
    return ([_week_scope(old)] if old and old != new else []), []


def _agent_state(agent: Agent):
    return (
        agent.is_active and agent.user.is_active,
        frozenset(agent.memberships.values_list("service_id", flat=True)),
    )


def _agent_after(pk, old, new):
    if old is None:
        return [], []
    active, services = new or (False, frozenset())
    closed = [Q(agent_id=pk)] if old[0] and not active else []
    closed += [Q(agent_id=pk, service_id=left) for left in old[1] - services]
    return closed, []


def _service_state(service: Service):
    return (
        service.is_active,
        frozenset(service.memberships.values_list("agent_id", flat=True)),
    )


def _service_after(pk, old, new):
    if old is None:
        return [], []
    active, agents = new or (False, frozenset())
    withdrawn = [Q(service_id=pk)] if old[0] and not active else []
    closed = [Q(agent_id=left, service_id=pk) for left in old[1] - agents]
    return closed, withdrawn


def _switched_off(scope: Callable[[int], Q]):
    def after(pk, old, new):
        return [], ([scope(pk)] if old and not new else [])

    return after


def _user_after(pk, old, new):
    # A login deactivated: its agent receives nobody any more.
    return ([Q(agent__user_id=pk)] if old and not new else []), []


_RULES: dict[type[Model], _RowRule] = {
    Closure: _RowRule(
        state=lambda row: (row.service_id, row.start_date, row.end_date),
        watch=_closure_watch,
        after=_closure_after,
    ),
    AvailabilityException: _RowRule(
        state=lambda row: (row.agent_id, row.service_id, row.kind, row.start, row.end),
        watch=_exception_watch,
        after=_exception_after,
    ),
    TypicalWeek: _RowRule(
        state=lambda row: (row.agent_id, row.service_id), watch=_week_watch
    ),
    Membership: _RowRule(
        state=lambda row: (row.agent_id, row.service_id), after=_membership_after
    ),
    Agent: _RowRule(state=_agent_state, after=_agent_after, stored_only=True),
    Service: _RowRule(state=_service_state, after=_service_after, stored_only=True),
    VisitReason: _RowRule(
        state=lambda row: row.is_active,
        after=_switched_off(lambda pk: Q(reason_id=pk)),
    ),
}


def _user_rule() -> _RowRule:
    return _RowRule(state=lambda row: row.is_active, after=_user_after)


def _rule(model: type[Model]) -> _RowRule | None:
    model = model._meta.concrete_model
    if model is get_user_model():
        return _user_rule()
    return _RULES.get(model)


def tracked(model: type[Model]) -> bool:
    """Whether changing rows of ``model`` may hit booked appointments."""
    return _rule(model) is not None


# --- Holding: is an appointment inside its agent's openings? --------------------------


def _upcoming():
    return (
        Appointment.objects.open()
        .not_over()
        .select_related("citizen", "service", "reason", "agent__user")
    )


def held_ids(appointments: Iterable[Appointment]) -> set[int]:
    """The appointments that their agent's openings in their service hold:
    typical weeks and extra openings, minus unavailabilities, closures and
    public holidays, the agent active and still in the service.

    Other appointments do not count (an appointment is not "outside the
    hours" because of itself). An appointment at a site is held by its agent's
    openings at that site (issue 25, point 4). One calendar load per service.
    """
    by_service: dict[int, list[Appointment]] = {}
    for appointment in appointments:
        by_service.setdefault(appointment.service_id, []).append(appointment)
    tz = _tz()
    held = set()
    for rows in by_service.values():
        first = min(timezone.localtime(row.start, tz).date() for row in rows)
        last = max(timezone.localtime(row.end, tz).date() for row in rows)
        window = Interval(_midnight(first), _midnight(last + timedelta(days=1)))
        loaded = load_service_calendars(
            rows[0].service, window, agent_ids={row.agent_id for row in rows}
        )
        openings = {
            (site_id, calendar.agent_id): availability.free_intervals(
                replace(calendar, busy=()), window, tz, loaded.closures
            )
            for site_id, calendars in loaded.by_site.items()
            for calendar in calendars
        }
        for row in rows:
            wanted = Interval(row.start, row.end)
            if any(
                opening.contains(wanted)
                for (site_id, agent_id), agent_openings in openings.items()
                if agent_id == row.agent_id
                and (row.site_id is None or site_id == row.site_id)
                for opening in agent_openings
            ):
                held.add(row.pk)
    return held


# --- The change -----------------------------------------------------------------------


@dataclass
class PendingWrite:
    """A row about to be written: what ``after_write`` needs to compare."""

    rule: _RowRule
    row: Model
    pk: Any
    old: Any


class AvailabilityChange:
    """One change of availability, from before its write to its consequences.

    Use it inside one transaction: ``before_write`` / write / ``after_write``
    for every row changed (or ``close`` / ``withdraw`` for a scope), then
    ``plan()`` or ``apply()``.
    """

    def __init__(self) -> None:
        self._closed: list[Q] = []
        self._withdrawn: list[Q] = []
        # Appointments watched before the write: whether they may be kept if
        # hit, or None when the openings did not hold them even then.
        self._watched: dict[int, bool | None] = {}

    # -- What changes

    def before_write(self, row: Model, *, deleting: bool = False) -> PendingWrite:
        """Read ``row``'s stored state before it is saved or deleted; ``row``
        holds the values about to be saved (ignored when ``deleting``)."""
        rule = _rule(type(row))
        if rule is None:
            raise TypeError(f"{type(row).__name__} changes no availability")
        old = self._stored(rule, type(row), row.pk)
        new = None if deleting or rule.stored_only else rule.state(row)
        for scope, keepable in rule.watch(old, new):
            self.watch(scope, keepable=keepable)
        return PendingWrite(rule, row, row.pk, old)

    def after_write(self, pending: PendingWrite) -> None:
        """Compare the row's state after the write with the one before."""
        pk = pending.row.pk or pending.pk
        new = self._stored(pending.rule, type(pending.row), pk)
        closed, withdrawn = pending.rule.after(pk, pending.old, new)
        self._closed += closed
        self._withdrawn += withdrawn

    def created(self, row: Model) -> None:
        """A row just created (by a service that returns it)."""
        rule = _rule(type(row))
        if rule is None:
            raise TypeError(f"{type(row).__name__} changes no availability")
        self.after_write(PendingWrite(rule, row, row.pk, None))

    def watch(self, scope: Q, *, keepable: bool) -> None:
        """Before the write: note the appointments in ``scope`` held now."""
        rows = list(_upcoming().filter(scope))
        fresh = [row for row in rows if row.pk not in self._watched]
        held = held_ids(fresh)
        for row in fresh:
            self._watched[row.pk] = keepable if row.pk in held else None
        for row in rows:
            if self._watched[row.pk] is not None:
                self._watched[row.pk] = self._watched[row.pk] and keepable

    def close(self, scope: Q) -> None:
        """Every upcoming appointment in ``scope`` is hit."""
        self._closed.append(scope)

    def withdraw(self, scope: Q) -> None:
        """Every upcoming appointment in ``scope`` is hit; nobody takes them."""
        self._withdrawn.append(scope)

    @staticmethod
    def _stored(rule: _RowRule, model: type[Model], pk):
        if pk is None:
            return None
        row = model._default_manager.filter(pk=pk).first()
        return None if row is None else rule.state(row)

    # -- What it does

    def hits(self) -> list[PlannedChange]:
        """The appointments hit, by start, not yet planned. Writes nothing."""
        found: dict[int, PlannedChange] = {}
        if self._withdrawn:
            for row in _upcoming().filter(reduce(or_, self._withdrawn)):
                found[row.pk] = PlannedChange(row, keepable=True, withdrawn=True)
        held_before = {pk for pk, keep in self._watched.items() if keep is not None}
        if held_before:
            narrowed = [
                row
                for row in _upcoming().filter(pk__in=held_before)
                if row.pk not in found
            ]
            still = held_ids(narrowed)
            for row in narrowed:
                if row.pk not in still:
                    found[row.pk] = PlannedChange(
                        row, keepable=bool(self._watched[row.pk])
                    )
        if self._closed:
            for row in _upcoming().filter(reduce(or_, self._closed)):
                change = found.setdefault(row.pk, PlannedChange(row))
                change.keepable = False
        return sorted(
            found.values(),
            key=lambda change: (change.appointment.start, change.appointment.pk),
        )

    def plan(self) -> Plan:
        """Each appointment hit and who would take it (None: cancelled).

        Agents chosen for earlier appointments of the batch count as busy for
        the later ones that overlap them, as the real write would find them.
        """
        changes = self.hits()
        taken: list[tuple[Agent, Appointment]] = []
        for change in changes:
            appointment = change.appointment
            if change.withdrawn or not appointment.booked_for_service:
                continue
            candidates = [
                candidate
                for candidate in reassignable_agents(appointment)
                if not any(
                    agent.pk == candidate.pk and _overlap(other, appointment)
                    for agent, other in taken
                )
            ]
            change.new_agent = _pick(candidates, appointment.start)
            if change.new_agent is not None:
                taken.append((change.new_agent, appointment))
        return Plan(changes)

    def apply(
        self,
        *,
        actor: Actor,
        note: str = "",
        keep: bool = False,
        expected: Collection[int] | None = None,
    ) -> Plan:
        """Deal with every appointment hit; returns what was done.

        ``keep``: leave them all booked (an extra opening over each one that
        lost its opening); only when the plan allows it. Otherwise team
        appointments go to a free colleague and the rest are cancelled with
        ``note`` as the reason the citizens read. ``expected``: the ids the
        user saw in the preview; if they are no longer those hit, raises
        :class:`ConsequencesChanged` before writing anything.
        """
        planned = self.plan().changes
        if expected is not None and {c.appointment.pk for c in planned} != set(
            expected
        ):
            raise ConsequencesChanged
        if keep:
            if not all(change.keepable for change in planned):
                raise ValidationError(
                    _("These appointments cannot be kept: the time is closed.")
                )
            return Plan([_keep(change, actor) for change in planned])
        note = note.strip()
        if not note and any(change.cancelled for change in planned):
            raise ValidationError(
                {
                    "note": _(
                        "Give a reason: citizens whose appointment is cancelled "
                        "read it."
                    )
                }
            )
        return Plan([_settle(change, note=note, actor=actor) for change in planned])


def _settle(change: PlannedChange, *, note: str, actor: Actor) -> PlannedChange:
    """Do what the plan says for one appointment; if the colleague it names
    was taken meanwhile, the next free one, else cancel."""
    if change.new_agent is not None:
        try:
            with transaction.atomic():
                moved = appointment_reassign(
                    appointment=change.appointment, agent=change.new_agent, actor=actor
                )
        except BookingError:
            return hand_over_or_cancel(change.appointment, note=note, actor=actor)
        return replace(change, appointment=moved)
    cancelled = appointment_cancel(
        appointment=change.appointment, actor=actor, reason=note
    )
    return replace(change, appointment=cancelled)


def _overlap(one: Appointment, other: Appointment) -> bool:
    return (
        one.start < other.end + other.reason.buffer
        and other.start < one.end + one.reason.buffer
    )


def _pick(candidates: list[Agent], moment: datetime) -> Agent | None:
    """The least loaded candidate that day (ties: the lowest id), like a booking."""
    if not candidates:
        return None
    by_id = {agent.pk: agent for agent in candidates}
    return by_id[least_loaded_agent_id(list(by_id), moment)]


def hand_over_or_cancel(
    appointment: Appointment, *, note: str, actor: Actor
) -> PlannedChange:
    """Reassign a team appointment to a free colleague, else cancel it."""
    if appointment.booked_for_service:
        candidates = reassignable_agents(appointment)
        while candidates:
            chosen = _pick(candidates, appointment.start)
            try:
                # A savepoint per attempt: a refused reassignment leaves the
                # outer transaction usable for the next candidate.
                with transaction.atomic():
                    moved = appointment_reassign(
                        appointment=appointment, agent=chosen, actor=actor
                    )
            except BookingError:
                candidates.remove(chosen)
                continue
            return PlannedChange(moved, chosen)
    cancelled = appointment_cancel(appointment=appointment, actor=actor, reason=note)
    return PlannedChange(cancelled, None)


def _keep(change: PlannedChange, actor: Actor) -> PlannedChange:
    """Leave the appointment booked; give back the opening it lost."""
    appointment = change.appointment
    if not change.withdrawn:
        exception_create(
            agent=appointment.agent,
            kind=Extra,
            start=appointment.start,
            end=appointment.end,
            service=appointment.service,
            site=appointment.site,
            note=gettext(KEPT_NOTE),
            actor=actor,
            reason="kept for a booked appointment",
        )
    return replace(change, kept=True)


# --- Callers that write themselves ----------------------------------------------------


def availability_change_plan(write: Callable[[AvailabilityChange], Any]) -> Plan:
    """What a change would do, without doing it.

    ``write(change)`` makes the change (calling ``before_write`` and
    ``after_write`` around each row it writes); it runs in a transaction that
    is rolled back once the plan is made.
    """
    with transaction.atomic():
        change = AvailabilityChange()
        write(change)
        plan = change.plan()
        transaction.set_rollback(True)
    return plan


def availability_change_enter(
    write: Callable[[AvailabilityChange], Any],
    *,
    actor: Actor,
    note: str = "",
    keep: bool = False,
    expected: Collection[int] | None = None,
) -> tuple[Any, Plan]:
    """Make a change and deal with the appointments it hits, all or nothing.

    Returns what ``write`` returned and what was done (:meth:`AvailabilityChange.
    apply` explains ``note``, ``keep`` and ``expected``).
    """
    with transaction.atomic():
        change = AvailabilityChange()
        outcome = write(change)
        return outcome, change.apply(
            actor=actor, note=note, keep=keep, expected=expected
        )
