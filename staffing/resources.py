"""Spreadsheet import and export of the staffing configuration (R25).

Only administrators import (the admins say so); each resource checks every row
again in the importer's scope (``may_import``, rules from ``staffing.scopes``),
and rows with rules (typical weeks, exceptions) are written by
``staffing.services``, as the portal writes them.
"""

import re
from datetime import time

from django.contrib.auth.models import Group, User
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import fields

from core.admin_base import AllOrNothingResource
from core.admin_translation import TranslatedColumnsMixin, with_languages
from core.imports import ReferenceWidget
from core.roles import AGENT

from .models import (
    Agent,
    AvailabilityException,
    Membership,
    Service,
    TypicalWeek,
)
from .scopes import may_edit_availability, may_manage_service
from .services import exception_create, exception_update, typical_week_save

IMPORT_REASON = "imported from a spreadsheet"

WEEKDAY_COLUMNS = (
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
)
# A time as written in Belgium: 08:30, 8.30, 8h30, 8u30 (in Dutch), 8h, 8.
_TIME = r"(\d{1,2})(?:\s*[:hHuU.]\s*(\d{2})?)?"
# Two times joined by a dash (-, – or —) or a word (à, a, tot, bis, to).
_RANGE = re.compile(
    rf"^\s*{_TIME}\s*(?:[-–—]|\b(?:à|a|tot|bis|to)\b)\s*{_TIME}\s*$", re.IGNORECASE
)


class AgentByUsername(ReferenceWidget):
    unknown_message = gettext_lazy("unknown agent “%(value)s”")

    def __init__(self):
        super().__init__(Agent, "user__username")


class ServiceBySlug(ReferenceWidget):
    unknown_message = gettext_lazy("unknown service “%(value)s”")

    def __init__(self):
        super().__init__(Service, "slug")


class ServiceResource(TranslatedColumnsMixin, AllOrNothingResource):
    translated_fields = ("name", "description", "address")

    class Meta:
        model = Service
        import_id_fields = ("slug",)
        fields = (
            *with_languages(
                ("slug", "name", "description", "address"),
                ("name", "description", "address"),
            ),
            "email",
            "phone",
            "is_active",
            "order",
            "citizens_choose_agent",
            "shows_free_agents",
            "needs_confirmation",
            "slot_minutes",
            "min_notice_hours",
            "max_horizon_days",
            "requires_national_number",
            "requires_birth_date",
            "requires_address",
        )
        clean_model_instances = True
        skip_unchanged = True

    def may_import(self, user, instance) -> bool:
        # A manager updates the services he or she manages; new ones are the
        # administrators'.
        return may_manage_service(user, instance.pk)


class AgentResource(AllOrNothingResource):
    """One row per agent; the row creates the agent's login when it is new.

    An existing login keeps its names, e-mail, staff status and groups unless
    the administrator asks for updates (``update_logins``): a file must not
    rewrite who someone is by accident, nor give back a withdrawn staff status.
    """

    LOGIN_COLUMNS = ("first_name", "last_name", "email")

    username = fields.Field(attribute="user__username", column_name="username")
    first_name = fields.Field(attribute="user__first_name", column_name="first_name")
    last_name = fields.Field(attribute="user__last_name", column_name="last_name")
    email = fields.Field(attribute="user__email", column_name="email")

    class Meta:
        model = Agent
        import_id_fields = ("username",)
        fields = ("username", "first_name", "last_name", "email", "title", "phone")

    def __init__(self, *, update_logins: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.update_logins = update_logins

    def _writes_login(self, instance) -> bool:
        return instance.user.pk is None or self.update_logins

    def get_instance(self, instance_loader, row):
        username = (row.get("username") or "").strip()
        return (
            Agent.objects.select_related("user").filter(user__username=username).first()
        )

    def init_instance(self, row=None):
        return Agent(user=User(is_staff=True))

    def import_field(self, field, instance, row, is_m2m=False, **kwargs):
        if field.column_name in self.LOGIN_COLUMNS and not self._writes_login(instance):
            return
        super().import_field(field, instance, row, is_m2m, **kwargs)

    def import_instance(self, instance, row, **kwargs):
        """Fill the agent and its user, and check the user as a form would."""
        super().import_instance(instance, row, **kwargs)
        if not self._writes_login(instance):
            return
        user = instance.user
        user.username = (user.username or "").strip()
        errors = {}
        for name in ("username", "last_name", "first_name", "email"):
            if not (getattr(user, name) or "").strip():
                errors[name] = _("This column is required.")
        try:
            user.full_clean(exclude=["password", *errors])
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def before_save_instance(self, instance, row, **kwargs):
        user = instance.user
        if not user.pk:
            user.set_unusable_password()
            user.is_staff = True
            user.save()
            user.groups.add(Group.objects.get(name=AGENT))
        elif self.update_logins:
            user.save(update_fields=list(self.LOGIN_COLUMNS))
        instance.user = user


class MembershipResource(AllOrNothingResource):
    agent = fields.Field(
        attribute="agent", column_name="agent", widget=AgentByUsername()
    )
    service = fields.Field(
        attribute="service", column_name="service", widget=ServiceBySlug()
    )

    class Meta:
        model = Membership
        import_id_fields = ("agent", "service")
        fields = ("agent", "service", "role")
        clean_model_instances = True

    def may_import(self, user, instance) -> bool:
        return may_manage_service(user, instance.service_id)


class TypicalWeekResource(AllOrNothingResource):
    """One row per typical week, one column per weekday: "08:30-12:00, 13:00-16:00"."""

    agent = fields.Field(
        attribute="agent", column_name="agent", widget=AgentByUsername()
    )
    service = fields.Field(
        attribute="service", column_name="service", widget=ServiceBySlug()
    )

    class Meta:
        model = TypicalWeek
        import_id_fields = ("agent", "service", "valid_from")
        fields = (
            "agent",
            "service",
            "label",
            "valid_from",
            "valid_until",
            "repeat_every",
        )
        clean_model_instances = True

    def get_export_headers(self, *args, **kwargs):
        return [*super().get_export_headers(*args, **kwargs), *WEEKDAY_COLUMNS]

    def export_resource(self, instance, *args, **kwargs):
        row = super().export_resource(instance, *args, **kwargs)
        by_day = {day: [] for day in range(7)}
        for opening in instance.ranges.all():
            by_day[opening.weekday].append(f"{opening.start:%H:%M}-{opening.end:%H:%M}")
        return [*row, *(", ".join(by_day[day]) for day in range(7))]

    def may_import(self, user, instance) -> bool:
        return may_edit_availability(
            user, agent_id=instance.agent_id, service_id=instance.service_id
        )

    def import_instance(self, instance, row, **kwargs):
        super().import_instance(instance, row, **kwargs)
        instance._imported_ranges = parse_week_columns(row)

    def save_instance(self, instance, is_create, row, **kwargs):
        """Write the week and its ranges as the availability editor does."""
        typical_week_save(
            agent=instance.agent,
            service=instance.service,
            valid_from=instance.valid_from,
            valid_until=instance.valid_until,
            repeat_every=instance.repeat_every,
            ranges=instance._imported_ranges,
            label=instance.label,
            site=instance.site,  # a row without a site column keeps the week's
            week=instance,
            actor=kwargs.get("user"),
            reason=IMPORT_REASON,
        )


def parse_time_range(text: str) -> tuple[time, time] | None:
    """``(start, end)`` of a range as people write it ("08:30-12:00", "8h30-12",
    "8h30 à 12h", "13-16"), None when it is no range; ValueError for a time
    that does not exist ("25:00")."""
    match = _RANGE.match(text)
    if not match:
        return None
    h1, m1, h2, m2 = (int(group or 0) for group in match.groups())
    return time(h1, m1), time(h2, m2)


def parse_week_columns(row) -> list[tuple[int, time, time]]:
    """Read the weekday columns of a typical-week row; raise on a malformed range."""
    ranges, errors = [], {}
    for day, column in enumerate(WEEKDAY_COLUMNS):
        text = (row.get(column) or "").strip()
        for part in filter(None, (piece.strip() for piece in text.split(","))):
            try:
                parsed = parse_time_range(part)
            except ValueError:
                errors[column] = _("%(range)s is not a valid time range.") % {
                    "range": part
                }
                break
            if parsed is None:
                errors[column] = _("Write ranges as 08:30-12:00, separated by commas.")
                break
            start, end = parsed
            if end <= start:
                errors[column] = _("%(range)s ends before it starts.") % {"range": part}
                break
            ranges.append((day, start, end))
    if errors:
        raise ValidationError(errors)
    return ranges


class AvailabilityExceptionResource(AllOrNothingResource):
    agent = fields.Field(
        attribute="agent", column_name="agent", widget=AgentByUsername()
    )
    service = fields.Field(
        attribute="service", column_name="service", widget=ServiceBySlug()
    )

    class Meta:
        model = AvailabilityException
        import_id_fields = ("agent", "kind", "start")
        fields = ("agent", "service", "kind", "start", "end", "note")
        clean_model_instances = True

    def may_import(self, user, instance) -> bool:
        return may_edit_availability(
            user, agent_id=instance.agent_id, service_id=instance.service_id
        )

    def save_instance(self, instance, is_create, row, **kwargs):
        """Write through the staffing services, as the portal does.

        The appointments an imported row hits are booking's business: the
        admin booking registers for this model wraps the resource
        (``booking.portal.staffing_admin``), lists them in the dry run and deals with
        them as the importer confirms.
        """
        values = {
            "kind": instance.kind,
            "end": instance.end,
            "service": instance.service,
            "note": instance.note,
            "actor": kwargs.get("user"),
        }
        if is_create:
            created = exception_create(
                agent=instance.agent,
                start=instance.start,
                reason=IMPORT_REASON,
                **values,
            )
            instance.pk, instance._state.adding = created.pk, False
        else:
            exception_update(exception=instance, **values)
