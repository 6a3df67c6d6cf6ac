"""The commune's accessibility statement, per language (issue 19, point 7).

Empty everywhere: the public page shows the module's own statement until the
administrator writes the commune's.
"""

from django.db import migrations, models

HELP = (
    "Shown on the public page “Accessibility”, linked from the footer. Leave "
    "empty for the module's own statement (conformance, known gaps, contact, "
    "complaints). Paragraphs are separated by an empty line; addresses become "
    "links."
)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0006_staff_profile"),
    ]

    operations = [
        migrations.AddField(
            model_name="commune",
            name="accessibility_statement",
            field=models.TextField(
                blank=True,
                help_text=HELP,
                verbose_name="accessibility statement",
            ),
        ),
        migrations.AddField(
            model_name="commune",
            name="accessibility_statement_de",
            field=models.TextField(
                blank=True,
                help_text=HELP,
                null=True,
                verbose_name="accessibility statement",
            ),
        ),
        migrations.AddField(
            model_name="commune",
            name="accessibility_statement_en",
            field=models.TextField(
                blank=True,
                help_text=HELP,
                null=True,
                verbose_name="accessibility statement",
            ),
        ),
        migrations.AddField(
            model_name="commune",
            name="accessibility_statement_fr",
            field=models.TextField(
                blank=True,
                help_text=HELP,
                null=True,
                verbose_name="accessibility statement",
            ),
        ),
        migrations.AddField(
            model_name="commune",
            name="accessibility_statement_nl",
            field=models.TextField(
                blank=True,
                help_text=HELP,
                null=True,
                verbose_name="accessibility statement",
            ),
        ),
        migrations.AddField(
            model_name="historicalcommune",
            name="accessibility_statement",
            field=models.TextField(
                blank=True,
                help_text=HELP,
                verbose_name="accessibility statement",
            ),
        ),
        migrations.AddField(
            model_name="historicalcommune",
            name="accessibility_statement_de",
            field=models.TextField(
                blank=True,
                help_text=HELP,
                null=True,
                verbose_name="accessibility statement",
            ),
        ),
        migrations.AddField(
            model_name="historicalcommune",
            name="accessibility_statement_en",
            field=models.TextField(
                blank=True,
                help_text=HELP,
                null=True,
                verbose_name="accessibility statement",
            ),
        ),
        migrations.AddField(
            model_name="historicalcommune",
            name="accessibility_statement_fr",
            field=models.TextField(
                blank=True,
                help_text=HELP,
                null=True,
                verbose_name="accessibility statement",
            ),
        ),
        migrations.AddField(
            model_name="historicalcommune",
            name="accessibility_statement_nl",
            field=models.TextField(
                blank=True,
                help_text=HELP,
                null=True,
                verbose_name="accessibility statement",
            ),
        ),
    ]
