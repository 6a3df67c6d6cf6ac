"""The upgrade test: a database made by an earlier release, migrated to this code.

``release-7a69d18.sqlite3.gz`` is the demo commune as the release before issue
12 left it, with history records, sent messages and the personal links inside
them (``make_release_db.py`` made it and says how). The module

1. copies it to a temporary file (the committed file is never written);
2. reads what must survive straight from the copy with ``sqlite3`` (``before``);
3. migrates the copy with this code's ``manage.py migrate``, in a subprocess with
   ``DATABASE_URL`` pointing at it, exactly as a deployment would (module
   fixture: once per run);
4. points Django's ``default`` connection at the migrated copy for each check
   (``upgraded`` fixture), with the clock back at the day the database was made
   (links expire a day after their appointment, so the checks never depend on
   today's date), inside a transaction rolled back afterwards, so that the
   checks do not see each other's writes.

The release database is SQLite; the checks run the same whatever database the
rest of the suite uses, since they build their own SQLite connection.

Adding a check for a later change
---------------------------------
A change whose migration rewrites stored data adds a test function here, taking
the ``upgraded`` fixture (a ``Release``: ``before`` holds what the old database
held, read by ``_snapshot``; add what your check needs there). Inside the test,
the ORM, ``client`` and the views read the migrated copy. Keep the committed
database: a new release that needs other data makes its own file with its own
script, and its own module beside this one.
"""

import hashlib
import re
import shutil
import sqlite3
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import connections, transaction
from django.db.utils import load_backend

from .make_release_db import CREATED_AT, SECRET_KEY, SITE_URL
from .release import copy_release
from .release import migrate as migrate_database

MANAGE_LINK = re.compile(r"https?://[^\s\"'<>]+/manage/([^\s/\"'<>]+)/")


@dataclass
class Release:
    """The migrated copy, and what the release's database held before."""

    path: Path
    before: dict = field(default_factory=dict)


def _snapshot(path: Path) -> dict:
    """What the old database held, read without Django (its code is gone)."""
    db = sqlite3.connect(path)
    try:
        tables = [
            name
            for (name,) in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name LIKE '%historical%'"
            )
        ]
        history = {
            table: set(
                db.execute(
                    f"SELECT history_id, history_date, history_type, "  # noqa: S608
                    f"history_change_reason FROM {table}"
                )
            )
            for table in tables
        }
        return {
            "history": history,
            "feed_tokens": dict(
                db.execute("SELECT id, feed_token FROM staffing_agent")
            ),
            "messages": list(
                db.execute(
                    "SELECT id, appointment_id, event, body FROM messaging_message "
                    "WHERE appointment_id IS NOT NULL ORDER BY id"
                )
            ),
            # Issue 14, point 1: whose details each appointment's messages used.
            "citizen_contacts": {
                appointment_id: (email, phone, language)
                for appointment_id, email, phone, language in db.execute(
                    "SELECT a.id, c.email, c.phone, c.language "
                    "FROM booking_appointment a "
                    "JOIN booking_citizen c ON c.id = a.citizen_id"
                )
            },
            "citizen_recipients": set(
                db.execute(
                    "SELECT appointment_id, channel, recipient FROM messaging_message "
                    "WHERE appointment_id IS NOT NULL AND agent_id IS NULL"
                )
            ),
            # Issue 19, point 2: the texts typed so far, and their history.
            "reason_texts": set(
                db.execute(
                    "SELECT id, name, screen_information, message_information "
                    "FROM booking_visitreason"
                )
            ),
            "service_names": set(db.execute("SELECT id, name FROM staffing_service")),
            # Issue 24, point 5: the SMS written so far, counted in segments.
            "sms_bodies": dict(
                db.execute(
                    "SELECT id, body FROM messaging_message WHERE channel = 'sms'"
                )
            ),
            "reason_history_names": set(
                db.execute("SELECT history_id, name FROM booking_historicalvisitreason")
            ),
        }
    finally:
        db.close()


@pytest.fixture(scope="module")
def release(tmp_path_factory) -> Release:
    """The release database, copied and migrated to this code (once)."""
    path = copy_release(tmp_path_factory.mktemp("upgrade") / "release.sqlite3")
    before = _snapshot(path)
    migrate_database(path)
    return Release(path=path, before=before)


def _sqlite_connection(path: Path):
    """A ``default`` connection to ``path``, set up like the settings' SQLite one."""
    options = {"transaction_mode": "IMMEDIATE", "timeout": 20}
    configured = connections.configure_settings(
        {
            "default": {
                "ENGINE": "django.db.backends.sqlite3",
                "NAME": str(path),
                "OPTIONS": options,
            }
        }
    )["default"]
    return load_backend(configured["ENGINE"]).DatabaseWrapper(configured, "default")


@pytest.fixture
def upgraded(release, django_db_blocker, settings):
    """Django's ``default`` database is the migrated copy while the test runs,
    on the day the release database was made; nothing written is kept."""
    settings.SECRET_KEY = SECRET_KEY  # signs the personal links
    settings.SITE_URL = SITE_URL
    wrapper = _sqlite_connection(release.path)
    with django_db_blocker.unblock():
        original = connections["default"]
        connections["default"] = wrapper
        # Caches keyed by the alias hold ids of the suite's own database.
        ContentType.objects.clear_cache()
        cache.clear()
        try:
            with (
                time_machine.travel(CREATED_AT + timedelta(hours=1), tick=True),
                transaction.atomic(),
            ):
                yield release
                transaction.set_rollback(True)
        finally:
            wrapper.close()
            connections["default"] = original
            ContentType.objects.clear_cache()
            cache.clear()


def _manage_links(body: str) -> list[str]:
    return [match.group(0) for match in MANAGE_LINK.finditer(body)]


def test_the_personal_links_already_sent_still_open(upgraded, client):
    """Every link the release sent opens its appointment, unless the appointment
    was moved after that message (each move sends a new link)."""
    latest = {}  # appointment -> the link of its newest message
    for _id, appointment_id, _event, body in upgraded.before["messages"]:
        for link in _manage_links(body):
            latest[appointment_id] = link
    opened = stale = 0
    for _id, appointment_id, _event, body in upgraded.before["messages"]:
        for link in _manage_links(body):
            response = client.get(urlsplit(link).path)
            if link == latest[appointment_id]:
                assert response.status_code == 200, link
                assert response.context["appointment"].pk == appointment_id
                opened += 1
            else:  # the appointment was moved since: a new link was sent
                assert response.status_code == 404, link
                stale += 1
    assert opened >= 20
    assert stale >= 1


def test_the_history_is_kept(upgraded, client):
    """Every history record of the release is still there, unchanged, and the
    admin still shows an appointment's history."""
    from django.contrib.auth import get_user_model
    from django.urls import reverse

    from booking.models import Appointment

    with connections["default"].cursor() as cursor:
        for table, rows in upgraded.before["history"].items():
            cursor.execute(
                f"SELECT history_id, history_date, history_type, "  # noqa: S608
                f"history_change_reason FROM {table}"
            )
            after = {
                (row[0], str(row[1]).replace("T", " "), row[2], row[3])
                for row in cursor.fetchall()
            }
            before = {
                (row[0], str(row[1]).replace("T", " "), row[2], row[3]) for row in rows
            }
            assert before <= after, table
    moved = Appointment.history.get(history_change_reason="moved").instance
    reasons = list(
        moved.history.order_by("history_date").values_list(
            "history_change_reason", flat=True
        )
    )
    assert reasons == ["booked", "moved"]
    client.force_login(get_user_model().objects.get(username="admin"))
    page = client.get(reverse("admin:booking_appointment_history", args=[moved.pk]))
    assert page.status_code == 200
    assert b"moved" in page.content


def test_every_feed_token_was_rotated(upgraded, client):
    """Issue 12, point 4: every token was visible to all staff, so the
    migration replaced them all; the old addresses answer 410 Gone, the new
    ones work, and each agent is told the new address."""
    from django.urls import reverse

    from messaging.models import Event, Message
    from messaging.tasks import send_feed_address_notices
    from staffing.models import Agent, RetiredFeedToken

    old = upgraded.before["feed_tokens"]
    agents = {agent.pk: agent for agent in Agent.objects.select_related("user")}
    assert set(agents) == set(old)
    for pk, agent in agents.items():
        assert agent.feed_token != old[pk]
        digest = hashlib.sha256(old[pk].encode()).hexdigest()
        assert RetiredFeedToken.objects.filter(
            agent=agent, token_digest=digest
        ).exists()
        gone = client.get(reverse("agent_feed", kwargs={"token": old[pk]}))
        assert gone.status_code == 410
        fresh = client.get(reverse("agent_feed", kwargs={"token": agent.feed_token}))
        assert fresh.status_code == 200

    send_feed_address_notices()
    notices = Message.objects.filter(event=Event.AGENT_FEED_ADDRESS)
    assert {notice.agent_id for notice in notices} == set(agents)
    for notice in notices:
        assert notice.recipient == agents[notice.agent_id].user.email
        assert agents[notice.agent_id].feed_token in notice.body
    send_feed_address_notices()  # told once
    assert Message.objects.filter(event=Event.AGENT_FEED_ADDRESS).count() == len(agents)


def test_each_appointment_keeps_the_contact_details_its_messages_used(upgraded):
    """Issue 14, point 1: an appointment now holds the contact details of its
    booking; the migration filled those of the release's appointments from
    their citizens, so every message goes where it went (the address only
    where a service asks for one: none did)."""
    from django.utils import timezone

    from booking.models import Appointment, Citizen
    from messaging.models import Event, Message
    from messaging.services import reminders_create

    before = upgraded.before["citizen_contacts"]
    appointments = Appointment.objects.select_related("citizen")
    assert {a.pk for a in appointments} == set(before)
    for appointment in appointments:
        email, phone, language = before[appointment.pk]
        assert appointment.contact_email == email
        assert str(appointment.contact_phone or "") == phone
        assert appointment.contact_language == language
        assert appointment.contact_address == ""
        assert appointment.recipient_email == appointment.citizen.email
    assert Citizen.objects.exclude(address="").exists()  # not copied: not asked

    # Messages written now go to the addresses the release wrote to.
    sent_to = {
        (appointment_id, channel): recipient
        for appointment_id, channel, recipient in upgraded.before["citizen_recipients"]
    }
    last_before = Message.objects.order_by("-pk").values_list("pk", flat=True)[0]
    # The days of the appointments the release sent messages about.
    told = {appointment_id for appointment_id, _channel in sent_to}
    for day in {
        timezone.localdate(a.start)
        for a in appointments.filter(pk__in=told, status="confirmed")
    }:
        reminders_create(day=day)
    fresh = Message.objects.filter(
        pk__gt=last_before, event=Event.REMINDER, agent__isnull=True
    )
    compared = 0
    for message in fresh:
        key = (message.appointment_id, message.channel)
        if key in sent_to:
            assert message.recipient == sent_to[key]
            compared += 1
        else:
            email, phone, _language = before[message.appointment_id]
            assert message.recipient in (email, phone)
    assert fresh.exists()
    assert compared > 0


def test_the_contact_migration_reverses_and_applies_again(release, tmp_path):
    """0004 is reversible: back to 0003 it empties the contact details, and
    forward again fills them as before (each run on a copy, in a subprocess,
    as a deployment would)."""
    path = tmp_path / "reversed.sqlite3"
    shutil.copyfile(release.path, path)
    migrate = partial(migrate_database, path)

    def filled() -> int:
        db = sqlite3.connect(path)
        try:
            (count,) = db.execute(
                "SELECT COUNT(*) FROM booking_appointment WHERE contact_email != ''"
            ).fetchone()
        finally:
            db.close()
        return count

    assert filled() > 0
    migrate("booking", "0003")
    assert filled() == 0
    migrate()
    assert filled() == sum(
        1
        for email, _phone, _language in release.before["citizen_contacts"].values()
        if email
    )


def test_the_agents_request_email_gains_the_answer_link(upgraded):
    """messaging 0005 (issue 23): the shipped "new appointment" e-mail of every
    language offers the answer link, and keeps the inbox's address."""
    from messaging.models import MessageTemplate

    rows = MessageTemplate.objects.filter(event="agent_new", channel="email")
    assert {row.language for row in rows} == {"fr", "nl", "de", "en"}
    for row in rows:
        assert "{{ answer_url }}" in row.body, row.language
        assert "{{ inbox_url }}" in row.body, row.language


def test_the_answer_link_migration_reverses_and_applies_again(release, tmp_path):
    """0005 back to 0004 restores the shipped lines; forward adds the link again."""
    path = tmp_path / "answer.sqlite3"
    shutil.copyfile(release.path, path)
    migrate = partial(migrate_database, path)

    def with_link() -> int:
        db = sqlite3.connect(path)
        try:
            (count,) = db.execute(
                "SELECT COUNT(*) FROM messaging_messagetemplate "
                "WHERE event = 'agent_new' AND body LIKE '%answer_url%'"
            ).fetchone()
        finally:
            db.close()
        return count

    assert with_link() == 4
    migrate("messaging", "0004")
    assert with_link() == 0
    migrate()
    assert with_link() == 4


def test_the_texts_typed_so_far_are_in_the_main_language(upgraded, client):
    """Issue 19, point 2: today's service and reason texts, and those of their
    history records, are in the main language's column (French unless
    MAIN_LANGUAGE said otherwise at upgrade time); the other languages are
    empty and fall back to it; the admin still shows a reason's history."""
    from django.contrib.auth import get_user_model
    from django.urls import reverse
    from django.utils import translation

    from booking.models import VisitReason
    from core.languages import forget_main_language
    from core.models import Commune
    from staffing.models import Service

    forget_main_language()
    assert Commune.objects.get_solo().main_language == "fr"
    reasons = {reason.pk: reason for reason in VisitReason.objects.all()}
    assert reasons
    for pk, name, screen, message in upgraded.before["reason_texts"]:
        reason = reasons[pk]
        assert (
            reason.name_fr,
            reason.screen_information_fr,
            reason.message_information_fr,
        ) == (name, screen, message)
        assert not reason.name_nl
        with translation.override("nl"):
            assert reason.name == name
    for pk, name in upgraded.before["service_names"]:
        assert Service.objects.get(pk=pk).name_fr == name
    history = dict(VisitReason.history.values_list("history_id", "name_fr"))
    for history_id, name in upgraded.before["reason_history_names"]:
        assert history[history_id] == name
    reason = next(iter(reasons.values()))
    client.force_login(get_user_model().objects.get(username="admin"))
    page = client.get(reverse("admin:booking_visitreason_history", args=[reason.pk]))
    assert page.status_code == 200


def test_the_translation_migrations_reverse_and_apply_again(release, tmp_path):
    """Back before issue 19 the texts are in their old columns; forward again
    they are in the main language's."""
    path = tmp_path / "languages.sqlite3"
    shutil.copyfile(release.path, path)
    migrate = partial(migrate_database, path)

    def names(column: str) -> set:
        db = sqlite3.connect(path)
        try:
            return set(
                db.execute(f"SELECT id, {column} FROM booking_visitreason")  # noqa: S608
            )
        finally:
            db.close()

    expected = {(pk, name) for pk, name, _s, _m in release.before["reason_texts"]}
    assert names("name_fr") == expected
    migrate("booking", "0004")
    migrate("staffing", "0004")
    migrate("core", "0003")
    assert names("name") == expected
    migrate()
    assert names("name_fr") == expected


def test_the_agents_day_list_counts_in_a_real_plural(upgraded):
    """messaging 0007 (issue 19, point 5): the shipped list of the day says
    "1 appointment", not "1 appointments" (French's "rendez-vous" is both)."""
    from messaging.models import MessageTemplate

    rows = MessageTemplate.objects.filter(event="agent_day_list", channel="email")
    assert {row.language for row in rows} == {"fr", "nl", "de", "en"}
    for row in rows:
        if row.language != "fr":
            assert "pluralize" in row.body, row.language


def test_every_appointment_made_before_gets_a_booking_reference(upgraded):
    """booking 0006-0008 (issue 22): each old appointment has its own reference,
    readable and random (never its id), and its history records carry it."""
    from booking import references
    from booking.models import Appointment

    rows = list(Appointment.objects.values_list("pk", "reference"))
    assert rows
    found = [reference for _pk, reference in rows]
    assert len(set(found)) == len(found)
    for _pk, reference in rows:
        assert references.normalise(reference) == reference
    # Random, not counted: consecutive ids do not give neighbouring references.
    ordered = [reference for _pk, reference in sorted(rows)]
    assert ordered != sorted(ordered)
    history = Appointment.history.model.objects.values_list("id", "reference")
    by_id = dict(rows)
    assert all(by_id[pk] == reference for pk, reference in history if pk in by_id)


def test_the_reference_migrations_reverse_and_apply_again(release, tmp_path):
    """Back to booking 0006 the references are empty; forward again every
    appointment has one, unique."""
    path = tmp_path / "references.sqlite3"
    shutil.copyfile(release.path, path)
    migrate = partial(migrate_database, path)

    def counts() -> tuple[int, int, int]:
        db = sqlite3.connect(path)
        try:
            return db.execute(
                "SELECT COUNT(*), COUNT(reference), COUNT(DISTINCT reference) "
                "FROM booking_appointment"
            ).fetchone()
        finally:
            db.close()

    total, filled, distinct = counts()
    assert total == filled == distinct > 0
    migrate("booking", "0006")
    assert counts() == (total, 0, 0)
    migrate()
    assert counts() == (total, total, total)


def test_the_staff_read_the_main_language_until_they_choose(upgraded):
    """core 0006 (issue 19, point 4): no login has chosen a language yet, so
    every agent's messages are in the commune's main language; a choice is
    then kept for that login only."""
    from core.accounts import staff_language_set
    from core.languages import forget_main_language, main_language, staff_language
    from staffing.models import Agent

    forget_main_language()
    agents = list(Agent.objects.select_related("user"))
    assert agents
    assert {staff_language(agent.user) for agent in agents} == {main_language()}
    first, *others = agents
    staff_language_set(user=first.user, language="de", actor=first.user)
    assert staff_language(first.user) == "de"
    assert all(staff_language(agent.user) == main_language() for agent in others)
    forget_main_language()


def test_every_sms_written_before_counts_its_segments(upgraded):
    """messaging 0008 (issue 24, point 5): the SMS the release wrote are
    counted in the segments the network sends them in, so this month's cost
    includes them; e-mails count none. The budget alert has its texts."""
    from messaging.models import Message, MessageTemplate
    from messaging.sms import sms_segments

    bodies = upgraded.before["sms_bodies"]
    assert bodies
    segments = dict(Message.objects.filter(channel="sms").values_list("pk", "segments"))
    assert segments == {pk: sms_segments(body)[2] for pk, body in bodies.items()}
    assert all(count >= 1 for count in segments.values())
    assert not Message.objects.filter(channel="email").exclude(segments=0).exists()
    alert = MessageTemplate.objects.filter(event="admin_sms_budget")
    assert {row.language for row in alert.filter(channel="email")} == {
        "fr",
        "nl",
        "de",
        "en",
    }


def test_the_sms_budget_migration_reverses_and_applies_again(release, tmp_path):
    """messaging 0008 back to 0007 drops the segments and the alert's texts;
    forward again counts the segments and installs the texts as before."""
    path = tmp_path / "sms-budget.sqlite3"
    shutil.copyfile(release.path, path)
    migrate = partial(migrate_database, path)

    def read(query: str):
        db = sqlite3.connect(path)
        try:
            return db.execute(query).fetchall()
        finally:
            db.close()

    def state():
        columns = [row[1] for row in read("PRAGMA table_info(messaging_message)")]
        return (
            read(
                "SELECT id, segments FROM messaging_message "
                "WHERE channel = 'sms' ORDER BY id"
            )
            if "segments" in columns
            else None,
            read(
                "SELECT COUNT(*) FROM messaging_messagetemplate "
                "WHERE event = 'admin_sms_budget'"
            ),
        )

    before = state()
    assert before[0] and before[1] == [(8,)]
    migrate("messaging", "0007")
    assert state() == (None, [(0,)])
    migrate()
    assert state() == before


# --- Issue 20, point 5: lasting links, shorter SMS ----------------------------------


def test_every_appointment_made_before_opens_by_its_lasting_link(upgraded, client):
    """booking 0010: each old appointment gets its own random link code; its
    short link opens it, also the moved one whose first link died then."""
    from booking.links import link_expired, make_token, short_path
    from booking.models import Appointment

    appointments = list(Appointment.objects.all())
    codes = [make_token(appointment) for appointment in appointments]
    assert len(set(codes)) == len(codes) == len(upgraded.before["citizen_contacts"])
    moved = {
        appointment_id
        for _id, appointment_id, event, _body in upgraded.before["messages"]
        if event == "moved"
    }
    assert moved
    opened = set()
    for appointment in appointments:
        page = client.get(short_path(appointment), follow=True)
        if link_expired(appointment):  # the demo's past: expired as before
            assert page.status_code == 404
        else:
            assert page.status_code == 200
            assert page.context["appointment"].pk == appointment.pk
            opened.add(appointment.pk)
    assert moved <= opened
    assert len(opened) >= 20


def test_a_link_sent_before_stops_when_staff_revoke_it(upgraded, client):
    """A link of a message sent by the release opens its appointment until
    staff revoke the appointment's links; the new code opens it then."""
    from booking.links import appointment_for_token, manage_path
    from booking.services import appointment_link_revoke

    latest = {}
    for _id, appointment_id, _event, body in upgraded.before["messages"]:
        for link in _manage_links(body):
            latest[appointment_id] = urlsplit(link).path
    appointment_id, path = sorted(latest.items())[0]
    token = path.rstrip("/").rsplit("/", 1)[-1]
    appointment = appointment_for_token(token)
    assert appointment is not None and appointment.pk == appointment_id
    assert client.get(path).status_code == 200

    revoked = appointment_link_revoke(appointment=appointment, actor=None)

    assert client.get(path).status_code == 404
    assert client.get(manage_path(revoked)).status_code == 200


def test_the_shipped_sms_are_shortened(upgraded):
    """messaging 0009: the citizens' SMS rows the commune never edited are
    today's shipped texts, with the short date."""
    from messaging.defaults import DEFAULT_TEMPLATES
    from messaging.models import MessageTemplate

    rows = MessageTemplate.objects.filter(channel="sms")
    assert rows.count() >= 36
    for row in rows:
        assert row.body == DEFAULT_TEMPLATES[(row.event, "sms", row.language)].body
    booked = rows.get(event="booked", language="fr")
    assert "{{ appointment.short_date }}" in booked.body


def test_the_link_and_sms_migrations_keep_edited_texts_and_reverse(release, tmp_path):
    """Back to booking 0009 and messaging 0008: no link code, the old SMS
    texts; forward again: a unique code each, the new texts. A text the
    commune edited is never touched."""
    path = tmp_path / "links.sqlite3"
    shutil.copyfile(release.path, path)
    edited = "{{ commune.name }}: RDV le {{ appointment.date }}. {{ manage_url }}"

    def read(query: str, *args):
        db = sqlite3.connect(path)
        try:
            with db:
                return db.execute(query, args).fetchall()
        finally:
            db.close()

    def sms(event: str, language: str) -> str:
        [(body,)] = read(
            "SELECT body FROM messaging_messagetemplate WHERE channel = 'sms' "
            "AND event = ? AND language = ?",
            event,
            language,
        )
        return body

    def codes():
        columns = [row[1] for row in read("PRAGMA table_info(booking_appointment)")]
        if "link_code" not in columns:
            return None
        return read(
            "SELECT COUNT(*), COUNT(DISTINCT link_code) FROM booking_appointment"
        )

    read(
        "UPDATE messaging_messagetemplate SET body = ? WHERE channel = 'sms' "
        "AND event = 'booked' AND language = 'nl'",
        edited,
    )
    shipped_now = sms("booked", "fr")
    [(total,)] = read("SELECT COUNT(*) FROM booking_appointment")
    assert codes() == [(total, total)]

    migrate_database(path, "booking", "0009")
    migrate_database(path, "messaging", "0008")
    assert codes() is None
    assert sms("booked", "fr") != shipped_now
    assert "{{ appointment.date }}" in sms("booked", "fr")
    assert sms("booked", "nl") == edited

    migrate_database(path)
    assert codes() == [(total, total)]
    assert sms("booked", "fr") == shipped_now
    assert sms("booked", "nl") == edited
