"""The feedback export (verdicts, ratings, label overrides, outcomes), registered with the
registry's exports."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from businesses.exports import CHUNK, ExportKind, export_kind_register, export_month

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
        yield ("label_override", ruc, advice_id, "", label, reason, export_month(cutoff), None,
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


export_kind_register(ExportKind("feedback", _("Feedback"), _FEEDBACK_HEADER, _feedback_base,
                                _feedback_rows))  # fmt: skip
