"""No shipped SMS leaves GSM-7 unless what it carries needs it (issue 19, point 5).

One character outside the GSM-7 alphabet (a typographic apostrophe, a
no-break space, an ellipsis, "û") sends the whole SMS in UCS-2: 70 characters
a segment instead of 160. Every shipped SMS text is rendered in every language
with the demo commune's services, reasons and agents, on a day of each month
and each weekday, and with long made-up data full of typography; only what
the message carries may bring a letter of its own: a person's name
("François"), a word the commune typed ("dépôt").
"""

from datetime import date, datetime, time, timedelta

import pytest
from django.conf import settings
from django.core import serializers
from django.utils import timezone

from booking.models import Appointment, Citizen, VisitReason
from core.languages import CODES
from messaging.defaults import DEFAULT_TEMPLATES
from messaging.models import Channel
from messaging.rendering import (
    Texts,
    appointment_context,
    day_list_context,
    render_texts,
    sample_context,
)
from messaging.sms import GSM7_BASIC, GSM7_EXTENSION, gsm7_friendly, sms_segments
from staffing.models import Agent, Service

pytestmark = pytest.mark.django_db

DEMO_FILES = (
    "commune.yaml",
    "sites.yaml",
    "services.yaml",
    "staff.yaml",
    "visit_reasons.yaml",
)
SMS_TEXTS = {
    (event, language): text.body
    for (event, channel, language), text in DEFAULT_TEMPLATES.items()
    if channel == Channel.SMS
}
# A day in each month, each weekday among them (the dates are written out).
DAYS = [date(2027, month, month * 6 % 28 + 1) for month in range(1, 13)]
CANCELLATION = (
    "L’agent est absent ce jour-là – «\u00a0formation\u00a0» imprévue… "
    "Nous vous prions de nous excuser\u202f!"
)


def outside_gsm7(text: str) -> set[str]:
    return {c for c in text if c not in GSM7_BASIC and c not in GSM7_EXTENSION}


@pytest.fixture
def demo(db):
    """The demo commune's rows (fixtures/), as seed_demo saves them."""
    folder = settings.BASE_DIR / "fixtures"
    for name in DEMO_FILES:
        with (folder / name).open(encoding="utf-8") as stream:
            for item in serializers.deserialize("yaml", stream):
                item.save()


def _appointment(reason, agent, start, citizen) -> Appointment:
    """An unsaved appointment: rendering reads no row of its own."""
    return Appointment(
        pk=123456,
        citizen=citizen,
        service=reason.service,
        reason=reason,
        agent=agent,
        start=start,
        end=start + timedelta(minutes=reason.duration_minutes),
        status=Appointment.Status.PENDING,
        contact_phone="+32470123456",
        remarks="Je viendrai avec ma fille.",
    )


def _context(appointment, language: str) -> dict:
    """Everything an SMS of any event may use, from this appointment."""
    agent = appointment.agent
    start = timezone.localtime(appointment.start)
    return {
        **sample_context(language),
        **appointment_context(
            appointment,
            language=language,
            cancellation_reason=CANCELLATION,
            previous_start=start - timedelta(days=1),
            recipient_name=str(agent),
        ),
        **day_list_context(agent, start.date(), [appointment], language=language),
    }


def _render(event: str, language: str, context: dict) -> str:
    texts = Texts("", SMS_TEXTS[(event, language)])
    return render_texts(
        texts, channel=Channel.SMS, context=context, language=language
    ).body


def _letters_of_content(appointment, context: dict) -> set[str]:
    """Letters outside GSM-7 that what the message carries needs: a person's
    name ("François"), a word the commune typed ("dépôt"). Typography is
    never needed: it has a GSM-7 equivalent."""
    content = " ".join(
        [
            appointment.citizen.first_name,
            appointment.citizen.last_name,
            str(appointment.agent),
            context["service"]["name"],
            context["service"]["address"],
            context["reason"]["name"],
            context["commune"]["name"],
        ]
    )
    return {char for char in outside_gsm7(content) if char.isalpha()}


def _start(day: date) -> datetime:
    return datetime.combine(day, time(10, 30), tzinfo=timezone.get_default_timezone())


def test_the_days_cover_every_month_and_weekday():
    assert {day.month for day in DAYS} == set(range(1, 13))
    assert {day.weekday() for day in DAYS} == set(range(7))


@pytest.mark.parametrize("language", CODES)
def test_every_sms_with_the_demo_data_stays_in_gsm7(demo, language):
    citizen = Citizen(first_name="Marie", last_name="Dupont", language=language)
    reasons = list(VisitReason.objects.select_related("service").order_by("pk"))
    assert len(reasons) > 5 and Service.objects.count() >= 4
    agents = {
        service.pk: Agent.objects.filter(services=service).order_by("pk").first()
        for service in Service.objects.all()
    }
    cases = [(reason, _start(DAYS[0])) for reason in reasons]
    cases += [(reasons[0], _start(day)) for day in DAYS[1:]]
    problems = []
    for reason, start in cases:
        appointment = _appointment(reason, agents[reason.service_id], start, citizen)
        context = _context(appointment, language)
        allowed = _letters_of_content(appointment, context)
        for event, lang in SMS_TEXTS:
            if lang != language:
                continue
            body = _render(event, language, context)
            extra = outside_gsm7(body) - allowed
            if extra:
                problems.append((event, reason.name, sorted(extra), body))
            encoding, _chars, segments = sms_segments(body)
            if encoding == "GSM-7" and segments > settings.SMS_MAX_SEGMENTS:
                problems.append((event, reason.name, "segments", body))
    assert problems == []


@pytest.mark.parametrize("language", CODES)
def test_long_data_full_of_typography_stays_in_gsm7(demo, language):
    service = Service.objects.order_by("pk").first()
    service.name = "Service « Population – Étrangers » de l’Administration communale"
    service.address = "Rue de l’Église 12\u00a0bte\u00a03\n5000 Démo-sur-Meuse"
    service.phone = "081\u00a023\u00a045\u00a010"
    reason = VisitReason(
        service=service,
        name="Carte d’identité électronique – enfant de moins de 12 ans (Kids-ID)…",
        duration_minutes=45,
        message_information="Apportez l’ancienne carte\u00a0: 25\u202f€.",
    )
    agent = Agent.objects.filter(services=service).order_by("pk").first()
    citizen = Citizen(
        first_name="Marie-Charlotte", last_name="Van den Bossche de l'Escaille"
    )
    for day in DAYS:
        appointment = _appointment(reason, agent, _start(day), citizen)
        context = _context(appointment, language)
        context["commune"]["name"] = "Commune d’Écaussinnes – «\u00a0Démo\u00a0»"
        for event, lang in SMS_TEXTS:
            if lang == language:
                body = _render(event, language, context)
                assert outside_gsm7(body) == set(), (event, body)


def test_a_name_that_needs_its_letters_keeps_them(demo):
    citizen = Citizen(first_name="Łukasz", last_name="Wiśniewski", language="fr")
    reason = VisitReason.objects.order_by("pk").first()
    agent = Agent.objects.filter(services=reason.service).order_by("pk").first()
    context = _context(_appointment(reason, agent, _start(DAYS[7]), citizen), "fr")

    body = _render("agent_new", "fr", context)

    assert "Łukasz Wiśniewski" in body
    assert outside_gsm7(body) == {"Ł", "ś"}
    assert " aout 2027" in body  # the date, in GSM-7 all the same


@pytest.mark.parametrize(
    ("typed", "sent"),
    [
        ("l’agent", "l'agent"),
        ("« formation »", '"formation"'),
        ("dit «\u00a0oui\u00a0» ici", 'dit "oui" ici'),
        ("Motif\u00a0: 25\u202f€", "Motif : 25 €"),
        ("8h30 – 12h…", "8h30 - 12h..."),
        ("mardi 3 août", "mardi 3 aout"),
        ("François Œuvre", "François Œuvre"),  # letters stay
    ],
)
def test_typography_is_written_in_gsm7(typed, sent):
    assert gsm7_friendly(typed) == sent
