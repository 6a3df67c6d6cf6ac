"""booking/services.py: the only writer of appointments (issues 3, 4, 6)."""

import threading
from datetime import date, time, timedelta

import pytest
import time_machine
from django.db import connection

from booking import events
from booking.models import Appointment
from booking.services import (
    BookingError,
    SlotTaken,
    appointment_book,
    appointment_cancel,
    appointment_confirm,
    appointment_move,
    appointment_reassign,
    appointment_refuse,
    reassignable_agents,
)
from tests.factories import (
    AppointmentFactory,
    CitizenFactory,
    MembershipFactory,
    ServiceFactory,
    VisitReasonFactory,
    local,
    open_agent,
)
from tests.i18n import translated

TUESDAY = date(2027, 1, 5)
NOW = local(date(2027, 1, 4), 9)


@pytest.fixture(autouse=True)
def clock():
    """The day before TUESDAY, ticking: what the services read agrees with NOW."""
    with time_machine.travel(NOW, tick=True) as traveller:
        yield traveller


@pytest.fixture
def service(db):
    return ServiceFactory(slot_minutes=15, min_notice_hours=2)


@pytest.fixture
def reason(service):
    return VisitReasonFactory(service=service, duration_minutes=15)


@pytest.fixture
def received():
    """Domain signals sent, as (signal name, kwargs)."""
    log = []
    handlers = {}
    for name in ("booked", "confirmed", "refused", "cancelled", "moved", "reassigned"):
        signal = getattr(events, f"appointment_{name}")

        def handler(sender, _name=name, **kwargs):
            log.append((_name, kwargs))

        handlers[signal] = handler
        signal.connect(handler)
    yield log
    for signal, handler in handlers.items():
        signal.disconnect(handler)


def book(service, reason, start=None, **kwargs):
    return appointment_book(
        service=service,
        reason=reason,
        start=start or local(TUESDAY, 13),
        citizen=kwargs.pop("citizen", None) or CitizenFactory(),
        now=NOW,
        **kwargs,
    )


def test_team_booking_goes_to_the_least_loaded_agent(
    service, reason, received, django_capture_on_commit_callbacks
):
    busy, idle = (
        open_agent(service, start=time(13), end=time(16)),
        open_agent(service, start=time(13), end=time(16)),
    )
    AppointmentFactory(
        service=service,
        agent=busy,
        reason=reason,
        start=local(TUESDAY, 15),
        end=local(TUESDAY, 15, 15),
    )
    with django_capture_on_commit_callbacks(execute=True):
        appointment = book(service, reason)
    assert appointment.agent == idle
    assert appointment.booked_for_service
    assert appointment.status == Appointment.Status.CONFIRMED
    assert [name for name, _kwargs in received] == ["booked"]
    assert appointment.history.first().history_change_reason == "booked"


def test_booking_a_taken_slot_raises_slot_taken_and_writes_nothing(service, reason):
    open_agent(service, start=time(13), end=time(16))
    book(service, reason)
    with pytest.raises(SlotTaken):
        book(service, reason)
    assert Appointment.objects.count() == 1


def test_online_rules_refuse_short_notice_and_off_grid_times(service, reason):
    open_agent(service, start=time(13), end=time(16))
    with pytest.raises(BookingError) as too_soon:
        book(service, reason, start=NOW + timedelta(minutes=30))
    assert str(too_soon.value) == translated(
        "This time is too close: book at least %(hours)s hours ahead.", {"hours": 2}
    )
    with pytest.raises(BookingError) as off_grid:
        book(service, reason, start=local(TUESDAY, 13, 5))
    assert str(off_grid.value) == translated(
        "Appointments start at fixed times: choose a proposed slot."
    )
    # Staff on the phone may place it off-grid where the agent is free.
    assert book(service, reason, start=local(TUESDAY, 13, 5), channel="phone")


def test_reason_needing_confirmation_creates_a_pending_request(service, received):
    open_agent(service, start=time(13), end=time(16))
    reason = VisitReasonFactory(service=service, needs_confirmation=True)
    appointment = book(service, reason)
    assert appointment.status == Appointment.Status.PENDING
    with pytest.raises(BookingError):
        appointment_refuse(appointment=appointment, actor=None, reason="  ")
    appointment_confirm(appointment=appointment, actor=None)
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CONFIRMED


def test_citizen_limit_per_service(service, reason, settings):
    settings.MAX_ACTIVE_APPOINTMENTS_PER_CITIZEN = 1
    open_agent(service, start=time(13), end=time(16))
    citizen = CitizenFactory()
    book(service, reason, citizen=citizen)
    with pytest.raises(BookingError) as refusal:
        book(service, reason, start=local(TUESDAY, 14), citizen=citizen)
    assert str(refusal.value) == translated(
        "You cannot book more upcoming appointments with this service online: "
        "please call the service."
    )


def test_cancel_is_soft_and_frees_the_slot(service, reason):
    open_agent(service, start=time(13), end=time(16))
    appointment = book(service, reason)
    appointment_cancel(appointment=appointment, by_citizen=True, now=NOW, reason="")
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CANCELLED
    assert book(service, reason).pk != appointment.pk


def test_move_keeps_the_agent_free_check(service, reason):
    agent = open_agent(service, start=time(13), end=time(16))
    first = book(service, reason)
    second = book(service, reason, start=local(TUESDAY, 14))
    with pytest.raises(SlotTaken):
        appointment_move(appointment=second, start=first.start)
    moved = appointment_move(appointment=second, start=local(TUESDAY, 15))
    assert (moved.start, moved.agent) == (local(TUESDAY, 15), agent)


def test_reassign_only_to_a_free_agent_of_the_service(service, reason):
    first, second, third = (
        open_agent(service, start=time(13), end=time(16)) for _ in range(3)
    )
    appointment = book(service, reason)  # all free: goes to the lowest id
    assert appointment.agent == first
    AppointmentFactory(
        service=service,
        agent=third,
        reason=reason,
        start=appointment.start,
        end=appointment.end,
    )
    assert reassignable_agents(appointment) == [second]
    with pytest.raises(BookingError) as busy:
        appointment_reassign(appointment=appointment, agent=third, actor=None)
    assert str(busy.value) == translated(
        "%(agent)s is not available at that time.", {"agent": third}
    )
    appointment_reassign(appointment=appointment, agent=second, actor=None)
    appointment.refresh_from_db()
    assert appointment.agent == second


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs real concurrency")
@pytest.mark.django_db(transaction=True)
def test_twenty_simultaneous_bookings_of_capacity_three_create_three(service, reason):
    for _ in range(3):
        open_agent(service, start=time(13), end=time(16))
    citizens = [CitizenFactory() for _ in range(20)]
    barrier = threading.Barrier(20)
    outcomes = []

    def attempt(citizen):
        try:
            barrier.wait()
            book(service, reason, citizen=citizen)
            outcomes.append("booked")
        except SlotTaken:
            outcomes.append("taken")
        finally:
            connection.close()  # each thread had its own connection

    threads = [threading.Thread(target=attempt, args=(c,)) for c in citizens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes).count("booked") == 3
    assert outcomes.count("taken") == 17
    assert Appointment.objects.filter(start=local(TUESDAY, 13)).count() == 3


# --- Issue 14, point 1: anonymous bookings and known citizens --------------------


def test_an_anonymous_booking_never_changes_a_known_citizen_and_its_messages_use_its_own_contact(  # noqa: E501
    service, reason, django_capture_on_commit_callbacks
):
    from booking.services import BookingContact, citizen_for_booking
    from messaging.models import Message
    from messaging.services import reminders_create

    open_agent(service, start=time(13), end=time(16))
    open_agent(service, start=time(13), end=time(16))
    known = CitizenFactory(
        last_name="Dupont",
        first_name="Marie",
        email="marie.dupont@example.be",
        phone="+32470111111",
        language="fr",
        address="",
    )
    own = AppointmentFactory(
        service=service,
        reason=reason,
        citizen=known,
        start=local(TUESDAY, 15),
        end=local(TUESDAY, 15, 15),
        contact_email=known.email,
        contact_phone=known.phone,
        contact_language="fr",
    )
    history_before = known.history.count()

    # Someone who knows her names and e-mail books with his own phone, in Dutch.
    citizen = citizen_for_booking(
        last_name="DUPONT",
        first_name="marie",
        email="Marie.Dupont@example.be",
        phone="+32470999999",
        language="nl",
        address="Rue du Voleur 1",
    )
    assert citizen == known
    with django_capture_on_commit_callbacks(execute=True):
        appointment = book(
            service,
            reason,
            citizen=citizen,
            contact=BookingContact(
                email="Marie.Dupont@example.be",
                phone="+32470999999",
                language="nl",
                address="Rue du Voleur 1",
            ),
        )

    known.refresh_from_db()
    assert (str(known.phone), known.language, known.address) == (
        "+32470111111",
        "fr",
        "",
    )
    assert known.history.count() == history_before
    assert (str(appointment.contact_phone), appointment.contact_language) == (
        "+32470999999",
        "nl",
    )
    sms = Message.objects.get(appointment=appointment, channel="sms")
    assert (sms.recipient, sms.language) == ("+32470999999", "nl")

    # Her own appointment's reminder still goes to her own phone, in French.
    reminders_create(day=TUESDAY, now=NOW)
    reminder = Message.objects.get(appointment=own, event="reminder", channel="sms")
    assert (reminder.recipient, reminder.language) == ("+32470111111", "fr")
    assert not Message.objects.filter(
        appointment=own, recipient="+32470999999"
    ).exists()


def test_a_national_number_the_known_citizen_lacks_makes_a_new_citizen(db):
    from booking.services import citizen_for_booking

    known = CitizenFactory(
        last_name="Dupont", first_name="Marie", email="marie@example.be"
    )
    found = citizen_for_booking(
        last_name="Dupont",
        first_name="Marie",
        email="marie@example.be",
        national_number="85.07.30-033.28",
    )
    assert found.pk is None  # a new person, for staff to merge if it is her
    known.refresh_from_db()
    assert known.national_number == ""


def test_the_same_booking_twice_is_refused_as_a_duplicate(service, reason):
    from booking.services import DuplicateBooking

    open_agent(service, start=time(13), end=time(16))
    open_agent(
        service, start=time(13), end=time(16)
    )  # room for a second booking at that time
    citizen = CitizenFactory(email="marie@example.be")
    book(service, reason, citizen=citizen)
    stranger_copy = CitizenFactory.build(
        last_name=citizen.last_name.upper(),
        first_name=citizen.first_name,
        email="MARIE@example.be",
    )
    with pytest.raises(DuplicateBooking):
        book(service, reason, citizen=stranger_copy)
    assert Appointment.objects.count() == 1


# --- Merging citizens ------------------------------------------------------------


@pytest.fixture
def two_maries(service, reason):
    older = CitizenFactory(
        last_name="Dupont",
        first_name="Marie",
        email="marie@example.be",
        phone="+32470111111",
        national_number="",
    )
    newer = CitizenFactory(
        last_name="Dupont",
        first_name="Marie",
        email="marie@example.be",
        phone="+32470222222",
        national_number="85073003328",
        address="Rue Haute 1",
    )
    appointments = [
        AppointmentFactory(
            service=service,
            reason=reason,
            citizen=citizen,
            start=local(TUESDAY, 13 + index),
            end=local(TUESDAY, 13 + index, 15),
            contact_email=citizen.email,
            contact_phone=f"+3247033333{index}",
        )
        for index, citizen in enumerate((older, newer, newer))
    ]
    return older, newer, appointments


def test_citizen_merge_moves_the_appointments_completes_the_kept_citizen_and_keeps_history(  # noqa: E501
    two_maries, administrator
):
    from booking.models import Citizen
    from booking.services import citizen_merge

    older, newer, appointments = two_maries
    contacts = {a.pk: (a.contact_email, str(a.contact_phone)) for a in appointments}
    kept = citizen_merge(keep=older, others=[newer], actor=administrator)

    assert kept == older
    assert not Citizen.objects.filter(pk=newer.pk).exists()
    for appointment in appointments:
        appointment.refresh_from_db()
        assert appointment.citizen_id == older.pk
        # Each appointment keeps the contact its booking gave.
        assert (
            appointment.contact_email,
            str(appointment.contact_phone),
        ) == contacts[appointment.pk]
    moved = appointments[1].history.first()
    assert moved.history_change_reason == f"citizen #{newer.pk} merged into #{older.pk}"
    assert moved.history_user == administrator
    kept.refresh_from_db()
    # Her own phone stays; what she lacked comes from the merged row.
    assert str(kept.phone) == "+32470111111"
    assert (kept.national_number, kept.address) == ("85073003328", "Rue Haute 1")
    assert kept.history.first().history_change_reason == f"merged with #{newer.pk}"
    gone = Citizen.history.filter(id=newer.pk).first()
    assert gone.history_type == "-"
    assert gone.history_change_reason == f"merged into #{older.pk}"


def test_citizen_merge_refuses_two_different_people(two_maries, administrator):
    from booking.services import citizen_merge

    _older, newer, _appointments = two_maries
    other = CitizenFactory(
        last_name="Dupont", first_name="Marie", national_number="93051822361"
    )
    with pytest.raises(BookingError) as refused:
        citizen_merge(keep=newer, others=[other], actor=administrator)
    assert refused.value.message == translated(
        "%(a)s and %(b)s have different national register numbers.",
        {"a": f"DUPONT Marie (#{newer.pk})", "b": f"DUPONT Marie (#{other.pk})"},
    )
    assert other.appointments.count() == 0
    other.refresh_from_db()  # still there


def test_only_administrators_and_managers_of_every_appointment_may_merge(
    two_maries, service, administrator
):
    from booking.services import may_merge_citizens
    from core.roles import AGENT, SERVICE_MANAGER
    from staffing.models import Membership
    from tests.factories import AgentFactory

    older, newer, _appointments = two_maries
    manager = AgentFactory(user__groups=[SERVICE_MANAGER])
    MembershipFactory(agent=manager, service=service, role=Membership.Role.MANAGER)
    agent = AgentFactory(user__groups=[AGENT])
    MembershipFactory(agent=agent, service=service)

    assert may_merge_citizens(administrator, [older, newer])
    assert may_merge_citizens(manager.user, [older, newer])
    assert not may_merge_citizens(agent.user, [older, newer])
    # An appointment in a service the manager does not manage: not his to merge.
    AppointmentFactory(citizen=newer)
    assert not may_merge_citizens(manager.user, [older, newer])
    assert may_merge_citizens(administrator, [older, newer])
