"""Exports of businesses, monthly records, advice (with its recommendations) and feedback, as
CSV or xlsx, scoped and audited.

Scope: every export starts from :func:`portal.roles.visible_businesses` of the user asking
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

from .audit import EXPORT, audit_record
from .roles import visible_businesses
from .spreadsheets import csv_lines, xlsx_write

CSV, XLSX = "csv", "xlsx"
FORMATS = (CSV, XLSX)
CHUNK = 5000


class ExportError(Exception):
    pass


@dataclass(frozen=True)
class ExportKind:
    """One kind of export: its columns and how to read its rows for a business scope."""

    name: str
    label: str
    header: list[str]
    base: Callable[[QuerySet], QuerySet]  # scope (businesses) -> rows' queryset
    rows: Callable[[QuerySet], Iterator[tuple]]  # rows' queryset -> cells


def _month(value: dt.date | None) -> str:
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


def _businesses_rows(qs: QuerySet) -> Iterator[tuple]:
    yield from qs.values_list(*_BUSINESS_FIELDS).iterator(chunk_size=CHUNK)


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
        yield (ruc, _month(period), *rest)


# ---------------------------------------------------------------------------- advice

_ADVICE_HEADER = [
    "advice_id", "ruc", "status", "created_at", "computed_at", "cutoff", "growth_probability",
    "forecaster_version", "growth_version", "requested_by", "recommendation_position",
    "recommendation_code", "priority", "title", "rationale", "programme",
]  # fmt: skip


def _advice_base(scope: QuerySet) -> QuerySet:
    from forecasting.models import Advice

    return Advice.objects.filter(business__in=scope.values("pk")).order_by("pk")


def _advice_rows(qs: QuerySet) -> Iterator[tuple]:
    """One row per recommendation (the advice's columns repeated); advice without
    recommendations gives one row with the recommendation columns empty."""
    from django.db.models import Prefetch

    from forecasting.models import Recommendation

    recs = Recommendation.objects.select_related("programme").order_by("position", "pk")
    advices = qs.select_related(
        "business", "forecaster_version", "growth_version", "requested_by"
    ).prefetch_related(Prefetch("recommendations", queryset=recs))
    for advice in advices.iterator(chunk_size=1000):
        head = (
            advice.pk,
            advice.business.ruc,
            advice.status,
            advice.created_at,
            advice.computed_at,
            _month(advice.cutoff),
            advice.growth_probability,
            advice.forecaster_version.version if advice.forecaster_version else None,
            advice.growth_version.version if advice.growth_version else None,
            advice.requested_by.username if advice.requested_by else "",
        )
        recommendations = list(advice.recommendations.all())
        if not recommendations:
            yield (*head, None, "", None, "", "", "")
        for rec in recommendations:
            yield (
                *head,
                rec.position,
                rec.code,
                rec.priority,
                rec.title,
                rec.rationale,
                rec.programme.code if rec.programme else "",
            )


# ---------------------------------------------------------------------------- feedback

_FEEDBACK_HEADER = [
    "type", "ruc", "advice_id", "recommendation_code", "value", "detail", "cutoff_or_date",
    "sales_change_percent", "by", "at",
]  # fmt: skip


def _feedback_base(scope: QuerySet) -> QuerySet:
    # Four tables: the scope is what is passed on; each part filters by it.
    return scope.values("pk")


def _feedback_rows(scope_pks: QuerySet) -> Iterator[tuple]:
    """Verdicts on recommendations, advice ratings, growth-label overrides and outcomes, one
    table with a ``type`` column, each part ordered by time."""
    from feedback.models import AdviceRating, LabelOverride, Outcome, RecommendationFeedback

    verdicts = (
        RecommendationFeedback.objects.filter(recommendation__advice__business__in=scope_pks)
        .order_by("created_at", "pk")
        .values_list(
            "recommendation__advice__business__ruc",
            "recommendation__advice_id",
            "recommendation__code",
            "action",
            "comment",
            "edited_title",
            "created_by__username",
            "created_at",
        )
    )
    for ruc, advice_id, code, action, comment, edited, by, at in verdicts.iterator(CHUNK):
        detail = f"{edited} — {comment}" if edited and comment else (edited or comment)
        yield ("verdict", ruc, advice_id, code, action, detail, "", None, by or "", at)
    ratings = (
        AdviceRating.objects.filter(advice__business__in=scope_pks)
        .order_by("created_at", "pk")
        .values_list(
            "advice__business__ruc",
            "advice_id",
            "rating",
            "comment",
            "created_by__username",
            "created_at",
        )
    )
    for ruc, advice_id, rating, comment, by, at in ratings.iterator(CHUNK):
        yield ("rating", ruc, advice_id, "", rating, comment, "", None, by or "", at)
    overrides = (
        LabelOverride.objects.filter(business__in=scope_pks)
        .order_by("created_at", "pk")
        .values_list(
            "business__ruc",
            "advice_id",
            "label",
            "reason",
            "cutoff",
            "created_by__username",
            "created_at",
        )
    )
    for ruc, advice_id, label, reason, cutoff, by, at in overrides.iterator(CHUNK):
        yield ("label_override", ruc, advice_id, "", label, reason, _month(cutoff), None,
               by or "", at)  # fmt: skip
    outcomes = (
        Outcome.objects.filter(business__in=scope_pks)
        .order_by("created_at", "pk")
        .values_list(
            "business__ruc",
            "advice_id",
            "recommendation__code",
            "action_taken",
            "result",
            "date",
            "sales_change",
            "created_by__username",
            "created_at",
        )
    )
    for ruc, advice_id, code, action, result, date, change, by, at in outcomes.iterator(CHUNK):
        yield ("outcome", ruc, advice_id, code or "", action, result, date, change, by or "", at)


EXPORTS: dict[str, ExportKind] = {
    kind.name: kind
    for kind in (
        ExportKind("businesses", _("Businesses"), _BUSINESS_HEADER, _businesses_base,
                   _businesses_rows),
        ExportKind("monthly", _("Monthly records"), _MONTHLY_HEADER, _monthly_base,
                   _monthly_rows),
        ExportKind("advice", _("Advice and recommendations"), _ADVICE_HEADER, _advice_base,
                   _advice_rows),
        ExportKind("feedback", _("Feedback"), _FEEDBACK_HEADER, _feedback_base,
                   _feedback_rows),
    )
}  # fmt: skip


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
    if kind in ("businesses", "feedback") and queryset is not None:
        scope = scope.filter(pk__in=queryset.values("pk"))
    base = spec.base(scope)
    if kind in ("monthly", "advice") and queryset is not None:
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
