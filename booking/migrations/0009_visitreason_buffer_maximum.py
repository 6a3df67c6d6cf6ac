"""Issue 16: a reason's buffer is at most MAX_BUFFER_MINUTES (240), which the
slot search's look-back follows from. A longer buffer stored before is cut to
the maximum (the search never saw more than four hours of it anyway)."""

import django.core.validators
from django.db import migrations, models


def cut_long_buffers(apps, schema_editor):
    VisitReason = apps.get_model("booking", "VisitReason")
    VisitReason.objects.filter(buffer_minutes__gt=240).update(buffer_minutes=240)


class Migration(migrations.Migration):
    dependencies = [
        ("booking", "0008_appointment_reference_unique"),
    ]

    operations = [
        migrations.RunPython(cut_long_buffers, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="historicalvisitreason",
            name="buffer_minutes",
            field=models.PositiveSmallIntegerField(
                default=0,
                help_text="Time the agent needs after the visit before the next one.",
                validators=[django.core.validators.MaxValueValidator(240)],
                verbose_name="buffer after (minutes)",
            ),
        ),
        migrations.AlterField(
            model_name="visitreason",
            name="buffer_minutes",
            field=models.PositiveSmallIntegerField(
                default=0,
                help_text="Time the agent needs after the visit before the next one.",
                validators=[django.core.validators.MaxValueValidator(240)],
                verbose_name="buffer after (minutes)",
            ),
        ),
    ]
