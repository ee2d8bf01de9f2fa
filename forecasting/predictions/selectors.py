"""Reading prediction jobs and their results, through the reader's scope."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import QuerySet

from businesses.freshness import stored_reason_code
from businesses.scoping import visible_businesses
from core.roles import sees_every_business
from core.spreadsheets import csv_lines
from forecasting.engine.bands import MODELS_DISAGREE
from forecasting.models import FORECAST_HORIZONS, PredictionJob, PredictionResult

CSV_HEADER = [
    "ruc",
    "period",
    "horizon",
    "mean",
    "p10",
    "p50",
    "p90",
    "growth_probability",
    "stale",
    "models_disagree",
    "note",
]


def prediction_job_list(*, user) -> QuerySet[PredictionJob]:
    """The jobs ``user`` may read: their own; stewards and superusers every job."""
    qs = PredictionJob.objects.defer("group_statistics").select_related(
        "forecaster_version", "growth_version"
    )
    if sees_every_business(user):
        return qs
    if not (user.is_authenticated and user.is_active):
        return qs.none()
    return qs.filter(created_by=user)


def prediction_result_list(*, job: PredictionJob, user) -> QuerySet[PredictionResult]:
    """The job's results for the businesses ``user`` still sees, by business id."""
    qs = PredictionResult.objects.filter(job=job)
    if not sees_every_business(user):
        qs = qs.filter(business__in=visible_businesses(user))
    return qs.select_related("business", "forecaster_version", "growth_version").order_by(
        "business_id"
    )


def _month(cutoff, h: int) -> str:
    month = cutoff.year * 12 + cutoff.month - 1 + h
    return f"{month // 12:04d}-{month % 12 + 1:02d}"


def _rounded(value: float | None, digits: int):
    """A figure rounded for the file, empty where it is withheld (unknown)."""
    return "" if value is None or value != value else round(value, digits)


def prediction_result_csv(results: QuerySet[PredictionResult]) -> Iterator[str]:
    """The results as CSV lines, one per business and forecast month: ``ruc, period (yyyy-mm),
    horizon, mean, p10, p50, p90 (soles), growth_probability, stale (1: no recent data or
    deregistered by SUNAT, the figures left empty: withheld), models_disagree (1: the month's
    two models disagreed badly, the figures were brought together), note`` (the reason code:
    ``no_recent_data``, ``sunat_deregistered``, ``models_disagree``); formula-safe, streamed."""
    fields = [f"{stat}_h{h}" for h in FORECAST_HORIZONS for stat in ("mean", "p10", "p50", "p90")]
    disagree = [PredictionResult.disagree_field(h) for h in FORECAST_HORIZONS]
    rows = results.values_list(
        "business__ruc",
        "cutoff",
        "growth_probability",
        "stale",
        "months_silent",
        *disagree,
        *fields,
    )
    n = len(disagree)

    def lines():
        for ruc, cutoff, probability, stale, silent, *rest in rows.iterator(chunk_size=2000):
            flags, values = rest[:n], rest[n:]
            p = _rounded(probability, 4)
            for j, h in enumerate(FORECAST_HORIZONS):
                mean, p10, p50, p90 = values[4 * j : 4 * j + 4]
                note = stored_reason_code(stale, silent) or (MODELS_DISAGREE if flags[j] else "")
                yield [
                    ruc,
                    _month(cutoff, h),
                    h,
                    _rounded(mean, 2),
                    _rounded(p10, 2),
                    _rounded(p50, 2),
                    _rounded(p90, 2),
                    p,
                    int(bool(stale)),
                    int(bool(flags[j])),
                    note,
                ]

    return csv_lines(CSV_HEADER, lines())
