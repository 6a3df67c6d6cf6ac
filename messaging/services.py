"""Every write to the outbox goes through here (STYLE, "Writes in services").

How a change reaches people, once, even when a provider is down
-----------------------------------------------------------------
1. *Same transaction.* ``booking/services.py`` announces every change twice:
   ``events.appointment_changed_in_transaction`` synchronously, inside its
   ``transaction.atomic()`` block, and the ordinary domain signal on commit.
   messaging listens to the first (``messaging/receivers.py``) and writes the
   Message rows right there, so the appointment and its messages are committed
   together or not at all: no message for a booking that rolled back, no
   booking without its messages. booking still imports nothing from messaging.
   (A post-commit handler plus a "sweeper" job that looks for changes without
   messages was the alternative: it needs a change log to find "changes
   without messages" and can lose a change if the process dies between the
   two; the in-transaction signal costs one line in booking.)
2. *Rendered when written.* Each row holds its final texts (and .ics), so the
   admin shows exactly what was sent, and a later template edit changes
   nothing already queued. Reminders and agents' lists of the day are the
   exception (``RENDERED_WHEN_SENT``): they tell the state of an appointment
   or a day, so they are rendered again just before sending (the row then
   holds what was sent) and dropped when they no longer apply.
3. *Sent after commit.* ``transaction.on_commit`` enqueues one django-q2 task
   per row (``messaging.tasks.send_message``). A row also carries
   ``next_attempt_at``: the every-minute job ``send_due_messages`` enqueues
   rows whose time has come, which covers both retries and tasks lost on the
   way (enqueue failure, broker loss).
4. *Idempotent.* Sending first claims the row with a conditional update
   (pending → sending); only the claimer sends, so a task delivered twice or
   enqueued twice sends once, and a sent row is never sent again. A row stuck
   in "sending" (worker killed mid-send) is retried after
   MESSAGE_SENDING_TIMEOUT. If the kill fell between the provider's
   acceptance and the update that marks the row sent, that retry hands the
   provider a message it already has: every attempt at one row therefore
   carries the same ``idempotency_key`` (the row's id and creation time),
   which the HTTP JSON SMS backend sends as an ``Idempotency-Key`` header, so
   a provider that honours it accepts the message once.
   What is guaranteed: nothing is lost (a row ends sent, or failed and shown
   in the admin); no two workers send one row; and an SMS through a provider
   honouring idempotency keys reaches the citizen once even across a crash
   (tests/faults/test_worker_crash.py kills a real worker mid-batch). SMTP
   and Twilio take no such key: for them a crash in that window (the few
   milliseconds between the provider's answer and the update) may still
   deliver one message twice, as with any at-least-once delivery.
5. *Retries.* A failure puts the row back to pending with an exponential
   back-off (MESSAGE_RETRY_DELAY × 2^(attempts − 1)), up to
   MESSAGE_MAX_ATTEMPTS; then it is failed, with the provider's error, and
   counted on the dashboard. An administrator (or the service's manager) may
   resend it.
"""

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import partial

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from booking.models import Appointment
from booking.services import BookingError, appointment_confirm, appointment_refuse
from core.errors import UserFacingError
from core.languages import staff_language
from core.localtime import day_bounds
from core.quiet_hours import in_quiet_hours
from core.roles import administrators, is_administrator
from staffing.models import Agent, Membership, RetiredFeedToken
from staffing.scopes import managed_service_ids

from .answer import answer_url
from .defaults import AUTOMATIC_REFUSAL, DEFAULT_TEMPLATES
from .models import (
    NOT_PER_SERVICE,
    Channel,
    ChannelRule,
    Event,
    Message,
    MessageTemplate,
    MessagingSettings,
    ServiceChannelRule,
    ServiceMessaging,
)
from .rendering import (
    REFERENCE_QR_CID,
    Texts,
    appointment_context,
    day_list_context,
    feed_address_context,
    format_date,
    offer_context,
    render_texts,
    sms_budget_context,
)
from .selectors import made_without_login, sms_budget, sms_budget_spent
from .sms import (
    Sms,
    SmsError,
    get_backend,
    is_mobile,
    normalise_phone,
    phone_country,
    sms_segments,
)

logger = logging.getLogger(__name__)

Status = Message.Status
# Events whose e-mail carries the reason's "information added to the
# confirmation" (R11) even when an edited template forgets it.
CONFIRMATION_EVENTS = frozenset({Event.BOOKED, Event.CONFIRMED})


class MessagingError(UserFacingError):
    """A messaging action that cannot be done; ``message`` tells the user why."""


# --- Templates and channels -------------------------------------------------------


def template_texts(event: str, channel: str, language: str) -> Texts:
    """The commune's text for this event, channel and language.

    Falls back to the default language's row, then to the shipped text.
    """
    rows = {
        row.language: row
        for row in MessageTemplate.objects.filter(
            event=event,
            channel=channel,
            language__in={language, settings.LANGUAGE_CODE},
        )
    }
    row = rows.get(language) or rows.get(settings.LANGUAGE_CODE)
    if row is not None:
        return Texts(row.subject, row.body, row.html_body)
    return shipped_texts(event, channel, language)


def shipped_texts(event: str, channel: str, language: str) -> Texts:
    default = (
        DEFAULT_TEMPLATES.get((event, channel, language))
        or (DEFAULT_TEMPLATES[(event, channel, settings.LANGUAGE_CODE)])
    )
    return Texts(default.subject, default.body)


def channels_for(event: str, *, service_id: int | None = None) -> list[str]:
    """The channels ``event`` goes by (R30): the service's own rule for it
    where the service has one (issue 24, point 4), else the commune's."""
    if service_id is not None and event not in NOT_PER_SERVICE:
        own = ServiceChannelRule.objects.filter(
            service_id=service_id, event=event
        ).first()
        if own is not None:
            return own.channel_list()
    rule = ChannelRule.objects.filter(event=event).first()
    if rule is None:
        from .defaults import DEFAULT_CHANNELS

        rule = ChannelRule(event=event, channels=DEFAULT_CHANNELS[event])
    return rule.channel_list()


def sms_segment_count(channel: str, body: str) -> int:
    """The segments an SMS of ``body`` takes (0 for an e-mail)."""
    return sms_segments(body)[2] if channel == Channel.SMS else 0


def _targets(wanted: list[str], *, email: str, phone) -> list[tuple[str, str]]:
    """(channel, address) pairs for one person.

    Someone without a mobile number gets the e-mail instead of the SMS, and
    someone without an e-mail address the SMS instead of the e-mail, so that
    nobody is left uninformed by a channel choice.
    """
    channels = set(wanted)
    mobile = normalise_phone(phone) if phone and is_mobile(phone) else ""
    if Channel.SMS in channels and not mobile:
        channels = (channels - {Channel.SMS}) | {Channel.EMAIL}
    if Channel.EMAIL in channels and not email and mobile:
        channels = (channels - {Channel.EMAIL}) | {Channel.SMS}
    targets = []
    if Channel.EMAIL in channels and email:
        targets.append((Channel.EMAIL.value, email.strip()))
    if Channel.SMS in channels and mobile:
        targets.append((Channel.SMS.value, mobile))
    return targets


# --- The SMS budget abroad (issue 14) --------------------------------------------


def _within_sms_budget(
    targets: list[tuple[str, str]], *, email: str
) -> tuple[list[tuple[str, str]], bool]:
    """``targets`` with each SMS beyond the budget abroad replaced by the
    e-mail (``selectors.sms_budget_spent``); and whether one was."""
    kept = [
        (channel, recipient)
        for channel, recipient in targets
        if channel != Channel.SMS or not sms_budget_spent(phone_country(recipient))
    ]
    if len(kept) == len(targets):
        return targets, False
    if email and not any(channel == Channel.EMAIL for channel, _to in kept):
        kept.insert(0, (Channel.EMAIL.value, email.strip()))
    return kept, True


# --- Writing messages -------------------------------------------------------------


@dataclass
class _Planned:
    """One event to tell one person about, before choosing channels."""

    event: str
    occurrence: str = ""
    agent: Agent | None = None  # set for agents' messages
    ics_method: str = ""
    context: dict = field(default_factory=dict)


def _render(
    event: str,
    channel: str,
    language: str,
    context: dict,
    appendix="",
    reference="",
):
    """Render the commune's text; on any error, log it and use the shipped text.

    A template edited into an error must never stop a booking: the shipped
    text is known to render.
    """
    try:
        rendered = render_texts(
            template_texts(event, channel, language),
            channel=channel,
            context=context,
            language=language,
            appendix=appendix,
            reference=reference,
        )
    except Exception:
        logger.exception(
            "message template %s/%s/%s failed: shipped text used",
            event,
            channel,
            language,
        )
        rendered = render_texts(
            shipped_texts(event, channel, language),
            channel=channel,
            context=context,
            language=language,
            appendix=appendix,
            reference=reference,
        )
    return rendered


def _create_once(**fields) -> Message | None:
    """Write one outbox row unless its (appointment, event, channel, recipient,
    occurrence) is already there; return it, or None when it was."""
    key = {
        name: fields[name]
        for name in ("appointment", "event", "channel", "recipient", "occurrence")
    }
    if Message.objects.filter(**key).exists():
        return None
    try:
        # A savepoint: a concurrent writer of the same key loses quietly.
        with transaction.atomic():
            return Message.objects.create(**fields)
    except IntegrityError:
        return None


def _enqueue_after_commit(messages: list[Message]) -> None:
    ids = [message.pk for message in messages if message is not None]
    if ids:
        transaction.on_commit(partial(enqueue, ids))


def enqueue(message_ids: list[int]) -> None:
    """Hand messages to the task queue; a failure here only delays them.

    One broker for them all: django-q opens a new connection to Redis for each
    task otherwise (a booking's three messages cost three)."""
    from django_q.brokers import get_broker
    from django_q.tasks import async_task

    try:
        broker = get_broker()
    except Exception:
        logger.exception("could not reach the task queue for %s", message_ids)
        return
    for message_id in message_ids:
        try:
            async_task(
                "messaging.tasks.send_message",
                message_id,
                task_name=f"message-{message_id}",
                broker=broker,
            )
        except Exception:
            # The every-minute job finds the row by its next_attempt_at.
            logger.exception("could not enqueue message %s", message_id)


def _lease(now: datetime) -> datetime:
    """When the every-minute job should look at a row handed to the queue."""
    return now + timedelta(seconds=settings.MESSAGE_SENDING_TIMEOUT)


def _write(
    planned: _Planned,
    *,
    appointment: Appointment | None,
    language: str,
    contact: tuple[str, str] | None = None,
    no_sms: bool = False,
) -> list[Message]:
    """Render and write the rows of one planned message, one per channel.

    ``contact``: the (e-mail, phone) of a recipient who is neither the
    appointment's citizen nor an agent (an administrator). ``no_sms``: the
    quiet hours, the e-mail instead of the SMS (nothing without an e-mail)."""
    if contact is not None:
        email, phone = contact
    elif planned.agent is not None:
        email, phone = planned.agent.user.email, planned.agent.phone
    elif appointment is not None:
        # The details this appointment's booking gave, not the stored
        # citizen's: an anonymous booking never redirects another one's messages.
        email, phone = appointment.recipient_email, appointment.recipient_phone
    else:
        raise ValueError("a message without an appointment needs its contact")
    service_id = appointment.service_id if appointment is not None else None
    targets = _targets(
        channels_for(planned.event, service_id=service_id), email=email, phone=phone
    )
    instead_of_sms = False
    if planned.agent is None and contact is None and made_without_login(appointment):
        targets, instead_of_sms = _within_sms_budget(targets, email=email)
    if no_sms:
        targets = [target for target in targets if target[0] != Channel.SMS]
        if email and not targets:
            targets = [(Channel.EMAIL.value, email.strip())]
    if not targets:
        return []
    information = reference = ""
    if appointment is not None and planned.event in CONFIRMATION_EVENTS:
        # In the message's language (django-modeltranslation, issue 19).
        with translation.override(language):
            information = appointment.reason.message_information.strip()
        if planned.agent is None:
            # The citizen's confirmation carries the booking reference and
            # its QR code (issue 22), even when an edited template forgets it.
            reference = appointment.reference_display
    ics_text = ""
    if planned.ics_method and appointment is not None:
        from booking.ics import appointment_ics

        ics_text = appointment_ics(
            appointment, method=planned.ics_method, language=language
        )
    now = timezone.now()
    written = []
    for channel, recipient in targets:
        rendered = _render(
            planned.event,
            channel,
            language,
            planned.context,
            appendix=information if channel == Channel.EMAIL else "",
            reference=reference if channel == Channel.EMAIL else "",
        )
        written.append(
            _create_once(
                appointment=appointment,
                agent=planned.agent,
                event=planned.event,
                channel=channel,
                recipient=recipient,
                country=phone_country(recipient) if channel == Channel.SMS else "",
                instead_of_sms=instead_of_sms and channel == Channel.EMAIL,
                occurrence=planned.occurrence,
                language=language,
                subject=rendered.subject[:255],
                body=rendered.body,
                html_body=rendered.html_body,
                segments=sms_segment_count(channel, rendered.body),
                ics=ics_text if channel == Channel.EMAIL else "",
                next_attempt_at=_lease(now),
            )
        )
    return [message for message in written if message is not None]


def _calendar_sent(appointment: Appointment) -> bool:
    """Whether the citizen already received the appointment as a calendar event."""
    return (
        Message.objects.filter(appointment=appointment, channel=Channel.EMAIL)
        .exclude(ics="")
        .exists()
    )


def _acted_by(actor, agent: Agent) -> bool:
    """Whether the agent made the change: nobody tells people what they did."""
    return bool(actor and getattr(actor, "pk", None) == agent.user_id)


def _answer_url(planned: _Planned, agent: Agent, appointment: Appointment) -> str:
    """A pending request's agent gets a link to answer it from the e-mail."""
    if (
        planned.event != Event.AGENT_NEW
        or appointment.status != Appointment.Status.PENDING
        or appointment.agent_id != agent.pk
    ):
        return ""
    return answer_url(agent.user, appointment)


def outbox_write_for_change(
    *,
    change: str,
    appointment: Appointment,
    actor=None,
    reason: str = "",
    by_citizen: bool = False,
    previous_start: datetime | None = None,
    previous_agent_id: int | None = None,
) -> list[Message]:
    """Write the messages that a change to ``appointment`` causes.

    ``change`` names the domain signal (booked, confirmed, refused, cancelled,
    moved, reassigned). Call it inside the transaction that made the change;
    the rows are enqueued for sending once it commits.
    """
    appointment = Appointment.objects.select_related(
        "citizen", "service", "site", "reason", "agent__user__staff_profile"
    ).get(pk=appointment.pk)
    language = appointment.recipient_language or settings.LANGUAGE_CODE
    # Changes that can happen several times to one appointment are told once
    # per change: the change's time tells them apart.
    change_key = appointment.updated_at.isoformat()
    agent = appointment.agent
    previous_agent = (
        Agent.objects.select_related("user__staff_profile")
        .filter(pk=previous_agent_id)
        .first()
        if previous_agent_id and previous_agent_id != agent.pk
        else None
    )
    context = partial(
        appointment_context,
        appointment,
        cancellation_reason=reason,
        previous_start=previous_start,
        cancelled_by_citizen=by_citizen,
    )
    citizen: list[_Planned] = []
    agents: list[_Planned] = []
    if change == "booked":
        if appointment.status == Appointment.Status.PENDING:
            citizen.append(_Planned(Event.PENDING))
        else:
            citizen.append(_Planned(Event.BOOKED, ics_method="REQUEST"))
        agents.append(_Planned(Event.AGENT_NEW, agent=agent))
    elif change == "confirmed":
        citizen.append(_Planned(Event.CONFIRMED, ics_method="REQUEST"))
    elif change == "refused":
        citizen.append(_Planned(Event.REFUSED))
    elif change == "cancelled":
        event = Event.CANCELLED_BY_CITIZEN if by_citizen else Event.CANCELLED_BY_COMMUNE
        method = "CANCEL" if _calendar_sent(appointment) else ""
        citizen.append(_Planned(event, ics_method=method))
        agents.append(_Planned(Event.AGENT_CANCELLED, agent=agent))
    elif change == "moved":
        citizen.append(_Planned(Event.MOVED, change_key, ics_method="REQUEST"))
        if previous_agent is not None:
            agents.append(_Planned(Event.AGENT_NEW, change_key, agent=agent))
            agents.append(
                _Planned(Event.AGENT_CANCELLED, change_key, agent=previous_agent)
            )
    elif change == "reassigned":
        # A team appointment's citizen did not choose the agent: no news for
        # him or her. Someone who booked a person should know.
        if not appointment.booked_for_service:
            citizen.append(_Planned(Event.REASSIGNED, change_key, ics_method="REQUEST"))
        agents.append(_Planned(Event.AGENT_NEW, change_key, agent=agent))
        if previous_agent is not None:
            agents.append(
                _Planned(Event.AGENT_CANCELLED, change_key, agent=previous_agent)
            )
    else:
        raise ValueError(f"unknown change: {change}")

    written: list[Message] = []
    for planned in citizen:
        planned.context = context(language=language)
        written += _write(planned, appointment=appointment, language=language)
    for planned in agents:
        recipient = planned.agent
        if recipient is None or _acted_by(actor, recipient):
            continue
        # Each agent reads his or her own language (issue 19, point 4).
        agent_language = staff_language(recipient.user)
        planned.context = context(
            language=agent_language,
            recipient_name=str(recipient),
            answer_url=_answer_url(planned, recipient, appointment),
        )
        written += _write(planned, appointment=appointment, language=agent_language)
    _enqueue_after_commit(written)
    return written


# --- Earlier-time offers (issue 25, point 2) ----------------------------------------


def outbox_write_for_offer(*, offer, now: datetime | None = None) -> list[str]:
    """Write the messages that offer a citizen an earlier time (booking's
    ``earlier_time_offered``, inside the transaction that makes the offer);
    return the channels used.

    The event's channel rules apply (the service's, else the commune's), but
    during the quiet hours (``QUIET_HOURS``) no SMS is written: the e-mail goes
    alone (booking offers times at night only to citizens with an e-mail).
    One message per offer and channel (the offer's token is the occurrence).
    """
    now = now or timezone.now()
    appointment = Appointment.objects.select_related(
        "citizen", "service", "reason", "agent__user"
    ).get(pk=offer.request.appointment_id)
    offer.request.appointment = appointment
    language = appointment.recipient_language or settings.LANGUAGE_CODE
    planned = _Planned(
        Event.EARLIER_OFFERED,
        f"offer-{offer.token}",
        context=offer_context(offer, language=language),
    )
    written = _write(
        planned,
        appointment=appointment,
        language=language,
        no_sms=in_quiet_hours(now),
    )
    _enqueue_after_commit(written)
    return sorted({message.channel for message in written})


# --- Reminders (R12) ------------------------------------------------------------------


_local_day_bounds = day_bounds


@transaction.atomic
def reminders_create(*, day: date | None = None, now: datetime | None = None) -> int:
    """Write the reminders of ``day``'s appointments (default: tomorrow).

    Citizens get one per confirmed appointment (and per pending request when
    the commune wants it); agents get one list of their day. Each reminder's
    occurrence is the day, so running this twice writes nothing twice;
    cancelled and refused appointments get none. Returns how many were written.
    """
    now = now or timezone.now()
    day = day or timezone.localdate(now) + timedelta(days=1)
    rules = ReminderRules()
    appointments = list(
        Appointment.objects.open()
        .on_local_day(day)
        .select_related(
            "citizen", "service", "site", "reason", "agent__user__staff_profile"
        )
        .order_by("start", "pk")
    )
    occurrence = day.isoformat()
    written: list[Message] = []
    for appointment in appointments:
        if reminds_citizens_of(appointment, rules=rules):
            language = appointment.recipient_language or settings.LANGUAGE_CODE
            planned = _Planned(
                Event.REMINDER,
                occurrence,
                context=appointment_context(appointment, language=language),
            )
            written += _write(planned, appointment=appointment, language=language)
    if rules.reminds_some_agents:
        by_agent: dict[int, list[Appointment]] = {}
        for appointment in appointments:
            if reminds_agents_of(appointment, rules=rules):
                by_agent.setdefault(appointment.agent_id, []).append(appointment)
        for agent_appointments in by_agent.values():
            agent = agent_appointments[0].agent
            if not agent.is_active:
                continue
            language = staff_language(agent.user)
            planned = _Planned(
                Event.AGENT_DAY_LIST,
                occurrence,
                agent=agent,
                context=day_list_context(
                    agent, day, agent_appointments, language=language
                ),
            )
            written += _write(planned, appointment=None, language=language)
    _enqueue_after_commit(written)
    return len(written)


# --- Requests that never rot (R10; issue 24, point 1) -------------------------------


def request_decision_at(appointment: Appointment) -> datetime | None:
    """When an unanswered request of ``appointment``'s service is decided
    automatically, or None when its service never decides alone."""
    hours = appointment.service.request_deadline_hours
    if hours is None:
        return None
    return appointment.start - timedelta(hours=hours)


def _request_context(
    appointment: Appointment, manager: Agent, now: datetime, language: str
) -> dict:
    context = appointment_context(
        appointment, language=language, recipient_name=str(manager)
    )
    decided_at = request_decision_at(appointment)
    with translation.override(language):
        decision = (
            _("confirmed")
            if appointment.service.request_deadline_decision == "confirm"
            else _("refused")
        )
        context["request"] = {
            "age_hours": int((now - appointment.created_at).total_seconds() // 3600),
            "decided_at": (
                format_date(decided_at, language)
                + f" {timezone.localtime(decided_at):%H:%M}"
                if decided_at
                else ""
            ),
            "decision": str(decision),
        }
    return context


@transaction.atomic
def requests_escalate(*, now: datetime | None = None) -> int:
    """Tell the managers of each request left unanswered longer than its
    service's ``request_escalation_hours``; once per request and manager.
    Returns how many messages were written."""
    now = now or timezone.now()
    waiting = (
        Appointment.objects.filter(
            status=Appointment.Status.PENDING,
            start__gt=now,
            service__request_escalation_hours__isnull=False,
        )
        .exclude(messages__event=Event.AGENT_REQUEST_LATE)
        .select_related("citizen", "service", "site", "reason", "agent__user")
    )
    late = [
        appointment
        for appointment in waiting
        if (hours := appointment.service.request_escalation_hours) is not None
        and appointment.created_at <= now - timedelta(hours=hours)
    ]
    managers: dict[int, list[Agent]] = {}
    for agent in (
        Agent.objects.active()
        .filter(
            memberships__service_id__in={a.service_id for a in late},
            memberships__role=Membership.Role.MANAGER,
        )
        .select_related("user__staff_profile")
        .annotate(managed_service_id=F("memberships__service_id"))
    ):
        managers.setdefault(agent.managed_service_id, []).append(agent)
    written: list[Message] = []
    for appointment in late:
        for manager in managers.get(appointment.service_id, []):
            language = staff_language(manager.user)
            planned = _Planned(
                Event.AGENT_REQUEST_LATE,
                "escalated",
                agent=manager,
                context=_request_context(appointment, manager, now, language),
            )
            written += _write(planned, appointment=appointment, language=language)
        if not managers.get(appointment.service_id):
            logger.warning(
                "request %s is unanswered and its service has no manager to tell",
                appointment.pk,
            )
    _enqueue_after_commit(written)
    return len(written)


def requests_decide_overdue(*, now: datetime | None = None) -> int:
    """Confirm or refuse, as its service chose, each request still unanswered
    at its service's ``request_deadline_hours`` before its time; the citizen
    is told by the usual message. Each decision is booking's own transaction.
    Returns how many were decided."""
    now = now or timezone.now()
    candidates = Appointment.objects.filter(
        status=Appointment.Status.PENDING,
        start__gt=now,
        service__request_deadline_hours__isnull=False,
    ).select_related("service")
    decided = 0
    for appointment in candidates:
        decision_at = request_decision_at(appointment)
        if decision_at is None or decision_at > now:
            continue
        try:
            if appointment.service.request_deadline_decision == "confirm":
                appointment_confirm(appointment=appointment, actor=None)
            else:
                language = appointment.recipient_language or settings.LANGUAGE_CODE
                appointment_refuse(
                    appointment=appointment,
                    actor=None,
                    reason=AUTOMATIC_REFUSAL.get(language)
                    or AUTOMATIC_REFUSAL[settings.LANGUAGE_CODE],
                )
        except BookingError:
            continue  # answered meanwhile
        decided += 1
    return decided


def requests_chase(*, now: datetime | None = None) -> dict:
    """The schedule's work on requests: escalate, then decide."""
    now = now or timezone.now()
    return {
        "escalated": requests_escalate(now=now),
        "decided": requests_decide_overdue(now=now),
    }


# --- Agenda feed addresses (issue 12) ------------------------------------------------


@transaction.atomic
def feed_address_notices_write() -> int:
    """Send each agent whose feed address someone else replaced the new one.

    The rows of ``staffing.RetiredFeedToken`` marked ``to_notify`` (written by
    the migration that replaced every token, and when an administrator renews
    an agent's address) name the agents to tell. Each active agent gets one
    message, whose occurrence is the newest retired token's id, so a second run
    writes nothing twice; the marks are then cleared. Inactive agents keep
    theirs until they are active again. Returns how many messages were written.
    """
    marked = list(
        RetiredFeedToken.objects.select_for_update(of=("self",))
        .filter(to_notify=True, agent__is_active=True, agent__user__is_active=True)
        .values_list("pk", "agent_id")
    )
    newest: dict[int, int] = {}
    for pk, agent_id in marked:
        newest[agent_id] = max(pk, newest.get(agent_id, 0))
    written: list[Message] = []
    for agent in Agent.objects.select_related("user__staff_profile").filter(
        pk__in=newest
    ):
        language = staff_language(agent.user)
        planned = _Planned(
            Event.AGENT_FEED_ADDRESS,
            f"retired-token-{newest[agent.pk]}",
            agent=agent,
            context=feed_address_context(agent, language=language),
        )
        written += _write(planned, appointment=None, language=language)
    RetiredFeedToken.objects.filter(pk__in=[pk for pk, _agent in marked]).update(
        to_notify=False
    )
    _enqueue_after_commit(written)
    return len(written)


# --- Sending ------------------------------------------------------------------------


def idempotency_key(message: Message) -> str:
    """The same for every attempt at ``message``, different for every other row
    (its creation time keeps ids reused by another database apart)."""
    return f"rendez-vous-{message.pk}-{message.created_at:%Y%m%dT%H%M%S%f}"


def _deliver(message: Message) -> str:
    """Hand the message to its provider; return the provider's id for it."""
    if message.channel == Channel.SMS:
        return get_backend().send(
            Sms(
                to=message.recipient,
                body=message.body,
                sender=settings.SMS_SENDER,
                reference=idempotency_key(message),
            )
        )
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.recipient],
        headers={"X-Rendez-Vous-Message": str(message.pk)},
    )
    if message.html_body:
        email.attach_alternative(message.html_body, "text/html")
    if message.ics:
        email.attach(ics_attachment(message.ics))
    if f"cid:{REFERENCE_QR_CID}" in message.html_body and message.appointment:
        email.attach(_reference_qr_image(message.appointment.reference))
    email.send(fail_silently=False)
    return email.extra_headers.get("Message-ID", "") or f"email-{message.pk}"


def _reference_qr_image(reference: str):
    """The booking reference's QR code, the inline image its HTML shows."""
    from email.mime.image import MIMEImage

    from booking.references import qr_png

    part = MIMEImage(qr_png(reference), "png")
    part.add_header("Content-ID", f"<{REFERENCE_QR_CID}>")
    part.add_header("Content-Disposition", "inline", filename="reference.png")
    return part


def ics_attachment(ics_text: str):
    """The .ics as a MIME part whose content type names its METHOD (RFC 6047)."""
    from email.mime.text import MIMEText

    method = "REQUEST"
    for line in ics_text.splitlines():
        if line.startswith("METHOD:"):
            method = line.partition(":")[2].strip()
            break
    part = MIMEText(ics_text, "calendar", "utf-8")
    part.set_param("method", method)
    part.add_header("Content-Disposition", "attachment", filename="rendez-vous.ics")
    return part


def _retry_delay(attempts: int) -> timedelta:
    return timedelta(seconds=settings.MESSAGE_RETRY_DELAY * 2 ** max(attempts - 1, 0))


# Events whose text is the state of an appointment (or of an agent's day) when
# it is sent: rendered again just before sending, dropped when it no longer
# applies (issue 24, point 2). A reminder written at REMINDER_HOUR may wait in
# the queue (a provider down, retries) while the citizen moves or cancels.
RENDERED_WHEN_SENT = frozenset({Event.REMINDER, Event.AGENT_DAY_LIST})
_ACTIVE = Appointment.OPEN_STATUSES


def _occurrence_day(message: Message) -> date | None:
    try:
        return date.fromisoformat(message.occurrence)
    except ValueError:
        return None


def _texts_when_sent(message: Message) -> Texts | None:
    """What ``message`` says now, or None when it no longer applies.

    A reminder applies while its appointment is active, still on the day it
    was written for, and its service still reminds citizens; an agent's list
    while the agent is active and has appointments that day in services that
    remind agents. Other messages
    keep the texts they were written with (they tell a change, which stays
    true).
    """
    texts = Texts(message.subject, message.body, message.html_body)
    if message.event not in RENDERED_WHEN_SENT:
        return texts
    day = _occurrence_day(message)
    if day is None:  # a resent copy: what was sent before, again
        return texts
    first, last = _local_day_bounds(day)
    if message.event == Event.REMINDER:
        if message.appointment_id is None:
            return None
        appointment = (
            Appointment.objects.select_related(
                "citizen", "service", "reason", "agent__user"
            )
            .filter(pk=message.appointment_id, status__in=_ACTIVE)
            .filter(start__gte=first, start__lt=last)
            .first()
        )
        if appointment is None or not reminds_citizens_of(appointment):
            return None
        context = appointment_context(appointment, language=message.language)
    else:
        agent = message.agent
        if agent is None or not agent.is_active:
            return None
        rules = ReminderRules()
        appointments = [
            appointment
            for appointment in Appointment.objects.filter(
                agent=agent, start__gte=first, start__lt=last, status__in=_ACTIVE
            )
            .select_related("citizen", "service", "reason")
            .order_by("start", "pk")
            if reminds_agents_of(appointment, rules=rules)
        ]
        if not appointments:
            return None
        context = day_list_context(agent, day, appointments, language=message.language)
    rendered = _render(message.event, message.channel, message.language, context)
    return Texts(rendered.subject[:255], rendered.body, rendered.html_body)


Recipients = MessagingSettings.ReminderRecipients
REMINDS_CITIZENS = frozenset({Recipients.CITIZENS, Recipients.BOTH})
REMINDS_AGENTS = frozenset({Recipients.AGENTS, Recipients.BOTH})


class ReminderRules:
    """Who gets the day-before reminders of each service's appointments: the
    service's own choices (``ServiceMessaging``) where it made some, the
    commune's (``MessagingSettings``) otherwise (issue 24, point 4). Reads
    them once (two queries) for a whole run."""

    def __init__(self) -> None:
        self.commune = MessagingSettings.objects.get_solo()
        self._own = {row.service_id: row for row in ServiceMessaging.objects.all()}

    def recipients(self, service_id: int) -> str:
        own = self._own.get(service_id)
        return (own and own.reminder_recipients) or self.commune.reminder_recipients

    def remind_pending(self, service_id: int) -> bool:
        own = self._own.get(service_id)
        if own is None or own.remind_pending is None:
            return self.commune.remind_pending
        return own.remind_pending

    @property
    def reminds_some_agents(self) -> bool:
        return any(
            recipients in REMINDS_AGENTS
            for recipients in [
                self.commune.reminder_recipients,
                *(own.reminder_recipients for own in self._own.values()),
            ]
        )


def reminds_citizens_of(
    appointment: Appointment, *, rules: ReminderRules | None = None
) -> bool:
    """Whether the citizen of ``appointment`` gets the day-before reminder:
    as its service chose, or the commune."""
    rules = rules or ReminderRules()
    if rules.recipients(appointment.service_id) not in REMINDS_CITIZENS:
        return False
    return appointment.status != Appointment.Status.PENDING or rules.remind_pending(
        appointment.service_id
    )


def reminds_agents_of(
    appointment: Appointment, *, rules: ReminderRules | None = None
) -> bool:
    """Whether ``appointment`` is on its agent's list of the next day: as its
    service chose, or the commune."""
    rules = rules or ReminderRules()
    return rules.recipients(appointment.service_id) in REMINDS_AGENTS


def _refresh(message: Message) -> bool:
    """Bring ``message`` up to date before sending; False when it is dropped.

    The row keeps what was really sent, so the admin shows it.
    """
    try:
        texts = _texts_when_sent(message)
    except Exception:
        # Never lose a message to a rendering error: send what was written.
        logger.exception("message %s could not be rendered again", message.pk)
        return True
    if texts is None:
        return False
    if (texts.subject, texts.body, texts.html_body) != (
        message.subject,
        message.body,
        message.html_body,
    ):
        message.subject, message.body = texts.subject, texts.body
        message.html_body = texts.html_body
        message.segments = sms_segment_count(message.channel, message.body)
        Message.objects.filter(pk=message.pk).update(
            subject=message.subject,
            body=message.body,
            html_body=message.html_body,
            segments=message.segments,
        )
    return True


def message_send(*, message_id: int, now: datetime | None = None) -> str:
    """Send one pending message, at most once; return its status afterwards.

    Claims the row (pending → sending) with one conditional UPDATE, so that of
    two workers given the same message only one sends; a message already sent
    (or failed, or being sent) is left alone.
    """
    now = now or timezone.now()
    claimed = Message.objects.filter(pk=message_id, status=Status.PENDING).update(
        status=Status.SENDING, sending_since=now, attempts=F("attempts") + 1
    )
    message = (
        Message.objects.select_related("appointment").filter(pk=message_id).first()
    )
    if message is None:
        return ""
    if not claimed:
        return message.status
    if not _refresh(message):
        Message.objects.filter(pk=message.pk).update(
            status=Status.SKIPPED, next_attempt_at=None
        )
        return Status.SKIPPED
    try:
        provider_id = _deliver(message)
    except Exception as error:  # any provider failure is retried
        return _record_failure(message, error, now)
    Message.objects.filter(pk=message.pk, status=Status.SENDING).update(
        status=Status.SENT,
        sent_at=timezone.now(),
        provider_id=str(provider_id)[:255],
        next_attempt_at=None,
        last_error="",
    )
    if message.channel == Channel.SMS:
        _watch_sms_budget()
    return Status.SENT


def _watch_sms_budget() -> None:
    """After an SMS is sent: the budget alert, never at the cost of sending."""
    try:
        sms_budget_watch()
    except Exception:
        logger.exception("the SMS budget could not be checked")


# --- SMS in budget (issue 24, point 5) -------------------------------------------


@transaction.atomic
def sms_budget_watch(*, now: datetime | None = None) -> int:
    """Tell the administrators, by e-mail, when the SMS sent this month reach
    80 % of the monthly budget: once a month. Returns the messages written.

    Run after every SMS sent. The month is claimed with one conditional
    UPDATE of ``MessagingSettings.sms_budget_alerted``, so that of two
    workers crossing the line together one writes; each administrator's row
    is also unique for (event, address, month).
    """
    now = now or timezone.now()
    budget = sms_budget(now=now)
    if budget.alerted or not budget.alert_reached:
        return 0
    claimed = (
        MessagingSettings.objects.filter(pk=MessagingSettings.objects.get_solo().pk)
        .exclude(sms_budget_alerted=budget.month)
        .update(sms_budget_alerted=budget.month)
    )
    if not claimed:
        return 0
    written: list[Message] = []
    for user in administrators().exclude(email=""):
        # Each administrator reads his or her own language (issue 19, point 4).
        language = staff_language(user)
        planned = _Planned(
            Event.ADMIN_SMS_BUDGET,
            f"{budget.month:%Y-%m}",
            context=sms_budget_context(
                budget,
                language=language,
                recipient_name=user.get_full_name() or user.get_username(),
            ),
        )
        written += _write(
            planned, appointment=None, language=language, contact=(user.email, "")
        )
    if not written:
        logger.warning("SMS budget at %s %%: no administrator to tell", budget.percent)
    _enqueue_after_commit(written)
    return len(written)


def _record_failure(message: Message, error: Exception, now: datetime) -> str:
    detail = str(error) if isinstance(error, SmsError) else repr(error)
    if message.attempts >= settings.MESSAGE_MAX_ATTEMPTS:
        status, next_attempt = Status.FAILED, None
        logger.error("message %s failed for good: %s", message.pk, detail)
    else:
        status, next_attempt = Status.PENDING, now + _retry_delay(message.attempts)
        logger.warning("message %s will be retried: %s", message.pk, detail)
    Message.objects.filter(pk=message.pk, status=Status.SENDING).update(
        status=status, next_attempt_at=next_attempt, last_error=detail[:2000]
    )
    return status


def messages_dispatch_due(*, now: datetime | None = None, limit: int = 200) -> int:
    """Enqueue the messages whose time has come; return how many.

    Run every minute: it sends retries when their back-off is over, picks up
    rows whose task was lost, and frees rows stuck in "sending".
    """
    now = now or timezone.now()
    stale = now - timedelta(seconds=settings.MESSAGE_SENDING_TIMEOUT)
    Message.objects.filter(status=Status.SENDING, sending_since__lt=stale).update(
        status=Status.PENDING,
        next_attempt_at=now,
        last_error=str(_("Interrupted while sending: tried again.")),
    )
    due = list(
        Message.objects.due(now)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    if due:
        # Not picked again next minute while the queue still holds them.
        Message.objects.filter(pk__in=due, status=Status.PENDING).update(
            next_attempt_at=_lease(now)
        )
        enqueue(due)
    return len(due)


# --- Actions of the admin -------------------------------------------------------------


def may_resend(user, message: Message) -> bool:
    """Administrators, and managers of the message's service."""
    if is_administrator(user):
        return True
    appointment = message.appointment
    if appointment is None:
        return False
    return appointment.service_id in managed_service_ids(user)


def message_resend(*, message: Message, actor) -> Message:
    """Send a message again, on an administrator's or manager's request.

    A failed (or skipped) message goes back to the queue with fresh attempts;
    a sent one is copied, so that the history keeps both sendings.
    """
    if not may_resend(actor, message):
        raise PermissionDenied
    now = timezone.now()
    with transaction.atomic():
        message = Message.objects.select_for_update().get(pk=message.pk)
        if message.status in (Status.PENDING, Status.SENDING):
            raise MessagingError(_("This message is already on its way."))
        if message.status in (Status.FAILED, Status.SKIPPED):
            message.status = Status.PENDING
            message.attempts = 0
            message.next_attempt_at = _lease(now)
            message.save(update_fields=["status", "attempts", "next_attempt_at"])
            again = message
        else:
            again = Message.objects.create(
                appointment=message.appointment,
                agent=message.agent,
                event=message.event,
                channel=message.channel,
                recipient=message.recipient,
                language=message.language,
                occurrence=f"resend:{now:%Y%m%dT%H%M%S.%f}",
                subject=message.subject,
                body=message.body,
                html_body=message.html_body,
                segments=message.segments,
                ics=message.ics,
                next_attempt_at=_lease(now),
            )
        _enqueue_after_commit([again])
    return again


# --- Personal data (booking's privacy signals, see ``receivers``) ------------------

# Messages still on their way (an erasure's cancellation notices) are kept until
# sent; the next retention sweep deletes them.
_ON_THEIR_WAY = (Status.PENDING, Status.SENDING)


def messages_forget_citizens(*, citizen_ids: list[int]) -> int:
    """Delete the messages of anonymised citizens, except those on their way;
    return how many were deleted."""
    return (
        Message.objects.filter(appointment__citizen_id__in=citizen_ids)
        .exclude(status__in=_ON_THEIR_WAY)
        .delete()[0]
    )


def messages_delete_old(*, cutoff: datetime) -> int:
    """Retention: delete the messages created before ``cutoff`` and those of
    citizens anonymised since they were sent, except those on their way."""
    done = Message.objects.exclude(status__in=_ON_THEIR_WAY)
    old = done.filter(created_at__lt=cutoff).delete()[0]
    erased = done.filter(appointment__citizen__anonymised_at__isnull=False).delete()[0]
    return old + erased
