"""The booking reference in the citizen's messages (issue 22)."""

from django.core import mail

from booking.ics import appointment_ics
from messaging.models import Message
from messaging.rendering import REFERENCE_QR_CID, appointment_context, sample_context


def test_the_confirmation_email_carries_the_reference_and_its_qr_code(book, rules):
    rules(booked="email")
    appointment = book()
    reference = appointment.reference_display
    sent = [item for item in mail.outbox if item.to == ["anna@example.be"]]
    assert len(sent) == 1
    email = sent[0]
    assert reference in email.body
    html, _type = email.alternatives[0]
    assert f'src="cid:{REFERENCE_QR_CID}"' in html
    assert f'alt="{reference}"' in html
    images = [
        part
        for part in email.attachments
        if getattr(part, "get_content_type", lambda: "")() == "image/png"
    ]
    assert len(images) == 1
    assert images[0]["Content-ID"] == f"<{REFERENCE_QR_CID}>"
    assert images[0].get_payload(decode=True).startswith(b"\x89PNG")


def test_the_sms_and_the_agents_messages_are_left_as_they_were(book, rules):
    rules(booked="both")
    appointment = book()
    sms = Message.objects.get(appointment=appointment, channel="sms", agent=None)
    assert appointment.reference_display not in sms.body
    for message in Message.objects.filter(appointment=appointment, agent__isnull=False):
        assert f"cid:{REFERENCE_QR_CID}" not in message.html_body


def test_templates_may_name_the_reference(book):
    appointment = book()
    context = appointment_context(appointment, language="fr")
    assert context["reference"] == appointment.reference_display
    assert sample_context("fr")["reference"] == "K7MP-4QX2"


def test_the_calendar_file_names_the_reference(book):
    appointment = book()
    ics = appointment_ics(appointment, method="PUBLISH", language="fr")
    assert appointment.reference_display in ics.replace("\r\n ", "")
