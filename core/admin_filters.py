"""Date range filters for every admin list: Belgian dates, whole local days.

unfold's ``RangeDateFilter`` reads the typed dates with the global, US-first
``DATE_INPUT_FORMATS``, compares a date-time field with midnight of the last
day (leaving that day out) and, when a date cannot be read, drops the filter
and shows every row. ``DateRangeFilter`` reads dates as the active language
writes them (and ISO dates), covers whole days in the commune's time zone and
answers an unreadable date with an error and no rows.
"""

from datetime import date, datetime, time, timedelta

from django import forms
from django.contrib import messages
from django.db.models import DateTimeField, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from unfold.contrib.filters.admin import RangeDateFilter
from unfold.contrib.filters.forms import RangeDateForm

from .inputs import validate_day


def local_midnight(day: date) -> datetime:
    """The start of ``day`` in the commune's time zone, as an aware datetime.

    Built per day with the zone's rules, so that a range starting or ending on
    a summer/winter time change day still covers exactly its days.
    """
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


class LocalDateRangeForm(RangeDateForm):
    """unfold's two date inputs, read in the active language's formats.

    Django's ``DateField`` already parses with the active language's
    ``DATE_INPUT_FORMATS`` plus ISO; the form adds the check that the range is
    not upside down, and keeps both dates within ``core.inputs`` bounds (year 1
    would overflow once turned into an aware midnight).
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.validators.append(validate_day)

    def clean(self):
        cleaned = super().clean()
        first = cleaned.get(f"{self.name}_from")
        last = cleaned.get(f"{self.name}_to")
        if first and last and last < first:
            raise forms.ValidationError(
                _("The end date is before the start date."), code="reversed"
            )
        return cleaned


class DateRangeFilter(RangeDateFilter):
    """A from–to filter on a date or date-time field; both days are included."""

    form_class = LocalDateRangeForm

    def _form(self) -> LocalDateRangeForm:
        return self.form_class(
            name=self.parameter_name,
            data={
                key: self.used_parameters.get(key) for key in self.expected_parameters()
            },
        )

    def queryset(self, request, queryset: QuerySet) -> QuerySet:
        if not self.used_parameters:
            return queryset
        form = self._form()
        if not form.is_valid():
            # Never fall back to every row: the list stays empty and says why.
            for error in _form_errors(form):
                messages.error(request, error)
            return queryset.none()
        first = form.cleaned_data.get(f"{self.parameter_name}_from")
        last = form.cleaned_data.get(f"{self.parameter_name}_to")
        field = self.field_path
        filters = {}
        if isinstance(self.field, DateTimeField):
            if first:
                filters[f"{field}__gte"] = local_midnight(first)
            if last:
                filters[f"{field}__lt"] = local_midnight(last + timedelta(days=1))
        else:
            if first:
                filters[f"{field}__gte"] = first
            if last:
                filters[f"{field}__lte"] = last
        return queryset.filter(**filters)

    def choices(self, changelist):
        yield {
            "request": self.request,
            "parameter_name": self.parameter_name,
            "form": self._form(),
        }


def _form_errors(form: forms.Form) -> list[str]:
    """Every error of the form, each named by its input's placeholder (From, To)."""
    errors = []
    for name, field_errors in form.errors.items():
        field = form.fields.get(name)
        label = field.widget.attrs.get("placeholder") if field else None
        for error in field_errors:
            errors.append(
                _("%(field)s: %(error)s") % {"field": label, "error": error}
                if label
                else error
            )
    return errors
