"""Load a realistic demo commune: services, agents, schedules, citizens, bookings.

``python manage.py seed_demo`` is what ``make run`` calls before starting the
site. It is idempotent: once a service exists it loads nothing and only prints
the demo logins. It refuses to run when DEBUG is off unless given ``--force``:
the demo logins' passwords are their usernames (admin/admin). Everything is
generated from a fixed seed and from today's date, so two runs on the same day
produce the same data.

This is fixture loading, not business logic: rows are written directly (with
``bulk_create`` for the bulky ones) instead of going through
``booking/services.py``, so no domain signal is sent and no message goes out.
The generator itself guarantees what the services would check: appointments
lie inside their agent's openings and never overlap one another.
"""

import random
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from stdnum.be import nn

from booking.models import Appointment, Citizen, VisitReason
from core.models import Commune
from core.roles import ADMINISTRATOR, AGENT, SERVICE_MANAGER
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

SEED = 20261129
BRUSSELS = ZoneInfo("Europe/Brussels")
DOMAIN = "demo-sur-meuse.be"
DAYS_AROUND_TODAY = 28  # appointments from today - 28 to today + 28
CITIZEN_COUNT = 200
NATIONAL_NUMBER_COUNT = 30

MON, TUE, WED, THU, FRI, SAT = range(6)
MORNING = (time(8, 30), time(12, 0))
AFTERNOON = (time(13, 0), time(16, 0))
LATE_OPENING = (time(16, 0), time(19, 0))
SATURDAY_MORNING = (time(9, 0), time(12, 0))

# Printed at the end of every run; ``make run`` relies on these lines.
DEMO_LOGINS = (
    ("administrator", "admin"),
    ("service manager", "manager"),
    ("agent", "agent"),
)

# --------------------------------------------------------------------------
# The commune and its services
# --------------------------------------------------------------------------

COMMUNE = {
    "name": "Commune de Démo-sur-Meuse",
    "website_url": f"https://www.{DOMAIN}",
    "contact_email": f"info@{DOMAIN}",
    "contact_phone": "081 23 45 00",
    # The module links its own privacy page in the footer: no second one here.
    "footer_links": f"Accessibilité | https://www.{DOMAIN}/accessibilite",
}

TOWN_HALL = "Place communale 1, 5000 Démo-sur-Meuse"

SERVICES = (
    {
        "slug": "population",
        "name": "Population",
        "order": 1,
        "description": (
            "Cartes d'identité, passeports, permis de conduire, changements "
            "d'adresse et certificats. Le service vous reçoit uniquement sur "
            "rendez-vous, avec une ouverture tardive le jeudi jusqu'à 19 h."
        ),
        "address": TOWN_HALL,
        "email": f"population@{DOMAIN}",
        "phone": "081 23 45 10",
    },
    {
        "slug": "etat-civil",
        "name": "État civil",
        "order": 2,
        "description": (
            "Naissances, reconnaissances, mariages, cohabitations légales et "
            "décès. Prévoyez le temps nécessaire : certains actes demandent "
            "la présence des deux partenaires."
        ),
        "address": TOWN_HALL,
        "email": f"etat-civil@{DOMAIN}",
        "phone": "081 23 45 20",
    },
    {
        "slug": "etrangers",
        "name": "Étrangers",
        "order": 3,
        "description": (
            "Séjour des ressortissants étrangers : inscriptions, titres de "
            "séjour et regroupement familial. Permanences le mardi et le "
            "jeudi après-midi."
        ),
        "address": TOWN_HALL,
        "email": f"etrangers@{DOMAIN}",
        "phone": "081 23 45 30",
        "citizens_choose_agent": False,
        "needs_confirmation": False,
        "requires_national_number": True,
        "min_notice_hours": 24,
    },
    {
        "slug": "urbanisme",
        "name": "Urbanisme",
        "order": 4,
        "description": (
            "Permis d'urbanisme, renseignements urbanistiques et consultation "
            "des dossiers. Vous choisissez votre conseiller ; le service "
            "confirme chaque rendez-vous après avoir préparé votre dossier."
        ),
        "address": "Rue de l'Administration 12, 5000 Démo-sur-Meuse",
        "email": f"urbanisme@{DOMAIN}",
        "phone": "081 23 45 40",
        "citizens_choose_agent": True,
        "needs_confirmation": True,
        "slot_minutes": 30,
        "min_notice_hours": 48,
    },
)

# --------------------------------------------------------------------------
# Staff: the three demo logins, then agents without a password
# --------------------------------------------------------------------------

ADMIN_USER = {
    "username": "admin",
    "first_name": "Claire",
    "last_name": "Delvaux",
    "email": f"admin@{DOMAIN}",
}

# username, first name, last name, job title, colour, group, {service: role}
MEMBER = Membership.Role.MEMBER
MANAGER = Membership.Role.MANAGER
# fmt: off
AGENTS = (
    ("manager", "Sophie", "Lambert", "Cheffe de service", "#1d4ed8",
     SERVICE_MANAGER, {"population": MANAGER, "etat-civil": MEMBER}),
    ("agent", "Julie", "Renard", "Employée d'administration", "#059669",
     AGENT, {"population": MEMBER}),
    ("m.dubois", "Marc", "Dubois", "Employé d'administration", "#d97706",
     AGENT, {"population": MEMBER}),
    ("n.claes", "Nathalie", "Claes", "Assistante administrative", "#db2777",
     AGENT, {"population": MEMBER}),
    ("c.martin", "Caroline", "Martin", "Attachée", "#7c3aed",
     AGENT, {"etat-civil": MANAGER}),
    ("t.janssens", "Thomas", "Janssens", "Employé d'administration", "#0891b2",
     AGENT, {"etat-civil": MEMBER}),
    ("a.mertens", "Anne", "Mertens", "Attachée", "#dc2626",
     AGENT, {"etrangers": MANAGER}),
    ("y.benali", "Yasmina", "Benali", "Employée d'administration", "#65a30d",
     AGENT, {"etrangers": MEMBER}),
    ("k.vandenberghe", "Kevin", "Van den Berghe", "Assistant administratif",
     "#4f46e5", AGENT, {"etrangers": MEMBER}),
    ("f.lejeune", "François", "Lejeune", "Conseiller en aménagement du territoire",
     "#b45309", AGENT, {"urbanisme": MANAGER}),
    ("e.wouters", "Émilie", "Wouters", "Attachée", "#0f766e",
     AGENT, {"urbanisme": MEMBER}),
)

# username, service, repeat every (weeks), label, ((weekday, start, end), ...).
# Most agents also work in the back office, so each receives the public only a
# few half-days a week. An agent in two services (the manager) has disjoint
# ranges in each.
SCHEDULES = (
    ("manager", "population", 1, "Horaire habituel",
     ((TUE, *MORNING), (THU, *MORNING))),
    ("manager", "etat-civil", 1, "Renfort à l'état civil",
     ((MON, *AFTERNOON), (FRI, *MORNING))),
    ("agent", "population", 1, "Horaire habituel",
     ((MON, *MORNING), (TUE, *AFTERNOON), (THU, *LATE_OPENING), (FRI, *MORNING))),
    ("m.dubois", "population", 1, "Horaire habituel",
     ((MON, *MORNING), (WED, *MORNING), (FRI, *MORNING))),
    ("n.claes", "population", 1, "Horaire habituel",
     ((TUE, *MORNING), (THU, *AFTERNOON))),
    ("n.claes", "population", 2, "Samedi matin (une semaine sur deux)",
     ((SAT, *SATURDAY_MORNING),)),
    ("c.martin", "etat-civil", 1, "Horaire habituel",
     ((MON, *MORNING), (WED, *MORNING), (THU, *AFTERNOON))),
    ("t.janssens", "etat-civil", 1, "Horaire habituel",
     ((TUE, *MORNING), (WED, *MORNING), (FRI, *MORNING))),
    ("a.mertens", "etrangers", 1, "Permanences",
     ((TUE, *AFTERNOON), (THU, *AFTERNOON))),
    ("y.benali", "etrangers", 1, "Permanences",
     ((TUE, *AFTERNOON), (THU, *AFTERNOON))),
    ("k.vandenberghe", "etrangers", 1, "Permanence",
     ((TUE, *AFTERNOON),)),
    ("f.lejeune", "urbanisme", 1, "Horaire habituel",
     ((TUE, *MORNING), (THU, *AFTERNOON))),
    ("e.wouters", "urbanisme", 1, "Horaire habituel",
     ((MON, *MORNING), (WED, *AFTERNOON))),
)
# fmt: on

# --------------------------------------------------------------------------
# Visit reasons: (service, name, duration, buffer, weight, extra fields)
# ``weight`` only steers how often the generator picks the reason.
# --------------------------------------------------------------------------

REASONS = (
    (
        "population",
        "Carte d'identité électronique (eID)",
        20,
        0,
        5,
        {
            "screen_information": (
                "Carte d'identité électronique : 25,70 € (procédure normale, "
                "3 semaines). Apportez une photo récente conforme aux normes "
                "OACI (fond clair, visage dégagé, sans lunettes) et votre "
                "ancienne carte."
            ),
            "message_information": (
                "N'oubliez pas votre photo OACI et votre ancienne carte. "
                "Paiement par Bancontact de préférence."
            ),
        },
    ),
    (
        "population",
        "Passeport",
        20,
        0,
        2,
        {
            "screen_information": (
                "Passeport adulte : 90,00 € ; mineur : 45,00 € (procédure "
                "normale). Apportez votre carte d'identité, votre ancien "
                "passeport et une photo OACI récente. Les mineurs viennent "
                "avec un parent."
            ),
            "message_information": (
                "Apportez votre carte d'identité, l'ancien passeport et une photo OACI."
            ),
        },
    ),
    (
        "population",
        "Permis de conduire (format carte bancaire)",
        15,
        0,
        2,
        {
            "screen_information": (
                "Permis de conduire : 30,00 €. Apportez votre carte "
                "d'identité, votre ancien permis ou votre permis provisoire, "
                "et une photo OACI. Pour le groupe 2 : le certificat médical."
            ),
            "message_information": (
                "Apportez votre carte d'identité, l'ancien permis et une photo."
            ),
        },
    ),
    (
        "population",
        "Changement d'adresse",
        15,
        0,
        3,
        {
            "screen_information": (
                "Gratuit. Venez avec la carte d'identité de chaque personne "
                "majeure qui déménage et, si vous êtes locataire, votre bail. "
                "Un agent de quartier passera ensuite vérifier la résidence."
            ),
            "message_information": (
                "Apportez les cartes d'identité de tous les adultes du ménage."
            ),
        },
    ),
    (
        "population",
        "Certificats et extraits (composition de ménage, résidence…)",
        10,
        0,
        2,
        {
            "screen_information": (
                "La plupart des certificats sont gratuits et disponibles en "
                "ligne via Mon DOSSIER. Au guichet : 3,00 € par document. "
                "Apportez votre carte d'identité."
            ),
            "message_information": "Apportez votre carte d'identité.",
        },
    ),
    (
        "etat-civil",
        "Déclaration de naissance",
        30,
        0,
        3,
        {
            "screen_information": (
                "Dans les 15 jours qui suivent la naissance. Apportez "
                "l'attestation de naissance de la maternité, les cartes "
                "d'identité des parents et, s'il y a lieu, la reconnaissance "
                "prénatale."
            ),
            "message_information": (
                "Les deux parents sont les bienvenus ; l'un des deux suffit "
                "s'ils sont mariés."
            ),
        },
    ),
    (
        "etat-civil",
        "Déclaration de mariage",
        45,
        5,
        2,
        {
            "screen_information": (
                "Les deux futurs époux doivent être présents, avec leur carte "
                "d'identité. Copie d'acte de naissance si vous êtes né à "
                "l'étranger. La déclaration se fait au plus tôt six mois "
                "avant le mariage."
            ),
            "message_information": (
                "Venez à deux, avec vos cartes d'identité et, si vous êtes "
                "nés à l'étranger, vos actes de naissance légalisés."
            ),
        },
    ),
    (
        "etat-civil",
        "Reconnaissance prénatale",
        30,
        5,
        1,
        {
            "screen_information": (
                "Gratuit. Les deux parents se présentent avec leur carte "
                "d'identité et une attestation de grossesse du médecin ou de "
                "la sage-femme."
            ),
            "message_information": ("Venez à deux, avec l'attestation de grossesse."),
        },
    ),
    (
        "etat-civil",
        "Déclaration de décès",
        30,
        0,
        1,
        {
            "online_bookable": False,
            "screen_information": (
                "Généralement faite par l'entreprise de pompes funèbres, qui "
                "prend rendez-vous par téléphone. Apportez le certificat de "
                "décès et la carte d'identité du défunt."
            ),
            "message_information": (
                "Apportez le certificat de décès et la carte d'identité du défunt."
            ),
        },
    ),
    (
        "etrangers",
        "Renouvellement du titre de séjour",
        30,
        5,
        4,
        {
            "screen_information": (
                "Carte électronique pour étrangers : 25,70 € (carte A, B, F…). "
                "Apportez votre carte actuelle, votre passeport et une photo "
                "OACI récente."
            ),
            "message_information": (
                "Apportez votre titre de séjour actuel, votre passeport et "
                "une photo OACI."
            ),
        },
    ),
    (
        "etrangers",
        "Déclaration d'arrivée (citoyen de l'Union européenne)",
        45,
        5,
        2,
        {
            "screen_information": (
                "Apportez votre carte d'identité ou passeport, votre bail ou "
                "titre de propriété et la preuve de votre activité (contrat "
                "de travail, inscription dans une école…)."
            ),
            "message_information": (
                "Apportez votre pièce d'identité, votre bail et la preuve de "
                "votre activité en Belgique."
            ),
        },
    ),
    (
        "etrangers",
        "Demande de regroupement familial",
        60,
        5,
        1,
        {
            "needs_confirmation": True,
            "screen_information": (
                "Redevance administrative fédérale : 240,00 € à payer avant le "
                "dépôt. Apportez le passeport, les actes d'état civil "
                "légalisés et traduits, la preuve de revenus, le bail et "
                "l'attestation d'assurance maladie. Le service vérifie votre "
                "dossier avant de confirmer le rendez-vous."
            ),
            "message_information": (
                "Documents légalisés et traduits obligatoires. Le rendez-vous "
                "est confirmé après vérification de votre demande."
            ),
        },
    ),
    (
        "urbanisme",
        "Consultation d'un projet avant dépôt de permis",
        60,
        0,
        3,
        {
            "screen_information": (
                "Gratuit. Apportez vos plans, même provisoires, des photos du "
                "bien et l'extrait cadastral si vous l'avez."
            ),
            "message_information": (
                "Envoyez vos plans à urbanisme@demo-sur-meuse.be au moins "
                "deux jours avant le rendez-vous."
            ),
        },
    ),
    (
        "urbanisme",
        "Consultation d'un dossier de permis",
        30,
        0,
        2,
        {
            "screen_information": (
                "Consultation des dossiers pendant l'enquête publique ou de "
                "votre propre dossier. Apportez votre carte d'identité et la "
                "référence du dossier."
            ),
            "message_information": "Pensez à la référence du dossier.",
        },
    ),
    (
        "urbanisme",
        "Renseignements urbanistiques",
        30,
        5,
        1,
        {
            "screen_information": (
                "Lettre de renseignements urbanistiques : 50,00 € par "
                "parcelle. Apportez l'extrait cadastral et, pour un notaire, "
                "le mandat du vendeur."
            ),
            "message_information": "Apportez l'extrait cadastral.",
        },
    ),
)

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


@dataclass
class Calendar:
    """What the appointment generator needs to know about openings and closures."""

    today: date
    now: datetime
    first_day: date
    last_day: date
    closed_days: set[date] = field(default_factory=set)  # whole commune
    service_closed_days: dict[int, set[date]] = field(
        default_factory=lambda: defaultdict(set)
    )
    # (agent id, service id, day) -> extra opening ranges in minutes of the day
    extra_openings: dict[tuple[int, int, date], list[tuple[int, int]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    # agent id -> day -> busy ranges in minutes (appointment + buffer, absences)
    busy: dict[int, dict[date, list[tuple[int, int]]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(list))
    )


def monday_of(day: date) -> date:
    """The Monday of the week containing ``day``."""
    return day - timedelta(days=day.weekday())


def at(day: date, moment: time) -> datetime:
    """An aware Brussels datetime for a local wall-clock time on ``day``."""
    return datetime.combine(day, moment, tzinfo=BRUSSELS)


def minutes(moment: time) -> int:
    """Minutes since midnight of a wall-clock time."""
    return moment.hour * 60 + moment.minute


def clock(value: int) -> time:
    """The wall-clock time ``value`` minutes after midnight."""
    return time(value // 60, value % 60)


def ceil_to_grid(value: int, grid: int) -> int:
    """Round minutes since midnight up to the service's slot grid."""
    return -(-value // grid) * grid


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
# Loaders
# --------------------------------------------------------------------------


def load_commune() -> None:
    """Name the commune and fill its contact details."""
    commune = Commune.objects.get_solo()
    for name, value in COMMUNE.items():
        setattr(commune, name, value)
    commune.save()


def load_services() -> dict[str, Service]:
    """Create the four services, by slug."""
    return {data["slug"]: Service.objects.create(**data) for data in SERVICES}


def load_staff(services: dict[str, Service]) -> dict[str, Agent]:
    """Create the administrator and the agents with their memberships."""
    user_model = get_user_model()
    groups = {
        name: Group.objects.get_or_create(name=name)[0]
        for name in (ADMINISTRATOR, SERVICE_MANAGER, AGENT)
    }

    admin, _created = user_model.objects.update_or_create(
        username=ADMIN_USER["username"],
        defaults={**ADMIN_USER, "is_staff": True, "is_superuser": True},
    )
    admin.set_password(ADMIN_USER["username"])
    admin.save()
    admin.groups.add(groups[ADMINISTRATOR])

    demo_usernames = {username for _role, username in DEMO_LOGINS}
    agents = {}
    for index, (username, first, last, title, colour, group, roles) in enumerate(
        AGENTS
    ):
        user, _created = user_model.objects.update_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "email": f"{ascii_slug(first)}.{ascii_slug(last)}@{DOMAIN}",
                "is_staff": True,
            },
        )
        if username in demo_usernames:
            user.set_password(username)
        else:
            user.set_unusable_password()
        user.save()
        user.groups.add(groups[group])
        agent, _created = Agent.objects.update_or_create(
            user=user,
            defaults={
                "title": title,
                "colour": colour,
                "phone": f"081 23 46 {10 + index:02d}",
            },
        )
        for slug, role in roles.items():
            Membership.objects.create(agent=agent, service=services[slug], role=role)
        agents[username] = agent
    return agents


def load_typical_weeks(
    agents: dict[str, Agent], services: dict[str, Service], valid_from: date
) -> list[tuple[Agent, Service, TypicalWeek, tuple]]:
    """Create the typical weeks; return them with their (weekday, start, end)."""
    schedules = []
    ranges = []
    for username, slug, repeat_every, label, week_ranges in SCHEDULES:
        service = services[slug]
        week = TypicalWeek.objects.create(
            agent=agents[username],
            service=service,
            label=f"{service.name} : {label}",
            valid_from=valid_from,
            repeat_every=repeat_every,
        )
        ranges.extend(
            TypicalWeekRange(typical_week=week, weekday=weekday, start=start, end=end)
            for weekday, start, end in week_ranges
        )
        schedules.append((agents[username], service, week, week_ranges))
    TypicalWeekRange.objects.bulk_create(ranges)
    return schedules


def first_day_on_or_after(
    day: date, weekday: int, holidays: dict[date, str], avoid=()
) -> date:
    """The first ``weekday`` from ``day`` on that is neither a holiday nor avoided."""
    day += timedelta(days=(weekday - day.weekday()) % 7)
    while day in holidays or day in avoid:
        day += timedelta(days=7)
    return day


def load_exceptions_and_closures(
    agents: dict[str, Agent],
    services: dict[str, Service],
    schedules,
    calendar: Calendar,
    holidays: dict[date, str],
) -> None:
    """Create absences, an extra Saturday opening and two closures.

    Fills ``calendar`` with what they mean for the appointment generator.
    """
    today = calendar.today
    leave_monday = monday_of(today) - timedelta(weeks=2)
    training_day = first_day_on_or_after(today + timedelta(days=3), WED, holidays)
    meeting_day = first_day_on_or_after(today + timedelta(days=1), TUE, holidays)
    unavailable = (
        ("m.dubois", at(leave_monday, time()), at(leave_monday + timedelta(5), time()),
         "Congé annuel"),
        ("t.janssens", at(training_day, MORNING[0]), at(training_day, MORNING[1]),
         "Formation : Banque de données des actes de l'état civil (BAEC)"),
        ("y.benali", at(meeting_day, AFTERNOON[0]), at(meeting_day, AFTERNOON[1]),
         "Réunion à l'Office des étrangers"),
    )  # fmt: skip
    rows = []
    for username, start, end, note in unavailable:
        agent = agents[username]
        rows.append(
            AvailabilityException(
                agent=agent,
                kind=AvailabilityException.Kind.UNAVAILABLE,
                start=start,
                end=end,
                note=note,
            )
        )
        block_period(calendar, agent.pk, start, end)

    # An extra Saturday for Population, on a week without the biweekly one.
    saturday_weeks = [
        week for _agent, _service, week, ranges in schedules if ranges[0][0] == SAT
    ]
    busy_saturdays = {
        day
        for day in (today + timedelta(days=offset) for offset in range(35))
        if any(applies(week, day) for week in saturday_weeks)
    }
    saturday = first_day_on_or_after(
        today + timedelta(days=5), SAT, holidays, avoid=busy_saturdays
    )
    population, dubois = services["population"], agents["m.dubois"]
    rows.append(
        AvailabilityException(
            agent=dubois,
            service=population,
            kind=AvailabilityException.Kind.EXTRA_OPENING,
            start=at(saturday, SATURDAY_MORNING[0]),
            end=at(saturday, SATURDAY_MORNING[1]),
            note="Samedi supplémentaire : pic de demandes de passeports",
        )
    )
    calendar.extra_openings[(dubois.pk, population.pk, saturday)].append(
        (minutes(SATURDAY_MORNING[0]), minutes(SATURDAY_MORNING[1]))
    )
    AvailabilityException.objects.bulk_create(rows)

    local_feast = first_day_on_or_after(today + timedelta(days=8), MON, holidays)
    Closure.objects.create(
        label="Fête locale", start_date=local_feast, end_date=local_feast
    )
    calendar.closed_days.add(local_feast)

    urbanisme = services["urbanisme"]
    training = first_day_on_or_after(
        today + timedelta(days=12), TUE, holidays, avoid={local_feast}
    )
    Closure.objects.create(
        service=urbanisme,
        label="Formation du service au Code du développement territorial",
        start_date=training,
        end_date=training,
    )
    calendar.service_closed_days[urbanisme.pk].add(training)


def block_period(calendar: Calendar, agent_id: int, start: datetime, end: datetime):
    """Mark an absence as busy time, day by day, in local minutes."""
    local_start, local_end = start.astimezone(BRUSSELS), end.astimezone(BRUSSELS)
    day = local_start.date()
    while day <= local_end.date():
        first = minutes(local_start.time()) if day == local_start.date() else 0
        last = minutes(local_end.time()) if day == local_end.date() else 24 * 60
        if first < last:
            calendar.busy[agent_id][day].append((first, last))
        day += timedelta(days=1)


def applies(week: TypicalWeek, day: date) -> bool:
    """Whether a typical week is in force on ``day`` (validity and repetition)."""
    if day < week.valid_from or (week.valid_until and day > week.valid_until):
        return False
    weeks_since = (monday_of(day) - monday_of(week.valid_from)).days // 7
    return weeks_since % week.repeat_every == 0


def load_reasons(services: dict[str, Service]) -> dict[int, list[tuple]]:
    """Create the visit reasons; return (reason, weight) pairs by service id."""
    by_service = defaultdict(list)
    for slug, name, duration, buffer, weight, extra in REASONS:
        service = services[slug]
        reason = VisitReason.objects.create(
            service=service,
            name=name,
            duration_minutes=duration,
            buffer_minutes=buffer,
            order=len(by_service[service.pk]) + 1,
            **extra,
        )
        by_service[reason.service_id].append((reason, weight))
    return by_service


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


def occupancy(calendar: Calendar, day: date) -> float:
    """Share of the opening time booked: lower the further in the future."""
    if day <= calendar.today:
        return PAST_OCCUPANCY
    ahead = (day - calendar.today).days / DAYS_AROUND_TODAY
    return NEAR_OCCUPANCY + (FAR_OCCUPANCY - NEAR_OCCUPANCY) * ahead


def is_free(busy: list[tuple[int, int]], start: int, end: int) -> bool:
    """Whether [start, end) overlaps none of the busy ranges."""
    return all(end <= busy_start or busy_end <= start for busy_start, busy_end in busy)


def day_ranges(calendar: Calendar, agent, service, weeks, day) -> list[tuple]:
    """The agent's opening ranges for the service on ``day``, in minutes."""
    if day in calendar.closed_days or day in calendar.service_closed_days[service.pk]:
        return []
    ranges = [
        (minutes(start), minutes(end))
        for week, week_ranges in weeks
        if applies(week, day)
        for weekday, start, end in week_ranges
        if weekday == day.weekday()
    ]
    ranges.extend(calendar.extra_openings.get((agent.pk, service.pk, day), ()))
    return sorted(ranges)


def fill_range(rng, rate, grid, reasons, busy, opening) -> list[tuple]:
    """Place appointments in one opening range: (reason, start, end) in minutes.

    The range is walked along the service's ``grid``; at each step a reason is
    drawn and either booked or left as a gap of the same length, so that about
    ``rate`` of the time ends up booked. ``busy`` (the agent's day, in every
    service, buffers included) is extended with what is booked, and nothing is
    booked over it.
    """
    booked = []
    cursor, closing = ceil_to_grid(opening[0], grid), opening[1]
    while True:
        fitting = [
            pair for pair in reasons if cursor + pair[0].duration_minutes <= closing
        ]
        if not fitting:
            return booked
        reason = weighted(rng, fitting)
        end = cursor + reason.duration_minutes
        held_until = end + reason.buffer_minutes
        if rng.random() < rate and is_free(busy, cursor, held_until):
            booked.append((reason, cursor, end))
            busy.append((cursor, held_until))
            cursor = ceil_to_grid(held_until, grid)
        else:
            cursor = ceil_to_grid(end, grid)


def make_appointment(rng, calendar, agent, service, reason, citizen, day, start, end):
    """An unsaved appointment with a plausible status, channel and history."""
    starts_at, ends_at = at(day, clock(start)), at(day, clock(end))
    now = calendar.now
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


def load_appointments(rng, calendar, schedules, reasons, citizens, with_number):
    """Fill every agent's openings around today; return the number created."""
    weeks_by_membership = defaultdict(list)
    for agent, service, week, week_ranges in schedules:
        weeks_by_membership[(agent, service)].append((week, week_ranges))

    appointments = []
    day_count = (calendar.last_day - calendar.first_day).days + 1
    for (agent, service), weeks in weeks_by_membership.items():
        pool = with_number if service.requires_national_number else citizens
        for offset in range(day_count):
            day = calendar.first_day + timedelta(days=offset)
            busy = calendar.busy[agent.pk][day]
            rate = occupancy(calendar, day)
            for opening in day_ranges(calendar, agent, service, weeks, day):
                for reason, start, end in fill_range(
                    rng, rate, service.slot_minutes, reasons[service.pk], busy, opening
                ):
                    appointments.append(
                        make_appointment(
                            rng, calendar, agent, service, reason,
                            rng.choice(pool), day, start, end,
                        )
                    )  # fmt: skip
    # auto_now(_add) stamps every row "now" in bulk_create, on the very objects
    # given: keep the generated booking dates aside, then bulk_update writes
    # them back (it skips pre_save()).
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
    help = "Load a demo commune (services, agents, citizens, appointments) once."

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
    calendar = Calendar(
        today=today,
        now=timezone.now(),
        first_day=today - timedelta(days=DAYS_AROUND_TODAY),
        last_day=today + timedelta(days=DAYS_AROUND_TODAY),
    )
    holidays = belgian_public_holidays(
        calendar.first_day, calendar.last_day + timedelta(days=60)
    )
    calendar.closed_days.update(holidays)

    load_commune()
    services = load_services()
    agents = load_staff(services)
    schedules = load_typical_weeks(
        agents, services, valid_from=monday_of(today) - timedelta(weeks=8)
    )
    load_exceptions_and_closures(agents, services, schedules, calendar, holidays)
    reasons = load_reasons(services)
    citizens, with_number = load_citizens(rng)
    appointment_count = load_appointments(
        rng, calendar, schedules, reasons, citizens, with_number
    )
    return {
        "services": len(services),
        "agents": len(agents),
        "reasons": len(REASONS),
        "citizens": len(citizens),
        "appointments": appointment_count,
    }
