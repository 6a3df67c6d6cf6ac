"""The shared cache of slot searches (issue 17): the answers of a computed
search, and never one older than the last committed change."""

from datetime import date, time, timedelta

import pytest
import time_machine
from django.core.cache import cache

from booking import slots as slot_search
from booking.services import (
    DuplicateBooking,
    SlotTaken,
    appointment_book,
    appointment_cancel,
    appointment_move,
    appointment_reassign,
)
from booking.slots import SearchCriteria, first_free_slots, search_slots
from staffing.models import AvailabilityException, Closure, Membership, TypicalWeek
from staffing.services import (
    exception_create,
    exception_delete,
    typical_week_delete,
    typical_week_save,
)
from tests.factories import (
    AppointmentFactory,
    AvailabilityExceptionFactory,
    CitizenFactory,
    ServiceFactory,
    VisitReasonFactory,
    local,
    open_agent,
)

pytestmark = pytest.mark.django_db

MONDAY, TUESDAY = date(2027, 1, 4), date(2027, 1, 5)
NOW = local(MONDAY, 9)


@pytest.fixture(autouse=True)
def clock():
    """The day before TUESDAY, ticking: what the services read agrees with NOW."""
    with time_machine.travel(NOW, tick=True) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def shared_cache(settings):
    """The cache on, empty at the start and at the end of each test."""
    settings.SLOT_CACHE_SECONDS = 600
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def service():
    return ServiceFactory(slot_minutes=15, min_notice_hours=0, max_horizon_days=60)


@pytest.fixture
def reason(service):
    return VisitReasonFactory(service=service, duration_minutes=15)


def tuesday(service, reason, **criteria) -> dict:
    """Tuesday's slots as {local "HH:MM": agent ids}."""
    found = search_slots(
        service,
        reason,
        start=local(TUESDAY, 0),
        end=local(TUESDAY + timedelta(days=1), 0),
        criteria=SearchCriteria(**criteria),
    )
    tz = local(TUESDAY, 0).tzinfo
    return {f"{slot.start.astimezone(tz):%H:%M}": slot.agent_ids for slot in found}


def book(service, reason, hour, minute=0, **kwargs):
    return appointment_book(
        service=service,
        reason=reason,
        start=local(TUESDAY, hour, minute),
        citizen=kwargs.pop("citizen", None) or CitizenFactory(),
        now=NOW,
        **kwargs,
    )


def test_cached_searches_answer_as_computed_ones(
    settings, service, reason, django_assert_num_queries
):
    first = open_agent(service, weekdays=range(5), start=time(8), end=time(17))
    second = open_agent(service, weekdays=[1, 3], start=time(13), end=time(19))
    AppointmentFactory(
        service=service,
        agent=first,
        reason=reason,
        start=local(TUESDAY, 9),
        end=local(TUESDAY, 9, 45),
    )
    AvailabilityExceptionFactory(
        agent=second, start=local(TUESDAY, 14), end=local(TUESDAY, 15)
    )
    Closure.objects.create(label="Inventaire", start_date=MONDAY, end_date=MONDAY)
    searches = [
        lambda: search_slots(
            service,
            reason,
            start=local(MONDAY, 10, 7),
            end=local(MONDAY + timedelta(days=14), 0),
        ),
        lambda: search_slots(
            service,
            reason,
            start=local(MONDAY, 0),
            end=local(MONDAY + timedelta(days=9), 12),
            criteria=SearchCriteria(weekdays={1, 3}, parts={"afternoon"}),
        ),
        lambda: search_slots(
            service,
            reason,
            start=local(MONDAY, 0),
            end=local(MONDAY + timedelta(days=7), 0),
            criteria=SearchCriteria(agent_id=second.pk),
        ),
        lambda: first_free_slots(service, reason, n=40, now=NOW),
        lambda: first_free_slots(
            service, reason, SearchCriteria(parts={"evening"}), n=12, now=NOW
        ),
        lambda: first_free_slots(
            service, reason, n=5, now=NOW, after=local(TUESDAY, 16)
        ),
    ]
    settings.SLOT_CACHE_SECONDS = 0
    computed = [search() for search in searches]
    assert all(computed)
    settings.SLOT_CACHE_SECONDS = 600
    assert [search() for search in searches] == computed  # kept on the way
    with django_assert_num_queries(0):
        assert [search() for search in searches] == computed


def test_a_booking_takes_its_time_out_of_the_cached_searches(
    service, reason, django_capture_on_commit_callbacks
):
    agent = open_agent(service, start=time(13), end=time(16))
    assert tuesday(service, reason)["13:00"] == (agent.pk,)
    with django_capture_on_commit_callbacks(execute=True):
        book(service, reason, 13)
    assert "13:00" not in tuesday(service, reason)
    assert "13:15" in tuesday(service, reason)


def test_a_cancellation_gives_its_time_back(
    service, reason, django_capture_on_commit_callbacks
):
    open_agent(service, start=time(13), end=time(16))
    with django_capture_on_commit_callbacks(execute=True):
        appointment = book(service, reason, 13)
    assert "13:00" not in tuesday(service, reason)
    with django_capture_on_commit_callbacks(execute=True):
        appointment_cancel(appointment=appointment, reason="test")
    assert "13:00" in tuesday(service, reason)


def test_a_move_frees_the_old_time_and_takes_the_new(
    service, reason, django_capture_on_commit_callbacks
):
    open_agent(service, start=time(13), end=time(16))
    with django_capture_on_commit_callbacks(execute=True):
        appointment = book(service, reason, 13)
    before = tuesday(service, reason)
    assert "13:00" not in before
    assert "14:00" in before
    with django_capture_on_commit_callbacks(execute=True):
        appointment_move(appointment=appointment, start=local(TUESDAY, 14))
    after = tuesday(service, reason)
    assert "13:00" in after
    assert "14:00" not in after


def test_a_reassignment_hands_the_time_from_one_agent_to_the_other(
    service, reason, django_capture_on_commit_callbacks
):
    first = open_agent(service, start=time(13), end=time(16))
    second = open_agent(service, start=time(13), end=time(16))
    with django_capture_on_commit_callbacks(execute=True):
        appointment = book(service, reason, 13, agent=first, channel="phone")
    assert tuesday(service, reason)["13:00"] == (second.pk,)
    with django_capture_on_commit_callbacks(execute=True):
        appointment_reassign(appointment=appointment, agent=second, actor=None)
    assert tuesday(service, reason)["13:00"] == (first.pk,)


def test_a_booking_in_another_service_takes_the_agent_out_of_this_one(
    service, reason, django_capture_on_commit_callbacks
):
    agent = open_agent(service, start=time(13), end=time(16))
    other = ServiceFactory(slot_minutes=15, min_notice_hours=0)
    other_reason = VisitReasonFactory(service=other, duration_minutes=15)
    open_agent(other, agent, start=time(13), end=time(16))
    assert "13:00" in tuesday(service, reason)
    with django_capture_on_commit_callbacks(execute=True):
        book(other, other_reason, 13)
    assert "13:00" not in tuesday(service, reason)


def test_a_calendar_change_reaches_the_cached_searches_whoever_writes_it(
    service, reason, django_capture_on_commit_callbacks
):
    agent = open_agent(service, start=time(13), end=time(16))
    AppointmentFactory(
        service=service,
        agent=agent,
        reason=reason,
        start=local(TUESDAY, 14),
        end=local(TUESDAY, 14, 15),
    )
    assert "14:15" in tuesday(service, reason)
    with django_capture_on_commit_callbacks(execute=True):
        exception = AvailabilityExceptionFactory(
            agent=agent, start=local(TUESDAY, 12), end=local(TUESDAY, 13, 30)
        )
    assert min(tuesday(service, reason)) == "13:30"
    with django_capture_on_commit_callbacks(execute=True):
        exception.delete()
    assert min(tuesday(service, reason)) == "13:00"
    with django_capture_on_commit_callbacks(execute=True):
        closure = Closure.objects.create(
            label="Fête", start_date=TUESDAY, end_date=TUESDAY
        )
    assert tuesday(service, reason) == {}
    with django_capture_on_commit_callbacks(execute=True):
        closure.delete()
        reason.buffer_minutes = 15  # the buffer follows each of its bookings
        reason.save()
    assert "14:15" not in tuesday(service, reason)
    assert "14:30" in tuesday(service, reason)


# Each change of availability, made as the screens and imports make it
# (staffing.services), takes the times it removes out of the cached searches.


def test_a_typical_week_edited_or_deleted_takes_its_times_out(
    service, reason, django_capture_on_commit_callbacks
):
    agent = open_agent(service, start=time(13), end=time(16))
    week = TypicalWeek.objects.get(agent=agent, service=service)
    assert "13:00" in tuesday(service, reason)
    with django_capture_on_commit_callbacks(execute=True):
        typical_week_save(
            agent=agent,
            service=service,
            valid_from=week.valid_from,
            valid_until=None,
            repeat_every=1,
            ranges=[(1, time(14), time(16))],  # Tuesdays from 14:00 only
            week=week,
            actor=None,
        )
    assert min(tuesday(service, reason)) == "14:00"
    with django_capture_on_commit_callbacks(execute=True):
        typical_week_delete(week=week, actor=None)
    assert tuesday(service, reason) == {}


def test_an_extra_opening_withdrawn_takes_its_times_out(
    service, reason, django_capture_on_commit_callbacks
):
    agent = open_agent(service, start=time(13), end=time(16))
    with django_capture_on_commit_callbacks(execute=True):
        extra = exception_create(
            agent=agent,
            kind=AvailabilityException.Kind.EXTRA_OPENING,
            start=local(TUESDAY, 17),
            end=local(TUESDAY, 18),
            service=service,
            actor=None,
        )
    assert "17:00" in tuesday(service, reason)
    with django_capture_on_commit_callbacks(execute=True):
        exception_delete(exception=extra, actor=None)
    assert "17:00" not in tuesday(service, reason)
    assert "13:00" in tuesday(service, reason)


def test_an_unavailability_takes_its_times_out(
    service, reason, django_capture_on_commit_callbacks
):
    agent = open_agent(service, start=time(13), end=time(16))
    assert "13:00" in tuesday(service, reason)
    with django_capture_on_commit_callbacks(execute=True):
        exception_create(
            agent=agent,
            kind=AvailabilityException.Kind.UNAVAILABLE,
            start=local(TUESDAY, 13),
            end=local(TUESDAY, 14),
            actor=None,
        )
    assert min(tuesday(service, reason)) == "14:00"


def test_a_closure_takes_its_days_out(
    service, reason, django_capture_on_commit_callbacks
):
    open_agent(service, start=time(13), end=time(16))
    assert tuesday(service, reason)
    with django_capture_on_commit_callbacks(execute=True):
        Closure.objects.create(
            label="Fête", service=service, start_date=TUESDAY, end_date=TUESDAY
        )
    assert tuesday(service, reason) == {}


def test_an_agent_leaving_the_service_or_deactivated_takes_its_times_out(
    service, reason, django_capture_on_commit_callbacks
):
    first = open_agent(service, start=time(13), end=time(16))
    second = open_agent(service, start=time(13), end=time(16))
    third = open_agent(service, start=time(13), end=time(16))
    assert tuesday(service, reason)["13:00"] == (first.pk, second.pk, third.pk)
    with django_capture_on_commit_callbacks(execute=True):
        Membership.objects.get(agent=first, service=service).delete()
    assert tuesday(service, reason)["13:00"] == (second.pk, third.pk)
    with django_capture_on_commit_callbacks(execute=True):
        second.is_active = False
        second.save()
    assert tuesday(service, reason)["13:00"] == (third.pk,)


def test_a_membership_change_committed_while_a_search_reads_is_not_kept(
    service, reason, monkeypatch, django_capture_on_commit_callbacks
):
    """The calendars version is read before the memberships: an agent
    leaving right after they were read makes the result stale once kept."""
    leaving = open_agent(service, start=time(13), end=time(16))
    staying = open_agent(service, start=time(13), end=time(16))
    read = slot_search._active_agents

    def read_then_an_agent_leaves(*args, **kwargs):
        agents = read(*args, **kwargs)
        monkeypatch.setattr(slot_search, "_active_agents", read)
        with django_capture_on_commit_callbacks(execute=True):
            Membership.objects.get(agent=leaving, service=service).delete()
        return agents

    monkeypatch.setattr(slot_search, "_active_agents", read_then_an_agent_leaves)
    assert tuesday(service, reason)["13:00"] == (leaving.pk, staying.pk)
    assert tuesday(service, reason)["13:00"] == (staying.pk,)


def test_a_login_keeps_the_cached_searches(
    service, reason, django_capture_on_commit_callbacks, django_assert_num_queries
):
    agent = open_agent(service, start=time(13), end=time(16))
    tuesday(service, reason)
    with django_capture_on_commit_callbacks(execute=True):
        agent.user.last_login = NOW
        agent.user.save(update_fields=["last_login"])
    with django_assert_num_queries(0):
        tuesday(service, reason)
    with django_capture_on_commit_callbacks(execute=True):
        agent.user.is_active = False
        agent.user.save()
    assert tuesday(service, reason) == {}


def test_a_change_committed_while_a_search_reads_is_not_kept(
    service, reason, monkeypatch, django_capture_on_commit_callbacks
):
    """The versions are read before the rows: a booking committed after the
    rows were read makes the result stale as soon as it is kept."""
    open_agent(service, start=time(13), end=time(16))
    load = slot_search._load_calendars

    def load_then_someone_books(*args, **kwargs):
        loaded = load(*args, **kwargs)
        monkeypatch.setattr(slot_search, "_load_calendars", load)
        with django_capture_on_commit_callbacks(execute=True):
            book(service, reason, 13)
        return loaded

    monkeypatch.setattr(slot_search, "_load_calendars", load_then_someone_books)
    assert "13:00" in tuesday(service, reason)  # read before the booking
    assert "13:00" not in tuesday(service, reason)


def test_a_stale_cached_time_is_refused_by_the_booking_re_check(service, reason):
    """A change that left the versions alone (written around the services,
    or its version change lost) can make the cache offer a time that is gone:
    the booking's re-check under lock refuses it."""
    agent = open_agent(service, start=time(13), end=time(16))
    assert "13:00" in tuesday(service, reason)
    AppointmentFactory(
        service=service,
        agent=agent,
        reason=reason,
        start=local(TUESDAY, 13),
        end=local(TUESDAY, 13, 15),
    )
    assert "13:00" in tuesday(service, reason)  # stale, on purpose
    with pytest.raises(SlotTaken):
        book(service, reason, 13)
    # The refusal ends it: the cached searches offer that time no more.
    assert "13:00" not in tuesday(service, reason)
    assert "13:15" in tuesday(service, reason)


def test_searches_work_when_the_cache_does_not_answer(service, reason, monkeypatch):
    open_agent(service, start=time(13), end=time(16))

    def refuse(*args, **kwargs):
        raise ConnectionError("no Redis")

    for method in ("get", "get_many", "set", "set_many", "add"):
        monkeypatch.setattr(cache, method, refuse)
    assert "13:00" in tuesday(service, reason)
    assert first_free_slots(service, reason, n=1, now=NOW)[0].start == local(
        TUESDAY, 13
    )


def test_the_cache_stays_off_for_a_move_that_ignores_its_own_appointment(
    service, reason, django_assert_max_num_queries
):
    agent = open_agent(service, start=time(13), end=time(16))
    appointment = AppointmentFactory(
        service=service,
        reason=reason,
        agent=agent,
        start=local(TUESDAY, 13),
        end=local(TUESDAY, 13, 15),
    )
    start, end = local(TUESDAY, 0), local(TUESDAY + timedelta(days=1), 0)
    for _ in range(2):
        # Five to compute, and the held times (issue 25) read once, then kept.
        with django_assert_max_num_queries(6) as queries:
            found = search_slots(
                service,
                reason,
                start=start,
                end=end,
                ignore_appointment_id=appointment.pk,
            )
        computing = [query for query in queries if "booking_hold" not in query["sql"]]
        assert len(computing) == 5
        assert found[0].start == local(TUESDAY, 13)


@pytest.fixture
def locks(monkeypatch):
    """The agents locked by the booking services, call by call."""
    from booking import services

    taken = []
    lock = services._lock_agents

    def spy(agent_ids):
        taken.append(sorted(agent_ids))
        return lock(agent_ids)

    monkeypatch.setattr(services, "_lock_agents", spy)
    return taken


def test_a_time_the_cache_knows_taken_is_refused_without_waiting_for_locks(
    service, reason, locks, django_capture_on_commit_callbacks
):
    first, second = (open_agent(service, start=time(13), end=time(16)) for _ in "ab")
    with django_capture_on_commit_callbacks(execute=True):
        book(service, reason, 13, agent=first, channel="phone")
        book(service, reason, 13, agent=second, channel="phone")
    assert "13:00" not in tuesday(service, reason)  # a citizen's search, kept
    locks.clear()
    with pytest.raises(SlotTaken):
        book(service, reason, 13)
    assert locks == []
    service.citizens_choose_agent = True
    with pytest.raises(SlotTaken):  # and with a chosen agent
        book(service, reason, 13, agent=first)
    assert locks == []
    with django_capture_on_commit_callbacks(execute=True):
        book(service, reason, 13, 15, agent=first)
    assert tuesday(service, reason)["13:15"] == (second.pk,)
    locks.clear()
    with pytest.raises(SlotTaken):  # free for the other agent only
        book(service, reason, 13, 15, agent=first)
    assert locks == []


def test_the_same_person_again_is_told_so_without_waiting_for_locks(
    service, reason, locks, django_capture_on_commit_callbacks
):
    open_agent(service, start=time(13), end=time(16))
    citizen = CitizenFactory()
    with django_capture_on_commit_callbacks(execute=True):
        book(service, reason, 13, citizen=citizen)
    tuesday(service, reason)
    locks.clear()
    with pytest.raises(DuplicateBooking):
        book(service, reason, 13, citizen=citizen)
    assert locks == []


def test_a_time_no_kept_search_knows_goes_to_the_re_check_under_lock(
    service, reason, locks, settings
):
    agent = open_agent(service, start=time(13), end=time(16))
    book(service, reason, 13)  # no search of Tuesday kept
    assert locks == [[agent.pk]]
    with pytest.raises(SlotTaken):
        book(service, reason, 13)
    assert len(locks) == 2
    settings.SLOT_CACHE_SECONDS = 0
    tuesday(service, reason)
    with pytest.raises(SlotTaken):
        book(service, reason, 13)
    assert len(locks) == 3
