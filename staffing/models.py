"""Who works when: agents, services, memberships, typical weeks, exceptions and
closures (MISSION R14, R16, R18, R19, R22).

These rows are the inputs of the pure availability engine
(``staffing/availability.py``); ``booking.slots`` loads them in a constant number
of queries and hands plain dataclasses to it.
"""

import hashlib
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from . import closures

# Top-level paths of the site: a service slug becomes the first segment of its
# public booking URL (/<slug>/), so it must not shadow them.
RESERVED_SLUGS = frozenset(
    {
        "accessibility",
        "admin",
        "api",
        "embed",
        "feeds",
        "i18n",
        "manage",
        "media",
        "privacy",
        "r",  # the personal link's short form (issue 20)
        "static",
    }
)


def validate_service_slug(value: str) -> None:
    """Refuse a slug that would hide one of the site's own pages."""
    if value.lower() in RESERVED_SLUGS:
        raise ValidationError(
            _("“%(slug)s” is reserved by the site: choose another slug."),
            params={"slug": value},
            code="reserved_slug",
        )


def new_feed_token() -> str:
    """A random, URL-safe secret for an agent's private agenda feed."""
    return secrets.token_urlsafe(24)


class SiteQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class Site(models.Model):
    """A place where citizens are received: the town hall, a district office
    (issue 25, point 4).

    A site belongs to the commune, not to one service: several services may
    receive in the town hall. A typical week says where its agent sits
    (``TypicalWeek.site``); a service's sites are its main site and the sites
    of its typical weeks. An agent is in one place at a time: two typical weeks
    of one agent at different sites never overlap (``staffing.services``).
    """

    name = models.CharField(_("name"), max_length=120)
    address = models.TextField(_("address"), blank=True)
    information = models.TextField(
        _("information for citizens"),
        blank=True,
        help_text=_("How to get there, the entrance, parking: shown with the address."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    objects = SiteQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("site")
        verbose_name_plural = _("sites")
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class ServiceQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class Service(models.Model):
    """A team that receives citizens ("Population", "Étrangers"…)."""

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(
        _("slug"), max_length=60, unique=True, validators=[validate_service_slug]
    )
    description = models.TextField(_("description"), blank=True)
    address = models.TextField(_("address"), blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    is_active = models.BooleanField(_("open for bookings"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    # Where the service receives unless a typical week says otherwise (issue
    # 25, point 4); empty: the service's own address.
    main_site = models.ForeignKey(
        Site,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="main_for",
        verbose_name=_("main site"),
        help_text=_(
            "Where the service receives citizens, unless a typical week or an "
            "extra opening says another site."
        ),
    )
    citizens_choose_agent = models.BooleanField(
        _("citizens may choose an agent"),
        default=False,
        help_text=_("Otherwise any available agent of the service takes the booking."),
    )
    needs_confirmation = models.BooleanField(
        _("bookings need an agent's confirmation"), default=False
    )
    shows_free_agents = models.BooleanField(
        _("show citizens how many agents are free"),
        default=False,
        help_text=_(
            "On the public times page, each time says how many agents are "
            "still free then."
        ),
    )
    slot_minutes = models.PositiveSmallIntegerField(
        _("slot grid (minutes)"),
        default=15,
        validators=[MinValueValidator(5), MaxValueValidator(240)],
        help_text=_("Appointments start on this grid: every 15 minutes, say."),
    )
    min_notice_hours = models.PositiveSmallIntegerField(
        _("minimum notice (hours)"),
        default=2,
        help_text=_("Citizens cannot book or change later than this before the start."),
    )
    max_horizon_days = models.PositiveSmallIntegerField(
        _("booking horizon (days)"),
        default=90,
        validators=[MinValueValidator(1), MaxValueValidator(366)],
    )
    requires_national_number = models.BooleanField(
        _("national register number required"), default=False
    )
    requires_birth_date = models.BooleanField(
        _("date of birth required"), default=False
    )
    requires_address = models.BooleanField(_("address required"), default=False)
    # Requests that never rot (R10, issue 24): escalated, then decided.
    request_escalation_hours = models.PositiveSmallIntegerField(
        _("escalate unanswered requests after (hours)"),
        null=True,
        blank=True,
        default=24,
        validators=[MinValueValidator(1)],
        help_text=_(
            "A request still awaiting confirmation this long after it was made "
            "is sent to the service's managers. Empty: never."
        ),
    )
    request_deadline_hours = models.PositiveSmallIntegerField(
        _("decide unanswered requests (hours before the appointment)"),
        null=True,
        blank=True,
        default=None,
        help_text=_(
            "A request still unanswered this many hours before its time is "
            "decided automatically, and the citizen told. Empty: never."
        ),
    )
    request_deadline_decision = models.CharField(
        _("automatic decision"),
        max_length=8,
        choices=[("confirm", _("confirm it")), ("refuse", _("refuse it"))],
        default="refuse",
    )

    objects = ServiceQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class AgentQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True, user__is_active=True)

    def in_service(self, service):
        return self.filter(memberships__service=service)


class Agent(models.Model):
    """A member of the commune's staff who receives citizens."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="agent",
        verbose_name=_("user"),
    )
    title = models.CharField(_("job title"), max_length=120, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    colour = models.CharField(
        _("colour in agendas"), max_length=7, default="#2563eb", blank=True
    )
    is_active = models.BooleanField(_("active"), default=True)
    services = models.ManyToManyField(
        Service, through="Membership", related_name="agents", verbose_name=_("services")
    )
    feed_token = models.CharField(
        _("agenda feed token"), max_length=64, default=new_feed_token, unique=True
    )

    objects = AgentQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["feed_token"])

    class Meta:
        verbose_name = _("agent")
        verbose_name_plural = _("agents")
        ordering = ["user__last_name", "user__first_name"]

    def __str__(self) -> str:
        return self.user.get_full_name() or self.user.get_username()


class Membership(models.Model):
    """An agent's place in a service: member, or manager of it."""

    class Role(models.TextChoices):
        MEMBER = "member", _("member")
        MANAGER = "manager", _("manager")

    agent = models.ForeignKey(
        Agent,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("agent"),
    )
    service = models.ForeignKey(
        Service,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("service"),
    )
    role = models.CharField(
        _("role"), max_length=10, choices=Role.choices, default=Role.MEMBER
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["agent", "service"], name="membership_unique_agent_service"
            )
        ]

    def __str__(self) -> str:
        return f"{self.agent} – {self.service} ({self.get_role_display()})"


class TypicalWeek(models.Model):
    """An agent's weekly opening for one service, repeated over a period (R18, R19).

    ``repeat_every`` counts weeks from the week of ``valid_from``: 2 means the
    ranges apply on that week, the week after next, and so on.
    """

    agent = models.ForeignKey(
        Agent,
        on_delete=models.CASCADE,
        related_name="typical_weeks",
        verbose_name=_("agent"),
    )
    service = models.ForeignKey(
        Service,
        on_delete=models.CASCADE,
        related_name="typical_weeks",
        verbose_name=_("service"),
    )
    site = models.ForeignKey(
        Site,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="typical_weeks",
        verbose_name=_("site"),
        help_text=_(
            "Where the agent receives that week. Empty: the service's main site."
        ),
    )
    label = models.CharField(_("label"), max_length=120, blank=True)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    repeat_every = models.PositiveSmallIntegerField(
        _("repeat every (weeks)"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(8)],
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("typical week")
        verbose_name_plural = _("typical weeks")
        ordering = ["agent", "service", "valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True)
                | Q(valid_until__gte=F("valid_from")),
                name="typicalweek_until_after_from",
            ),
            models.CheckConstraint(
                condition=Q(repeat_every__gte=1), name="typicalweek_repeat_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.label or f"{self.agent} – {self.service}"

    @property
    def where_id(self) -> int | None:
        """The site the agent sits at that week: its own, else the service's
        main one (None: the service has no site)."""
        return self.site_id or self.service.main_site_id


class TypicalWeekRange(models.Model):
    """One opening range of a typical week: a weekday and local wall-clock times."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    typical_week = models.ForeignKey(
        TypicalWeek,
        on_delete=models.CASCADE,
        related_name="ranges",
        verbose_name=_("typical week"),
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start = models.TimeField(_("from"))
    end = models.TimeField(_("until"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("opening range")
        verbose_name_plural = _("opening ranges")
        ordering = ["weekday", "start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=F("start")), name="typicalweekrange_end_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}–{self.end:%H:%M}"


class AvailabilityExceptionQuerySet(models.QuerySet):
    def overlapping(self, start, end):
        return self.filter(start__lt=end, end__gt=start)


class AvailabilityException(models.Model):
    """A one-off change to an agent's typical weeks: closed, or open in addition."""

    class Kind(models.TextChoices):
        UNAVAILABLE = "unavailable", _("unavailable")
        EXTRA_OPENING = "extra_opening", _("extra opening")

    agent = models.ForeignKey(
        Agent,
        on_delete=models.CASCADE,
        related_name="exceptions",
        verbose_name=_("agent"),
    )
    service = models.ForeignKey(
        Service,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="exceptions",
        verbose_name=_("service"),
        help_text=_(
            "Required for an extra opening; leave empty for an unavailability "
            "that concerns all the agent's services."
        ),
    )
    kind = models.CharField(
        _("kind"), max_length=20, choices=Kind.choices, default=Kind.UNAVAILABLE
    )
    site = models.ForeignKey(
        Site,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="exceptions",
        verbose_name=_("site"),
        help_text=_(
            "For an extra opening: where the agent receives. Empty: the "
            "service's main site."
        ),
    )
    start = models.DateTimeField(_("from"))
    end = models.DateTimeField(_("until"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = AvailabilityExceptionQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("availability exception")
        verbose_name_plural = _("availability exceptions")
        ordering = ["-start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=F("start")), name="exception_end_after_start"
            ),
        ]
        indexes = [models.Index(fields=["agent", "start"])]

    def __str__(self) -> str:
        # Stored in UTC: shown in the commune's time (it was UTC in lists).
        start = timezone.localtime(self.start)
        return f"{self.agent}: {self.get_kind_display()} {start:%d/%m/%Y %H:%M}"

    def clean(self) -> None:
        if self.kind == self.Kind.EXTRA_OPENING and not self.service_id:
            raise ValidationError(
                {"service": _("Choose the service this extra opening is for.")}
            )


class Closure(models.Model):
    """Days when the commune (or one service) receives nobody.

    Belgian public holidays need no row: ``staffing.closures`` adds them.
    """

    service = models.ForeignKey(
        Service,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="closures",
        verbose_name=_("service"),
        help_text=_("Leave empty to close the whole commune."),
    )
    label = models.CharField(_("label"), max_length=120)
    start_date = models.DateField(_("first day"))
    end_date = models.DateField(_("last day"))
    # Closures that repeat (issue 24, point 3): this row is the first year; the
    # following years are rows of their own (``repeat_of`` this one), written
    # ahead of time by the "Yearly closures" job through the closure
    # consequences (booking.closure_repeats).
    repeats_yearly = models.BooleanField(
        _("repeats every year"),
        default=False,
        help_text=_(
            "The same days are closed every year. Each year's closure is written "
            "ahead of time, before citizens can book those days; from then on "
            "it is a closure of its own, which you may change or delete."
        ),
    )
    repeat_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="occurrences",
        verbose_name=_("a year of"),
    )
    # The last year written for a closure that repeats (None: only its own).
    repeated_through = models.PositiveSmallIntegerField(
        _("written through the year"), null=True, blank=True, editable=False
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("closure")
        verbose_name_plural = _("closures")
        ordering = ["-start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")),
                name="closure_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.start_date:%d/%m/%Y}–{self.end_date:%d/%m/%Y})"

    def clean(self) -> None:
        if not self.repeats_yearly or not (self.start_date and self.end_date):
            return
        if self.repeat_of_id:
            raise ValidationError(
                {
                    "repeats_yearly": _(
                        "This closure is already one year of a closure that "
                        "repeats: change that one instead."
                    )
                }
            )
        if self.end_date >= closures.same_day_in_year(
            self.start_date, self.start_date.year + 1
        ):
            raise ValidationError(
                {
                    "end_date": _(
                        "A closure that repeats every year lasts less than a year."
                    )
                }
            )


def feed_token_digest(token: str) -> str:
    """What is kept of a retired feed token: enough to recognise it, no more."""
    return hashlib.sha256(token.encode()).hexdigest()


class RetiredFeedToken(models.Model):
    """An agenda feed token that was replaced: its address answers 410 Gone.

    A calendar application subscribed to an old address then shows an error
    instead of going silently stale; a token that never existed stays a 404.
    Only a digest of the token is kept. ``to_notify`` marks the agents who must
    be sent their new address (messaging's "Agenda feed addresses" job): those
    whose token someone else replaced.
    """

    agent = models.ForeignKey(
        Agent,
        on_delete=models.CASCADE,
        related_name="retired_feed_tokens",
        verbose_name=_("agent"),
    )
    token_digest = models.CharField(_("token digest (SHA-256)"), max_length=64)
    retired_at = models.DateTimeField(_("retired at"), auto_now_add=True)
    to_notify = models.BooleanField(_("new address to send"), default=False)

    class Meta:
        verbose_name = _("retired agenda feed token")
        verbose_name_plural = _("retired agenda feed tokens")
        ordering = ["-retired_at"]
        indexes = [models.Index(fields=["token_digest"])]

    def __str__(self) -> str:
        return f"{self.agent} ({self.retired_at:%d/%m/%Y})"
