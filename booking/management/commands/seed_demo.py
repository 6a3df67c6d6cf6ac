"""Load the demo commune: the rows of ``fixtures/``, plus what depends on today.

``python manage.py seed_demo`` is what ``make run`` calls before starting the
site. It loads once: when a service exists it loads nothing and only prints
the demo logins. It refuses to run when DEBUG is off unless given ``--force``:
the demo logins' passwords are their usernames (admin/admin).

What the commune *is* lives in readable files under ``fixtures/`` (its
README): the commune and its branding, services, staff and their memberships,
typical weeks, visit reasons and their texts, closures and absences. This
command adds what depends on the day it runs:

* the rows of ``fixtures/around_today.yaml`` move around today (:func:`place`);
* the three demo logins get their username as password;
* citizens, generated from a fixed seed;
* appointments from four weeks before today to four weeks after, at the times
  the availability engine finds free: ``booking.slots`` loads the calendars,
  ``staffing.availability`` computes the slots (:func:`free_starts`).

Two runs on the same day (on empty databases) produce the same data. This is
fixture loading, not business logic: rows are written directly (appointments
with ``bulk_create``) instead of going through ``booking/services.py``, so no
domain signal is sent and no message goes out. The engine guarantees what the
services would check: appointments lie in their agent's free time, on the
service's grid, and never overlap one another, buffers included.
"""

import random
import unicodedata
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import serializers
from django.core.management.base import BaseCommand, CommandError
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone
from stdnum.be import nn

from booking.models import Appointment, Citizen, VisitReason
from booking.slots import load_service_calendars
from staffing import availability
from staffing.closures import belgian_public_holidays
from staffing.models import Agent, AvailabilityException, Closure, Service

SEED = 20261129
DAYS_AROUND_TODAY = 28  # appointments from today - 28 to today + 28
CITIZEN_COUNT = 200
NATIONAL_NUMBER_COUNT = 30

# The files of fixtures/, in load order (fixtures/README.md).
FIXTURES = (
    "commune.yaml",
    "sites.yaml",
    "services.yaml",
    "staff.yaml",
    "typical_weeks.yaml",
    "visit_reasons.yaml",
    "around_today.yaml",
)
DATED_FIXTURE = "around_today.yaml"
# The day the dates of around_today.yaml are written for.
REFERENCE_DAY = date(2025, 3, 3)

# Printed at the end of every run; ``make run`` relies on these lines. Their
# passwords are their usernames.
DEMO_LOGINS = (
    ("administrator", "admin"),
    ("service manager", "manager"),
    ("agent", "agent"),
)

# How often the generator picks each visit reason of fixtures/visit_reasons.yaml
# (by primary key) among those of its service that fit; 1 when not listed.
REASON_WEIGHTS = {
    1: 5,  # Carte d'identité électronique (eID)
    2: 2,  # Passeport
    3: 2,  # Permis de conduire
    4: 3,  # Changement d'adresse
    5: 2,  # Certificats et extraits
    6: 3,  # Déclaration de naissance
    7: 2,  # Déclaration de mariage
    10: 4,  # Renouvellement du titre de séjour
    11: 2,  # Déclaration d'arrivée
    13: 3,  # Consultation d'un projet avant dépôt de permis
    14: 2,  # Consultation d'un dossier de permis
}

# --------------------------------------------------------------------------
# Citizens: name pools by origin (male first names, female first names,
# last names) and how often each origin and language occurs.
# --------------------------------------------------------------------------


def names(text: str) -> tuple[str, ...]:
    """A tuple of names from a comma-separated list (keeps the data compact)."""
    return tuple(name.strip() for name in text.split(","))


NAME_POOLS = {
    "fr": (
        names(
            "Luc, Jean, Pierre, Michel, Philippe, Nicolas, Julien, Antoine, Maxime, "
            "Louis, Hugo, Arthur, Guillaume, Benoît, Olivier, Didier, Christophe, "
            "Quentin, Sébastien, Cédric"
        ),
        names(
            "Marie, Isabelle, Nathalie, Catherine, Camille, Charlotte, Emma, Léa, "
            "Manon, Chloé, Aurélie, Céline, Valérie, Martine, Françoise, Élise, "
            "Louise, Justine, Mélanie, Pauline"
        ),
        names(
            "Dupont, Simon, Laurent, Leclercq, Leroy, Denis, Lemaire, François, "
            "Collard, Dumont, Hubert, Gilson, Henrard, Gérard, Lecomte, Thiry, "
            "Collignon, Jacquet, Pirard, Charlier, Piron, Warnier, Masson, Marchal, "
            "Baudoin, Fontaine, Bertrand, Noël, Mathieu, Rousseau"
        ),
    ),
    "nl": (
        names(
            "Jan, Pieter, Wouter, Bart, Koen, Stijn, Jeroen, Lars, Jens, Ruben, Dries"
        ),
        names("An, Els, Lies, Lotte, Fien, Ilse, Katrien, Marleen, Nele, Eline, Hanne"),
        names(
            "Peeters, Maes, Jacobs, Willems, Goossens, De Smet, Vermeulen, "
            "Van den Broeck, Pauwels, Van Damme, Hermans, De Backer, Verstraeten, "
            "Smets, Cools, Aerts"
        ),
    ),
    "de": (
        names("Jürgen, Stefan, Markus, Lukas"),
        names("Sabine, Monika, Katrin, Anna"),
        names("Schmitz, Krings, Mreyen, Heinen, Kohnen, Jost"),
    ),
    "foreign": (
        names(
            "Mohamed, Youssef, Karim, Mehmet, Emre, Luca, Marco, Piotr, Andrei, "
            "Mamadou, João, Dmytro"
        ),
        names(
            "Fatima, Amina, Salma, Elif, Giulia, Francesca, Agnieszka, Ioana, "
            "Aminata, Ana, Olena"
        ),
        names(
            "El Amrani, Bouzid, Haddad, Öztürk, Demir, Rossi, Esposito, Nowak, "
            "Kowalski, Popescu, Diallo, Traoré, Santos, Ferreira, Shevchenko"
        ),
    ),
}
ORIGIN_WEIGHTS = {"fr": 60, "nl": 20, "de": 4, "foreign": 16}
# Language spoken by origin, with weights.
LANGUAGES = {
    "fr": (("fr", 95), ("en", 5)),
    "nl": (("nl", 60), ("fr", 40)),
    "de": (("de", 60), ("fr", 40)),
    "foreign": (("fr", 65), ("en", 35)),
}
STREETS = (
    "Rue de la Station",
    "Rue du Centre",
    "Chaussée de Namur",
    "Rue des Écoles",
    "Avenue de la Meuse",
    "Rue du Moulin",
    "Rue de l'Église",
    "Place du Marché",
)

# --------------------------------------------------------------------------
# Appointment details
# --------------------------------------------------------------------------

CHANNEL_WEIGHTS = (
    (Appointment.Channel.WEB, 75),
    (Appointment.Channel.PHONE, 15),
    (Appointment.Channel.DESK, 10),
)
OFFLINE_CHANNEL_WEIGHTS = (
    (Appointment.Channel.PHONE, 60),
    (Appointment.Channel.DESK, 40),
)
CANCELLATION_REASONS = (
    "Empêchement professionnel.",
    "Annulé par le citoyen via le lien du courriel de confirmation.",
    "Malade, je reprendrai rendez-vous.",
    "Rendez-vous pris en double par erreur.",
    "Le dossier n'était pas complet.",
)
REMARKS = (
    "Je viendrai avec mon fils de 12 ans.",
    "Je me déplace en chaise roulante.",
    "Mon français n'est pas très bon, je viendrai avec un ami.",
    "Ma carte a été volée, j'ai la déclaration de police.",
    "Est-il possible de payer en liquide ?",
)
PAST_NO_SHOW_RATE = 0.05
PAST_CANCELLED_RATE = 0.08
FUTURE_CANCELLED_RATE = 0.08
REMARK_RATE = 0.1
PAST_OCCUPANCY = 0.3  # share of the opening hours that got booked
NEAR_OCCUPANCY = 0.38  # tomorrow: almost as full as the past
FAR_OCCUPANCY = 0.16  # four weeks ahead: still filling up


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------


def local_midnight(day: date) -> datetime:
    """The start of ``day`` in the commune's time zone, aware."""
    return datetime.combine(day, time(), tzinfo=timezone.get_default_timezone())


def day_window(first_day: date, last_day: date) -> availability.Interval:
    """The local days from ``first_day`` to ``last_day``, inclusive."""
    return availability.Interval(
        local_midnight(first_day), local_midnight(last_day + timedelta(days=1))
    )


def ascii_slug(text: str) -> str:
    """Lower-case ASCII letters of a name, for e-mail addresses."""
    text = text.translate(str.maketrans({"ł": "l", "ø": "o"}))
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(
        char for char in decomposed.lower() if char.isascii() and char.isalpha()
    )


def weighted(rng: random.Random, pairs):
    """Pick the first element of one (value, weight) pair."""
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


def national_number(birth_date: date, serial: int) -> str:
    """A Belgian national register number (11 digits) with valid check digits.

    The check number is 97 minus the first nine digits modulo 97, with a "2"
    put in front of them for people born from 2000 on.
    """
    base = f"{birth_date:%y%m%d}{serial:03d}"
    prefixed = f"2{base}" if birth_date.year >= 2000 else base
    return f"{base}{97 - int(prefixed) % 97:02d}"


def print_logins(write) -> None:
    """Print the demo logins, in the format ``make run`` shows."""
    write("Demo logins (password = username):")
    for role, username in DEMO_LOGINS:
        write(f"  {role}: {username} / {username}")


# --------------------------------------------------------------------------
# The fixtures, and the rows dated around today
# --------------------------------------------------------------------------


def load_fixtures(today: date) -> list[models.Model]:
    """Save the rows of ``fixtures/``, file after file; return them.

    Rows keep their primary keys (users are found by username), so the tables'
    sequences are reset afterwards, as ``loaddata`` does (PostgreSQL). Saving
    a fixture row writes no history: each row gets its "created" record here,
    as if it had been made in the admin.
    """
    folder = Path(settings.BASE_DIR) / "fixtures"
    holidays = belgian_public_holidays(
        today - timedelta(days=70), today + timedelta(days=400)
    )
    closed = set(holidays)
    rows = []
    for name in FIXTURES:
        with (folder / name).open(encoding="utf-8") as stream:
            for item in serializers.deserialize("yaml", stream):
                if name == DATED_FIXTURE:
                    place(item.object, today, closed)
                item.save()
                rows.append(item.object)

    by_model = defaultdict(list)
    for row in rows:
        by_model[type(row)].append(row)
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), list(by_model)):
            cursor.execute(sql)
    for model, objects in by_model.items():
        if hasattr(model, "history"):
            model.history.bulk_history_create(objects, default_change_reason=None)
    return rows


def placed(day: date, today: date, skip: Callable[[date], bool]) -> date:
    """Where a day written for the reference day falls when loaded ``today``.

    The first day of the same weekday at least as far from ``today`` as
    ``day`` is from :data:`REFERENCE_DAY` (before it if negative), then on by
    a week while ``skip`` says no.
    """
    earliest = today + (day - REFERENCE_DAY)
    target = earliest + timedelta(days=(day.weekday() - earliest.weekday()) % 7)
    while skip(target):
        target += timedelta(weeks=1)
    return target


def place(row: models.Model, today: date, closed: set[date]) -> None:
    """Move a closure or an exception of around_today.yaml around ``today``.

    It avoids public holidays and the closures placed before it (``closed``,
    which a closure adds its days to); an extra opening also avoids the days
    its service opens anyway. Local times stay as written.
    """
    if isinstance(row, Closure):
        shift = placed(row.start_date, today, closed.__contains__) - row.start_date
        row.start_date += shift
        row.end_date += shift
        day = row.start_date
        while day <= row.end_date:
            closed.add(day)
            day += timedelta(days=1)
        return
    if not isinstance(row, AvailabilityException):
        raise CommandError(f"{DATED_FIXTURE} holds a {type(row).__name__}.")

    def skip(day: date) -> bool:
        if day in closed:
            return True
        extra = row.kind == AvailabilityException.Kind.EXTRA_OPENING
        return extra and service_opens(row.service, day)

    tz = timezone.get_default_timezone()
    start, end = row.start.astimezone(tz), row.end.astimezone(tz)
    shift = placed(start.date(), today, skip) - start.date()
    row.start = datetime.combine(start.date() + shift, start.time(), tzinfo=tz)
    row.end = datetime.combine(end.date() + shift, end.time(), tzinfo=tz)


def service_opens(service: Service, day: date) -> bool:
    """Whether an agent of ``service`` receives citizens on ``day`` (the engine's
    free time over the calendars ``booking.slots`` loads)."""
    window = day_window(day, day)
    loaded = load_service_calendars(service, window)
    tz = timezone.get_default_timezone()
    return any(
        availability.free_intervals(calendar, window, tz, loaded.closures)
        for calendar in loaded.calendars
    )


def set_demo_passwords() -> None:
    """The demo logins' password is their username (the fixtures store none)."""
    for user in get_user_model().objects.filter(
        username__in=[username for _role, username in DEMO_LOGINS]
    ):
        user.set_password(user.get_username())
        user.save(update_fields=["password"])


# --------------------------------------------------------------------------
# Citizens
# --------------------------------------------------------------------------


def random_address(rng: random.Random) -> str:
    """A street address in the commune."""
    return f"{rng.choice(STREETS)} {rng.randint(1, 180)}, 5000 Démo-sur-Meuse"


def make_citizen(rng: random.Random, index: int) -> tuple[Citizen, bool]:
    """One citizen with a plausible name, e-mail, mobile number and language.

    Returns the unsaved citizen and whether the first name is a man's.
    """
    origin = weighted(rng, ORIGIN_WEIGHTS.items())
    male_names, female_names, last_names = NAME_POOLS[origin]
    is_male = rng.random() < 0.5
    first_name = rng.choice(male_names if is_male else female_names)
    last_name = rng.choice(last_names)
    phone = f"+324{rng.randint(5, 9)}{rng.randint(0, 9_999_999):07d}"
    citizen = Citizen(
        first_name=first_name,
        last_name=last_name,
        email=f"{ascii_slug(first_name)}.{ascii_slug(last_name)}+{index}@example.be",
        phone=phone if rng.random() < 0.9 else "",
        language=weighted(rng, LANGUAGES[origin]),
        address=random_address(rng) if rng.random() < 0.3 else "",
    )
    return citizen, is_male


def give_national_number(
    rng: random.Random, citizen: Citizen, is_male: bool, used: set[str]
) -> None:
    """Give a citizen a birth date and the matching national register number.

    Serials are odd for men and even for women. A number whose check digits
    also fit the other century would read as the wrong birth date: such
    serials, and those already used, are drawn again.
    """
    birth_date = date(1945, 1, 1) + timedelta(days=rng.randint(0, 60 * 365))
    while True:
        serial = rng.randrange(1 if is_male else 2, 998, 2)
        number = national_number(birth_date, serial)
        if number not in used and nn.get_birth_date(number) == birth_date:
            break
    if not nn.is_valid(number):
        raise CommandError(f"Generated an invalid national number: {number}")
    used.add(number)
    citizen.national_number = number
    citizen.birth_date = birth_date
    citizen.address = citizen.address or random_address(rng)


def load_citizens(rng: random.Random) -> tuple[list[Citizen], list[Citizen]]:
    """Create the citizens; return all of them and those with a national number."""
    drawn = [make_citizen(rng, index) for index in range(1, CITIZEN_COUNT + 1)]
    used: set[str] = set()
    with_number = sorted(rng.sample(range(CITIZEN_COUNT), NATIONAL_NUMBER_COUNT))
    for index in with_number:
        give_national_number(rng, *drawn[index], used)
    citizens = Citizen.objects.bulk_create([citizen for citizen, _male in drawn])
    # auto_now_add stamped them all "now"; bulk_update skips pre_save().
    now = timezone.now()
    for citizen in citizens:
        citizen.created_at = now - timedelta(
            days=rng.randint(30, 700), minutes=rng.randint(0, 1440)
        )
    Citizen.objects.bulk_update(citizens, ["created_at"])
    return citizens, [citizens[index] for index in with_number]


# --------------------------------------------------------------------------
# Appointments
# --------------------------------------------------------------------------


def occupancy(today: date, day: date) -> float:
    """Share of the opening time booked: lower the further in the future."""
    if day <= today:
        return PAST_OCCUPANCY
    ahead = (day - today).days / DAYS_AROUND_TODAY
    return NEAR_OCCUPANCY + (FAR_OCCUPANCY - NEAR_OCCUPANCY) * ahead


def free_starts(
    service: Service,
    reasons: list[VisitReason],
    window: availability.Interval,
    sites: dict[tuple[int, datetime], int | None] | None = None,
) -> dict[int, dict[int, set[datetime]]]:
    """Agent id -> reason id -> the starts the engine offers for that reason.

    The engine's slots on the service's grid, over the agents' typical weeks,
    exceptions, closures, public holidays and the appointments they already
    hold in any service (their buffers included). Agents in id order.
    ``sites`` receives the site of each (agent id, start): where the agent
    sits then (issue 25, point 4).
    """
    loaded = load_service_calendars(service, window)
    starts = {calendar.agent_id: {} for calendar in loaded.calendars}
    for reason in reasons:
        for by_reason in starts.values():
            by_reason[reason.pk] = set()
        for site_id, calendars in loaded.by_site.items():
            for slot in availability.compute_slots(
                calendars=calendars,
                window=window,
                tz=timezone.get_default_timezone(),
                grid_minutes=service.slot_minutes,
                duration=reason.duration,
                buffer=reason.buffer,
                closures=loaded.closures,
            ):
                for agent_id in slot.agent_ids:
                    starts[agent_id][reason.pk].add(slot.start)
                    if sites is not None:
                        sites[agent_id, slot.start] = site_id
    return starts


def fill_agenda(
    rng: random.Random,
    today: date,
    reasons: list[tuple[VisitReason, int]],
    starts: dict[int, set[datetime]],
) -> list[tuple[VisitReason, datetime, datetime]]:
    """Book one agent's free starts: (reason, start, end) in time order.

    From the earliest free start on, a reason that fits there is drawn and
    either booked or left as a gap of its length, so that about
    :func:`occupancy` of the time ends up booked; the next start is the first
    free one after the booking and its buffer (or after the gap).
    """
    tz = timezone.get_default_timezone()
    candidates = sorted(set().union(*starts.values()))
    booked = []
    index = 0
    while index < len(candidates):
        start = candidates[index]
        fitting = [pair for pair in reasons if start in starts[pair[0].pk]]
        reason = weighted(rng, fitting)
        end = start + reason.duration
        following = end
        if rng.random() < occupancy(today, start.astimezone(tz).date()):
            booked.append((reason, start, end))
            following = end + reason.buffer
        index = bisect_left(candidates, following, index + 1)
    return booked


def make_appointment(rng, now, agent, service, reason, citizen, starts_at, ends_at):
    """An unsaved appointment with a plausible status, channel and history."""
    Status = Appointment.Status
    cancellation_reason = ""
    draw = rng.random()
    if ends_at <= now:  # over; one under way now counts as still confirmed
        if draw < PAST_NO_SHOW_RATE:
            status = Status.NO_SHOW
        elif draw < PAST_NO_SHOW_RATE + PAST_CANCELLED_RATE:
            status = Status.CANCELLED
        else:
            status = Status.DONE
    elif draw < FUTURE_CANCELLED_RATE:
        status = Status.CANCELLED
    elif reason.needs_confirmation or service.needs_confirmation:
        status = Status.PENDING
    else:
        status = Status.CONFIRMED
    if status == Status.CANCELLED:
        cancellation_reason = rng.choice(CANCELLATION_REASONS)

    channels = CHANNEL_WEIGHTS if reason.online_bookable else OFFLINE_CHANNEL_WEIGHTS
    channel = weighted(rng, channels)
    created_at = starts_at - timedelta(
        days=rng.randint(1, 21), minutes=rng.randint(0, 600)
    )
    created_at = min(created_at, now - timedelta(minutes=rng.randint(5, 600)))
    updated_at = created_at
    if status in (Status.DONE, Status.NO_SHOW):
        updated_at = ends_at
    elif status == Status.CANCELLED:
        updated_at = created_at + (min(starts_at, now) - created_at) / 2
    return Appointment(
        service=service,
        agent=agent,
        reason=reason,
        citizen=citizen,
        start=starts_at,
        end=ends_at,
        status=status,
        channel=channel,
        booked_for_service=not service.citizens_choose_agent,
        remarks=rng.choice(REMARKS) if rng.random() < REMARK_RATE else "",
        cancellation_reason=cancellation_reason,
        created_by=None if channel == Appointment.Channel.WEB else agent.user,
        created_at=created_at,
        updated_at=updated_at,
        arrived_at=(
            starts_at - timedelta(minutes=rng.randint(0, 12))
            if status == Status.DONE
            else None
        ),
    )


def load_appointments(
    rng: random.Random,
    today: date,
    now: datetime,
    citizens: list[Citizen],
    with_number: list[Citizen],
) -> int:
    """Fill every agent's free time around today; return the number created.

    Service after service, each written before the next one's calendars are
    loaded: an agent in two services is busy in one while booked in the other.
    """
    window = day_window(
        today - timedelta(days=DAYS_AROUND_TODAY),
        today + timedelta(days=DAYS_AROUND_TODAY),
    )
    agents = Agent.objects.select_related("user").in_bulk()
    reasons = defaultdict(list)
    for reason in VisitReason.objects.order_by("service", "order", "pk"):
        reasons[reason.service_id].append((reason, REASON_WEIGHTS.get(reason.pk, 1)))
    created = 0
    for service in Service.objects.order_by("order", "pk"):
        pool = with_number if service.requires_national_number else citizens
        own = reasons[service.pk]
        sites: dict[tuple[int, datetime], int | None] = {}
        appointments = [
            make_appointment(
                rng, now, agents[agent_id], service, reason, rng.choice(pool),
                start, end,
            )
            for agent_id, starts in free_starts(
                service, [reason for reason, _weight in own], window, sites
            ).items()
            for reason, start, end in fill_agenda(rng, today, own, starts)
        ]  # fmt: skip
        for appointment in appointments:
            appointment.site_id = sites[appointment.agent.pk, appointment.start]
        created += save_appointments(appointments)
    return created


def save_appointments(appointments: list[Appointment]) -> int:
    """Write the generated appointments with their generated booking dates.

    ``auto_now(_add)`` stamps every row "now" in bulk_create, on the very
    objects given: keep the dates aside, then bulk_update writes them back (it
    skips pre_save()).
    """
    stamps = [(item.created_at, item.updated_at) for item in appointments]
    created = Appointment.objects.bulk_create(appointments)
    for appointment, (created_at, updated_at) in zip(created, stamps, strict=True):
        appointment.created_at, appointment.updated_at = created_at, updated_at
    Appointment.objects.bulk_update(created, ["created_at", "updated_at"])
    return len(created)


# --------------------------------------------------------------------------
# The command
# --------------------------------------------------------------------------


class Command(BaseCommand):
    help = "Load a demo commune (fixtures/, citizens, appointments) once."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="load the demo even when DEBUG is off (it creates admin/admin)",
        )

    def handle(self, *args, **options):
        # The demo logins' passwords are their usernames: never on a real
        # server by accident. ``make run`` sets DEBUG=1.
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "DEBUG is off: the demo creates the login admin/admin. "
                "Run with --force to load it all the same."
            )
        if Service.objects.exists():
            self.stdout.write("Demo data already present: nothing loaded.")
            print_logins(self.stdout.write)
            return
        with transaction.atomic():
            counts = load_demo(random.Random(SEED))
        self.stdout.write(
            self.style.SUCCESS(
                "Demo commune loaded: {services} services, {agents} agents, "
                "{reasons} visit reasons, {citizens} citizens, "
                "{appointments} appointments.".format(**counts)
            )
        )
        print_logins(self.stdout.write)


def load_demo(rng: random.Random) -> dict[str, int]:
    """Load everything, in dependency order; return what was created."""
    today = timezone.localdate()
    rows = Counter(type(row) for row in load_fixtures(today))
    set_demo_passwords()
    citizens, with_number = load_citizens(rng)
    appointments = load_appointments(rng, today, timezone.now(), citizens, with_number)
    return {
        "services": rows[Service],
        "agents": rows[Agent],
        "reasons": rows[VisitReason],
        "citizens": len(citizens),
        "appointments": appointments,
    }
