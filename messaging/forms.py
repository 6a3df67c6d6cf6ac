"""The template editor's form: a text is saved only if it renders, and an SMS
only if it fits (R31)."""

from django import forms
from django.conf import settings
from django.template import TemplateSyntaxError
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django_q.models import Schedule
from unfold.widgets import UnfoldAdminSelectWidget, UnfoldAdminTextareaWidget

from .models import Channel, MessageTemplate
from .rendering import Rendered, Texts, compile_template, render_texts, sample_context
from .schedules import schedulable_tasks
from .sms import GSM7_BASIC, GSM7_EXTENSION, UCS2, sms_segments


def sms_length_error(text: str, max_segments: int) -> str | None:
    """A clear explanation when ``text`` needs more than ``max_segments`` SMS."""
    encoding, chars, segments = sms_segments(text)
    if segments <= max_segments:
        return None
    message = gettext(
        "This SMS is too long: with the sample appointment it takes %(segments)s "
        "segments (%(chars)s characters, %(encoding)s), and at most "
        "%(max)s are allowed. Shorten the text."
    ) % {
        "segments": segments,
        "chars": chars,
        "encoding": encoding,
        "max": max_segments,
    }
    if encoding == UCS2:
        outside = sorted(
            {c for c in text if c not in GSM7_BASIC and c not in GSM7_EXTENSION}
        )
        message += " " + gettext(
            "These characters are outside the GSM alphabet and reduce a segment "
            "to 67 characters: %(characters)s"
        ) % {"characters": " ".join(outside)}
    return message


def render_sample(texts: Texts, *, channel: str, language: str) -> Rendered:
    """The texts rendered with the editor's sample appointment."""
    return render_texts(
        texts, channel=channel, context=sample_context(language), language=language
    )


class SmsCounterTextarea(UnfoldAdminTextareaWidget):
    """The text box, with the data the live counter (sms-counter.js) needs."""

    def __init__(self, attrs=None):
        super().__init__(attrs={"rows": 12, **(attrs or {})})

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"].update(
            {
                "data-sms-counter": "",
                "data-max-segments": str(settings.SMS_MAX_SEGMENTS),
                # Translated here: the static script has no catalogue.
                "data-label-typed": gettext("Text as typed"),
                "data-label-sample": gettext("With the sample appointment"),
                # Both plural forms: the script picks one by the count
                # (Intl.PluralRules; fr, nl, de and en have these two).
                "data-label-count-one": ngettext(
                    "{chars} characters, {encoding}: {segments} segment of "
                    "{max} allowed",
                    "{chars} characters, {encoding}: {segments} segments of "
                    "{max} allowed",
                    1,
                ),
                "data-label-count": ngettext(
                    "{chars} characters, {encoding}: {segments} segment of "
                    "{max} allowed",
                    "{chars} characters, {encoding}: {segments} segments of "
                    "{max} allowed",
                    2,
                ),
                "data-label-too-long": gettext("too long"),
            }
        )
        return context


class MessageTemplateForm(forms.ModelForm):
    class Meta:
        model = MessageTemplate
        fields = ["event", "channel", "language", "subject", "body", "html_body"]
        widgets = {"body": SmsCounterTextarea()}

    class Media:
        js = ["messaging/sms-counter.js"]

    def clean(self):
        data = super().clean()
        channel = data.get("channel")
        language = data.get("language") or settings.LANGUAGE_CODE
        if channel == Channel.SMS:
            # An SMS has neither subject nor HTML: nothing hidden is kept.
            data["subject"], data["html_body"] = "", ""
        elif channel == Channel.EMAIL and not data.get("subject", "").strip():
            self.add_error("subject", _("An e-mail needs a subject."))
        for name, html in (("subject", False), ("body", False), ("html_body", True)):
            try:
                compile_template(data.get(name) or "", html=html)
            except TemplateSyntaxError as error:
                self.add_error(
                    name,
                    _("This is not a valid template: %(error)s") % {"error": error},
                )
        if self.errors or not channel:
            return data
        texts = Texts(data.get("subject", ""), data["body"], data.get("html_body", ""))
        try:
            rendered = render_sample(texts, channel=channel, language=language)
        except Exception as error:  # any error is the author's to see
            self.add_error(
                "body",
                _("This text cannot be rendered with the sample appointment: %(error)s")
                % {"error": error},
            )
            return data
        if channel == Channel.SMS:
            problem = sms_length_error(rendered.body, settings.SMS_MAX_SEGMENTS)
            if problem:
                self.add_error("body", forms.ValidationError(problem, code="too_long"))
        return data


class RefuseForm(forms.Form):
    """An agent's refusal of a request: the citizen reads the reason (R10)."""

    reason = forms.CharField(
        label=_("Reason for refusal"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=500,
        strip=True,
        error_messages={
            "required": _("Say why the request is refused: the citizen will read it.")
        },
    )


class ScheduleForm(forms.ModelForm):
    """A django-q2 schedule that can run only one of the project's own jobs
    (``messaging.schedules.SCHEDULES``), and no hook: both are dotted paths that
    the worker would import and call, whatever they name."""

    func = forms.ChoiceField(
        label=_("Task"),
        widget=UnfoldAdminSelectWidget,
        help_text=_("Only the application's own tasks can be scheduled."),
    )

    class Meta:
        model = Schedule
        fields = [
            "name",
            "func",
            "hook",
            "args",
            "kwargs",
            "schedule_type",
            "minutes",
            "repeats",
            "next_run",
            "cron",
            "cluster",
            "intended_date_kwarg",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["func"].choices = [
            (func, f"{name} ({func})") for func, name in schedulable_tasks().items()
        ]

    def clean_hook(self) -> str:
        hook = (self.cleaned_data.get("hook") or "").strip()
        if hook:
            raise forms.ValidationError(
                _("A schedule cannot call a hook: leave this field empty.")
            )
        return hook
