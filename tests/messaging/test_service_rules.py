"""A service's own messaging rules (issue 24, point 4): who gets its
reminders and which channels its events use, where it chose; the commune's
choices otherwise. Set on the service's page by administrators.

The clock is the messaging tests' (Monday 4 January 2027, 09:00); the
appointments are on Tuesday the 5th, "tomorrow" for the reminders.
"""

import pytest
from django.core import mail
from django.urls import reverse

from booking.models import Appointment
from messaging.models import (
    ChannelRule,
    Event,
    Message,
    MessagingSettings,
    ServiceChannelRule,
    ServiceMessaging,
)
from messaging.services import channels_for, message_send, reminders_create
from tests.factories import (
    AgentFactory,
    AppointmentFactory,
    CitizenFactory,
    ServiceFactory,
    VisitReasonFactory,
    local,
)

from .conftest import TUESDAY

Status = Appointment.Status


@pytest.fixture
def civil(db):
    """État civil, which chose its own reminders; Population follows the
    commune (citizens and agents, pending requests not reminded)."""
    return ServiceFactory(name="État civil", slug="etat-civil")


def appointment(service, agent, hour: int, status=Status.CONFIRMED, **citizen):
    start = local(TUESDAY, hour)
    return AppointmentFactory(
        service=service,
        reason=VisitReasonFactory(service=service),
        agent=agent,
        citizen=CitizenFactory(**citizen),
        start=start,
        end=local(TUESDAY, hour, 15),
        status=status,
    )


def test_a_service_of_its_own_reminds_only_its_agents_and_another_follows_the_commune(
    service, civil, django_capture_on_commit_callbacks
):
    MessagingSettings.objects.filter(pk=1).update(reminder_recipients="both")
    ServiceMessaging.objects.create(service=civil, reminder_recipients="agents")
    agent = AgentFactory(user__first_name="Jean", user__last_name="Martin")
    followed = appointment(service, agent, 9, email="pop@example.be")
    own = appointment(civil, agent, 10, email="civil@example.be", last_name="Mertens")

    with django_capture_on_commit_callbacks(execute=True):
        reminders_create()

    reminded = set(
        Message.objects.filter(event=Event.REMINDER).values_list(
            "appointment_id", flat=True
        )
    )
    assert reminded == {followed.pk}
    [day_list] = Message.objects.filter(event=Event.AGENT_DAY_LIST, channel="email")
    # The agent's list holds both: each service reminds agents.
    assert followed.citizen.last_name in day_list.body
    assert own.citizen.last_name in day_list.body
    assert "civil@example.be" not in [email.to[0] for email in mail.outbox]


def test_a_service_may_keep_its_agents_lists_and_remind_pending_requests(
    service, civil, django_capture_on_commit_callbacks
):
    """The commune reminds citizens and agents but not pending requests; État
    civil reminds only citizens, pending requests included."""
    ServiceMessaging.objects.create(
        service=civil, reminder_recipients="citizens", remind_pending=True
    )
    agent = AgentFactory()
    pending_here = appointment(civil, agent, 9, Status.PENDING, last_name="Civil")
    appointment(service, agent, 10, Status.PENDING, last_name="Pop")

    with django_capture_on_commit_callbacks(execute=True):
        reminders_create()

    reminded = set(
        Message.objects.filter(event=Event.REMINDER).values_list(
            "appointment_id", flat=True
        )
    )
    assert reminded == {pending_here.pk}
    [day_list] = Message.objects.filter(event=Event.AGENT_DAY_LIST, channel="email")
    assert "Pop" in day_list.body
    assert "Civil" not in day_list.body


def test_an_empty_choice_is_the_communes(
    service, civil, django_capture_on_commit_callbacks
):
    ServiceMessaging.objects.create(service=civil)  # nothing chosen
    MessagingSettings.objects.filter(pk=1).update(reminder_recipients="citizens")
    mine = appointment(civil, AgentFactory(), 9)

    with django_capture_on_commit_callbacks(execute=True):
        reminders_create()

    assert set(Message.objects.values_list("event", "appointment_id")) == {
        (Event.REMINDER, mine.pk)
    }


def test_a_reminder_is_dropped_when_its_service_stops_reminding_before_it_is_sent(
    civil,
):
    mine = appointment(civil, AgentFactory(), 9)
    reminders_create()
    reminder = Message.objects.get(event=Event.REMINDER, channel="email")

    ServiceMessaging.objects.create(service=civil, reminder_recipients="none")

    assert message_send(message_id=reminder.pk) == Message.Status.SKIPPED
    assert reminder.appointment_id == mine.pk


def test_a_services_own_channels_for_an_event(service, civil, rules):
    rules(booked="both", reminder="both")
    ServiceChannelRule.objects.create(service=civil, event=Event.BOOKED, channels="sms")

    assert channels_for(Event.BOOKED, service_id=civil.pk) == ["sms"]
    assert channels_for(Event.BOOKED, service_id=service.pk) == ["email", "sms"]
    assert channels_for(Event.REMINDER, service_id=civil.pk) == ["email", "sms"]
    assert channels_for(Event.BOOKED) == ["email", "sms"]


def test_a_booking_in_the_service_goes_by_the_services_own_channels(
    service, reason, desk_agent, citizen, book, rules, sms_outbox
):
    """Population books by e-mail only, whatever the commune's "both"."""
    rules(booked="both")
    ServiceChannelRule.objects.create(
        service=service, event=Event.BOOKED, channels="email"
    )

    booked = book()

    told = Message.objects.filter(appointment=booked, event=Event.BOOKED)
    assert set(told.values_list("channel", flat=True)) == {"email"}
    assert sms_outbox == []
    # Another service keeps the commune's rule.
    assert ChannelRule.objects.get(event=Event.BOOKED).channels == "both"


def test_the_administrator_sets_a_services_rules_on_its_page(
    client, administrator, service
):
    client.force_login(administrator)
    url = reverse("admin:staffing_service_change", args=[service.pk])
    page = client.get(url)
    assert page.status_code == 200
    names = [
        inline.opts.model.__name__ for inline in page.context["inline_admin_formsets"]
    ]
    assert "ServiceMessaging" in names and "ServiceChannelRule" in names
    events = dict(
        page.context["inline_admin_formsets"][names.index("ServiceChannelRule")]
        .formset.empty_form.fields["event"]
        .choices
    )
    # The agent's list of the day and the budget alert belong to no service.
    assert Event.AGENT_DAY_LIST not in events and Event.ADMIN_SMS_BUDGET not in events
    assert Event.REMINDER in events

    data = {}
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        for name in formset.management_form.fields:
            value = formset.management_form[name].value()
            data[formset.management_form.add_prefix(name)] = value
        for form in formset.forms:
            for name in form.fields:
                value = form[name].value()
                if value is not None and value is not False:
                    data[form.add_prefix(name)] = value
    form = page.context["adminform"].form
    for name in form.fields:
        value = form[name].value()
        if value is True:
            data[name] = "on"
        elif value is not None and value is not False:
            data[name] = value
    messaging_prefix = page.context["inline_admin_formsets"][
        names.index("ServiceMessaging")
    ].formset.prefix
    rules_prefix = page.context["inline_admin_formsets"][
        names.index("ServiceChannelRule")
    ].formset.prefix
    data.update(
        {
            f"{messaging_prefix}-0-reminder_recipients": "agents",
            f"{messaging_prefix}-0-remind_pending": "unknown",
            f"{rules_prefix}-TOTAL_FORMS": "1",
            f"{rules_prefix}-0-event": Event.REMINDER,
            f"{rules_prefix}-0-channels": "sms",
        }
    )

    saved = client.post(url, data)

    assert saved.status_code == 302, saved.context["adminform"].form.errors
    own = ServiceMessaging.objects.get(service=service)
    assert (own.reminder_recipients, own.remind_pending) == ("agents", None)
    assert ServiceChannelRule.objects.get(service=service).channels == "sms"


def test_managers_do_not_see_the_services_messaging_rules(client, manager, population):
    client.force_login(manager.user)
    page = client.get(reverse("admin:staffing_service_change", args=[population.pk]))
    assert page.status_code == 200
    names = [
        inline.opts.model.__name__ for inline in page.context["inline_admin_formsets"]
    ]
    assert "ServiceMessaging" not in names
    assert "ServiceChannelRule" not in names
