"""Citizens' personal data (issue 8, GDPR): export, erasure, the daily
retention sweep, the privacy page, and the national register number kept only
where a service needs it."""

import json
from datetime import date, time, timedelta
from io import StringIO

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.sessions.models import Session
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_q.models import Schedule

from booking.models import (
    Appointment,
    Citizen,
    EarlierTimeOffer,
    EarlierTimeRequest,
)
from booking.portal.phone import phone_appointment_book
from booking.privacy import months_before, privacy_sweep
from booking.services import appointment_book
from core.models import Commune
from messaging.models import Message
from messaging.schedules import install_schedules
from messaging.tasks import privacy_sweep as privacy_sweep_task
from tests.factories import (
    EVERY_DAY,
    AppointmentFactory,
    CitizenFactory,
    MessageFactory,
    VisitReasonFactory,
    local,
    open_agent,
)

PERSONAL = {
    "last_name": "Vandenberghe",
    "first_name": "Rosalie",
    "email": "rosalie.vdb@example.be",
    "phone": "+32470987654",
    "national_number": "85073003328",
    "birth_date": date(1985, 7, 30),
    "address": "Rue des Tilleuls 7, 5000 Namur",
}
# What must not survive an erasure anywhere in the database.
TRACES = [
    "Vandenberghe",
    "Rosalie",
    "rosalie.vdb@example.be",
    "470987654",
    "85073003328",
    "1985-07-30",
    "Tilleuls",
    "allergique",
]


def open_every_day(service):
    """An agent of ``service`` open every day 8:00–18:00."""
    return open_agent(
        service,
        weekdays=EVERY_DAY,
        start=time(8),
        end=time(18),
        valid_from=timezone.localdate() - timedelta(days=7),
    )


def next_ten_oclock(days: int):
    return timezone.localtime().replace(
        hour=10, minute=0, second=0, microsecond=0
    ) + timedelta(days=days)


@pytest.fixture
def rosalie(population, django_capture_on_commit_callbacks):
    """A citizen with history, a past appointment with remarks and messages,
    and an upcoming appointment booked (and confirmed by e-mail) for real."""
    citizen = Citizen(**PERSONAL)
    citizen._change_reason = "entered by phone"
    citizen.save()
    citizen.address = "Rue des Tilleuls 7 bte 2, 5000 Namur"
    citizen.save()  # a second history record, with the old address
    desk = open_every_day(population)
    reason = VisitReasonFactory(service=population, name="Passeport")
    past = AppointmentFactory(
        service=population,
        agent=desk,
        reason=reason,
        citizen=citizen,
        start=timezone.now() - timedelta(days=60),
        end=timezone.now() - timedelta(days=60) + timedelta(minutes=15),
        status=Appointment.Status.DONE,
        remarks="Ma fille est allergique au latex.",
    )
    MessageFactory(appointment=past, recipient=citizen.email, body="Bonjour Rosalie")
    with django_capture_on_commit_callbacks(execute=True):
        upcoming = appointment_book(
            service=population,
            reason=reason,
            start=next_ten_oclock(3),
            citizen=citizen,
            channel=Appointment.Channel.PHONE,
            remarks="Rosalie vient avec son ancien passeport.",
        )
    return citizen, past, upcoming


@pytest.fixture
def somebody_else(foreigners):
    desk = open_every_day(foreigners)
    citizen = CitizenFactory(last_name="Autre", email="autre.personne@example.be")
    appointment = AppointmentFactory(
        service=foreigners,
        agent=desk,
        reason=VisitReasonFactory(service=foreigners),
        citizen=citizen,
        remarks="Remarque d'une autre personne",
    )
    MessageFactory(appointment=appointment, recipient=citizen.email)
    return citizen


def export_url(citizen):
    return reverse("admin:booking_citizen_export_data", args=[citizen.pk])


def erase_url(citizen):
    return reverse("admin:booking_citizen_erase_data", args=[citizen.pk])


# --- Export ---------------------------------------------------------------------------


def test_export_holds_the_citizens_data_and_nothing_of_another(
    client, administrator, rosalie, somebody_else
):
    citizen, past, upcoming = rosalie
    client.force_login(administrator)
    # The export asks why first (issue 23: the record of who looked).
    response = client.post(export_url(citizen), {"reason": "Access request"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert f'filename="citizen-{citizen.pk}.json"' in response["Content-Disposition"]
    data = json.loads(response.content)

    assert data["citizen"]["national_number"] == "85073003328"
    assert data["citizen"]["birth_date"] == "1985-07-30"
    assert {a["id"] for a in data["appointments"]} == {past.pk, upcoming.pk}
    assert data["appointments"][0]["remarks"] == "Ma fille est allergique au latex."
    assert data["appointments"][1]["agent"] == str(upcoming.agent)
    assert {a["people"] for a in data["appointments"]} == {1}
    assert {m["recipient"] for m in data["messages"]} >= {citizen.email}
    assert all(m["appointment"] in (past.pk, upcoming.pk) for m in data["messages"])
    kinds = {(row["object"], row["action"]) for row in data["history"]}
    assert {("citizen", "created"), ("citizen", "changed")} <= kinds
    assert ("appointment", "created") in kinds
    text = response.content.decode()
    for trace in ("Autre", "autre.personne@example.be", "Remarque d'une autre"):
        assert trace not in text
    # The export itself is recorded in the admin's log.
    assert LogEntry.objects.filter(object_id=str(citizen.pk)).exists()


def test_export_holds_the_place_in_line_for_an_earlier_time_and_the_offers(
    client, administrator, rosalie
):
    citizen, past, upcoming = rosalie
    request = EarlierTimeRequest.objects.create(
        appointment=upcoming, weekdays=[0, 2], parts=["morning"]
    )
    offered = upcoming.start - timedelta(days=1)
    EarlierTimeOffer.objects.create(
        request=request,
        start=offered,
        agent=upcoming.agent,
        expires_at=timezone.now() + timedelta(minutes=30),
        status=EarlierTimeOffer.Status.DECLINED,
        channels="email,sms",
    )
    client.force_login(administrator)
    data = json.loads(
        client.post(export_url(citizen), {"reason": "Access request"}).content
    )
    by_id = {appointment["id"]: appointment for appointment in data["appointments"]}
    assert by_id[past.pk]["earlier_time_request"] is None
    line = by_id[upcoming.pk]["earlier_time_request"]
    assert line["status"] == "waiting"
    assert line["weekdays"] == [0, 2]
    assert line["parts_of_the_day"] == ["morning"]
    assert line["offers"] == [
        {
            "start": timezone.localtime(offered).isoformat(),
            "status": "declined",
            "sent_at": line["offers"][0]["sent_at"],
            "sent_by": "email,sms",
            "held_until": line["offers"][0]["held_until"],
            "answered_at": None,
        }
    ]


def test_an_agent_exports_only_citizens_of_his_or_her_services(
    client, agent, rosalie, somebody_else
):
    citizen, _past, _upcoming = rosalie
    client.force_login(agent.user)
    assert client.get(export_url(citizen)).status_code == 200
    assert client.get(export_url(somebody_else)).status_code == 403
    change = client.get(reverse("admin:booking_citizen_change", args=[citizen.pk]))
    assert export_url(citizen) in change.content.decode()
    other = client.get(
        reverse("admin:booking_citizen_change", args=[somebody_else.pk])
    ).content.decode()
    assert export_url(somebody_else) not in other
    assert erase_url(somebody_else) not in other


# --- Erasure --------------------------------------------------------------------------


def test_erase_asks_for_confirmation_and_lists_what_it_cancels(
    client, administrator, rosalie
):
    citizen, _past, upcoming = rosalie
    client.force_login(administrator)
    page = client.get(erase_url(citizen), HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert page.context["upcoming"] == [upcoming]
    assert 'name="confirm" value="yes"' in page.content.decode()
    # Neither the page nor a POST without the confirmation erases anything.
    client.post(erase_url(citizen))
    citizen.refresh_from_db()
    assert citizen.anonymised_at is None
    assert citizen.email == PERSONAL["email"]


def test_erasure_cancels_upcoming_then_leaves_no_personal_data(
    client, administrator, rosalie, somebody_else, django_capture_on_commit_callbacks
):
    citizen, past, upcoming = rosalie
    mail.outbox.clear()
    client.force_login(administrator)
    client.get(export_url(citizen))  # an admin log entry naming the citizen
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(erase_url(citizen), {"confirm": "yes"})
    assert response.status_code == 302

    citizen.refresh_from_db()
    assert citizen.last_name == "Anonymised"
    assert (citizen.email, str(citizen.phone), citizen.national_number) == ("", "", "")
    assert (citizen.birth_date, citizen.address) == (None, "")
    assert citizen.anonymised_at is not None
    # The upcoming appointment was cancelled through the service, and the
    # citizen told, before the data went; the past one stays for statistics.
    upcoming.refresh_from_db()
    assert upcoming.status == Appointment.Status.CANCELLED
    assert upcoming.cancellation_reason  # "erased at the citizen's request"
    assert [PERSONAL["email"]] in [m.to for m in mail.outbox]
    past.refresh_from_db()
    assert (past.status, past.remarks) == (Appointment.Status.DONE, "")
    # One history record is left, saying who erased: it holds no personal data.
    (record,) = citizen.history.all()
    assert record.history_user == administrator
    assert record.last_name == "Anonymised" and record.email == ""

    # Once the next sweep has deleted the (now sent) cancellation notice,
    # nothing in the whole database names the citizen any more…
    privacy_sweep()
    dump = StringIO()
    call_command("dumpdata", stdout=dump)
    for trace in TRACES:
        assert trace not in dump.getvalue(), trace
    # …while the other citizen is untouched.
    assert "autre.personne@example.be" in dump.getvalue()
    assert Message.objects.filter(appointment__citizen=somebody_else).exists()


def test_an_agent_cannot_erase_a_citizen_of_another_service(
    client, agent, somebody_else
):
    client.force_login(agent.user)
    assert client.get(erase_url(somebody_else)).status_code == 403
    assert client.post(erase_url(somebody_else), {"confirm": "yes"}).status_code == 403
    somebody_else.refresh_from_db()
    assert somebody_else.anonymised_at is None


# --- Retention ------------------------------------------------------------------------


def backdate(citizen, months, now):
    Citizen.objects.filter(pk=citizen.pk).update(created_at=months_before(now, months))


def appointment_at(citizen, when):
    return AppointmentFactory(
        citizen=citizen, start=when, end=when + timedelta(minutes=15)
    )


def test_the_sweep_anonymises_only_citizens_inactive_for_the_retention(db, settings):
    settings.CITIZEN_RETENTION_MONTHS = 24
    now = timezone.now()
    gone = CitizenFactory(last_name="Parti")  # last came 25 months ago
    backdate(gone, 40, now)
    old_visit = appointment_at(gone, months_before(now, 25))
    never_came = CitizenFactory(last_name="Jamais")  # created 30 months ago
    backdate(never_came, 30, now)
    recent = CitizenFactory(last_name="Récent")  # came 23 months ago
    backdate(recent, 40, now)
    appointment_at(recent, months_before(now, 23))
    coming = CitizenFactory(last_name="Futur")  # old, but booked for next week
    backdate(coming, 40, now)
    appointment_at(coming, now + timedelta(days=7))
    new = CitizenFactory(last_name="Nouveau")  # created last month, no visit yet
    backdate(new, 1, now)

    counts = privacy_sweep(now=now)

    assert counts["citizens_anonymised"] == 2
    anonymised = set(
        Citizen.objects.filter(anonymised_at__isnull=False).values_list("pk", flat=True)
    )
    assert anonymised == {gone.pk, never_came.pk}
    gone.refresh_from_db()
    assert (gone.last_name, gone.email, str(gone.phone)) == ("Anonymised", "", "")
    assert gone.first_name == f"#{gone.pk}"
    # The appointment stays for the statistics.
    assert Appointment.objects.get(pk=old_visit.pk).citizen_id == gone.pk
    assert not Citizen.history.model.objects.filter(id=gone.pk).exists()


def test_the_sweep_deletes_old_history_messages_and_remarks_only(db, settings):
    settings.HISTORY_RETENTION_MONTHS = 36
    now = timezone.now()
    citizen = CitizenFactory()
    old = appointment_at(citizen, months_before(now, 37))
    Appointment.objects.filter(pk=old.pk).update(remarks="Ancienne remarque")
    recent = appointment_at(citizen, now - timedelta(days=10))
    Appointment.objects.filter(pk=recent.pk).update(remarks="Remarque récente")
    Appointment.history.filter(id=old.pk).update(history_date=months_before(now, 37))
    Citizen.history.filter(id=citizen.pk).update(history_date=months_before(now, 37))
    old_message = MessageFactory(appointment=old)
    Message.objects.filter(pk=old_message.pk).update(created_at=months_before(now, 37))
    recent_message = MessageFactory(appointment=recent)

    privacy_sweep(now=now)

    assert not Appointment.history.filter(id=old.pk).exists()
    assert Appointment.history.filter(id=recent.pk).exists()
    assert not Citizen.history.filter(id=citizen.pk).exists()
    assert Appointment.objects.get(pk=old.pk).remarks == ""
    assert Appointment.objects.get(pk=recent.pk).remarks == "Remarque récente"
    assert list(Message.objects.all()) == [recent_message]
    citizen.refresh_from_db()
    assert citizen.anonymised_at is None  # came 10 days ago


def test_the_sweep_deletes_expired_sessions_of_abandoned_bookings(client, population):
    # A citizen typed his or her details, then left: the session keeps them.
    session = client.session
    session["wizard"] = {"identity": {"last_name": "Vandenberghe"}}
    session.set_expiry(timezone.now() + timedelta(days=1))
    session.save()
    live = Session.objects.get(session_key=session.session_key)
    expired = Session.objects.create(
        session_key="expired-booking",
        session_data=live.session_data,
        expire_date=timezone.now() - timedelta(minutes=1),
    )
    privacy_sweep()
    assert not Session.objects.filter(pk=expired.pk).exists()
    assert Session.objects.filter(pk=live.pk).exists()


def test_the_sweep_is_idempotent(db):
    now = timezone.now()
    citizen = CitizenFactory()
    backdate(citizen, 40, now)
    appointment_at(citizen, months_before(now, 38))
    first = privacy_sweep(now=now)
    rows = list(Citizen.objects.values())
    second = privacy_sweep(now=now + timedelta(days=1))
    assert first["citizens_anonymised"] == 1
    assert set(second.values()) == {0}
    assert list(Citizen.objects.values()) == rows


def test_the_sweep_is_a_daily_task_at_the_privacy_hour(db, settings):
    settings.PRIVACY_SWEEP_HOUR = 3
    install_schedules()
    schedule = Schedule.objects.get(name="Privacy sweep")
    assert schedule.func == "messaging.tasks.privacy_sweep"
    assert schedule.schedule_type == Schedule.DAILY
    assert timezone.localtime(schedule.next_run).hour == 3

    inactive = CitizenFactory()
    backdate(inactive, settings.CITIZEN_RETENTION_MONTHS + 1, timezone.now())
    assert privacy_sweep_task()["citizens_anonymised"] == 1
    inactive.refresh_from_db()
    assert inactive.anonymised_at is not None


def test_months_before_keeps_the_local_time_across_summer_time():
    now = local(date(2027, 3, 31), 10, 30)  # summer time; February is winter
    earlier = months_before(now, 1)
    assert timezone.localtime(earlier).timetuple()[:5] == (2027, 2, 28, 10, 30)
    assert months_before(now, 24).year == 2025


# --- The privacy page -----------------------------------------------------------------


def test_the_privacy_page_states_the_retention_and_the_contact(client, db, settings):
    settings.CITIZEN_RETENTION_MONTHS = 18
    settings.HISTORY_RETENTION_MONTHS = 30
    commune = Commune.objects.get_solo()
    commune.contact_email = "vie.privee@commune.example"
    commune.save()
    home = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f'href="{reverse("booking:privacy")}"' in home  # in the footer

    page = client.get(reverse("booking:privacy"), HTTP_ACCEPT_LANGUAGE="en")
    text = " ".join(page.content.decode().split())
    assert page.status_code == 200
    assert "anonymised automatically 18 months after your last appointment" in text
    assert "deleted after 30 months" in text
    assert "mailto:vie.privee@commune.example" in text
    embedded = client.get("/embed/privacy/").content.decode()
    assert 'class="site-footer"' not in embedded


# --- National register number only where needed ---------------------------------------


@pytest.fixture
def desk(population):
    return open_every_day(population)


@pytest.fixture
def reason(population, desk):
    return VisitReasonFactory(service=population, name="Certificat")


def test_the_public_flow_drops_a_national_number_the_service_does_not_need(
    client, population, reason, instant_visitor
):
    population.min_notice_hours = 0
    population.save()

    def step(name):
        return reverse(f"booking:{name}", kwargs={"service": population.slug})

    client.post(step("reason"), {"reason": reason.pk})
    slot = client.get(step("slots")).context["days"][0]["slots"][0]["value"]
    client.post(step("slots"), {"slot": slot})
    identity = {**PERSONAL, "phone": "0470 98 76 54", "birth_date": "1985-07-30"}
    assert client.post(step("details"), identity).status_code == 302
    assert client.post(step("confirm"), {"website": ""}).status_code == 302

    citizen = Citizen.objects.get(email=PERSONAL["email"])
    assert (citizen.national_number, citizen.birth_date, citizen.address) == (
        "",
        None,
        "",
    )


def test_the_api_keeps_the_national_number_only_for_a_service_needing_it(
    client, population, reason
):
    population.min_notice_hours = 0
    population.save()
    start = next_ten_oclock(2)

    def book(email, start):
        return client.post(
            "/api/v1/appointments",
            {
                "service": population.slug,
                "reason": reason.pk,
                "start": start.isoformat(),
                "citizen": {
                    **PERSONAL,
                    "email": email,
                    "birth_date": "1985-07-30",
                    "language": "fr",
                },
            },
            content_type="application/json",
        )

    assert book("sans@example.be", start).status_code == 201
    assert Citizen.objects.get(email="sans@example.be").national_number == ""
    population.requires_national_number = True
    population.save()
    assert book("avec@example.be", start + timedelta(hours=1)).status_code == 201
    assert Citizen.objects.get(email="avec@example.be").national_number == (
        "85073003328"
    )


def test_a_phone_booking_keeps_the_national_number_only_where_needed(
    population, reason, agent
):
    citizen = CitizenFactory(national_number="")
    phone_appointment_book(
        citizen=citizen,
        details={"national_number": "85073003328", "address": "Rue X 1"},
        reason=reason,
        start=next_ten_oclock(2),
        agent=None,
        remarks="",
        actor=agent.user,
    )
    citizen.refresh_from_db()
    assert (citizen.national_number, citizen.address) == ("", "")
