"""Rendering message templates in a sandbox, with a documented context.

Templates are data edited in the admin, so they never see a model instance:
the context is built here from plain dictionaries and strings, and rendered by
a separate ``django.template.Engine`` whose only tags and filters are those of
``messaging/template_library.py`` (no ``load``, hence no custom tag that could
query the database). Two engines: one with autoescape for the HTML version of
e-mails, one without for plain text (e-mail text and SMS).

The context (``CONTEXT_HELP`` lists it for the template editor):

- ``citizen``: ``first_name``, ``last_name``, ``full_name``, ``phone``
- ``appointment``: ``date`` (written out in the message's language),
  ``short_date`` (weekday and day/month, "mer 15/09": SMS), ``time``,
  ``end_time``, ``start`` and ``end`` (aware datetimes, for the ``date``
  filter), ``duration`` (minutes), ``number``, ``remarks``, ``with_team``
  (booked with the service rather than a person), ``is_pending``,
  ``previous_date`` and ``previous_time`` (moves), ``cancelled_by_citizen``
- ``service``: ``name``, ``address`` (one line), ``phone``, ``email``
- ``site``: where the citizen is received (issue 25, point 4): ``name``,
  ``address`` (one line), ``information`` (how to get there); without a site,
  the service's address and no name
- ``agent``: ``name``, ``title``
- ``reason``: ``name``, ``duration``, ``information`` (the reason's
  "information added to the confirmation", R11)
- ``cancellation_reason``: the words of the agent who refused or cancelled
- ``reference``: the booking reference, as printed ("K7MP-4QX2"): not secret,
  it opens nothing; staff find the appointment by it at the desk
- ``manage_url``: the citizen's personal link (R13), short (``/r/<code>``) and
  lasting: a move keeps it (issue 20); ``booking_url``: the public booking
  module's times for the same service and reason, to book again
- ``commune``: ``name``, ``website``, ``email``, ``phone``
- agents' messages: ``recipient.name``, ``admin_url`` (the appointment in the
  admin), ``inbox_url`` (requests to answer), ``agenda_url``, ``answer_url``
  (a pending request: the agent's one-time page to confirm or refuse it
  without logging in, ``messaging/answer.py``; empty otherwise)
- the agent's list of the day: ``day`` and ``appointments``, each with
  ``time``, ``end_time``, ``citizen``, ``reason``, ``service``, ``site``,
  ``remarks``, ``is_pending``
- an agent's new agenda feed address: ``feed_url`` (the new private address),
  ``feed_page_url`` (the portal page that shows and renews it)
- an earlier time offered (issue 25, point 2): ``offer`` (``date``,
  ``short_date``, ``time``: the time offered; ``until``: when the offer
  expires, as 14:30; ``url``: the offer's short link, to accept or decline);
  ``appointment`` is the current one
- the administrators' SMS budget alert: ``budget`` (``month``, ``percent``,
  ``sms``, ``segments``, ``cost``, ``amount``: the budget) and
  ``sms_page_url``
"""

import logging
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import cache, wraps

from django.conf import settings
from django.template import Context, Engine
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone, translation
from django.utils.html import format_html, linebreaks, urlize
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from booking.models import Appointment
from core.colours import BLACK, WHITE, contrast_ratio
from core.models import Commune

from .models import Channel
from .sms import gsm7_friendly

logger = logging.getLogger(__name__)

# How dates are written out in each language ("mardi 5 janvier 2027").
DATE_FORMATS = {"de": "l, j. F Y"}
DEFAULT_DATE_FORMAT = "l j F Y"


class SandboxedEngine(Engine):
    """An engine that knows only the library of ``messaging.template_library``."""

    default_builtins: list[str] = []  # overrides Engine's


@cache
def engine(*, autoescape: bool) -> Engine:
    return SandboxedEngine(
        dirs=[],
        app_dirs=False,
        loaders=[],
        libraries={},
        builtins=["messaging.template_library"],
        autoescape=autoescape,
        debug=False,
        string_if_invalid="",
    )


def compile_template(source: str, *, html: bool = False):
    """Compile ``source``; raises ``TemplateSyntaxError`` when it is not valid."""
    return engine(autoescape=html).from_string(source)


def render_source(source: str, context: dict, *, html: bool = False) -> str:
    # A Context escapes unless told otherwise, whatever its engine says.
    return compile_template(source, html=html).render(Context(context, autoescape=html))


@dataclass(frozen=True)
class Texts:
    """The three texts of a template, before rendering."""

    subject: str
    body: str
    html_body: str = ""


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str
    html_body: str


def _tidy(text: str) -> str:
    """Blank lines left by ``{% if %}`` blocks: at most one in a row."""
    lines = [line if line.strip() else "" for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines))


# The Content-ID of a confirmation e-mail's QR code, attached when sent.
REFERENCE_QR_CID = "booking-reference-qr"


def _button_colours() -> tuple[str, str]:
    """The e-mail button's background (the commune's primary colour) and the
    text that reads best on it (black or white)."""
    background = Commune.objects.get_solo().primary_colour or "#1d4ed8"
    try:
        on_white = contrast_ratio(background, WHITE)
        on_black = contrast_ratio(background, BLACK)
    except ValueError:
        return "#1d4ed8", WHITE
    return background, WHITE if on_white >= on_black else BLACK


def email_html_text(
    body: str, buttons: dict[str, str], *, unbroken: str = ""
) -> SafeString:
    """The e-mail's text as HTML paragraphs (issue 20, point 5).

    A link listed in ``buttons`` (the personal link) becomes a button with the
    label given, so that no address stretches a phone's screen; the other
    links stay links, and the e-mail's layout lets them wrap. ``unbroken`` (the
    booking reference, "K7MP-4QX2") is never split across two lines.
    """
    links = sorted((url for url in buttons if url), key=len, reverse=True)
    pieces = [re.escape(piece) for piece in [*links, unbroken] if piece]
    parts = re.split("(" + "|".join(pieces) + ")", body) if pieces else [body]
    background, colour = _button_colours() if links else ("", "")
    html = []
    for part in parts:
        if unbroken and part == unbroken:
            html.append(format_html('<span style="white-space:nowrap">{}</span>', part))
        elif part in buttons:
            html.append(
                format_html(
                    '<a href="{}" style="display:inline-block;margin:8px 0;'
                    "padding:12px 20px;border-radius:6px;background:{};color:{};"
                    'font-weight:bold;text-decoration:none;">{}</a>',
                    part,
                    background,
                    colour,
                    buttons[part],
                )
            )
        else:
            html.append(urlize(part, autoescape=True))
    return mark_safe(linebreaks(mark_safe("".join(html))))  # noqa: S308 (escaped above)


def render_texts(
    texts: Texts,
    *,
    channel: str,
    context: dict,
    language: str,
    appendix: str = "",
    reference: str = "",
) -> Rendered:
    """Render ``texts`` in ``language``; e-mails get an HTML version too.

    ``appendix`` is added at the end of an e-mail's text unless the text holds
    it already (the reason's information on confirmations, R11); so is the
    booking ``reference`` (issue 22), whose QR code the HTML version shows.
    Raises the template's error (``TemplateSyntaxError`` and the like): the
    caller decides whether to fall back to the shipped text.
    """
    with translation.override(language):
        body = _tidy(render_source(texts.body, context))
        if reference and channel != Channel.SMS and reference not in body:
            line = _("Your booking reference: %(reference)s") % {"reference": reference}
            body = f"{body}\n\n{line}"
        if appendix and channel != Channel.SMS and appendix not in body:
            body = f"{body}\n\n{appendix}"
        if channel == Channel.SMS:
            # One line, in GSM-7's typography (issue 19, point 5).
            body = gsm7_friendly(" ".join(body.split()))
            return Rendered(subject="", body=body, html_body="")
        subject = " ".join(render_source(texts.subject, context).split())
        if texts.html_body.strip():
            html_body = render_source(texts.html_body, context, html=True)
        else:
            html_body = render_to_string(
                "messaging/email.html",
                {
                    "subject": subject,
                    "body": email_html_text(
                        body,
                        {context.get("manage_url", ""): _("Open my appointment")},
                        unbroken=reference,
                    ),
                    "commune": context.get("commune", {}),
                    "language": language,
                    "reference": reference,
                    "reference_qr_cid": REFERENCE_QR_CID,
                },
            )
    return Rendered(subject=subject, body=body, html_body=html_body)


# --- Context --------------------------------------------------------------------


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _reverse_or_empty(name: str, **kwargs) -> str:
    """An absolute URL, or "" while the page does not exist (a message still goes)."""
    try:
        return _absolute(reverse(name, **kwargs))
    except NoReverseMatch:
        logger.warning("no URL named %s for a message", name)
        return ""


def _manage_url(appointment: Appointment) -> str:
    from booking.links import manage_url

    try:
        return manage_url(appointment)
    except NoReverseMatch:
        logger.warning("booking:manage is not routed: message without its link")
        return ""


# Languages that write day and month names in lower case inside a sentence
# (the interface's catalogues may capitalise them for column headings).
LOWER_CASE_DATES = {"fr", "nl"}


def format_date(value: date | datetime, language: str) -> str:
    """``value`` written out as in a letter: "mardi 5 janvier 2027"."""
    with translation.override(language):
        text = formats.date_format(
            value, DATE_FORMATS.get(language, DEFAULT_DATE_FORMAT)
        )
    return text.lower() if language in LOWER_CASE_DATES else text


# The date as an SMS writes it (issue 20, point 5): "mer 15/09", "Mi 15.09.".
SHORT_DATE_FORMATS = {"de": "D d.m."}
DEFAULT_SHORT_DATE_FORMAT = "D d/m"


def format_short_date(value: date | datetime, language: str) -> str:
    """``value`` in a few characters, for SMS: weekday and day/month."""
    with translation.override(language):
        text = formats.date_format(
            value, SHORT_DATE_FORMATS.get(language, DEFAULT_SHORT_DATE_FORMAT)
        )
    return text.lower() if language in LOWER_CASE_DATES else text


def _one_line(text: str) -> str:
    return ", ".join(line.strip() for line in text.splitlines() if line.strip())


def commune_context() -> dict:
    commune = Commune.objects.get_solo()
    return {
        "name": commune.name,
        "website": commune.website_url,
        "email": commune.contact_email,
        "phone": commune.contact_phone,
    }


def _person(first_name: str, last_name: str, phone: str = "") -> dict:
    return {
        "first_name": first_name,
        "last_name": last_name,
        "full_name": f"{first_name} {last_name}".strip(),
        "phone": phone,
    }


def _agent_name(agent) -> str:
    return agent.user.get_full_name() or agent.user.get_username()


def in_language(function):
    """Build a context in its ``language`` keyword argument: what the commune
    typed (service, reason, commune texts; django-modeltranslation) is then
    read in that language, falling back to the commune's main one (issue 19).
    """

    @wraps(function)
    def build(*args, language: str, **kwargs):
        with translation.override(language):
            return function(*args, language=language, **kwargs)

    return build


@in_language
def appointment_context(
    appointment: Appointment,
    *,
    language: str,
    cancellation_reason: str = "",
    previous_start: datetime | None = None,
    cancelled_by_citizen: bool = False,
    recipient_name: str = "",
    answer_url: str = "",
) -> dict:
    """The documented context for one appointment, in ``language``: the
    service's and the reason's names and the reason's information too."""
    start = timezone.localtime(appointment.start)
    end = timezone.localtime(appointment.end)
    previous = timezone.localtime(previous_start) if previous_start else None
    citizen, service = appointment.citizen, appointment.service
    reason, agent = appointment.reason, appointment.agent
    phone = appointment.recipient_phone  # the number this booking gave
    return {
        "citizen": _person(
            citizen.first_name,
            citizen.last_name,
            phone.as_national if phone else "",
        ),
        "appointment": {
            "number": appointment.pk,
            "date": format_date(start, language),
            "short_date": format_short_date(start, language),
            "time": f"{start:%H:%M}",
            "end_time": f"{end:%H:%M}",
            "start": start,
            "end": end,
            "duration": int((end - start).total_seconds() // 60),
            "people": appointment.people,
            "remarks": appointment.remarks,
            "with_team": appointment.booked_for_service,
            "is_pending": appointment.status == Appointment.Status.PENDING,
            "previous_date": format_date(previous, language) if previous else "",
            "previous_time": f"{previous:%H:%M}" if previous else "",
            "cancelled_by_citizen": cancelled_by_citizen,
        },
        "service": {
            "name": service.name,
            "address": _one_line(service.address),
            "phone": service.phone,
            "email": service.email,
        },
        "site": site_context(appointment),
        "agent": {"name": _agent_name(agent), "title": agent.title},
        "reason": {
            "name": reason.name,
            "duration": reason.duration_minutes,
            "information": reason.message_information.strip(),
        },
        "cancellation_reason": cancellation_reason,
        "reference": appointment.reference_display,
        "manage_url": _manage_url(appointment),
        # To book again the same reason: its times at once (issue 20).
        "booking_url": _reverse_or_empty(
            "booking:reason_start",
            kwargs={"service": service.slug, "reason": reason.pk},
        ),
        "commune": commune_context(),
        "recipient": {"name": recipient_name},
        "admin_url": _reverse_or_empty(
            "admin:booking_appointment_change", args=[appointment.pk]
        ),
        "inbox_url": _reverse_or_empty("admin:messaging_inbox"),
        "agenda_url": _reverse_or_empty("admin:booking_appointment_changelist"),
        "answer_url": answer_url,
    }


def site_context(appointment: Appointment) -> dict:
    """Where the citizen is received: the appointment's site, else the
    service's address (an appointment of a service without sites)."""
    site = appointment.site
    if site is None:
        return {
            "name": "",
            "address": _one_line(appointment.service.address),
            "information": "",
        }
    return {
        "name": site.name,
        "address": _one_line(site.address),
        "information": site.information.strip(),
    }


def offer_url(token: str) -> str:
    """The absolute short link of an earlier-time offer (``/o/<token>``)."""
    return _reverse_or_empty("booking:offer", kwargs={"token": token})


@in_language
def offer_context(offer, *, language: str) -> dict:
    """The context of an earlier-time offer: the appointment's, and ``offer``."""
    context = appointment_context(offer.request.appointment, language=language)
    start = timezone.localtime(offer.start)
    context["offer"] = {
        "date": format_date(start, language),
        "short_date": format_short_date(start, language),
        "time": f"{start:%H:%M}",
        "until": f"{timezone.localtime(offer.expires_at):%H:%M}",
        "url": offer_url(offer.token),
    }
    return context


@in_language
def day_list_context(agent, day: date, appointments, *, language: str) -> dict:
    """The context of an agent's list of the day (``appointments`` in order)."""
    items = []
    for appointment in appointments:
        start = timezone.localtime(appointment.start)
        end = timezone.localtime(appointment.end)
        items.append(
            {
                "time": f"{start:%H:%M}",
                "end_time": f"{end:%H:%M}",
                "citizen": str(
                    f"{appointment.citizen.first_name} {appointment.citizen.last_name}"
                ),
                "reason": appointment.reason.name,
                "service": appointment.service.name,
                "people": appointment.people,
                "site": appointment.site.name if appointment.site_id else "",
                "remarks": appointment.remarks,
                "is_pending": appointment.status == Appointment.Status.PENDING,
            }
        )
    return {
        "day": format_date(day, language),
        "appointments": items,
        "recipient": {"name": _agent_name(agent)},
        "commune": commune_context(),
        "agenda_url": _reverse_or_empty("admin:booking_appointment_changelist"),
        "inbox_url": _reverse_or_empty("admin:messaging_inbox"),
    }


@in_language
def feed_address_context(agent, *, language: str) -> dict:
    """The context of the message that gives an agent a new feed address."""
    return {
        "recipient": {"name": _agent_name(agent)},
        "feed_url": _reverse_or_empty("agent_feed", kwargs={"token": agent.feed_token}),
        "feed_page_url": _reverse_or_empty("admin:portal_feed"),
        "commune": commune_context(),
    }


def format_month(value: date, language: str) -> str:
    """A month as in a letter: "décembre 2026", "December 2026"."""
    with translation.override(language):
        text = formats.date_format(value, "F Y")
    return text.lower() if language in LOWER_CASE_DATES else text


def _money(amount, language: str) -> str:
    """``amount`` in euros as the language writes it: "42,10 €", "€42.10"."""
    from babel.numbers import format_currency

    if amount is None:
        return ""
    return format_currency(amount, "EUR", locale=language)


@in_language
def sms_budget_context(budget, *, language: str, recipient_name: str = "") -> dict:
    """The context of the administrators' SMS budget alert (issue 24, point 5):
    ``budget`` is a ``messaging.selectors.SmsBudget``."""
    return {
        "recipient": {"name": recipient_name},
        "budget": {
            "month": format_month(budget.month, language),
            "percent": budget.percent,
            "sms": budget.sms,
            "segments": budget.segments,
            "cost": _money(budget.cost, language),
            "amount": _money(budget.budget, language),
        },
        "sms_page_url": _reverse_or_empty("admin:messaging_sms"),
        "commune": commune_context(),
    }


# --- The sample appointment of the template editor -------------------------------


def _sample_manage_url() -> str:
    """A link as long as a real one, so that SMS lengths are counted right."""
    from booking.link_codes import CODE_LENGTH

    try:
        return _absolute(reverse("booking:short_link", args=["x" * CODE_LENGTH]))
    except NoReverseMatch:
        return _absolute(f"/r/{'x' * CODE_LENGTH}")


def sample_context(language: str) -> dict:
    """A made-up appointment a week ahead, for previews and length checks.

    No row is read but the commune's: the preview never shows a real citizen.
    """
    from booking.link_codes import CODE_LENGTH

    with translation.override(language):
        day = timezone.localdate() + timedelta(days=7)
        start = datetime.combine(
            day, time(10, 30), tzinfo=timezone.get_current_timezone()
        )
        end = start + timedelta(minutes=15)
        previous = start - timedelta(days=2, hours=1)
        commune = commune_context()
        agenda_url = _reverse_or_empty("admin:booking_appointment_changelist")
        reason_name = _("Electronic identity card")
        return {
            "citizen": _person("Marie", "Dupont", "0470 12 34 56"),
            "appointment": {
                "number": 123456,
                "date": format_date(start, language),
                "short_date": format_short_date(start, language),
                "time": f"{start:%H:%M}",
                "end_time": f"{end:%H:%M}",
                "start": start,
                "end": end,
                "duration": 15,
                "people": 1,
                "remarks": _("I will come with my daughter."),
                "with_team": False,
                "is_pending": False,
                "previous_date": format_date(previous, language),
                "previous_time": f"{previous:%H:%M}",
                "cancelled_by_citizen": False,
            },
            "service": {
                "name": _("Population"),
                "address": "Place communale 1, 1000 Bruxelles",
                "phone": "02 123 45 67",
                "email": "population@commune.example",
            },
            "agent": {"name": "Jean Martin", "title": _("Desk officer")},
            "reason": {
                "name": reason_name,
                "duration": 15,
                "information": _(
                    "Bring your old card and a recent photo. Price: 25 euros."
                ),
            },
            "cancellation_reason": _("The agent is absent that day."),
            "reference": "K7MP-4QX2",
            "manage_url": _sample_manage_url(),
            "booking_url": _reverse_or_empty(
                "booking:reason_start",
                kwargs={"service": "population", "reason": 12},
            ),
            "commune": commune,
            "recipient": {"name": "Jean Martin"},
            "admin_url": _reverse_or_empty(
                "admin:booking_appointment_change", args=[123456]
            ),
            "inbox_url": _reverse_or_empty("admin:messaging_inbox"),
            "agenda_url": agenda_url,
            # As long as a real one, for lengths.
            "answer_url": _reverse_or_empty(
                "admin:messaging_answer",
                kwargs={"appointment_id": 123456, "token": "x" * 32},
            ),
            # As long as a real one (new_feed_token), for SMS lengths.
            "feed_url": _reverse_or_empty("agent_feed", kwargs={"token": "x" * 32}),
            "feed_page_url": _reverse_or_empty("admin:portal_feed"),
            "request": {
                "age_hours": 26,
                "decided_at": format_date(start, language) + f" {start:%H:%M}",
                "decision": _("refused"),
            },
            "budget": {
                "month": format_month(day, language),
                "percent": 81,
                "sms": 1234,
                "segments": 1480,
                "cost": _money(Decimal("103.60"), language),
                "amount": _money(Decimal("125"), language),
            },
            "sms_page_url": _reverse_or_empty("admin:messaging_sms"),
            "offer": {
                "date": format_date(previous, language),
                "short_date": format_short_date(previous, language),
                "time": f"{previous:%H:%M}",
                "until": "18:30",
                # As long as a real one, for SMS lengths.
                "url": offer_url("x" * CODE_LENGTH),
            },
            "day": format_date(day, language),
            "appointments": [
                {
                    "time": f"{start + timedelta(minutes=30 * index):%H:%M}",
                    "end_time": f"{end + timedelta(minutes=30 * index):%H:%M}",
                    "citizen": name,
                    "reason": reason_name,
                    "service": _("Population"),
                    "remarks": "",
                    "is_pending": index == 2,
                }
                for index, name in enumerate(
                    ["Marie Dupont", "Luc Peeters", "Anna Schmitz"]
                )
            ],
        }


CONTEXT_HELP = [
    ("citizen.first_name, citizen.last_name, citizen.full_name, citizen.phone", ""),
    (
        "appointment.date, appointment.time, appointment.end_time",
        gettext_lazy("date written out in the message's language; times as 14:30"),
    ),
    (
        "appointment.short_date",
        gettext_lazy("the date in a few characters, for SMS: Wed 15/09"),
    ),
    (
        "appointment.start, appointment.end",
        gettext_lazy('for the date filter: {{ appointment.start|date:"D j/m" }}'),
    ),
    (
        "appointment.duration, appointment.number, appointment.remarks",
        gettext_lazy("minutes; the appointment's number; the citizen's remarks"),
    ),
    (
        "appointment.people",
        gettext_lazy(
            "how many people come together (1 unless the visit reason allows more)"
        ),
    ),
    (
        "appointment.with_team, appointment.is_pending",
        gettext_lazy("booked with the service, not a person; awaiting confirmation"),
    ),
    (
        "appointment.previous_date, appointment.previous_time",
        gettext_lazy("the time before a move"),
    ),
    ("service.name, service.address, service.phone, service.email", ""),
    (
        "site.name, site.address, site.information",
        gettext_lazy("where the citizen is received; how to get there"),
    ),
    ("agent.name, agent.title", ""),
    (
        "reason.name, reason.duration, reason.information",
        gettext_lazy("the visit reason and its information for the confirmation"),
    ),
    (
        "cancellation_reason",
        gettext_lazy("why the request was refused or the appointment cancelled"),
    ),
    (
        "manage_url, booking_url",
        gettext_lazy(
            "the citizen's personal link (short, kept when the appointment "
            "moves); the booking module"
        ),
    ),
    ("commune.name, commune.website, commune.email, commune.phone", ""),
    (
        "recipient.name, admin_url, inbox_url, agenda_url",
        gettext_lazy("agents' messages"),
    ),
    (
        "answer_url",
        gettext_lazy(
            "a request awaiting the agent: the link that confirms or refuses it "
            "without logging in"
        ),
    ),
    (
        "day, appointments (time, end_time, citizen, reason, service, remarks, "
        "is_pending)",
        gettext_lazy("the agent's list of the day"),
    ),
    (
        "feed_url, feed_page_url",
        gettext_lazy("an agent's new agenda feed address; the page that shows it"),
    ),
    (
        "budget.month, budget.percent, budget.sms, budget.segments, budget.cost, "
        "budget.amount, sms_page_url",
        gettext_lazy(
            "the administrators' SMS budget alert: the month, the part of the "
            "budget spent, the SMS sent and their segments, their cost, the "
            "budget; the page that shows them"
        ),
    ),
    (
        "offer.date, offer.short_date, offer.time, offer.until, offer.url",
        gettext_lazy(
            "an earlier time offered: its date and time, until when it is held, "
            "the link that accepts or declines it"
        ),
    ),
    (
        "request.age_hours, request.decided_at, request.decision",
        gettext_lazy(
            "an unanswered request, to its managers: hours waited; when and how "
            "it will be decided automatically (empty when never)"
        ),
    ),
]
