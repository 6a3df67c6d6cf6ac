"""The roles (MISSION, "Who may do what") and their model permissions.

Administrator, service manager and agent; and the data protection officer
(issue 23), who reads the record of who looked at citizens' data (``audit``)
and nothing else.

Roles are Django groups so that an administrator can see and adjust them in the
admin. Which *rows* a role sees (its services, its own agenda) is decided by the
admins' querysets, see ``staffing.scopes``; this module only knows groups.
"""

from collections.abc import Iterable

from django.utils.translation import gettext_lazy as _

ADMINISTRATOR = "Administrator"
SERVICE_MANAGER = "Service manager"
AGENT = "Agent"
DATA_PROTECTION_OFFICER = "Data protection officer"

ROLE_LABELS = {
    ADMINISTRATOR: _("Administrator"),
    SERVICE_MANAGER: _("Service manager"),
    AGENT: _("Agent"),
    DATA_PROTECTION_OFFICER: _("Data protection officer"),
}

_ALL = ("view", "add", "change", "delete")
_EDIT = ("view", "add", "change")

# "app_label.model": actions. The administrator group receives every permission.
ROLE_PERMISSIONS: dict[str, dict[str, Iterable[str]]] = {
    SERVICE_MANAGER: {
        "staffing.service": ("view", "change"),
        "staffing.site": ("view",),
        "staffing.agent": ("view",),
        "staffing.membership": _ALL,
        "staffing.typicalweek": _ALL,
        "staffing.typicalweekrange": _ALL,
        "staffing.availabilityexception": _ALL,
        "staffing.closure": _ALL,
        "booking.citizen": _EDIT,
        "booking.visitreason": _EDIT,
        "booking.appointment": _EDIT,
        "booking.earliertimerequest": ("view",),
    },
    AGENT: {
        "staffing.service": ("view",),
        "staffing.site": ("view",),
        "staffing.agent": ("view",),
        "staffing.membership": ("view",),
        "staffing.typicalweek": _ALL,
        "staffing.typicalweekrange": _ALL,
        "staffing.availabilityexception": _ALL,
        "staffing.closure": ("view",),
        "booking.citizen": _EDIT,
        "booking.visitreason": ("view",),
        "booking.appointment": _EDIT,
        "booking.earliertimerequest": ("view",),
    },
    # Reads (and exports) the record of who looked; sees nothing else.
    DATA_PROTECTION_OFFICER: {
        "audit.accessrecord": ("view",),
    },
}


def sync_role_groups(apps) -> None:
    """Create the role groups and give them exactly their permissions.

    Takes an app registry so that migrations can call it with historical models.
    Idempotent: a later migration that adds models calls it again.
    """
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")

    administrator, _created = group_model.objects.get_or_create(name=ADMINISTRATOR)
    administrator.permissions.set(permission_model.objects.all())

    for role, grants in ROLE_PERMISSIONS.items():
        group, _created = group_model.objects.get_or_create(name=role)
        wanted = []
        for model_key, actions in grants.items():
            app_label, model = model_key.split(".")
            wanted.extend(
                permission_model.objects.filter(
                    content_type__app_label=app_label,
                    codename__in=[f"{action}_{model}" for action in actions],
                )
            )
        group.permissions.set(wanted)


def is_administrator(user) -> bool:
    """Whether the user administers the whole commune."""
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or user.groups.filter(name=ADMINISTRATOR).exists()


def administrators():
    """The active logins that administer the commune (superusers and the
    Administrator group), e.g. to tell them of the SMS budget."""
    from django.contrib.auth import get_user_model
    from django.db.models import Q

    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(is_superuser=True) | Q(groups__name=ADMINISTRATOR))
        .distinct()
        .order_by("pk")
    )


# Permission callbacks for the admin sidebar (unfold calls them with the request).


def is_data_protection_officer_only(user) -> bool:
    """A login whose only role is the data protection officer's: it sees the
    record of who looked and nothing else."""
    if not user.is_authenticated or user.is_superuser:
        return False
    names = {group.name for group in user.groups.all()}
    return names == {DATA_PROTECTION_OFFICER}


def is_staff_member(request) -> bool:
    """Anyone who works with the agendas in the admin (not a data protection
    officer who is nothing else)."""
    user = request.user
    return (
        user.is_active and user.is_staff and not is_data_protection_officer_only(user)
    )


def can_view_access_records(request) -> bool:
    """The data protection officer (and administrators)."""
    return request.user.has_perm("audit.view_accessrecord")


def can_view_appointments(request) -> bool:
    """Agents, managers and administrators."""
    return request.user.has_perm("booking.view_appointment")


def can_view_citizens(request) -> bool:
    """Staff who may look citizens up (phone booking, desk)."""
    return request.user.has_perm("booking.view_citizen")


def is_administrator_request(request) -> bool:
    """Sidebar callback for the administrator-only entries: asked once per
    request, however many entries there are."""
    if not hasattr(request, "_is_administrator"):
        request._is_administrator = is_administrator(request.user)
    return request._is_administrator
