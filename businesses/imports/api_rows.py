"""Monthly records sent as JSON through the API, upserted by the file import's own machinery:
the same cell parsing (decimal commas, yyyy-mm periods, Spanish satisfaction words), the same
validation and the same bulk upsert (:class:`~.importers.MonthlyImporter`), with two differences:
a RUC is looked up in the caller's scope only, and rows are numbered from 0 as in the request.

A row states the whole month: an omitted or null ``costs``, ``employees`` or
``customer_satisfaction`` is stored as unknown. Re-sending the same rows changes nothing
(they count as unchanged), so a partner may retry a request safely.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from businesses.imports.importers import MonthlyImporter
from businesses.imports.report import row_counts_text, rows_received_text
from businesses.imports.rows import ParsedRow
from businesses.imports.values import cell_text
from businesses.models import DataImport

JSON_FIELDS = ("ruc", "period", "sales", "costs", "employees", "customer_satisfaction")
_SCALARS = (str, int, float)


@dataclass
class BulkUpsertReport:
    """What a bulk request did; ``problems`` are ``{"row", "field", "value", "message"}``."""

    rows_received: int
    created: int
    updated: int
    unchanged: int
    rejected: int
    partial: bool
    problems: list[dict] = field(default_factory=list)
    data_import: DataImport | None = None


class MonthlyRowsRejectedError(Exception):
    """Some rows were rejected and the request did not ask for ``partial``: nothing was saved."""

    def __init__(self, report: BulkUpsertReport) -> None:
        super().__init__(f"{report.rejected} rows rejected")
        self.report = report


class MonthlyJsonImporter(MonthlyImporter):
    """The monthly import fed from a list of JSON objects, scoped to ``businesses``."""

    def __init__(self, *, businesses: QuerySet, **kwargs) -> None:
        super().__init__(decimal_comma=False, **kwargs)
        self.businesses = businesses

    def unknown_ruc_reason(self, ruc: str) -> str:
        # The same answer for a RUC that does not exist and one outside the scope: no leak.
        return _("No business with RUC %(ruc)s in your scope.") % {"ruc": ruc}

    def duplicate_reason(self, first: int) -> str:
        return _("Duplicate of row %(row)d (same RUC and period).") % {"row": first}

    def _shape_problems(self, row: object) -> list[tuple[str, str, str]]:
        if not isinstance(row, dict):
            return [("", cell_text(str(row))[:100], _("A row must be a JSON object."))]
        problems = []
        for key, value in row.items():
            if key not in JSON_FIELDS:
                problems.append(
                    (
                        str(key)[:100],
                        "",
                        _("Unknown field; a row has: %(fields)s.")
                        % {"fields": ", ".join(JSON_FIELDS)},
                    )
                )
            elif value is not None and not isinstance(value, _SCALARS):
                problems.append(
                    (key, str(value)[:100], _("Expected a number or a text, not a list or object."))
                )
        return problems

    def run_rows(self, rows: Sequence[object]) -> None:
        """Validate and upsert ``rows`` (row ``i`` is reported as line ``i``)."""
        self.bind(list(JSON_FIELDS))
        chunk: list[ParsedRow] = []
        for index, row in enumerate(rows):
            self.read += 1
            problems = self._shape_problems(row)
            if problems:
                self.reject(index, problems)
                continue
            parsed = self._parse(index, [row.get(key) for key in JSON_FIELDS])
            if parsed is None:
                continue
            chunk.append(parsed)
            if len(chunk) >= self.chunk_size:
                self.flush(chunk)
                chunk = []
        if chunk:
            self.flush(chunk)
        self.finish()


def _rows_sha256(rows: Sequence[object]) -> str:
    canonical = json.dumps(rows, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _report(importer: MonthlyJsonImporter, *, partial: bool, data_import=None) -> BulkUpsertReport:
    problems = [
        {"row": p.line, "field": p.field, "value": p.value, "message": p.reason}
        for p in sorted(importer.problems, key=lambda p: p.line)
    ]
    return BulkUpsertReport(
        rows_received=importer.read,
        created=importer.created,
        updated=importer.updated,
        unchanged=importer.unchanged,
        rejected=importer.rejected,
        partial=partial,
        problems=problems,
        data_import=data_import,
    )


def monthly_records_bulk_upsert(
    *, user, businesses: QuerySet, rows: Sequence[object], partial: bool = False, label: str = ""
) -> BulkUpsertReport:
    """Upsert many businesses' months from JSON ``rows``, idempotent by (RUC, period).

    A RUC is found only among ``businesses`` (the caller's scope); any other is a rejected row.
    Without ``partial``, one rejected row means nothing is saved: the records roll back, a
    failed DataImport keeps the reasons for the stewards, and :class:`MonthlyRowsRejectedError`
    carries the report. With ``partial`` the valid rows land with their DataImport (its id is
    the data version) and the rejected ones are reported.
    """
    parameters = {"source": "api", "partial": partial}
    sha256 = _rows_sha256(rows)
    try:
        with transaction.atomic():
            data_import = DataImport.objects.create(
                kind=DataImport.Kind.MONTHLY,
                uploaded_by=user if getattr(user, "pk", None) else None,
                file_name=(label or "API")[:255],
                sha256=sha256,
                parameters=parameters,
            )
            importer = MonthlyJsonImporter(businesses=businesses, data_import=data_import)
            importer.run_rows(rows)
            report = _report(importer, partial=partial, data_import=data_import)
            if importer.rejected and not partial:
                raise MonthlyRowsRejectedError(report)
            data_import.status = DataImport.Status.SUCCEEDED
            data_import.rows_read = report.rows_received
            data_import.rows_created = report.created
            data_import.rows_updated = report.updated
            data_import.rows_unchanged = report.unchanged
            data_import.rows_rejected = report.rejected
            data_import.rejected_rows = _stored_problems(report.problems)
            data_import.message = _bulk_summary(report)
            data_import.finished_at = timezone.now()
            data_import.save()
            return report
    except MonthlyRowsRejectedError as rejected:
        report = rejected.report
        report.created = report.updated = report.unchanged = 0
        report.data_import = DataImport.objects.create(
            kind=DataImport.Kind.MONTHLY,
            status=DataImport.Status.FAILED,
            uploaded_by=user if getattr(user, "pk", None) else None,
            file_name=(label or "API")[:255],
            sha256=sha256,
            parameters=parameters,
            rows_read=report.rows_received,
            rows_rejected=report.rejected,
            rejected_rows=_stored_problems(report.problems),
            message=_bulk_summary(report),
            finished_at=timezone.now(),
        )
        raise


def _stored_problems(problems: list[dict]) -> list[dict]:
    """The rejected rows as the file imports store them (``line`` is the row index here)."""
    return [
        {"line": p["row"], "field": p["field"], "value": p["value"], "reason": p["message"]}
        for p in problems
    ]


def _bulk_summary(report: BulkUpsertReport) -> str:
    if report.rejected and not report.partial:
        return ngettext(
            "%(rejected)d of %(received)d row rejected; nothing was saved (the request did not "
            "ask for partial=true).",
            "%(rejected)d of %(received)d rows rejected; nothing was saved (the request did not "
            "ask for partial=true).",
            report.rows_received,
        ) % {"rejected": report.rejected, "received": report.rows_received}
    return _("%(received)s; %(counts)s.") % {
        "received": rows_received_text(report.rows_received),
        "counts": row_counts_text(
            created=report.created,
            updated=report.updated,
            unchanged=report.unchanged,
            rejected=report.rejected,
        ),
    }
