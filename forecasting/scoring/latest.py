"""Keeping :class:`~forecasting.models.LatestScore` current: one row per business with its
current scoring result (forecast, growth probability, forecast change, when and by which model
versions), which every surface shows and the caseload sorts and alerts on.

Two writers, both of the serving path's numbers, the newer one winning:

* every prediction job's chunk, with the results it has just stored, in the same transaction
  (:func:`latest_scores_from_job`): the nightly re-scoring, ``manage.py score`` and
  ``manage.py refresh_scores`` (:func:`latest_scores_refresh`) all go through a job;
* every computed advice (:func:`latest_score_from_advice`, the score the advisor just saw).
"""

from __future__ import annotations

import datetime as dt
import logging
import warnings

import numpy as np
from django.db import connection
from django.utils import timezone

from forecasting.models import Advice, LatestScore, PredictionJob, PredictionResult
from forecasting.predictions.io import copy_binary_rows

logger = logging.getLogger(__name__)

UPDATED_FIELDS = [
    "cutoff",
    "growth_probability",
    "last_3_mean",
    "next_3_mean",
    "forecast_change",
    "scored_at",
    "uncertain",
    "forecaster_version",
    "growth_version",
    "source",
    "job",
    "advice",
]


# What makes a forecast uncertain, in the first three months the caseload and the advice read:
# a short history (under a year), an intermittent one (months of zero between sales), or the two
# models disagreeing by more than a factor of two (``models_disagree``: the expected value and
# the band were brought together, forecasting.engine.bands). Such a forecast swings without
# meaning a fall: its change is shown as approximate ("≈") and neither the caseload's "falling"
# alert nor the advice's "Sales are forecast to fall" rests on it.
UNCERTAIN_FLAGS = ("short_history", "intermittent", "models_disagree")
FIRST_MONTHS = (1, 2, 3)  # the horizons the caseload's figures and the rule read


def uncertain_of(flags: dict) -> np.ndarray:
    """Each business's uncertainty from its :data:`UNCERTAIN_FLAGS` (flag name → a boolean per
    business): any of them."""
    return np.logical_or.reduce([np.asarray(flags[name], dtype=bool) for name in UNCERTAIN_FLAGS])


def caseload_figures(
    *, means, last_3_mean, short_history, intermittent, models_disagree
) -> dict[str, np.ndarray]:
    """What the caseload sorts and alerts on, for any number of businesses (both writers call
    this): ``next_3_mean``, the mean of the expected sales of the first three forecast months
    (``means``: months x businesses; unknown months skipped), ``forecast_change`` against
    ``last_3_mean`` (a fraction, ``-0.2`` is a 20 % fall; NaN when either is missing or the
    base is zero) and ``uncertain`` (:data:`UNCERTAIN_FLAGS`, each a boolean per business: any
    of the first three months)."""
    last_3 = np.asarray(last_3_mean, dtype=float)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all three months unknown
        next_3 = np.nanmean(np.asarray(means, dtype=float)[:3], axis=0)
        change = np.where(last_3 > 0, next_3 / last_3 - 1, np.nan)
    flags = {
        "short_history": short_history,
        "intermittent": intermittent,
        "models_disagree": models_disagree,
    }
    return {
        "last_3_mean": last_3,
        "next_3_mean": next_3,
        "forecast_change": change,
        "uncertain": uncertain_of(flags),
    }


def months_flags(months: list[list[dict]]) -> dict[str, list[bool]]:
    """The :data:`UNCERTAIN_FLAGS` of each business from its forecast months as an advice stores
    them (any of the first three), as :func:`caseload_figures` takes them."""
    first = len(FIRST_MONTHS)
    return {
        flag: [any(bool(f.get(flag)) for f in m[:first]) for m in months]
        for flag in UNCERTAIN_FLAGS
    }


def forecast_uncertain(months: list[dict]) -> bool:
    """Whether one business's forecast (its months as an advice stores them) is uncertain: the
    caseload's rule (:func:`caseload_figures`), which the advice's rules follow."""
    return bool(uncertain_of(months_flags([months]))[0])


def forecast_change(last_3_mean: float | None, next_3_mean: float | None) -> float | None:
    """One business's forecast change (see :func:`caseload_figures`); ``None`` when unknown."""
    figures = caseload_figures(
        means=[[next_3_mean]],
        last_3_mean=[last_3_mean],
        short_history=[0],
        intermittent=[0],
        models_disagree=[0],
    )
    return _floats(figures["forecast_change"])[0]


def _upsert(scores: list[LatestScore]) -> None:
    # One statement (update_or_create took six: savepoints, a locking read, the write).
    LatestScore.objects.bulk_create(
        scores, update_conflicts=True, unique_fields=["business"], update_fields=UPDATED_FIELDS
    )


def latest_score_from_advice(advice: Advice) -> LatestScore | None:
    """Record a ready advice's score as its business's current one (the advisor just saw it)."""
    written = latest_scores_from_advices([advice])
    return written[0] if written else None


def latest_scores_from_advices(advices: list[Advice]) -> list[LatestScore]:
    """Record ready advices' scores as their businesses' current ones, in bulk (the batch
    advice writes thousands). An advice without a forecast (none, or withheld for a business
    without recent data) leaves the current score as it is."""
    advices = [a for a in advices if a.status == Advice.Status.READY and a.forecast]
    if not advices:
        return []
    months = [a.forecast[:3] for a in advices]
    width = max(len(m) for m in months)
    figures = caseload_figures(
        means=[[(m[j].get("mean") if j < len(m) else None) for m in months] for j in range(width)],
        last_3_mean=[(a.profile or {}).get("last_3_mean") for a in advices],
        **months_flags(months),
    )
    columns = {
        name: _floats(figures[name]) for name in ("last_3_mean", "next_3_mean", "forecast_change")
    }
    probabilities = _floats([a.growth_probability for a in advices])
    scores = [
        LatestScore(
            business_id=advice.business_id,
            cutoff=advice.cutoff,
            growth_probability=probabilities[i],
            last_3_mean=columns["last_3_mean"][i],
            next_3_mean=columns["next_3_mean"][i],
            forecast_change=columns["forecast_change"][i],
            uncertain=bool(figures["uncertain"][i]),
            scored_at=advice.computed_at or timezone.now(),
            forecaster_version_id=advice.forecaster_version_id,
            growth_version_id=advice.growth_version_id,
            source=LatestScore.Source.ADVICE,
            job_id=None,
            advice_id=advice.pk,
        )
        for i, advice in enumerate(advices)
    ]
    for start in range(0, len(scores), 2000):
        _upsert(scores[start : start + 2000])
    return scores


# ---------------------------------------------------------------------------- from a job

_UPDATED_COLUMNS = [LatestScore._meta.get_field(name).column for name in UPDATED_FIELDS]


def latest_scores_from_job(
    *,
    job: PredictionJob,
    computed_at: dt.datetime,
    business_ids: np.ndarray,
    growth_probability: np.ndarray,
    forecasts: dict[str, np.ndarray],
    short_history: np.ndarray,
    intermittent: np.ndarray,
    models_disagree: dict[str, np.ndarray],
    last_3_mean: np.ndarray,
) -> None:
    """Make a chunk's results, stored in the same transaction, its businesses' current scores:
    the caseload's figures derived here from the chunk's arrays (aligned with
    ``business_ids``; ``forecasts`` maps ``mean_h1`` … to arrays, ``last_3_mean`` is each
    business's mean sales over its last 3 observed months, ``models_disagree`` maps
    ``models_disagree_h1`` … to arrays, of which the first three months count), the six months
    left in the job's results. A business whose advice was
    computed after the job started keeps it."""
    n = len(business_ids)
    if not n:
        return
    figures = caseload_figures(
        means=[forecasts[f"mean_h{h}"] for h in (1, 2, 3)],
        last_3_mean=last_3_mean,
        short_history=short_history,
        intermittent=intermittent,
        models_disagree=np.logical_or.reduce(
            [models_disagree[PredictionResult.disagree_field(h)] for h in FIRST_MONTHS]
        ),
    )
    columns = {
        "business_id": np.asarray(business_ids, dtype=np.int64),
        "growth_probability": np.asarray(growth_probability, dtype=float),
        **figures,
    }
    if connection.vendor == "postgresql":
        _pg_write(job=job, computed_at=computed_at, columns=columns)
        return
    columns = {
        name: values.tolist() if name in ("business_id", "uncertain") else _floats(values)
        for name, values in columns.items()
    }
    keep = set(
        LatestScore.objects.filter(
            business_id__in=columns["business_id"], scored_at__gte=job.started_at
        )
        .exclude(source=LatestScore.Source.JOB)
        .values_list("business_id", flat=True)
    )
    scores = [
        LatestScore(
            **dict(zip(columns, row, strict=True)),
            cutoff=job.cutoff,
            scored_at=computed_at,
            forecaster_version_id=job.forecaster_version_id,
            growth_version_id=job.growth_version_id,
            source=LatestScore.Source.JOB,
            job_id=job.pk,
            advice_id=None,
        )
        for row in zip(*columns.values(), strict=True)
        if row[0] not in keep
    ]
    for start in range(0, len(scores), 2000):
        _upsert(scores[start : start + 2000])


def _floats(values) -> list[float | None]:
    """Plain floats, ``None`` where unknown (NaN, infinite)."""
    return [v if np.isfinite(v) else None for v in np.asarray(values, dtype=float).tolist()]


_PG_CHUNK_COLUMNS = (
    ("business_id", "bigint", ">i8"),
    ("growth_probability", "float8", ">f8"),
    ("last_3_mean", "float8", ">f8"),
    ("next_3_mean", "float8", ">f8"),
    ("forecast_change", "float8", ">f8"),
    ("uncertain", "boolean", "u1"),
)


def _pg_write(*, job: PredictionJob, computed_at: dt.datetime, columns: dict) -> None:
    """The chunk's rows as one binary COPY (NumPy writes it, as the results' own) into a
    temporary table, then one ``INSERT … SELECT … ON CONFLICT``: a row scored since the job
    started (fresh advice) is kept. NaN becomes null."""
    table = connection.ops.quote_name(LatestScore._meta.db_table)
    names = [name for name, _sql, _kind in _PG_CHUNK_COLUMNS]
    selected = [
        name if kind != ">f8" else f"NULLIF({name}, 'NaN'::float8)"
        for name, _sql, kind in _PG_CHUNK_COLUMNS
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE latest_score_chunk ("
            + ", ".join(f"{name} {sql}" for name, sql, _kind in _PG_CHUNK_COLUMNS)
            + ") ON COMMIT DROP"
        )
        copy_binary_rows(
            cursor,
            "latest_score_chunk",
            [(name, kind) for name, _sql, kind in _PG_CHUNK_COLUMNS],
            columns,
        )
        cursor.execute(
            f"""
            INSERT INTO {table} ({", ".join(names)}, cutoff, scored_at, forecaster_version_id,
                growth_version_id, source, job_id, advice_id)
            SELECT {", ".join(selected)}, %s, %s, %s, %s, %s, %s, NULL
            FROM latest_score_chunk
            ON CONFLICT (business_id) DO UPDATE SET
                {", ".join(f"{c} = EXCLUDED.{c}" for c in _UPDATED_COLUMNS)}
            WHERE {table}.source = %s OR {table}.scored_at < %s
            """,  # noqa: S608 - the model's own names
            [
                job.cutoff,
                computed_at,
                job.forecaster_version_id,
                job.growth_version_id,
                LatestScore.Source.JOB,
                job.pk,
                LatestScore.Source.JOB,
                job.started_at,
            ],
        )
        # now, not only at the commit: chunks run one after the other in one transaction
        # (inline, under an outer one) each create it again
        cursor.execute("DROP TABLE latest_score_chunk")


def latest_scores_refresh(*, advice: bool = True) -> int:
    """Score every business with the production models (a prediction job over all of them,
    run here) and so store each one's current score; then (``advice``) bring every business's
    advice up to date (:func:`forecasting.advice.services.advice_batch_refresh`), so that its
    page shows drivers, peers and recommendations on the first visit. Returns how many
    businesses were scored.

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
    if advice:
        from forecasting.advice.services import advice_batch_refresh

        advice_batch_refresh()
    return written
