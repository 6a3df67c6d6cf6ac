"""Messages to citizens and agents: templates, channel rules, the outbox
(MISSION R9–R12, R16, R30, R31; ARCHITECTURE, "Messaging").

- ``MessageTemplate``: the text of one event on one channel in one language,
  in Django template syntax (``messaging/rendering.py`` documents its context).
- ``ChannelRule``: per event, e-mail, SMS, both or none.
- ``MessagingSettings``: the commune's other choices (who gets reminders,
  the price of an SMS and the monthly SMS budget).
- ``ServiceMessaging``, ``ServiceChannelRule``: a service's own choices, where
  it has some (issue 24, point 4); otherwise the commune's apply.
- ``Message``: the outbox. One row per recipient, channel and occurrence of an
  event, written in the transaction that changes the appointment; the texts
  are rendered when the row is written, so the row shows exactly what was sent.

Only ``messaging/services.py`` writes messages.
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.models import Language  # the one list (core.languages)


class Event(models.TextChoices):
    """What a message tells. ``AGENT_*`` go to agents, ``ADMIN_*`` to the
    administrators, the others to citizens."""

    BOOKED = "booked", _("Appointment booked")
    PENDING = "pending", _("Request received (awaiting confirmation)")
    CONFIRMED = "confirmed", _("Request confirmed")
    REFUSED = "refused", _("Request refused")
    CANCELLED_BY_CITIZEN = "cancelled_by_citizen", _("Cancelled by the citizen")
    CANCELLED_BY_COMMUNE = "cancelled_by_commune", _("Cancelled by the commune")
    MOVED = "moved", _("Appointment moved")
    REASSIGNED = "reassigned", _("Appointment given to another agent")
    REMINDER = "reminder", _("Reminder the day before")
    EARLIER_OFFERED = "earlier_offered", _("Earlier time offered")
    AGENT_NEW = "agent_new", _("Agent: new appointment")
    AGENT_CANCELLED = "agent_cancelled", _("Agent: appointment cancelled")
    AGENT_DAY_LIST = "agent_day_list", _("Agent: the next day's appointments")
    AGENT_FEED_ADDRESS = "agent_feed_address", _("Agent: new agenda feed address")
    AGENT_REQUEST_LATE = "agent_request_late", _("Manager: a request is unanswered")
    ADMIN_SMS_BUDGET = "admin_sms_budget", _("Administrators: SMS budget at 80 %")


AGENT_EVENTS = frozenset(
    {
        Event.AGENT_NEW,
        Event.AGENT_CANCELLED,
        Event.AGENT_DAY_LIST,
        Event.AGENT_FEED_ADDRESS,
        Event.AGENT_REQUEST_LATE,
        Event.ADMIN_SMS_BUDGET,
    }
)


class Channel(models.TextChoices):
    EMAIL = "email", _("e-mail")
    SMS = "sms", _("SMS")


class MessageTemplate(models.Model):
    """The text of one event, on one channel, in one language (R22, R31)."""

    event = models.CharField(_("event"), max_length=24, choices=Event.choices)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    language = models.CharField(_("language"), max_length=2, choices=Language.choices)
    subject = models.CharField(
        _("subject"),
        max_length=200,
        blank=True,
        help_text=_("E-mail only. Template syntax allowed."),
    )
    body = models.TextField(
        _("text"),
        help_text=_(
            "Plain text, in Django template syntax: {{ citizen.first_name }}, "
            "{{ appointment.date }}… The variables are listed below the preview."
        ),
    )
    html_body = models.TextField(
        _("HTML version"),
        blank=True,
        help_text=_(
            "E-mail only, optional. Values are HTML-escaped. When empty, the "
            "e-mail's HTML version is made from the text."
        ),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        ordering = ["event", "channel", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "channel", "language"],
                name="messagetemplate_unique_event_channel_language",
            )
        ]

    def __str__(self) -> str:
        return (
            f"{self.get_event_display()} – {self.get_channel_display()} "
            f"({self.language})"
        )


class ChannelRule(models.Model):
    """Which channels carry one event (R30): e-mail, SMS, both or none."""

    class Channels(models.TextChoices):
        EMAIL = "email", _("e-mail")
        SMS = "sms", _("SMS")
        BOTH = "both", _("e-mail and SMS")
        NONE = "none", _("none")

    event = models.CharField(
        _("event"), max_length=24, choices=Event.choices, unique=True
    )
    channels = models.CharField(
        _("channels"),
        max_length=5,
        choices=Channels.choices,
        default=Channels.EMAIL,
        help_text=_(
            "Someone without a mobile number receives the e-mail instead of the SMS."
        ),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("channel rule")
        verbose_name_plural = _("channel rules")
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.get_event_display()}: {self.get_channels_display()}"

    def channel_list(self) -> list[str]:
        return {
            self.Channels.EMAIL: [Channel.EMAIL],
            self.Channels.SMS: [Channel.SMS],
            self.Channels.BOTH: [Channel.EMAIL, Channel.SMS],
        }.get(self.channels, [])


class MessagingSettingsManager(models.Manager):
    def get_solo(self) -> "MessagingSettings":
        """The one row, created with defaults on first use."""
        row, _created = self.get_or_create(pk=1)
        return row


class MessagingSettings(models.Model):
    """The commune's messaging choices that are not per event."""

    class ReminderRecipients(models.TextChoices):
        CITIZENS = "citizens", _("citizens")
        AGENTS = "agents", _("agents (their list of the next day)")
        BOTH = "both", _("citizens and agents")
        NONE = "none", _("nobody")

    reminder_recipients = models.CharField(
        _("day-before reminders go to"),
        max_length=10,
        choices=ReminderRecipients.choices,
        default=ReminderRecipients.BOTH,
    )
    remind_pending = models.BooleanField(
        _("remind citizens of requests still awaiting confirmation"),
        default=False,
        help_text=_("Agents' lists always show them."),
    )
    # SMS in budget (issue 24, point 5): messaging/selectors.py sums, the
    # page "SMS and budget" shows, messaging/services.py alerts.
    sms_segment_price = models.DecimalField(
        _("price of an SMS segment (€)"),
        max_digits=7,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_(
            "What the SMS provider charges per segment (up to 160 characters, "
            "or 70 with a character outside the GSM alphabet). Empty: costs "
            "are not shown."
        ),
    )
    sms_monthly_budget = models.DecimalField(
        _("monthly SMS budget (€)"),
        max_digits=9,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_(
            "The administrators are told by e-mail, once a month, when the SMS "
            "sent that month reach 80 %. Empty: no budget."
        ),
    )
    # The first day of the last month whose alert was written: once a month.
    sms_budget_alerted = models.DateField(
        _("SMS budget alert sent for the month of"),
        null=True,
        blank=True,
        editable=False,
    )

    objects = MessagingSettingsManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("messaging settings")
        verbose_name_plural = _("messaging settings")

    def __str__(self) -> str:
        return str(_("Messaging settings"))

    def clean(self) -> None:
        if self.sms_monthly_budget is not None and self.sms_segment_price is None:
            raise ValidationError(
                {
                    "sms_segment_price": _(
                        "Give the price of a segment: the budget is compared "
                        "with the SMS sent times their price."
                    )
                }
            )

    @property
    def reminds_citizens(self) -> bool:
        return self.reminder_recipients in (
            self.ReminderRecipients.CITIZENS,
            self.ReminderRecipients.BOTH,
        )

    @property
    def reminds_agents(self) -> bool:
        return self.reminder_recipients in (
            self.ReminderRecipients.AGENTS,
            self.ReminderRecipients.BOTH,
        )


# Events that belong to no one service: an agent's list of the day spans his or
# her services, a feed address and the SMS budget concern nobody's service.
# They follow the commune's channel rules only.
NOT_PER_SERVICE = frozenset(
    {Event.AGENT_DAY_LIST, Event.AGENT_FEED_ADDRESS, Event.ADMIN_SMS_BUDGET}
)


class ServiceMessaging(models.Model):
    """A service's own choice of who gets the day-before reminders (issue 24,
    point 4); each empty field follows the commune's ``MessagingSettings``."""

    service = models.OneToOneField(
        "staffing.Service",
        on_delete=models.CASCADE,
        related_name="messaging",
        verbose_name=_("service"),
    )
    reminder_recipients = models.CharField(
        _("day-before reminders go to"),
        max_length=10,
        choices=MessagingSettings.ReminderRecipients.choices,
        blank=True,
        help_text=_("Empty: as the commune chose."),
    )
    remind_pending = models.BooleanField(
        _("remind citizens of requests still awaiting confirmation"),
        null=True,
        blank=True,
        help_text=_("Empty: as the commune chose."),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("reminders of the service")
        verbose_name_plural = _("reminders of the service")

    def __str__(self) -> str:
        return str(self.service)


class ServiceChannelRule(models.Model):
    """Which channels carry one event of one service's messages, instead of
    the commune's ``ChannelRule`` (issue 24, point 4)."""

    service = models.ForeignKey(
        "staffing.Service",
        on_delete=models.CASCADE,
        related_name="channel_rules",
        verbose_name=_("service"),
    )
    event = models.CharField(_("event"), max_length=24, choices=Event.choices)
    channels = models.CharField(
        _("channels"),
        max_length=5,
        choices=ChannelRule.Channels.choices,
        help_text=_(
            "Someone without a mobile number receives the e-mail instead of the SMS."
        ),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("channel rule of the service")
        verbose_name_plural = _("channel rules of the service")
        ordering = ["service", "event"]
        constraints = [
            models.UniqueConstraint(
                fields=["service", "event"], name="servicechannelrule_once_per_event"
            )
        ]

    def __str__(self) -> str:
        return f"{self.service}: {self.get_event_display()}"

    def channel_list(self) -> list[str]:
        return ChannelRule(channels=self.channels).channel_list()


class MessageQuerySet(models.QuerySet):
    def failed(self):
        return self.filter(status=Message.Status.FAILED)

    def due(self, now):
        """Pending messages whose next attempt time has come."""
        return self.filter(status=Message.Status.PENDING, next_attempt_at__lte=now)


class Message(models.Model):
    """One message to one recipient on one channel: the outbox row."""

    class Status(models.TextChoices):
        PENDING = "pending", _("to send")
        SENDING = "sending", _("sending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")
        SKIPPED = "skipped", _("not sent (no longer relevant)")

    appointment = models.ForeignKey(
        "booking.Appointment",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="messages",
        verbose_name=_("appointment"),
        help_text=_("Empty for an agent's list of the day."),
    )
    agent = models.ForeignKey(
        "staffing.Agent",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="messages",
        verbose_name=_("agent"),
        help_text=_("The agent who receives it, for agents' messages."),
    )
    event = models.CharField(_("event"), max_length=24, choices=Event.choices)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    recipient = models.CharField(
        _("recipient"), max_length=254, help_text=_("E-mail address or number.")
    )
    # SMS only: the number's country (ISO 3166 code), for the SMS budget abroad.
    country = models.CharField(_("country"), max_length=2, blank=True)
    instead_of_sms = models.BooleanField(
        _("instead of an SMS"),
        default=False,
        help_text=_(
            "Sent by e-mail because this month's SMS budget for the number's "
            "country, or today's for numbers abroad, was spent."
        ),
    )
    language = models.CharField(_("language"), max_length=2, choices=Language.choices)
    # SMS only: the parts the network sends the text in, as last rendered
    # (issue 24, point 5: what an SMS costs).
    segments = models.PositiveSmallIntegerField(_("SMS segments"), default=0)
    # What makes two messages of one event to one recipient different: empty
    # for events that happen once per appointment, the change's time for moves
    # and reassignments, the day for reminders and day lists.
    occurrence = models.CharField(_("occurrence"), max_length=64, blank=True)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    body = models.TextField(_("text"))
    html_body = models.TextField(_("HTML version"), blank=True)
    ics = models.TextField(
        _("calendar attachment"),
        blank=True,
        help_text=_("The .ics file attached to the e-mail."),
    )
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    provider_id = models.CharField(_("provider's id"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sending_since = models.DateTimeField(_("sending since"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    objects = MessageQuerySet.as_manager()

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["appointment", "event", "channel", "recipient", "occurrence"],
                name="message_once_per_occurrence",
            ),
            # NULL appointments (agents' day lists) are distinct for the
            # constraint above on every database: this one covers them.
            models.UniqueConstraint(
                fields=["event", "channel", "recipient", "occurrence"],
                condition=Q(appointment__isnull=True),
                name="message_once_per_occurrence_without_appointment",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["created_at"]),
            models.Index(fields=["channel", "country", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_event_display()} → {self.recipient} ({self.channel})"
