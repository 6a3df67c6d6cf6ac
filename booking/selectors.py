"""Reads about citizens that several screens share (STYLE, "Reads in querysets
and selectors").

*Which* citizens a user may see is ``Citizen.objects.visible_to(user)``; this
module decides *what* of them: the extra details (national register number,
date of birth, address) are kept only for the services that ask for them
(R2), so staff see them only when one of their services does.
"""

from collections.abc import Collection
from datetime import datetime

from django.db.models import Count, QuerySet

from core.localtime import day_bounds, local_day
from core.roles import is_administrator
from staffing import availability
from staffing.models import Service

from .models import Appointment

# The citizen's details a service may require, beyond name and contact.
EXTRA_DETAILS = ("national_number", "birth_date", "address")


def required_details(service: Service) -> list[str]:
    """The citizen's details this service requires (R2)."""
    return [
        name
        for name, required in (
            ("national_number", service.requires_national_number),
            ("birth_date", service.requires_birth_date),
            ("address", service.requires_address),
        )
        if required
    ]


def visible_citizen_details(user) -> frozenset[str]:
    """The extra details ``user`` may see of the citizens he or she sees:
    all for an administrator, else those one of his or her services requires."""
    if is_administrator(user):
        return frozenset(EXTRA_DETAILS)
    if not user.is_authenticated:
        return frozenset()
    # member_service_ids(user), joined rather than fetched: one query less on
    # every phone search
    services = Service.objects.filter(memberships__agent__user=user).only(
        "requires_national_number", "requires_birth_date", "requires_address"
    )
    return frozenset(name for service in services for name in required_details(service))


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
