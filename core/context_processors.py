"""Template context shared by the public pages and the messages."""

from django.utils.functional import SimpleLazyObject

from .models import Commune


def commune(request) -> dict:
    """Expose the commune (name, logo, colours) to every template, queried once."""
    return {"commune": SimpleLazyObject(Commune.objects.get_solo)}
