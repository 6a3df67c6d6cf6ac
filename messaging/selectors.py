"""Reads of messaging: what each member of staff may see, dashboard figures,
the SMS budget abroad, and the SMS sent and their cost against the monthly
budget."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from booking.models import Appointment
from booking.selectors import pending_requests_for
from core.roles import is_administrator
from staffing.models import Service
from staffing.scopes import managed_service_ids

from .models import Channel, Event, Message, MessageQuerySet, MessagingSettings


def may_view_messages(user) -> bool:
    """Administrators, and managers (for their services' messages)."""
    return is_administrator(user) or bool(managed_service_ids(user))


def messages_visible_to(user) -> MessageQuerySet:
    """Every message for administrators; managers see their services' ones."""
    messages = Message.objects.all()
    if is_administrator(user):
        return messages
    return messages.filter(appointment__service__in=managed_service_ids(user))


def failed_message_count(user) -> int:
    return messages_visible_to(user).failed().count()


def overdue_cutoff(now: datetime | None = None) -> datetime:
    """Requests made before this are late (PENDING_ANSWER_HOURS)."""
    now = now or timezone.now()
    return now - timedelta(hours=settings.PENDING_ANSWER_HOURS)


def overdue_request_count(user, now: datetime | None = None) -> int:
    """Pending requests not answered within PENDING_ANSWER_HOURS."""
    return pending_requests_for(user).filter(created_at__lt=overdue_cutoff(now)).count()


def dashboard_figures(user) -> dict:
    """messaging's figures for the admin's dashboard (added to its ``summary``).

    ``failed_messages`` is None for people who may not see messages.
    """
    return {
        "failed_messages": failed_message_count(user)
        if may_view_messages(user)
        else None,
        "overdue_requests": overdue_request_count(user),
        "pending_answer_hours": settings.PENDING_ANSWER_HOURS,
    }


# --- The SMS budget abroad (issue 14) --------------------------------------------
#
# Anyone may book without login and give any number in the world; an SMS abroad
# costs several times a Belgian one. For bookings made without login, each
# country outside Belgium has a monthly SMS budget (SMS_MONTHLY_BUDGET_PER_COUNTRY,
# or its own in SMS_MONTHLY_BUDGETS) and all of them together a daily cap
# (SMS_DAILY_CAP_ABROAD); beyond, ``services`` writes the e-mail instead and the
# citizen is told at booking (``booking.events.booking_notices``). Staff
# bookings are never limited, nor counted. Two bookings at the same instant may
# both take the last SMS: the budget guards the cost, it is not an exact quota.


def _home_country() -> str:
    return settings.PHONENUMBER_DEFAULT_REGION


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_default_timezone())


def made_without_login(appointment: Appointment | None) -> bool:
    """Whether the appointment was booked by someone not logged in (the public
    pages, the API): staff bookings carry who made them."""
    return appointment is not None and appointment.created_by_id is None


def limited_sms() -> QuerySet:
    """The SMS abroad that count against the budget: citizens' messages of
    bookings made without login."""
    return Message.objects.filter(
        channel=Channel.SMS,
        agent__isnull=True,
        appointment__created_by__isnull=True,
    ).exclude(country__in=["", _home_country()])


def monthly_sms_budget(country: str) -> int:
    """How many SMS to ``country`` bookings without login may send a month."""
    return settings.SMS_MONTHLY_BUDGETS.get(
        country, settings.SMS_MONTHLY_BUDGET_PER_COUNTRY
    )


def sms_budget_spent(country: str, *, now: datetime | None = None) -> bool:
    """Whether one more SMS to ``country``, for a booking made without login,
    would go beyond the country's monthly budget or today's cap abroad."""
    if not country or country == _home_country():
        return False
    today = timezone.localdate(now or timezone.now())
    month = limited_sms().filter(
        country=country, created_at__gte=_local_midnight(today.replace(day=1))
    )
    if month.count() >= monthly_sms_budget(country):
        return True
    return sms_abroad_today(now=now) >= settings.SMS_DAILY_CAP_ABROAD


def sms_abroad_today(*, now: datetime | None = None) -> int:
    """Today's SMS abroad counted against SMS_DAILY_CAP_ABROAD."""
    today = timezone.localdate(now or timezone.now())
    return limited_sms().filter(created_at__gte=_local_midnight(today)).count()


def sms_month_by_country(*, now: datetime | None = None) -> list[dict]:
    """This month's SMS per destination country, most first: all of them, those
    of bookings made without login, and the country's budget (None at home)."""
    today = timezone.localdate(now or timezone.now())
    month = Message.objects.filter(
        channel=Channel.SMS, created_at__gte=_local_midnight(today.replace(day=1))
    )
    totals = dict(month.values_list("country").annotate(n=Count("pk")).order_by())
    without_login = dict(
        month.filter(agent__isnull=True, appointment__created_by__isnull=True)
        .values_list("country")
        .annotate(n=Count("pk"))
        .order_by()
    )
    home = _home_country()
    rows = [
        {
            "country": country,
            "total": total,
            "without_login": without_login.get(country, 0),
            "budget": None if country in ("", home) else monthly_sms_budget(country),
        }
        for country, total in totals.items()
    ]
    rows.sort(key=lambda row: (-row["total"], row["country"]))
    return rows


def sms_replaced_by_email(appointment: Appointment) -> bool:
    """Whether a message of ``appointment`` went by e-mail instead of SMS."""
    return Message.objects.filter(appointment=appointment, instead_of_sms=True).exists()


# --- A citizen's data export (booking's ``citizen_data_requested``) ---------------


def _when(moment: datetime | None) -> str | None:
    return timezone.localtime(moment).isoformat() if moment else None


def citizen_messages_export(*, citizen, appointment_ids: list[int]) -> list[dict]:
    """The messages sent to the citizen about these appointments, for his or her
    data export: not the agents' notices."""
    messages = Message.objects.filter(
        appointment__citizen=citizen,
        appointment_id__in=appointment_ids,
        agent__isnull=True,
    ).order_by("created_at", "pk")
    return [
        {
            "appointment": message.appointment_id,
            "event": message.event,
            "channel": message.channel,
            "recipient": message.recipient,
            "subject": message.subject,
            "text": message.body,
            "status": message.status,
            "created_at": _when(message.created_at),
            "sent_at": _when(message.sent_at),
        }
        for message in messages
    ]


# --- SMS in budget (issue 24, point 5) --------------------------------------------
#
# What the commune's SMS cost: the SMS *sent* (a failed one costs nothing) in
# each local month, by the month they were sent in, each counted in the
# segments the network sends it in (``Message.segments``), times the price of
# a segment (``MessagingSettings.sms_segment_price``, the current one). At 80 %
# of the monthly budget the administrators are told (``services.
# sms_budget_watch``), once that month.

ALERT_SHARE = Decimal("0.8")
CENTS = Decimal("0.01")


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(first: date) -> date:
    return (first + timedelta(days=32)).replace(day=1)


def sent_sms_between(first: date, end: date) -> QuerySet:
    """The SMS sent from local day ``first`` (included) to ``end`` (excluded)."""
    return Message.objects.filter(
        channel=Channel.SMS,
        status=Message.Status.SENT,
        sent_at__gte=_local_midnight(first),
        sent_at__lt=_local_midnight(end),
    )


def _cost(segments: int, price: Decimal | None) -> Decimal | None:
    if price is None:
        return None
    return (price * segments).quantize(CENTS, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class SmsFigures:
    """SMS sent, their segments and what they cost (None: no price set)."""

    label: str
    sms: int
    segments: int
    cost: Decimal | None
    key: str = ""


@dataclass(frozen=True)
class SmsBudget:
    """One month's SMS against the monthly budget."""

    month: date
    sms: int
    segments: int
    price: Decimal | None
    budget: Decimal | None
    alerted: bool

    @property
    def cost(self) -> Decimal | None:
        return _cost(self.segments, self.price)

    @property
    def share(self) -> Decimal | None:
        """The part of the budget spent (1 = all of it), or None."""
        if self.cost is None or not self.budget:
            return None
        return self.cost / self.budget

    @property
    def percent(self) -> int | None:
        share = self.share
        return None if share is None else int(share * 100)

    @property
    def alert_reached(self) -> bool:
        share = self.share
        return share is not None and share >= ALERT_SHARE

    @property
    def alert_percent(self) -> int:
        return int(ALERT_SHARE * 100)


def sms_budget(*, now: datetime | None = None, month: date | None = None) -> SmsBudget:
    """The SMS sent in ``month`` (default: this month) against the budget."""
    choices = MessagingSettings.objects.get_solo()
    first = month_start(month or timezone.localdate(now or timezone.now()))
    totals = sent_sms_between(first, next_month(first)).aggregate(
        sms=Count("pk"), segments=Sum("segments")
    )
    return SmsBudget(
        month=first,
        sms=totals["sms"] or 0,
        segments=totals["segments"] or 0,
        price=choices.sms_segment_price,
        budget=choices.sms_monthly_budget,
        alerted=choices.sms_budget_alerted == first,
    )


def sms_months(*, now: datetime | None = None, count: int = 12) -> list[SmsBudget]:
    """The last ``count`` months, this one first, each against the budget (one
    query for all)."""
    choices = MessagingSettings.objects.get_solo()
    this_month = month_start(timezone.localdate(now or timezone.now()))
    months = [this_month]
    for _step in range(count - 1):
        months.append(month_start(months[-1] - timedelta(days=1)))
    zone = timezone.get_default_timezone()
    totals = {
        timezone.localdate(row["month"], zone)
        if isinstance(row["month"], datetime)
        else row["month"]: row
        for row in sent_sms_between(months[-1], next_month(this_month))
        .annotate(month=TruncMonth("sent_at", tzinfo=zone))
        .values("month")
        .annotate(sms=Count("pk"), segments=Sum("segments"))
        .order_by()
    }
    return [
        SmsBudget(
            month=month,
            sms=(totals.get(month) or {}).get("sms") or 0,
            segments=(totals.get(month) or {}).get("segments") or 0,
            price=choices.sms_segment_price,
            budget=choices.sms_monthly_budget,
            alerted=choices.sms_budget_alerted == month,
        )
        for month in months
    ]


def sms_month_breakdown(month: date) -> dict[str, list[SmsFigures]]:
    """One month's SMS sent per service and per event, most first."""
    price = MessagingSettings.objects.get_solo().sms_segment_price
    sent = sent_sms_between(month_start(month), next_month(month_start(month)))
    per_service = list(
        sent.values("appointment__service_id")
        .annotate(sms=Count("pk"), segments=Sum("segments"))
        .order_by()
    )
    services = Service.objects.in_bulk(
        [row["appointment__service_id"] for row in per_service]
    )
    by_service = [
        SmsFigures(
            label=str(services[row["appointment__service_id"]])
            if row["appointment__service_id"] in services
            else "",
            sms=row["sms"],
            segments=row["segments"] or 0,
            cost=_cost(row["segments"] or 0, price),
            key=str(row["appointment__service_id"] or ""),
        )
        for row in per_service
    ]
    by_event = [
        SmsFigures(
            label=str(Event(row["event"]).label)
            if row["event"] in Event.values
            else row["event"],
            sms=row["sms"],
            segments=row["segments"] or 0,
            cost=_cost(row["segments"] or 0, price),
            key=row["event"],
        )
        for row in sent.values("event")
        .annotate(sms=Count("pk"), segments=Sum("segments"))
        .order_by()
    ]

    def most_first(figures: SmsFigures) -> tuple[int, int, str]:
        return (-figures.segments, -figures.sms, figures.label)

    return {
        "services": sorted(by_service, key=most_first),
        "events": sorted(by_event, key=most_first),
    }
