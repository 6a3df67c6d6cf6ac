"""Ship the default texts (every event, channel and language) and channel rules.

The texts live in ``messaging/defaults.py`` (the outbox also falls back to
them); this migration writes only the rows that do not exist yet, so running it
on a database whose texts were edited changes nothing.
"""

from django.db import migrations


def install(apps, schema_editor):
    from messaging.defaults import install_defaults

    install_defaults(
        apps.get_model("messaging", "MessageTemplate"),
        apps.get_model("messaging", "ChannelRule"),
        apps.get_model("messaging", "MessagingSettings"),
    )


class Migration(migrations.Migration):
    dependencies = [("messaging", "0001_initial")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
