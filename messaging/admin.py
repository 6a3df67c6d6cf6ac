"""Admin of messages: the outbox, the template editor, channel rules, reminder
settings, the inbox of requests to answer (R10, R22, R30, R31); and
django-q2's admins, re-registered with unfold's look.

Thin: actions and views call ``messaging.services`` / ``booking.services`` and
turn their errors into admin messages.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, JsonResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django_q import admin as q_admin
from django_q.models import Failure, OrmQ, Schedule, Success
from unfold.admin import ModelAdmin, StackedInline, TabularInline
from unfold.contrib.filters.admin import ChoicesDropdownFilter
from unfold.decorators import action, display
from unfold.widgets import UnfoldAdminNullBooleanSelectWidget

from core.admin_base import BoundedDateLookupsMixin, HistoryAdmin
from core.admin_filters import DateRangeFilter
from core.roles import is_administrator
from staffing.admin import add_service_inline

from . import services
from .answer import answer_request
from .forms import MessageTemplateForm, ScheduleForm, render_sample
from .models import (
    NOT_PER_SERVICE,
    ChannelRule,
    Event,
    Message,
    MessageTemplate,
    MessagingSettings,
    ServiceChannelRule,
    ServiceMessaging,
)
from .rendering import CONTEXT_HELP, Texts
from .selectors import may_view_messages, messages_visible_to
from .sms import sms_segments
from .views import inbox, sms_budget

for model, base in [
    (Success, q_admin.TaskAdmin),
    (Failure, q_admin.FailAdmin),
    (OrmQ, q_admin.QueueAdmin),
]:
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    admin.site.register(model, type(base.__name__, (base, ModelAdmin), {}))


class ScheduleAdmin(q_admin.ScheduleAdmin, ModelAdmin):
    """Scheduled jobs: only the project's own tasks (``ScheduleForm``), for
    superusers too, since a free dotted path would run any Python callable."""

    form = ScheduleForm


if admin.site.is_registered(Schedule):
    admin.site.unregister(Schedule)
admin.site.register(Schedule, ScheduleAdmin)

admin.site.register_view("messaging/inbox/", inbox, name="messaging_inbox")
admin.site.register_view("messaging/sms/", sms_budget, name="messaging_sms")
# The page a pending request's e-mail opens, without a session: the link's
# token is the key (messaging/answer.py).
admin.site.register_open_view(
    "messaging/answer/<str:appointment_id>/<str:token>/",
    answer_request,
    name="messaging_answer",
)


def can_view_messages(request) -> bool:
    """Sidebar callback: administrators, and managers for their services."""
    return may_view_messages(request.user)


# --- The outbox ---------------------------------------------------------------

STATUS_COLOURS = {
    Message.Status.PENDING: "warning",
    Message.Status.SENDING: "info",
    Message.Status.SENT: "success",
    Message.Status.FAILED: "danger",
    Message.Status.SKIPPED: "info",
}


@admin.register(Message)
class MessageAdmin(BoundedDateLookupsMixin, ModelAdmin):
    """Every message, as sent: read-only, with a "resend" action."""

    list_display = [
        "created_at",
        "event",
        "channel",
        "recipient",
        "show_status",
        "attempts",
        "show_appointment",
        "sent_at",
    ]
    list_filter = [
        ("status", ChoicesDropdownFilter),
        ("channel", ChoicesDropdownFilter),
        ("event", ChoicesDropdownFilter),
        ("created_at", DateRangeFilter),
    ]
    list_filter_submit = True
    list_per_page = 50
    search_fields = ["recipient", "subject", "appointment__citizen__last_name"]
    date_hierarchy = "created_at"
    list_select_related = ["appointment__citizen", "appointment__service"]
    actions = ["resend"]
    actions_detail = ["resend_one"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "status",
                    "event",
                    "channel",
                    "recipient",
                    "country",
                    "segments",
                    "instead_of_sms",
                    "language",
                    "show_appointment",
                    "agent",
                    "occurrence",
                ]
            },
        ),
        (_("Content"), {"fields": ["subject", "show_body", "show_html", "show_ics"]}),
        (
            _("Delivery"),
            {
                "fields": [
                    "attempts",
                    "next_attempt_at",
                    "last_error",
                    "provider_id",
                    "created_at",
                    "sent_at",
                ]
            },
        ),
    ]
    readonly_fields = [
        "status",
        "event",
        "channel",
        "recipient",
        "country",
        "segments",
        "instead_of_sms",
        "language",
        "show_appointment",
        "agent",
        "occurrence",
        "subject",
        "show_body",
        "show_html",
        "show_ics",
        "attempts",
        "next_attempt_at",
        "last_error",
        "provider_id",
        "created_at",
        "sent_at",
    ]

    def get_queryset(self, request):
        return messages_visible_to(request.user).select_related(
            "appointment__citizen", "appointment__service", "agent__user"
        )

    def _may_see(self, request, obj=None) -> bool:
        if obj is None or is_administrator(request.user):
            return may_view_messages(request.user)
        return services.may_resend(request.user, obj)

    def has_module_permission(self, request):
        return self._may_see(request)

    def has_view_permission(self, request, obj=None):
        return self._may_see(request, obj)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        # Messages are the record of what people were told.
        return False

    def has_resend_permission(self, request, object_id=None):
        if object_id is None:
            return self._may_see(request)
        message = self.get_queryset(request).filter(pk=object_id).first()
        return message is not None and services.may_resend(request.user, message)

    @display(description=_("status"), ordering="status", label=STATUS_COLOURS)
    def show_status(self, obj):
        return obj.status, obj.get_status_display()

    @display(description=_("appointment"))
    def show_appointment(self, obj):
        if obj.appointment_id is None:
            return "—"
        return format_html(
            '<a class="text-primary-600 underline" href="{}">{}</a>',
            reverse("admin:booking_appointment_change", args=[obj.appointment_id]),
            obj.appointment,
        )

    @display(description=_("text"))
    def show_body(self, obj):
        return format_html(
            '<pre style="white-space:pre-wrap;overflow-wrap:anywhere;'
            'font-family:inherit">{}</pre>',
            obj.body,
        )

    @display(description=_("HTML version"))
    def show_html(self, obj):
        if not obj.html_body:
            return "—"
        # A sandboxed frame without scripts: the HTML is shown, never run.
        return format_html(
            '<iframe sandbox="" title="{}" srcdoc="{}" '
            'class="w-full border border-base-200 rounded" style="height:24rem">'
            "</iframe>",
            gettext("HTML version"),
            obj.html_body,
        )

    @display(description=_("calendar attachment"))
    def show_ics(self, obj):
        if not obj.ics:
            return "—"
        return format_html(
            '<pre class="text-xs" style="white-space:pre-wrap;'
            'overflow-wrap:anywhere">{}</pre>',
            obj.ics,
        )

    def _resend(self, request, queryset) -> None:
        done = 0
        for message in queryset:
            try:
                services.message_resend(message=message, actor=request.user)
            except services.MessagingError as error:
                self.message_user(
                    request, f"{message}: {error.message}", messages.WARNING
                )
            except PermissionDenied:
                self.message_user(
                    request,
                    gettext("%(message)s: you may not resend it.")
                    % {"message": message},
                    messages.ERROR,
                )
            else:
                done += 1
        if done:
            self.message_user(
                request,
                ngettext(
                    "%(count)s message queued to be sent again.",
                    "%(count)s messages queued to be sent again.",
                    done,
                )
                % {"count": done},
                messages.SUCCESS,
            )

    @action(description=_("Send again"), permissions=["resend"], icon="send")
    def resend(self, request, queryset):
        self._resend(request, queryset)

    @action(
        description=_("Send again"),
        permissions=["resend"],
        icon="send",
        # A GET shows the dialog; only its POST sends (no state change on a link).
        dialog={
            "title": _("Send again"),
            "description": _("Send this message to its recipient once more?"),
            "form_class": None,
            "form_submit_text": _("Send again"),
        },
    )
    def resend_one(self, request, form, object_id):
        self._resend(request, self.get_queryset(request).filter(pk=object_id))
        return redirect(reverse("admin:messaging_message_change", args=[object_id]))


# --- The template editor ------------------------------------------------------------


@admin.register(MessageTemplate)
class MessageTemplateAdmin(HistoryAdmin):
    form = MessageTemplateForm
    list_display = ["event", "channel", "language", "show_excerpt", "updated_at"]
    list_filter = [
        ("event", ChoicesDropdownFilter),
        ("channel", ChoicesDropdownFilter),
        ("language", ChoicesDropdownFilter),
    ]
    search_fields = ["subject", "body"]
    readonly_fields = ["preview", "variables"]
    fieldsets = [
        (None, {"fields": ["event", "channel", "language"]}),
        (
            _("Text"),
            {"fields": ["subject", "body", "html_body"]},
        ),
        (_("Preview with a sample appointment"), {"fields": ["preview"]}),
        (_("Variables"), {"fields": ["variables"], "classes": ["collapse"]}),
    ]

    def get_urls(self):
        preview = path(
            "preview/",
            self.admin_site.admin_view(self.preview_view),
            name="messaging_messagetemplate_preview",
        )
        return [preview, *super().get_urls()]

    @display(description=_("text"))
    def show_excerpt(self, obj):
        text = obj.subject or obj.body
        return text if len(text) <= 80 else text[:79] + "…"

    @display(description=_("available in every text"))
    def variables(self, obj):
        rows = format_html_join(
            "",
            '<li><code class="text-xs">{}</code>{}</li>',
            (
                (names, format_html(" — {}", help_text) if help_text else "")
                for names, help_text in CONTEXT_HELP
            ),
        )
        return format_html('<ul class="flex flex-col gap-1">{}</ul>', rows)

    @display(description=_("preview"))
    def preview(self, obj):
        """The saved text rendered; sms-counter.js refreshes it while typing."""
        subject = body = html = error = ""
        if obj is not None and obj.pk:
            try:
                rendered = render_sample(
                    Texts(obj.subject, obj.body, obj.html_body),
                    channel=obj.channel,
                    language=obj.language,
                )
                subject, body, html = (
                    rendered.subject,
                    rendered.body,
                    rendered.html_body,
                )
            except Exception as problem:  # shown to the author
                error = str(problem)
        return render_to_string(
            "messaging/template_preview.html",
            {
                "preview_url": reverse("admin:messaging_messagetemplate_preview"),
                "error": error,
                "subject": subject,
                "body": body,
                "html": html,
            },
        )

    @staticmethod
    def _texts_from(post) -> tuple[Texts, str, str]:
        return (
            Texts(
                post.get("subject", ""),
                post.get("body", ""),
                post.get("html_body", ""),
            ),
            post.get("channel", "email"),
            post.get("language", "fr"),
        )

    def preview_view(self, request: HttpRequest):
        """The editor's live preview: render the posted texts with the sample."""
        if not (
            self.has_change_permission(request) or self.has_add_permission(request)
        ):
            raise PermissionDenied
        if request.method != "POST":
            return JsonResponse({"error": "POST only"}, status=405)
        texts, channel, language = self._texts_from(request.POST)
        return _preview_response(texts, channel, language)


def _preview_response(texts: Texts, channel: str, language: str) -> JsonResponse:
    try:
        rendered = render_sample(texts, channel=channel, language=language)
    except Exception as error:  # shown to the author
        return JsonResponse({"error": str(error)})
    encoding, chars, segments = sms_segments(rendered.body)
    return JsonResponse(
        {
            "subject": rendered.subject,
            "body": rendered.body,
            "html": rendered.html_body,
            "encoding": encoding,
            "chars": chars,
            "segments": segments,
        }
    )


# --- Channel rules and settings ----------------------------------------------


@admin.register(ChannelRule)
class ChannelRuleAdmin(HistoryAdmin):
    list_display = ["event", "channels"]
    list_editable = ["channels"]
    list_display_links = None
    ordering = ["pk"]

    def has_add_permission(self, request):
        # One rule per event, shipped by a migration.
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(MessagingSettings)
class MessagingSettingsAdmin(HistoryAdmin):
    list_display = [
        "__str__",
        "reminder_recipients",
        "remind_pending",
        "sms_segment_price",
        "sms_monthly_budget",
    ]
    fieldsets = [
        (
            _("Day-before reminders"),
            {"fields": ["reminder_recipients", "remind_pending"]},
        ),
        (
            _("SMS budget"),
            {
                "fields": ["sms_segment_price", "sms_monthly_budget"],
                "description": _(
                    "Each service may choose its own reminders and channels on "
                    "its page. The SMS sent, their cost and the budget: "
                    "“SMS and budget”."
                ),
            },
        ),
    ]

    def has_add_permission(self, request):
        return not MessagingSettings.objects.exists() and super().has_add_permission(
            request
        )

    def has_delete_permission(self, request, obj=None):
        return False


# --- A service's own rules (issue 24, point 4) ----------------------------------------


class CommuneChoiceSelect(UnfoldAdminNullBooleanSelectWidget):
    """Yes, no, or (empty) as the commune chose."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = [
            ("unknown", _("as the commune chose")),
            ("true", _("yes")),
            ("false", _("no")),
        ]


class ServiceMessagingInline(StackedInline):
    """Who gets the day-before reminders of this service's appointments."""

    model = ServiceMessaging
    extra = 1
    max_num = 1
    can_delete = False
    verbose_name = _("Reminders of this service")
    verbose_name_plural = _("Reminders of this service")

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "remind_pending":
            kwargs["widget"] = CommuneChoiceSelect()
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "reminder_recipients" and field is not None:
            field.choices = [("", gettext("as the commune chose"))] + [
                choice for choice in field.choices if choice[0]
            ]
        return field


class ServiceChannelRuleInline(TabularInline):
    """The channels of this service's messages, event by event, where they
    differ from the commune's."""

    model = ServiceChannelRule
    extra = 0
    verbose_name = _("channel rule of this service")
    verbose_name_plural = _(
        "Channels of this service's messages (other events: as the commune chose)"
    )

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "event":
            kwargs["choices"] = [
                (value, label)
                for value, label in Event.choices
                if value not in NOT_PER_SERVICE
            ]
        return super().formfield_for_choice_field(db_field, request, **kwargs)


# Shown on each service's page, to those who may change these rules
# (administrators: the inlines follow the models' permissions).
add_service_inline(ServiceMessagingInline)
add_service_inline(ServiceChannelRuleInline)
