"""The lasting personal link (issue 20, point 5): each appointment's random
link code, and when staff last revoked its links.

The code is added empty, every appointment made before gets its own (drawn at
random like a new one, unique among them), then it becomes required and
unique, as Django's "migrations that add unique fields" advise. The links
those appointments' messages already carry (signed tokens) keep working on
their old terms (``booking/links.py``): the code only adds a link.

Not atomic as a whole, so that PostgreSQL does not alter the table in the
transaction that filled it (pending trigger events); each step is. Reversible:
backwards, the fields go (the old links never needed them).
"""

from django.db import migrations, models

import booking.link_codes

BATCH = 500


def fill(apps, schema_editor):
    appointment_model = apps.get_model("booking", "Appointment")
    taken = set(
        appointment_model.objects.exclude(link_code=None).values_list(
            "link_code", flat=True
        )
    )
    batch = []
    missing = appointment_model.objects.filter(link_code=None).only("pk")
    for appointment in missing.iterator(chunk_size=BATCH):
        code = booking.link_codes.new_link_code()
        while code in taken:
            code = booking.link_codes.new_link_code()
        taken.add(code)
        appointment.link_code = code
        batch.append(appointment)
        if len(batch) == BATCH:
            appointment_model.objects.bulk_update(batch, ["link_code"])
            batch = []
    appointment_model.objects.bulk_update(batch, ["link_code"])


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("booking", "0009_visitreason_buffer_maximum")]

    operations = [
        migrations.AddField(
            model_name="appointment",
            name="link_code",
            field=models.CharField(
                editable=False,
                max_length=12,
                null=True,
                verbose_name="personal link code",
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, atomic=True),
        migrations.AlterField(
            model_name="appointment",
            name="link_code",
            field=models.CharField(
                default=booking.link_codes.new_link_code,
                editable=False,
                max_length=12,
                unique=True,
                verbose_name="personal link code",
            ),
        ),
        migrations.AddField(
            model_name="appointment",
            name="link_revoked_at",
            field=models.DateTimeField(
                blank=True,
                editable=False,
                help_text="Links sent before are refused since.",
                null=True,
                verbose_name="personal link last revoked at",
            ),
        ),
        migrations.AddField(
            model_name="historicalappointment",
            name="link_revoked_at",
            field=models.DateTimeField(
                blank=True,
                editable=False,
                help_text="Links sent before are refused since.",
                null=True,
                verbose_name="personal link last revoked at",
            ),
        ),
    ]
