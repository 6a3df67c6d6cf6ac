"""Every appointment booked before gets its booking reference (issue 22).

Drawn at random like a new one (``booking.references.new_reference``), never
from the id, unique among them; each history record of an appointment gets its
appointment's reference, so the history reads the same before and after.
Reversible: the reverse empties the references again (0006 allows it).
"""

from django.db import migrations
from django.db.models import OuterRef, Subquery

from booking.references import new_reference

BATCH = 500


def fill(apps, schema_editor):
    appointment_model = apps.get_model("booking", "Appointment")
    history_model = apps.get_model("booking", "HistoricalAppointment")
    taken = set(
        appointment_model.objects.exclude(reference=None).values_list(
            "reference", flat=True
        )
    )
    missing = appointment_model.objects.filter(reference=None).only("pk")
    batch = []
    for appointment in missing.iterator(chunk_size=BATCH):
        reference = new_reference()
        while reference in taken:
            reference = new_reference()
        taken.add(reference)
        appointment.reference = reference
        batch.append(appointment)
        if len(batch) == BATCH:
            appointment_model.objects.bulk_update(batch, ["reference"])
            batch = []
    appointment_model.objects.bulk_update(batch, ["reference"])
    history_model.objects.filter(reference=None).update(
        reference=Subquery(
            appointment_model.objects.filter(pk=OuterRef("id")).values("reference")[:1]
        )
    )
    # A record whose appointment is gone keeps a reference of its own.
    for record in history_model.objects.filter(reference=None).only("pk"):
        record.reference = new_reference()
        record.save(update_fields=["reference"])


def empty(apps, schema_editor):
    apps.get_model("booking", "Appointment").objects.update(reference=None)
    apps.get_model("booking", "HistoricalAppointment").objects.update(reference=None)


class Migration(migrations.Migration):
    dependencies = [("booking", "0006_appointment_called_at_reference")]

    operations = [migrations.RunPython(fill, empty)]
