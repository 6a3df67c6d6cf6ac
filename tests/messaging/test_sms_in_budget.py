"""SMS in budget (issue 24, point 5): the SMS sent per month, per service and
per event with their segments and cost, a monthly budget, and the
administrators told by e-mail, once a month, when 80 % of it is spent.

The clock is the messaging tests' (Monday 4 January 2027, 09:00). The price
is 0.10 € a segment and the budget 1.00 €: 80 % is the eighth segment.
"""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from core.roles import ADMINISTRATOR
from messaging.models import Event, Message, MessagingSettings
from messaging.selectors import sms_budget, sms_month_breakdown, sms_months
from messaging.services import message_send, sms_budget_watch
from tests.factories import AppointmentFactory, ServiceFactory, UserFactory
from tests.i18n import translated

pytestmark = pytest.mark.django_db

BRUSSELS = ZoneInfo("Europe/Brussels")
ONE_SEGMENT = "Votre rendez-vous est confirmé."
# 161 GSM-7 characters: two segments.
TWO_SEGMENTS = "x" * 161


@pytest.fixture
def budget(db):
    MessagingSettings.objects.filter(pk=1).update(
        sms_segment_price=Decimal("0.10"), sms_monthly_budget=Decimal("1.00")
    )


@pytest.fixture
def administrators(db, administrator):
    """The superuser administrator and a second one by group; a manager who
    is not told."""
    second = UserFactory(username="second-admin", email="second@commune.example")
    second.groups.add(Group.objects.get(name=ADMINISTRATOR))
    UserFactory(username="not-an-admin", email="staff@commune.example")
    return [administrator, second]


def pending_sms(body=ONE_SEGMENT, *, service=None, event=Event.BOOKED) -> Message:
    """An SMS written by the outbox, not sent yet."""
    appointment = AppointmentFactory(**({"service": service} if service else {}))
    return Message.objects.create(
        appointment=appointment,
        event=event,
        channel="sms",
        recipient="+32470123456",
        language="fr",
        body=body,
        segments=2 if body == TWO_SEGMENTS else 1,
        occurrence=f"test-{Message.objects.count()}",
    )


def send(message: Message, django_capture_on_commit_callbacks) -> str:
    with django_capture_on_commit_callbacks(execute=True):
        return message_send(message_id=message.pk)


def alerts() -> list[Message]:
    return list(Message.objects.filter(event=Event.ADMIN_SMS_BUDGET))


def test_each_sms_written_counts_its_segments(book, rules):
    rules(booked="sms")

    booked = book()

    [sms] = Message.objects.filter(appointment=booked, channel="sms")
    assert sms.segments >= 1
    email = Message.objects.filter(appointment=booked, channel="email").first()
    assert email is None or email.segments == 0


def test_the_administrators_are_told_exactly_once_when_80_percent_is_reached(
    budget, administrators, django_capture_on_commit_callbacks, clock
):
    for _ in range(7):  # 0.70 €: 70 %
        send(pending_sms(), django_capture_on_commit_callbacks)
    assert alerts() == []

    send(pending_sms(), django_capture_on_commit_callbacks)  # 0.80 €: 80 %

    told = alerts()
    assert sorted(message.recipient for message in told) == sorted(
        user.email for user in administrators
    )
    assert {message.channel for message in told} == {"email"}
    assert {message.occurrence for message in told} == {"2027-01"}
    assert all(message.appointment_id is None for message in told)
    emails = [email for email in mail.outbox if "80 %" in email.subject]
    assert sorted(email.to[0] for email in emails) == sorted(
        user.email for user in administrators
    )
    assert "janvier 2027" in emails[0].subject
    assert "0,80" in emails[0].body and "1,00" in emails[0].body
    assert reverse("admin:messaging_sms") in emails[0].body

    # Beyond, and even past the whole budget: nothing more this month.
    for _ in range(4):
        send(pending_sms(TWO_SEGMENTS), django_capture_on_commit_callbacks)
    assert sms_budget_watch() == 0
    assert len(alerts()) == len(administrators)
    assert sms_budget().percent == 160

    # The next month starts again from nothing, and tells again at 80 %.
    clock.move_to(datetime(2027, 2, 1, 9, 0, tzinfo=BRUSSELS))
    for _ in range(7):
        send(pending_sms(), django_capture_on_commit_callbacks)
    assert len(alerts()) == len(administrators)
    send(pending_sms(), django_capture_on_commit_callbacks)
    assert len(alerts()) == 2 * len(administrators)
    assert {message.occurrence for message in alerts()} == {"2027-01", "2027-02"}


def test_only_sms_sent_count_and_without_a_budget_nobody_is_told(
    administrators, django_capture_on_commit_callbacks
):
    MessagingSettings.objects.filter(pk=1).update(sms_segment_price=Decimal("0.10"))
    for _ in range(20):
        send(pending_sms(), django_capture_on_commit_callbacks)
    failed = pending_sms(TWO_SEGMENTS)
    Message.objects.filter(pk=failed.pk).update(status=Message.Status.FAILED)

    current = sms_budget()
    assert (current.sms, current.segments, current.cost) == (20, 20, Decimal("2.00"))
    assert current.percent is None
    assert alerts() == []


def test_a_budget_needs_a_price():
    choices = MessagingSettings.objects.get_solo()
    choices.sms_monthly_budget = Decimal("50")
    with pytest.raises(ValidationError) as refused:
        choices.full_clean()
    assert "sms_segment_price" in refused.value.message_dict


def test_the_sms_per_month_per_service_and_per_event_with_segments_and_cost(
    budget, django_capture_on_commit_callbacks, clock
):
    population = ServiceFactory(name="Population", slug="pop-sms")
    civil = ServiceFactory(name="État civil", slug="civil-sms")
    clock.move_to(datetime(2026, 12, 15, 10, 0, tzinfo=BRUSSELS))
    send(pending_sms(service=population), django_capture_on_commit_callbacks)
    clock.move_to(datetime(2027, 1, 4, 9, 0, tzinfo=BRUSSELS))
    for _ in range(2):
        send(
            pending_sms(TWO_SEGMENTS, service=population, event=Event.REMINDER),
            django_capture_on_commit_callbacks,
        )
    send(pending_sms(service=civil), django_capture_on_commit_callbacks)
    pending_sms(service=civil)  # not sent: not counted

    months = sms_months()
    assert [
        (month.month.isoformat(), month.sms, month.segments) for month in months[:2]
    ] == [
        ("2027-01-01", 3, 5),
        ("2026-12-01", 1, 1),
    ]
    assert len(months) == 12
    assert months[0].cost == Decimal("0.50")
    assert months[0].percent == 50

    breakdown = sms_month_breakdown(months[0].month)
    assert [
        (row.label, row.sms, row.segments, row.cost) for row in breakdown["services"]
    ] == [
        ("Population", 2, 4, Decimal("0.40")),
        ("État civil", 1, 1, Decimal("0.10")),
    ]
    assert [(row.key, row.sms, row.segments) for row in breakdown["events"]] == [
        (Event.REMINDER, 2, 4),
        (Event.BOOKED, 1, 1),
    ]


def test_only_administrators_see_the_sms_page(
    client, administrator, manager, agent, budget, django_capture_on_commit_callbacks
):
    send(pending_sms(TWO_SEGMENTS), django_capture_on_commit_callbacks)
    url = reverse("admin:messaging_sms")

    for user in (manager.user, agent.user):
        client.force_login(user)
        assert client.get(url).status_code == 403

    client.force_login(administrator)
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "0,20 €" in html  # two segments at 0.10 €
    assert page.context["current"].percent == 20
    december = client.get(url, {"month": "2026-12"})
    assert december.context["chosen"].month.isoformat() == "2026-12-01"
    assert december.context["breakdown"] == {"services": [], "events": []}


def test_the_dashboard_shows_the_budget_and_its_alert_to_administrators_only(
    client, administrator, agent, budget, django_capture_on_commit_callbacks
):
    for _ in range(9):
        send(pending_sms(), django_capture_on_commit_callbacks)

    client.force_login(administrator)
    page = client.get(reverse("admin:index"))
    html = page.content.decode()
    assert page.context["sms_budget"].percent == 90
    assert 'data-dashboard="sms-budget-alert"' in html
    assert translated("the administrators were told") in html

    client.force_login(agent.user)
    page = client.get(reverse("admin:index"))
    assert "sms_budget" not in page.context
    assert 'data-dashboard="sms-budget"' not in page.content.decode()
