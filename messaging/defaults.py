"""The texts the product ships with: every event, channel and language.

The data migration ``0002_default_templates`` writes them as MessageTemplate
rows, which the administrator may then edit (R22, R31); the outbox falls back
to them when a row is missing or an edited text no longer renders, so that a
mistake in the editor never stops a booking.

Texts use the context documented in ``messaging/rendering.py``. SMS texts keep
to the GSM-7 alphabet (no typographic apostrophe, no ê/ç/ô…) so that a message
fits in as few segments as possible, and stay within SMS_MAX_SEGMENTS once
rendered with the sample appointment. What the commune types may hold typography
(’ « » … no-break spaces): an SMS writes it in GSM-7 (``sms.gsm7_friendly``);
tests/messaging/test_gsm7.py renders every SMS in every language with the demo
commune's data.
"""

from typing import NamedTuple

from .models import Channel, Event


class DefaultText(NamedTuple):
    subject: str
    body: str


# --- Blocks shared by the e-mails of one language ---------------------------

_GREETING = {
    "fr": "Bonjour {{ citizen.first_name }} {{ citizen.last_name }},",
    "nl": "Beste {{ citizen.first_name }} {{ citizen.last_name }},",
    "de": "Guten Tag {{ citizen.first_name }} {{ citizen.last_name }},",
    "en": "Dear {{ citizen.first_name }} {{ citizen.last_name }},",
}

_AGENT_GREETING = {
    "fr": "Bonjour {{ recipient.name }},",
    "nl": "Beste {{ recipient.name }},",
    "de": "Guten Tag {{ recipient.name }},",
    "en": "Hello {{ recipient.name }},",
}

_LABELS = {
    "fr": {
        "service": "Service",
        "reason": "Motif",
        "date": "Date",
        "at": "à",
        "with": "Avec",
        "address": "Adresse",
        "citizen": "Citoyen",
        "remarks": "Remarques",
        "people": "Personnes",
        "until": "à",
        "from": "de",
        "colon": " :",
    },
    "nl": {
        "service": "Dienst",
        "reason": "Reden",
        "date": "Datum",
        "at": "om",
        "with": "Met",
        "address": "Adres",
        "citizen": "Burger",
        "remarks": "Opmerkingen",
        "people": "Personen",
        "until": "tot",
        "from": "van",
        "colon": ":",
    },
    "de": {
        "service": "Dienst",
        "reason": "Anliegen",
        "date": "Datum",
        "at": "um",
        "with": "Bei",
        "address": "Adresse",
        "citizen": "Bürger",
        "remarks": "Bemerkungen",
        "people": "Personen",
        "until": "bis",
        "from": "von",
        "colon": ":",
    },
    "en": {
        "service": "Service",
        "reason": "Reason",
        "date": "Date",
        "at": "at",
        "with": "With",
        "address": "Address",
        "citizen": "Citizen",
        "remarks": "Remarks",
        "people": "People",
        "until": "to",
        "from": "from",
        "colon": ":",
    },
}


def _people(language: str) -> str:
    """How many come, when more than one (issue 25, point 3)."""
    label = _LABELS[language]
    return (
        "{% if appointment.people > 1 %}"
        f"  {label['people']}{label['colon']} {{{{ appointment.people }}}}\n"
        "{% endif %}"
    )


def _site(language: str) -> str:
    """Where (issue 25, point 4): the site's address, with its name when it
    says more than the service's."""
    label = _LABELS[language]
    return (
        "{% if site.address %}"
        f"  {label['address']}{label['colon']} "
        "{% if site.name and site.name != service.name %}{{ site.name }}, "
        "{% endif %}{{ site.address }}\n"
        "{% endif %}"
    )


def _details(language: str) -> str:
    """The appointment, as a citizen reads it."""
    label = _LABELS[language]
    colon = label["colon"]
    return (
        f"  {label['service']}{colon} {{{{ service.name }}}}\n"
        f"  {label['reason']}{colon} {{{{ reason.name }}}}\n"
        f"  {label['date']}{colon} {{{{ appointment.date }}}} {label['at']} "
        "{{ appointment.time }}\n"
        + _people(language)
        + "{% if not appointment.with_team %}"
        f"  {label['with']}{colon} {{{{ agent.name }}}}\n"
        "{% endif %}" + _site(language)
    )


def _agent_details(language: str) -> str:
    """The appointment, as an agent reads it."""
    label = _LABELS[language]
    colon = label["colon"]
    return (
        f"  {label['citizen']}{colon} {{{{ citizen.full_name }}}}"
        "{% if citizen.phone %} – {{ citizen.phone }}{% endif %}\n"
        f"  {label['service']}{colon} {{{{ service.name }}}}\n"
        f"  {label['reason']}{colon} {{{{ reason.name }}}}\n"
        f"  {label['date']}{colon} {{{{ appointment.date }}}}, {label['from']} "
        f"{{{{ appointment.time }}}} {label['until']} {{{{ appointment.end_time }}}}\n"
        + _people(language)
        + _site(language)
        + "{% if appointment.remarks %}"
        f"  {label['remarks']}{colon} {{{{ appointment.remarks }}}}\n"
        "{% endif %}"
    )


_INFORMATION = {
    "fr": "{% if reason.information %}\nÀ savoir :\n{{ reason.information }}\n"
    "{% endif %}",
    "nl": "{% if reason.information %}\nGoed om te weten:\n{{ reason.information }}\n"
    "{% endif %}",
    "de": "{% if reason.information %}\nBitte beachten Sie:\n{{ reason.information }}\n"
    "{% endif %}",
    "en": "{% if reason.information %}\nGood to know:\n{{ reason.information }}\n"
    "{% endif %}",
}

_MANAGE = {
    "fr": "Pour voir, déplacer ou annuler votre rendez-vous : {{ manage_url }}",
    "nl": "Uw afspraak bekijken, verplaatsen of annuleren: {{ manage_url }}",
    "de": "Termin ansehen, verschieben oder absagen: {{ manage_url }}",
    "en": "To see, move or cancel your appointment: {{ manage_url }}",
}

_CALENDAR_ADD = {
    "fr": "Le fichier joint (.ics) ajoute le rendez-vous à votre agenda.",
    "nl": "Met het bijgevoegde bestand (.ics) zet u de afspraak in uw agenda.",
    "de": "Mit der beigefügten Datei (.ics) übernehmen Sie den Termin in Ihren "
    "Kalender.",
    "en": "The attached file (.ics) adds the appointment to your calendar.",
}

_CALENDAR_REMOVE = {
    "fr": "Le fichier joint (.ics) retire le rendez-vous de votre agenda.",
    "nl": "Met het bijgevoegde bestand (.ics) haalt u de afspraak uit uw agenda.",
    "de": "Mit der beigefügten Datei (.ics) entfernen Sie den Termin aus Ihrem "
    "Kalender.",
    "en": "The attached file (.ics) removes the appointment from your calendar.",
}

_BOOK_AGAIN = {
    "fr": "Pour choisir un autre moment : {{ booking_url }}"
    "{% if service.phone %}\nVous pouvez aussi appeler le service au "
    "{{ service.phone }}.{% endif %}",
    "nl": "Een ander tijdstip kiezen: {{ booking_url }}"
    "{% if service.phone %}\nU kunt de dienst ook bellen op "
    "{{ service.phone }}.{% endif %}",
    "de": "Einen anderen Termin wählen: {{ booking_url }}"
    "{% if service.phone %}\nSie können den Dienst auch unter "
    "{{ service.phone }} anrufen.{% endif %}",
    "en": "To choose another time: {{ booking_url }}"
    "{% if service.phone %}\nYou may also call the service on "
    "{{ service.phone }}.{% endif %}",
}

_SIGNATURE = {
    "fr": "Cordialement,\n{{ commune.name }}"
    "{% if service.phone %}\n{{ service.name }} : {{ service.phone }}{% endif %}",
    "nl": "Met vriendelijke groeten,\n{{ commune.name }}"
    "{% if service.phone %}\n{{ service.name }}: {{ service.phone }}{% endif %}",
    "de": "Mit freundlichen Grüßen\n{{ commune.name }}"
    "{% if service.phone %}\n{{ service.name }}: {{ service.phone }}{% endif %}",
    "en": "Kind regards,\n{{ commune.name }}"
    "{% if service.phone %}\n{{ service.name }}: {{ service.phone }}{% endif %}",
}

_AGENT_SIGNATURE = {
    "fr": "-- \nRendez-vous communal, {{ commune.name }}",
    "nl": "-- \nRendez-vous communal, {{ commune.name }}",
    "de": "-- \nRendez-vous communal, {{ commune.name }}",
    "en": "-- \nRendez-vous communal, {{ commune.name }}",
}


def _citizen_mail(language: str, *parts: str) -> str:
    """Greeting, the parts separated by blank lines, signature."""
    return "\n\n".join([_GREETING[language], *parts, _SIGNATURE[language]]) + "\n"


def _agent_mail(language: str, *parts: str) -> str:
    return (
        "\n\n".join([_AGENT_GREETING[language], *parts, _AGENT_SIGNATURE[language]])
        + "\n"
    )


def _with_details(language: str, intro: str) -> str:
    """An introduction followed by the appointment's details (no blank line)."""
    return intro + "\n\n" + _details(language).rstrip("\n")


# --- Citizens' e-mails --------------------------------------------------------


def _citizen_emails(lang: str) -> dict[str, DefaultText]:
    when = "{{ appointment.date }}"
    time = "{{ appointment.time }}"
    at = _LABELS[lang]["at"]
    subjects = {
        "fr": {
            Event.BOOKED: f"Rendez-vous confirmé : {when} à {time}",
            Event.PENDING: f"Demande de rendez-vous reçue : {when} à {time}",
            Event.CONFIRMED: f"Votre demande est acceptée : {when} à {time}",
            Event.REFUSED: "Votre demande de rendez-vous n’a pas pu être acceptée",
            Event.CANCELLED_BY_CITIZEN: f"Rendez-vous annulé : {when} à {time}",
            Event.CANCELLED_BY_COMMUNE: f"Votre rendez-vous du {when} est annulé",
            Event.MOVED: f"Rendez-vous déplacé : {when} à {time}",
            Event.REASSIGNED: f"Votre rendez-vous du {when} : changement d’agent",
            Event.REMINDER: f"Rappel : votre rendez-vous du {when} à {time}",
        },
        "nl": {
            Event.BOOKED: f"Afspraak bevestigd: {when} om {time}",
            Event.PENDING: f"Aanvraag voor een afspraak ontvangen: {when} om {time}",
            Event.CONFIRMED: f"Uw aanvraag is aanvaard: {when} om {time}",
            Event.REFUSED: "Uw aanvraag voor een afspraak kon niet worden aanvaard",
            Event.CANCELLED_BY_CITIZEN: f"Afspraak geannuleerd: {when} om {time}",
            Event.CANCELLED_BY_COMMUNE: f"Uw afspraak van {when} is geannuleerd",
            Event.MOVED: f"Afspraak verplaatst: {when} om {time}",
            Event.REASSIGNED: f"Uw afspraak van {when}: andere medewerker",
            Event.REMINDER: f"Herinnering: uw afspraak op {when} om {time}",
        },
        "de": {
            Event.BOOKED: f"Termin bestätigt: {when} um {time} Uhr",
            Event.PENDING: f"Terminanfrage erhalten: {when} um {time} Uhr",
            Event.CONFIRMED: f"Ihre Anfrage ist bestätigt: {when} um {time} Uhr",
            Event.REFUSED: "Ihre Terminanfrage konnte nicht angenommen werden",
            Event.CANCELLED_BY_CITIZEN: f"Termin abgesagt: {when} um {time} Uhr",
            Event.CANCELLED_BY_COMMUNE: f"Ihr Termin am {when} ist abgesagt",
            Event.MOVED: f"Termin verschoben: {when} um {time} Uhr",
            Event.REASSIGNED: f"Ihr Termin am {when}: anderer Mitarbeiter",
            Event.REMINDER: f"Erinnerung: Ihr Termin am {when} um {time} Uhr",
        },
        "en": {
            Event.BOOKED: f"Appointment confirmed: {when} at {time}",
            Event.PENDING: f"Appointment request received: {when} at {time}",
            Event.CONFIRMED: f"Your request is accepted: {when} at {time}",
            Event.REFUSED: "Your appointment request could not be accepted",
            Event.CANCELLED_BY_CITIZEN: f"Appointment cancelled: {when} at {time}",
            Event.CANCELLED_BY_COMMUNE: f"Your appointment on {when} is cancelled",
            Event.MOVED: f"Appointment moved: {when} at {time}",
            Event.REASSIGNED: f"Your appointment on {when}: another agent",
            Event.REMINDER: f"Reminder: your appointment on {when} at {time}",
        },
    }[lang]
    summary = (
        f"{when} {at} {time} ({{{{ service.name }}}}, {{{{ reason.name }}}})"
        if lang != "de"
        else f"{when} um {time} Uhr ({{{{ service.name }}}}, {{{{ reason.name }}}})"
    )
    text = {
        "fr": {
            "booked": "Votre rendez-vous est bien enregistré :",
            "pending": "Nous avons bien reçu votre demande de rendez-vous :",
            "pending_after": "Un agent doit encore la confirmer : vous recevrez un "
            "second message dès qu’il aura répondu. En attendant, ce moment vous "
            "est réservé.",
            "confirmed": "Bonne nouvelle : votre demande de rendez-vous est acceptée.",
            "refused": f"Nous sommes désolés : votre demande de rendez-vous du "
            f"{summary} n’a pas pu être acceptée.",
            "refused_reason": "Motif indiqué par le service : ",
            "cancelled_by_citizen": f"Votre rendez-vous du {summary} est annulé, "
            "comme vous l’avez demandé.",
            "cancelled_by_commune": f"Nous sommes désolés : nous devons annuler "
            f"votre rendez-vous du {summary}.",
            "cancel_reason": "Raison : ",
            "apology": "Veuillez nous excuser pour ce désagrément.",
            "moved": "Votre rendez-vous a été déplacé{% if appointment.previous_date "
            "%} (il était prévu le {{ appointment.previous_date }} à "
            "{{ appointment.previous_time }}){% endif %}. Voici le nouveau moment :",
            "reassigned": "Votre rendez-vous sera reçu par {{ agent.name }}"
            "{% if agent.title %} ({{ agent.title }}){% endif %}. Le reste ne "
            "change pas :",
            "reminder": "Nous vous rappelons votre rendez-vous :",
            "reminder_after": "Si vous ne pouvez pas venir, merci d’annuler le "
            "rendez-vous pour libérer la place : {{ manage_url }}",
        },
        "nl": {
            "booked": "Uw afspraak is geregistreerd:",
            "pending": "Wij hebben uw aanvraag voor een afspraak ontvangen:",
            "pending_after": "Een medewerker moet ze nog bevestigen: u krijgt een "
            "tweede bericht zodra er geantwoord is. Tot dan blijft dit tijdstip "
            "voor u gereserveerd.",
            "confirmed": "Goed nieuws: uw aanvraag voor een afspraak is aanvaard.",
            "refused": f"Het spijt ons: uw aanvraag voor een afspraak op {summary} "
            "kon niet worden aanvaard.",
            "refused_reason": "Reden opgegeven door de dienst: ",
            "cancelled_by_citizen": f"Uw afspraak op {summary} is geannuleerd, "
            "zoals u gevraagd hebt.",
            "cancelled_by_commune": f"Het spijt ons: wij moeten uw afspraak op "
            f"{summary} annuleren.",
            "cancel_reason": "Reden: ",
            "apology": "Onze excuses voor het ongemak.",
            "moved": "Uw afspraak is verplaatst{% if appointment.previous_date %} "
            "(ze stond gepland op {{ appointment.previous_date }} om "
            "{{ appointment.previous_time }}){% endif %}. Dit is het nieuwe "
            "tijdstip:",
            "reassigned": "Uw afspraak wordt afgehandeld door {{ agent.name }}"
            "{% if agent.title %} ({{ agent.title }}){% endif %}. Voor de rest "
            "verandert er niets:",
            "reminder": "Wij herinneren u aan uw afspraak:",
            "reminder_after": "Kunt u niet komen? Annuleer dan de afspraak, zodat "
            "iemand anders het tijdstip kan krijgen: {{ manage_url }}",
        },
        "de": {
            "booked": "Ihr Termin ist eingetragen:",
            "pending": "Wir haben Ihre Terminanfrage erhalten:",
            "pending_after": "Ein Mitarbeiter muss sie noch bestätigen: Sie "
            "erhalten eine zweite Nachricht, sobald er geantwortet hat. Bis dahin "
            "bleibt dieser Termin für Sie reserviert.",
            "confirmed": "Gute Nachricht: Ihre Terminanfrage wurde angenommen.",
            "refused": f"Es tut uns leid: Ihre Terminanfrage für den {summary} "
            "konnte nicht angenommen werden.",
            "refused_reason": "Begründung des Dienstes: ",
            "cancelled_by_citizen": f"Ihr Termin am {summary} ist wie gewünscht "
            "abgesagt.",
            "cancelled_by_commune": f"Es tut uns leid: Wir müssen Ihren Termin am "
            f"{summary} absagen.",
            "cancel_reason": "Grund: ",
            "apology": "Bitte entschuldigen Sie die Unannehmlichkeiten.",
            "moved": "Ihr Termin wurde verschoben{% if appointment.previous_date %} "
            "(bisher: {{ appointment.previous_date }} um "
            "{{ appointment.previous_time }} Uhr){% endif %}. Der neue Termin:",
            "reassigned": "Ihr Termin wird von {{ agent.name }}"
            "{% if agent.title %} ({{ agent.title }}){% endif %} wahrgenommen. "
            "Sonst ändert sich nichts:",
            "reminder": "Wir erinnern Sie an Ihren Termin:",
            "reminder_after": "Wenn Sie nicht kommen können, sagen Sie den Termin "
            "bitte ab, damit er frei wird: {{ manage_url }}",
        },
        "en": {
            "booked": "Your appointment is booked:",
            "pending": "We have received your appointment request:",
            "pending_after": "An agent still has to confirm it: you will receive a "
            "second message as soon as they answer. Until then, this time is kept "
            "for you.",
            "confirmed": "Good news: your appointment request has been accepted.",
            "refused": f"We are sorry: your appointment request for {summary} "
            "could not be accepted.",
            "refused_reason": "Reason given by the service: ",
            "cancelled_by_citizen": f"Your appointment on {summary} is cancelled, "
            "as you asked.",
            "cancelled_by_commune": f"We are sorry: we have to cancel your "
            f"appointment on {summary}.",
            "cancel_reason": "Reason: ",
            "apology": "Please accept our apologies for the inconvenience.",
            "moved": "Your appointment has been moved{% if appointment.previous_date "
            "%} (it was planned on {{ appointment.previous_date }} at "
            "{{ appointment.previous_time }}){% endif %}. Here is the new time:",
            "reassigned": "Your appointment will be with {{ agent.name }}"
            "{% if agent.title %} ({{ agent.title }}){% endif %}. Nothing else "
            "changes:",
            "reminder": "This is a reminder of your appointment:",
            "reminder_after": "If you cannot come, please cancel the appointment so "
            "that someone else can have the time: {{ manage_url }}",
        },
    }[lang]
    info, manage = _INFORMATION[lang].strip("\n"), _MANAGE[lang]
    add, remove, again = _CALENDAR_ADD[lang], _CALENDAR_REMOVE[lang], _BOOK_AGAIN[lang]

    def reason_line(prefix: str) -> str:
        return (
            "{% if cancellation_reason %}"
            + prefix
            + "{{ cancellation_reason }}\n\n{% endif %}"
        )

    bodies = {
        Event.BOOKED: _citizen_mail(
            lang,
            _with_details(lang, text["booked"]) + info,
            manage + "\n" + add,
        ),
        Event.PENDING: _citizen_mail(
            lang,
            _with_details(lang, text["pending"]) + info,
            text["pending_after"],
            manage,
        ),
        Event.CONFIRMED: _citizen_mail(
            lang,
            _with_details(lang, text["confirmed"]) + info,
            manage + "\n" + add,
        ),
        Event.REFUSED: _citizen_mail(
            lang,
            text["refused"],
            reason_line(text["refused_reason"]) + again,
        ),
        Event.CANCELLED_BY_CITIZEN: _citizen_mail(
            lang, text["cancelled_by_citizen"], remove, again
        ),
        Event.CANCELLED_BY_COMMUNE: _citizen_mail(
            lang,
            text["cancelled_by_commune"],
            reason_line(text["cancel_reason"]) + text["apology"],
            again,
            remove,
        ),
        Event.MOVED: _citizen_mail(
            lang, _with_details(lang, text["moved"]), manage + "\n" + add
        ),
        Event.REASSIGNED: _citizen_mail(
            lang, _with_details(lang, text["reassigned"]), manage + "\n" + add
        ),
        Event.REMINDER: _citizen_mail(
            lang,
            _with_details(lang, text["reminder"]) + info,
            text["reminder_after"],
        ),
    }
    return {event: DefaultText(subjects[event], bodies[event]) for event in subjects}


# --- Agents' e-mails ------------------------------------------------------------


def _agent_emails(lang: str) -> dict[str, DefaultText]:
    details = _agent_details(lang).rstrip("\n")
    text = {
        "fr": {
            "new_subject": "Nouveau rendez-vous : {{ appointment.date }} à "
            "{{ appointment.time }} – {{ citizen.full_name }}",
            "new": "Un rendez-vous a été ajouté à votre agenda"
            "{% if appointment.is_pending %} ; il attend votre confirmation"
            "{% endif %} :",
            "answer": "Confirmer ou refuser cette demande : {{ answer_url }}\n"
            "Toutes les demandes à traiter : {{ inbox_url }}",
            "open": "Voir le rendez-vous : {{ admin_url }}",
            "cancelled_subject": "Rendez-vous annulé : {{ appointment.date }} à "
            "{{ appointment.time }} – {{ citizen.full_name }}",
            "cancelled": "Le rendez-vous suivant est annulé"
            "{% if appointment.cancelled_by_citizen %} par le citoyen{% endif %} :",
            "reason": "Raison : ",
            "freed": "Ce moment est de nouveau libre dans votre agenda.",
            "list_subject": "Vos rendez-vous du {{ day }}",
            "list": "Voici vos rendez-vous du {{ day }} :",
            "awaiting": "à confirmer",
            "total": "{{ appointments|length }} rendez-vous au total.",
            "agenda": "Votre agenda : {{ agenda_url }}",
        },
        "nl": {
            "new_subject": "Nieuwe afspraak: {{ appointment.date }} om "
            "{{ appointment.time }} – {{ citizen.full_name }}",
            "new": "Er is een afspraak aan uw agenda toegevoegd"
            "{% if appointment.is_pending %}; ze wacht op uw bevestiging"
            "{% endif %}:",
            "answer": "Deze aanvraag bevestigen of weigeren: {{ answer_url }}\n"
            "Alle te behandelen aanvragen: {{ inbox_url }}",
            "open": "De afspraak bekijken: {{ admin_url }}",
            "cancelled_subject": "Afspraak geannuleerd: {{ appointment.date }} om "
            "{{ appointment.time }} – {{ citizen.full_name }}",
            "cancelled": "De volgende afspraak is geannuleerd"
            "{% if appointment.cancelled_by_citizen %} door de burger{% endif %}:",
            "reason": "Reden: ",
            "freed": "Dit tijdstip is opnieuw vrij in uw agenda.",
            "list_subject": "Uw afspraken van {{ day }}",
            "list": "Dit zijn uw afspraken van {{ day }}:",
            "awaiting": "te bevestigen",
            "total": "In totaal {{ appointments|length }} "
            "{{ appointments|length|pluralize:'afspraak,afspraken' }}.",
            "agenda": "Uw agenda: {{ agenda_url }}",
        },
        "de": {
            "new_subject": "Neuer Termin: {{ appointment.date }} um "
            "{{ appointment.time }} Uhr – {{ citizen.full_name }}",
            "new": "Ein Termin wurde in Ihren Kalender eingetragen"
            "{% if appointment.is_pending %}; er wartet auf Ihre Bestätigung"
            "{% endif %}:",
            "answer": "Diese Anfrage bestätigen oder ablehnen: {{ answer_url }}\n"
            "Alle offenen Anfragen: {{ inbox_url }}",
            "open": "Termin ansehen: {{ admin_url }}",
            "cancelled_subject": "Termin abgesagt: {{ appointment.date }} um "
            "{{ appointment.time }} Uhr – {{ citizen.full_name }}",
            "cancelled": "Der folgende Termin ist abgesagt"
            "{% if appointment.cancelled_by_citizen %} (vom Bürger){% endif %}:",
            "reason": "Grund: ",
            "freed": "Diese Zeit ist in Ihrem Kalender wieder frei.",
            "list_subject": "Ihre Termine am {{ day }}",
            "list": "Ihre Termine am {{ day }}:",
            "awaiting": "zu bestätigen",
            "total": "Insgesamt {{ appointments|length }} "
            "Termin{{ appointments|length|pluralize:',e' }}.",
            "agenda": "Ihr Kalender: {{ agenda_url }}",
        },
        "en": {
            "new_subject": "New appointment: {{ appointment.date }} at "
            "{{ appointment.time }} – {{ citizen.full_name }}",
            "new": "An appointment has been added to your agenda"
            "{% if appointment.is_pending %}; it awaits your confirmation"
            "{% endif %}:",
            "answer": "Confirm or refuse this request: {{ answer_url }}\n"
            "All the requests to answer: {{ inbox_url }}",
            "open": "See the appointment: {{ admin_url }}",
            "cancelled_subject": "Appointment cancelled: {{ appointment.date }} at "
            "{{ appointment.time }} – {{ citizen.full_name }}",
            "cancelled": "The following appointment is cancelled"
            "{% if appointment.cancelled_by_citizen %} by the citizen{% endif %}:",
            "reason": "Reason: ",
            "freed": "This time is free again in your agenda.",
            "list_subject": "Your appointments on {{ day }}",
            "list": "Here are your appointments on {{ day }}:",
            "awaiting": "to confirm",
            "total": "{{ appointments|length }} "
            "appointment{{ appointments|length|pluralize }} in all.",
            "agenda": "Your agenda: {{ agenda_url }}",
        },
    }[lang]
    remarks = _LABELS[lang]["remarks"] + _LABELS[lang]["colon"]
    day_list = (
        text["list"] + "\n\n{% for item in appointments %}"
        "  {{ item.time }}–{{ item.end_time }}  {{ item.citizen }} – {{ item.reason }}"
        " ({{ item.service }})"
        f"{{% if item.is_pending %}} – {text['awaiting']}{{% endif %}}\n"
        f"{{% if item.remarks %}}      {remarks} {{{{ item.remarks }}}}\n{{% endif %}}"
        "{% endfor %}\n" + text["total"]
    )
    return {
        Event.AGENT_NEW: DefaultText(
            text["new_subject"],
            _agent_mail(
                lang,
                text["new"] + "\n\n" + details,
                "{% if appointment.is_pending %}"
                + text["answer"]
                + "{% else %}"
                + text["open"]
                + "{% endif %}",
            ),
        ),
        Event.AGENT_CANCELLED: DefaultText(
            text["cancelled_subject"],
            _agent_mail(
                lang,
                text["cancelled"]
                + "\n\n"
                + details
                + "\n{% if cancellation_reason %}  "
                + text["reason"]
                + "{{ cancellation_reason }}\n{% endif %}",
                text["freed"],
            ),
        ),
        Event.AGENT_DAY_LIST: DefaultText(
            text["list_subject"],
            _agent_mail(lang, day_list, text["agenda"]),
        ),
    }


# --- SMS ------------------------------------------------------------------------

_SMS = {
    "fr": {
        Event.BOOKED: (
            "{{ commune.name }}: RDV confirmé le {{ appointment.short_date }} à "
            "{{ appointment.time }} ({{ service.name }}). Voir, déplacer, annuler: "
            "{{ manage_url }}"
        ),
        Event.PENDING: (
            "{{ commune.name }}: demande de RDV le {{ appointment.short_date }} à "
            "{{ appointment.time }} ({{ service.name }}), à confirmer par un agent. "
            "{{ manage_url }}"
        ),
        Event.CONFIRMED: (
            "{{ commune.name }}: demande acceptée: RDV le "
            "{{ appointment.short_date }} à {{ appointment.time }} "
            "({{ service.name }}). Déplacer, annuler: {{ manage_url }}"
        ),
        Event.REFUSED: (
            "{{ commune.name }}: votre demande de RDV du "
            "{{ appointment.short_date }} à {{ appointment.time }} n'a pas été "
            "acceptée.{% if cancellation_reason %} Motif: "
            "{{ cancellation_reason|truncatechars:100 }}{% endif %} Autre moment: "
            "{{ booking_url }}"
        ),
        Event.CANCELLED_BY_CITIZEN: (
            "{{ commune.name }}: votre RDV du {{ appointment.short_date }} à "
            "{{ appointment.time }} ({{ service.name }}) est annulé, comme demandé."
        ),
        Event.CANCELLED_BY_COMMUNE: (
            "{{ commune.name }}: nous devons annuler votre RDV du "
            "{{ appointment.short_date }} à {{ appointment.time }} "
            "({{ service.name }}).{% if cancellation_reason %} Raison: "
            "{{ cancellation_reason|truncatechars:100 }}.{% endif %} Veuillez nous "
            "excuser. Autre moment: {{ booking_url }}"
        ),
        Event.MOVED: (
            "{{ commune.name }}: votre RDV est déplacé au "
            "{{ appointment.short_date }} à {{ appointment.time }} "
            "({{ service.name }}). {{ manage_url }}"
        ),
        Event.REASSIGNED: (
            "{{ commune.name }}: votre RDV du {{ appointment.short_date }} à "
            "{{ appointment.time }} ({{ service.name }}) aura lieu avec un autre "
            "agent. {{ manage_url }}"
        ),
        Event.REMINDER: (
            "{{ commune.name }}: rappel de votre RDV le {{ appointment.short_date }} "
            "à {{ appointment.time }} ({{ service.name }}). Indisponible? Annulez: "
            "{{ manage_url }}"
        ),
        Event.AGENT_NEW: (
            "Nouveau RDV le {{ appointment.date }} à {{ appointment.time }}: "
            "{{ citizen.full_name }}, "
            "{{ reason.name }}{% if appointment.is_pending %} (à "
            "confirmer){% endif %}."
        ),
        Event.AGENT_CANCELLED: (
            "RDV annulé le {{ appointment.date }} à {{ appointment.time }}: "
            "{{ citizen.full_name }}, {{ reason.name }}."
        ),
        Event.AGENT_DAY_LIST: (
            "Vos RDV du {{ day }}: {{ appointments|length }}, le premier à "
            "{{ appointments.0.time }}."
        ),
    },
    "nl": {
        Event.BOOKED: (
            "{{ commune.name }}: afspraak bevestigd op {{ appointment.short_date }} "
            "om {{ appointment.time }} ({{ service.name }}). Wijzigen/annuleren: "
            "{{ manage_url }}"
        ),
        Event.PENDING: (
            "{{ commune.name }}: aanvraag voor {{ appointment.short_date }} om "
            "{{ appointment.time }} ({{ service.name }}) ontvangen, nog te "
            "bevestigen. {{ manage_url }}"
        ),
        Event.CONFIRMED: (
            "{{ commune.name }}: aanvraag aanvaard: {{ appointment.short_date }} om "
            "{{ appointment.time }} ({{ service.name }}). Wijzigen/annuleren: "
            "{{ manage_url }}"
        ),
        Event.REFUSED: (
            "{{ commune.name }}: uw aanvraag voor {{ appointment.short_date }} om "
            "{{ appointment.time }} kon niet worden "
            "aanvaard.{% if cancellation_reason %} Reden: "
            "{{ cancellation_reason|truncatechars:100 }}{% endif %} Ander tijdstip: "
            "{{ booking_url }}"
        ),
        Event.CANCELLED_BY_CITIZEN: (
            "{{ commune.name }}: uw afspraak op {{ appointment.short_date }} om "
            "{{ appointment.time }} ({{ service.name }}) is geannuleerd, zoals "
            "gevraagd."
        ),
        Event.CANCELLED_BY_COMMUNE: (
            "{{ commune.name }}: wij moeten uw afspraak op "
            "{{ appointment.short_date }} om {{ appointment.time }} "
            "({{ service.name }}) annuleren.{% if cancellation_reason %} Reden: "
            "{{ cancellation_reason|truncatechars:100 }}.{% endif %} Onze excuses. "
            "Ander tijdstip: {{ booking_url }}"
        ),
        Event.MOVED: (
            "{{ commune.name }}: uw afspraak is verplaatst naar "
            "{{ appointment.short_date }} om {{ appointment.time }} "
            "({{ service.name }}). {{ manage_url }}"
        ),
        Event.REASSIGNED: (
            "{{ commune.name }}: andere medewerker voor uw afspraak op "
            "{{ appointment.short_date }} om {{ appointment.time }} "
            "({{ service.name }}). {{ manage_url }}"
        ),
        Event.REMINDER: (
            "{{ commune.name }}: herinnering: {{ appointment.short_date }} om "
            "{{ appointment.time }} ({{ service.name }}). Verhinderd? Annuleer: "
            "{{ manage_url }}"
        ),
        Event.AGENT_NEW: (
            "Nieuwe afspraak op {{ appointment.date }} om {{ appointment.time }}: "
            "{{ citizen.full_name }}, "
            "{{ reason.name }}{% if appointment.is_pending %} (te "
            "bevestigen){% endif %}."
        ),
        Event.AGENT_CANCELLED: (
            "Afspraak geannuleerd op {{ appointment.date }} om "
            "{{ appointment.time }}: {{ citizen.full_name }}, {{ reason.name }}."
        ),
        Event.AGENT_DAY_LIST: (
            "Uw afspraken van {{ day }}: {{ appointments|length }}, de eerste om "
            "{{ appointments.0.time }}."
        ),
    },
    "de": {
        Event.BOOKED: (
            "{{ commune.name }}: Termin am {{ appointment.short_date }} um "
            "{{ appointment.time }} Uhr ({{ service.name }}) bestätigt. Ändern oder "
            "absagen: {{ manage_url }}"
        ),
        Event.PENDING: (
            "{{ commune.name }}: Terminanfrage für {{ appointment.short_date }} um "
            "{{ appointment.time }} Uhr ({{ service.name }}) erhalten, wird noch "
            "bestätigt. {{ manage_url }}"
        ),
        Event.CONFIRMED: (
            "{{ commune.name }}: Anfrage angenommen: {{ appointment.short_date }} um "
            "{{ appointment.time }} Uhr ({{ service.name }}). Ändern oder absagen: "
            "{{ manage_url }}"
        ),
        Event.REFUSED: (
            "{{ commune.name }}: Ihre Terminanfrage für {{ appointment.short_date }} "
            "um {{ appointment.time }} Uhr konnte nicht angenommen "
            "werden.{% if cancellation_reason %} Grund: "
            "{{ cancellation_reason|truncatechars:100 }}{% endif %} Anderer Termin: "
            "{{ booking_url }}"
        ),
        Event.CANCELLED_BY_CITIZEN: (
            "{{ commune.name }}: Ihr Termin am {{ appointment.short_date }} um "
            "{{ appointment.time }} Uhr ({{ service.name }}) ist abgesagt, wie "
            "gewünscht."
        ),
        Event.CANCELLED_BY_COMMUNE: (
            "{{ commune.name }}: wir müssen Ihren Termin am "
            "{{ appointment.short_date }} um {{ appointment.time }} Uhr "
            "({{ service.name }}) absagen.{% if cancellation_reason %} Grund: "
            "{{ cancellation_reason|truncatechars:100 }}.{% endif %} Entschuldigung. "
            "Anderer Termin: {{ booking_url }}"
        ),
        Event.MOVED: (
            "{{ commune.name }}: Ihr Termin ist verschoben auf "
            "{{ appointment.short_date }} um {{ appointment.time }} Uhr "
            "({{ service.name }}). {{ manage_url }}"
        ),
        Event.REASSIGNED: (
            "{{ commune.name }}: anderer Mitarbeiter für Ihren Termin am "
            "{{ appointment.short_date }} um {{ appointment.time }} Uhr "
            "({{ service.name }}). {{ manage_url }}"
        ),
        Event.REMINDER: (
            "{{ commune.name }}: Erinnerung: Termin am {{ appointment.short_date }} "
            "um {{ appointment.time }} Uhr ({{ service.name }}). Verhindert? "
            "Absagen: {{ manage_url }}"
        ),
        Event.AGENT_NEW: (
            "Neuer Termin am {{ appointment.date }} um {{ appointment.time }} Uhr: "
            "{{ citizen.full_name }}, "
            "{{ reason.name }}{% if appointment.is_pending %} (zu "
            "bestätigen){% endif %}."
        ),
        Event.AGENT_CANCELLED: (
            "Termin abgesagt am {{ appointment.date }} um {{ appointment.time }} "
            "Uhr: {{ citizen.full_name }}, {{ reason.name }}."
        ),
        Event.AGENT_DAY_LIST: (
            "Ihre Termine am {{ day }}: {{ appointments|length }}, der erste um "
            "{{ appointments.0.time }} Uhr."
        ),
    },
    "en": {
        Event.BOOKED: (
            "{{ commune.name }}: booked for {{ appointment.short_date }} at "
            "{{ appointment.time }} ({{ service.name }}). Change or cancel: "
            "{{ manage_url }}"
        ),
        Event.PENDING: (
            "{{ commune.name }}: request for {{ appointment.short_date }} at "
            "{{ appointment.time }} ({{ service.name }}) received, an agent will "
            "confirm it. {{ manage_url }}"
        ),
        Event.CONFIRMED: (
            "{{ commune.name }}: request accepted: {{ appointment.short_date }} at "
            "{{ appointment.time }} ({{ service.name }}). Change/cancel: "
            "{{ manage_url }}"
        ),
        Event.REFUSED: (
            "{{ commune.name }}: your appointment request for "
            "{{ appointment.short_date }} at {{ appointment.time }} could not be "
            "accepted.{% if cancellation_reason %} Reason: "
            "{{ cancellation_reason|truncatechars:100 }}{% endif %} Another time: "
            "{{ booking_url }}"
        ),
        Event.CANCELLED_BY_CITIZEN: (
            "{{ commune.name }}: your appointment on {{ appointment.short_date }} at "
            "{{ appointment.time }} ({{ service.name }}) is cancelled, as you asked."
        ),
        Event.CANCELLED_BY_COMMUNE: (
            "{{ commune.name }}: we have to cancel your appointment on "
            "{{ appointment.short_date }} at {{ appointment.time }} "
            "({{ service.name }}).{% if cancellation_reason %} Reason: "
            "{{ cancellation_reason|truncatechars:100 }}.{% endif %} We apologise. "
            "Another time: {{ booking_url }}"
        ),
        Event.MOVED: (
            "{{ commune.name }}: your appointment is moved to "
            "{{ appointment.short_date }} at {{ appointment.time }} "
            "({{ service.name }}). {{ manage_url }}"
        ),
        Event.REASSIGNED: (
            "{{ commune.name }}: another agent will see you on "
            "{{ appointment.short_date }} at {{ appointment.time }} "
            "({{ service.name }}). {{ manage_url }}"
        ),
        Event.REMINDER: (
            "{{ commune.name }}: reminder: {{ appointment.short_date }} at "
            "{{ appointment.time }} ({{ service.name }}). Cannot come? Cancel: "
            "{{ manage_url }}"
        ),
        Event.AGENT_NEW: (
            "New appointment on {{ appointment.date }} at {{ appointment.time }}: "
            "{{ citizen.full_name }}, "
            "{{ reason.name }}{% if appointment.is_pending %} (to "
            "confirm){% endif %}."
        ),
        Event.AGENT_CANCELLED: (
            "Appointment cancelled on {{ appointment.date }} at "
            "{{ appointment.time }}: {{ citizen.full_name }}, {{ reason.name }}."
        ),
        Event.AGENT_DAY_LIST: (
            "Your appointments on {{ day }}: {{ appointments|length }}, the first at "
            "{{ appointments.0.time }}."
        ),
    },
}


# --- An agent's new agenda feed address (issue 12) -------------------------------
# Sent when someone else replaced the agent's private feed address (an
# administrator, or the migration that replaced every address once).

_FEED_ADDRESS = {
    "fr": (
        "Nouvelle adresse de votre agenda",
        "L’adresse privée de votre agenda (votre abonnement à vos rendez-vous "
        "dans Outlook, Google Agenda ou votre téléphone) a été remplacée par "
        "mesure de sécurité. L’ancienne adresse ne fonctionne plus : dans votre "
        "application d’agenda, supprimez l’ancien abonnement et abonnez-vous à "
        "la nouvelle adresse :",
        "Gardez cette adresse pour vous : elle donne accès aux noms de vos "
        "rendez-vous. Vous pouvez la revoir et la renouveler ici : "
        "{{ feed_page_url }}",
        "Votre agenda a une nouvelle adresse: {{ feed_url }} L'ancienne ne "
        "fonctionne plus: abonnez-vous à nouveau.",
    ),
    "nl": (
        "Nieuw adres van uw agenda",
        "Het privéadres van uw agenda (uw abonnement op uw afspraken in "
        "Outlook, Google Agenda of uw telefoon) is om veiligheidsredenen "
        "vervangen. Het oude adres werkt niet meer: verwijder het oude "
        "abonnement in uw agenda-app en abonneer u op het nieuwe adres:",
        "Houd dit adres voor uzelf: het geeft toegang tot de namen in uw "
        "agenda. U kunt het hier opnieuw bekijken en vernieuwen: "
        "{{ feed_page_url }}",
        "Uw agenda heeft een nieuw adres: {{ feed_url }} Het oude werkt niet "
        "meer: abonneer u opnieuw.",
    ),
    "de": (
        "Neue Adresse Ihres Kalenders",
        "Die private Adresse Ihres Kalenders (Ihr Abonnement Ihrer Termine in "
        "Outlook, Google Kalender oder auf Ihrem Telefon) wurde aus "
        "Sicherheitsgründen ersetzt. Die alte Adresse funktioniert nicht mehr: "
        "Entfernen Sie das alte Abonnement in Ihrer Kalender-App und "
        "abonnieren Sie die neue Adresse:",
        "Behalten Sie diese Adresse für sich: Sie gibt Zugang zu den Namen in "
        "Ihrem Kalender. Hier können Sie sie wieder ansehen und erneuern: "
        "{{ feed_page_url }}",
        "Ihr Kalender hat eine neue Adresse: {{ feed_url }} Die alte "
        "funktioniert nicht mehr: bitte neu abonnieren.",
    ),
    "en": (
        "New address of your agenda feed",
        "The private address of your agenda (your subscription to your "
        "appointments in Outlook, Google Calendar or your phone) was replaced "
        "for security reasons. The old address no longer works: remove the old "
        "subscription from your calendar application and subscribe to the new "
        "address:",
        "Keep this address to yourself: it gives access to the names in your "
        "agenda. You can see it again and renew it here: {{ feed_page_url }}",
        "Your agenda has a new address: {{ feed_url }} The old one no longer "
        "works: please subscribe again.",
    ),
}


def _feed_address_texts(lang: str) -> tuple[DefaultText, DefaultText]:
    """The e-mail and the SMS that give an agent a new feed address."""
    subject, intro, keep, sms = _FEED_ADDRESS[lang]
    email = DefaultText(subject, _agent_mail(lang, intro, "{{ feed_url }}", keep))
    return email, DefaultText("", sms)


# --- A request nobody answered (issue 24, point 1) --------------------------------
# Sent to the service's managers when a request awaits confirmation longer than
# the service's request_escalation_hours.

_REQUEST_LATE = {
    "fr": (
        "Demande sans réponse depuis {{ request.age_hours }} h : "
        "{{ appointment.date }} – {{ citizen.full_name }}",
        "Cette demande de rendez-vous attend une confirmation depuis "
        "{{ request.age_hours }} heures :",
        "{% if request.decided_at %}Sans réponse, elle sera {{ request.decision }} "
        "automatiquement le {{ request.decided_at }}.\n{% endif %}"
        "Confirmer ou refuser : {{ inbox_url }}",
        "Demande sans réponse depuis {{ request.age_hours }} h : "
        "{{ appointment.date }} {{ appointment.time }}, {{ citizen.full_name }}. "
        "{{ inbox_url }}",
    ),
    "nl": (
        "Aanvraag al {{ request.age_hours }} u zonder antwoord: "
        "{{ appointment.date }} – {{ citizen.full_name }}",
        "Deze afspraakaanvraag wacht al {{ request.age_hours }} uur op bevestiging:",
        "{% if request.decided_at %}Zonder antwoord wordt ze op "
        "{{ request.decided_at }} automatisch {{ request.decision }}.\n{% endif %}"
        "Bevestigen of weigeren: {{ inbox_url }}",
        "Aanvraag al {{ request.age_hours }} u zonder antwoord: "
        "{{ appointment.date }} {{ appointment.time }}, {{ citizen.full_name }}. "
        "{{ inbox_url }}",
    ),
    "de": (
        "Anfrage seit {{ request.age_hours }} Std. unbeantwortet: "
        "{{ appointment.date }} – {{ citizen.full_name }}",
        "Diese Terminanfrage wartet seit {{ request.age_hours }} Stunden auf "
        "eine Bestätigung:",
        "{% if request.decided_at %}Ohne Antwort wird sie am "
        "{{ request.decided_at }} automatisch {{ request.decision }}.\n{% endif %}"
        "Bestätigen oder ablehnen: {{ inbox_url }}",
        "Anfrage seit {{ request.age_hours }} Std. unbeantwortet: "
        "{{ appointment.date }} {{ appointment.time }}, {{ citizen.full_name }}. "
        "{{ inbox_url }}",
    ),
    "en": (
        "Request unanswered for {{ request.age_hours }} h: "
        "{{ appointment.date }} – {{ citizen.full_name }}",
        "This appointment request has awaited confirmation for "
        "{{ request.age_hours }} hours:",
        "{% if request.decided_at %}Unanswered, it will be {{ request.decision }} "
        "automatically on {{ request.decided_at }}.\n{% endif %}"
        "Confirm or refuse: {{ inbox_url }}",
        "Request unanswered for {{ request.age_hours }} h: "
        "{{ appointment.date }} {{ appointment.time }}, {{ citizen.full_name }}. "
        "{{ inbox_url }}",
    ),
}


# The reason a citizen reads when a request nobody answered in time is refused
# automatically (the service's choice; issue 24, point 1).
AUTOMATIC_REFUSAL = {
    "fr": "Nous n’avons pas pu répondre à votre demande à temps.",
    "nl": "We konden uw aanvraag niet op tijd beantwoorden.",
    "de": "Wir konnten Ihre Anfrage nicht rechtzeitig beantworten.",
    "en": "We could not answer your request in time.",
}


def _request_late_texts(lang: str) -> tuple[DefaultText, DefaultText]:
    """The e-mail and the SMS that tell managers of an unanswered request."""
    subject, intro, after, sms = _REQUEST_LATE[lang]
    body = _agent_mail(lang, intro + "\n\n" + _agent_details(lang).rstrip("\n"), after)
    return DefaultText(subject, body), DefaultText("", sms)


# --- The administrators' SMS budget alert (issue 24, point 5) --------------------
# Sent once a month, when the SMS sent that month reach 80 % of the budget.

_SMS_BUDGET = {
    "fr": (
        "Budget SMS : {{ budget.percent }} % atteint en {{ budget.month }}",
        "Les SMS envoyés en {{ budget.month }} ont atteint {{ budget.percent }} % "
        "du budget mensuel : {{ budget.cost }} sur {{ budget.amount }} "
        "({{ budget.sms }} SMS, {{ budget.segments }} segments).",
        "Les SMS continuent de partir. Le détail par service et par message, "
        "et le budget : {{ sms_page_url }}\n"
        "Ce message n’est envoyé qu’une fois par mois.",
        "{{ commune.name }}: budget SMS à {{ budget.percent }} % en "
        "{{ budget.month }} ({{ budget.cost }} sur {{ budget.amount }}). "
        "{{ sms_page_url }}",
    ),
    "nl": (
        "Sms-budget: {{ budget.percent }} % bereikt in {{ budget.month }}",
        "De sms'en verstuurd in {{ budget.month }} hebben {{ budget.percent }} % "
        "van het maandbudget bereikt: {{ budget.cost }} van {{ budget.amount }} "
        "({{ budget.sms }} sms'en, {{ budget.segments }} segmenten).",
        "De sms'en worden verder verstuurd. Details per dienst en per bericht, "
        "en het budget: {{ sms_page_url }}\n"
        "Dit bericht wordt maar één keer per maand verstuurd.",
        "{{ commune.name }}: sms-budget op {{ budget.percent }} % in "
        "{{ budget.month }} ({{ budget.cost }} van {{ budget.amount }}). "
        "{{ sms_page_url }}",
    ),
    "de": (
        "SMS-Budget: {{ budget.percent }} % erreicht im {{ budget.month }}",
        "Die im {{ budget.month }} versandten SMS haben {{ budget.percent }} % "
        "des Monatsbudgets erreicht: {{ budget.cost }} von {{ budget.amount }} "
        "({{ budget.sms }} SMS, {{ budget.segments }} Segmente).",
        "Die SMS werden weiter versandt. Einzelheiten nach Dienst und "
        "Nachricht, und das Budget: {{ sms_page_url }}\n"
        "Diese Nachricht wird nur einmal im Monat versandt.",
        "{{ commune.name }}: SMS-Budget bei {{ budget.percent }} % im "
        "{{ budget.month }} ({{ budget.cost }} von {{ budget.amount }}). "
        "{{ sms_page_url }}",
    ),
    "en": (
        "SMS budget: {{ budget.percent }} % reached in {{ budget.month }}",
        "The SMS sent in {{ budget.month }} have reached {{ budget.percent }} % "
        "of the monthly budget: {{ budget.cost }} of {{ budget.amount }} "
        "({{ budget.sms }} SMS, {{ budget.segments }} segments).",
        "SMS are still sent. The details per service and per message, and the "
        "budget: {{ sms_page_url }}\n"
        "This message is sent only once a month.",
        "{{ commune.name }}: SMS budget at {{ budget.percent }} % in "
        "{{ budget.month }} ({{ budget.cost }} of {{ budget.amount }}). "
        "{{ sms_page_url }}",
    ),
}


def _sms_budget_texts(lang: str) -> tuple[DefaultText, DefaultText]:
    """The e-mail and the SMS that tell the administrators of the SMS budget."""
    subject, intro, after, sms = _SMS_BUDGET[lang]
    return DefaultText(subject, _agent_mail(lang, intro, after)), DefaultText("", sms)


# --- An earlier time offered (issue 25, point 2) ----------------------------------
# Sent to a citizen on the waiting list when an earlier time frees up: the link
# shows both times, with Accept and Decline; the time is held until offer.until.

_EARLIER_OFFERED = {
    "fr": (
        "Un moment plus tôt est libre : {{ offer.date }} à {{ offer.time }}",
        "Un moment plus tôt s’est libéré pour votre rendez-vous "
        "({{ service.name }}, {{ reason.name }}) :\n\n"
        "  Moment proposé : {{ offer.date }} à {{ offer.time }}\n"
        "  Votre rendez-vous actuel : {{ appointment.date }} à {{ appointment.time }}",
        "Nous le gardons pour vous jusqu’à {{ offer.until }}. Pour le prendre ou "
        "le refuser : {{ offer.url }}\n"
        "Sans réponse, votre rendez-vous reste tel quel et ce moment est proposé "
        "à quelqu’un d’autre.",
        "{{ commune.name }}: un RDV plus proche est libre le "
        "{{ offer.short_date }} à {{ offer.time }}, gardé jusqu'à {{ offer.until }}: "
        "{{ offer.url }}",
    ),
    "nl": (
        "Een vroeger tijdstip is vrij: {{ offer.date }} om {{ offer.time }}",
        "Er is een vroeger tijdstip vrijgekomen voor uw afspraak "
        "({{ service.name }}, {{ reason.name }}):\n\n"
        "  Voorgesteld tijdstip: {{ offer.date }} om {{ offer.time }}\n"
        "  Uw huidige afspraak: {{ appointment.date }} om {{ appointment.time }}",
        "We houden het voor u vrij tot {{ offer.until }}. Aannemen of weigeren: "
        "{{ offer.url }}\n"
        "Zonder antwoord blijft uw afspraak zoals ze is en wordt dit tijdstip "
        "aan iemand anders voorgesteld.",
        "{{ commune.name }}: vroeger tijdstip vrij op {{ offer.short_date }} om "
        "{{ offer.time }}, vrijgehouden tot {{ offer.until }}: {{ offer.url }}",
    ),
    "de": (
        "Ein früherer Termin ist frei: {{ offer.date }} um {{ offer.time }} Uhr",
        "Für Ihren Termin ({{ service.name }}, {{ reason.name }}) ist ein "
        "früherer Zeitpunkt frei geworden:\n\n"
        "  Vorgeschlagen: {{ offer.date }} um {{ offer.time }} Uhr\n"
        "  Ihr jetziger Termin: {{ appointment.date }} um {{ appointment.time }} Uhr",
        "Wir halten ihn bis {{ offer.until }} Uhr für Sie frei. Annehmen oder "
        "ablehnen: {{ offer.url }}\n"
        "Ohne Antwort bleibt Ihr Termin unverändert und dieser Zeitpunkt wird "
        "jemand anderem angeboten.",
        "{{ commune.name }}: früherer Termin frei am {{ offer.short_date }} um "
        "{{ offer.time }}, für Sie bis {{ offer.until }}: {{ offer.url }}",
    ),
    "en": (
        "An earlier time is free: {{ offer.date }} at {{ offer.time }}",
        "An earlier time has freed up for your appointment "
        "({{ service.name }}, {{ reason.name }}):\n\n"
        "  Time offered: {{ offer.date }} at {{ offer.time }}\n"
        "  Your current appointment: {{ appointment.date }} at {{ appointment.time }}",
        "We keep it for you until {{ offer.until }}. To take it or decline it: "
        "{{ offer.url }}\n"
        "Without an answer, your appointment stays as it is and this time is "
        "offered to someone else.",
        "{{ commune.name }}: earlier time free on {{ offer.short_date }} at "
        "{{ offer.time }}, held for you until {{ offer.until }}: {{ offer.url }}",
    ),
}


def _earlier_offered_texts(lang: str) -> tuple[DefaultText, DefaultText]:
    """The e-mail and the SMS that offer a citizen an earlier time."""
    subject, intro, after, sms = _EARLIER_OFFERED[lang]
    return DefaultText(subject, _citizen_mail(lang, intro, after)), DefaultText("", sms)


def _build() -> dict[tuple[str, str, str], DefaultText]:
    texts: dict[tuple[str, str, str], DefaultText] = {}
    for language in ("fr", "nl", "de", "en"):
        emails = {**_citizen_emails(language), **_agent_emails(language)}
        for event, text in emails.items():
            texts[(str(event), Channel.EMAIL.value, language)] = text
        for event, body in _SMS[language].items():
            texts[(str(event), Channel.SMS.value, language)] = DefaultText("", body)
        email, sms = _feed_address_texts(language)
        feed_address = str(Event.AGENT_FEED_ADDRESS)
        texts[(feed_address, Channel.EMAIL.value, language)] = email
        texts[(feed_address, Channel.SMS.value, language)] = sms
        email, sms = _request_late_texts(language)
        request_late = str(Event.AGENT_REQUEST_LATE)
        texts[(request_late, Channel.EMAIL.value, language)] = email
        texts[(request_late, Channel.SMS.value, language)] = sms
        email, sms = _earlier_offered_texts(language)
        earlier = str(Event.EARLIER_OFFERED)
        texts[(earlier, Channel.EMAIL.value, language)] = email
        texts[(earlier, Channel.SMS.value, language)] = sms
        email, sms = _sms_budget_texts(language)
        sms_budget = str(Event.ADMIN_SMS_BUDGET)
        texts[(sms_budget, Channel.EMAIL.value, language)] = email
        texts[(sms_budget, Channel.SMS.value, language)] = sms
    return texts


# (event, channel, language) -> the shipped text.
DEFAULT_TEMPLATES: dict[tuple[str, str, str], DefaultText] = _build()

# Event -> ChannelRule.channels as shipped (R9: confirmations by e-mail and
# SMS; R16: a cancellation by the commune by both; agents by e-mail).
DEFAULT_CHANNELS: dict[str, str] = {
    Event.BOOKED: "both",
    Event.PENDING: "both",
    Event.CONFIRMED: "both",
    Event.REFUSED: "both",
    Event.CANCELLED_BY_CITIZEN: "email",
    Event.CANCELLED_BY_COMMUNE: "both",
    Event.MOVED: "both",
    Event.REASSIGNED: "email",
    Event.REMINDER: "both",
    Event.AGENT_NEW: "email",
    Event.AGENT_CANCELLED: "email",
    Event.AGENT_DAY_LIST: "email",
    Event.AGENT_FEED_ADDRESS: "email",
    Event.AGENT_REQUEST_LATE: "email",
    Event.ADMIN_SMS_BUDGET: "email",
    Event.EARLIER_OFFERED: "both",
}


def install_defaults(template_model, rule_model, settings_model=None) -> None:
    """Create the shipped templates and channel rules that do not exist yet.

    Takes the models as arguments so that the data migration can pass its
    historical models; never overwrites a text the commune has edited.
    """
    existing = set(template_model.objects.values_list("event", "channel", "language"))
    template_model.objects.bulk_create(
        template_model(
            event=event,
            channel=channel,
            language=language,
            subject=text.subject,
            body=text.body,
        )
        for (event, channel, language), text in DEFAULT_TEMPLATES.items()
        if (event, channel, language) not in existing
    )
    for event, channels in DEFAULT_CHANNELS.items():
        rule_model.objects.get_or_create(event=event, defaults={"channels": channels})
    if settings_model is not None:
        settings_model.objects.get_or_create(pk=1)
