"""Several people in one visit (issue 25, point 3): the booked e-mail says how
many people come when more than one ("Personnes : 3", below the date).

Databases made before hold the shipped texts as rows (``0002_default_
templates``). A row is replaced only when it still holds the text shipped
before, exactly: a text the commune edited keeps its own words (the context
offers ``appointment.people`` to add it). Reversible: backwards, a row still
holding the new text gets the old one back.

The texts are frozen here, as messaging/defaults.py may change again.
"""

from django.db import migrations

# language -> (the booked e-mail's body shipped before, the body shipped now)
BODIES = {
    'de': (
        'Guten Tag {{ citizen.first_name }} {{ citizen.last_name }},\n\nIhr Termin ist eingetragen:\n\n  Dienst: {{ service.name }}\n  Anliegen: {{ reason.name }}\n  Datum: {{ appointment.date }} um {{ appointment.time }}\n{% if not appointment.with_team %}  Bei: {{ agent.name }}\n{% endif %}{% if service.address %}  Adresse: {{ service.address }}\n{% endif %}{% if reason.information %}\nBitte beachten Sie:\n{{ reason.information }}\n{% endif %}\n\nTermin ansehen, verschieben oder absagen: {{ manage_url }}\nMit der beigefügten Datei (.ics) übernehmen Sie den Termin in Ihren Kalender.\n\nMit freundlichen Grüßen\n{{ commune.name }}{% if service.phone %}\n{{ service.name }}: {{ service.phone }}{% endif %}\n',
        'Guten Tag {{ citizen.first_name }} {{ citizen.last_name }},\n\nIhr Termin ist eingetragen:\n\n  Dienst: {{ service.name }}\n  Anliegen: {{ reason.name }}\n  Datum: {{ appointment.date }} um {{ appointment.time }}\n{% if appointment.people > 1 %}  Personen: {{ appointment.people }}\n{% endif %}{% if not appointment.with_team %}  Bei: {{ agent.name }}\n{% endif %}{% if service.address %}  Adresse: {{ service.address }}\n{% endif %}{% if reason.information %}\nBitte beachten Sie:\n{{ reason.information }}\n{% endif %}\n\nTermin ansehen, verschieben oder absagen: {{ manage_url }}\nMit der beigefügten Datei (.ics) übernehmen Sie den Termin in Ihren Kalender.\n\nMit freundlichen Grüßen\n{{ commune.name }}{% if service.phone %}\n{{ service.name }}: {{ service.phone }}{% endif %}\n',
    ),
    'en': (
        'Dear {{ citizen.first_name }} {{ citizen.last_name }},\n\nYour appointment is booked:\n\n  Service: {{ service.name }}\n  Reason: {{ reason.name }}\n  Date: {{ appointment.date }} at {{ appointment.time }}\n{% if not appointment.with_team %}  With: {{ agent.name }}\n{% endif %}{% if service.address %}  Address: {{ service.address }}\n{% endif %}{% if reason.information %}\nGood to know:\n{{ reason.information }}\n{% endif %}\n\nTo see, move or cancel your appointment: {{ manage_url }}\nThe attached file (.ics) adds the appointment to your calendar.\n\nKind regards,\n{{ commune.name }}{% if service.phone %}\n{{ service.name }}: {{ service.phone }}{% endif %}\n',
        'Dear {{ citizen.first_name }} {{ citizen.last_name }},\n\nYour appointment is booked:\n\n  Service: {{ service.name }}\n  Reason: {{ reason.name }}\n  Date: {{ appointment.date }} at {{ appointment.time }}\n{% if appointment.people > 1 %}  People: {{ appointment.people }}\n{% endif %}{% if not appointment.with_team %}  With: {{ agent.name }}\n{% endif %}{% if service.address %}  Address: {{ service.address }}\n{% endif %}{% if reason.information %}\nGood to know:\n{{ reason.information }}\n{% endif %}\n\nTo see, move or cancel your appointment: {{ manage_url }}\nThe attached file (.ics) adds the appointment to your calendar.\n\nKind regards,\n{{ commune.name }}{% if service.phone %}\n{{ service.name }}: {{ service.phone }}{% endif %}\n',
    ),
    'fr': (
        'Bonjour {{ citizen.first_name }} {{ citizen.last_name }},\n\nVotre rendez-vous est bien enregistré :\n\n  Service : {{ service.name }}\n  Motif : {{ reason.name }}\n  Date : {{ appointment.date }} à {{ appointment.time }}\n{% if not appointment.with_team %}  Avec : {{ agent.name }}\n{% endif %}{% if service.address %}  Adresse : {{ service.address }}\n{% endif %}{% if reason.information %}\nÀ savoir :\n{{ reason.information }}\n{% endif %}\n\nPour voir, déplacer ou annuler votre rendez-vous : {{ manage_url }}\nLe fichier joint (.ics) ajoute le rendez-vous à votre agenda.\n\nCordialement,\n{{ commune.name }}{% if service.phone %}\n{{ service.name }} : {{ service.phone }}{% endif %}\n',
        'Bonjour {{ citizen.first_name }} {{ citizen.last_name }},\n\nVotre rendez-vous est bien enregistré :\n\n  Service : {{ service.name }}\n  Motif : {{ reason.name }}\n  Date : {{ appointment.date }} à {{ appointment.time }}\n{% if appointment.people > 1 %}  Personnes : {{ appointment.people }}\n{% endif %}{% if not appointment.with_team %}  Avec : {{ agent.name }}\n{% endif %}{% if service.address %}  Adresse : {{ service.address }}\n{% endif %}{% if reason.information %}\nÀ savoir :\n{{ reason.information }}\n{% endif %}\n\nPour voir, déplacer ou annuler votre rendez-vous : {{ manage_url }}\nLe fichier joint (.ics) ajoute le rendez-vous à votre agenda.\n\nCordialement,\n{{ commune.name }}{% if service.phone %}\n{{ service.name }} : {{ service.phone }}{% endif %}\n',
    ),
    'nl': (
        'Beste {{ citizen.first_name }} {{ citizen.last_name }},\n\nUw afspraak is geregistreerd:\n\n  Dienst: {{ service.name }}\n  Reden: {{ reason.name }}\n  Datum: {{ appointment.date }} om {{ appointment.time }}\n{% if not appointment.with_team %}  Met: {{ agent.name }}\n{% endif %}{% if service.address %}  Adres: {{ service.address }}\n{% endif %}{% if reason.information %}\nGoed om te weten:\n{{ reason.information }}\n{% endif %}\n\nUw afspraak bekijken, verplaatsen of annuleren: {{ manage_url }}\nMet het bijgevoegde bestand (.ics) zet u de afspraak in uw agenda.\n\nMet vriendelijke groeten,\n{{ commune.name }}{% if service.phone %}\n{{ service.name }}: {{ service.phone }}{% endif %}\n',
        'Beste {{ citizen.first_name }} {{ citizen.last_name }},\n\nUw afspraak is geregistreerd:\n\n  Dienst: {{ service.name }}\n  Reden: {{ reason.name }}\n  Datum: {{ appointment.date }} om {{ appointment.time }}\n{% if appointment.people > 1 %}  Personen: {{ appointment.people }}\n{% endif %}{% if not appointment.with_team %}  Met: {{ agent.name }}\n{% endif %}{% if service.address %}  Adres: {{ service.address }}\n{% endif %}{% if reason.information %}\nGoed om te weten:\n{{ reason.information }}\n{% endif %}\n\nUw afspraak bekijken, verplaatsen of annuleren: {{ manage_url }}\nMet het bijgevoegde bestand (.ics) zet u de afspraak in uw agenda.\n\nMet vriendelijke groeten,\n{{ commune.name }}{% if service.phone %}\n{{ service.name }}: {{ service.phone }}{% endif %}\n',
    ),
}


def _replace(apps, *, forwards: bool) -> None:
    template_model = apps.get_model("messaging", "MessageTemplate")
    rows = template_model.objects.filter(
        event="booked", channel="email", language__in=list(BODIES)
    )
    for row in rows:
        old, new = BODIES[row.language] if forwards else reversed(BODIES[row.language])
        if row.body == old:
            row.body = new
            row.save(update_fields=["body"])


def forwards(apps, schema_editor):
    _replace(apps, forwards=True)


def backwards(apps, schema_editor):
    _replace(apps, forwards=False)


class Migration(migrations.Migration):
    dependencies = [
        ("messaging", "0009_shorter_sms"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
    ]
