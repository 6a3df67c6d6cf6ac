"""An agent's unavailability and the appointments it hits (MISSION R16, R21).

Entering an unavailability closes the agent's agenda over a period. Each
appointment already taken in it is first handed to another free agent of the
same service when it is a team appointment (booked with the service, not with
this person); the others, and those nobody can take, are cancelled with the
reason. ``booking.services`` sends ``appointment_reassigned`` and
``appointment_cancelled`` once committed; messaging tells the citizens.

The portal's page is one of the screens of ``booking.consequences``, which
every change of availability goes through: the preview
(:func:`unavailability_plan`, a dry run of the write) and the write
(:func:`unavailability_enter`) choose agents with the same rule, so what the
page announces is what happens, unless someone books in between, in which
case the write re-checks under lock and falls back to the next free agent or
to a cancellation.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.history import Actor
from staffing.models import Agent, AvailabilityException
from staffing.services import exception_create

from .consequences import (
    AvailabilityChange,
    PlannedChange,
    availability_change_enter,
    availability_change_plan,
)

__all__ = [
    "PlannedChange",
    "UnavailabilityResult",
    "unavailability_enter",
    "unavailability_plan",
]


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


def _validate_period(start: datetime, end: datetime) -> None:
    if end <= start:
        raise ValidationError(_("The end of the period must come after its start."))


def _writer(*, agent: Agent, start: datetime, end: datetime, note: str, actor: Actor):
    def write(change: AvailabilityChange) -> AvailabilityException:
        exception = exception_create(
            agent=agent,
            kind=AvailabilityException.Kind.UNAVAILABLE,
            start=start,
            end=end,
            note=note,
            actor=actor,
        )
        change.created(exception)
        return exception

    return write


def unavailability_plan(
    *, agent: Agent, start: datetime, end: datetime
) -> list[PlannedChange]:
    """Preview: each upcoming appointment of ``agent`` in [start, end) and who
    would take it (None: it would be cancelled). Writes nothing."""
    _validate_period(start, end)
    write = _writer(agent=agent, start=start, end=end, note="", actor=None)
    return availability_change_plan(write).changes


def unavailability_enter(
    *,
    agent: Agent,
    start: datetime,
    end: datetime,
    note: str,
    actor: Actor,
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
    write = _writer(agent=agent, start=start, end=end, note=note, actor=actor)
    exception, done = availability_change_enter(write, actor=actor, note=note)
    return UnavailabilityResult(exception, done.changes)
