"""factory_boy factories for every model the tests build."""

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

import factory
from django.contrib.auth.models import Group, User
from django.utils import timezone

from booking.models import Appointment, Citizen, VisitReason
from core.roles import AGENT
from staffing.models import (
    Agent,
    AvailabilityException,
    Closure,
    Membership,
    Service,
    Site,
    TypicalWeek,
    TypicalWeekRange,
)


def local(day: date, hour: int, minute: int = 0) -> datetime:
    """An aware datetime at a wall-clock time of the commune's time zone."""
    return datetime.combine(
        day, time(hour, minute), tzinfo=timezone.get_default_timezone()
    )


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name", locale="fr_BE")
    last_name = factory.Faker("last_name", locale="fr_BE")
    email = factory.LazyAttribute(lambda user: f"{user.username}@commune.example")
    is_staff = True
    password = factory.django.Password("secret-pass")

    @factory.post_generation
    def groups(self, create, names, **kwargs):
        if create and names:
            self.groups.add(*Group.objects.filter(name__in=names))


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Service {n}")
    slug = factory.Sequence(lambda n: f"service-{n}")
    min_notice_hours = 0


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site

    name = factory.Sequence(lambda n: f"Site {n}")
    address = factory.Sequence(lambda n: f"Rue du Site {n}, 5000 Démo-sur-Meuse")


class AgentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agent

    user = factory.SubFactory(UserFactory, groups=[AGENT])


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    agent = factory.SubFactory(AgentFactory)
    service = factory.SubFactory(ServiceFactory)


class TypicalWeekFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TypicalWeek

    agent = factory.SubFactory(AgentFactory)
    service = factory.SubFactory(ServiceFactory)
    valid_from = date(2026, 1, 5)


class TypicalWeekRangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TypicalWeekRange

    typical_week = factory.SubFactory(TypicalWeekFactory)
    weekday = 0
    start = time(8, 0)
    end = time(12, 0)


class AvailabilityExceptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AvailabilityException

    agent = factory.SubFactory(AgentFactory)
    start = factory.LazyFunction(lambda: timezone.now() + timedelta(days=1))
    end = factory.LazyAttribute(lambda row: row.start + timedelta(hours=4))


class ClosureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Closure

    label = "Fête locale"
    start_date = date(2026, 9, 14)
    end_date = date(2026, 9, 14)


class CitizenFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Citizen

    # Unique, predictable names: a random one could equal a name a test types
    # and checks (a Faker "Dupont" made one test flaky).
    last_name = factory.Sequence(lambda n: f"Citoyen{n}")
    first_name = factory.Sequence(lambda n: f"Prénom{n}")
    email = factory.Sequence(lambda n: f"citizen{n}@example.be")
    phone = "+32470123456"


class VisitReasonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VisitReason

    service = factory.SubFactory(ServiceFactory)
    name = factory.Sequence(lambda n: f"Reason {n}")
    duration_minutes = 15


class AppointmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Appointment

    service = factory.SubFactory(ServiceFactory)
    agent = factory.SubFactory(AgentFactory)
    reason = factory.SubFactory(
        VisitReasonFactory, service=factory.SelfAttribute("..service")
    )
    citizen = factory.SubFactory(CitizenFactory)
    start = factory.LazyFunction(lambda: timezone.now() + timedelta(days=2))
    end = factory.LazyAttribute(lambda row: row.start + timedelta(minutes=15))


class MessageFactory(factory.django.DjangoModelFactory):
    """An outbox row, already sent (messaging)."""

    class Meta:
        model = "messaging.Message"

    appointment = factory.SubFactory(AppointmentFactory)
    event = "booked"
    channel = "email"
    recipient = factory.LazyAttribute(lambda row: row.appointment.citizen.email)
    language = "fr"
    subject = "Rendez-vous confirmé"
    body = "Bonjour,"
    status = "sent"


# --- Builders: an agent open on given days and hours, appointments in it ----------

MONDAY, TUESDAY, WEDNESDAY, THURSDAY, FRIDAY, SATURDAY, SUNDAY = range(7)
WEEKDAYS = (MONDAY, TUESDAY, WEDNESDAY, THURSDAY, FRIDAY)
EVERY_DAY = tuple(range(7))


def open_agent(
    service: Service,
    agent: Agent | None = None,
    *,
    weekdays: Iterable[int] = (TUESDAY,),
    start: time = time(9),
    end: time = time(12),
    valid_from: date = date(2026, 1, 5),
    role: str = Membership.Role.MEMBER,
    site: Site | None = None,
) -> Agent:
    """An agent of ``service`` open every week on ``weekdays`` from ``start`` to
    ``end`` (one typical week valid from ``valid_from``).

    A new agent, or ``agent`` made a member of ``service`` (with ``role``) if
    not yet; each call adds a typical week of that agent in that service,
    at ``site`` (None: the service's main site).
    """
    agent = agent or AgentFactory()
    Membership.objects.get_or_create(
        agent=agent, service=service, defaults={"role": role}
    )
    week = TypicalWeekFactory(
        agent=agent, service=service, valid_from=valid_from, site=site
    )
    for weekday in weekdays:
        TypicalWeekRangeFactory(
            typical_week=week, weekday=weekday, start=start, end=end
        )
    return agent


def next_weekday(weekday: int = TUESDAY, *, weeks_ahead: int = 1) -> date:
    """A day of that weekday at least ``weeks_ahead`` weeks from today."""
    today = timezone.localdate()
    days = (weekday - today.weekday()) % 7 + 7 * weeks_ahead
    return today + timedelta(days=days)


def appointment_at(
    agent: Agent, service: Service, day: date, hour: int, minute: int = 0, **kwargs
) -> Appointment:
    """A 15-minute confirmed appointment of ``agent`` at a local time."""
    kwargs.setdefault("booked_for_service", True)
    start = local(day, hour, minute)
    return AppointmentFactory(
        agent=agent,
        service=service,
        start=start,
        end=start + timedelta(minutes=15),
        **kwargs,
    )
