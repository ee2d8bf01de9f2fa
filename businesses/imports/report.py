"""The rejected rows of an import as CSV, safe to open in a spreadsheet."""

from __future__ import annotations

from collections.abc import Iterator

from django.utils.translation import gettext as _
from django.utils.translation import ngettext, npgettext

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


def row_counts_text(
    *, created: int, updated: int, unchanged: int, rejected: int, dry_run: bool = False
) -> str:
    """``3 created, 1 updated, 0 unchanged; 1 rejected`` in the active language, each count
    agreeing with its number (``1 creada``, ``2 creadas``); in a dry run, what would be done."""
    if dry_run:
        made = npgettext("rows", "%(n)d would be created", "%(n)d would be created", created)
        changed = npgettext("rows", "%(n)d would be updated", "%(n)d would be updated", updated)
    else:
        made = npgettext("rows", "%(n)d created", "%(n)d created", created)
        changed = npgettext("rows", "%(n)d updated", "%(n)d updated", updated)
    return _("%(created)s, %(updated)s, %(unchanged)s; %(rejected)s") % {
        "created": made % {"n": created},
        "updated": changed % {"n": updated},
        "unchanged": npgettext("rows", "%(n)d unchanged", "%(n)d unchanged", unchanged)
        % {"n": unchanged},
        "rejected": npgettext("rows", "%(n)d rejected", "%(n)d rejected", rejected)
        % {"n": rejected},
    }


def rows_read_text(read: int) -> str:
    return ngettext("%(n)d row read", "%(n)d rows read", read) % {"n": read}


def rows_received_text(received: int) -> str:
    return ngettext("%(n)d row received", "%(n)d rows received", received) % {"n": received}
