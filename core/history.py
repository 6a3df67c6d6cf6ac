"""Who changed a row and why, for django-simple-history (R26), in one place
(issue 16, point 5)."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeAlias

from django.db.models import Model

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser

# Who acts: a signed-in member of staff, an anonymous visitor (a citizen on
# the public pages) or None (the system: a scheduled task, a citizen's link).
Actor: TypeAlias = "AbstractBaseUser | AnonymousUser | None"


def record_history(obj: Model, *, actor: Actor, reason: str) -> None:
    """Give simple_history the author and the reason of ``obj``'s next save:
    ``actor`` when signed in (None: the system, an anonymous citizen)."""
    obj._history_user = (  # type: ignore[attr-defined]
        actor if actor is not None and actor.is_authenticated else None
    )
    obj._change_reason = reason  # type: ignore[attr-defined]
