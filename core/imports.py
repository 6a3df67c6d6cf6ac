"""Spreadsheet imports that explain themselves (R25).

import-export reports an unknown reference as "Service matching query does not
exist." with a traceback, a missing column as a traceback with the server's
paths, numbers rows from the first data row, and reads a file of any size.
Here (used by ``core.admin_base.AllOrNothingResource`` and its admin):

- every bad row is reported, in the user's language, numbered as a
  spreadsheet shows it (the header is row 1): "Row 3: unknown service
  “urbanism”", "Row 4, column “email”: Enter a valid email address.";
- a file is refused as a whole, with one clear message, when it is larger than
  ``IMPORT_MAX_BYTES``, has more than ``IMPORT_MAX_ROWS`` rows or lacks a
  column that identifies its rows;
- text that cannot be stored (NUL, control characters) is refused with the
  API's rule (``core.inputs.text_error``);
- an unexpected failure is logged for the administrator, never shown.
"""

import logging

from django.conf import settings
from django.core.exceptions import (
    NON_FIELD_ERRORS,
    MultipleObjectsReturned,
    ObjectDoesNotExist,
    ValidationError,
)
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export.widgets import ForeignKeyWidget
from unfold.contrib.import_export.forms import ImportForm

from .inputs import text_error

logger = logging.getLogger(__name__)


class ImportRefused(Exception):
    """The whole file is refused; ``str()`` is the message for the user."""


class UnknownReference(ValueError):
    """A value naming no row ("urbanism" for a service); its message says so
    completely, so the report does not name the column again."""


class ReferenceWidget(ForeignKeyWidget):
    """A foreign key given by a natural value (a slug, a username).

    Subclasses set ``unknown_message``, e.g. "unknown service “%(value)s”".
    """

    unknown_message = gettext_lazy("unknown value “%(value)s”")

    def clean(self, value, row=None, **kwargs):
        try:
            return super().clean(value, row=row, **kwargs)
        except (ObjectDoesNotExist, MultipleObjectsReturned):
            raise UnknownReference(
                str(self.unknown_message) % {"value": value}
            ) from None


def spreadsheet_row(number: int) -> int:
    """import-export counts data rows from 1; a spreadsheet shows the header
    as row 1, so the first data row is row 2."""
    return number + 1


def file_problems(resource, dataset) -> list[str]:
    """Why the whole file is refused: too many rows, identifying columns
    missing (each named). Empty when the rows may be read."""
    limit = settings.IMPORT_MAX_ROWS
    if limit and len(dataset) > limit:
        return [
            _(
                "The file has %(count)s rows; import at most %(limit)s rows at a "
                "time (split the file)."
            )
            % {"count": len(dataset), "limit": limit}
        ]
    headers = {str(header).strip() for header in dataset.headers or []}
    missing = [
        resource.fields[name].column_name
        for name in resource.get_import_id_fields()
        if name in resource.fields and resource.fields[name].column_name not in headers
    ]
    if missing:
        return [
            _("The file has no column %(columns)s: add it to the first row.")
            % {"columns": ", ".join(f"“{column}”" for column in missing)}
        ]
    return []


def row_text_errors(row) -> dict[str, str]:
    """{column: message} for the row's cells holding text that cannot be stored."""
    errors = {}
    for column, value in row.items():
        if isinstance(value, str):
            message = text_error(value)
            if message:
                errors[str(column)] = message
    return errors


def report(resource, result, *, explained: set[str]) -> list[str]:
    """Every problem of ``result``, one line each, in file order.

    ``explained``: messages that name their subject (unknown references), shown
    without the column.
    """
    lines: list[tuple[int, str]] = []
    for error in result.base_errors:
        lines.append((0, _base_message(error.error)))
    columns = {
        field.attribute: field.column_name for field in resource.get_import_fields()
    }
    for invalid in result.invalid_rows:
        row = spreadsheet_row(invalid.number)
        for key, messages in invalid.error_dict.items():
            for message in messages:
                if key == NON_FIELD_ERRORS or message in explained:
                    text = _("Row %(row)s: %(error)s") % {"row": row, "error": message}
                else:
                    text = _("Row %(row)s, column “%(column)s”: %(error)s") % {
                        "row": row,
                        "column": columns.get(key, key),
                        "error": message,
                    }
                lines.append((row, text))
    for row_result in result.rows:
        for error in row_result.errors:
            logger.warning(
                "Import of %s, row %s failed",
                resource._meta.model.__name__,
                error.number,
                exc_info=error.error,
            )
            row = spreadsheet_row(error.number or 0)
            lines.append(
                (row, _("Row %(row)s: this row could not be read.") % {"row": row})
            )
    lines.sort(key=lambda line: line[0])
    return [text for _row, text in lines]


def _base_message(error: Exception) -> str:
    if isinstance(error, ImportRefused):
        return str(error)
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    logger.warning("Import failed", exc_info=error)
    return _("The file could not be imported. Nothing was written.")


class LimitedImportForm(ImportForm):
    """unfold's import form, refusing a file over ``IMPORT_MAX_BYTES``."""

    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        limit = settings.IMPORT_MAX_BYTES
        if limit and upload is not None and upload.size > limit:
            raise ValidationError(
                _(
                    "The file is %(size)s; import at most %(limit)s at a time "
                    "(split the file)."
                )
                % {"size": filesizeformat(upload.size), "limit": filesizeformat(limit)},
                code="too_large",
            )
        return upload
