"""An agent's unavailability and the appointments it hits (MISSION R16, R21).

Entering an unavailability closes the agent's agenda over a period. Each
appointment already taken in it is first handed to another free agent of the
same service when it is a team appointment (booked with the service, not with
this person); the others, and those nobody can take, are cancelled with the
reason. ``booking.services`` sends ``appointment_reassigned`` and
``appointment_cancelled`` once committed; messaging tells the citizens.

The preview (:func:`unavailability_plan`) and the write
(:func:`unavailability_enter`) choose agents with the same rule, so what the
page announces is what happens, unless someone books in between, in which
case the write re-checks under lock and falls back to the next free agent or
to a cancellation.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from staffing.models import Agent, AvailabilityException
from staffing.services import exception_create

from .models import Appointment
from .services import (
    BookingError,
    appointment_cancel,
    appointment_reassign,
    reassignable_agents,
    upcoming_for_agent_between,
)


@dataclass
class PlannedChange:
    """What happens to one appointment: handed to ``new_agent``, or cancelled."""

    appointment: Appointment
    new_agent: Agent | None = None
    error: str = ""

    @property
    def cancelled(self) -> bool:
        return self.new_agent is None


@dataclass
class UnavailabilityResult:
    exception: AvailabilityException
    changes: list[PlannedChange] = field(default_factory=list)

    @property
    def reassigned(self) -> list[PlannedChange]:
        return [change for change in self.changes if not change.cancelled]

    @property
    def cancelled(self) -> list[PlannedChange]:
        return [change for change in self.changes if change.cancelled]


def _day_loads(agent_ids: list[int], moment: datetime) -> dict[int, int]:
    """Active appointments of each agent on the local day of ``moment``."""
    day_start = timezone.localtime(moment).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    return dict(
        Appointment.objects.active()
        .filter(
            agent_id__in=agent_ids,
            start__gte=day_start,
            start__lt=day_start + timedelta(days=1),
        )
        .values("agent_id")
        .annotate(n=Count("pk"))
        .values_list("agent_id", "n")
    )


def _pick(candidates: list[Agent], moment: datetime) -> Agent | None:
    """The least loaded candidate that day (ties: the lowest id), like a booking."""
    if not candidates:
        return None
    loads = _day_loads([agent.pk for agent in candidates], moment)
    return min(candidates, key=lambda agent: (loads.get(agent.pk, 0), agent.pk))


def _validate_period(start: datetime, end: datetime) -> None:
    if end <= start:
        raise ValidationError(_("The end of the period must come after its start."))


def unavailability_plan(
    *, agent: Agent, start: datetime, end: datetime
) -> list[PlannedChange]:
    """Preview: each upcoming appointment of ``agent`` in [start, end) and who
    would take it (None: it would be cancelled). Writes nothing.

    Agents chosen for earlier appointments of the batch are treated as busy
    for the later ones that overlap them, as the real write would find them.
    """
    _validate_period(start, end)
    planned: list[tuple[Agent, Appointment]] = []
    changes = []
    for appointment in upcoming_for_agent_between(agent, start, end):
        new_agent = None
        if appointment.booked_for_service:
            candidates = [
                candidate
                for candidate in reassignable_agents(appointment)
                if not any(
                    taken.pk == candidate.pk
                    and other.start < appointment.end + appointment.reason.buffer
                    and appointment.start < other.end + other.reason.buffer
                    for taken, other in planned
                )
            ]
            new_agent = _pick(candidates, appointment.start)
            if new_agent is not None:
                planned.append((new_agent, appointment))
        changes.append(PlannedChange(appointment, new_agent))
    return changes


def unavailability_enter(
    *,
    agent: Agent,
    start: datetime,
    end: datetime,
    note: str,
    actor,
) -> UnavailabilityResult:
    """Close ``agent``'s agenda over [start, end) and deal with its appointments.

    In one transaction: record the unavailability, then for every upcoming
    appointment of the agent in the period, reassign a team appointment to the
    least loaded free agent of its service, and cancel the rest with ``note``
    as the reason given to the citizen. All or nothing: if anything fails,
    nothing is written and no message leaves.
    """
    _validate_period(start, end)
    note = note.strip()
    if not note:
        raise ValidationError(
            {
                "note": _(
                    "Give a reason: citizens whose appointment is cancelled read it."
                )
            }
        )
    with transaction.atomic():
        exception = exception_create(
            agent=agent,
            kind=AvailabilityException.Kind.UNAVAILABLE,
            start=start,
            end=end,
            note=note,
            actor=actor,
        )
        result = UnavailabilityResult(exception)
        for appointment in list(upcoming_for_agent_between(agent, start, end)):
            result.changes.append(_hand_over_or_cancel(appointment, note, actor))
    return result


def _hand_over_or_cancel(appointment: Appointment, note: str, actor) -> PlannedChange:
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
