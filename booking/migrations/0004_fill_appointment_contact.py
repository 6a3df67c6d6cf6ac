"""Existing appointments keep the contact details their messages went to.

From 0003 on, an appointment holds the e-mail, mobile phone, language (and,
where its service asks for one, the address) its booking gave, and its
messages use them (issue 14, point 1). The appointments booked before were
sent to their citizen's details: copy those, so that nothing changes for them.
The address is copied only for services that require it, the only ones that
collected it (R2). One UPDATE per field group, by the database, without
touching ``updated_at`` (messaging tells changes apart by it). Reversible: the
reverse empties the fields again.
"""

from django.db import migrations
from django.db.models import OuterRef, Subquery


def fill(apps, schema_editor):
    appointment_model = apps.get_model("booking", "Appointment")
    citizen_model = apps.get_model("booking", "Citizen")

    def citizens(field):
        return Subquery(
            citizen_model.objects.filter(pk=OuterRef("citizen_id")).values(field)[:1]
        )

    appointment_model.objects.update(
        contact_email=citizens("email"),
        contact_phone=citizens("phone"),
        contact_language=citizens("language"),
    )
    appointment_model.objects.filter(service__requires_address=True).update(
        contact_address=citizens("address")
    )


def empty(apps, schema_editor):
    apps.get_model("booking", "Appointment").objects.update(
        contact_email="", contact_phone="", contact_language="", contact_address=""
    )


class Migration(migrations.Migration):
    dependencies = [("booking", "0003_appointment_contact_idempotencykey")]

    operations = [migrations.RunPython(fill, empty)]
