"""Earlier-time offers (issue 25, point 2): every write of the waiting list.

A citizen with an upcoming appointment may ask to be told when an earlier time
frees up for the same service and reason, on some weekdays or parts of the day
only if he or she says so (``earlier_request_join``, from the done page of the
booking flow or the personal link's page; ``earlier_request_leave``).

The line
    Requests wait in the order they joined (``EarlierTimeRequest.joined_at``),
    one line per service and visit reason. Leaving and joining again starts at
    the end of the line.

Finding and sending offers (``offers_send``)
    For each line, the free times of the reason are searched between the
    earliest time a citizen could still book once the hold ends (now + hold +
    the service's notice) and the latest appointment in line. Times are taken
    in order; each is offered to the *first* request in line that
    - waits (no offer of its own on its way),
    - has an appointment later than that time,
    - accepts that weekday and part of the day,
    - was never offered that very time before (declined or let expire),
    - can be reached: during the quiet hours (``QUIET_HOURS``), only citizens
      with an e-mail address are offered a time (the e-mail goes alone, no SMS
      at night); those reachable by SMS only keep their place and are offered
      a time by the first run after the quiet hours;
    - for an appointment booked with a person, that agent is free then.
    One offer per time: the time is held for that citizen for
    ``EARLIER_OFFER_HOLD_MINUTES`` (``booking.services.hold_place``, key
    ``offer:<token>``), so no search offers it to anyone else meanwhile; the
    domain signal ``events.earlier_time_offered`` has messaging write the
    e-mail and SMS (with the offer's link ``/o/<token>``) in the same
    transaction, and answer the channels it used.

Answers
    ``offer_accept`` moves the appointment with ``appointment_move`` (the hold
    is converted: history, messages, link renewal as for any move) and the
    request is done. ``offer_decline`` and ``offers_expire`` release the hold;
    the request waits again, and the time goes to the next in line.

When offers stop
    ``EARLIER_OFFER_STOP_DAYS`` days before the appointment, after
    ``EARLIER_OFFER_MAX`` offers to it, and when the appointment is cancelled
    (or no longer open): the request is then *stopped*, with the reason.

Triggers
    A cancellation and a move free a time: ``booking/apps.py`` connects
    ``time_freed`` to the domain signals (sent once committed), which withdraws
    what the change made pointless and looks for offers in that service at
    once. The schedule "Earlier-time offers" (``messaging/schedules.py``, every
    few minutes) runs ``offers_run``: expiries, then offers everywhere, which
    also catches new openings (typical weeks, extra openings) and the end of
    the quiet hours.
"""

import logging
from collections import defaultdict
from collections.abc import Collection, Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.localtime import local_tz
from core.quiet_hours import in_quiet_hours
from staffing.availability import PARTS_OF_DAY, part_of_day

from . import events
from .link_codes import normalise_code
from .models import Appointment, EarlierTimeOffer, EarlierTimeRequest
from .selectors import least_loaded_agent_id
from .services import (
    BookingError,
    SlotTaken,
    appointment_move,
    hold_place,
    hold_release,
    moves_with_its_agent,
)
from .slots import booking_window, search_slots

logger = logging.getLogger(__name__)

Waiting = EarlierTimeRequest.Status
Offered = EarlierTimeOffer.Status


class OfferError(BookingError):
    """An earlier-time action that cannot be done; ``message`` says why."""


class OfferGone(OfferError):
    """The offer no longer stands (expired, answered, or the time was taken)."""


# --- Rules ------------------------------------------------------------------------


def stop_at(appointment: Appointment) -> datetime:
    """From when no earlier time is offered to ``appointment`` any more."""
    return appointment.start - timedelta(days=settings.EARLIER_OFFER_STOP_DAYS)


def hold_duration() -> timedelta:
    return timedelta(minutes=settings.EARLIER_OFFER_HOLD_MINUTES)


def may_join(appointment: Appointment, now: datetime | None = None) -> bool:
    """Whether ``appointment`` may join the line: open, bookable online, and
    not already within the last days when no offer is made."""
    now = now or timezone.now()
    return (
        appointment.status in Appointment.OPEN_STATUSES
        and appointment.reason.online_bookable
        and now < stop_at(appointment)
    )


def criteria_match(request: EarlierTimeRequest, start: datetime) -> bool:
    """Whether ``start`` is on a weekday and in a part of the day the citizen
    accepts (empty criteria: any)."""
    tz = local_tz()
    if request.weekdays and start.astimezone(tz).weekday() not in request.weekdays:
        return False
    return not request.parts or part_of_day(start, tz) in request.parts


def _clean_criteria(
    weekdays: Iterable[int | str], parts: Iterable[str]
) -> tuple[list[int], list[str]]:
    days = sorted({int(day) for day in weekdays})
    if any(day not in range(7) for day in days):
        raise OfferError(_("Choose weekdays from Monday to Sunday."))
    chosen = [part for part in PARTS_OF_DAY if part in set(parts)]
    if set(parts) - set(PARTS_OF_DAY):
        raise OfferError(_("Choose the morning, the afternoon or the evening."))
    return days, chosen


def reachable(appointment: Appointment, now: datetime) -> bool:
    """Whether a message can reach the citizen now: any contact by day, an
    e-mail address during the quiet hours (no SMS then)."""
    if in_quiet_hours(now):
        return bool(appointment.recipient_email)
    return bool(appointment.recipient_email or appointment.recipient_phone)


# --- Holds (issue 25, point 1) ----------------------------------------------------


def _hold(offer: EarlierTimeOffer, now: datetime) -> None:
    """Keep the offered time for the citizen until the offer expires; raises
    ``SlotTaken`` when that agent is not free then any more."""
    appointment = offer.request.appointment
    hold_place(
        service=appointment.service,
        reason=appointment.reason,
        start=offer.start,
        key=offer.hold_key,
        agent_id=offer.agent_id,
        minutes=settings.EARLIER_OFFER_HOLD_MINUTES,
        now=now,
    )


def _release(offer: EarlierTimeOffer) -> None:
    hold_release(key=offer.hold_key)


# --- Joining and leaving ----------------------------------------------------------


def earlier_request_join(
    *,
    appointment: Appointment,
    weekdays: Iterable[int | str] = (),
    parts: Iterable[str] = (),
    now: datetime | None = None,
) -> EarlierTimeRequest:
    """Put ``appointment`` in line for an earlier time (or change its criteria,
    keeping its place). Joining again after leaving, or after an offer was
    accepted, starts at the end of the line; the offers already made still
    count towards ``EARLIER_OFFER_MAX`` unless one was accepted."""
    now = now or timezone.now()
    days, chosen = _clean_criteria(weekdays, parts)
    with transaction.atomic():
        appointment = (
            Appointment.objects.select_for_update()
            .select_related("reason", "service")
            .get(pk=appointment.pk)
        )
        if not may_join(appointment, now):
            raise OfferError(
                _(
                    "Earlier times can no longer be offered for this appointment: "
                    "it is too close, or no longer open."
                )
            )
        request = (
            EarlierTimeRequest.objects.select_for_update()
            .filter(appointment=appointment)
            .first()
        )
        if request is None:
            request = EarlierTimeRequest(appointment=appointment, joined_at=now)
        elif request.status not in EarlierTimeRequest.IN_LINE:
            if request.status == Waiting.DONE:
                request.offers_sent = 0
            request.status, request.joined_at = Waiting.WAITING, now
            request.stopped_because = ""
        request.weekdays, request.parts = days, chosen
        request.full_clean()
        request.save()
    _soon(lambda: offers_send(service_ids=[appointment.service_id]))
    return request


def earlier_request_leave(
    *, appointment: Appointment, now: datetime | None = None
) -> EarlierTimeRequest | None:
    """Take ``appointment`` out of the line; an offer on its way is withdrawn
    and its time goes to the next in line."""
    now = now or timezone.now()
    with transaction.atomic():
        request = (
            EarlierTimeRequest.objects.select_for_update()
            .filter(appointment=appointment)
            .first()
        )
        if request is None or request.status not in EarlierTimeRequest.IN_LINE:
            return request
        _withdraw_offers(request, now)
        request.status = Waiting.STOPPED
        request.stopped_because = "left the list"
        request.save()
    _soon(lambda: offers_send(service_ids=[appointment.service_id]))
    return request


# --- Offers -----------------------------------------------------------------------


def _live_offers(now: datetime):
    return EarlierTimeOffer.objects.filter(status=Offered.SENT, expires_at__gt=now)


def _in_line(now: datetime, service_ids: Collection[int] | None):
    requests = EarlierTimeRequest.objects.filter(
        status=Waiting.WAITING,
        appointment__status__in=Appointment.OPEN_STATUSES,
        appointment__start__gt=now + timedelta(days=settings.EARLIER_OFFER_STOP_DAYS),
        offers_sent__lt=settings.EARLIER_OFFER_MAX,
    )
    if service_ids is not None:
        requests = requests.filter(appointment__service_id__in=service_ids)
    return requests.select_related(
        "appointment__service", "appointment__reason", "appointment__citizen"
    ).order_by("joined_at", "pk")


def requests_stop_finished(*, now: datetime | None = None) -> int:
    """Stop the waiting requests no offer can be made for any more: their
    appointment is no longer open, is too close, or had its offers."""
    now = now or timezone.now()
    waiting = EarlierTimeRequest.objects.filter(status=Waiting.WAITING)
    stopped = waiting.exclude(appointment__status__in=Appointment.OPEN_STATUSES).update(
        status=Waiting.STOPPED, stopped_because="appointment not open"
    )
    stopped += waiting.filter(
        appointment__start__lte=now + timedelta(days=settings.EARLIER_OFFER_STOP_DAYS)
    ).update(status=Waiting.STOPPED, stopped_because="appointment too close")
    stopped += waiting.filter(offers_sent__gte=settings.EARLIER_OFFER_MAX).update(
        status=Waiting.STOPPED, stopped_because="maximum offers made"
    )
    return stopped


def offers_send(
    *, now: datetime | None = None, service_ids: Collection[int] | None = None
) -> list[EarlierTimeOffer]:
    """Offer the free earlier times to the first in line, one offer per time
    (see the module's docstring); in ``service_ids`` only, if given."""
    now = now or timezone.now()
    requests_stop_finished(now=now)
    lines: dict[tuple[int, int], list[EarlierTimeRequest]] = defaultdict(list)
    for request in _in_line(now, service_ids):
        appointment = request.appointment
        lines[(appointment.service_id, appointment.reason_id)].append(request)
    sent: list[EarlierTimeOffer] = []
    for line in lines.values():
        sent += _offer_in_line(line, now)
    return sent


def _offer_in_line(
    line: list[EarlierTimeRequest], now: datetime
) -> list[EarlierTimeOffer]:
    service = line[0].appointment.service
    reason = line[0].appointment.reason
    # Still bookable by the citizen when the hold ends (the service's notice).
    window = booking_window(service, now=now + hold_duration())
    if window is None:
        return []
    end = min(window.end, max(request.appointment.start for request in line))
    if end <= window.start:
        return []
    slots = search_slots(service, reason, start=window.start, end=end)
    if not slots:
        return []
    live = set(
        _live_offers(now)
        .filter(request__appointment__service=service)
        .values_list("start", "agent_id")
    )
    offered_before = set(
        EarlierTimeOffer.objects.filter(request__in=line).values_list(
            "request_id", "start"
        )
    )
    own_agent = {
        request.pk: request.appointment.agent_id
        for request in line
        if moves_with_its_agent(request.appointment)
    }
    served: set[int] = set()
    sent: list[EarlierTimeOffer] = []
    for slot in slots:
        free = [agent for agent in slot.agent_ids if (slot.start, agent) not in live]
        if not free:
            continue
        for request in line:
            appointment = request.appointment
            if (
                request.pk in served
                or slot.start >= appointment.start
                or (request.pk, slot.start) in offered_before
                or not criteria_match(request, slot.start)
                or not reachable(appointment, now)
            ):
                continue
            agents = free
            if request.pk in own_agent:
                agents = [a for a in free if a == own_agent[request.pk]]
                if not agents:
                    continue
            agent_id = least_loaded_agent_id(agents, slot.start)
            try:
                offer = _offer(request, slot.start, agent_id, now)
            except SlotTaken:
                break  # the time is gone: the next one
            if offer is None:
                continue  # this citizen cannot be told: the next in line
            served.add(request.pk)
            live.add((slot.start, agent_id))
            sent.append(offer)
            break
    return sent


class _NotSent(Exception):
    """No message could carry the offer: it is undone."""


def _offer(
    request: EarlierTimeRequest, start: datetime, agent_id: int, now: datetime
) -> EarlierTimeOffer | None:
    """Hold ``start`` for ``request`` and tell the citizen; None when the
    request no longer waits or no message could carry the offer (no address
    the channel rules reach, or the rules send this event nowhere). Raises
    ``SlotTaken`` when the time was taken meanwhile."""
    try:
        with transaction.atomic():
            request = (
                EarlierTimeRequest.objects.select_for_update()
                .select_related("appointment__service", "appointment__reason")
                .get(pk=request.pk)
            )
            if request.status != Waiting.WAITING:
                return None
            offer = EarlierTimeOffer(
                request=request,
                start=start,
                agent_id=agent_id,
                expires_at=now + hold_duration(),
                created_at=now,
            )
            _hold(offer, now)
            offer.save()
            request.status = Waiting.OFFERED
            request.offers_sent += 1
            request.save()
            channels = events.offer_channels(offer, now)
            if not channels:
                raise _NotSent
            offer.channels = ",".join(channels)
            offer.save(update_fields=["channels"])
    except _NotSent:
        return None
    return offer


def _back_in_line(request: EarlierTimeRequest, now: datetime) -> None:
    """After an offer that did not move the appointment: wait again, unless
    offers must stop (too close, enough offers, appointment not open)."""
    appointment = request.appointment
    if appointment.status not in Appointment.OPEN_STATUSES:
        request.status, request.stopped_because = (
            Waiting.STOPPED,
            "appointment not open",
        )
    elif now >= stop_at(appointment):
        request.status, request.stopped_because = (
            Waiting.STOPPED,
            "appointment too close",
        )
    elif request.offers_sent >= settings.EARLIER_OFFER_MAX:
        request.status, request.stopped_because = (
            Waiting.STOPPED,
            "maximum offers made",
        )
    else:
        request.status = Waiting.WAITING
    request.save()


def _close(offer: EarlierTimeOffer, status: str, now: datetime) -> bool:
    """End a standing offer with ``status``, release its hold and put its
    request back in line (or stop it). Inside the caller's transaction, the
    offer row locked; False when the offer no longer stood."""
    if offer.status != Offered.SENT:
        return False
    offer.status = status
    if status in (Offered.DECLINED, Offered.ACCEPTED):
        offer.answered_at = now
    offer.save()
    _release(offer)
    request = EarlierTimeRequest.objects.select_for_update().get(pk=offer.request_id)
    if request.status == Waiting.OFFERED:
        _back_in_line(request, now)
    return True


def _withdraw_offers(request: EarlierTimeRequest, now: datetime) -> None:
    for offer in EarlierTimeOffer.objects.select_for_update().filter(
        request=request, status=Offered.SENT
    ):
        offer.status = Offered.WITHDRAWN
        offer.save()
        _release(offer)


def _locked_offer(offer: EarlierTimeOffer) -> EarlierTimeOffer:
    return (
        EarlierTimeOffer.objects.select_for_update()
        .select_related("request__appointment__service", "request__appointment__reason")
        .get(pk=offer.pk)
    )


def offer_for_token(token: str) -> EarlierTimeOffer | None:
    """The offer a link opens, whatever its status (the page says it)."""
    code = normalise_code(token)
    if code is None:
        return None
    return (
        EarlierTimeOffer.objects.select_related(
            "request__appointment__service",
            "request__appointment__reason",
            "request__appointment__citizen",
            "agent__user",
        )
        .filter(token=code)
        .first()
    )


def offer_accept(
    *, offer: EarlierTimeOffer, now: datetime | None = None
) -> Appointment:
    """The citizen takes the offered time: the appointment moves there, as
    any move by the citizen (history, messages, calendar). Raises ``OfferGone``
    when the offer expired or was answered, or the time could not be given."""
    now = now or timezone.now()
    taken = False
    with transaction.atomic():
        offer = _locked_offer(offer)
        if offer.status != Offered.SENT or offer.expires_at <= now:
            raise OfferGone(
                _("This offer has expired: the time was offered to others.")
            )
        # The request before the agents' locks, as offers are made: two
        # transactions never wait for each other's locks in turn.
        EarlierTimeRequest.objects.select_for_update().get(pk=offer.request_id)
        appointment = offer.request.appointment
        try:
            moved = appointment_move(
                appointment=appointment,
                start=offer.start,
                by_citizen=True,
                now=now,
                hold_key=offer.hold_key,
            )
        except BookingError:
            taken = True
            _close(offer, Offered.WITHDRAWN, now)
        else:
            _close(offer, Offered.ACCEPTED, now)
            EarlierTimeRequest.objects.filter(pk=offer.request_id).update(
                status=Waiting.DONE, stopped_because=""
            )
    if taken:
        raise OfferGone(
            _(
                "Sorry, this time could not be kept for you. Your appointment "
                "is unchanged."
            )
        )
    return moved


def offer_decline(*, offer: EarlierTimeOffer, now: datetime | None = None) -> None:
    """The citizen keeps the current time: the offered one goes to the next
    in line; the citizen stays in line for other times."""
    now = now or timezone.now()
    with transaction.atomic():
        offer = _locked_offer(offer)
        if not _close(offer, Offered.DECLINED, now):
            raise OfferGone(_("This offer no longer stands."))
        service_id = offer.request.appointment.service_id
    _soon(lambda: offers_send(service_ids=[service_id]))


def offers_expire(*, now: datetime | None = None) -> int:
    """End the offers whose time to answer is over; return how many."""
    now = now or timezone.now()
    expired = 0
    for pk in EarlierTimeOffer.objects.filter(
        status=Offered.SENT, expires_at__lte=now
    ).values_list("pk", flat=True):
        with transaction.atomic():
            offer = EarlierTimeOffer.objects.select_for_update().get(pk=pk)
            expired += _close(offer, Offered.EXPIRED, now)
    return expired


def offers_run(*, now: datetime | None = None) -> dict:
    """The schedule's work: expiries first (their times go to the next in
    line), then offers in every line."""
    now = now or timezone.now()
    expired = offers_expire(now=now)
    return {"expired": expired, "offered": len(offers_send(now=now))}


# --- Triggers ---------------------------------------------------------------------


def _soon(work) -> None:
    """Run ``work`` once the caller's transaction commits; a failure is
    logged, never handed to the citizen who cancelled or moved (the schedule
    tries again within minutes)."""

    def run():
        try:
            work()
        except Exception:
            logger.exception("earlier-time offers could not be looked for")

    transaction.on_commit(run)


def time_freed(sender, *, appointment: Appointment, **kwargs) -> None:
    """A cancellation or a move freed a time (connected in ``booking/apps.py``
    to the domain signals, sent once committed): withdraw the appointment's own
    offers that no longer make sense, then look for offers in its service."""
    now = timezone.now()
    with transaction.atomic():
        request = (
            EarlierTimeRequest.objects.select_for_update()
            .filter(
                appointment_id=appointment.pk, status__in=EarlierTimeRequest.IN_LINE
            )
            .select_related("appointment")
            .first()
        )
        if request is not None:
            _withdraw_offers(request, now)
            if request.status == Waiting.OFFERED:
                _back_in_line(request, now)
    _soon(lambda: offers_send(service_ids=[appointment.service_id]))
