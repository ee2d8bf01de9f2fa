"""Keeping :class:`~forecasting.models.LatestScore` current: one row per business with its
current scoring result (forecast, growth probability, forecast change, when and by which model
versions), which every surface shows and the caseload sorts and alerts on.

Two writers, both of the serving path's numbers, the newer one winning:

* every prediction job's chunk, from the results it has just stored, in the same transaction
  (:func:`latest_scores_from_job`): the nightly re-scoring, ``manage.py score`` and
  ``manage.py refresh_scores`` (:func:`latest_scores_refresh`) all go through a job;
* every computed advice (:func:`latest_score_from_advice`, the score the advisor just saw).
"""

from __future__ import annotations

import datetime as dt
import logging

import numpy as np
from django.db import connection
from django.utils import timezone

from forecasting.models import (
    FORECAST_HORIZONS,
    FORECAST_STATISTICS,
    Advice,
    LatestScore,
    PredictionResult,
)
from forecasting.scoring.snapshot import forecast_period

logger = logging.getLogger(__name__)

UPDATED_FIELDS = [
    "cutoff",
    "growth_probability",
    "last_3_mean",
    "next_3_mean",
    "forecast_change",
    "scored_at",
    "uncertain",
    "forecast",
    "forecaster_version",
    "growth_version",
    "source",
    "advice",
]


def forecast_change(last_3_mean: float | None, next_3_mean: float | None) -> float | None:
    """Next 3 months' expected mean sales against the last 3 months' mean, as a fraction
    (``-0.2`` is a 20 % fall); ``None`` when either is missing or the base is zero."""
    if last_3_mean is None or next_3_mean is None or not last_3_mean > 0:
        return None
    return next_3_mean / last_3_mean - 1


def _clean(value) -> float | None:
    if value is None:
        return None
    value = float(value)
    return None if np.isnan(value) or np.isinf(value) else value


def _score(
    *, business_id: int, cutoff, forecast: list[dict], growth_probability, last_3_mean, **rest
) -> LatestScore:
    """A business's score from its six months (``forecast``): the caseload's next-3-months
    mean, forecast change and uncertainty are derived here, for both writers alike."""
    means = [f["mean"] for f in forecast[:3] if f.get("mean") is not None]
    next_3 = sum(means) / len(means) if means else None
    last_3 = _clean(last_3_mean)
    # A short or intermittent series' forecast swings (months of zero between sales): its
    # change is kept but raises no "forecast falls" alert.
    uncertain = any(f.get("short_history") or f.get("intermittent") for f in forecast[:3])
    return LatestScore(
        business_id=business_id,
        cutoff=cutoff,
        growth_probability=_clean(growth_probability),
        last_3_mean=last_3,
        next_3_mean=next_3,
        forecast_change=forecast_change(last_3, next_3),
        uncertain=uncertain,
        forecast=forecast,
        **rest,
    )


def _upsert(scores: list[LatestScore]) -> None:
    # One statement (update_or_create took six: savepoints, a locking read, the write).
    LatestScore.objects.bulk_create(
        scores, update_conflicts=True, unique_fields=["business"], update_fields=UPDATED_FIELDS
    )


def latest_score_from_advice(advice: Advice) -> LatestScore | None:
    """Record a ready advice's score as its business's current one (the advisor just saw it)."""
    if advice.status != Advice.Status.READY or not advice.forecast:
        return None
    forecast = [
        {key: f.get(key) for key in _FORECAST_KEYS if key in f}
        for f in advice.forecast  # the store keeps what every surface shows of a month
    ]
    score = _score(
        business_id=advice.business_id,
        cutoff=advice.cutoff,
        forecast=forecast,
        growth_probability=advice.growth_probability,
        last_3_mean=(advice.profile or {}).get("last_3_mean"),
        scored_at=advice.computed_at or timezone.now(),
        forecaster_version_id=advice.forecaster_version_id,
        growth_version_id=advice.growth_version_id,
        source=LatestScore.Source.ADVICE,
        advice_id=advice.pk,
    )
    _upsert([score])
    return score


_FORECAST_KEYS = ("horizon", "period", *FORECAST_STATISTICS, "short_history", "intermittent")
_UPDATED_COLUMNS = [LatestScore._meta.get_field(name).column for name in UPDATED_FIELDS]


# ---------------------------------------------------------------------------- from a job


def _pg_forecast_sql() -> str:
    """The six months of a ``prediction_result`` row as the store's JSON, built by PostgreSQL
    (NaN as null): no Python per row on the nightly path."""
    months = []
    for h in FORECAST_HORIZONS:
        stats = ", ".join(
            f"'{stat}', NULLIF(r.{PredictionResult.forecast_field(stat, h)}, 'NaN'::float8)"
            for stat in FORECAST_STATISTICS
        )
        months.append(
            f"jsonb_build_object('horizon', {h}, 'period',"
            f" to_char(r.cutoff + interval '{h} month', 'YYYY-MM-DD'), {stats},"
            " 'short_history', r.short_history, 'intermittent', r.intermittent)"
        )
    return "jsonb_build_array(" + ", ".join(months) + ")"


def _pg_write(*, job_id: int, business_ids: list[int], last_3: list, started_at) -> None:
    """One ``INSERT … SELECT … ON CONFLICT`` from the chunk's stored results: a row scored
    since the job started (fresh advice) is kept."""
    q = connection.ops.quote_name
    table, results = q(LatestScore._meta.db_table), q(PredictionResult._meta.db_table)
    count = " + ".join(f"(NULLIF(r.mean_h{h}, 'NaN'::float8) IS NOT NULL)::int" for h in (1, 2, 3))
    sums = " + ".join(f"COALESCE(NULLIF(r.mean_h{h}, 'NaN'::float8), 0)" for h in (1, 2, 3))
    next_3 = f"(({sums}) / NULLIF({count}, 0))"
    last = "NULLIF(l.last_3, 'NaN'::float8)"
    change = f"CASE WHEN {last} > 0 THEN {next_3} / {last} - 1 END"
    sql = f"""
        INSERT INTO {table} (business_id, cutoff, growth_probability, last_3_mean, next_3_mean,
            forecast_change, scored_at, uncertain, forecast, forecaster_version_id,
            growth_version_id, source, advice_id)
        SELECT r.business_id, r.cutoff, NULLIF(r.growth_probability, 'NaN'::float8), {last},
            {next_3}, {change}, r.computed_at, r.short_history OR r.intermittent,
            {_pg_forecast_sql()}, r.forecaster_version_id, r.growth_version_id, %s, NULL
        FROM {results} r
        JOIN unnest(%s::bigint[], %s::float8[]) AS l(business_id, last_3)
            ON l.business_id = r.business_id
        WHERE r.job_id = %s
        ON CONFLICT (business_id) DO UPDATE SET
            {", ".join(f"{c} = EXCLUDED.{c}" for c in _UPDATED_COLUMNS)}
        WHERE {table}.source = %s OR {table}.scored_at < %s
    """  # noqa: S608 - the model's own names
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [
                LatestScore.Source.JOB,
                business_ids,
                last_3,
                job_id,
                LatestScore.Source.JOB,
                started_at,
            ],
        )


def latest_scores_from_job(
    *,
    job_id: int,
    started_at: dt.datetime,
    business_ids: np.ndarray,
    last_3_mean: np.ndarray,
) -> None:
    """Make a chunk's results, just stored in the same transaction, its businesses' current
    scores (``last_3_mean``: their mean sales over the last 3 observed months, aligned with
    ``business_ids``). A business whose advice was computed after the job started keeps it."""
    ids = [int(i) for i in business_ids]
    if not ids:
        return
    last_3 = [None if np.isnan(v) else float(v) for v in np.asarray(last_3_mean, dtype=float)]
    if connection.vendor == "postgresql":
        _pg_write(job_id=job_id, business_ids=ids, last_3=last_3, started_at=started_at)
        return
    keep = set(
        LatestScore.objects.filter(business_id__in=ids, scored_at__gte=started_at)
        .exclude(source=LatestScore.Source.JOB)
        .values_list("business_id", flat=True)
    )
    last_of = dict(zip(ids, last_3, strict=True))
    scores = []
    for result in PredictionResult.objects.filter(job_id=job_id, business_id__in=ids):
        if result.business_id in keep:
            continue
        forecast = [
            {
                "horizon": h,
                "period": forecast_period(result.cutoff, h),
                **{
                    stat: _clean(getattr(result, PredictionResult.forecast_field(stat, h)))
                    for stat in FORECAST_STATISTICS
                },
                "short_history": result.short_history,
                "intermittent": result.intermittent,
            }
            for h in FORECAST_HORIZONS
        ]
        scores.append(
            _score(
                business_id=result.business_id,
                cutoff=result.cutoff,
                forecast=forecast,
                growth_probability=result.growth_probability,
                last_3_mean=last_of.get(result.business_id),
                scored_at=result.computed_at,
                forecaster_version_id=result.forecaster_version_id,
                growth_version_id=result.growth_version_id,
                source=LatestScore.Source.JOB,
                advice_id=None,
            )
        )
    for start in range(0, len(scores), 2000):
        _upsert(scores[start : start + 2000])


def latest_scores_refresh() -> int:
    """Score every business with the production models (a prediction job over all of them,
    run here) and so store each one's current score. Returns how many businesses were scored.

    Raises :class:`~forecasting.lifecycle.registry.NoProductionModelError` without production
    models.
    """
    from forecasting.lifecycle.registry import production_versions
    from forecasting.predictions.jobs import (
        PredictionJobError,
        nightly_rescore_create,
        prediction_job_run_inline,
    )

    production_versions()  # says which model is missing before a job is created
    job = prediction_job_run_inline(nightly_rescore_create())
    if job.status != job.Status.SUCCEEDED:
        raise PredictionJobError(job.error)
    written = job.results.count()
    logger.info("latest scores of %d businesses stored by job %s", written, job.pk)
    return written
