"""Admin of services, agents and their schedules (R18, R19, R22, R25, R26)."""

import copy

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from import_export.forms import ConfirmImportForm
from unfold.admin import TabularInline
from unfold.contrib.filters.admin import RelatedDropdownFilter
from unfold.contrib.import_export.forms import ImportForm
from unfold.decorators import action

from core.admin_base import HistoryAdmin, ImportExportHistoryAdmin, invite_users
from core.admin_filters import DateRangeFilter
from core.admin_history import NoHistoryRevertMixin
from core.admin_translation import TranslatedAdmin
from core.languages import CODES
from core.roles import is_administrator
from core.staff_language import StaffLanguageAdminMixin

from .closures import PRESETS, preset
from .models import (
    Agent,
    AvailabilityException,
    Closure,
    Membership,
    Service,
    Site,
    TypicalWeek,
    TypicalWeekRange,
)
from .resources import (
    AgentResource,
    AvailabilityExceptionResource,
    MembershipResource,
    ServiceResource,
    TypicalWeekResource,
)
from .scopes import (
    editable_availability,
    managed_service_ids,
    may_edit_availability,
    may_manage_service,
    may_see_feed,
    visible_to,
)
from .services import check_one_place


class ServiceScopedAdmin:
    """Shows staff only the rows of their services (ARCHITECTURE, roles).

    ``service_field`` is the lookup from the model to its service. Foreign keys
    to services offer only the user's services.
    """

    service_field = "service"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return visible_to(queryset, request.user, service_field=self.service_field)

    def service_choices(self, request):
        """The services this admin's forms offer to a non-administrator."""
        return visible_to(Service.objects.all(), request.user, service_field="pk")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is Service and not is_administrator(request.user):
            kwargs["queryset"] = self.service_choices(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class WriteScopedAdmin(ServiceScopedAdmin):
    """Rows that the user sees in his or her services but writes only where
    ``may_write`` says so.

    One rule answers both questions: may the user change or delete this stored
    row (object permissions, so also bulk deletion and history revert), and may
    he or she save the values of this form (a row moved into another service).
    """

    def may_write(self, user, obj) -> bool:
        """Whether ``user`` may write ``obj`` (stored, or holding a form's values)."""
        raise NotImplementedError

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (
            obj is None or self.may_write(request.user, obj)
        )

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (
            obj is None or self.may_write(request.user, obj)
        )

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change, **kwargs)
        return type(
            form_class.__name__,
            (WriteScopedForm, form_class),
            {"may_write": staticmethod(lambda row: self.may_write(request.user, row))},
        )


class WriteScopedForm(forms.ModelForm):
    """Refuses values that would put the row outside what the user may write."""

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        # The instance gets the form's values only after clean(): check a copy.
        candidate = copy.copy(self.instance)
        for field in candidate._meta.concrete_fields:
            if field.name in cleaned:
                setattr(candidate, field.name, cleaned[field.name])
        if not self.may_write(candidate):
            raise ValidationError(
                _("You may only write in the services you manage."),
                code="out_of_scope",
            )
        return cleaned


class ManagedServiceAdmin(WriteScopedAdmin):
    """Rows of a service: visible to its members, written by its managers.

    Rows without a service (commune-wide closures) are the administrators':
    others must choose one of the services they manage.
    """

    def may_write(self, user, obj) -> bool:
        return may_manage_service(user, getattr(obj, f"{self.service_field}_id"))

    def has_add_permission(self, request):
        return super().has_add_permission(request) and (
            is_administrator(request.user) or bool(managed_service_ids(request.user))
        )

    def service_choices(self, request):
        return Service.objects.filter(pk__in=managed_service_ids(request.user))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == self.service_field and not is_administrator(request.user):
            kwargs["required"] = True
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class AvailabilityScopedAdmin(WriteScopedAdmin):
    """Availability rows: visible within the user's services, changeable only by
    the agent concerned, the managers of the row's service and administrators
    (``scopes.may_edit_availability``)."""

    def may_write(self, user, obj) -> bool:
        return may_edit_availability(
            user, agent_id=obj.agent_id, service_id=obj.service_id
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is Agent and not is_administrator(request.user):
            kwargs["queryset"] = editable_availability(
                Agent.objects.select_related("user"), request.user, agent_field=""
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class MembershipInline(TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["agent"]


@admin.register(Service)
class ServiceAdmin(WriteScopedAdmin, ImportExportHistoryAdmin, TranslatedAdmin):
    resource_classes = [ServiceResource]
    service_field = "pk"
    list_display = [
        "name",
        "slug",
        "translations_missing",
        "agent_count",
        "citizens_choose_agent",
        "needs_confirmation",
        "slot_minutes",
        "is_active",
    ]
    list_filter = ["is_active", "needs_confirmation", "citizens_choose_agent"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]
    # What apps above staffing show on a service's page (messaging: the
    # service's own reminders and channels, issue 24, point 4), added by
    # ``add_service_inline``: staffing knows nothing of them.
    extra_inlines: list = []
    fieldsets = [
        (None, {"fields": ["name", "slug", "description", "is_active", "order"]}),
        (_("Contact"), {"fields": ["main_site", "address", "email", "phone"]}),
        (
            _("Booking rules"),
            {
                "fields": [
                    "citizens_choose_agent",
                    "shows_free_agents",
                    "needs_confirmation",
                    "slot_minutes",
                    "min_notice_hours",
                    "max_horizon_days",
                ]
            },
        ),
        (
            _("Requests awaiting confirmation"),
            {
                "fields": [
                    "request_escalation_hours",
                    "request_deadline_hours",
                    "request_deadline_decision",
                ]
            },
        ),
        (
            _("Information required from citizens"),
            {
                "fields": [
                    "requires_national_number",
                    "requires_birth_date",
                    "requires_address",
                ]
            },
        ),
    ]

    def get_inlines(self, request, obj):
        return [*super().get_inlines(request, obj), *self.extra_inlines]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_agent_count=Count("memberships"))

    @admin.display(description=_("agents"), ordering="_agent_count")
    def agent_count(self, obj) -> int:
        return obj._agent_count

    def may_write(self, user, obj) -> bool:
        # A manager changes only the services he or she manages.
        return may_manage_service(user, obj.pk)


def add_service_inline(inline) -> None:
    """Show ``inline`` on every service's page, after the memberships."""
    if inline not in ServiceAdmin.extra_inlines:
        ServiceAdmin.extra_inlines.append(inline)


_UPDATE_LOGINS_LABEL = _("Update the names and e-mail of existing logins")


class AgentImportForm(ImportForm):
    """The import form, with the administrator's explicit choice to update logins."""

    update_logins = forms.BooleanField(
        label=_UPDATE_LOGINS_LABEL,
        required=False,
        initial=False,
        help_text=_(
            "Unticked, the file's names and e-mail are used only for new logins."
        ),
    )


class AgentConfirmImportForm(ConfirmImportForm):
    """Carries the choice from the preview to the import itself."""

    update_logins = forms.BooleanField(
        label=_UPDATE_LOGINS_LABEL, required=False, widget=forms.HiddenInput
    )


# Django marks an unusable password (an imported login's) with a leading "!".
WITHOUT_PASSWORD = Q(user__password__startswith=UNUSABLE_PASSWORD_PREFIX)


class PasswordFilter(admin.SimpleListFilter):
    """Logins still without a password (imported, not yet invited or not
    yet through their invitation)."""

    title = _("password")
    parameter_name = "password"

    def lookups(self, request, model_admin):
        return [("none", _("not chosen yet")), ("set", _("chosen"))]

    def queryset(self, request, queryset):
        if self.value() == "none":
            return queryset.filter(WITHOUT_PASSWORD)
        if self.value() == "set":
            return queryset.exclude(WITHOUT_PASSWORD)
        return queryset


@admin.register(Agent)
class AgentAdmin(StaffLanguageAdminMixin, ImportExportHistoryAdmin):
    resource_classes = [AgentResource]
    import_form_class = AgentImportForm
    confirm_form_class = AgentConfirmImportForm
    list_display = ["__str__", "title", "service_list", "is_active"]
    list_filter = ["is_active", PasswordFilter, ("services", RelatedDropdownFilter)]
    # An administrator sends the agents a link to choose their password (issue 23).
    actions = ["invite"]
    search_fields = ["user__last_name", "user__first_name", "user__username", "title"]
    autocomplete_fields = ["user"]
    # The feed token is a secret that opens the agent's agenda: never a form
    # field, shown (as its address) to the agent and administrators only.
    exclude = ["feed_token"]
    inlines = [MembershipInline]

    def staff_language_user(self, obj):
        # The agent's login: its language is the admin's and the messages'
        # (issue 19, point 4), set here by administrators.
        return obj.user

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and may_see_feed(request.user, obj):
            fields.append("feed_address")
        return fields

    @admin.display(description=_("agenda feed address"))
    def feed_address(self, obj) -> str:
        return settings.SITE_URL.rstrip("/") + reverse(
            "agent_feed", kwargs={"token": obj.feed_token}
        )

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("user")
            .prefetch_related("services")
        )

    @admin.display(description=_("services"))
    def service_list(self, obj) -> str:
        return ", ".join(service.name for service in obj.services.all())

    def has_invite_permission(self, request) -> bool:
        return is_administrator(request.user)

    @action(
        description=_("Send an invitation to choose a password"),
        permissions=["invite"],
    )
    def invite(self, request, queryset):
        invite_users(self, request, [agent.user for agent in queryset])

    def process_result(self, result, request):
        """After an import, offer to invite the agents still without a password
        (an imported login has none)."""
        response = super().process_result(result, request)
        waiting = Agent.objects.filter(WITHOUT_PASSWORD, user__is_active=True).count()
        if waiting:
            url = reverse("admin:staffing_agent_changelist") + "?password=none"
            self.message_user(
                request,
                format_html(
                    '{} <a class="underline" href="{}">{}</a>',
                    ngettext(
                        "%(count)s agent has no password yet: select it and "
                        "choose “Send an invitation to choose a password”.",
                        "%(count)s agents have no password yet: select them and "
                        "choose “Send an invitation to choose a password”.",
                        waiting,
                    )
                    % {"count": waiting},
                    url,
                    _("Show them"),
                ),
                messages.INFO,
            )
        return response

    def get_confirm_form_initial(self, request, import_form):
        initial = super().get_confirm_form_initial(request, import_form)
        if import_form is not None:
            initial["update_logins"] = import_form.cleaned_data["update_logins"]
        return initial

    def get_import_resource_kwargs(self, request, **kwargs):
        form = kwargs.get("form")
        cleaned = getattr(form, "cleaned_data", None) or {}
        return {
            **super().get_import_resource_kwargs(request, **kwargs),
            "update_logins": bool(cleaned.get("update_logins")),
        }


@admin.register(Membership)
class MembershipAdmin(ManagedServiceAdmin, ImportExportHistoryAdmin):
    resource_classes = [MembershipResource]
    list_display = ["agent", "service", "role"]
    list_filter = ["role", ("service", RelatedDropdownFilter)]
    search_fields = [
        "agent__user__last_name",
        "agent__user__first_name",
        "service__name",
    ]
    autocomplete_fields = ["agent"]
    list_select_related = ["agent__user", "service"]


@admin.register(Site)
class SiteAdmin(HistoryAdmin, TranslatedAdmin):
    """The places where citizens are received (issue 25, point 4): the
    commune's, shared by its services. The administrator writes them; service
    managers and agents read them (their role's permissions)."""

    list_display = ["name", "address", "translations_missing", "is_active", "order"]
    list_filter = ["is_active"]
    search_fields = ["name", "address"]
    fields = ["name", "address", "information", "is_active", "order"]


class TypicalWeekRangeFormSet(forms.BaseInlineFormSet):
    """The week's ranges, checked against the agent's weeks at other sites:
    an agent is in one place at a time (``staffing.services.check_one_place``,
    as the availability editor and the imports check them)."""

    def clean(self):
        super().clean()
        week = self.instance
        if any(self.errors) or not (week.agent_id and week.service_id):
            return
        ranges = [
            (
                form.cleaned_data["weekday"],
                form.cleaned_data["start"],
                form.cleaned_data["end"],
            )
            for form in self.forms
            if form.cleaned_data
            and not form.cleaned_data.get("DELETE")
            and form.cleaned_data.get("start")
            and form.cleaned_data.get("end")
        ]
        check_one_place(
            agent=week.agent,
            service=week.service,
            site=week.site,
            valid_from=week.valid_from,
            valid_until=week.valid_until,
            repeat_every=week.repeat_every,
            ranges=ranges,
            week_id=week.pk,
        )


class TypicalWeekRangeInline(TabularInline):
    model = TypicalWeekRange
    formset = TypicalWeekRangeFormSet
    extra = 0
    min_num = 1


@admin.register(TypicalWeek)
class TypicalWeekAdmin(
    NoHistoryRevertMixin, AvailabilityScopedAdmin, ImportExportHistoryAdmin
):
    resource_classes = [TypicalWeekResource]
    list_display = [
        "__str__",
        "agent",
        "service",
        "place",
        "valid_from",
        "valid_until",
        "repeat_every",
    ]
    list_filter = [
        ("service", RelatedDropdownFilter),
        ("agent", RelatedDropdownFilter),
        ("site", RelatedDropdownFilter),
        ("valid_from", DateRangeFilter),
    ]
    search_fields = ["label", "agent__user__last_name", "service__name"]
    list_select_related = ["agent__user", "service__main_site", "site"]

    @admin.display(description=_("site"), ordering="site__name")
    def place(self, obj) -> str:
        """Where the agent sits that week: its site, else the service's main
        one (issue 25, point 4)."""
        site = obj.site or obj.service.main_site
        return str(site) if site is not None else "–"

    inlines = [TypicalWeekRangeInline]
    date_hierarchy = "valid_from"


@admin.register(AvailabilityException)
class AvailabilityExceptionAdmin(
    NoHistoryRevertMixin, AvailabilityScopedAdmin, ImportExportHistoryAdmin
):
    resource_classes = [AvailabilityExceptionResource]
    list_display = ["agent", "kind", "start", "end", "service", "site", "note"]
    list_filter = [
        "kind",
        ("service", RelatedDropdownFilter),
        ("start", DateRangeFilter),
    ]
    search_fields = ["agent__user__last_name", "note"]
    list_select_related = ["agent__user", "service", "site"]
    date_hierarchy = "start"
    # An exception without a service concerns all of the agent's services, so
    # visibility follows the agent's memberships.
    service_field = "agent__memberships__service"


@admin.register(Closure)
class ClosureAdmin(
    NoHistoryRevertMixin, ManagedServiceAdmin, HistoryAdmin, TranslatedAdmin
):
    """Closures; the add form offers the days communes often close as presets
    (``staffing.closures.PRESETS``), to repeat every year (issue 24, point 3).
    booking adds the appointments a closure hits and the years ahead
    (``booking.portal.staffing_admin``)."""

    list_display = [
        "label",
        "start_date",
        "end_date",
        "service",
        "repetition",
        "translations_missing",
    ]
    list_filter = [
        ("service", RelatedDropdownFilter),
        "repeats_yearly",
        ("start_date", DateRangeFilter),
    ]
    list_select_related = ["service", "repeat_of"]
    search_fields = ["label"]
    date_hierarchy = "start_date"
    change_form_before_template = "admin/staffing/closure_presets.html"

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.repeat_of_id:
            fields.append("repeat_of")
        return fields

    def get_exclude(self, request, obj=None):
        exclude = list(super().get_exclude(request, obj) or [])
        if obj is not None and obj.repeat_of_id:
            # One year of a closure that repeats (it says which): it repeats
            # only through that one.
            exclude.append("repeats_yearly")
        return exclude

    @admin.display(description=_("repeats"))
    def repetition(self, obj) -> str:
        if obj.repeats_yearly:
            return gettext("every year")
        if obj.repeat_of_id:
            return gettext("a year of %(closure)s") % {"closure": obj.repeat_of.label}
        return "—"

    def get_changeform_initial_data(self, request):
        """``?preset=<key>``: the preset's label in every language, its next
        date, repeating every year."""
        initial = super().get_changeform_initial_data(request)
        chosen = preset(request.GET.get("preset", ""))
        if chosen is None:
            return initial
        initial["repeats_yearly"] = True
        day = chosen.next_day(timezone.localdate())
        if day is not None:
            initial.update(start_date=day, end_date=day)
            for code in CODES:
                initial[f"label_{code}"] = chosen.label(code)
        return initial

    def add_view(self, request, form_url="", extra_context=None):
        today = timezone.localdate()
        language = translation.get_language() or settings.LANGUAGE_CODE
        presets = [
            {
                "key": item.key,
                "label": item.label(language[:2]),
                "day": item.next_day(today),
                "chosen": item.key == request.GET.get("preset"),
            }
            for item in PRESETS
        ]
        return super().add_view(
            request,
            form_url,
            {**(extra_context or {}), "closure_presets": presets},
        )
