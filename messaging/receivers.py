"""messaging's side of booking's domain signals (ARCHITECTURE, "Messaging").

Connected in ``MessagingConfig.ready()``. booking announces each change inside
its transaction (``appointment_changed_in_transaction``), naming the domain
signal it will send on commit; the outbox rows are written here, in that same
transaction (``messaging/services.py`` explains why).

booking's privacy rules (``booking/privacy.py``) reach the messages the same
way: the export asks for them, an anonymisation and the retention sweep have
them deleted, without booking naming this app.
"""

from django.utils.translation import gettext as _

from booking import events

from .selectors import citizen_messages_export, sms_replaced_by_email
from .services import (
    messages_delete_old,
    messages_forget_citizens,
    outbox_write_for_change,
    outbox_write_for_offer,
)

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


def write_offer(sender, *, offer, now=None, **kwargs) -> list[str]:
    """An earlier time offered (issue 25, point 2): its messages, written in
    the offer's transaction; booking keeps the channels answered."""
    return outbox_write_for_offer(offer=offer, now=now)


def booking_notices(sender, *, appointment, **kwargs) -> str:
    """What the citizen should read once booked: that the messages come by
    e-mail when the SMS budget abroad is spent (``selectors``)."""
    if sms_replaced_by_email(appointment):
        return _(
            "We cannot send text messages to your phone number at the moment: "
            "your confirmation and reminders will come by e-mail."
        )
    return ""


def export_messages(sender, *, citizen, appointment_ids, **kwargs) -> dict:
    """The messages sent to the citizen, for his or her data export."""
    return {
        "messages": citizen_messages_export(
            citizen=citizen, appointment_ids=appointment_ids
        )
    }


def forget_citizens(sender, *, citizen_ids, **kwargs) -> None:
    """Anonymised citizens: their messages go (those on their way stay)."""
    messages_forget_citizens(citizen_ids=citizen_ids)


def sweep_messages(sender, *, cutoff, **kwargs) -> dict:
    """The retention sweep's part of messaging."""
    return {"messages_deleted": messages_delete_old(cutoff=cutoff)}


def connect() -> None:
    events.appointment_changed_in_transaction.connect(
        write_outbox, dispatch_uid="messaging.write_outbox"
    )
    events.earlier_time_offered.connect(
        write_offer, dispatch_uid="messaging.write_offer"
    )
    events.booking_notices.connect(
        booking_notices, dispatch_uid="messaging.booking_notices"
    )
    events.citizen_data_requested.connect(
        export_messages, dispatch_uid="messaging.export_messages"
    )
    events.citizens_anonymised.connect(
        forget_citizens, dispatch_uid="messaging.forget_citizens"
    )
    events.retention_sweep.connect(
        sweep_messages, dispatch_uid="messaging.sweep_messages"
    )
