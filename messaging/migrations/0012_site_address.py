"""Several sites per service (issue 25, point 4): the citizen's e-mails say
where the appointment is, the site's address (with its name when it says more
than the service's), no longer the service's.

New databases get that text from ``0002_default_templates``. Databases made
before hold the earlier texts as rows, whose address line reads the service's
address: right while a service has one site, wrong for an appointment at a
district office. Here that one line is replaced where a row still holds it as
shipped, whatever the commune wrote around it: the commune's own words stay,
the address follows the appointment. A line the commune rewrote is left as it
is (the context offers ``site.name`` and ``site.address``). Reversible: back,
the shipped site line becomes the service line again.

The lines are frozen here, as messaging/defaults.py may change again.
"""

from django.db import migrations

EVENTS = ("booked", "pending", "confirmed", "moved", "reassigned", "reminder")

# language -> the address label as the e-mails write it
LABELS = {"fr": "Adresse :", "nl": "Adres:", "de": "Adresse:", "en": "Address:"}


def service_line(label: str) -> str:
    return "{% if service.address %}  " + label + " {{ service.address }}\n{% endif %}"


def site_line(label: str) -> str:
    return (
        "{% if site.address %}  " + label + " "
        "{% if site.name and site.name != service.name %}{{ site.name }}, "
        "{% endif %}{{ site.address }}\n{% endif %}"
    )


def _replace(apps, *, forwards: bool) -> None:
    template_model = apps.get_model("messaging", "MessageTemplate")
    rows = template_model.objects.filter(
        event__in=EVENTS, channel="email", language__in=list(LABELS)
    )
    for row in rows:
        label = LABELS[row.language]
        old, new = (service_line(label), site_line(label))
        if not forwards:
            old, new = new, old
        if row.body.count(old) == 1:
            row.body = row.body.replace(old, new)
            row.save(update_fields=["body"])


def forwards(apps, schema_editor):
    _replace(apps, forwards=True)


def backwards(apps, schema_editor):
    _replace(apps, forwards=False)


class Migration(migrations.Migration):
    dependencies = [
        ("messaging", "0011_earlier_time_offered_event"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
    ]
