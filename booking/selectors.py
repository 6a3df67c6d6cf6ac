"""Reads about citizens that several screens share (STYLE, "Reads in querysets
and selectors").

*Which* citizens a user may see is ``Citizen.objects.visible_to(user)``; this
module decides *what* of them: the extra details (national register number,
date of birth, address) are kept only for the services and reasons that ask
for them (R2), so staff see them only when one of their services does.
"""

from collections.abc import Collection
from datetime import datetime

from django.db.models import Count, QuerySet

from core.localtime import day_bounds, local_day
from core.roles import is_administrator
from staffing import availability
from staffing.models import Service

from .citizen_rules import DETAILS as EXTRA_DETAILS
from .citizen_rules import Ask
from .models import Appointment


def visible_citizen_details(user) -> frozenset[str]:
    """The extra details ``user`` may see of the citizens he or she sees:
    all for an administrator, else those one of his or her services, or one
    of their visit reasons, asks (``citizen_rules.details_asked``)."""
    if is_administrator(user):
        return frozenset(EXTRA_DETAILS)
    if not user.is_authenticated:
        return frozenset()
    # One query: each service of the user's (member_service_ids(user), joined
    # rather than fetched) with its reasons' rules, or None where it has none.
    rows = Service.objects.filter(memberships__agent__user=user).values_list(
        *(f"requires_{name}" for name in EXTRA_DETAILS),
        *(f"reasons__{name}_rule" for name in EXTRA_DETAILS),
    )
    visible = set()
    for row in rows:
        for index, name in enumerate(EXTRA_DETAILS):
            by_service, by_reason = row[index], row[index + len(EXTRA_DETAILS)]
            if by_service or by_reason not in (None, Ask.SERVICE, Ask.NOT_ASKED):
                visible.add(name)
    return frozenset(visible)


def hidden_citizen_details(user) -> list[str]:
    """The extra details ``user`` may not see, in a stable order."""
    visible = visible_citizen_details(user)
    return [name for name in EXTRA_DETAILS if name not in visible]


def day_loads(agent_ids: Collection[int], moment: datetime) -> dict[int, int]:
    """Active appointments of each agent on the local day of ``moment`` (those
    without any are missing): what the least-loaded rule weighs
    (``staffing.availability.least_loaded``). One query."""
    start, end = day_bounds(local_day(moment))
    return dict(
        Appointment.objects.active()
        .filter(agent_id__in=agent_ids, start__gte=start, start__lt=end)
        .values("agent_id")
        .annotate(n=Count("pk"))
        .values_list("agent_id", "n")
    )


def least_loaded_agent_id(agent_ids: Collection[int], moment: datetime) -> int:
    """The free agent an automatic choice gives the appointment to (R20)."""
    return availability.least_loaded(agent_ids, day_loads(agent_ids, moment))


def pending_requests_for(user) -> QuerySet[Appointment]:
    """Requests awaiting an agent's answer in the user's services, oldest
    first: the requests inbox, its overdue count and the answer page."""
    return (
        Appointment.objects.visible_to(user)
        .filter(status=Appointment.Status.PENDING)
        .not_over()
        .select_related("citizen", "service", "reason", "agent__user")
        .order_by("created_at", "pk")
    )
