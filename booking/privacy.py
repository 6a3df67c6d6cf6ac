"""Citizens' personal data under the GDPR: export, erasure and retention.

- ``citizen_export``: everything kept about one citizen, as JSON-ready data
  (right of access and portability). An administrator's export is complete;
  other staff export what they may see of the citizen (the appointments of
  their services, the details those services ask for), marked incomplete.
- ``citizen_erase``: the right to erasure, the administrators' job (see
  ``may_erase_citizen``). Upcoming appointments are cancelled first (through
  ``appointment_cancel``, so the agents' agendas and the citizen's messages
  follow), then the citizen is anonymised.
- ``privacy_sweep``: the daily retention job. Citizens with no appointment for
  ``CITIZEN_RETENTION_MONTHS`` are anonymised; history records, messages and
  login logs older than ``HISTORY_RETENTION_MONTHS`` are deleted, and the
  records of who looked older than ``ACCESS_LOG_RETENTION_MONTHS``. Idempotent.

Anonymising keeps the citizen's row and appointments (service, reason, agent,
status, times, channel), so statistics stay right, and removes what names a
person: names, e-mail, phone, national register number, date of birth,
address, the remarks and cancellation reasons typed on appointments, the
history records holding earlier values (which the admin could otherwise
restore) and the messages sent to him or her.

Messages live in the messaging app, which booking does not import (booking
comes first in the dependency order): the export, the anonymisation and the
sweep send signals (``booking.events``: ``citizen_data_requested``,
``citizens_anonymised``, ``retention_sweep``) that every app keeping personal
data of its own answers; messaging forgets the messages.
"""

import calendar
from collections.abc import Iterable
from datetime import datetime
from importlib import import_module

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.db.models import CharField, Exists, OuterRef, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from audit.services import access_records_delete_old
from core.errors import UserFacingError
from core.history import Actor, record_history
from core.roles import is_administrator
from staffing.scopes import visible_to

from . import events
from .models import Appointment, Citizen, EarlierTimeRequest
from .selectors import EXTRA_DETAILS, visible_citizen_details
from .services import (
    appointment_cancel,
    appointments_clear_contacts,
    appointments_clear_texts,
)

ANONYMISED_NAME = "Anonymised"
# Stored on the cancelled appointments, in the citizen's language.
ERASE_REASON = gettext_noop("Erased at the citizen's request")
_CHUNK = 500
_HISTORY_ACTIONS = {"+": "created", "~": "changed", "-": "deleted"}


class PrivacyError(UserFacingError):
    """A privacy action that cannot be done; ``message`` tells the user why."""


def months_before(moment: datetime, months: int) -> datetime:
    """The same local wall-clock time ``months`` calendar months earlier
    (the 31st becomes the month's last day)."""
    local = timezone.localtime(moment)
    year, month_index = divmod(local.year * 12 + local.month - 1 - months, 12)
    month = month_index + 1
    day = min(local.day, calendar.monthrange(year, month)[1])
    return local.replace(year=year, month=month, day=day)


def _chunks(ids: list[int]):
    for index in range(0, len(ids), _CHUNK):
        yield ids[index : index + _CHUNK]


# --- Who may ----------------------------------------------------------------------


def may_handle_citizen_data(user, citizen: Citizen) -> bool:
    """Whether ``user`` may export this citizen's data: staff who may look
    citizens up, for a citizen they see (``Citizen.objects.visible_to``)."""
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return False
    if not (is_administrator(user) or user.has_perm("booking.view_citizen")):
        return False
    return Citizen.objects.visible_to(user).filter(pk=citizen.pk).exists()


def may_erase_citizen(user, citizen: Citizen) -> bool:
    """Whether ``user`` may erase the citizen: administrators only.

    An erasure concerns the whole person, not one service: it cancels his or
    her upcoming appointments in every service and anonymises the past ones,
    the messages and the history everywhere. An agent or a manager sees only
    the appointments of his or her services, so could neither check what the
    erasure would cancel nor be allowed to cancel it; erasing only "their"
    part would leave the others' appointments without anyone to tell. The
    commune's administrator (its privacy contact) handles the request.
    """
    return is_administrator(user) and may_handle_citizen_data(user, citizen)


# --- Export -----------------------------------------------------------------------


def _when(moment):
    return timezone.localtime(moment).isoformat() if moment else None


def _history_row(record, kind: str) -> dict:
    """When, what kind of change and by whom: not the values themselves."""
    return {
        "object": kind,
        "id": record.id,
        "date": _when(record.history_date),
        "action": _HISTORY_ACTIONS.get(record.history_type, record.history_type),
        "by": str(record.history_user) if record.history_user else None,
        "reason": record.history_change_reason or "",
    }


def citizen_export(
    *, citizen: Citizen, actor: Actor, now: datetime | None = None
) -> dict:
    """Everything kept about ``citizen``, ready for ``json.dumps``.

    The citizen's fields, his or her appointments (service, reason, agent,
    status, times, remarks, the place in line for an earlier time and the
    times offered), the messages sent to him or her and a summary of
    the history (when, what kind of change, by whom): nothing about anyone else.
    Staff other than administrators get what they may see (the appointments
    of their services, the extra details those services ask for), and
    ``complete`` says so.
    """
    if not may_handle_citizen_data(actor, citizen):
        raise PrivacyError(_("You may not see this citizen's data."))
    complete = is_administrator(actor)
    hidden = set(EXTRA_DETAILS) - visible_citizen_details(actor)
    appointments = list(
        visible_to(
            Appointment.objects.filter(citizen=citizen), actor, service_field="service"
        )
        .select_related("service", "reason", "agent__user", "earlier_request")
        .prefetch_related("earlier_request__offers")
        .order_by("start", "pk")
    )
    appointment_ids = [appointment.pk for appointment in appointments]
    data = {
        "exported_at": _when(now or timezone.now()),
        "complete": complete,
        "citizen": {
            "id": citizen.pk,
            "last_name": citizen.last_name,
            "first_name": citizen.first_name,
            "email": citizen.email,
            "phone": str(citizen.phone) if citizen.phone else "",
            "language": citizen.language,
            "national_number": citizen.national_number,
            "birth_date": (
                citizen.birth_date.isoformat() if citizen.birth_date else None
            ),
            "address": citizen.address,
            "created_at": _when(citizen.created_at),
            "anonymised_at": _when(citizen.anonymised_at),
        },
        "appointments": [
            {
                "id": appointment.pk,
                "service": appointment.service.name,
                "reason": appointment.reason.name,
                "people": appointment.people,  # issue 25: several in one visit
                "agent": str(appointment.agent),
                "status": appointment.status,
                "channel": appointment.channel,
                "start": _when(appointment.start),
                "end": _when(appointment.end),
                "remarks": appointment.remarks,
                "cancellation_reason": appointment.cancellation_reason,
                "booked_at": _when(appointment.created_at),
                "arrived_at": _when(appointment.arrived_at),
                # What the booking gave, used for this appointment's messages.
                "contact": {
                    "email": appointment.contact_email,
                    "phone": str(appointment.contact_phone or ""),
                    "language": appointment.contact_language,
                    "address": appointment.contact_address,
                },
                "earlier_time_request": _earlier_request(appointment),
            }
            for appointment in appointments
        ],
        "history": [],
    }
    records = [
        (record, "citizen") for record in citizen.history.select_related("history_user")
    ] + [
        (record, "appointment")
        for record in Appointment.history.model.objects.filter(
            citizen_id=citizen.pk, id__in=appointment_ids
        ).select_related("history_user")
    ]
    records.sort(key=lambda pair: (pair[0].history_date, pair[0].history_id))
    data["history"] = [_history_row(record, kind) for record, kind in records]
    # What the other apps keep about the citizen (messaging: the messages).
    data.update(
        events.answers(
            events.citizen_data_requested,
            Citizen,
            citizen=citizen,
            appointment_ids=appointment_ids,
        )
    )
    for name in hidden:
        del data["citizen"][name]
    if "address" in hidden:
        for appointment in data["appointments"]:
            del appointment["contact"]["address"]
    return data


def _earlier_request(appointment: Appointment) -> dict | None:
    """The citizen's place in line for an earlier time (issue 25, point 2),
    with the times offered and what became of them."""
    try:
        request = appointment.earlier_request
    except EarlierTimeRequest.DoesNotExist:
        return None
    return {
        "status": request.status,
        "weekdays": request.weekdays,
        "parts_of_the_day": request.parts,
        "in_line_since": _when(request.joined_at),
        "stopped_because": request.stopped_because,
        "offers": [
            {
                "start": _when(offer.start),
                "status": offer.status,
                "sent_at": _when(offer.created_at),
                "sent_by": offer.channels,
                "held_until": _when(offer.expires_at),
                "answered_at": _when(offer.answered_at),
            }
            for offer in request.offers.all()
        ],
    }


# --- Anonymisation ----------------------------------------------------------------


def _anonymise(
    citizen_ids: list[int], *, now: datetime, keep_reason_of: Iterable[int] = ()
) -> int:
    """Remove the personal data of these citizens; return how many were anonymised.

    Bulk updates, which write no history record: the records there were are
    deleted (or, for appointments, stripped of the texts), not copied again.
    ``keep_reason_of``: appointments whose cancellation reason names nobody
    (an erasure's own) and stays for the agents.
    """
    historical_citizen = Citizen.history.model
    historical_appointment = Appointment.history.model
    done = 0
    for ids in _chunks(citizen_ids):
        done += Citizen.objects.filter(pk__in=ids, anonymised_at__isnull=True).update(
            last_name=ANONYMISED_NAME,
            # "#42": tells anonymised rows apart in agendas, names nobody, and
            # keeps the required field filled should an agent save the form.
            first_name=Concat(Value("#"), Cast("pk", CharField())),
            email="",
            phone="",
            national_number="",
            birth_date=None,
            address="",
            anonymised_at=now,
        )
        appointments_clear_texts(
            appointments=Appointment.objects.filter(citizen_id__in=ids),
            keep_cancellation_reason_of=keep_reason_of,
        )
        appointments_clear_contacts(
            appointments=Appointment.objects.filter(citizen_id__in=ids)
        )
        historical_citizen.objects.filter(id__in=ids).delete()
        historical_appointment.objects.filter(citizen_id__in=ids).update(
            remarks="",
            cancellation_reason="",
            contact_email="",
            contact_phone="",
            contact_address="",
        )
        # The other apps forget them too (messaging: the messages sent).
        events.citizens_anonymised.send(sender=Citizen, citizen_ids=ids)
        _scrub_admin_log(Citizen, ids)
        _scrub_admin_log(
            Appointment,
            list(
                Appointment.objects.filter(citizen_id__in=ids).values_list(
                    "pk", flat=True
                )
            ),
        )
    return done


def _scrub_admin_log(model, ids: list[int]) -> None:
    """The admin's log keeps each object's name as it was ("DUPONT Marie",
    "12/05/2026 10:00 – DUPONT Marie (Population)"): replace it."""
    if not ids or not apps.is_installed("django.contrib.admin"):
        return
    from django.contrib.admin.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    content_type = ContentType.objects.get_for_model(model)
    for chunk in _chunks(ids):
        LogEntry.objects.filter(
            content_type=content_type, object_id__in=[str(pk) for pk in chunk]
        ).update(object_repr=ANONYMISED_NAME)


def citizen_erase(
    *, citizen: Citizen, actor: Actor, now: datetime | None = None
) -> Citizen:
    """Erase the citizen's personal data at his or her request.

    Upcoming appointments are cancelled first, as staff would (the agent's
    agenda frees up, the citizen gets the usual cancellation notice, written
    before the data goes); then the citizen is anonymised and one history
    record says who erased the data, and when. Past appointments stay,
    anonymised, for the statistics.
    """
    if not may_erase_citizen(actor, citizen):
        raise PrivacyError(_("You may not erase this citizen's data."))
    if citizen.anonymised_at is not None:
        raise PrivacyError(_("This citizen's data has already been erased."))
    now = now or timezone.now()
    with translation.override(citizen.language):
        reason = gettext(ERASE_REASON)
    with transaction.atomic():
        upcoming = list(
            Appointment.objects.open()
            .upcoming(now)
            .filter(citizen=citizen)
            .order_by("start")
        )
        for appointment in upcoming:
            appointment_cancel(appointment=appointment, actor=actor, reason=reason)
        # Why these were cancelled is no personal data: keep it for the agents.
        _anonymise([citizen.pk], now=now, keep_reason_of=[a.pk for a in upcoming])
        citizen.refresh_from_db()
        record_history(citizen, actor=actor, reason="erased at the citizen's request")
        citizen.save(update_fields=["anonymised_at"])
    return citizen


def upcoming_to_cancel(citizen: Citizen, now: datetime | None = None) -> list:
    """The appointments an erasure would cancel, for the confirmation page."""
    return list(
        Appointment.objects.open()
        .upcoming(now)
        .filter(citizen=citizen)
        .select_related("service", "reason", "agent__user")
        .order_by("start")
    )


# --- Retention --------------------------------------------------------------------


def privacy_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """The daily retention job; returns how many rows each step changed.

    Anonymises the citizens with no appointment (past or future) since
    CITIZEN_RETENTION_MONTHS and created before then; deletes history records,
    sent messages and login logs older than HISTORY_RETENTION_MONTHS, clears
    the remarks of appointments that ended before then, and deletes expired
    sessions. Running it twice changes nothing the second time.
    """
    now = now or timezone.now()
    citizen_cutoff = months_before(now, settings.CITIZEN_RETENTION_MONTHS)
    history_cutoff = months_before(now, settings.HISTORY_RETENTION_MONTHS)
    counts = {}
    with transaction.atomic():
        recent = Appointment.objects.filter(
            citizen=OuterRef("pk"), start__gte=citizen_cutoff
        )
        inactive = list(
            Citizen.objects.filter(
                anonymised_at__isnull=True, created_at__lt=citizen_cutoff
            )
            .exclude(Exists(recent))
            .values_list("pk", flat=True)
        )
        counts["citizens_anonymised"] = _anonymise(inactive, now=now)
        counts["appointment_texts_cleared"] = appointments_clear_texts(
            appointments=Appointment.objects.filter(end__lt=history_cutoff)
        )
        counts["history_deleted"] = (
            Citizen.history.model.objects.filter(
                history_date__lt=history_cutoff
            ).delete()[0]
            + Appointment.history.model.objects.filter(
                history_date__lt=history_cutoff
            ).delete()[0]
        )
        # What the other apps keep (messaging: ``messages_deleted``).
        counts.update(
            events.answers(events.retention_sweep, Citizen, cutoff=history_cutoff)
        )
        counts["login_logs_deleted"] = _delete_old_login_logs(history_cutoff)
        # The record of who looked (audit): kept ACCESS_LOG_RETENTION_MONTHS.
        counts["access_records_deleted"] = access_records_delete_old(
            cutoff=months_before(now, settings.ACCESS_LOG_RETENTION_MONTHS)
        )
    # Sessions of abandoned bookings still hold what was typed (names,
    # national register number…) until they expire: drop the expired ones.
    import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()
    return counts


def _delete_old_login_logs(cutoff: datetime) -> int:
    """django-axes keeps each staff login (username, address, browser)."""
    if not apps.is_installed("axes"):
        return 0
    deleted = 0
    for name in ("AccessLog", "AccessAttempt", "AccessFailureLog"):
        model = apps.get_model("axes", name)
        deleted += model.objects.filter(attempt_time__lt=cutoff).delete()[0]
    return deleted
