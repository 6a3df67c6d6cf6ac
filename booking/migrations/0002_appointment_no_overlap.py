"""PostgreSQL refuses two active appointments of one agent that overlap.

booking/services.py already locks and re-checks; this constraint makes a double
booking impossible even if that code is wrong. SQLite has no exclusion
constraints: there, IMMEDIATE write transactions serialise bookings instead.
"""

from django.db import migrations

ACTIVE = "('pending', 'confirmed', 'done', 'no_show')"


def add_constraint(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    schema_editor.execute(
        "ALTER TABLE booking_appointment ADD CONSTRAINT appointment_agent_no_overlap "
        "EXCLUDE USING gist (agent_id WITH =, tstzrange(start, \"end\", '[)') WITH &&) "
        f"WHERE (status IN {ACTIVE})"
    )


def drop_constraint(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "ALTER TABLE booking_appointment DROP CONSTRAINT IF EXISTS "
        "appointment_agent_no_overlap"
    )


class Migration(migrations.Migration):
    dependencies = [("booking", "0001_initial")]

    operations = [migrations.RunPython(add_constraint, drop_constraint)]
