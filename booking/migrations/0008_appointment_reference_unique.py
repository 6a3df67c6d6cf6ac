"""The booking reference is required and unique from now on (issue 22)."""

from django.db import migrations, models

import booking.references


class Migration(migrations.Migration):
    dependencies = [("booking", "0007_fill_appointment_reference")]

    operations = [
        migrations.AlterField(
            model_name="appointment",
            name="reference",
            field=models.CharField(
                default=booking.references.new_reference,
                editable=False,
                max_length=8,
                unique=True,
                verbose_name="booking reference",
            ),
        ),
        migrations.AlterField(
            model_name="historicalappointment",
            name="reference",
            field=models.CharField(
                db_index=True,
                default=booking.references.new_reference,
                editable=False,
                max_length=8,
                verbose_name="booking reference",
            ),
        ),
    ]
