"""Writing and sweeping the record of who looked (``audit.models``)."""

from datetime import datetime

from django.db import transaction
from stdnum.be import bis, nn

from .models import AccessRecord

Action = AccessRecord.Action


def looks_like_national_number(text: str) -> bool:
    """Whether a search term is a (valid) Belgian national register number or
    BIS number (audit sits below booking: stdnum is asked directly)."""
    compact = nn.compact(text or "")
    return (
        len(compact) == 11
        and compact.isdigit()
        and (nn.is_valid(compact) or bis.is_valid(compact))
    )


def access_record(
    *,
    user,
    action: str,
    what: str,
    citizen_id: int | None = None,
    query: str = "",
    reason: str = "",
    path: str = "",
) -> AccessRecord:
    """Write one record; its own transaction's savepoint, so a failed page
    write never loses it and it never breaks the page."""
    with transaction.atomic():
        return AccessRecord.objects.create(
            user=user if getattr(user, "pk", None) else None,
            username=user.get_username() if getattr(user, "pk", None) else "",
            action=action,
            what=what[:255],
            citizen_id=citizen_id,
            query=query[:64],
            reason=reason,
            path=path[:255],
        )


def access_records_delete_old(*, cutoff: datetime) -> int:
    """Delete the records older than ``cutoff`` (the privacy sweep)."""
    return AccessRecord.objects.filter(at__lt=cutoff).delete()[0]
