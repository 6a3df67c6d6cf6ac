"""django-q2 tasks: one line of glue each, loading by id and calling a service."""

from datetime import timedelta

from django.utils import timezone
from django_q.models import Success


def purge_task_results(days: int = 30) -> int:
    """Forget successful task results older than ``days`` days; return how many."""
    deleted, _per_model = Success.objects.filter(
        stopped__lt=timezone.now() - timedelta(days=days)
    ).delete()
    return deleted
