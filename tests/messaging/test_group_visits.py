"""Several people in one visit in the messages (issue 25, point 3): the
context offers how many come, the booked e-mail says it when more than one."""

from django.core import mail

from booking.models import VisitReason
from messaging.rendering import CONTEXT_HELP, appointment_context


def test_the_booked_mail_says_how_many_come(book, reason, citizen):
    VisitReason.objects.filter(pk=reason.pk).update(
        max_people=4, minutes_per_extra_person=10
    )
    reason.refresh_from_db()
    appointment = book(reason=reason, people=3)
    assert appointment_context(appointment, language="nl")["appointment"]["people"] == 3
    to_citizen = next(m for m in mail.outbox if m.to == ["anna@example.be"])
    assert "  Personen: 3\n" in to_citizen.body  # the citizen's language
    assert "13:00" in to_citizen.body


def test_the_booked_mail_of_one_person_says_nothing_of_it(book):
    book()
    to_citizen = next(m for m in mail.outbox if m.to == ["anna@example.be"])
    assert "Personen" not in to_citizen.body


def test_the_editor_documents_the_number_of_people():
    assert any("appointment.people" in names for names, _help in CONTEXT_HELP)
