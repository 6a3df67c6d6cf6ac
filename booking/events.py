"""Domain signals: what happened to an appointment (ARCHITECTURE, "Messaging").

``booking/services.py`` sends them with ``transaction.on_commit`` once the change
is saved; messaging (and anything else downstream) connects to them in its
AppConfig.ready(), so booking never imports messaging.

Every signal is sent with ``appointment`` and ``actor`` (the user who acted, or
None for the citizen); extra keyword arguments are listed beside each signal.
"""

from django.dispatch import Signal

appointment_booked = Signal()  # the appointment was created (pending or confirmed)
appointment_confirmed = Signal()  # an agent accepted a pending request
appointment_refused = Signal()  # an agent refused a pending request; reason=
appointment_cancelled = Signal()  # by_citizen=, reason=
appointment_moved = Signal()  # previous_start=, previous_agent=
appointment_reassigned = Signal()  # previous_agent=

# Sent synchronously *inside* the transaction of every change above, before it
# commits, with ``event=`` the signal that will follow on commit and the same
# keyword arguments. For receivers that must write in the same transaction
# (messaging's outbox): what they write commits or rolls back with the change,
# and an exception they raise undoes the change.
appointment_changed_in_transaction = Signal()

# An earlier time is offered to a citizen on the waiting list (issue 25,
# point 2; ``booking/offers.py``). Sent synchronously inside the transaction
# that writes the offer, with ``offer=`` (an ``EarlierTimeOffer``) and
# ``now=``: messaging writes the e-mail and SMS in that same transaction and
# answers the list of channels it used ("email", "sms"), which the offer keeps.
earlier_time_offered = Signal()


def offer_channels(offer, now) -> list[str]:
    """Send ``earlier_time_offered``; the channels its receivers used."""
    channels: list[str] = []
    for _receiver, answer in earlier_time_offered.send(
        sender=type(offer), offer=offer, now=now
    ):
        channels += [
            str(channel) for channel in answer or () if channel not in channels
        ]
    return channels


# Asked, not announced: once an appointment is booked, the public pages and the
# API send it with ``appointment=``, and each receiver may answer one sentence
# the citizen should read (messaging: "your messages will come by e-mail").
booking_notices = Signal()


def notices_for(appointment) -> list[str]:
    """The sentences ``booking_notices``' receivers want the citizen to read."""
    answers = booking_notices.send(sender=type(appointment), appointment=appointment)
    return [str(text) for _receiver, text in answers if text]


# --- Personal data (booking/privacy.py) -------------------------------------------
# Sent synchronously, inside privacy's transaction, to the apps that keep a
# citizen's personal data in tables of their own (messaging: the messages sent
# to him or her). booking names none of them: a retention rule that forgot a
# table would not be one, so each app holding such data connects to all three.

# Asked for a citizen's export, with ``citizen=`` and ``appointment_ids=`` (the
# appointments the actor may see); each receiver answers a dict of sections to
# add to the export (messaging: ``{"messages": [...]}``).
citizen_data_requested = Signal()
# These citizens were just anonymised (``citizen_ids=``): receivers forget what
# names them (what is still to be sent may stay until it is sent).
citizens_anonymised = Signal()
# The daily retention sweep, with ``cutoff=`` (HISTORY_RETENTION_MONTHS ago):
# receivers delete what they keep from before it, and what they still keep of
# anonymised citizens; each answers a dict of counts (``{"messages_deleted": 3}``).
retention_sweep = Signal()


def answers(signal: Signal, sender, **kwargs) -> dict:
    """The receivers' dict answers to ``signal``, merged into one."""
    merged: dict = {}
    for _receiver, answer in signal.send(sender=sender, **kwargs):
        merged.update(answer or {})
    return merged
