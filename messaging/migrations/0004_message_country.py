"""The SMS budget abroad (issue 14, point 9): each SMS row names its number's
country, and an e-mail sent instead of an SMS says so. Existing SMS rows get
their country from their number."""

import phonenumbers
from django.db import migrations, models


def fill_countries(apps, schema_editor):
    Message = apps.get_model("messaging", "Message")
    rows = Message.objects.filter(channel="sms", country="").only("pk", "recipient")
    for row in rows.iterator():
        try:
            number = phonenumbers.parse(row.recipient, "BE")
        except phonenumbers.NumberParseException:
            continue
        country = phonenumbers.region_code_for_number(number) or ""
        if len(country) == 2:
            Message.objects.filter(pk=row.pk).update(country=country)


class Migration(migrations.Migration):
    dependencies = [
        ("messaging", "0003_feed_address_event"),
    ]

    operations = [
        migrations.AddField(
            model_name="message",
            name="country",
            field=models.CharField(blank=True, max_length=2, verbose_name="country"),
        ),
        migrations.AddField(
            model_name="message",
            name="instead_of_sms",
            field=models.BooleanField(
                default=False,
                help_text=(
                    "Sent by e-mail because this month's SMS budget for the "
                    "number's country, or today's for numbers abroad, was spent."
                ),
                verbose_name="instead of an SMS",
            ),
        ),
        migrations.AddIndex(
            model_name="message",
            index=models.Index(
                fields=["channel", "country", "created_at"],
                name="messaging_m_channel_1c64e0_idx",
            ),
        ),
        migrations.RunPython(fill_countries, migrations.RunPython.noop),
    ]
