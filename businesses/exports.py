"""Exports as CSV or xlsx, scoped and audited: the machinery, and the registry's own kinds
(businesses, monthly records). Advice and feedback register theirs (forecasting.exports,
feedback.exports).

Scope: every export starts from :func:`businesses.scoping.visible_businesses` of the user asking
(stewards and superusers see all; an advisor or supervisor would get their own scope), so a
caller can narrow what is exported (an admin selection) but never widen it. Rows are read in
chunks with ``values_list(...).iterator()`` and written as they come (CSV lines stream, xlsx goes
through openpyxl's write-only mode), so a million rows need no more memory than a thousand.

Column names of ``businesses`` and ``monthly`` are the import's own (English) names, so an
exported file can be imported again unchanged; extra columns are ignored by the importer.
Every export writes an audit entry (who, what, format, filters, row count).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import IO

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from businesses.scoping import visible_businesses
from core.audit import EXPORT, audit_record
from core.spreadsheets import csv_lines, xlsx_write

CSV, XLSX = "csv", "xlsx"
FORMATS = (CSV, XLSX)
CHUNK = 5000


class ExportError(Exception):
    pass


@dataclass(frozen=True)
class ExportKind:
    """One kind of export: its columns and how to read its rows for a business scope.

    ``selects`` says what an admin selection of this kind is a queryset of: ``"businesses"``
    (it narrows the scope) or ``"rows"`` (it narrows the rows' queryset)."""

    name: str
    label: str
    header: list[str]
    base: Callable[[QuerySet], QuerySet]  # scope (businesses) -> rows' queryset
    rows: Callable[[QuerySet], Iterator[tuple]]  # rows' queryset -> cells
    selects: str = "businesses"


# Every kind, by name: the registry's own below, the others registered by their apps
# (forecasting.exports, feedback.exports) when Django starts.
EXPORTS: dict[str, ExportKind] = {}


def export_kind_register(kind: ExportKind) -> None:
    """Make ``kind`` available to every download: the portal, the admin and the command."""
    EXPORTS[kind.name] = kind


def export_month(value: dt.date | None) -> str:
    return value.isoformat()[:7] if value else ""


# ---------------------------------------------------------------------------- businesses

_BUSINESS_FIELDS = [
    "ruc", "legal_name", "sector_id", "ubigeo", "founded", "employees", "trade_name",
    "women_led", "sells_online", "region_id", "region__name", "sector__name", "size_class",
    "advisor__username", "source", "source_import_id", "created_at", "updated_at",
]  # fmt: skip
_BUSINESS_HEADER = [
    "ruc", "name", "sector_code", "ubigeo", "founded_on", "employees", "trade_name",
    "women_led", "sells_online", "region_code", "region_name", "sector_name", "size_class",
    "advisor", "source", "data_import", "created_at", "updated_at",
]  # fmt: skip


def _businesses_base(scope: QuerySet) -> QuerySet:
    return scope.order_by("ruc")


_FOUNDED = _BUSINESS_FIELDS.index("founded")


def _businesses_rows(qs: QuerySet) -> Iterator[tuple]:
    # A founding date known only to the month goes out as the month (2019-01), so that the
    # file, imported back, keeps what is known.
    for *row, precision in qs.values_list(*_BUSINESS_FIELDS, "founded_precision").iterator(
        chunk_size=CHUNK
    ):
        if precision == "month" and row[_FOUNDED] is not None:
            row[_FOUNDED] = export_month(row[_FOUNDED])
        yield tuple(row)


# ---------------------------------------------------------------------------- monthly records

_MONTHLY_HEADER = [
    "ruc", "period", "sales", "costs", "employees", "customer_satisfaction", "data_import",
]  # fmt: skip


def _monthly_base(scope: QuerySet) -> QuerySet:
    from businesses.models import MonthlyRecord

    # business_id, period: the unique index's order, so the database need not sort
    return MonthlyRecord.objects.filter(business__in=scope.values("pk")).order_by(
        "business_id", "period"
    )


def _monthly_rows(qs: QuerySet) -> Iterator[tuple]:
    values = qs.values_list(
        "business__ruc", "period", "sales", "costs", "employees", "satisfaction",
        "source_import_id",
    )  # fmt: skip
    for ruc, period, *rest in values.iterator(chunk_size=CHUNK):
        yield (ruc, export_month(period), *rest)


export_kind_register(
    ExportKind("businesses", _("Businesses"), _BUSINESS_HEADER, _businesses_base, _businesses_rows)
)
export_kind_register(ExportKind("monthly", _("Monthly records"), _MONTHLY_HEADER,
                                _monthly_base, _monthly_rows, selects="rows"))  # fmt: skip


# ---------------------------------------------------------------------------- services


def export_rows(*, kind: str, user, queryset: QuerySet | None = None) -> tuple[list, Iterable]:
    """The header and the rows of an export of ``kind`` for ``user`` (None: everything, for
    the command line run by the operator).

    ``queryset`` narrows the export (e.g. the rows selected in the admin); it is always
    intersected with the user's scope: for businesses, monthly records and advice it must be a
    queryset of that kind's model; for feedback, of businesses."""
    if kind not in EXPORTS:
        raise ExportError(_("Unknown export “%(kind)s”.") % {"kind": kind})
    spec = EXPORTS[kind]
    if user is None:  # the command line without --user: the operator, the whole registry
        from businesses.models import Business

        scope = Business.objects.all()
    else:
        scope = visible_businesses(user)
    if spec.selects == "businesses" and queryset is not None:
        scope = scope.filter(pk__in=queryset.values("pk"))
    base = spec.base(scope)
    if spec.selects == "rows" and queryset is not None:
        base = base.filter(pk__in=queryset.values("pk"))
    return spec.header, spec.rows(base)


def export_file_name(kind: str, fmt: str) -> str:
    from django.utils import timezone

    return f"asesor-{kind}-{timezone.localtime():%Y%m%d-%H%M}.{fmt}"


def export_audit(*, kind: str, fmt: str, user, rows: int | None, **detail):
    return audit_record(
        user, EXPORT, f"{kind}.{fmt}", {"kind": kind, "format": fmt, "rows": rows, **detail}
    )


def export_csv_stream(
    *, kind: str, user, queryset: QuerySet | None = None, detail: dict | None = None
) -> Iterator[str]:
    """The CSV lines of an export, for a streaming response. The export is audited before the
    first line goes out (so an interrupted download is on record too); the entry's row count
    is filled in when the last line has been produced."""
    header, rows = export_rows(kind=kind, user=user, queryset=queryset)
    entry = export_audit(kind=kind, fmt=CSV, user=user, rows=None, **(detail or {}))

    def lines() -> Iterator[str]:
        count = -1
        for count, line in enumerate(csv_lines(header, rows)):  # noqa: B007 - counts lines
            yield line
        entry.detail["rows"] = max(count, 0)
        type(entry).objects.filter(pk=entry.pk).update(detail=entry.detail)

    return lines()


def export_write(
    *,
    kind: str,
    fmt: str,
    out: IO[bytes],
    user,
    queryset: QuerySet | None = None,
    detail: dict | None = None,
) -> int:
    """Write an export of ``kind`` in ``fmt`` (csv or xlsx) to the binary file ``out``, audit
    it with its row count, and return that count."""
    if fmt not in FORMATS:
        raise ExportError(_("Unknown format “%(fmt)s”: use csv or xlsx.") % {"fmt": fmt})
    header, rows = export_rows(kind=kind, user=user, queryset=queryset)
    if fmt == XLSX:
        count = xlsx_write(out, header, rows, title=kind)
    else:
        count = -1
        for count, line in enumerate(csv_lines(header, rows)):  # noqa: B007 - counts lines
            out.write(line.encode("utf-8"))
    export_audit(kind=kind, fmt=fmt, user=user, rows=max(count, 0), **(detail or {}))
    return max(count, 0)
