"""Booking-aware admins for the rows that decide who works when (issue 13).

staffing's admins write typical weeks, exceptions, closures, memberships,
agents and services, and booking's write visit reasons; core's writes logins.
Any of these writes may take time away from booked appointments, which only
booking knows about (staffing never imports booking). So booking re-registers
each of those admins with :class:`ConsequencesAdminMixin` in front
(:func:`register`, called at the end of ``booking/portal/admin.py``): the admin stays
the same page, with the same permissions and URLs, but every write that hits
upcoming appointments goes through ``booking.consequences`` and shows them
first:

- the change form, the delete page, the list's "delete selected" action: the
  row is written in a transaction; if appointments are hit, the transaction is
  rolled back and a preview page lists them (who takes each, or that it is
  cancelled), with the choice to keep them where the change allows it and the
  reason the citizens read. Confirming posts the same form again, and the
  write and its consequences happen together; if the appointments concerned
  changed meanwhile, the preview comes back;
- an import: the dry run that import-export shows before the confirmation also
  lists the appointments hit, and the confirmation form carries the choice,
  the reason and the appointments seen;
- simple-history's revert (where the admin allows one) is refused when it
  would hit appointments: the form shows them first;
- a closure that repeats every year (:class:`ClosureRepeatsAdminMixin`)
  writes its years already due with it, in the same preview, and has a page
  of the years ahead, each with the appointments writing it would hit.

The availability editor of the portal uses :func:`settle` and
:func:`preview_response` the same way (``booking.portal.availability_editor``).
"""

from collections.abc import Callable
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import router, transaction
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from import_export.forms import ConfirmImportForm

from booking.closure_repeats import next_year_write, occurrences_write, upcoming_years
from booking.consequences import AvailabilityChange, ConsequencesChanged, Plan
from booking.models import VisitReason
from core.inputs import parse_ids
from core.roles import is_administrator
from staffing.models import (
    Agent,
    AvailabilityException,
    Closure,
    Membership,
    Service,
    TypicalWeek,
)
from staffing.scopes import member_service_ids

from .counts import outcome_counts

PREFIX = "_consequences"
SAVE_INTRO = _(
    "Saving this change takes time away from these upcoming appointments. "
    "Appointments booked with the service go to a free colleague; the "
    "others, and those nobody can take, are cancelled and the citizens told."
)
TEMPLATE = "admin/booking/availability_consequences.html"
WITHDRAWN_INTRO = _(
    "Switching this off leaves these upcoming appointments without their "
    "service or visit reason: nobody can take them over. They are cancelled and "
    "the citizens told, unless you keep them as they are."
)
KEEP, SETTLE = "keep", "settle"


class NeedsConfirmation(Exception):
    """Appointments are hit and the user has not confirmed (or must again)."""

    def __init__(self, plan: Plan, form: "ConsequencesForm"):
        super().__init__("appointments hit: confirmation needed")
        self.plan = plan
        self.form = form


def _parse_ids(value: str) -> list[int]:
    return parse_ids(value)


class ConsequencesFields(forms.Form):
    """The preview's questions: keep or settle, and the reason citizens read.

    ``ids`` carries the appointments the user saw, so that a confirmation never
    applies to appointments he or she did not see.
    """

    ids = forms.CharField(widget=forms.HiddenInput, required=False)
    choice = forms.ChoiceField(
        label=_("What happens to these appointments"),
        widget=forms.RadioSelect,
        required=False,
    )
    note = forms.CharField(
        label=_("Reason given to the citizens"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Sent to the citizens whose appointment has to be cancelled."),
    )

    def __init__(self, *args, plan: Plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.plan = plan
        settle_label = _("Hand them to a free colleague or cancel them")
        if plan.keeping_adds_openings:
            keep_label = _("Keep them: an extra opening is recorded for each one")
        else:
            keep_label = _("Keep them as they are")
        self.fields["choice"].choices = [(SETTLE, settle_label), (KEEP, keep_label)]
        self.fields["choice"].initial = SETTLE
        if not plan.keepable:
            self.fields["choice"].widget = forms.HiddenInput()

    def clean_ids(self) -> list[int]:
        return _parse_ids(self.cleaned_data["ids"] or "")

    def clean(self):
        cleaned = super().clean()
        keep = cleaned.get("choice") == KEEP
        if keep and not self.plan.keepable:
            self.add_error("choice", _("These appointments cannot be kept."))
        if not keep and self.plan.cancelled and not (cleaned.get("note") or "").strip():
            self.add_error(
                "note",
                _("Give a reason: citizens whose appointment is cancelled read it."),
            )
        return cleaned

    @property
    def keep(self) -> bool:
        return self.cleaned_data.get("choice") == KEEP


class ConsequencesForm(ConsequencesFields):
    """The preview page's form (its fields posted with the ``PREFIX``)."""

    confirm = forms.CharField(widget=forms.HiddenInput, initial="1")


def _confirming(request) -> bool:
    return f"{PREFIX}-confirm" in request.POST


def settle(
    request, change: AvailabilityChange, *, default_note: str = "", confirmable=True
) -> Plan | None:
    """After a write: deal with the appointments it hits as the user confirmed.

    None when no appointment is hit. Raises :class:`NeedsConfirmation` (the
    caller rolls the write back and shows :func:`preview_response`) when some
    are and the user has not confirmed these very ones, with a valid answer.
    """
    plan = change.plan()
    if not plan.changes:
        return None
    initial = {"ids": ",".join(map(str, plan.ids)), "note": default_note}
    if not (confirmable and _confirming(request)):
        raise NeedsConfirmation(
            plan, ConsequencesForm(prefix=PREFIX, plan=plan, initial=initial)
        )
    form = ConsequencesForm(request.POST, prefix=PREFIX, plan=plan)
    if not form.is_valid():
        raise NeedsConfirmation(plan, form)
    try:
        return change.apply(
            actor=request.user,
            note=form.cleaned_data["note"],
            keep=form.keep,
            expected=form.cleaned_data["ids"],
        )
    except ConsequencesChanged as error:
        data = request.POST.copy()
        data[f"{PREFIX}-ids"] = initial["ids"]
        form = ConsequencesForm(data, prefix=PREFIX, plan=plan)
        form.is_valid()
        form.add_error(None, error.message)
        raise NeedsConfirmation(plan, form) from error
    except ValidationError as error:
        form.add_error(None, error.messages)
        raise NeedsConfirmation(plan, form) from error


def done_message(done: Plan) -> str:
    """What the user is told once the appointments are dealt with."""
    return _(
        "Appointments concerned: %(counts)s. Citizens whose appointment is "
        "cancelled are told."
    ) % {
        "counts": outcome_counts(
            reassigned=len(done.reassigned),
            cancelled=len(done.cancelled),
            kept=len(done.kept),
        )
    }


def preview_response(
    request,
    stop: NeedsConfirmation,
    *,
    context: dict,
    cancel_url: str,
    intro: str = "",
) -> TemplateResponse:
    """The page listing the appointments a write would hit, asking to confirm.

    It posts the request's own data again, to the same address, with the
    answers: the view then writes for real.
    """
    resubmit = [
        (key, value)
        for key, values in request.POST.lists()
        if key != "csrfmiddlewaretoken" and not key.startswith(PREFIX)
        for value in values
    ]
    user = request.user
    return TemplateResponse(
        request,
        TEMPLATE,
        {
            **context,
            "title": _("Appointments concerned"),
            "intro": WITHDRAWN_INTRO
            if any(change.withdrawn for change in stop.plan.changes)
            else intro,
            "plan": stop.plan,
            "form": stop.form,
            "resubmit": resubmit,
            "action_url": request.get_full_path(),
            "cancel_url": cancel_url,
            # Citizens are named only where the user may see them.
            "sees_everyone": is_administrator(user),
            "visible_services": member_service_ids(user),
        },
    )


# --- The admins -----------------------------------------------------------------------


class ConsequencesAdminMixin:
    """Put first in the bases of an admin whose rows decide availability."""

    consequences_intro = SAVE_INTRO

    # -- The writes

    def _availability_change(self, request) -> AvailabilityChange:
        if not hasattr(request, "_availability_change"):
            request._availability_change = AvailabilityChange()
            request._availability_pending = []
        return request._availability_change

    def save_model(self, request, obj, form, change):
        tracker = self._availability_change(request)
        pending = tracker.before_write(obj)
        super().save_model(request, obj, form, change)
        if getattr(request, "_consequences_revert", False):
            # A revert saves no related rows: settle now, without confirmation.
            tracker.after_write(pending)
            settle(request, tracker, confirmable=False)
        else:
            request._availability_pending.append(pending)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        tracker = self._availability_change(request)
        for pending in request._availability_pending:
            tracker.after_write(pending)
        self.write_consequent_rows(request, tracker, form.instance)
        self._settle(request, tracker, form.instance)

    def write_consequent_rows(self, request, tracker, obj) -> None:
        """Rows the saved one brings with it, written into the same change
        (the years of a closure that repeats, already due)."""

    def delete_model(self, request, obj):
        tracker = self._availability_change(request)
        pending = tracker.before_write(obj, deleting=True)
        super().delete_model(request, obj)
        tracker.after_write(pending)
        self._settle(request, tracker, None)

    def delete_queryset(self, request, queryset):
        tracker = self._availability_change(request)
        pending = [tracker.before_write(row, deleting=True) for row in queryset]
        super().delete_queryset(request, queryset)
        for item in pending:
            tracker.after_write(item)
        self._settle(request, tracker, None)

    def _settle(self, request, tracker, obj) -> None:
        done = settle(request, tracker, default_note=self.consequences_note(obj))
        if done is not None:
            self.message_user(request, done_message(done), messages.SUCCESS)

    def consequences_note(self, obj) -> str:
        """The reason offered to the citizens: a closure's label, an
        unavailability's note."""
        if isinstance(obj, Closure):
            return obj.label
        if isinstance(obj, AvailabilityException):
            return obj.note
        return ""

    # -- The views: a write that needs confirmation is rolled back and previewed

    def _previewing(self, request, view: Callable[[], Any], cancel_url: str):
        try:
            with transaction.atomic(using=router.db_for_write(self.model)):
                return view()
        except NeedsConfirmation as stop:
            return preview_response(
                request,
                stop,
                context={
                    **self.admin_site.each_context(request),
                    "opts": self.model._meta,
                },
                cancel_url=cancel_url,
                intro=self.consequences_intro,
            )

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        parent = super().changeform_view
        if request.method != "POST":
            return parent(request, object_id, form_url, extra_context)
        return self._previewing(
            request,
            lambda: parent(request, object_id, form_url, extra_context),
            request.get_full_path(),
        )

    def delete_view(self, request, object_id, extra_context=None):
        parent = super().delete_view
        if request.method != "POST":
            return parent(request, object_id, extra_context)
        return self._previewing(
            request, lambda: parent(request, object_id, extra_context), request.path
        )

    def changelist_view(self, request, extra_context=None):
        parent = super().changelist_view
        if not (
            request.method == "POST"
            and request.POST.get("action") == "delete_selected"
            and request.POST.get("post")
        ):
            return parent(request, extra_context)
        return self._previewing(
            request, lambda: parent(request, extra_context), request.path
        )

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        parent = super().history_form_view
        if request.method != "POST":
            return parent(request, object_id, version_id, extra_context)
        request._consequences_revert = True
        try:
            with transaction.atomic(using=router.db_for_write(self.model)):
                return parent(request, object_id, version_id, extra_context)
        except NeedsConfirmation as stop:
            self.message_user(
                request,
                ngettext(
                    "This version would cancel or hand over %(count)s upcoming "
                    "appointment: make the change in the form, which shows "
                    "it first.",
                    "This version would cancel or hand over %(count)s upcoming "
                    "appointments: make the change in the form, which shows "
                    "them first.",
                    len(stop.plan.changes),
                )
                % {"count": len(stop.plan.changes)},
                messages.ERROR,
            )
            return redirect(request.path)

    # -- Imports: the dry run lists the appointments hit, the confirmation answers

    import_template_name = "admin/booking/import_consequences.html"

    def get_import_resource_classes(self, request):
        return [
            _with_consequences(resource_class)
            for resource_class in super().get_import_resource_classes(request)
        ]

    def get_confirm_form_class(self, request):
        base = super().get_confirm_form_class(request)
        return type(base.__name__, (ConsequencesConfirmImportForm, base), {})

    def get_import_data_kwargs(self, **kwargs):
        form = kwargs.get("form")
        data = super().get_import_data_kwargs(**kwargs)
        if isinstance(form, ConsequencesConfirmImportForm) and form.is_bound:
            data["consequences"] = form.answer()
        return data

    def import_action(self, request, **kwargs):
        response = super().import_action(request, **kwargs)
        context = getattr(response, "context_data", None) or {}
        plan = getattr(context.get("result"), "consequences", None)
        confirm_form = context.get("confirm_form")
        if plan is not None and plan.changes and confirm_form is not None:
            confirm_form.show_consequences(plan)
            context["consequences"] = plan
            context["consequences_intro"] = _(
                "Importing this file takes time away from these upcoming "
                "appointments. Appointments booked with the service go to a free "
                "colleague; the others, and those nobody can take, are cancelled "
                "and the citizens told."
            )
            context["sees_everyone"] = is_administrator(request.user)
            context["visible_services"] = member_service_ids(request.user)
        return response

    def process_result(self, result, request):
        if result.has_errors():
            # The confirmation came too late (the appointments concerned
            # changed) or the consequences failed: nothing was written.
            for error in result.base_errors:
                self.message_user(request, str(error.error), messages.ERROR)
            info = self.model._meta.app_label, self.model._meta.model_name
            return redirect(reverse("admin:{}_{}_import".format(*info)))
        done = getattr(result, "consequences_done", None)
        if done is not None:
            self.message_user(request, done_message(done), messages.SUCCESS)
        return super().process_result(result, request)


class ClosureRepeatsAdminMixin:
    """The closure admin's part that needs booking (issue 24, point 3): a
    closure that repeats writes, on save, its years already within
    ``CLOSURE_REPEAT_DAYS_AHEAD`` into the same change (previewed with it);
    its page of years ahead (``admin:staffing_closure_years``) shows, for each
    next year, when the job writes it and the appointments that writing it
    would hand over or cancel, and writes the next one now on request, after
    the same preview."""

    years_template = "admin/booking/closure_years.html"

    def write_consequent_rows(self, request, tracker, obj) -> None:
        super().write_consequent_rows(request, tracker, obj)
        if obj is not None and obj.repeats_yearly and not obj.repeat_of_id:
            occurrences_write(
                tracker, series=obj, today=timezone.localdate(), actor=request.user
            )

    def get_urls(self):
        info = self.model._meta.app_label, self.model._meta.model_name
        years = path(
            "<path:object_id>/years/",
            self.admin_site.admin_view(self.years_view),
            name="{}_{}_years".format(*info),
        )
        return [years, *super().get_urls()]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.repeats_yearly and not obj.repeat_of_id:
            fields.append("years_ahead")
        return fields

    @admin.display(description=_("years ahead"))
    def years_ahead(self, obj) -> str:
        return format_html(
            '<a class="text-primary-600 dark:text-primary-400 underline" '
            'href="{}">{}</a>',
            reverse("admin:staffing_closure_years", args=[obj.pk]),
            _("When each year is written, and the appointments it concerns"),
        )

    def years_view(self, request, object_id):
        """The years ahead of a closure that repeats; a POST writes the next
        one now (after the preview when it hits appointments)."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        series = self.get_object(request, unquote(object_id))
        if series is None:
            raise Http404
        if not self.has_change_permission(request, series):
            raise PermissionDenied
        here = reverse("admin:staffing_closure_years", args=[series.pk])
        if request.method == "POST":
            return self._previewing(
                request, lambda: self._write_next_year(request, series, here), here
            )
        written = series.occurrences.order_by("start_date")
        return TemplateResponse(
            request,
            self.years_template,
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "original": series,
                "title": _("Years ahead of “%(closure)s”") % {"closure": series.label},
                "series": series,
                "written": written,
                "years": upcoming_years(series),
                "days_ahead": settings.CLOSURE_REPEAT_DAYS_AHEAD,
                "sees_everyone": is_administrator(request.user),
                "visible_services": member_service_ids(request.user),
            },
        )

    def _write_next_year(self, request, series, here):
        tracker = AvailabilityChange()
        rows = next_year_write(
            tracker, series=series, today=timezone.localdate(), actor=request.user
        )
        done = settle(request, tracker, default_note=series.label)
        if done is not None:
            self.message_user(request, done_message(done), messages.SUCCESS)
        if rows:
            self.message_user(
                request,
                _("Written: %(closure)s.") % {"closure": rows[-1]},
                messages.SUCCESS,
            )
        return redirect(here)


class ConsequencesConfirmImportForm(ConfirmImportForm):
    """The import's confirmation, with the preview's questions when the file
    hits appointments (``show_consequences``)."""

    consequence_ids = forms.CharField(widget=forms.HiddenInput, required=False)
    consequence_choice = forms.ChoiceField(
        choices=[(SETTLE, SETTLE), (KEEP, KEEP)],
        widget=forms.HiddenInput,
        required=False,
    )
    consequence_note = forms.CharField(
        widget=forms.HiddenInput, required=False, max_length=500
    )

    def show_consequences(self, plan: Plan) -> None:
        """Turn the hidden answers into questions about ``plan``."""
        questions = ConsequencesFields(plan=plan)
        self.initial["consequence_ids"] = ",".join(map(str, plan.ids))
        self.initial["consequence_choice"] = SETTLE
        self.fields["consequence_note"] = questions.fields["note"]
        self.fields["consequence_note"].required = bool(plan.cancelled)
        if plan.keepable:
            self.fields["consequence_choice"] = questions.fields["choice"]

    def answer(self) -> dict:
        cleaned = self.cleaned_data
        return {
            "ids": _parse_ids(cleaned.get("consequence_ids") or ""),
            "keep": cleaned.get("consequence_choice") == KEEP,
            "note": cleaned.get("consequence_note") or "",
        }


class ConsequencesResourceMixin:
    """An import resource whose rows go through ``booking.consequences``.

    The dry run lists the appointments the file hits (``result.consequences``);
    the real import deals with them as confirmed, or fails as a whole when they
    are not the ones confirmed.
    """

    def before_import(self, dataset, **kwargs):
        super().before_import(dataset, **kwargs)
        self._availability_change = AvailabilityChange()

    def save_instance(self, instance, is_create, row, **kwargs):
        tracker = self._availability_change
        pending = tracker.before_write(instance)
        super().save_instance(instance, is_create, row, **kwargs)
        tracker.after_write(pending)

    def after_import(self, dataset, result, **kwargs):
        super().after_import(dataset, result, **kwargs)
        plan = self._availability_change.plan()
        result.consequences = plan
        if kwargs.get("dry_run") or not plan.changes:
            return
        answer = kwargs.get("consequences")
        if answer is None:
            raise ConsequencesChanged(
                _(
                    "This file hits booked appointments: import it from the "
                    "admin, which lists them first."
                )
            )
        result.consequences_done = self._availability_change.apply(
            actor=kwargs.get("user"),
            note=answer["note"],
            keep=answer["keep"],
            expected=answer["ids"],
        )


def _with_consequences(resource_class):
    if issubclass(resource_class, ConsequencesResourceMixin):
        return resource_class
    return type(
        resource_class.__name__, (ConsequencesResourceMixin, resource_class), {}
    )


def register(site) -> None:
    """Re-register the admins of the rows that decide availability with
    :class:`ConsequencesAdminMixin` in front. Call it once every app's admin is
    registered (the end of ``booking/portal/admin.py``)."""
    models = [
        Closure,
        AvailabilityException,
        TypicalWeek,
        Membership,
        Agent,
        Service,
        VisitReason,
        get_user_model(),
    ]
    for model in models:
        current = type(site.get_model_admin(model))
        if issubclass(current, ConsequencesAdminMixin):
            continue
        mixins = (ConsequencesAdminMixin, current)
        if model is Closure:
            mixins = (ClosureRepeatsAdminMixin, *mixins)
        site.unregister(model)
        site.register(
            model,
            type(
                current.__name__,
                mixins,
                {"__module__": current.__module__, "__doc__": current.__doc__},
            ),
        )
