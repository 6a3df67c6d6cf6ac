"""The admin side of messaging: template editor, outbox, inbox, dashboard."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django_q.models import Schedule

from booking.models import Appointment
from core.roles import ADMINISTRATOR
from messaging.forms import MessageTemplateForm
from messaging.models import Message, MessageTemplate
from tests.factories import AppointmentFactory, CitizenFactory, UserFactory
from tests.i18n import translated

TOO_LONG = "{{ commune.name }}: " + "Votre rendez-vous est confirmé. " * 20
SMS_TOO_LONG = (
    "This SMS is too long: with the sample appointment it takes %(segments)s "
    "segments (%(chars)s characters, %(encoding)s), and at most "
    "%(max)s are allowed. Shorten the text."
)
ANY = "ANYVALUE"


def sms_too_long(*, html: bool = False, **params) -> re.Pattern:
    """The French refusal of a too long SMS; the figures not given match any."""
    names = ("segments", "chars", "encoding", "max")
    text = translated(SMS_TOO_LONG, {name: params.get(name, ANY) for name in names})
    if html:
        text = escape(text)
    return re.compile(re.escape(text).replace(ANY, r"\S+?"))


def template_data(**changes) -> dict:
    data = {
        "event": "booked",
        "channel": "sms",
        "language": "fr",
        "subject": "",
        "body": "RDV le {{ appointment.date }} à {{ appointment.time }}.",
        "html_body": "",
    }
    return {**data, **changes}


# --- The template editor (R31) ------------------------------------------------


@pytest.mark.django_db
def test_an_sms_longer_than_the_allowed_segments_is_refused_with_a_clear_message():
    row = MessageTemplate.objects.get(event="booked", channel="sms", language="fr")
    form = MessageTemplateForm(data=template_data(body=TOO_LONG), instance=row)

    assert not form.is_valid()
    [error] = form.errors["body"]
    assert sms_too_long(segments=5, encoding="GSM-7", max=3).fullmatch(error)


@pytest.mark.django_db
def test_the_maximum_number_of_segments_is_a_setting(settings):
    settings.SMS_MAX_SEGMENTS = 1
    row = MessageTemplate.objects.get(event="booked", channel="sms", language="fr")
    longer = row.body + " Merci de venir dix minutes avant l'heure du rendez-vous."
    shipped = MessageTemplateForm(data=template_data(body=row.body), instance=row)
    assert shipped.is_valid(), shipped.errors  # issue 20: one segment
    assert not MessageTemplateForm(
        data=template_data(body=longer), instance=row
    ).is_valid()

    short = MessageTemplateForm(data=template_data(), instance=row)
    assert short.is_valid(), short.errors


@pytest.mark.django_db
def test_characters_outside_gsm_are_named_when_an_sms_is_too_long():
    row = MessageTemplate.objects.get(event="booked", channel="sms", language="fr")
    form = MessageTemplateForm(
        data=template_data(body="Vous êtes attendu. " * 12), instance=row
    )

    assert not form.is_valid()
    [error] = form.errors["body"]
    assert sms_too_long(encoding="UCS-2", max=3).match(error)
    assert error.endswith(
        " "
        + translated(
            "These characters are outside the GSM alphabet and reduce a segment "
            "to 67 characters: %(characters)s",
            {"characters": "ê"},
        )
    )


@pytest.mark.django_db
def test_a_text_that_is_not_a_valid_template_is_refused():
    row = MessageTemplate.objects.get(event="booked", channel="email", language="fr")
    form = MessageTemplateForm(
        data=template_data(channel="email", subject="RDV", body="{% load i18n %}x"),
        instance=row,
    )

    assert not form.is_valid()
    not_a_template = translated(
        "This is not a valid template: %(error)s", {"error": ""}
    )
    assert form.errors["body"][0].startswith(not_a_template)


def test_the_admin_refuses_a_too_long_sms_and_keeps_the_saved_text(
    client, administrator
):
    client.force_login(administrator)
    row = MessageTemplate.objects.get(event="booked", channel="sms", language="fr")
    before = row.body

    response = client.post(
        reverse("admin:messaging_messagetemplate_change", args=[row.pk]),
        template_data(body=TOO_LONG),
    )

    assert response.status_code == 200
    assert sms_too_long(html=True).search(response.content.decode())
    row.refresh_from_db()
    assert row.body == before


def test_the_editor_shows_the_preview_and_loads_the_live_counter(client, administrator):
    client.force_login(administrator)
    row = MessageTemplate.objects.get(event="reminder", channel="sms", language="de")

    page = client.get(
        reverse("admin:messaging_messagetemplate_change", args=[row.pk])
    ).content.decode()

    assert "messaging/sms-counter.js" in page
    assert "data-sms-counter" in page
    assert 'data-max-segments="3"' in page
    assert "Erinnerung: Termin am" in page  # the rendered sample
    assert reverse("admin:messaging_messagetemplate_preview") in page
    assert "<script>" not in page.split("sms-counter.js")[0].split("<body")[-1]


def test_the_live_preview_renders_and_counts_the_typed_text(client, administrator):
    client.force_login(administrator)

    answer = client.post(
        reverse("admin:messaging_messagetemplate_preview"),
        template_data(body="{{ citizen.first_name }}: {{ appointment.time }} €"),
    ).json()

    assert answer["body"] == "Marie: 10:30 €"
    assert (answer["encoding"], answer["chars"], answer["segments"]) == (
        "GSM-7",
        15,
        1,
    )


def test_the_preview_renders_html_and_shows_template_errors(client, administrator):
    client.force_login(administrator)
    url = reverse("admin:messaging_messagetemplate_preview")

    html = client.post(
        url,
        template_data(
            channel="email",
            subject="x",
            html_body="<p>{{ citizen.first_name }}</p>",
        ),
    ).json()["html"]
    broken = client.post(url, template_data(body="{% for %}")).json()

    assert html == "<p>Marie</p>"
    assert broken["error"]


def test_agents_cannot_open_the_template_editor(client, agent):
    client.force_login(agent.user)

    response = client.get(reverse("admin:messaging_messagetemplate_changelist"))

    assert response.status_code == 403


# --- The outbox in the admin ---------------------------------------------------


@pytest.fixture
def two_messages(population, foreigners):
    """A failed message of Population, a sent one of Étrangers."""
    ours = AppointmentFactory(service=population)
    theirs = AppointmentFactory(service=foreigners)
    failed = Message.objects.create(
        appointment=ours,
        event="booked",
        channel="email",
        recipient="ours@example.be",
        language="fr",
        subject="RDV",
        body="Bonjour",
        status="failed",
        attempts=6,
        last_error="SMTP 550: mailbox unavailable",
    )
    sent = Message.objects.create(
        appointment=theirs,
        event="booked",
        channel="sms",
        recipient="+32470123456",
        language="fr",
        body="Bonjour",
        status="sent",
    )
    return failed, sent


def test_a_manager_sees_the_messages_of_his_services_only(
    client, manager, two_messages
):
    _failed, sent = two_messages
    client.force_login(manager.user)

    page = client.get(reverse("admin:messaging_message_changelist"))

    assert page.status_code == 200
    assert "ours@example.be" in page.content.decode()
    assert "+32470123456" not in page.content.decode()
    other = client.get(reverse("admin:messaging_message_change", args=[sent.pk]))
    assert other.status_code == 302  # "does not exist": back to the list
    assert Message.objects.filter(pk=sent.pk).exists()


def test_an_agent_cannot_list_messages(client, agent, two_messages):
    client.force_login(agent.user)

    response = client.get(reverse("admin:messaging_message_changelist"))

    assert response.status_code == 403


def test_the_message_list_filters_by_status_channel_event_and_date(
    client, administrator, two_messages
):
    client.force_login(administrator)
    url = reverse("admin:messaging_message_changelist")
    failed_message, _sent = two_messages
    day = timezone.localtime(failed_message.created_at)
    typed, day_before = f"{day:%d/%m/%Y}", f"{day - timedelta(days=1):%d/%m/%Y}"

    failed = client.get(url, {"status__exact": "failed"}).content.decode()
    sms = client.get(url, {"channel__exact": "sms"}).content.decode()
    by_date = client.get(
        url,
        {"created_at_from": typed, "created_at_to": typed, "event__exact": "booked"},
    )
    before = client.get(
        url, {"created_at_from": day_before, "created_at_to": day_before}
    ).content.decode()

    assert "ours@example.be" in failed and "+32470123456" not in failed
    assert "+32470123456" in sms and "ours@example.be" not in sms
    assert by_date.status_code == 200
    assert "ours@example.be" in by_date.content.decode()
    assert "ours@example.be" not in before


def test_the_resend_action_sends_a_failed_message_again(
    client, administrator, two_messages, django_capture_on_commit_callbacks
):
    failed, _sent = two_messages
    client.force_login(administrator)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:messaging_message_changelist"),
            {"action": "resend", "_selected_action": [failed.pk]},
        )

    assert response.status_code == 302
    failed.refresh_from_db()
    assert failed.status == "sent"
    assert [email.to for email in mail.outbox] == [["ours@example.be"]]


def test_a_manager_may_resend_his_services_message_from_its_page(
    client, manager, two_messages, django_capture_on_commit_callbacks
):
    failed, sent = two_messages
    client.force_login(manager.user)
    url = reverse("admin:messaging_message_resend_one", args=[failed.pk])

    dialog = client.get(url)
    failed.refresh_from_db()
    assert dialog.status_code == 200 and failed.status == "failed"  # GET only asks
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"_form_submitted": "on"}, HTTP_HX_REQUEST="true")
    other = client.get(reverse("admin:messaging_message_resend_one", args=[sent.pk]))

    failed.refresh_from_db()
    assert failed.status == "sent"
    assert other.status_code == 403


# --- The inbox of requests (R10) -------------------------------------------------


@pytest.fixture
def requests_to_answer(population, foreigners, agent):
    """A pending request of Population (3 days old) and one of Étrangers."""
    ours = AppointmentFactory(
        service=population,
        agent=agent,
        status=Appointment.Status.PENDING,
        citizen=CitizenFactory(last_name="Dupont", email="dupont@example.be"),
    )
    Appointment.objects.filter(pk=ours.pk).update(
        created_at=timezone.now() - timedelta(days=3)
    )
    theirs = AppointmentFactory(
        service=foreigners,
        status=Appointment.Status.PENDING,
        citizen=CitizenFactory(last_name="Yilmaz"),
    )
    return ours, theirs


def test_the_inbox_lists_the_requests_of_the_agents_services(
    client, agent, requests_to_answer
):
    client.force_login(agent.user)

    page = client.get(reverse("admin:messaging_inbox")).content.decode()

    assert "DUPONT" in page
    assert "YILMAZ" not in page
    assert translated("waiting too long") in page


def test_confirming_from_the_inbox_tells_the_citizen(
    client, agent, requests_to_answer, django_capture_on_commit_callbacks
):
    ours, _theirs = requests_to_answer
    client.force_login(agent.user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:messaging_inbox"),
            {"appointment": ours.pk, "answer": "confirm"},
        )

    assert response.status_code == 302
    ours.refresh_from_db()
    assert ours.status == Appointment.Status.CONFIRMED
    [email] = [m for m in mail.outbox if m.to == ["dupont@example.be"]]
    assert email.subject.startswith("Votre demande est acceptée")


def test_refusing_needs_a_reason_which_the_citizen_reads(
    client, agent, requests_to_answer, django_capture_on_commit_callbacks
):
    ours, _theirs = requests_to_answer
    client.force_login(agent.user)
    url = reverse("admin:messaging_inbox")

    empty = client.post(
        url, {"appointment": ours.pk, "answer": "refuse", "reason": " "}
    )
    ours.refresh_from_db()
    assert empty.status_code == 400
    why = translated("Say why the request is refused: the citizen will read it.")
    assert escape(why) in empty.content.decode()
    assert ours.status == Appointment.Status.PENDING

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            url,
            {"appointment": ours.pk, "answer": "refuse", "reason": "Guichet fermé."},
        )

    ours.refresh_from_db()
    assert ours.status == Appointment.Status.REFUSED
    [email] = [m for m in mail.outbox if m.to == ["dupont@example.be"]]
    assert "Motif indiqué par le service : Guichet fermé." in email.body


def test_an_agent_cannot_answer_another_services_request(
    client, agent, requests_to_answer
):
    _ours, theirs = requests_to_answer
    client.force_login(agent.user)

    client.post(
        reverse("admin:messaging_inbox"),
        {"appointment": theirs.pk, "answer": "confirm"},
    )

    theirs.refresh_from_db()
    assert theirs.status == Appointment.Status.PENDING


# --- The dashboard -------------------------------------------------------------------


def test_the_dashboard_counts_failed_messages_and_late_requests(
    client, manager, two_messages, requests_to_answer
):
    client.force_login(manager.user)

    page = client.get(reverse("admin:index")).content.decode()

    assert 'data-dashboard="failed-messages">1<' in page
    assert 'data-dashboard="overdue-requests">1<' in page
    late = translated(
        "Waiting for an answer for more than %(hours)s h",
        {"hours": 24},
    )
    assert escape(late) in page


def test_agents_see_late_requests_but_no_message_count(
    client, agent, requests_to_answer
):
    client.force_login(agent.user)

    page = client.get(reverse("admin:index")).content.decode()

    assert 'data-dashboard="overdue-requests">1<' in page
    assert 'data-dashboard="failed-messages"' not in page


def test_the_message_list_and_the_inbox_do_not_query_per_row(
    client, administrator, population, django_assert_max_num_queries
):
    for _row in range(15):
        appointment = AppointmentFactory(
            service=population, status=Appointment.Status.PENDING
        )
        Message.objects.create(
            appointment=appointment,
            event="pending",
            channel="email",
            recipient="x@example.be",
            language="fr",
            body="x",
        )
    client.force_login(administrator)

    with django_assert_max_num_queries(12):
        messages = client.get(reverse("admin:messaging_message_changelist"))
    with django_assert_max_num_queries(8):
        inbox = client.get(reverse("admin:messaging_inbox"))

    assert messages.content.decode().count("x@example.be") == 15
    assert inbox.content.decode().count('value="confirm"') == 15


# --- Scheduled jobs (issue 12, point 6) -------------------------------------------


def schedule_data(**changes) -> dict:
    data = {
        "name": "Job",
        "func": "messaging.tasks.purge_task_results",
        "hook": "",
        "args": "",
        "kwargs": "",
        "schedule_type": "D",
        "minutes": "",
        "repeats": "-1",
        "next_run_0": "2027-01-05",
        "next_run_1": "03:00",
        "cluster": "",
        "intended_date_kwarg": "",
    }
    return {**data, **changes}


def test_a_schedule_cannot_run_an_arbitrary_callable(client, administrator):
    """Only the project's own tasks, and no hook: a dotted path in a Schedule
    row is imported and called by the worker, whatever it names."""
    not_superuser = UserFactory(username="admin-not-super", groups=[ADMINISTRATOR])
    add = reverse("admin:django_q_schedule_add")
    for user in (not_superuser, administrator):
        client.force_login(user)
        assert client.get(add).status_code == 200
        for data in (
            schedule_data(func="os.system", args="'touch /tmp/owned'"),
            schedule_data(func="subprocess.run"),
            schedule_data(hook="os.system"),
        ):
            response = client.post(add, data)
            assert response.status_code == 200, data  # the form again, with errors
            assert response.context["adminform"].form.errors
        assert not Schedule.objects.exists()

    client.force_login(not_superuser)
    response = client.post(add, schedule_data())
    assert response.status_code == 302
    job = Schedule.objects.get(name="Job")
    assert job.func == "messaging.tasks.purge_task_results"

    # Nor by changing a schedule that exists.
    change = reverse("admin:django_q_schedule_change", args=[job.pk])
    response = client.post(change, schedule_data(func="os.system"))
    assert response.status_code == 200
    job.refresh_from_db()
    assert job.func == "messaging.tasks.purge_task_results"
