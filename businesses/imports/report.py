"""The rejected rows of an import as CSV, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from django.utils.translation import gettext as _

from businesses.models import DataImport

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: object) -> str:
    """A cell that a spreadsheet will show as text, never run as a formula (CSV injection):
    a value starting with = + - @, a tab or a carriage return gets a leading quote."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def data_import_rejections_csv(*, data_import: DataImport) -> Iterator[str]:
    """The CSV lines (header first) of ``data_import``'s rejected rows: line, field, value,
    reason. Starts with a UTF-8 BOM so that Excel reads the accents."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(cells: list[object]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([csv_safe(c) for c in cells])
        return buffer.getvalue()

    yield "\ufeff" + line([_("line"), _("field"), _("value"), _("reason")])
    for problem in data_import.rejected_rows or []:
        yield line([problem.get(k, "") for k in ("line", "field", "value", "reason")])
