"""The agents' "new appointment" e-mail gains ``answer_url`` (issue 23, point
2): a pending request's link to confirm or refuse it without logging in.

Databases made before it hold the shipped text as rows (``0002_default_
templates``): in each language, the line that sent the agent to the inbox is
replaced by the new lines, which keep the inbox's address too. A text the
commune rewrote keeps its own words: only the exact shipped line is replaced,
so an edited e-mail goes on working (without the new link) until edited
again. Reversible: the old line comes back.
"""

from django.db import migrations

# language -> (the shipped line before, the lines after); frozen here, as
# messaging/defaults.py may change again.
LINES = {
    "fr": (
        "Pour confirmer ou refuser la demande : {{ inbox_url }}",
        "Confirmer ou refuser cette demande : {{ answer_url }}\n"
        "Toutes les demandes à traiter : {{ inbox_url }}",
    ),
    "nl": (
        "De aanvraag bevestigen of weigeren: {{ inbox_url }}",
        "Deze aanvraag bevestigen of weigeren: {{ answer_url }}\n"
        "Alle te behandelen aanvragen: {{ inbox_url }}",
    ),
    "de": (
        "Anfrage bestätigen oder ablehnen: {{ inbox_url }}",
        "Diese Anfrage bestätigen oder ablehnen: {{ answer_url }}\n"
        "Alle offenen Anfragen: {{ inbox_url }}",
    ),
    "en": (
        "To confirm or refuse the request: {{ inbox_url }}",
        "Confirm or refuse this request: {{ answer_url }}\n"
        "All the requests to answer: {{ inbox_url }}",
    ),
}


def _replace(apps, *, forwards: bool) -> None:
    template_model = apps.get_model("messaging", "MessageTemplate")
    rows = template_model.objects.filter(event="agent_new", channel="email")
    for row in rows:
        before, after = LINES.get(row.language, (None, None))
        if before is None:
            continue
        old, new = (before, after) if forwards else (after, before)
        if old in row.body and (forwards or "answer_url" in row.body):
            row.body = row.body.replace(old, new)
            row.save(update_fields=["body"])


def forwards(apps, schema_editor):
    _replace(apps, forwards=True)


def backwards(apps, schema_editor):
    _replace(apps, forwards=False)


class Migration(migrations.Migration):
    dependencies = [
        ("messaging", "0004_message_country"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
    ]
