"""Reads about citizens that several screens share (STYLE, "Reads in querysets
and selectors").

*Which* citizens a user may see is ``Citizen.objects.visible_to(user)``; this
module decides *what* of them: the extra details (national register number,
date of birth, address) are kept only for the services that ask for them
(R2), so staff see them only when one of their services does.
"""

from core.roles import is_administrator
from staffing.models import Service

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
