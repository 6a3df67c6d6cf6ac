"""Which rows a member of staff may see and change (ARCHITECTURE, "Who may do what").

Administrators see everything; service managers see and manage the services they
manage; agents see the services they belong to and change only their own
availability. Rows without a service (commune-wide closures) are the
administrators'. Admins, views and imports filter their querysets and check
their rows with these helpers.
"""

from django.db.models import Q, QuerySet

from core.roles import is_administrator

from .models import Agent, Membership


def member_service_ids(user) -> set[int]:
    """The services the user belongs to as an agent (member or manager)."""
    if not user.is_authenticated:
        return set()
    return set(
        Membership.objects.filter(agent__user=user).values_list("service_id", flat=True)
    )


def managed_service_ids(user) -> set[int]:
    """The services the user manages."""
    if not user.is_authenticated:
        return set()
    return set(
        Membership.objects.filter(
            agent__user=user, role=Membership.Role.MANAGER
        ).values_list("service_id", flat=True)
    )


def visible_to(queryset: QuerySet, user, *, service_field: str) -> QuerySet:
    """Restrict ``queryset`` to rows of the services the user belongs to.

    ``service_field`` is the lookup from the model to its service ("service",
    "typical_week__service"…). Rows with no service (commune-wide closures)
    stay visible to everyone.
    """
    if is_administrator(user):
        return queryset
    service_ids = member_service_ids(user)
    lookup = Q(**{f"{service_field}__in": service_ids})
    first_hop = service_field.split("__")[0]
    if first_hop != "pk" and queryset.model._meta.get_field(first_hop).null:
        lookup |= Q(**{f"{service_field}__isnull": True})
    queryset = queryset.filter(lookup)
    # A lookup through memberships meets one row per shared service.
    return queryset.distinct() if "__" in service_field else queryset


def editable_availability(queryset: QuerySet, user, *, agent_field: str) -> QuerySet:
    """Restrict availability rows to those the user may change.

    An agent changes his or her own; a manager also those of the agents of the
    services he or she manages. ``agent_field`` is the lookup to the agent, or
    "" when the queryset holds agents themselves.
    """
    if is_administrator(user):
        return queryset
    managed = managed_service_ids(user)
    prefix = f"{agent_field}__" if agent_field else ""
    return queryset.filter(
        Q(**{f"{prefix}user": user})
        | Q(**{f"{prefix}memberships__service__in": managed})
    ).distinct()


def may_manage_service(user, service_id: int | None) -> bool:
    """Whether the user may write a row that belongs to service ``service_id``.

    Administrators write anywhere; a manager writes in the services he or she
    manages, never in those he or she only belongs to. ``None`` is a row of the
    whole commune (a commune-wide closure, a new service): the administrators'.
    """
    if is_administrator(user):
        return True
    return service_id is not None and service_id in managed_service_ids(user)


def availability_service_ids(user, agent_id: int) -> set[int]:
    """The services in which the user may change the availability of an agent.

    All of the agent's services for the agent him- or herself and for
    administrators; for a manager, those of them that he or she manages.
    """
    services = set(
        Membership.objects.filter(agent_id=agent_id).values_list(
            "service_id", flat=True
        )
    )
    if is_administrator(user) or _is_own_agent(user, agent_id):
        return services
    return services & managed_service_ids(user)


def may_edit_availability(user, *, agent_id: int, service_id: int | None) -> bool:
    """Whether the user may write an availability row (typical week, exception).

    ``service_id`` is the row's service, ``None`` for an unavailability that
    concerns all the agent's services: the agent, administrators, and a manager
    of one of the agent's services may write it.
    """
    if is_administrator(user) or (service_id is None and _is_own_agent(user, agent_id)):
        return True
    allowed = availability_service_ids(user, agent_id)
    return bool(allowed) if service_id is None else service_id in allowed


def _is_own_agent(user, agent_id: int) -> bool:
    return (
        user.is_authenticated
        and Agent.objects.filter(pk=agent_id, user_id=user.pk).exists()
    )


def feed_agents(queryset: QuerySet, user) -> QuerySet:
    """The agents whose agenda feed address the user may see and renew.

    The address is a secret that opens the agent's agenda, citizens' names
    included: an agent sees his or her own, administrators everyone's (to help
    whoever lost it); managers and colleagues see none of the others.
    """
    if is_administrator(user):
        return queryset
    if not user.is_authenticated:
        return queryset.none()
    return queryset.filter(user=user)


def may_see_feed(user, agent) -> bool:
    """Whether the user may see (and renew) ``agent``'s feed address."""
    return is_administrator(user) or (
        user.is_authenticated and agent.user_id == user.pk
    )
