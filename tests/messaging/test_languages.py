"""Every message in its reader's language, with the commune's content translated
(issue 19, point 4): the citizen's, and each agent's own."""

import pytest
from django.core import mail
from django.utils import translation

from messaging.models import Message

from .conftest import INFORMATION

DUTCH_INFORMATION = "Breng uw oude identiteitskaart en 25 euro mee."


@pytest.fixture
def translated_content(service, reason):
    """The service and the reason in French (the main language) and Dutch."""
    service.name_nl = "Bevolking"
    service.address_nl = "Gemeenteplein 1\n1000 Brussel"
    service.save()
    reason.name_nl = "Identiteitskaart"
    reason.message_information_nl = DUTCH_INFORMATION
    reason.save()
    return service, reason


def _citizen_email():
    return next(m for m in mail.outbox if m.to == ["anna@example.be"])


@pytest.mark.parametrize("active", ["fr", "de"])
def test_a_dutch_citizen_reads_the_dutch_service_reason_and_information(
    translated_content, book, sms_outbox, active
):
    # Whatever language the booking's request or the worker speaks.
    with translation.override(active):
        book()

    email = _citizen_email()
    assert "Dienst: Bevolking" in email.body
    assert "Reden: Identiteitskaart" in email.body
    assert "Gemeenteplein 1, 1000 Brussel" in email.body
    assert DUTCH_INFORMATION in email.body
    assert "Population" not in email.body
    assert "Carte d'identité" not in email.body
    assert INFORMATION not in email.body
    html = email.alternatives[0].content
    assert "Bevolking" in html and "Population" not in html
    [sms] = sms_outbox
    assert "(Bevolking)" in sms.body
    assert "Population" not in sms.body


def test_a_missing_translation_falls_back_to_the_main_language(
    service, reason, book, sms_outbox
):
    reason.name_nl = ""
    reason.message_information_nl = ""
    reason.save()

    with translation.override("de"):
        book()

    email = _citizen_email()
    assert "Reden: Carte d'identité" in email.body
    assert INFORMATION in email.body
    assert "(Population)" in sms_outbox[0].body


def test_a_reminder_written_by_the_worker_is_in_the_citizens_language(
    translated_content, book, committed
):
    from messaging.services import reminders_create

    from .conftest import TUESDAY

    appointment = book()
    mail.outbox.clear()

    with translation.override("fr"):
        committed(reminders_create, day=TUESDAY)

    reminder = Message.objects.get(
        appointment=appointment, event="reminder", channel="email"
    )
    assert "Bevolking" in reminder.body
    assert "Population" not in reminder.body


@pytest.mark.parametrize(
    ("language", "one", "two"),
    [
        ("en", "1 appointment in all.", "2 appointments in all."),
        ("nl", "In totaal 1 afspraak.", "In totaal 2 afspraken."),
        ("de", "Insgesamt 1 Termin.", "Insgesamt 2 Termine."),
        ("fr", "1 rendez-vous au total.", "2 rendez-vous au total."),
    ],
)
def test_the_agents_day_list_counts_in_a_real_plural(db, language, one, two):
    from messaging.defaults import DEFAULT_TEMPLATES
    from messaging.rendering import Texts, render_texts, sample_context

    text = DEFAULT_TEMPLATES[("agent_day_list", "email", language)]
    context = sample_context(language)
    three = context["appointments"]
    for count, expected in ((1, one), (2, two)):
        context["appointments"] = three[:count]
        rendered = render_texts(
            Texts(text.subject, text.body),
            channel="email",
            context=context,
            language=language,
        )
        assert expected in rendered.body


def test_resending_says_message_or_messages(client, administrator, book, rules):
    from django.urls import reverse

    rules(booked="email", agent_new="none")
    appointment = book()
    message = Message.objects.get(appointment=appointment)
    client.force_login(administrator)

    response = client.post(
        reverse("admin:messaging_message_changelist"),
        {"action": "resend", "_selected_action": [message.pk]},
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )

    assert "1 message queued to be sent again." in response.content.decode()


# --- Agents read their own language (issue 19, point 4) ---------------------------


def _set_language(user, language):
    from core.accounts import staff_language_set

    staff_language_set(user=user, language=language, actor=user)


def _to(user):
    return next(m for m in mail.outbox if m.to == [user.email])


def test_an_agent_reads_the_new_appointment_in_his_or_her_language(
    translated_content, book, desk_agent
):
    _set_language(desk_agent.user, "nl")

    with translation.override("fr"):
        book()

    email = _to(desk_agent.user)
    assert email.subject.startswith("Nieuwe afspraak")
    assert "Dienst: Bevolking" in email.body
    assert "Reden: Identiteitskaart" in email.body
    assert "Population" not in email.body


def test_an_agent_without_a_choice_reads_the_communes_main_language(
    translated_content, book, desk_agent
):
    from core.models import Commune

    commune = Commune.objects.get_solo()
    commune.main_language = "nl"
    commune.save()

    with translation.override("en"):
        book()

    email = _to(desk_agent.user)
    assert email.subject.startswith("Nieuwe afspraak")
    assert "Bevolking" in email.body


def test_the_list_of_the_day_is_in_the_agents_language(
    translated_content, book, desk_agent, committed
):
    from messaging.models import MessagingSettings
    from messaging.services import reminders_create

    from .conftest import TUESDAY

    MessagingSettings.objects.get_solo()
    MessagingSettings.objects.update(reminder_recipients="both")
    _set_language(desk_agent.user, "de")
    book()
    mail.outbox.clear()

    with translation.override("fr"):
        committed(reminders_create, day=TUESDAY)

    day_list = Message.objects.get(event="agent_day_list")
    assert day_list.language == "de"
    assert day_list.subject.startswith("Ihre Termine am Dienstag")
    assert "Insgesamt 1 Termin." in day_list.body


def test_an_unanswered_request_reaches_each_manager_in_his_or_her_language(
    service, book, rules, clock, committed
):
    from datetime import timedelta

    from messaging import tasks
    from staffing.models import Membership
    from tests.factories import AgentFactory, MembershipFactory

    from .conftest import NOW

    service.needs_confirmation = True
    service.request_escalation_hours = 2
    service.name_de = "Bürgerservice"
    service.save()
    managers = {}
    for language in ("de", "en"):
        manager = AgentFactory(user__email=f"chef-{language}@commune.be")
        MembershipFactory(agent=manager, service=service, role=Membership.Role.MANAGER)
        _set_language(manager.user, language)
        managers[language] = manager
    rules(agent_new="none", pending="email")
    book()
    mail.outbox.clear()

    clock.move_to(NOW + timedelta(hours=3))
    committed(tasks.chase_requests)

    german = _to(managers["de"].user)
    assert german.subject.startswith("Anfrage seit")
    assert "Dienst: Bürgerservice" in german.body
    english = _to(managers["en"].user)
    assert english.subject.startswith("Request unanswered for")
    assert "Service: Population" in english.body
