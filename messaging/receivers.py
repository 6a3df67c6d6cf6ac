"""messaging's side of booking's domain signals (ARCHITECTURE, "Messaging").

Connected in ``MessagingConfig.ready()``. booking announces each change inside
its transaction (``appointment_changed_in_transaction``), naming the domain
signal it will send on commit; the outbox rows are written here, in that same
transaction (``messaging/services.py`` explains why).
"""

from booking import events

from .services import outbox_write_for_change

# The domain signal -> the change it names.
CHANGES = {
    events.appointment_booked: "booked",
    events.appointment_confirmed: "confirmed",
    events.appointment_refused: "refused",
    events.appointment_cancelled: "cancelled",
    events.appointment_moved: "moved",
    events.appointment_reassigned: "reassigned",
}


def write_outbox(sender, *, event, appointment, actor=None, **kwargs) -> None:
    """Write the messages of one change; an unknown signal is not ours."""
    change = CHANGES.get(event)
    if change is None:
        return
    outbox_write_for_change(
        change=change,
        appointment=appointment,
        actor=actor,
        reason=kwargs.get("reason", ""),
        by_citizen=kwargs.get("by_citizen", False),
        previous_start=kwargs.get("previous_start"),
        previous_agent_id=kwargs.get("previous_agent_id"),
    )


def connect() -> None:
    events.appointment_changed_in_transaction.connect(
        write_outbox, dispatch_uid="messaging.write_outbox"
    )
