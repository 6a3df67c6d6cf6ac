"""messaging's side of booking's domain signals (ARCHITECTURE, "Messaging").

Connected in ``MessagingConfig.ready()``. booking announces each change inside
its transaction (``appointment_changed_in_transaction``), naming the domain
signal it will send on commit; the outbox rows are written here, in that same
transaction (``messaging/services.py`` explains why).
"""

from django.utils.translation import gettext as _

from booking import events

from .selectors import sms_replaced_by_email
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


def booking_notices(sender, *, appointment, **kwargs) -> str:
    """What the citizen should read once booked: that the messages come by
    e-mail when the SMS budget abroad is spent (``selectors``)."""
    if sms_replaced_by_email(appointment):
        return _(
            "We cannot send text messages to your phone number at the moment: "
            "your confirmation and reminders will come by e-mail."
        )
    return ""


def connect() -> None:
    events.appointment_changed_in_transaction.connect(
        write_outbox, dispatch_uid="messaging.write_outbox"
    )
    events.booking_notices.connect(
        booking_notices, dispatch_uid="messaging.booking_notices"
    )
