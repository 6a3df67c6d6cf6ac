"""Shorter SMS for citizens (issue 20, point 5): the lasting personal link is
short (``/r/<code>``) and the date is written in a few characters
(``appointment.short_date``, "mer 15/09"), so that the booked, moved,
confirmed, reassigned and reminder SMS fit one segment and those carrying an
agent's free text two (tests/messaging/test_sms_length.py).

Databases made before hold the shipped texts as rows (``0002_default_
templates``). A row is replaced only when it still holds the text shipped
before, exactly: a text the commune edited keeps its own words (it gets the
short link all the same, through ``manage_url``). Reversible: backwards, a
row still holding the new text gets the old one back.

The texts are frozen here, as messaging/defaults.py may change again.
"""

from django.db import migrations

# (event, language) -> (the SMS shipped before, the SMS shipped now)
TEXTS = {
    ('booked', 'de'): (
        '{{ commune.name }}: Termin bestätigt am {{ appointment.date }} um {{ appointment.time }} Uhr ({{ service.name }}). Ansehen, verschieben oder absagen: {{ manage_url }}',
        '{{ commune.name }}: Termin am {{ appointment.short_date }} um {{ appointment.time }} Uhr ({{ service.name }}) bestätigt. Ändern oder absagen: {{ manage_url }}',
    ),
    ('booked', 'en'): (
        '{{ commune.name }}: appointment confirmed on {{ appointment.date }} at {{ appointment.time }} ({{ service.name }}). See, move or cancel: {{ manage_url }}',
        '{{ commune.name }}: booked for {{ appointment.short_date }} at {{ appointment.time }} ({{ service.name }}). Change or cancel: {{ manage_url }}',
    ),
    ('booked', 'fr'): (
        '{{ commune.name }}: RDV confirmé le {{ appointment.date }} à {{ appointment.time }} ({{ service.name }}). Voir, déplacer ou annuler: {{ manage_url }}',
        '{{ commune.name }}: RDV confirmé le {{ appointment.short_date }} à {{ appointment.time }} ({{ service.name }}). Voir, déplacer, annuler: {{ manage_url }}',
    ),
    ('booked', 'nl'): (
        '{{ commune.name }}: afspraak bevestigd op {{ appointment.date }} om {{ appointment.time }} ({{ service.name }}). Bekijken, verplaatsen of annuleren: {{ manage_url }}',
        '{{ commune.name }}: afspraak bevestigd op {{ appointment.short_date }} om {{ appointment.time }} ({{ service.name }}). Wijzigen/annuleren: {{ manage_url }}',
    ),
    ('cancelled_by_citizen', 'de'): (
        '{{ commune.name }}: Ihr Termin am {{ appointment.date }} um {{ appointment.time }} Uhr ({{ service.name }}) ist wie gewünscht abgesagt.',
        '{{ commune.name }}: Ihr Termin am {{ appointment.short_date }} um {{ appointment.time }} Uhr ({{ service.name }}) ist abgesagt, wie gewünscht.',
    ),
    ('cancelled_by_citizen', 'en'): (
        '{{ commune.name }}: your appointment on {{ appointment.date }} at {{ appointment.time }} ({{ service.name }}) is cancelled, as you asked.',
        '{{ commune.name }}: your appointment on {{ appointment.short_date }} at {{ appointment.time }} ({{ service.name }}) is cancelled, as you asked.',
    ),
    ('cancelled_by_citizen', 'fr'): (
        '{{ commune.name }}: votre RDV du {{ appointment.date }} à {{ appointment.time }} ({{ service.name }}) est annulé, comme demandé.',
        '{{ commune.name }}: votre RDV du {{ appointment.short_date }} à {{ appointment.time }} ({{ service.name }}) est annulé, comme demandé.',
    ),
    ('cancelled_by_citizen', 'nl'): (
        '{{ commune.name }}: uw afspraak op {{ appointment.date }} om {{ appointment.time }} ({{ service.name }}) is geannuleerd, zoals gevraagd.',
        '{{ commune.name }}: uw afspraak op {{ appointment.short_date }} om {{ appointment.time }} ({{ service.name }}) is geannuleerd, zoals gevraagd.',
    ),
    ('cancelled_by_commune', 'de'): (
        '{{ commune.name }}: Wir müssen Ihren Termin am {{ appointment.date }} um {{ appointment.time }} Uhr ({{ service.name }}) absagen.{% if cancellation_reason %} Grund: {{ cancellation_reason|truncatechars:100 }}.{% endif %} Entschuldigung. Anderer Termin: {{ booking_url }}',
        '{{ commune.name }}: wir müssen Ihren Termin am {{ appointment.short_date }} um {{ appointment.time }} Uhr ({{ service.name }}) absagen.{% if cancellation_reason %} Grund: {{ cancellation_reason|truncatechars:100 }}.{% endif %} Entschuldigung. Anderer Termin: {{ booking_url }}',
    ),
    ('cancelled_by_commune', 'en'): (
        '{{ commune.name }}: we have to cancel your appointment on {{ appointment.date }} at {{ appointment.time }} ({{ service.name }}).{% if cancellation_reason %} Reason: {{ cancellation_reason|truncatechars:100 }}.{% endif %} We apologise. Another time: {{ booking_url }}',
        '{{ commune.name }}: we have to cancel your appointment on {{ appointment.short_date }} at {{ appointment.time }} ({{ service.name }}).{% if cancellation_reason %} Reason: {{ cancellation_reason|truncatechars:100 }}.{% endif %} We apologise. Another time: {{ booking_url }}',
    ),
    ('cancelled_by_commune', 'fr'): (
        '{{ commune.name }}: nous devons annuler votre RDV du {{ appointment.date }} à {{ appointment.time }} ({{ service.name }}).{% if cancellation_reason %} Raison: {{ cancellation_reason|truncatechars:100 }}.{% endif %} Veuillez nous excuser. Autre moment: {{ booking_url }}',
        '{{ commune.name }}: nous devons annuler votre RDV du {{ appointment.short_date }} à {{ appointment.time }} ({{ service.name }}).{% if cancellation_reason %} Raison: {{ cancellation_reason|truncatechars:100 }}.{% endif %} Veuillez nous excuser. Autre moment: {{ booking_url }}',
    ),
    ('cancelled_by_commune', 'nl'): (
        '{{ commune.name }}: wij moeten uw afspraak op {{ appointment.date }} om {{ appointment.time }} ({{ service.name }}) annuleren.{% if cancellation_reason %} Reden: {{ cancellation_reason|truncatechars:100 }}.{% endif %} Onze excuses. Ander tijdstip: {{ booking_url }}',
        '{{ commune.name }}: wij moeten uw afspraak op {{ appointment.short_date }} om {{ appointment.time }} ({{ service.name }}) annuleren.{% if cancellation_reason %} Reden: {{ cancellation_reason|truncatechars:100 }}.{% endif %} Onze excuses. Ander tijdstip: {{ booking_url }}',
    ),
    ('confirmed', 'de'): (
        '{{ commune.name }}: Ihre Anfrage ist angenommen. Termin am {{ appointment.date }} um {{ appointment.time }} Uhr ({{ service.name }}). Ansehen, verschieben oder absagen: {{ manage_url }}',
        '{{ commune.name }}: Anfrage angenommen: {{ appointment.short_date }} um {{ appointment.time }} Uhr ({{ service.name }}). Ändern oder absagen: {{ manage_url }}',
    ),
    ('confirmed', 'en'): (
        '{{ commune.name }}: your request is accepted. Appointment on {{ appointment.date }} at {{ appointment.time }} ({{ service.name }}). See, move or cancel: {{ manage_url }}',
        '{{ commune.name }}: request accepted: {{ appointment.short_date }} at {{ appointment.time }} ({{ service.name }}). Change/cancel: {{ manage_url }}',
    ),
    ('confirmed', 'fr'): (
        '{{ commune.name }}: votre demande est acceptée. RDV le {{ appointment.date }} à {{ appointment.time }} ({{ service.name }}). Voir, déplacer ou annuler: {{ manage_url }}',
        '{{ commune.name }}: demande acceptée: RDV le {{ appointment.short_date }} à {{ appointment.time }} ({{ service.name }}). Déplacer, annuler: {{ manage_url }}',
    ),
    ('confirmed', 'nl'): (
        '{{ commune.name }}: uw aanvraag is aanvaard. Afspraak op {{ appointment.date }} om {{ appointment.time }} ({{ service.name }}). Bekijken, verplaatsen of annuleren: {{ manage_url }}',
        '{{ commune.name }}: aanvraag aanvaard: {{ appointment.short_date }} om {{ appointment.time }} ({{ service.name }}). Wijzigen/annuleren: {{ manage_url }}',
    ),
    ('moved', 'de'): (
        '{{ commune.name }}: Ihr Termin ist verschoben auf {{ appointment.date }} um {{ appointment.time }} Uhr ({{ service.name }}). {{ manage_url }}',
        '{{ commune.name }}: Ihr Termin ist verschoben auf {{ appointment.short_date }} um {{ appointment.time }} Uhr ({{ service.name }}). {{ manage_url }}',
    ),
    ('moved', 'en'): (
        '{{ commune.name }}: your appointment is moved to {{ appointment.date }} at {{ appointment.time }} ({{ service.name }}). {{ manage_url }}',
        '{{ commune.name }}: your appointment is moved to {{ appointment.short_date }} at {{ appointment.time }} ({{ service.name }}). {{ manage_url }}',
    ),
    ('moved', 'fr'): (
        '{{ commune.name }}: votre RDV est déplacé au {{ appointment.date }} à {{ appointment.time }} ({{ service.name }}). {{ manage_url }}',
        '{{ commune.name }}: votre RDV est déplacé au {{ appointment.short_date }} à {{ appointment.time }} ({{ service.name }}). {{ manage_url }}',
    ),
    ('moved', 'nl'): (
        '{{ commune.name }}: uw afspraak is verplaatst naar {{ appointment.date }} om {{ appointment.time }} ({{ service.name }}). {{ manage_url }}',
        '{{ commune.name }}: uw afspraak is verplaatst naar {{ appointment.short_date }} om {{ appointment.time }} ({{ service.name }}). {{ manage_url }}',
    ),
    ('pending', 'de'): (
        '{{ commune.name }}: Terminanfrage für den {{ appointment.date }} um {{ appointment.time }} Uhr erhalten ({{ service.name }}). Sie wird noch bestätigt, Sie erhalten eine Nachricht. {{ manage_url }}',
        '{{ commune.name }}: Terminanfrage für {{ appointment.short_date }} um {{ appointment.time }} Uhr ({{ service.name }}) erhalten, wird noch bestätigt. {{ manage_url }}',
    ),
    ('pending', 'en'): (
        '{{ commune.name }}: appointment request received for {{ appointment.date }} at {{ appointment.time }} ({{ service.name }}). An agent will confirm it, you will get a message. {{ manage_url }}',
        '{{ commune.name }}: request for {{ appointment.short_date }} at {{ appointment.time }} ({{ service.name }}) received, an agent will confirm it. {{ manage_url }}',
    ),
    ('pending', 'fr'): (
        '{{ commune.name }}: demande de RDV enregistrée pour le {{ appointment.date }} à {{ appointment.time }} ({{ service.name }}). Un agent doit la confirmer, vous recevrez un message. {{ manage_url }}',
        '{{ commune.name }}: demande de RDV le {{ appointment.short_date }} à {{ appointment.time }} ({{ service.name }}), à confirmer par un agent. {{ manage_url }}',
    ),
    ('pending', 'nl'): (
        '{{ commune.name }}: aanvraag ontvangen voor {{ appointment.date }} om {{ appointment.time }} ({{ service.name }}). Een medewerker moet ze bevestigen, u krijgt bericht. {{ manage_url }}',
        '{{ commune.name }}: aanvraag voor {{ appointment.short_date }} om {{ appointment.time }} ({{ service.name }}) ontvangen, nog te bevestigen. {{ manage_url }}',
    ),
    ('reassigned', 'de'): (
        '{{ commune.name }}: Ihr Termin am {{ appointment.date }} um {{ appointment.time }} Uhr wird von {{ agent.name }} wahrgenommen. {{ manage_url }}',
        '{{ commune.name }}: anderer Mitarbeiter für Ihren Termin am {{ appointment.short_date }} um {{ appointment.time }} Uhr ({{ service.name }}). {{ manage_url }}',
    ),
    ('reassigned', 'en'): (
        '{{ commune.name }}: your appointment on {{ appointment.date }} at {{ appointment.time }} will be with {{ agent.name }}. {{ manage_url }}',
        '{{ commune.name }}: another agent will see you on {{ appointment.short_date }} at {{ appointment.time }} ({{ service.name }}). {{ manage_url }}',
    ),
    ('reassigned', 'fr'): (
        '{{ commune.name }}: votre RDV du {{ appointment.date }} à {{ appointment.time }} aura lieu avec {{ agent.name }}. {{ manage_url }}',
        '{{ commune.name }}: votre RDV du {{ appointment.short_date }} à {{ appointment.time }} ({{ service.name }}) aura lieu avec un autre agent. {{ manage_url }}',
    ),
    ('reassigned', 'nl'): (
        '{{ commune.name }}: uw afspraak op {{ appointment.date }} om {{ appointment.time }} wordt afgehandeld door {{ agent.name }}. {{ manage_url }}',
        '{{ commune.name }}: andere medewerker voor uw afspraak op {{ appointment.short_date }} om {{ appointment.time }} ({{ service.name }}). {{ manage_url }}',
    ),
    ('refused', 'de'): (
        '{{ commune.name }}: Ihre Terminanfrage für den {{ appointment.date }} um {{ appointment.time }} Uhr konnte nicht angenommen werden.{% if cancellation_reason %} Grund: {{ cancellation_reason|truncatechars:100 }}{% endif %} Anderer Termin: {{ booking_url }}',
        '{{ commune.name }}: Ihre Terminanfrage für {{ appointment.short_date }} um {{ appointment.time }} Uhr konnte nicht angenommen werden.{% if cancellation_reason %} Grund: {{ cancellation_reason|truncatechars:100 }}{% endif %} Anderer Termin: {{ booking_url }}',
    ),
    ('refused', 'en'): (
        '{{ commune.name }}: your appointment request for {{ appointment.date }} at {{ appointment.time }} could not be accepted.{% if cancellation_reason %} Reason: {{ cancellation_reason|truncatechars:100 }}{% endif %} Another time: {{ booking_url }}',
        '{{ commune.name }}: your appointment request for {{ appointment.short_date }} at {{ appointment.time }} could not be accepted.{% if cancellation_reason %} Reason: {{ cancellation_reason|truncatechars:100 }}{% endif %} Another time: {{ booking_url }}',
    ),
    ('refused', 'fr'): (
        "{{ commune.name }}: votre demande de RDV du {{ appointment.date }} à {{ appointment.time }} n'a pas été acceptée.{% if cancellation_reason %} Motif: {{ cancellation_reason|truncatechars:100 }}{% endif %} Autre moment: {{ booking_url }}",
        "{{ commune.name }}: votre demande de RDV du {{ appointment.short_date }} à {{ appointment.time }} n'a pas été acceptée.{% if cancellation_reason %} Motif: {{ cancellation_reason|truncatechars:100 }}{% endif %} Autre moment: {{ booking_url }}",
    ),
    ('refused', 'nl'): (
        '{{ commune.name }}: uw aanvraag voor {{ appointment.date }} om {{ appointment.time }} kon niet worden aanvaard.{% if cancellation_reason %} Reden: {{ cancellation_reason|truncatechars:100 }}{% endif %} Ander tijdstip: {{ booking_url }}',
        '{{ commune.name }}: uw aanvraag voor {{ appointment.short_date }} om {{ appointment.time }} kon niet worden aanvaard.{% if cancellation_reason %} Reden: {{ cancellation_reason|truncatechars:100 }}{% endif %} Ander tijdstip: {{ booking_url }}',
    ),
    ('reminder', 'de'): (
        '{{ commune.name }}: Erinnerung an Ihren Termin am {{ appointment.date }} um {{ appointment.time }} Uhr ({{ service.name }}). Verhindert? Absagen: {{ manage_url }}',
        '{{ commune.name }}: Erinnerung: Termin am {{ appointment.short_date }} um {{ appointment.time }} Uhr ({{ service.name }}). Verhindert? Absagen: {{ manage_url }}',
    ),
    ('reminder', 'en'): (
        '{{ commune.name }}: reminder of your appointment on {{ appointment.date }} at {{ appointment.time }} ({{ service.name }}). Cannot come? Cancel: {{ manage_url }}',
        '{{ commune.name }}: reminder: {{ appointment.short_date }} at {{ appointment.time }} ({{ service.name }}). Cannot come? Cancel: {{ manage_url }}',
    ),
    ('reminder', 'fr'): (
        '{{ commune.name }}: rappel de votre RDV le {{ appointment.date }} à {{ appointment.time }} ({{ service.name }}). Vous ne pouvez pas venir? Annulez: {{ manage_url }}',
        '{{ commune.name }}: rappel de votre RDV le {{ appointment.short_date }} à {{ appointment.time }} ({{ service.name }}). Indisponible? Annulez: {{ manage_url }}',
    ),
    ('reminder', 'nl'): (
        '{{ commune.name }}: herinnering aan uw afspraak op {{ appointment.date }} om {{ appointment.time }} ({{ service.name }}). Kunt u niet komen? Annuleer: {{ manage_url }}',
        '{{ commune.name }}: herinnering: {{ appointment.short_date }} om {{ appointment.time }} ({{ service.name }}). Verhinderd? Annuleer: {{ manage_url }}',
    ),
}


def _replace(apps, *, forwards: bool) -> None:
    template_model = apps.get_model("messaging", "MessageTemplate")
    rows = template_model.objects.filter(
        channel="sms", event__in={event for event, _language in TEXTS}
    )
    for row in rows:
        texts = TEXTS.get((row.event, row.language))
        if texts is None:
            continue
        old, new = texts if forwards else reversed(texts)
        if row.body == old:
            row.body = new
            row.save(update_fields=["body"])


def forwards(apps, schema_editor):
    _replace(apps, forwards=True)


def backwards(apps, schema_editor):
    _replace(apps, forwards=False)


class Migration(migrations.Migration):
    dependencies = [
        ("messaging", "0008_per_service_rules_sms_budget"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
    ]
