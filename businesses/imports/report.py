"""The rejected rows of an import as CSV, safe to open in a spreadsheet."""

from __future__ import annotations

from collections.abc import Iterator

from django.utils.translation import gettext as _

from businesses.models import DataImport
from core.spreadsheets import csv_lines


def data_import_rejections_csv(*, data_import: DataImport) -> Iterator[str]:
    """The CSV lines (header first, with a UTF-8 BOM for Excel) of ``data_import``'s rejected
    rows: line, field, value, reason; formula-safe (:func:`core.spreadsheets.cell_safe`)."""
    rows = (
        [problem.get(k, "") for k in ("line", "field", "value", "reason")]
        for problem in data_import.rejected_rows or []
    )
    return csv_lines([_("line"), _("field"), _("value"), _("reason")], rows)
