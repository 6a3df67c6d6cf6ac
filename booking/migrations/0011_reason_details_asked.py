"""Issue 20, point 3: each visit reason says which of the citizen's details it
asks (national register number, date of birth, address: required, optional or
not asked, and whether "I do not have one yet" is allowed); an appointment
records that its citizen had no national register number yet.

Every reason of before gets the empty value, "as the service says": it asks
exactly what its service asked, and follows the service if the service's
setting changes later, so nothing changes for any booking (the upgrade test
checks it on the release database). Reversible: backwards drops the columns.
"""

import booking.models
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("booking", "0010_appointment_link_code"),
    ]

    operations = [
        migrations.AddField(
            model_name="appointment",
            name="no_national_number",
            field=models.BooleanField(
                default=False, verbose_name="no national register number yet"
            ),
        ),
        migrations.AddField(
            model_name="historicalappointment",
            name="no_national_number",
            field=models.BooleanField(
                default=False, verbose_name="no national register number yet"
            ),
        ),
        migrations.AddField(
            model_name="historicalvisitreason",
            name="address_rule",
            field=models.CharField(
                blank=True,
                choices=[
                    ("", "as the service says"),
                    ("required", "required"),
                    ("optional", "optional"),
                    ("not_asked", "not asked"),
                ],
                default="",
                max_length=10,
                verbose_name="address",
            ),
        ),
        migrations.AddField(
            model_name="historicalvisitreason",
            name="birth_date_rule",
            field=models.CharField(
                blank=True,
                choices=[
                    ("", "as the service says"),
                    ("required", "required"),
                    ("optional", "optional"),
                    ("not_asked", "not asked"),
                ],
                default="",
                max_length=10,
                verbose_name="date of birth",
            ),
        ),
        migrations.AddField(
            model_name="historicalvisitreason",
            name="national_number_rule",
            field=models.CharField(
                blank=True,
                choices=[
                    ("", "as the service says"),
                    ("required", "required"),
                    ("optional", "optional"),
                    ("not_asked", "not asked"),
                ],
                default="",
                help_text="A BIS number is accepted wherever the number is asked.",
                max_length=10,
                verbose_name="national register number",
            ),
        ),
        migrations.AddField(
            model_name="historicalvisitreason",
            name="no_national_number_allowed",
            field=models.BooleanField(
                default=False,
                help_text="The citizen may tick “I do not have a national register number yet” (newcomers): the appointment then shows that it is missing.",
                verbose_name="“I do not have one yet” allowed",
            ),
        ),
        migrations.AddField(
            model_name="visitreason",
            name="address_rule",
            field=models.CharField(
                blank=True,
                choices=[
                    ("", "as the service says"),
                    ("required", "required"),
                    ("optional", "optional"),
                    ("not_asked", "not asked"),
                ],
                default="",
                max_length=10,
                verbose_name="address",
            ),
        ),
        migrations.AddField(
            model_name="visitreason",
            name="birth_date_rule",
            field=models.CharField(
                blank=True,
                choices=[
                    ("", "as the service says"),
                    ("required", "required"),
                    ("optional", "optional"),
                    ("not_asked", "not asked"),
                ],
                default="",
                max_length=10,
                verbose_name="date of birth",
            ),
        ),
        migrations.AddField(
            model_name="visitreason",
            name="national_number_rule",
            field=models.CharField(
                blank=True,
                choices=[
                    ("", "as the service says"),
                    ("required", "required"),
                    ("optional", "optional"),
                    ("not_asked", "not asked"),
                ],
                default="",
                help_text="A BIS number is accepted wherever the number is asked.",
                max_length=10,
                verbose_name="national register number",
            ),
        ),
        migrations.AddField(
            model_name="visitreason",
            name="no_national_number_allowed",
            field=models.BooleanField(
                default=False,
                help_text="The citizen may tick “I do not have a national register number yet” (newcomers): the appointment then shows that it is missing.",
                verbose_name="“I do not have one yet” allowed",
            ),
        ),
        migrations.AlterField(
            model_name="citizen",
            name="national_number",
            field=models.CharField(
                blank=True,
                help_text="Or a BIS number. Stored only when a service or a visit reason asks for it.",
                max_length=15,
                validators=[booking.models.validate_national_number],
                verbose_name="national register number",
            ),
        ),
        migrations.AlterField(
            model_name="historicalcitizen",
            name="national_number",
            field=models.CharField(
                blank=True,
                help_text="Or a BIS number. Stored only when a service or a visit reason asks for it.",
                max_length=15,
                validators=[booking.models.validate_national_number],
                verbose_name="national register number",
            ),
        ),
    ]
