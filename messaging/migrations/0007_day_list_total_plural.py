"""The agent's list of the day counts in a real plural (issue 19, point 5):
"1 appointment in all", not "1 appointments in all".

Databases made before it hold the shipped text as rows (``0002_default_
templates``): in Dutch, German and English the closing line is replaced by one
that chooses the singular or the plural (French's "rendez-vous" is both). Only
the exact shipped line is replaced: a text the commune rewrote keeps its own
words. Reversible: the old line comes back.
"""

from django.db import migrations

# language -> (the shipped line before, the line after); frozen here, as
# messaging/defaults.py may change again.
LINES = {
    "nl": (
        "In totaal {{ appointments|length }} afspraken.",
        "In totaal {{ appointments|length }} "
        "{{ appointments|length|pluralize:'afspraak,afspraken' }}.",
    ),
    "de": (
        "Insgesamt {{ appointments|length }} Termine.",
        "Insgesamt {{ appointments|length }} "
        "Termin{{ appointments|length|pluralize:',e' }}.",
    ),
    "en": (
        "{{ appointments|length }} appointments in all.",
        "{{ appointments|length }} "
        "appointment{{ appointments|length|pluralize }} in all.",
    ),
}


def _replace(apps, *, forwards: bool) -> None:
    template_model = apps.get_model("messaging", "MessageTemplate")
    rows = template_model.objects.filter(
        event="agent_day_list", channel="email", language__in=list(LINES)
    )
    for row in rows:
        before, after = LINES[row.language]
        old, new = (before, after) if forwards else (after, before)
        if old in row.body:
            row.body = row.body.replace(old, new)
            row.save(update_fields=["body"])


def forwards(apps, schema_editor):
    _replace(apps, forwards=True)


def backwards(apps, schema_editor):
    _replace(apps, forwards=False)


class Migration(migrations.Migration):
    dependencies = [
        ("messaging", "0006_request_late_event"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
    ]
