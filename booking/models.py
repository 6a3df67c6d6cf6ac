"""Citizens, visit reasons and appointments (MISSION R2–R13, R15, R23).

Only ``booking/services.py`` writes appointments: it locks, re-checks
availability and sends the domain signals of ``booking/events.py``. The one
exception is the demo loader (``seed_demo``), which bulk-creates its generated
bookings without signals or messages and says so.

Which citizens a member of staff may see is decided in one place,
``CitizenQuerySet.visible_to``.
"""

from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField
from simple_history.models import HistoricalRecords
from stdnum.be import nn

from core.localtime import day_bounds
from core.models import Language
from core.roles import is_administrator
from staffing import scopes
from staffing.models import Agent, Service, Site

from . import citizen_rules, link_codes, references

# The longest buffer a reason may have after its visits (four hours). The slot
# search looks this far back for the appointments whose buffer still holds an
# agent at the start of the period it searches.
MAX_BUFFER_MINUTES = 240

# Several people in one visit (issue 25, point 3): the most people a reason may
# let one appointment hold, and the most time each extra person may add. The
# slot search needs no bound on a visit's length (it reads each appointment's
# own end), only on the buffer after it.
MAX_PEOPLE_PER_VISIT = 10
MAX_MINUTES_PER_EXTRA_PERSON = 120


def validate_national_number(value: str) -> None:
    """Refuse a Belgian national register number or BIS number whose checksum
    is wrong (``booking.citizen_rules``: the citizen admin and phone booking
    accept what the public pages and the API accept)."""
    if value:
        citizen_rules.national_number(value)


class CitizenQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The citizens ``user`` may see (GDPR; ARCHITECTURE, "Who may do what").

        Administrators see everyone; other staff see a citizen through an
        appointment (of any status, past or future) in one of their services.
        The one place this rule lives: the admin, phone booking and the
        privacy actions all call it.
        """
        if is_administrator(user):
            return self
        in_their_services = Appointment.objects.filter(
            citizen=OuterRef("pk"), service_id__in=scopes.member_service_ids(user)
        )
        return self.filter(Exists(in_their_services))

    def search(self, text: str):
        """Citizens whose name, e-mail or phone contains every word of ``text``."""
        queryset = self
        for word in text.split():
            queryset = queryset.filter(
                Q(last_name__icontains=word)
                | Q(first_name__icontains=word)
                | Q(email__icontains=word)
                | Q(phone__icontains=word.lstrip("0"))
            )
        return queryset


class Citizen(models.Model):
    """A person who books appointments (R2). Kept only as long as needed (GDPR)."""

    # The one list of languages (core.languages), kept under this name too.
    Language = Language

    last_name = models.CharField(_("last name"), max_length=100)
    first_name = models.CharField(_("first name"), max_length=100)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = PhoneNumberField(
        _("mobile phone"),
        blank=True,
        help_text=_("Belgian (0470 12 34 56) or international (+33 6 12 34 56 78)."),
    )
    language = models.CharField(
        _("language"), max_length=2, choices=Language.choices, default=Language.FRENCH
    )
    national_number = models.CharField(
        _("national register number"),
        max_length=15,
        blank=True,
        validators=[validate_national_number],
        help_text=_(
            "Or a BIS number. Stored only when a service or a visit reason asks for it."
        ),
    )
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    address = models.TextField(_("address"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    anonymised_at = models.DateTimeField(_("anonymised"), null=True, blank=True)

    objects = CitizenQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("citizen")
        verbose_name_plural = _("citizens")
        ordering = ["last_name", "first_name"]
        indexes = [
            models.Index(fields=["last_name", "first_name"]),
            models.Index(fields=["email"]),
        ]

    def __str__(self) -> str:
        return f"{self.last_name.upper()} {self.first_name}"

    def save(self, *args, **kwargs):
        # One canonical form (11 digits) so searches and duplicates work.
        if self.national_number:
            self.national_number = nn.compact(self.national_number)
        super().save(*args, **kwargs)


class VisitReason(models.Model):
    """Why a citizen comes: it decides the duration and what to bring (R7, R11)."""

    service = models.ForeignKey(
        Service,
        on_delete=models.CASCADE,
        related_name="reasons",
        verbose_name=_("service"),
    )
    name = models.CharField(_("name"), max_length=150)
    duration_minutes = models.PositiveSmallIntegerField(
        _("duration (minutes)"), default=15
    )
    buffer_minutes = models.PositiveSmallIntegerField(
        _("buffer after (minutes)"),
        default=0,
        validators=[MaxValueValidator(MAX_BUFFER_MINUTES)],
        help_text=_("Time the agent needs after the visit before the next one."),
    )
    # Several people in one visit (issue 25, point 3): a family renewing its
    # identity cards comes together. Read through ``duration_for``.
    max_people = models.PositiveSmallIntegerField(
        _("people per visit, at most"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_PEOPLE_PER_VISIT)],
        help_text=_(
            "How many people may come together in one appointment (a family "
            "renewing its identity cards). 1: the citizen is not asked."
        ),
    )
    minutes_per_extra_person = models.PositiveSmallIntegerField(
        _("minutes per extra person"),
        default=0,
        validators=[MaxValueValidator(MAX_MINUTES_PER_EXTRA_PERSON)],
        help_text=_(
            "Added to the duration for each person beyond the first: a visit "
            "of 20 minutes with 10 minutes per extra person lasts 40 minutes "
            "for three people."
        ),
    )
    online_bookable = models.BooleanField(_("bookable online"), default=True)
    needs_confirmation = models.BooleanField(
        _("needs an agent's confirmation"), default=False
    )
    screen_information = models.TextField(
        _("information shown on screen"),
        blank=True,
        help_text=_("Shown to the citizen while booking: documents to bring, price…"),
    )
    message_information = models.TextField(
        _("information added to the confirmation"), blank=True
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    # The citizen's details a booking for this reason asks (issue 20, point 3);
    # empty: as the service says. Read through ``citizen_rules.details_asked``.
    national_number_rule = models.CharField(
        _("national register number"),
        max_length=10,
        choices=citizen_rules.Ask.choices,
        blank=True,
        default=citizen_rules.Ask.SERVICE,
        help_text=_("A BIS number is accepted wherever the number is asked."),
    )
    no_national_number_allowed = models.BooleanField(
        _("“I do not have one yet” allowed"),
        default=False,
        help_text=_(
            "The citizen may tick “I do not have a national register number "
            "yet” (newcomers): the appointment then shows that it is missing."
        ),
    )
    birth_date_rule = models.CharField(
        _("date of birth"),
        max_length=10,
        choices=citizen_rules.Ask.choices,
        blank=True,
        default=citizen_rules.Ask.SERVICE,
    )
    address_rule = models.CharField(
        _("address"),
        max_length=10,
        choices=citizen_rules.Ask.choices,
        blank=True,
        default=citizen_rules.Ask.SERVICE,
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("visit reason")
        verbose_name_plural = _("visit reasons")
        ordering = ["service", "order", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__gt=0),
                name="visitreason_duration_positive",
            ),
            models.CheckConstraint(
                condition=Q(max_people__gte=1),
                name="visitreason_max_people_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        if self.max_people == 1 and self.minutes_per_extra_person:
            raise ValidationError(
                {
                    "minutes_per_extra_person": _(
                        "Only used when more than one person may come: raise "
                        "the number of people per visit, or leave 0."
                    )
                }
            )

    @property
    def duration(self) -> timedelta:
        """The length of a visit of one person."""
        return timedelta(minutes=self.duration_minutes)

    def duration_for(self, people: int = 1) -> timedelta:
        """The length of a visit of ``people`` persons: the duration, plus
        ``minutes_per_extra_person`` for each one beyond the first (issue 25,
        point 3). The one place this rule lives: slot searches, bookings,
        moves and re-checks all ask it."""
        extra = max(people, 1) - 1
        return timedelta(
            minutes=self.duration_minutes + extra * self.minutes_per_extra_person
        )

    def allows_people(self, people: int) -> bool:
        """Whether one appointment for this reason may be for ``people``."""
        return 1 <= people <= self.max_people

    @property
    def offers_people_choice(self) -> bool:
        """Whether the citizen is asked how many people come."""
        return self.max_people > 1

    @property
    def buffer(self) -> timedelta:
        return timedelta(minutes=self.buffer_minutes)

    def requires_confirmation(self) -> bool:
        """Whether bookings for this reason wait for an agent's answer (R10)."""
        return self.needs_confirmation or self.service.needs_confirmation

    def details_asked(self) -> "citizen_rules.DetailsAsked":
        """The citizen's details a booking for this reason asks (R2)."""
        return citizen_rules.details_asked(self.service, self)


class AppointmentQuerySet(models.QuerySet):
    """The reads of appointments, chainable: ``open().upcoming()``,
    ``visible_to(user).on_local_day(day)`` (issue 16, "one place for each
    read"). Reads that screens share beyond these: ``booking.selectors``."""

    def active(self):
        """Appointments that hold their agent's time (not cancelled nor refused)."""
        return self.filter(status__in=Appointment.ACTIVE_STATUSES)

    def open(self):
        """Appointments still to happen or to answer: pending or confirmed
        (``Appointment.OPEN_STATUSES``), whatever their time."""
        return self.filter(status__in=Appointment.OPEN_STATUSES)

    def upcoming(self, now: datetime | None = None):
        """Appointments not yet begun at ``now`` (default: now)."""
        return self.filter(start__gte=now or timezone.now())

    def not_over(self, now: datetime | None = None):
        """Appointments not yet ended at ``now`` (default: now): the upcoming
        ones and those under way."""
        return self.filter(end__gt=now or timezone.now())

    def on_local_day(self, day: date):
        """Appointments starting on local ``day`` (Europe/Brussels)."""
        start, end = day_bounds(day)
        return self.filter(start__gte=start, start__lt=end)

    def visible_to(self, user):
        """The appointments of the services ``user`` may see (administrators:
        all; ``staffing.scopes.visible_to``)."""
        return scopes.visible_to(self, user, service_field="service")

    def for_agent(self, agent):
        return self.filter(agent=agent)

    def for_service(self, service):
        return self.filter(service=service)

    def between(self, start, end):
        """Appointments that overlap the half-open period [start, end)."""
        return self.filter(start__lt=end, end__gt=start)


class Appointment(models.Model):
    """A citizen's visit to one agent, for a service and a reason.

    Every appointment holds exactly one agent. A *team* appointment (booked with
    the service, not with a person) keeps ``booked_for_service`` so that the
    manager may hand it to another agent (R21).
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("awaiting confirmation")
        CONFIRMED = "confirmed", _("confirmed")
        REFUSED = "refused", _("refused")
        CANCELLED = "cancelled", _("cancelled")
        DONE = "done", _("done")
        NO_SHOW = "no_show", _("no-show")

    class Channel(models.TextChoices):
        WEB = "web", _("web")
        PHONE = "phone", _("phone")
        DESK = "desk", _("desk")

    # Statuses that occupy the agent's time: the database refuses overlaps
    # among them (PostgreSQL exclusion constraint, migration 0002).
    ACTIVE_STATUSES = (Status.PENDING, Status.CONFIRMED, Status.DONE, Status.NO_SHOW)
    # Statuses still to happen or to answer: what can be confirmed, moved,
    # reassigned or cancelled. Defined here only (``objects.open()``).
    OPEN_STATUSES = (Status.PENDING, Status.CONFIRMED)

    service = models.ForeignKey(
        Service,
        on_delete=models.PROTECT,
        related_name="appointments",
        verbose_name=_("service"),
    )
    agent = models.ForeignKey(
        Agent,
        on_delete=models.PROTECT,
        related_name="appointments",
        verbose_name=_("agent"),
    )
    # Where the citizen is received (issue 25, point 4): the site the agent
    # sits at then, recorded at booking. Empty: the service's own address.
    site = models.ForeignKey(
        Site,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="appointments",
        verbose_name=_("site"),
    )
    reason = models.ForeignKey(
        VisitReason,
        on_delete=models.PROTECT,
        related_name="appointments",
        verbose_name=_("visit reason"),
    )
    citizen = models.ForeignKey(
        Citizen,
        on_delete=models.PROTECT,
        related_name="appointments",
        verbose_name=_("citizen"),
    )
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.CONFIRMED
    )
    channel = models.CharField(
        _("channel"), max_length=8, choices=Channel.choices, default=Channel.WEB
    )
    booked_for_service = models.BooleanField(
        _("booked with the service"),
        default=False,
        help_text=_("Booked with the team rather than this agent: may be reassigned."),
    )
    # How many people come together (issue 25, point 3): the reason's
    # ``duration_for`` them made the appointment's length. Written only by the
    # services; appointments made before count one person.
    people = models.PositiveSmallIntegerField(
        _("number of people"),
        default=1,
        validators=[MinValueValidator(1)],
        help_text=_("How many people come together to this appointment."),
    )
    remarks = models.TextField(_("citizen's remarks"), blank=True)
    cancellation_reason = models.TextField(
        _("reason for cancellation or refusal"), blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("entered by"),
        help_text=_("Empty when the citizen booked online."),
    )
    created_at = models.DateTimeField(_("booked at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    arrived_at = models.DateTimeField(_("arrived at"), null=True, blank=True)
    # The desk (issue 22): when an agent called the citizen who was waiting.
    called_at = models.DateTimeField(_("called at"), null=True, blank=True)
    # Short, readable and not secret (``booking/references.py``): opens nothing
    # by itself; staff of the service find the appointment by it at the desk.
    reference = models.CharField(
        _("booking reference"),
        max_length=references.LENGTH,
        unique=True,
        editable=False,
        default=references.new_reference,
    )
    # The secret of the citizen's personal link (``booking/links.py``, issue
    # 20): kept across moves; replaced when staff revoke the link. Not in the
    # history: an old code must not be read back from there.
    link_code = models.CharField(
        _("personal link code"),
        max_length=link_codes.CODE_LENGTH,
        unique=True,
        editable=False,
        default=link_codes.new_link_code,
    )
    link_revoked_at = models.DateTimeField(
        _("personal link last revoked at"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("Links sent before are refused since."),
    )
    # What the booking brought (issue 14): an anonymous booking never changes a
    # stored citizen, so its contact details and language stay here, and this
    # appointment's messages use them. Empty on rows made before (the migration
    # fills them) or by the demo loader: the citizen's own details then apply
    # (``recipient_email`` and the two below).
    contact_email = models.EmailField(_("e-mail given for this booking"), blank=True)
    contact_phone = PhoneNumberField(
        _("mobile phone given for this booking"), blank=True
    )
    contact_language = models.CharField(
        _("language of this booking"),
        max_length=2,
        choices=Language.choices,
        blank=True,
    )
    contact_address = models.TextField(_("address given for this booking"), blank=True)
    # The citizen said he or she has no national register number yet, where
    # the reason allows it (issue 20, point 3): staff ask for it at the visit.
    no_national_number = models.BooleanField(
        _("no national register number yet"), default=False
    )

    objects = AppointmentQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["link_code"])

    class Meta:
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        ordering = ["start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=F("start")), name="appointment_end_after_start"
            ),
            models.CheckConstraint(
                condition=Q(people__gte=1), name="appointment_people_positive"
            ),
        ]
        indexes = [
            models.Index(fields=["agent", "start"]),
            models.Index(fields=["service", "start"]),
            models.Index(fields=["status", "start"]),
        ]

    def __str__(self) -> str:
        local_start = timezone.localtime(self.start)
        return f"{local_start:%d/%m/%Y %H:%M} – {self.citizen} ({self.service})"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES

    @property
    def reference_display(self) -> str:
        """The booking reference as printed: "K7MP-4QX2"."""
        return references.display(self.reference)

    def waited_minutes(self, now) -> int:
        """Whole minutes from the arrival to the call, or to ``now`` while
        waiting; 0 before the arrival."""
        if self.arrived_at is None:
            return 0
        until = self.called_at or now
        return max(int((until - self.arrived_at).total_seconds() // 60), 0)

    @property
    def is_waiting(self) -> bool:
        """Arrived and not yet called nor received."""
        return (
            self.arrived_at is not None
            and self.called_at is None
            and self.status in self.OPEN_STATUSES
        )

    @property
    def recipient_email(self) -> str:
        """Where this appointment's e-mails go: the address its booking gave."""
        return self.contact_email or self.citizen.email

    @property
    def recipient_phone(self):
        """Where this appointment's SMS go (a PhoneNumber, or empty)."""
        return self.contact_phone or self.citizen.phone

    @property
    def recipient_language(self) -> str:
        """The language of this appointment's messages and calendar file."""
        return self.contact_language or self.citizen.language


class IdempotencyKey(models.Model):
    """A booking request already answered, under the key its client sent.

    ``POST /api/v1/appointments`` with an ``Idempotency-Key`` header, and the
    public wizard's confirm step (one key per confirm page shown), book once
    per key: a request repeated with the same key and the same content gets
    the first answer again, without booking twice. The table is the database,
    shared by every web worker (the cache may be a per-process one); the
    unique key makes two concurrent requests queue on each other. Rows expire
    after ``IDEMPOTENCY_KEY_TTL_HOURS`` and are deleted by the next claim.
    ``fingerprint`` is a keyed hash of the request's content, not the content.
    """

    scope = models.CharField(_("scope"), max_length=20)
    key = models.CharField(_("key"), max_length=255)
    fingerprint = models.CharField(_("fingerprint"), max_length=64)
    appointment = models.ForeignKey(
        Appointment,
        on_delete=models.CASCADE,
        null=True,
        related_name="+",
        verbose_name=_("appointment"),
    )
    answer = models.JSONField(_("answer"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "key"], name="idempotencykey_unique_per_scope"
            )
        ]
        indexes = [models.Index(fields=["created_at"])]

    def __str__(self) -> str:
        return f"{self.scope}:{self.key}"


class HoldQuerySet(models.QuerySet):
    def active(self, now: datetime | None = None):
        """The holds not expired at ``now``: those that keep a time."""
        return self.filter(expires_at__gt=now or timezone.now())


class Hold(models.Model):
    """A time kept for one citizen for a few minutes (issue 25, point 1).

    Placed when a citizen picks a time in the public flow, so that it is still
    free when the details are typed: searches stop offering that agent at that
    time, and the re-check under lock before every online booking counts it.
    An earlier-time offer keeps its time for the citizen it was sent to the
    same way. ``key`` says whose it is: one hold per booking flow (or offer);
    placing another with the same key replaces it. It goes when the citizen
    books (the booking converts it), goes back, picks another time, or when
    ``expires_at`` passes; nothing needs to delete an expired hold for it to
    stop counting. Staff booking by phone or at the desk may take a held time.

    Only ``booking/services.py`` writes holds, under the agents' locks.
    """

    service = models.ForeignKey(
        Service, on_delete=models.CASCADE, related_name="+", verbose_name=_("service")
    )
    reason = models.ForeignKey(
        VisitReason,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("visit reason"),
    )
    agent = models.ForeignKey(
        Agent, on_delete=models.CASCADE, related_name="+", verbose_name=_("agent")
    )
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    expires_at = models.DateTimeField(_("held until"))
    key = models.CharField(_("holder"), max_length=80, unique=True)
    client_address = models.GenericIPAddressField(
        _("client address"), null=True, blank=True
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = HoldQuerySet.as_manager()

    class Meta:
        verbose_name = _("held time")
        verbose_name_plural = _("held times")
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=F("start")), name="hold_end_after_start"
            ),
        ]
        indexes = [
            models.Index(fields=["agent", "start"]),
            models.Index(fields=["expires_at"]),
            models.Index(fields=["client_address", "expires_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.agent} {self.start:%Y-%m-%d %H:%M} ({self.key})"


# --- Earlier-time offers (issue 25, point 2; booking/offers.py) ------------------


class EarlierTimeRequest(models.Model):
    """A citizen's wish to be told when an earlier time frees up for his or her
    appointment: same service and reason, optionally some weekdays or parts of
    the day only. One per appointment; its place in line is ``joined_at``.

    Written only by ``booking/offers.py``, which explains the rules.
    """

    class Status(models.TextChoices):
        WAITING = "waiting", _("waiting")
        OFFERED = "offered", _("time offered")
        DONE = "done", _("moved earlier")
        STOPPED = "stopped", _("stopped")

    # Statuses still in line: what the staff's queue counts positions among.
    IN_LINE = (Status.WAITING, Status.OFFERED)

    appointment = models.OneToOneField(
        Appointment,
        on_delete=models.CASCADE,
        related_name="earlier_request",
        verbose_name=_("appointment"),
    )
    # Local weekdays (0 = Monday) and parts of the day ("morning", "afternoon",
    # "evening") the citizen accepts; empty: any.
    weekdays = models.JSONField(_("weekdays"), default=list, blank=True)
    parts = models.JSONField(_("parts of the day"), default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.WAITING
    )
    offers_sent = models.PositiveSmallIntegerField(_("offers sent"), default=0)
    # The place in line: the first to join is offered first. Joining again
    # after leaving starts at the end of the line.
    joined_at = models.DateTimeField(_("in line since"), default=timezone.now)
    stopped_because = models.CharField(_("stopped because"), max_length=100, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("earlier-time request")
        verbose_name_plural = _("earlier-time requests")
        ordering = ["joined_at", "pk"]
        indexes = [models.Index(fields=["status", "joined_at"])]

    def __str__(self) -> str:
        return str(self.appointment)


class EarlierTimeOffer(models.Model):
    """An earlier time offered to one request: held for the citizen until
    ``expires_at``; the link ``/o/<token>`` shows it, with Accept and Decline."""

    class Status(models.TextChoices):
        SENT = "sent", _("sent")
        ACCEPTED = "accepted", _("accepted")
        EXPIRED = "expired", _("expired")
        DECLINED = "declined", _("declined")
        # The appointment changed meanwhile (cancelled, moved), or the time
        # could not be given after all: the offer no longer applies.
        WITHDRAWN = "withdrawn", _("withdrawn")

    request = models.ForeignKey(
        EarlierTimeRequest,
        on_delete=models.CASCADE,
        related_name="offers",
        verbose_name=_("request"),
    )
    start = models.DateTimeField(_("time offered"))
    agent = models.ForeignKey(
        Agent, on_delete=models.CASCADE, related_name="+", verbose_name=_("agent")
    )
    # The secret of the offer's link, like an appointment's link code.
    token = models.CharField(
        _("link code"),
        max_length=link_codes.CODE_LENGTH,
        unique=True,
        editable=False,
        default=link_codes.new_link_code,
    )
    expires_at = models.DateTimeField(_("held until"))
    status = models.CharField(
        _("status"), max_length=9, choices=Status.choices, default=Status.SENT
    )
    # The channels messaging used ("email", "email,sms"), as it answered.
    channels = models.CharField(_("sent by"), max_length=20, blank=True)
    created_at = models.DateTimeField(_("sent at"), default=timezone.now)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("earlier-time offer")
        verbose_name_plural = _("earlier-time offers")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "expires_at"])]

    def __str__(self) -> str:
        return f"{timezone.localtime(self.start):%d/%m/%Y %H:%M} → {self.request}"

    @property
    def hold_key(self) -> str:
        """The key of the hold that keeps the time for the citizen."""
        return f"offer:{self.token}"
