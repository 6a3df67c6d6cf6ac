"""The ``seed_demo`` command loads a coherent demo commune, once: the rows of
``fixtures/`` and, around today, citizens and appointments."""

import re
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from io import StringIO
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
import time_machine
import yaml
from django.conf import settings as live_settings
from django.contrib.auth.models import User
from django.core import serializers
from django.core.management import CommandError, call_command
from django.http import HttpRequest
from django.utils import timezone
from stdnum.be import nn

from booking.management.commands.seed_demo import FIXTURES, REFERENCE_DAY, placed
from booking.models import Appointment, Citizen, VisitReason
from core.models import Commune
from staffing import availability
from staffing.closures import belgian_public_holidays
from staffing.models import (
    Agent,
    AvailabilityException,
    Closure,
    Membership,
    Service,
    TypicalWeek,
    TypicalWeekRange,
)

pytestmark = pytest.mark.django_db

BRUSSELS = ZoneInfo("Europe/Brussels")
BELGIAN_MOBILE = re.compile(r"^\+324[5-9]\d{7}$")


def seed() -> str:
    """Run the command and return what it printed (tests run with DEBUG off)."""
    out = StringIO()
    call_command("seed_demo", force=True, stdout=out)
    return out.getvalue()


def fixture_rows(name: str) -> list:
    """The unsaved rows of one file of fixtures/."""
    path = live_settings.BASE_DIR / "fixtures" / name
    with path.open(encoding="utf-8") as stream:
        return [item.object for item in serializers.deserialize("yaml", stream)]


def counts() -> dict[str, int]:
    models = (
        User,
        Commune,
        Service,
        Agent,
        Membership,
        VisitReason,
        Citizen,
        Appointment,
        TypicalWeek,
        TypicalWeekRange,
        AvailabilityException,
        Closure,
    )
    rows = {model.__name__: model.objects.count() for model in models}
    rows["history"] = sum(
        model.history.count() for model in models if hasattr(model, "history")
    )
    return rows


def test_loads_a_realistic_commune():
    output = seed()

    assert Commune.objects.get_solo().name == "Commune de Démo-sur-Meuse"
    assert Service.objects.count() == 4
    assert 10 <= Agent.objects.count() <= 14
    assert VisitReason.objects.count() == 15
    assert Citizen.objects.count() == 200
    assert Appointment.objects.count() >= 250
    assert VisitReason.objects.filter(online_bookable=False).exists()
    assert VisitReason.objects.filter(needs_confirmation=True).exists()
    urbanisme = Service.objects.get(slug="urbanisme")
    assert urbanisme.citizens_choose_agent
    assert urbanisme.needs_confirmation
    assert Service.objects.get(slug="etrangers").requires_national_number
    assert "Demo logins (password = username):" in output
    assert "  administrator: admin / admin" in output


def test_citizens_have_valid_phones_and_national_numbers():
    seed()

    phones = Citizen.objects.exclude(phone="").values_list("phone", flat=True)
    assert phones
    assert all(BELGIAN_MOBILE.match(str(phone)) for phone in phones)
    with_number = Citizen.objects.exclude(national_number="")
    assert 25 <= with_number.count() <= 35
    for citizen in with_number:
        assert nn.is_valid(citizen.national_number)
        assert nn.get_birth_date(citizen.national_number) == citizen.birth_date


def test_no_agent_has_overlapping_active_appointments():
    seed()

    by_agent = defaultdict(list)
    for appointment in Appointment.objects.active().select_related("reason"):
        by_agent[appointment.agent_id].append(appointment)
    for appointments in by_agent.values():
        appointments.sort(key=lambda appointment: appointment.start)
        for previous, following in pairwise(appointments):
            assert previous.end + previous.reason.buffer <= following.start


def test_appointments_lie_in_their_agents_openings_on_the_grid():
    seed()
    appointments = list(Appointment.objects.select_related("service"))
    first_day = min(a.start for a in appointments).astimezone(BRUSSELS).date()
    last_day = max(a.end for a in appointments).astimezone(BRUSSELS).date()
    window = availability.Interval(
        datetime.combine(first_day, time(), tzinfo=BRUSSELS),
        datetime.combine(last_day + timedelta(days=1), time(), tzinfo=BRUSSELS),
    )
    closed_days = defaultdict(set)  # service id (None: all) -> days
    for day in belgian_public_holidays(first_day, last_day):
        closed_days[None].add(day)
    for closure in Closure.objects.all():
        day = closure.start_date
        while day <= closure.end_date:
            closed_days[closure.service_id].add(day)
            day += timedelta(days=1)

    free = {}
    for agent_id, service_id in {(a.agent_id, a.service_id) for a in appointments}:
        weeks = tuple(
            availability.TypicalWeek(
                week.valid_from,
                week.valid_until,
                week.repeat_every,
                tuple(
                    availability.WeeklyRange(r.weekday, r.start, r.end)
                    for r in week.ranges.all()
                ),
            )
            for week in TypicalWeek.objects.filter(
                agent_id=agent_id, service_id=service_id
            )
        )
        exceptions = AvailabilityException.objects.filter(agent_id=agent_id)
        extra = exceptions.filter(kind="extra_opening", service_id=service_id)
        unavailable = exceptions.filter(kind="unavailable")
        closures = [
            availability.Interval(
                datetime.combine(day, time(), tzinfo=BRUSSELS),
                datetime.combine(day + timedelta(days=1), time(), tzinfo=BRUSSELS),
            )
            for day in closed_days[None] | closed_days[service_id]
        ]
        calendar = availability.AgentCalendar(
            agent_id=agent_id,
            typical_weeks=weeks,
            extra_openings=tuple(availability.Interval(e.start, e.end) for e in extra),
            unavailable=tuple(
                availability.Interval(e.start, e.end) for e in unavailable
            ),
        )
        free[(agent_id, service_id)] = availability.free_intervals(
            calendar, window, BRUSSELS, availability.merge(closures)
        )

    for appointment in appointments:
        booked = availability.Interval(appointment.start, appointment.end)
        assert any(
            opening.contains(booked)
            for opening in free[(appointment.agent_id, appointment.service_id)]
        ), appointment
        local_start = appointment.start.astimezone(BRUSSELS)
        minute_of_day = local_start.hour * 60 + local_start.minute
        assert minute_of_day % appointment.service.slot_minutes == 0


def test_an_agent_in_two_services_has_disjoint_typical_weeks():
    seed()

    ranges_by_agent = defaultdict(list)
    for weekly in TypicalWeekRange.objects.select_related("typical_week"):
        ranges_by_agent[weekly.typical_week.agent_id].append(weekly)
    assert any(
        len({r.typical_week.service_id for r in ranges}) > 1
        for ranges in ranges_by_agent.values()
    )
    for ranges in ranges_by_agent.values():
        for one in ranges:
            for other in ranges:
                if one.typical_week.service_id == other.typical_week.service_id:
                    continue
                assert (
                    one.weekday != other.weekday
                    or one.end <= other.start
                    or other.end <= one.start
                )


def test_statuses_match_the_time_and_the_channel():
    seed()
    now = timezone.now()
    Status = Appointment.Status

    for appointment in Appointment.objects.select_related("reason", "service"):
        assert appointment.end > appointment.start
        if appointment.end <= now:
            assert appointment.status in (Status.DONE, Status.NO_SHOW, Status.CANCELLED)
        elif appointment.start > now:
            assert appointment.status in (
                Status.PENDING,
                Status.CONFIRMED,
                Status.CANCELLED,
            )
        if appointment.status == Status.PENDING:
            assert appointment.reason.requires_confirmation()
        if appointment.status == Status.CANCELLED:
            assert appointment.cancellation_reason
        if appointment.channel == Appointment.Channel.WEB:
            assert appointment.created_by is None
            assert appointment.reason.online_bookable
        else:
            assert appointment.created_by == appointment.agent.user
        assert appointment.booked_for_service != (
            appointment.service.citizens_choose_agent
        )
        assert appointment.created_at <= now
        # Booked ahead of the visit, not all "now" (bulk_create's auto_now_add).
        assert appointment.created_at < appointment.start
    statuses = set(Appointment.objects.values_list("status", flat=True))
    assert {Status.DONE, Status.NO_SHOW, Status.CANCELLED, Status.CONFIRMED} <= (
        statuses
    )


def test_running_twice_adds_nothing():
    seed()
    before = counts()
    passwords = dict(User.objects.values_list("username", "password"))

    output = seed()

    assert counts() == before
    assert dict(User.objects.values_list("username", "password")) == passwords
    assert "Demo data already present: nothing loaded." in output
    assert "  agent: agent / agent" in output


def test_the_fixtures_are_what_gets_loaded():
    seed()

    for name in FIXTURES:
        rows = fixture_rows(name)
        assert rows, name
        for row in rows:
            if isinstance(row, User):
                stored = User.objects.get(username=row.username)
                assert (stored.get_full_name(), stored.email, stored.is_staff) == (
                    row.get_full_name(),
                    row.email,
                    row.is_staff,
                )
                continue
            stored = type(row).objects.get(pk=row.pk)
            for field in type(row)._meta.concrete_fields:
                if field.name in ("start", "end", "start_date", "end_date"):
                    continue  # the dated rows move around today (below)
                if field.name == "feed_token":
                    continue  # a new secret for each agent
                assert getattr(stored, field.attname) == getattr(row, field.attname), (
                    name,
                    row,
                    field.name,
                )
    # Every loaded row has its "created" history record, as if made by hand.
    assert Service.history.filter(history_type="+").count() == 4
    assert VisitReason.history.filter(history_type="+").count() == 15


def test_the_fixtures_hold_the_demo_commune():
    def rows(name: str, model: str) -> list[dict]:
        path = live_settings.BASE_DIR / "fixtures" / name
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
        return [row["fields"] for row in loaded if row["model"] == model]

    services = [row["slug"] for row in rows("services.yaml", "staffing.service")]
    assert services == ["population", "etat-civil", "etrangers", "urbanisme"]
    users = rows("staff.yaml", "auth.user")
    assert {"admin", "manager", "agent"} <= {user["username"] for user in users}
    # No password in the files ("!" is unusable): seed_demo gives the demo
    # logins theirs.
    assert {user["password"] for user in users} == {"!"}
    assert len(rows("staff.yaml", "staffing.agent")) == 11
    reasons = rows("visit_reasons.yaml", "booking.visitreason")
    assert len(reasons) == 15
    # Every text in each of the demo's four languages (issue 19, point 8).
    for field in ("name", "screen_information", "message_information"):
        for code in ("fr", "nl", "de", "en"):
            assert all(reason[f"{field}_{code}"] for reason in reasons), field
    assert (
        len(
            {reason["name_nl"] for reason in reasons}
            & {reason["name_fr"] for reason in reasons}
        )
        == 0
    )
    assert len(rows("typical_weeks.yaml", "staffing.typicalweek")) == 13


def test_new_rows_follow_the_fixtures_keys():
    """The fixtures write their primary keys: the sequences move past them
    (PostgreSQL), so the next row made by hand gets a free one."""
    seed()

    service = Service.objects.create(name="Mobilité", slug="mobilite")
    closure = Closure.objects.create(
        label="Pont", start_date=date(2031, 5, 30), end_date=date(2031, 5, 30)
    )

    assert service.pk > 4
    assert closure.pk > 2


def test_dated_rows_fall_around_today_on_their_weekday():
    seed()
    today = timezone.localdate()
    holidays = belgian_public_holidays(
        today - timedelta(days=30), today + timedelta(days=60)
    )
    written = {(type(row), row.pk): row for row in fixture_rows("around_today.yaml")}

    closed = set()
    for closure in Closure.objects.all():
        row = written[(Closure, closure.pk)]
        offset = (row.start_date - REFERENCE_DAY).days
        assert closure.start_date.weekday() == row.start_date.weekday()
        assert offset <= (closure.start_date - today).days < offset + 7 + 14
        assert closure.start_date not in holidays
        assert closure.end_date - closure.start_date == row.end_date - row.start_date
        closed.add(closure.start_date)
    for exception in AvailabilityException.objects.all():
        row = written[(AvailabilityException, exception.pk)]
        start, end = (
            timezone.localtime(exception.start),
            timezone.localtime(exception.end),
        )
        was_start, was_end = timezone.localtime(row.start), timezone.localtime(row.end)
        assert (start.time(), end.time()) == (was_start.time(), was_end.time())
        assert start.weekday() == was_start.weekday()
        assert (end.date() - start.date()) == (was_end.date() - was_start.date())
        offset = (was_start.date() - REFERENCE_DAY).days
        assert offset <= (start.date() - today).days < offset + 7 + 14
        assert start.date() not in closed.union(holidays)
    # The extra Saturday falls on a week without Population's own Saturday.
    extra = AvailabilityException.objects.get(kind="extra_opening")
    saturday = timezone.localtime(extra.start).date()
    assert (
        not TypicalWeekRange.objects.filter(
            typical_week__service=extra.service, weekday=saturday.weekday()
        )
        .exclude(typical_week__repeat_every=2)
        .exists()
    )
    biweekly = TypicalWeek.objects.get(service=extra.service, repeat_every=2)
    weeks_apart = (saturday - biweekly.valid_from).days // 7
    assert weeks_apart % 2 == 1


def test_a_dated_row_falling_on_a_public_holiday_moves_a_week_on():
    # From Wednesday 17 March 2027 the local feast (a Monday, a week after the
    # reference day) would fall on Easter Monday, 29 March.
    with time_machine.travel(datetime(2027, 3, 17, 10, tzinfo=BRUSSELS), tick=True):
        seed()

    feast = Closure.objects.get(service=None)
    assert feast.start_date == feast.end_date == date(2027, 4, 5)


def test_placed_keeps_the_weekday_and_the_distance_from_today():
    never = lambda day: False  # noqa: E731
    monday, tuesday = REFERENCE_DAY, REFERENCE_DAY + timedelta(days=1)
    thursday = date(2027, 6, 10)

    assert placed(monday, thursday, never) == date(2027, 6, 14)
    assert placed(tuesday, thursday, never) == date(2027, 6, 15)
    assert placed(monday - timedelta(days=14), thursday, never) == date(2027, 5, 31)
    assert placed(monday, date(2027, 6, 14), never) == date(2027, 6, 14)
    assert placed(monday, thursday, {date(2027, 6, 14)}.__contains__) == date(
        2027, 6, 21
    )


def test_the_three_demo_users_can_log_in(client):
    seed()

    for username in ("admin", "manager", "agent"):
        # django-axes checks every login against its request.
        assert client.login(
            request=HttpRequest(), username=username, password=username
        ), username
        client.logout()
    assert not client.login(
        request=HttpRequest(), username="m.dubois", password="m.dubois"
    )


def test_refuses_to_run_with_debug_off_unless_forced(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--force"):
        call_command("seed_demo", stdout=StringIO())
    assert not Service.objects.exists()
    assert not User.objects.filter(username="admin").exists()

    seed()  # --force
    assert Service.objects.exists()


def test_runs_without_force_when_debug_is_on(settings):
    settings.DEBUG = True  # as ``make run`` sets it
    call_command("seed_demo", stdout=StringIO())
    assert User.objects.filter(username="admin").exists()


def test_the_runtime_lock_reads_the_fixtures():
    """`make run` installs the runtime lock alone, and the fixtures are YAML."""
    lock = (live_settings.BASE_DIR / "requirements.lock").read_text()
    assert re.search(r"^PyYAML==", lock, re.MULTILINE)


def test_the_demos_arrival_reason_lets_newcomers_book_without_a_number():
    """Issue 20, point 3: Étrangers requires the national register number, but
    its "Déclaration d'arrivée (citoyen UE)" asks it as optional, with "I do
    not have one yet"; its other reasons follow the service."""
    reasons = {
        reason.name_fr: reason
        for reason in fixture_rows("visit_reasons.yaml")
        if reason.service_id == 3  # Étrangers
    }
    services = {service.pk: service for service in fixture_rows("services.yaml")}
    arrival = reasons["Déclaration d'arrivée (citoyen de l'Union européenne)"]
    arrival.service = services[3]
    asked = arrival.details_asked()
    assert asked.national_number == "optional"
    assert asked.offers_no_national_number
    for name, reason in reasons.items():
        if reason is not arrival:
            reason.service = services[3]
            assert reason.details_asked().required == ["national_number"], name


def test_the_demos_identity_card_takes_a_family_of_five():
    """Issue 25, point 3: a family renews its identity cards together, up to
    five people, ten minutes more for each one after the first."""
    [eid] = [
        reason
        for reason in fixture_rows("visit_reasons.yaml")
        if reason.name_fr.startswith("Carte d'identité électronique")
    ]
    assert (eid.max_people, eid.minutes_per_extra_person) == (5, 10)
    assert eid.duration_for(3) == eid.duration + timedelta(minutes=20)
    eid.full_clean(exclude=["service"])
    others = [
        reason for reason in fixture_rows("visit_reasons.yaml") if reason.pk != eid.pk
    ]
    assert all(reason.max_people == 1 for reason in others)
