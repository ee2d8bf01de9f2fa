"""The advice export (one row per recommendation), registered with the registry's exports."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from businesses.exports import ExportKind, export_kind_register, export_month

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
            export_month(advice.cutoff),
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


export_kind_register(ExportKind("advice", _("Advice and recommendations"), _ADVICE_HEADER,
                                _advice_base, _advice_rows, selects="rows"))  # fmt: skip
