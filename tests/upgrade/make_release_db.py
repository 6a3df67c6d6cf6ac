"""Make the release database of the upgrade test (``test_upgrade.py``).

The file ``release-7a69d18.sqlite3.gz`` beside this script is the demo commune as
the release before issue 12 left it: the code at commit 7a69d18 migrated an
empty SQLite database, loaded the demo commune (``manage.py seed_demo``, which
has no options), then booked, confirmed, refused, moved, reassigned and
cancelled a few appointments through ``booking.services`` and wrote the
reminders of the next day, so that the database holds history records, sent
outbox messages (e-mail and SMS) and the citizens' personal links inside them.

Everything runs on a fixed clock (``CREATED_AT``, time-machine) with a fixed
``SECRET_KEY`` (the test suite's own, which signs the personal links) and
``SITE_URL = http://testserver``, so the links in the messages open as they are
with Django's test client. The upgrade test travels back to ``CREATED_AT``
before it opens them: they expire a day after their appointment.

How to run it again (only to rebuild the file from the same release; a later
release makes its own file and test module instead of replacing this one):

    git worktree add /tmp/release-7a69d18 7a69d18
    cd /tmp/release-7a69d18
    CHECKOUT=/path/to/this/checkout
    $CHECKOUT/.venv/bin/python $CHECKOUT/tests/upgrade/make_release_db.py
    cd - && git worktree remove /tmp/release-7a69d18

The script must run with the *release's* code: it refuses to run from another
commit (the current directory is the release's checkout). The virtualenv of the
current checkout is fine as long as it still runs that code (Django 5.2,
time-machine).
"""

import gzip
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

RELEASE_COMMIT = "7a69d18"
HERE = Path(__file__).resolve().parent
DATABASE = HERE / f"release-{RELEASE_COMMIT}.sqlite3.gz"
# The day the release database pretends to be made: a Tuesday.
CREATED_AT = datetime(2026, 12, 1, 9, 0, tzinfo=ZoneInfo("Europe/Brussels"))
SECRET_KEY = "insecure-test-only-key"  # pyproject.toml, [tool.pytest.ini_options]
SITE_URL = "http://testserver"


def environment(database_url: str) -> dict[str, str]:
    """The settings the release database is made (and migrated) with."""
    return {
        "DJANGO_SETTINGS_MODULE": "core.settings",
        "DATABASE_URL": database_url,
        "DEBUG": "1",
        "SECRET_KEY": SECRET_KEY,
        "SITE_URL": SITE_URL,
        "REDIS_URL": "",
        "Q_SYNC": "1",
        "SMS_BACKEND": "messaging.sms.LocmemBackend",
        "EMAIL_URL": "memorymail://",
        "STATIC_MANIFEST": "0",
        "LOG_LEVEL": "WARNING",
    }


def check_release_checkout(checkout: Path) -> None:
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"],  # noqa: S607
        cwd=checkout,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if not head.startswith(RELEASE_COMMIT):
        sys.exit(
            f"Run this from a checkout of {RELEASE_COMMIT} (here: {head[:7]}); "
            "see the docstring."
        )


def scenario() -> dict[str, int]:
    """Book, confirm, refuse, move, reassign and cancel through the services."""
    from django.contrib.auth import get_user_model

    from booking import services
    from booking.models import Appointment, Citizen, VisitReason
    from booking.slots import SearchCriteria, search_slots
    from messaging.models import Message
    from messaging.services import reminders_create
    from staffing.models import Agent, Service

    users = get_user_model().objects
    now = CREATED_AT
    phone = Appointment.Channel.PHONE

    def slots(service, reason, *, days, agent=None):
        criteria = SearchCriteria(agent_id=agent.pk if agent else None)
        return search_slots(
            service,
            reason,
            start=now + timedelta(days=days),
            end=now + timedelta(days=days + 14),
            criteria=criteria,
        )

    def citizen(first, last, language, phone_number):
        return Citizen(
            first_name=first,
            last_name=last,
            email=f"{first.lower()}.{last.lower()}@example.org",
            phone=phone_number,
            language=language,
        )

    population = Service.objects.get(slug="population")
    etat_civil = Service.objects.get(slug="etat-civil")
    etrangers = Service.objects.get(slug="etrangers")
    urbanisme = Service.objects.get(slug="urbanisme")
    passport = VisitReason.objects.get(service=population, name="Passeport")
    address = VisitReason.objects.get(service=population, name="Changement d'adresse")
    birth = VisitReason.objects.get(service=etat_civil, name="Déclaration de naissance")
    residence = VisitReason.objects.filter(service=etrangers).order_by("pk").first()
    permit = VisitReason.objects.filter(service=urbanisme).order_by("pk").first()
    agent_user = users.get(username="agent")
    manager_user = users.get(username="manager")
    lejeune = Agent.objects.get(user__username="f.lejeune")
    wouters = Agent.objects.get(user__username="e.wouters")
    martin = users.get(username="c.martin")

    # 1. A team booking on the web, later reassigned by the manager.
    slot = next(s for s in slots(population, passport, days=7) if s.capacity > 1)
    team = services.appointment_book(
        service=population,
        reason=passport,
        start=slot.start,
        citizen=citizen("Marie", "Lemaire", "fr", "+32470112233"),
    )
    # 2. Booked by phone by an agent, for a Dutch-speaking citizen.
    slot = slots(population, address, days=8)[3]
    services.appointment_book(
        service=population,
        reason=address,
        start=slot.start,
        citizen=citizen("Luc", "Peeters", "nl", "+32471223344"),
        channel=phone,
        actor=agent_user,
    )
    # 3. A request to a chosen adviser, confirmed.
    slot = slots(urbanisme, permit, days=9, agent=lejeune)[0]
    request = services.appointment_book(
        service=urbanisme,
        reason=permit,
        start=slot.start,
        agent=lejeune,
        citizen=citizen("Anna", "Schmitz", "de", "+32472334455"),
    )
    services.appointment_confirm(appointment=request, actor=lejeune.user)
    # 4. A request refused.
    slot = slots(urbanisme, permit, days=9, agent=wouters)[0]
    refused = services.appointment_book(
        service=urbanisme,
        reason=permit,
        start=slot.start,
        agent=wouters,
        citizen=citizen("John", "Smith", "en", ""),
    )
    services.appointment_refuse(
        appointment=refused,
        actor=wouters.user,
        reason="Le dossier est incomplet : joignez les plans.",
    )
    # 5. Moved by the citizen: the first message's link is void since.
    first, later = (
        slots(population, passport, days=10)[:1]
        + slots(population, passport, days=12)[5:6]
    )
    moved = services.appointment_book(
        service=population,
        reason=passport,
        start=first.start,
        citizen=citizen("Sophie", "Dumont", "fr", "+32473445566"),
    )
    services.appointment_move(appointment=moved, start=later.start, by_citizen=True)
    # 6. Cancelled by the citizen (a service that asks the national number).
    known = Citizen.objects.exclude(national_number="").order_by("pk").first()
    slot = slots(etrangers, residence, days=11)[0]
    cancelled = services.appointment_book(
        service=etrangers, reason=residence, start=slot.start, citizen=known
    )
    services.appointment_cancel(
        appointment=cancelled, reason="Je ne suis pas disponible.", by_citizen=True
    )
    # 7. Booked by phone, then cancelled by the commune.
    slot = slots(etat_civil, birth, days=8)[0]
    by_commune = services.appointment_book(
        service=etat_civil,
        reason=birth,
        start=slot.start,
        citizen=citizen("Karim", "Haddad", "fr", "+32474556677"),
        channel=phone,
        actor=martin,
    )
    services.appointment_cancel(
        appointment=by_commune, actor=martin, reason="L'agent est absent ce jour-là."
    )
    # 1bis. The manager hands the team booking to a free colleague.
    colleague = services.reassignable_agents(team)[0]
    services.appointment_reassign(appointment=team, agent=colleague, actor=manager_user)
    # The reminders of tomorrow's (seeded) appointments.
    reminders = reminders_create(now=now)
    return {
        "appointments": Appointment.objects.count(),
        "messages": Message.objects.count(),
        "sent": Message.objects.filter(status=Message.Status.SENT).count(),
        "reminders": reminders,
    }


def main() -> None:
    checkout = Path.cwd()
    check_release_checkout(checkout)
    work = Path(tempfile.mkdtemp(prefix="release-db-"))
    database = work / "release.sqlite3"
    os.environ.update(environment(f"sqlite:///{database}"))
    sys.path.insert(0, str(checkout))

    import time_machine

    with time_machine.travel(CREATED_AT, tick=True):
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", verbosity=0)
        call_command("seed_demo")
        print(scenario())
        from django.db import connection

        connection.close()

    with sqlite3.connect(database) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.execute("PRAGMA journal_mode=DELETE")
    db = sqlite3.connect(database)
    db.execute("VACUUM")
    db.close()
    with (
        database.open("rb") as source,
        gzip.GzipFile(DATABASE, "wb", mtime=0) as target,
    ):
        shutil.copyfileobj(source, target)
    print(f"{DATABASE}: {database.stat().st_size} bytes, {DATABASE.stat().st_size} gz")
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
