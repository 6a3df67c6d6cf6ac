"""Where and how many (issue 25, points 3 and 4), in the e-mails' details:

- the citizen's e-mails give the site's address (with its name when it says
  more than the service's), no longer the service's;
- all of them say how many people come, when more than one (the booked
  e-mail did since ``0010_group_visits``);
- the agents' e-mails (new, cancelled, unanswered request) say both;
- the SMS offering an earlier time no longer repeats the current date, which
  took it over one segment with a long commune name (the citizen knows it).

New databases get these texts from ``0002_default_templates``. Databases made
before hold the earlier texts as rows: the service's address there is right
while a service has one site, wrong for an appointment at a district office.
Here only the shipped lines are touched, where a row still holds them as
shipped, whatever the commune wrote around them: the commune's own words stay,
the details follow the appointment. A line the commune rewrote is left as it
is (the context offers ``site`` and ``appointment.people``). Reversible: back,
the lines added go and the service's address comes back.

The lines are frozen here, as messaging/defaults.py may change again.
"""

from django.db import migrations

CITIZEN_EVENTS = ("booked", "pending", "confirmed", "moved", "reassigned", "reminder")
AGENT_EVENTS = ("agent_new", "agent_cancelled", "agent_request_late")

# language -> the labels as the e-mails write them
LABELS = {
    "fr": {"date": "Date :", "address": "Adresse :", "people": "Personnes :",
           "at": "à", "from": "de", "until": "à"},
    "nl": {"date": "Datum:", "address": "Adres:", "people": "Personen:",
           "at": "om", "from": "van", "until": "tot"},
    "de": {"date": "Datum:", "address": "Adresse:", "people": "Personen:",
           "at": "um", "from": "von", "until": "bis"},
    "en": {"date": "Date:", "address": "Address:", "people": "People:",
           "at": "at", "from": "from", "until": "to"},
}  # fmt: skip


def service_line(label: dict) -> str:
    return (
        "{% if service.address %}  "
        + label["address"]
        + " {{ service.address }}\n{% endif %}"
    )


def site_line(label: dict) -> str:
    return (
        "{% if site.address %}  " + label["address"] + " "
        "{% if site.name and site.name != service.name %}{{ site.name }}, "
        "{% endif %}{{ site.address }}\n{% endif %}"
    )


def people_line(label: dict) -> str:
    return (
        "{% if appointment.people > 1 %}  "
        + label["people"]
        + " {{ appointment.people }}\n{% endif %}"
    )


def citizen_date_line(label: dict) -> str:
    return (
        f"  {label['date']} {{{{ appointment.date }}}} {label['at']} "
        "{{ appointment.time }}\n"
    )


def agent_date_line(label: dict) -> str:
    return (
        f"  {label['date']} {{{{ appointment.date }}}}, {label['from']} "
        f"{{{{ appointment.time }}}} {label['until']} {{{{ appointment.end_time }}}}\n"
    )


def replacements(event: str, label: dict) -> list[tuple[str, str]]:
    """(shipped before, shipped now) pairs of one e-mail's lines."""
    if event in AGENT_EVENTS:
        date = agent_date_line(label)
        return [(date, date + people_line(label) + site_line(label))]
    pairs = [(service_line(label), site_line(label))]
    if event != "booked":
        date = citizen_date_line(label)
        pairs.append((date, date + people_line(label)))
    return pairs


# language -> (the offer's SMS as 0011 shipped it, as shipped now)
OFFER_SMS = {
    "fr": (
        "{{ commune.name }}: RDV plus tot libre le {{ offer.short_date }} à "
        "{{ offer.time }} (au lieu du {{ appointment.short_date }}). Gardé "
        "jusqu'à {{ offer.until }}: {{ offer.url }}",
        "{{ commune.name }}: un RDV plus proche est libre le "
        "{{ offer.short_date }} à {{ offer.time }}, gardé jusqu'à {{ offer.until }}: "
        "{{ offer.url }}",
    ),
    "nl": (
        "{{ commune.name }}: vroeger tijdstip vrij op {{ offer.short_date }} om "
        "{{ offer.time }} (i.p.v. {{ appointment.short_date }}). Vrijgehouden "
        "tot {{ offer.until }}: {{ offer.url }}",
        "{{ commune.name }}: vroeger tijdstip vrij op {{ offer.short_date }} om "
        "{{ offer.time }}, vrijgehouden tot {{ offer.until }}: {{ offer.url }}",
    ),
    "de": (
        "{{ commune.name }}: früherer Termin frei am {{ offer.short_date }} um "
        "{{ offer.time }} (statt {{ appointment.short_date }}). Frei bis "
        "{{ offer.until }}: {{ offer.url }}",
        "{{ commune.name }}: früherer Termin frei am {{ offer.short_date }} um "
        "{{ offer.time }}, für Sie bis {{ offer.until }}: {{ offer.url }}",
    ),
    "en": (
        "{{ commune.name }}: earlier time free on {{ offer.short_date }} at "
        "{{ offer.time }} (instead of {{ appointment.short_date }}). Held until "
        "{{ offer.until }}: {{ offer.url }}",
        "{{ commune.name }}: earlier time free on {{ offer.short_date }} at "
        "{{ offer.time }}, held for you until {{ offer.until }}: {{ offer.url }}",
    ),
}


def _replace_offer_sms(apps, *, forwards: bool) -> None:
    template_model = apps.get_model("messaging", "MessageTemplate")
    rows = template_model.objects.filter(
        event="earlier_offered", channel="sms", language__in=list(OFFER_SMS)
    )
    for row in rows:
        old, new = OFFER_SMS[row.language]
        if not forwards:
            old, new = new, old
        if row.body == old:  # as shipped: an edited text keeps its words
            row.body = new
            row.save(update_fields=["body"])


def _replace(apps, *, forwards: bool) -> None:
    template_model = apps.get_model("messaging", "MessageTemplate")
    rows = template_model.objects.filter(
        event__in=CITIZEN_EVENTS + AGENT_EVENTS,
        channel="email",
        language__in=list(LABELS),
    )
    for row in rows:
        body = row.body
        for before, now in replacements(row.event, LABELS[row.language]):
            old, new = (before, now) if forwards else (now, before)
            # Once only, and never twice (a line the commune added itself).
            if body.count(old) == 1 and (not forwards or new not in body):
                body = body.replace(old, new)
        if body != row.body:
            row.body = body
            row.save(update_fields=["body"])


def forwards(apps, schema_editor):
    _replace(apps, forwards=True)
    _replace_offer_sms(apps, forwards=True)


def backwards(apps, schema_editor):
    _replace(apps, forwards=False)
    _replace_offer_sms(apps, forwards=False)


class Migration(migrations.Migration):
    dependencies = [
        ("messaging", "0011_earlier_time_offered_event"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
    ]
