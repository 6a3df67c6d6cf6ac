"""A record of who looked (issue 23, point 4; GDPR accountability).

Every staff view of a citizen's page, search by national register number and
export of citizens' data writes one ``AccessRecord``: who, when, what, and why
for exports. The data protection officer reads and exports them; nobody
changes or deletes one (the daily privacy sweep deletes those older than
``ACCESS_LOG_RETENTION_MONTHS``).

An app of its own, below booking: booking records into it, and the records
name citizens by id (no foreign key), so that a record outlives the data it
is about and names nobody once the citizen is anonymised.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AccessRecord(models.Model):
    """One look at citizens' data by a member of staff."""

    class Action(models.TextChoices):
        VIEW = "view", _("viewed")
        SEARCH = "search", _("searched by national number")
        EXPORT = "export", _("exported")

    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("login"),
    )
    # Kept when the login is deleted.
    username = models.CharField(_("who"), max_length=150)
    action = models.CharField(_("action"), max_length=8, choices=Action.choices)
    what = models.CharField(_("what"), max_length=255)
    citizen_id = models.PositiveBigIntegerField(
        _("citizen number"), null=True, blank=True, db_index=True
    )
    query = models.CharField(_("searched for"), max_length=64, blank=True)
    reason = models.TextField(_("why"), blank=True)
    path = models.CharField(_("page"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("access record")
        verbose_name_plural = _("record of who looked")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["username", "at"])]

    def __str__(self) -> str:
        return f"{self.username} – {self.get_action_display()} – {self.what}"
