"""Earlier-time offers (issue 25, point 2): the waiting list's rules, in the
world of ``conftest.py``."""

from datetime import date, timedelta

import pytest
import time_machine
from django.core import mail

from booking import offers
from booking.models import Appointment, EarlierTimeOffer, EarlierTimeRequest, Hold
from booking.services import appointment_book, appointment_cancel
from booking.slots import search_slots
from messaging.models import ChannelRule, Event, Message
from messaging.sms import LocmemBackend
from tests.booking.offers.conftest import ANNE_DAY, NOW, THURSDAY
from tests.factories import CitizenFactory, local

Waiting = EarlierTimeRequest.Status
Offered = EarlierTimeOffer.Status


def cancel(appointment, capture):
    """Cancel as the service does, the signals sent on commit."""
    with capture(execute=True):
        appointment_cancel(appointment=appointment, actor=None)


def offers_of(appointment):
    return list(EarlierTimeOffer.objects.filter(request__appointment=appointment))


def test_join_change_and_leave(world):
    anne = world["anne"]
    request = offers.earlier_request_join(appointment=anne, weekdays=["3"])
    assert (request.status, request.weekdays, request.parts) == (
        Waiting.WAITING,
        [3],
        [],
    )
    joined = request.joined_at
    # Changing the criteria keeps the place in line.
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        request = offers.earlier_request_join(
            appointment=anne, weekdays=[], parts=["morning"]
        )
    assert (request.joined_at, request.parts, request.weekdays) == (
        joined,
        ["morning"],
        [],
    )
    request = offers.earlier_request_leave(appointment=anne)
    assert request.status == Waiting.STOPPED
    # Joining again: the end of the line.
    with time_machine.travel(NOW + timedelta(hours=2), tick=False):
        request = offers.earlier_request_join(appointment=anne)
    assert request.status == Waiting.WAITING
    assert request.joined_at == NOW + timedelta(hours=2)
    assert EarlierTimeRequest.objects.count() == 1


def test_join_is_refused_when_too_close_or_cancelled(world, settings):
    anne = world["anne"]
    settings.EARLIER_OFFER_STOP_DAYS = 14  # Anne's appointment is in 14 days
    with pytest.raises(offers.OfferError):
        offers.earlier_request_join(appointment=anne)
    settings.EARLIER_OFFER_STOP_DAYS = 2
    appointment_cancel(appointment=anne, actor=None)
    with pytest.raises(offers.OfferError):
        offers.earlier_request_join(appointment=anne)
    with pytest.raises(offers.OfferError):
        offers.earlier_request_join(appointment=world["bruno"], parts=["night"])


def test_no_offer_while_no_earlier_time_is_free(world):
    offers.earlier_request_join(appointment=world["anne"])
    assert offers.offers_send() == []


def test_a_cancellation_offers_the_time_to_the_first_in_line_only(
    world, django_capture_on_commit_callbacks
):
    anne, bruno = world["anne"], world["bruno"]
    offers.earlier_request_join(appointment=anne)
    with time_machine.travel(NOW + timedelta(minutes=5), tick=False):
        offers.earlier_request_join(appointment=bruno)
        mail.outbox = []
        cancel(world["taken"][THURSDAY], django_capture_on_commit_callbacks)
    [offer] = offers_of(anne)
    assert offer.start == local(THURSDAY, 9)
    assert offer.status == Offered.SENT
    assert offer.expires_at == NOW + timedelta(minutes=35)
    assert offer.channels == "email,sms"
    assert offers_of(bruno) == []
    request = anne.earlier_request
    request.refresh_from_db()
    assert (request.status, request.offers_sent) == (Waiting.OFFERED, 1)
    # The e-mail and the SMS, with the offer's short link.
    [email] = [m for m in mail.outbox if m.to == ["anne@example.be"]]
    assert f"/o/{offer.token}" in email.body
    assert "jeudi 10 janvier 2030" in email.body
    assert not [m for m in mail.outbox if m.to == ["bruno@example.be"]]
    [sms] = [s for s in LocmemBackend.outbox if f"/o/{offer.token}" in s.body]
    assert len(sms.body) <= 160
    assert Message.objects.filter(event=Event.EARLIER_OFFERED).count() == 2


def test_the_time_goes_to_the_first_whose_criteria_match(world):
    anne, bruno = world["anne"], world["bruno"]
    offers.earlier_request_join(appointment=anne, weekdays=[4])  # Fridays only
    offers.earlier_request_join(appointment=bruno, parts=["morning"])
    appointment_cancel(appointment=world["taken"][THURSDAY], actor=None)
    [offer] = offers.offers_send()
    assert offer.request.appointment == bruno
    # Afternoons only: a 9:00 time is not for him.
    offers.earlier_request_leave(appointment=bruno)
    offers.earlier_request_join(appointment=bruno, parts=["afternoon"])
    assert offers.offers_send() == []


def test_only_appointments_later_than_the_freed_time_are_offered_it(world):
    early = world["taken"][date(2030, 1, 10)]  # Thursday
    offers.earlier_request_join(appointment=early)
    offers.earlier_request_join(appointment=world["bruno"])
    appointment_cancel(appointment=world["taken"][date(2030, 1, 11)], actor=None)
    [offer] = offers.offers_send()
    assert offer.request.appointment == world["bruno"]
    assert offer.start == local(date(2030, 1, 11), 9)


def test_offers_stop_days_before_the_appointment(world, settings):
    anne, bruno = world["anne"], world["bruno"]
    offers.earlier_request_join(appointment=anne)
    offers.earlier_request_join(appointment=bruno)
    settings.EARLIER_OFFER_STOP_DAYS = 14  # Anne's is in 14 days, Bruno's in 15
    appointment_cancel(appointment=world["taken"][THURSDAY], actor=None)
    [offer] = offers.offers_send()
    assert offer.request.appointment == bruno
    request = EarlierTimeRequest.objects.get(appointment=anne)
    assert (request.status, request.stopped_because) == (
        Waiting.STOPPED,
        "appointment too close",
    )


def test_offers_stop_after_the_maximum(world, settings):
    settings.EARLIER_OFFER_MAX = 1
    anne, bruno = world["anne"], world["bruno"]
    offers.earlier_request_join(appointment=anne)
    offers.earlier_request_join(appointment=bruno)
    appointment_cancel(appointment=world["taken"][THURSDAY], actor=None)
    [offer] = offers.offers_send()
    assert offer.request.appointment == anne
    offers.offer_decline(offer=offer)
    request = EarlierTimeRequest.objects.get(appointment=anne)
    assert (request.status, request.stopped_because) == (
        Waiting.STOPPED,
        "maximum offers made",
    )
    [next_offer] = offers.offers_send()
    assert next_offer.request.appointment == bruno
    assert next_offer.start == offer.start


def test_accepting_moves_the_appointment(world, django_capture_on_commit_callbacks):
    anne = world["anne"]
    offers.earlier_request_join(appointment=anne)
    appointment_cancel(appointment=world["taken"][THURSDAY], actor=None)
    [offer] = offers.offers_send()
    with time_machine.travel(NOW + timedelta(minutes=10), tick=False):
        mail.outbox = []
        with django_capture_on_commit_callbacks(execute=True):
            moved = offers.offer_accept(offer=offer)
    anne.refresh_from_db()
    assert moved.pk == anne.pk
    assert anne.start == local(THURSDAY, 9)
    assert anne.status == Appointment.Status.CONFIRMED
    assert anne.history.first().history_change_reason == "moved"
    offer.refresh_from_db()
    assert (offer.status, offer.answered_at) == (
        Offered.ACCEPTED,
        NOW + timedelta(minutes=10),
    )
    assert EarlierTimeRequest.objects.get(appointment=anne).status == Waiting.DONE
    # The usual message of a move, with the lasting link.
    assert Message.objects.filter(appointment=anne, event=Event.MOVED).exists()
    assert any("déplacé" in message.subject for message in mail.outbox)
    # Once answered, the link offers nothing more.
    with pytest.raises(offers.OfferGone):
        offers.offer_accept(offer=offer)


def test_an_expired_offer_goes_to_the_next_in_line(world, clock):
    anne, bruno = world["anne"], world["bruno"]
    offers.earlier_request_join(appointment=anne)
    offers.earlier_request_join(appointment=bruno)
    appointment_cancel(appointment=world["taken"][THURSDAY], actor=None)
    [first] = offers.offers_send()
    assert first.request.appointment == anne
    # Before the end of the hold, the time is nobody else's.
    assert offers.offers_run(now=NOW + timedelta(minutes=29)) == {
        "expired": 0,
        "offered": 0,
    }
    later = NOW + timedelta(minutes=31)
    clock.move_to(later)
    assert offers.offers_run() == {"expired": 1, "offered": 1}
    first.refresh_from_db()
    assert first.status == Offered.EXPIRED
    [second] = offers_of(bruno)
    assert second.start == first.start
    # Anne waits again, for another time than the one she let go.
    assert EarlierTimeRequest.objects.get(appointment=anne).status == Waiting.WAITING
    with pytest.raises(offers.OfferGone):
        offers.offer_accept(offer=first)
    anne.refresh_from_db()
    assert anne.start == local(ANNE_DAY, 9)


def test_a_cancelled_appointment_leaves_the_line_and_its_offer(
    world, django_capture_on_commit_callbacks
):
    anne, bruno = world["anne"], world["bruno"]
    offers.earlier_request_join(appointment=anne)
    offers.earlier_request_join(appointment=bruno)
    appointment_cancel(appointment=world["taken"][THURSDAY], actor=None)
    [offer] = offers.offers_send()
    # Anne cancels: her offer is withdrawn, the Thursday goes to Bruno (and
    # her own Monday too, which is earlier than his Tuesday).
    cancel(anne, django_capture_on_commit_callbacks)
    offer.refresh_from_db()
    assert offer.status == Offered.WITHDRAWN
    request = EarlierTimeRequest.objects.get(appointment=anne)
    assert request.status == Waiting.STOPPED
    [for_bruno] = offers_of(bruno)
    assert for_bruno.start == local(THURSDAY, 9)


def test_at_night_an_offer_goes_by_email_only(world, clock):
    anne = world["anne"]
    offers.earlier_request_join(appointment=anne)
    night = local(date(2030, 1, 7), 22)
    clock.move_to(night)
    appointment_cancel(appointment=world["taken"][THURSDAY], actor=None)
    [offer] = offers.offers_send()
    assert offer.channels == "email"
    channels = Message.objects.filter(
        appointment=anne, event=Event.EARLIER_OFFERED
    ).values_list("channel", flat=True)
    assert list(channels) == ["email"]


def test_citizens_reached_by_sms_only_are_offered_when_the_quiet_hours_end(
    world, clock
):
    anne = world["anne"]
    Appointment.objects.filter(pk=anne.pk).update(contact_email="")
    anne.citizen.email = ""
    anne.citizen.save()
    offers.earlier_request_join(appointment=anne)
    clock.move_to(local(date(2030, 1, 7), 22))
    appointment_cancel(appointment=world["taken"][THURSDAY], actor=None)
    assert offers.offers_run() == {"expired": 0, "offered": 0}
    clock.move_to(local(date(2030, 1, 8), 7, 55))
    assert offers.offers_run()["offered"] == 0
    clock.move_to(local(date(2030, 1, 8), 8, 0))
    assert offers.offers_run()["offered"] == 1
    [offer] = offers_of(anne)
    assert offer.channels == "sms"


def test_the_schedule_is_declared():
    from messaging.schedules import SCHEDULES

    assert SCHEDULES["Earlier-time offers"]["func"] == (
        "messaging.tasks.earlier_time_offers"
    )


def test_the_offered_time_is_held_for_the_citizen(world):
    anne = world["anne"]
    offers.earlier_request_join(appointment=anne)
    appointment_cancel(appointment=world["taken"][THURSDAY], actor=None)
    [offer] = offers.offers_send()
    hold = Hold.objects.get(key=offer.hold_key)
    assert (hold.start, hold.agent_id, hold.expires_at) == (
        offer.start,
        offer.agent_id,
        offer.expires_at,
    )
    # Nobody else's search offers it while it is held.
    later = local(ANNE_DAY, 9)
    starts = [
        slot.start
        for slot in search_slots(anne.service, anne.reason, start=NOW, end=later)
    ]
    assert local(THURSDAY, 9) not in starts
    offers.offer_decline(offer=offer)
    assert not Hold.objects.filter(key=offer.hold_key).exists()


def test_a_held_time_staff_took_is_no_longer_given(world):
    """Staff booking by phone may take a held time: the offer then says so,
    and the citizen stays in line."""
    anne = world["anne"]
    offers.earlier_request_join(appointment=anne)
    appointment_cancel(appointment=world["taken"][THURSDAY], actor=None)
    [offer] = offers.offers_send()
    appointment_book(
        service=anne.service,
        reason=anne.reason,
        start=offer.start,
        citizen=CitizenFactory(),
        channel=Appointment.Channel.PHONE,
    )
    with pytest.raises(offers.OfferGone):
        offers.offer_accept(offer=offer)
    offer.refresh_from_db()
    assert offer.status == Offered.WITHDRAWN
    assert EarlierTimeRequest.objects.get(appointment=anne).status == Waiting.WAITING
    anne.refresh_from_db()
    assert anne.start == local(ANNE_DAY, 9)


def test_no_offer_when_no_message_can_carry_it(world):
    """The commune sends the event nowhere: no offer, and no time held."""
    ChannelRule.objects.update_or_create(
        event=Event.EARLIER_OFFERED, defaults={"channels": "none"}
    )
    offers.earlier_request_join(appointment=world["anne"])
    appointment_cancel(appointment=world["taken"][THURSDAY], actor=None)
    assert offers.offers_send() == []
    assert not EarlierTimeOffer.objects.exists()
    assert not Hold.objects.exists()
    request = EarlierTimeRequest.objects.get(appointment=world["anne"])
    assert request.status == Waiting.WAITING
