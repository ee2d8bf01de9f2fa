"""Keeping :class:`~forecasting.models.LatestScore` current: one row per business with its
newest growth probability and forecast change, which the caseload sorts and alerts on.

Two writers: every computed advice (:func:`latest_score_from_advice`, the score the advisor
just saw) and a bulk refresh from the scoring snapshot (:func:`latest_scores_refresh`: every
business in one vectorised pass, run after training and by ``manage.py refresh_scores``).
"""

from __future__ import annotations

import logging
import time

import numpy as np
from django.db import transaction
from django.utils import timezone

from forecasting.models import Advice, LatestScore
from forecasting.scoring.snapshot import _production_models, scoring_snapshots

logger = logging.getLogger(__name__)

CHUNK = 2000
UPDATED_FIELDS = [
    "cutoff",
    "growth_probability",
    "last_3_mean",
    "next_3_mean",
    "forecast_change",
    "scored_at",
    "uncertain",
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


def latest_score_from_advice(advice: Advice) -> LatestScore | None:
    """Record a ready advice's score as its business's latest (the advisor just saw it)."""
    if advice.status != Advice.Status.READY or not advice.forecast:
        return None
    means = [f.get("mean") for f in advice.forecast[:3] if f.get("mean") is not None]
    uncertain = any(f.get("short_history") or f.get("intermittent") for f in advice.forecast[:3])
    next_3 = sum(means) / len(means) if means else None
    last_3 = _clean((advice.profile or {}).get("last_3_mean"))
    score = LatestScore(
        business_id=advice.business_id,
        cutoff=advice.cutoff,
        growth_probability=advice.growth_probability,
        last_3_mean=last_3,
        next_3_mean=next_3,
        forecast_change=forecast_change(last_3, next_3),
        scored_at=advice.computed_at or timezone.now(),
        uncertain=uncertain,
    )
    # One upsert statement (update_or_create took six: savepoints, a locking read, the write),
    # on the path of every computed advice.
    LatestScore.objects.bulk_create(
        [score],
        update_conflicts=True,
        unique_fields=["business"],
        update_fields=UPDATED_FIELDS,
    )
    return score


def latest_scores_refresh() -> int:
    """Score every business with the production models (the scoring snapshot: one pass per
    model) and store each one's latest score. Returns how many rows were written.

    Raises :class:`~forecasting.scoring.snapshot.ScoringUnavailableError` without production models.
    """
    started = time.perf_counter()
    f_version, forecaster, g_version, classifier = _production_models()
    snap = scoring_snapshots.get(
        f_version=f_version, forecaster=forecaster, g_version=g_version, classifier=classifier
    )
    if snap.cutoff is None or not snap.feature_row:
        return 0
    ids = np.fromiter(snap.feature_row.keys(), dtype=np.int64)
    rows = np.fromiter(snap.feature_row.values(), dtype=np.int64)
    means = snap.forecasts["mean"][:3, :].astype(float)
    with np.errstate(invalid="ignore"):
        next_3 = np.nanmean(np.where(np.isfinite(means), means, np.nan), axis=0)
    last_3 = snap.figures["last_3_mean"].to_numpy(dtype=float)
    # A short or intermittent series' forecast swings (months of zero between sales): its
    # change is kept but raises no "forecast falls" alert.
    uncertain = (
        snap.forecasts["short_history"][:3, :].astype(bool)
        | snap.forecasts["intermittent"][:3, :].astype(bool)
    ).any(axis=0)
    probability = snap.probability
    cutoff, now = snap.cutoff.date(), timezone.now()
    objects = []
    for business_id, row in zip(ids.tolist(), rows.tolist(), strict=True):
        last, upcoming = _clean(last_3[row]), _clean(next_3[row])
        objects.append(
            LatestScore(
                business_id=business_id,
                cutoff=cutoff,
                growth_probability=_clean(probability[row]),
                last_3_mean=last,
                next_3_mean=upcoming,
                forecast_change=forecast_change(last, upcoming),
                scored_at=now,
                uncertain=bool(uncertain[row]),
            )
        )
    with transaction.atomic():
        for start in range(0, len(objects), CHUNK):
            LatestScore.objects.bulk_create(
                objects[start : start + CHUNK],
                update_conflicts=True,
                unique_fields=["business"],
                update_fields=UPDATED_FIELDS,
            )
    logger.info(
        "latest scores of %d businesses stored in %.1f s",
        len(objects),
        time.perf_counter() - started,
    )
    return len(objects)
