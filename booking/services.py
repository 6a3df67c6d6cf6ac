"""Every write to an appointment goes through here (ARCHITECTURE, "Booking without
double-booking"; STYLE, "Writes in services").

Each function validates, opens a transaction, locks the agents concerned
(``select_for_update`` ordered by id, so concurrent bookings queue instead of
deadlocking), re-checks availability under the lock, writes with a history
record, and sends its domain signal (``booking/events.py``) once committed.
On PostgreSQL an exclusion constraint backs this up; on SQLite write
transactions are IMMEDIATE and therefore serialised.
"""

import dataclasses
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from stdnum.be import nn

from core.errors import UserFacingError
from core.history import Actor, record_history
from core.models import Language
from core.roles import is_administrator
from staffing.models import Agent, Membership, Service
from staffing.scopes import managed_service_ids

from . import events, references, slot_cache
from .link_codes import new_link_code
from .links import link_expired
from .models import Appointment, Citizen, Hold, VisitReason
from .selectors import least_loaded_agent_id
from .slots import available_agent_ids, kept_free, known_taken

Status = Appointment.Status


class BookingError(UserFacingError):
    """A booking action that cannot be done; ``message`` tells the user why."""


class SlotTaken(BookingError):
    """The chosen time is no longer free (someone was quicker)."""

    def __init__(self, message=None):
        super().__init__(
            message or _("Sorry, this time has just been taken. Please choose another.")
        )


class DuplicateBooking(BookingError):
    """The same person already holds this appointment (a form sent twice).

    Says no more than that: whoever sent the request may be a stranger who
    typed someone's name and e-mail, so the existing appointment's personal
    link is never handed out here; its owner has it by e-mail.
    """

    def __init__(self, message=None):
        super().__init__(
            message
            or _(
                "This appointment is already booked: the confirmation and its "
                "personal link were sent by e-mail."
            )
        )


class HoldLimit(BookingError):
    """Too many times held at once from one client address."""

    def __init__(self, message=None):
        super().__init__(
            message
            or _(
                "Too many times are being held from your connection. Finish a "
                "booking in progress, or try again in a few minutes."
            )
        )


@dataclass(frozen=True)
class BookingContact:
    """The contact details and language one booking brings.

    Kept on that appointment (``Appointment.contact_*``) and used for its
    messages: an anonymous booking never writes them on a stored citizen.
    ``address`` only when the service asks for one. ``no_national_number``:
    the citizen said he or she has none yet, where the reason allows it.
    """

    email: str = ""
    phone: str = ""
    language: str = ""
    address: str = ""
    no_national_number: bool = False

    @classmethod
    def of(cls, citizen: Citizen) -> "BookingContact":
        """The citizen's stored details: staff booking a known citizen."""
        return cls(
            email=citizen.email,
            phone=str(citizen.phone) if citizen.phone else "",
            language=citizen.language,
            address=citizen.address,
        )


@contextmanager
def _atomic_booking():
    """A transaction in which PostgreSQL's exclusion constraint, the last line of
    defence against double booking, surfaces as ``SlotTaken``: another
    transaction won the race for the same agent and time."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError as error:
        if "appointment_agent_no_overlap" in str(error):
            raise SlotTaken from error
        raise


def _on_commit(signal, **kwargs) -> None:
    # In-transaction receivers (the messaging outbox) first, then the signal
    # itself once committed (events.appointment_changed_in_transaction).
    events.appointment_changed_in_transaction.send(
        sender=Appointment, event=signal, **kwargs
    )
    # Cached slot searches holding these agents' times are stale once committed.
    slot_cache.appointments_changed(
        [kwargs["appointment"].agent_id, kwargs.get("previous_agent_id")]
    )
    transaction.on_commit(lambda: signal.send(sender=Appointment, **kwargs))


def _save(appointment: Appointment, *, actor: Actor, reason: str) -> None:
    """Validate and save with the history's author and change reason (R26)."""
    appointment.full_clean()
    record_history(appointment, actor=actor, reason=reason)
    appointment.save()


def _lock_agents(agent_ids: Iterable[int]) -> None:
    """Take the agents' row locks in id order; bookings of one agent queue here."""
    list(
        Agent.objects.select_for_update()
        .filter(pk__in=sorted(set(agent_ids)))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _service_agent_ids(service: Service) -> list[int]:
    return list(
        Membership.objects.filter(service=service).values_list("agent_id", flat=True)
    )


def _least_loaded(agent_ids: list[int], start: datetime) -> int:
    """The agent with the fewest active appointments that local day (R20)."""
    return least_loaded_agent_id(agent_ids, start)


def check_booking_rules(
    *,
    service: Service,
    reason: VisitReason,
    start: datetime,
    now: datetime | None = None,
) -> None:
    """Refuse a citizen's booking outside the service's notice and horizon, or
    off its slot grid."""
    now = now or timezone.now()
    if start < now + timedelta(hours=service.min_notice_hours):
        raise BookingError(
            _("This time is too close: book at least %(hours)s hours ahead.")
            % {"hours": service.min_notice_hours}
        )
    if timezone.localdate(start) > timezone.localdate(now) + timedelta(
        days=service.max_horizon_days
    ):
        raise BookingError(_("This date is too far ahead to book."))
    local = timezone.localtime(start)
    if (local.hour * 60 + local.minute) % service.slot_minutes or local.second:
        raise BookingError(
            _("Appointments start at fixed times: choose a proposed slot.")
        )
    if not reason.online_bookable:
        raise BookingError(_("This visit reason cannot be booked online."))


def check_citizen_limit(*, citizen: Citizen, service: Service) -> None:
    """Refuse more active future appointments than allowed per citizen and service."""
    limit = settings.MAX_ACTIVE_APPOINTMENTS_PER_CITIZEN
    if not limit or not citizen.pk:
        return
    count = (
        Appointment.objects.active()
        .upcoming()
        .filter(citizen=citizen, service=service)
        .count()
    )
    if count >= limit:
        # Says neither how many nor which: whoever typed a name and an e-mail
        # learns no more about that person than necessary.
        raise BookingError(
            _(
                "You cannot book more upcoming appointments with this service "
                "online: please call the service."
            )
        )


def _same_booking(
    *, citizen: Citizen, contact: BookingContact, reason: VisitReason, start
) -> bool:
    """Whether this person already holds an upcoming appointment for ``reason``
    at ``start``: the same citizen row, or the same names and contact e-mail."""
    same_person = Q(
        citizen__last_name__iexact=citizen.last_name.strip(),
        citizen__first_name__iexact=citizen.first_name.strip(),
    ) & (
        Q(contact_email__iexact=contact.email.strip())
        | Q(contact_email="", citizen__email__iexact=contact.email.strip())
    )
    if not contact.email.strip():
        same_person = Q(pk__in=[])
    if citizen.pk is not None:
        same_person |= Q(citizen_id=citizen.pk)
    return (
        Appointment.objects.open()
        .filter(reason=reason, start=start)
        .filter(same_person)
        .exists()
    )


@transaction.atomic  # the new citizen it saves goes if the booking is refused
def appointment_book(
    *,
    service: Service,
    reason: VisitReason,
    start: datetime,
    citizen: Citizen,
    agent: Agent | None = None,
    channel: str = Appointment.Channel.WEB,
    remarks: str = "",
    contact: BookingContact | None = None,
    actor: Actor = None,
    now: datetime | None = None,
    hold_key: str | None = None,
) -> Appointment:
    """Book ``citizen`` for ``reason`` at ``start``, with ``agent`` or the team.

    Online bookings (channel web) follow the service's rules (notice, horizon,
    grid, online reasons, per-citizen limit); staff entering a booking by phone
    or at the desk may place it anywhere an agent is free. A team booking goes
    to the least loaded free agent of that day. ``contact``: the details the
    booking brought, kept on the appointment for its messages (by default the
    citizen's own). Raises ``SlotTaken`` when no agent is free any more,
    ``DuplicateBooking`` when the same person already holds this very
    appointment (a form sent twice), ``BookingError`` for any other refusal.

    Times held for citizens (:func:`hold_place`) keep their agents from
    online bookings; staff may take them. ``hold_key``: the booking's own
    hold, which it converts: its agent, when still free, gets the booking,
    and the hold goes.
    """
    contact = contact or BookingContact.of(citizen)
    if reason.service_id != service.pk or not reason.is_active:
        raise BookingError(_("This visit reason does not belong to this service."))
    online = channel == Appointment.Channel.WEB
    if agent is not None:
        if not Membership.objects.filter(service=service, agent=agent).exists():
            raise BookingError(_("This agent does not work in this service."))
        if online and not service.citizens_choose_agent:
            raise BookingError(_("This service does not let you choose an agent."))
    if online:
        check_booking_rules(service=service, reason=reason, start=start, now=now)
    check_citizen_limit(citizen=citizen, service=service)  # a new one has none
    if online and known_taken(
        service, reason, start, agent_id=agent.pk if agent else None
    ):
        # A citizen's search kept in the shared cache says the time is gone:
        # refuse now, before writing anything, rather than queue for the
        # agents' locks behind whoever took it (on an opening day, most
        # bookings are such collisions).
        if _same_booking(citizen=citizen, contact=contact, reason=reason, start=start):
            raise DuplicateBooking
        raise SlotTaken
    if citizen.pk is None:
        citizen.full_clean()
        citizen.save()

    candidates = [agent.pk] if agent else _service_agent_ids(service)
    with _atomic_booking():
        _lock_agents(candidates)
        # Under the lock: of two identical requests, the second sees the first.
        if _same_booking(citizen=citizen, contact=contact, reason=reason, start=start):
            raise DuplicateBooking
        free = available_agent_ids(
            service,
            reason,
            start,
            agent_ids=candidates,
            count_holds=online,
            own_hold=hold_key,
            now=now,
        )
        if not free:
            if kept_free(service, reason, start, agent_id=agent.pk if agent else None):
                slot_cache.stale(candidates)  # the cache offered it: not again
            raise SlotTaken
        chosen = _held_agent(hold_key, free, start) or (
            agent.pk if agent else _least_loaded(free, start)
        )
        needs_answer = online and reason.requires_confirmation()
        appointment = Appointment(
            service=service,
            agent_id=chosen,
            reason=reason,
            citizen=citizen,
            start=start,
            end=start + reason.duration,
            status=Status.PENDING if needs_answer else Status.CONFIRMED,
            channel=channel,
            booked_for_service=agent is None,
            remarks=remarks,
            created_by=actor if isinstance(actor, User) else None,
            contact_email=contact.email.strip(),
            contact_phone=contact.phone,
            contact_language=contact.language,
            contact_address=contact.address.strip(),
            no_national_number=contact.no_national_number,
        )
        while Appointment.objects.filter(reference=appointment.reference).exists():
            appointment.reference = references.new_reference()  # about 1 in 10¹²
        _save(appointment, actor=actor, reason="booked")
        if hold_key:
            hold_release(key=hold_key)
        _on_commit(events.appointment_booked, appointment=appointment, actor=actor)
    return appointment


def _held_agent(hold_key: str | None, free: list[int], start: datetime) -> int | None:
    """The agent the hold of ``hold_key`` keeps at ``start``, if still free."""
    if not hold_key:
        return None
    agent_id = (
        Hold.objects.filter(key=hold_key, start=start)
        .values_list("agent_id", flat=True)
        .first()
    )
    return agent_id if agent_id in free else None


def hold_place(
    *,
    service: Service,
    reason: VisitReason,
    start: datetime,
    key: str,
    client_address: str | None = None,
    agent_id: int | None = None,
    minutes: int | None = None,
    now: datetime | None = None,
) -> Hold:
    """Hold ``start`` for the booking flow (or offer) ``key`` for ``minutes``
    (``HOLD_MINUTES``), with ``agent_id`` or the least loaded free agent.

    One hold per key: the key's earlier hold goes first (the citizen picked
    another time). Under the agents' locks, like a booking: of N citizens
    holding a time k agents are free for, exactly k get it; the others get
    ``SlotTaken``. ``HoldLimit`` when ``client_address`` already holds
    ``HOLDS_PER_CLIENT`` times. Those agents' expired holds go on the way.
    """
    now = now or timezone.now()
    if reason.service_id != service.pk:
        raise BookingError(_("This visit reason does not belong to this service."))
    candidates = [agent_id] if agent_id else _service_agent_ids(service)
    with _atomic_booking():
        _lock_agents(candidates)
        # The expired holds of the agents locked only: two transactions
        # deleting the same rows in different orders could deadlock.
        Hold.objects.filter(
            Q(key=key) | Q(expires_at__lte=now, agent_id__in=candidates)
        ).delete()
        limit = settings.HOLDS_PER_CLIENT
        if (
            client_address
            and limit
            and Hold.objects.active(now).filter(client_address=client_address).count()
            >= limit
        ):
            raise HoldLimit
        free = available_agent_ids(
            service, reason, start, agent_ids=candidates, now=now
        )
        if not free:
            raise SlotTaken
        slot_cache.holds_changed()
        return Hold.objects.create(
            service=service,
            reason=reason,
            agent_id=agent_id if agent_id in free else _least_loaded(free, start),
            start=start,
            end=start + reason.duration,
            expires_at=now + timedelta(minutes=minutes or settings.HOLD_MINUTES),
            key=key,
            client_address=client_address or None,
        )


def hold_release(*, key: str) -> None:
    """Let the time held for ``key`` go (the citizen went back, or left)."""
    if Hold.objects.filter(key=key).delete()[0]:
        slot_cache.holds_changed()


@dataclass(frozen=True)
class CitizenDetails:
    """Who a booking is for, as typed (the public wizard, the API): found or
    created by ``citizen_for_booking`` inside :func:`citizen_book`."""

    last_name: str
    first_name: str
    email: str
    phone: str = ""
    language: str = Language.FRENCH
    national_number: str = ""
    birth_date: date | None = None
    address: str = ""


def citizen_book(
    *,
    citizen: Citizen | CitizenDetails,
    service: Service,
    reason: VisitReason,
    start: datetime,
    agent: Agent | None = None,
    channel: str = Appointment.Channel.WEB,
    remarks: str = "",
    contact: BookingContact | None = None,
    actor: Actor = None,
    citizen_changed: bool = False,
    now: datetime | None = None,
    hold_key: str | None = None,
) -> Appointment:
    """Find or create the citizen and book, in one transaction of its own: a
    refused booking leaves no new citizen and no change to a known one.

    ``citizen``: the details typed (``CitizenDetails``: the known citizen
    when names and e-mail match, else a new one), or a citizen row, new or
    with details staff just added (``citizen_changed``: saved with the
    history's author and reason). Then as :func:`appointment_book`.
    """
    with transaction.atomic():
        if isinstance(citizen, CitizenDetails):
            citizen = citizen_for_booking(**dataclasses.asdict(citizen))
        elif citizen.pk is None or citizen_changed:
            citizen.full_clean()
            record_history(citizen, actor=actor, reason=f"entered by {channel}")
            citizen.save()
        return appointment_book(
            service=service,
            reason=reason,
            start=start,
            citizen=citizen,
            agent=agent,
            channel=channel,
            remarks=remarks,
            contact=contact,
            actor=actor,
            now=now,
            hold_key=hold_key,
        )


def _require_status(appointment: Appointment, allowed, message) -> None:
    if appointment.status not in allowed:
        raise BookingError(message)


def appointment_confirm(*, appointment: Appointment, actor: Actor) -> Appointment:
    """An agent accepts a pending request (R10)."""
    with transaction.atomic():
        appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
        _require_status(
            appointment, [Status.PENDING], _("Only a pending request can be confirmed.")
        )
        appointment.status = Status.CONFIRMED
        _save(appointment, actor=actor, reason="confirmed")
        _on_commit(events.appointment_confirmed, appointment=appointment, actor=actor)
    return appointment


def appointment_refuse(
    *, appointment: Appointment, actor: Actor, reason: str
) -> Appointment:
    """An agent refuses a pending request, saying why (R10)."""
    if not reason.strip():
        raise BookingError(
            _("Say why the request is refused: the citizen will read it.")
        )
    with transaction.atomic():
        appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
        _require_status(
            appointment, [Status.PENDING], _("Only a pending request can be refused.")
        )
        appointment.status = Status.REFUSED
        appointment.cancellation_reason = reason.strip()
        _save(appointment, actor=actor, reason="refused")
        _on_commit(
            events.appointment_refused,
            appointment=appointment,
            actor=actor,
            reason=appointment.cancellation_reason,
        )
    return appointment


def appointment_cancel(
    *,
    appointment: Appointment,
    actor: Actor = None,
    reason: str = "",
    by_citizen: bool = False,
    now: datetime | None = None,
) -> Appointment:
    """Cancel an upcoming appointment (soft: the row stays, status cancelled).

    A citizen cancels within the service's notice; staff at any time.
    """
    now = now or timezone.now()
    with transaction.atomic():
        appointment = (
            Appointment.objects.select_for_update()
            .select_related("service")
            .get(pk=appointment.pk)
        )
        _require_status(
            appointment,
            Appointment.OPEN_STATUSES,
            _("This appointment can no longer be cancelled."),
        )
        if by_citizen and appointment.start < now + timedelta(
            hours=appointment.service.min_notice_hours
        ):
            raise BookingError(
                _("It is too late to cancel online: please call the service.")
            )
        appointment.status = Status.CANCELLED
        appointment.cancellation_reason = reason.strip()
        _save(
            appointment,
            actor=actor,
            reason="cancelled by citizen" if by_citizen else "cancelled",
        )
        _on_commit(
            events.appointment_cancelled,
            appointment=appointment,
            actor=actor,
            by_citizen=by_citizen,
            reason=appointment.cancellation_reason,
        )
    return appointment


def moves_with_its_agent(appointment: Appointment) -> bool:
    """Whether moving ``appointment`` keeps it with its agent: booked with a
    person who still receives for its service (active, login active, member).

    An appointment whose agent has left (deactivated, or no longer in the
    service) moves like a team appointment: to any free agent of the service,
    rather than to nowhere.
    """
    if appointment.booked_for_service:
        return False
    return Membership.objects.filter(
        service_id=appointment.service_id,
        agent_id=appointment.agent_id,
        agent__is_active=True,
        agent__user__is_active=True,
    ).exists()


def appointment_move(
    *,
    appointment: Appointment,
    start: datetime,
    actor: Actor = None,
    by_citizen: bool = False,
    now: datetime | None = None,
    hold_key: str | None = None,
) -> Appointment:
    """Move an appointment to another time, with its agent or, for a team
    appointment (or one whose agent has left, see :func:`moves_with_its_agent`),
    with any free agent of the service.

    A citizen's move respects the times held for others; ``hold_key``: the
    move's own hold (an earlier-time offer), converted as a booking does."""
    now = now or timezone.now()
    service, reason = appointment.service, appointment.reason
    if by_citizen:
        if appointment.start < now + timedelta(hours=service.min_notice_hours):
            raise BookingError(
                _("It is too late to move online: please call the service.")
            )
        check_booking_rules(service=service, reason=reason, start=start, now=now)
    candidates = (
        [appointment.agent_id]
        if moves_with_its_agent(appointment)
        else _service_agent_ids(service)
    )
    with _atomic_booking():
        _lock_agents(candidates)
        appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
        _require_status(
            appointment,
            Appointment.OPEN_STATUSES,
            _("This appointment can no longer be moved."),
        )
        free = available_agent_ids(
            service,
            reason,
            start,
            agent_ids=candidates,
            ignore_appointment_id=appointment.pk,
            count_holds=by_citizen,
            own_hold=hold_key,
            now=now,
        )
        if not free:
            raise SlotTaken
        previous_start, previous_agent_id = appointment.start, appointment.agent_id
        if link_expired(appointment, now):
            # An expired link never opens anything again, even once the
            # appointment is moved to a later day: the messages of the move
            # carry a new one.
            _renew_link(appointment, now)
        held_agent = _held_agent(hold_key, free, start)
        if held_agent is not None and previous_agent_id not in free:
            appointment.agent_id = held_agent
        elif previous_agent_id not in free:
            appointment.agent_id = _least_loaded(free, start)
        appointment.start, appointment.end = start, start + reason.duration
        _save(appointment, actor=actor, reason="moved")
        if hold_key:
            hold_release(key=hold_key)
        _on_commit(
            events.appointment_moved,
            appointment=appointment,
            actor=actor,
            previous_start=previous_start,
            previous_agent_id=previous_agent_id,
        )
    return appointment


def _renew_link(appointment: Appointment, now: datetime) -> None:
    """Give the appointment a new link code; its links sent before stop working."""
    appointment.link_code = new_link_code()
    appointment.link_revoked_at = now


def appointment_link_revoke(
    *, appointment: Appointment, actor: Actor, now: datetime | None = None
) -> Appointment:
    """Revoke the citizen's personal links to ``appointment`` (issue 20).

    Every link sent so far, the lasting one and those made before issue 20,
    stops opening the appointment at once and never works again; the
    appointment gets a new code, which the next message carries (reminder,
    move, confirmation). No message is sent now: a link is revoked because it
    reached someone it should not have, and the citizen's contact details may
    be how; the staff member tells the citizen, who may call the service.
    Works on any status (a cancelled appointment's page shows its details).
    """
    now = now or timezone.now()
    with transaction.atomic():
        appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
        _renew_link(appointment, now)
        _save(appointment, actor=actor, reason="personal link revoked")
    return appointment


def reassignable_agents(appointment: Appointment) -> list[Agent]:
    """The service's other agents free for the whole appointment (R21)."""
    others = [
        agent_id
        for agent_id in _service_agent_ids(appointment.service)
        if agent_id != appointment.agent_id
    ]
    free = available_agent_ids(
        appointment.service,
        appointment.reason,
        appointment.start,
        agent_ids=others,
        ignore_appointment_id=appointment.pk,
        count_holds=False,  # staff may take a held time
    )
    return list(Agent.objects.filter(pk__in=free).select_related("user"))


def appointment_reassign(
    *, appointment: Appointment, agent: Agent, actor: Actor
) -> Appointment:
    """Hand an appointment to another agent of its service who is free then."""
    with _atomic_booking():
        _lock_agents([appointment.agent_id, agent.pk])
        appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
        _require_status(
            appointment,
            Appointment.OPEN_STATUSES,
            _("Only an upcoming appointment can be reassigned."),
        )
        if agent.pk == appointment.agent_id:
            raise BookingError(_("The appointment is already with this agent."))
        if not Membership.objects.filter(
            service_id=appointment.service_id, agent=agent
        ).exists():
            raise BookingError(_("This agent does not work in this service."))
        free = available_agent_ids(
            appointment.service,
            appointment.reason,
            appointment.start,
            agent_ids=[agent.pk],
            ignore_appointment_id=appointment.pk,
            count_holds=False,  # staff may take a held time
        )
        if agent.pk not in free:
            raise BookingError(
                _("%(agent)s is not available at that time.") % {"agent": agent}
            )
        previous_agent_id = appointment.agent_id
        appointment.agent = agent
        _save(appointment, actor=actor, reason="reassigned")
        _on_commit(
            events.appointment_reassigned,
            appointment=appointment,
            actor=actor,
            previous_agent_id=previous_agent_id,
        )
    return appointment


def no_show_allowed_from(appointment: Appointment) -> datetime:
    """When the citizen may be recorded as not come: the start plus the grace
    period (``NO_SHOW_GRACE_MINUTES``), never before, by mistake or ahead."""
    return appointment.start + timedelta(minutes=settings.NO_SHOW_GRACE_MINUTES)


def appointment_mark(
    *, appointment: Appointment, status: str, actor: Actor
) -> Appointment:
    """Desk work: the citizen arrived, was received (done) or did not come.

    A no-show is refused before ``no_show_allowed_from``.
    """
    allowed = {"arrived", Status.DONE, Status.NO_SHOW}
    if status not in allowed:
        raise BookingError(_("Unknown desk status."))
    with transaction.atomic():
        appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
        _require_status(
            appointment,
            [Status.CONFIRMED, Status.PENDING, Status.DONE, Status.NO_SHOW],
            _("A cancelled or refused appointment cannot be marked."),
        )
        allowed_from = no_show_allowed_from(appointment)
        if status == Status.NO_SHOW and timezone.now() < allowed_from:
            raise BookingError(
                _(
                    "A no-show can be recorded from %(time)s, %(minutes)s minutes "
                    "after the start."
                )
                % {
                    "time": timezone.localtime(allowed_from).strftime("%H:%M"),
                    "minutes": settings.NO_SHOW_GRACE_MINUTES,
                }
            )
        if status == "arrived":
            if appointment.arrived_at is not None:
                # Marked twice (a second scan, two agents): the first arrival
                # stands, so the waiting time stays true.
                return appointment
            appointment.arrived_at = timezone.now()
        else:
            appointment.status = status
        _save(appointment, actor=actor, reason=f"marked {status}")
    return appointment


# --- The desk: arrivals and who is waiting (issue 22) ---------------------------

WAITING_STATUSES = Appointment.OPEN_STATUSES


def appointment_arrive(
    *, appointment: Appointment, actor: Actor, now: datetime | None = None
) -> Appointment:
    """The citizen is at the desk (a reference typed or scanned): record the
    arrival, once. Refused for an appointment of another day (the citizen
    came on the wrong day: staff decide) or one no longer active."""
    now = now or timezone.now()
    if timezone.localdate(appointment.start) != timezone.localdate(now):
        raise BookingError(
            _("This appointment is on %(date)s, not today: nothing was recorded.")
            % {"date": timezone.localtime(appointment.start).strftime("%d/%m/%Y")}
        )
    return appointment_mark(appointment=appointment, status="arrived", actor=actor)


def appointment_undo_arrival(*, appointment: Appointment, actor: Actor) -> Appointment:
    """Take back an arrival recorded by mistake (the wrong reference scanned),
    as long as nobody has called the citizen yet."""
    with transaction.atomic():
        appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
        if appointment.arrived_at is None:
            raise BookingError(_("No arrival is recorded for this appointment."))
        if appointment.called_at is not None:
            raise BookingError(
                _("The citizen was already called: the arrival stays recorded.")
            )
        appointment.arrived_at = None
        _save(appointment, actor=actor, reason="arrival undone")
    return appointment


def appointment_call(
    *, appointment: Appointment, actor: Actor, now: datetime | None = None
) -> Appointment:
    """An agent calls a waiting citizen: the wait ends at ``now`` (the
    statistics' waiting time runs from the arrival to this call)."""
    with transaction.atomic():
        appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
        _require_status(
            appointment,
            WAITING_STATUSES,
            _("Only an upcoming appointment can be called."),
        )
        if appointment.arrived_at is None:
            raise BookingError(_("The citizen has not arrived yet."))
        if appointment.called_at is not None:
            raise BookingError(
                _("This citizen was already called at %(time)s.")
                % {"time": timezone.localtime(appointment.called_at).strftime("%H:%M")}
            )
        appointment.called_at = max(now or timezone.now(), appointment.arrived_at)
        _save(appointment, actor=actor, reason="called")
    return appointment


def waiting_appointments(queryset: QuerySet, *, day) -> QuerySet:
    """Who is waiting among ``queryset`` on local ``day``: arrived, not called,
    in the order they should be taken (the appointment's time, then arrival)."""
    tz = timezone.get_default_timezone()
    first = datetime.combine(day, datetime.min.time(), tzinfo=tz)
    return (
        queryset.filter(
            status__in=WAITING_STATUSES,
            arrived_at__isnull=False,
            called_at__isnull=True,
            start__gte=first,
            start__lt=datetime.combine(
                day + timedelta(days=1), datetime.min.time(), tzinfo=tz
            ),
        )
        .select_related("citizen", "reason", "service", "agent__user")
        .order_by("start", "arrived_at", "pk")
    )


def appointment_call_next(
    *, queryset: QuerySet, actor: Actor, now: datetime | None = None
) -> Appointment | None:
    """Call the next waiting citizen among ``queryset`` (the caller's scope:
    a service's appointments the user may see); None when nobody waits.

    Two agents pressing "next" together: each locks the first candidate in
    turn and re-checks it; the one who finds it called takes the following one.
    """
    now = now or timezone.now()
    for appointment in waiting_appointments(queryset, day=timezone.localdate(now))[:20]:
        try:
            return appointment_call(appointment=appointment, actor=actor, now=now)
        except BookingError:
            continue  # taken meanwhile by another agent
    return None


def appointment_undo_no_show(*, appointment: Appointment, actor: Actor) -> Appointment:
    """Take back a no-show recorded by mistake: the appointment gets back the
    status it had before (its history says which; confirmed if it does not)."""
    with transaction.atomic():
        appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
        _require_status(
            appointment, [Status.NO_SHOW], _("Only a no-show can be undone.")
        )
        before = (
            appointment.history.exclude(status=Status.NO_SHOW)
            .order_by("-history_date", "-history_id")
            .values_list("status", flat=True)
            .first()
        )
        appointment.status = before or Status.CONFIRMED
        _save(appointment, actor=actor, reason="no-show undone")
    return appointment


def appointment_update_notes(
    *, appointment: Appointment, remarks: str, actor: Actor
) -> Appointment:
    """Change the remarks of an appointment, the one field staff edit freely.

    Nothing else of the appointment changes here (scheduling goes through the
    functions above); the history records who changed the text. Saving the
    same text writes nothing.
    """
    with transaction.atomic():
        appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
        remarks = remarks.strip()
        if appointment.remarks == remarks:
            return appointment
        appointment.remarks = remarks
        _save(appointment, actor=actor, reason="remarks changed")
    return appointment


def appointments_clear_texts(
    *, appointments: QuerySet, keep_cancellation_reason_of: Iterable[int] = ()
) -> int:
    """Clear the free texts typed on ``appointments`` (remarks, reasons for a
    cancellation or refusal): the privacy module's erasure and retention.

    A bulk update that writes no history record on purpose: the caller strips
    the same texts from the history records, which would otherwise keep them.
    ``keep_cancellation_reason_of`` keeps the reason of those appointments
    (an erasure's own "erased at the citizen's request" names nobody).
    Returns how many appointments held a text.
    """
    keep = list(keep_cancellation_reason_of)
    holding = appointments.exclude(remarks="", cancellation_reason="")
    cleared = holding.exclude(pk__in=keep).update(remarks="", cancellation_reason="")
    if keep:
        cleared += holding.filter(pk__in=keep).exclude(remarks="").update(remarks="")
    return cleared


def upcoming_for_agent_between(agent: Agent, start: datetime, end: datetime):
    """Active appointments of ``agent`` overlapping [start, end), oldest first."""
    return (
        Appointment.objects.open()
        .filter(agent=agent)
        .between(start, end)
        .not_over()
        .select_related("citizen", "service", "reason")
        .order_by("start")
    )


def citizen_for_booking(
    *,
    last_name: str,
    first_name: str,
    email: str,
    phone: str = "",
    language: str = Language.FRENCH,
    national_number: str = "",
    birth_date=None,
    address: str = "",
) -> Citizen:
    """The citizen an online booking is for: the known one when last name,
    first name and e-mail all match (case-insensitive), else a new, unsaved one
    that ``appointment_book`` validates and saves.

    Reads only: an anonymous form never changes a stored citizen (whoever knows
    a name and an e-mail could otherwise have that person's reminders sent to
    his own phone). The contact details and language the booking brings go
    with its appointment (``BookingContact``); staff merge citizens when a
    person ends up with two rows (``citizen_merge``). The answer looks the same
    either way, so nobody learns whether an e-mail is known.

    A national register number or date of birth that the known citizen does
    not hold, or holds different, means another person: a new citizen then
    holds it, for the service that asked.
    """
    known = (
        Citizen.objects.filter(
            last_name__iexact=last_name.strip(),
            first_name__iexact=first_name.strip(),
            email__iexact=email.strip(),
            anonymised_at__isnull=True,
        )
        .order_by("-created_at", "-pk")
        .first()
        if email.strip()
        else None
    )
    if (
        known is not None
        and national_number
        and nn.compact(national_number) != known.national_number
    ):
        known = None
    if known is not None and birth_date and birth_date != known.birth_date:
        known = None
    if known is not None:
        return known
    return Citizen(
        last_name=last_name,
        first_name=first_name,
        email=email,
        phone=phone,
        language=language,
        national_number=national_number,
        birth_date=birth_date,
        address=address,
    )


# --- Merging citizens (staff only) ---------------------------------------------

# The stored details a merge completes on the kept citizen, when it has none.
MERGED_DETAILS = ("email", "phone", "national_number", "birth_date", "address")
# A merge names its citizens on one page: a handful, not a list's worth.
MAX_MERGED_CITIZENS = 10


def may_merge_citizens(user, citizens: Iterable[Citizen]) -> bool:
    """Whether ``user`` may merge these citizens (move one's appointments to
    another and delete the rest).

    Administrators may merge anyone. A service manager may merge citizens he
    or she sees (``Citizen.objects.visible_to``) whose appointments are all in
    services he or she manages: a merge moves every appointment of the merged
    rows and changes the person for every service, so one appointment
    elsewhere, which the manager neither sees nor answers for, makes it the
    administrator's. Agents do not merge.
    """
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return False
    if is_administrator(user):
        return True
    if not user.has_perm("booking.change_citizen"):
        return False
    managed = managed_service_ids(user)
    ids = {citizen.pk for citizen in citizens}
    if not managed or not ids:
        return False
    if Citizen.objects.visible_to(user).filter(pk__in=ids).count() != len(ids):
        return False
    return (
        not Appointment.objects.filter(citizen_id__in=ids)
        .exclude(service_id__in=managed)
        .exists()
    )


def merge_conflicts(keep: Citizen, others: Iterable[Citizen]) -> list[str]:
    """Why these rows cannot be one person: a different national register
    number or date of birth, or a citizen already anonymised."""
    problems = []
    for other in others:
        # Two rows of one name: the number tells them apart.
        names = {"a": f"{keep} (#{keep.pk})", "b": f"{other} (#{other.pk})"}
        for citizen in (keep, other):
            if citizen.anonymised_at is not None:
                problems.append(
                    _("%(citizen)s is anonymised: it cannot be merged.")
                    % {"citizen": f"#{citizen.pk}"}
                )
        if (
            keep.national_number
            and other.national_number
            and keep.national_number != other.national_number
        ):
            problems.append(
                _("%(a)s and %(b)s have different national register numbers.") % names
            )
        if keep.birth_date and other.birth_date and keep.birth_date != other.birth_date:
            problems.append(_("%(a)s and %(b)s have different dates of birth.") % names)
    return list(dict.fromkeys(problems))


def merged_details(keep: Citizen, others: Iterable[Citizen]) -> dict:
    """The kept citizen's details after a merge: its own, each empty one
    taken from the most recent other citizen holding it."""
    details = {name: getattr(keep, name) for name in MERGED_DETAILS}
    newest_first = sorted(others, key=lambda c: (c.created_at, c.pk), reverse=True)
    for name in MERGED_DETAILS:
        if details[name]:
            continue
        for other in newest_first:
            if getattr(other, name):
                details[name] = getattr(other, name)
                break
    return details


def citizen_merge(*, keep: Citizen, others: Iterable[Citizen], actor: Actor) -> Citizen:
    """Make one person of several citizen rows: ``keep`` stays, ``others`` go.

    Staff only (``may_merge_citizens``): the one way, with the citizen's form,
    that stored citizen data changes after a booking. Every appointment of the
    others moves to ``keep`` (a history record each, "citizen merged"); the
    kept citizen's empty details are completed from the others
    (``merged_details``); the others are deleted, their history kept with
    the merge as the reason. The appointments' own contact details stay as
    their bookings gave them, so no message changes address, and none is sent.
    """
    other_ids = sorted({other.pk for other in others} - {keep.pk})
    if not other_ids:
        raise BookingError(_("Choose at least two citizens to merge."))
    if len(other_ids) + 1 > MAX_MERGED_CITIZENS:
        raise BookingError(
            _("Merge at most %(count)s citizens at once.")
            % {"count": MAX_MERGED_CITIZENS}
        )
    with transaction.atomic():
        rows = {
            citizen.pk: citizen
            for citizen in Citizen.objects.select_for_update()
            .filter(pk__in=[keep.pk, *other_ids])
            .order_by("pk")
        }
        if len(rows) != len(other_ids) + 1:
            raise BookingError(_("One of these citizens no longer exists."))
        keep, others = rows[keep.pk], [rows[pk] for pk in other_ids]
        if not may_merge_citizens(actor, rows.values()):
            raise BookingError(_("You may not merge these citizens."))
        problems = merge_conflicts(keep, others)
        if problems:
            raise BookingError(" ".join(str(problem) for problem in problems))
        moved = (
            Appointment.objects.select_for_update()
            .filter(citizen_id__in=other_ids)
            .order_by("pk")
        )
        for appointment in moved:
            previous = appointment.citizen_id
            appointment.citizen = keep
            _save(
                appointment,
                actor=actor,
                reason=f"citizen #{previous} merged into #{keep.pk}",
            )
        details = merged_details(keep, others)
        changed = [
            name for name in MERGED_DETAILS if getattr(keep, name) != details[name]
        ]
        for name in changed:
            setattr(keep, name, details[name])
        keep.full_clean()
        record_history(
            keep,
            actor=actor,
            reason="merged with " + ", ".join(f"#{pk}" for pk in other_ids),
        )
        keep.save()
        for other in others:
            record_history(other, actor=actor, reason=f"merged into #{keep.pk}")
            other.delete()
    return keep


def appointments_clear_contacts(*, appointments: QuerySet) -> int:
    """Clear the contact details kept on ``appointments`` (e-mail, phone,
    address; the language names nobody): the privacy module's anonymisation.

    A bulk update without history, like ``appointments_clear_texts``: the
    caller clears the same fields in the history records. Returns how many
    appointments held a detail.
    """
    return appointments.exclude(
        contact_email="", contact_phone="", contact_address=""
    ).update(contact_email="", contact_phone="", contact_address="")
