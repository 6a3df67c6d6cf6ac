"""The desk (issue 22): when a waiting citizen was called, and the booking
reference, first without its rule (0007 fills it, 0008 makes it unique and
required), as Django's "migrations that add unique fields" advise."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("booking", "0005_translated_texts")]

    operations = [
        migrations.AddField(
            model_name="appointment",
            name="called_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="called at"),
        ),
        migrations.AddField(
            model_name="historicalappointment",
            name="called_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="called at"),
        ),
        migrations.AddField(
            model_name="appointment",
            name="reference",
            field=models.CharField(
                editable=False,
                max_length=8,
                null=True,
                verbose_name="booking reference",
            ),
        ),
        migrations.AddField(
            model_name="historicalappointment",
            name="reference",
            field=models.CharField(
                editable=False,
                max_length=8,
                null=True,
                verbose_name="booking reference",
            ),
        ),
    ]
