"""Training runs: read the registry, fit and measure the engine's models, store them as model
versions, and promote a candidate only when it beats production on held-out months.

``training_run_execute`` is what the Celery task and the ``train`` command both call; it is
idempotent (a finished run is not run again) and ends every run ``succeeded`` or ``failed``
with its reason.
"""

from __future__ import annotations

import logging
import platform
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import joblib
import numpy as np
import pandas as pd
import sklearn
import xgboost
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from core.templatetags.asesor_format import log_stamp
from forecasting.engine import evaluation
from forecasting.engine.explanations import named_importance
from forecasting.engine.features import feature_catalogue
from forecasting.engine.forecaster import SalesForecaster
from forecasting.engine.growth import GrowthClassifier
from forecasting.engine.jsontypes import to_json_types
from forecasting.history import TrainingData, training_data
from forecasting.lifecycle.registry import HELDOUT_KEY, artifact_save, heldout_save
from forecasting.lifecycle.services import model_version_promote, next_version_number
from forecasting.models import ModelEvent, ModelKind, ModelVersion, TrainingRun

logger = logging.getLogger(__name__)

Progress = Callable[[str, int], None]

# Where the advisors' growth labels (overrides, recorded outcomes) come from. The feedback app,
# which sits above this one, registers its reader when Django starts (feedback.apps): the
# model lifecycle reads the labels without importing the app that records them.
_label_sources: list[Callable[..., pd.DataFrame]] = []


def training_labels_source_register(source: Callable[..., pd.DataFrame]) -> None:
    """Add a reader of advisor labels: ``source(rate=...)`` returns the engine's
    ``label_overrides`` frame (``business_id``, ``cutoff``, ``label``, ``weight``, ``source``)."""
    if source not in _label_sources:
        _label_sources.append(source)


def training_labels(*, rate: float | None) -> pd.DataFrame | None:
    """Every registered source's labels as one frame; ``None`` when none is registered."""
    frames = [source(rate=rate) for source in _label_sources]
    if not frames:
        return None
    return frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)


ESTIMATORS = {ModelKind.FORECASTER: SalesForecaster, ModelKind.GROWTH: GrowthClassifier}


def library_versions() -> dict[str, str]:
    return {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "scikit-learn": sklearn.__version__,
        "xgboost": xgboost.__version__,
        "joblib": joblib.__version__,
    }


def estimator_for(kind: str, parameters: dict | None = None):
    """A fresh, unfitted estimator of ``kind`` with the configured and given parameters."""
    configured = getattr(settings, "MODEL_PARAMETERS", {}).get(kind, {})
    return ESTIMATORS[kind](**{**configured, **(parameters or {})})


def primary_score(kind: str, metrics: dict) -> float | None:
    """The number promotion compares (higher is better).

    Forecaster: skill over seasonal naive at horizon 1 (1 - RMSE / seasonal naive's RMSE), so
    versions measured on different months stay comparable. Growth: held-out ROC-AUC.
    """
    try:
        if kind == ModelKind.FORECASTER:
            h1 = metrics["horizons"]["1"]
            return 1.0 - h1["rmse"] / h1["baselines"]["seasonal_naive"]["rmse"]
        return float(metrics["roc_auc"])
    except (KeyError, TypeError, ZeroDivisionError):
        return None


@dataclass
class FitOutcome:
    model: Any
    metrics: dict
    # the rows the held-out measurement scored (engine.evaluation's keep_predictions)
    heldout: pd.DataFrame | None = None
    search_results: dict = field(default_factory=dict)
    preprocessing: dict = field(default_factory=dict)
    features: list[dict] = field(default_factory=list)


def _features_described(names: list[str]) -> list[dict]:
    catalogue = feature_catalogue(names)
    return [{"name": name, **catalogue[name]} for name in names]


def fit_and_measure(
    kind: str, data: TrainingData, parameters: dict, progress: Progress
) -> FitOutcome:
    """Measure ``kind`` on held-out months (fitting on the months before them), then fit it on
    all the data for production.

    The measurement reads the market values as known at each cut-off when pulls or imports left
    a history (:func:`~forecasting.history.indicator_vintages_frame`); the production model
    is fitted on the values as stored, which are what it is served with.
    """
    template = estimator_for(kind, parameters)
    progress(_("measuring on held-out months"), 10)
    if kind == ModelKind.FORECASTER:
        report = evaluation.evaluate(
            data.records,
            data.businesses,
            data.backtest_indicators,
            forecaster=template,
            run_classifier=False,
            keep_predictions=True,
        )
        metrics = report["forecaster"]
    else:
        # advisors' overrides and recorded outcomes, with their configured weights
        overrides = training_labels(rate=getattr(template, "rate", None))
        report = evaluation.evaluate(
            data.records,
            data.businesses,
            data.backtest_indicators,
            classifier=template,
            run_forecaster=False,
            label_overrides=overrides,
            keep_predictions=True,
        )
        metrics = report["growth"]
    heldout = report.get("heldout_predictions", {}).get(kind)
    # which market values the held-out months were measured with (as known then, or as stored)
    metrics = {**metrics, "market_data": data.market_data_record(report.get("market_data"))}
    progress(_("fitting on all months"), 55)
    model = estimator_for(kind, parameters)
    if kind == ModelKind.GROWTH:
        model.fit(data.records, data.businesses, data.indicators, label_overrides=overrides)
    else:
        model.fit(data.records, data.businesses, data.indicators)
    preprocessing = dict(getattr(model, "preprocessing_", {}))
    if kind == ModelKind.GROWTH:
        preprocessing["feedback_labels"] = feedback_labels_record(overrides)
    else:
        metrics = {**metrics, "global_importance": forecaster_importance(model)}
    return FitOutcome(
        model=model,
        metrics=metrics,
        heldout=heldout,
        search_results=getattr(model, "cv_results_", {}),
        preprocessing=preprocessing,
        features=_features_described(list(model.feature_names_)),
    )


def feedback_labels_record(labels: pd.DataFrame) -> dict:
    """How many advisor labels of each source went into training, and their weights."""
    record = {
        "override_weight": float(getattr(settings, "FEEDBACK_OVERRIDE_WEIGHT", 1.0)),
        "outcome_weight": float(getattr(settings, "FEEDBACK_OUTCOME_WEIGHT", 0.5)),
        "overrides": 0,
        "outcomes": 0,
    }
    if labels is not None and len(labels) and "source" in labels:
        counts = labels["source"].value_counts()
        record["overrides"] = int(counts.get("override", 0))
        record["outcomes"] = int(counts.get("outcome", 0))
    return record


def forecaster_importance(model: SalesForecaster, top: int = 15) -> list[dict]:
    """Global importance of a fitted forecaster: each feature's share of the total gain of
    its boosters, averaged over the horizons (XGBoost "total_gain", normalised per booster)."""
    totals: dict[str, float] = {}
    boosters = list(getattr(model, "models_", {}).values())
    for regressor in boosters:
        scores = regressor.get_booster().get_score(importance_type="total_gain")
        total = sum(scores.values()) or 1.0
        for feature, value in scores.items():
            totals[feature] = totals.get(feature, 0.0) + value / total
    items = sorted(
        ({"feature": f, "importance": v / max(len(boosters), 1)} for f, v in totals.items()),
        key=lambda item: -item["importance"],
    )
    return named_importance(items, top=top)


def _train_kind(
    run: TrainingRun, kind: str, data: TrainingData, progress: Progress
) -> ModelVersion:
    version = ModelVersion.objects.create(
        kind=kind,
        version=next_version_number(kind),
        status=ModelVersion.Status.TRAINING,
        training_run=run,
        data_version=data.data_version,
        data_fingerprint=data.fingerprint,
        data_summary=data.summary(),
        parameters=estimator_for(kind, run.parameters.get(kind)).get_params(),
        library_versions=library_versions(),
    )
    started = time.perf_counter()
    try:
        outcome = fit_and_measure(kind, data, run.parameters.get(kind, {}), progress)
    except Exception:
        version.status = ModelVersion.Status.FAILED
        version.save(update_fields=["status"])
        raise
    path, sha, mac = artifact_save(outcome.model, kind=kind, version=version.version)
    version.metrics = to_json_types(outcome.metrics)
    version.search_results = to_json_types(outcome.search_results)
    version.preprocessing = to_json_types(outcome.preprocessing)
    version.features = outcome.features
    # the training data's per-feature distribution: /metrics compares the latest month with it
    reference = getattr(outcome.model, "reference_distribution_", None)
    if reference:
        version.data_summary = {
            **(version.data_summary or {}),
            "feature_distribution": to_json_types(reference),
        }
    if outcome.heldout is not None:
        # kept for the data scientists' dataset (feedback.dataset): what the measurement scored
        version.data_summary = {
            **(version.data_summary or {}),
            HELDOUT_KEY: heldout_save(outcome.heldout, kind=kind, version=version.version),
        }
    version.training_seconds = round(time.perf_counter() - started, 2)
    version.artifact_path, version.artifact_sha256, version.artifact_hmac = path, sha, mac
    version.status = ModelVersion.Status.CANDIDATE
    version.save()
    _decide_promotion(version, force=run.promote, user=run.requested_by)
    return version


def _decide_promotion(version: ModelVersion, *, force: bool, user) -> None:
    """Promote when asked, when there is no production version yet, or when the candidate's
    primary score beats production's by ``PROMOTION_MARGIN``; otherwise it waits for a steward."""
    margin = getattr(settings, "PROMOTION_MARGIN", 0.01)
    current = ModelVersion.objects.filter(
        kind=version.kind, status=ModelVersion.Status.PRODUCTION
    ).first()
    new_score = primary_score(version.kind, version.metrics)
    if force:
        reason = _("Promoted on request when the training run was started.")
    elif current is None:
        reason = _("First %(kind)s: no production version existed.") % {
            "kind": version.get_kind_display()
        }
    else:
        old_score = primary_score(current.kind, current.metrics)
        if new_score is not None and (old_score is None or new_score >= old_score + margin):
            reason = _(
                "Beats production v%(old)d on held-out months: %(new).3f vs %(score).3f "
                "(margin %(margin).3f)."
            ) % {
                "old": current.version,
                "new": new_score,
                "score": old_score or 0.0,
                "margin": margin,
            }
        else:
            ModelEvent.objects.create(
                model_version=version,
                action=ModelEvent.Action.KEPT_AS_CANDIDATE,
                reason=_(
                    "Does not beat production v%(old)d by %(margin).3f on held-out months "
                    "(%(new)s vs %(score)s): waits for a steward."
                )
                % {
                    "old": current.version,
                    "margin": margin,
                    "new": "—" if new_score is None else f"{new_score:.3f}",
                    "score": "—" if old_score is None else f"{old_score:.3f}",
                },
            )
            return
    model_version_promote(version=version, user=user, reason=reason)


def training_run_create(
    *, kind: str = "all", promote: bool = False, user=None, parameters: dict | None = None
) -> TrainingRun:
    """Record a training request; the caller queues or runs it."""
    return TrainingRun.objects.create(
        kind=kind, promote=promote, requested_by=user, parameters=parameters or {}
    )


def training_run_enqueue(run: TrainingRun) -> None:
    """Queue the run for a worker once the surrounding transaction commits.

    Raises ``core.queueing.QueueUnavailableError`` when the broker is not reachable."""
    from core.queueing import enqueue
    from forecasting.tasks import training_run_task

    enqueue(training_run_task, run.pk)


def _current_worker() -> str:
    """The Celery worker running this code ("" in the foreground, e.g. the train command)."""
    from celery import current_task

    request = getattr(current_task, "request", None)
    return (getattr(request, "hostname", None) or "") if current_task else ""


def training_run_execute(run_id: int, *, progress: Progress | None = None) -> TrainingRun:
    """Run a training run to the end; idempotent for finished runs."""
    run = TrainingRun.objects.get(pk=run_id)
    if run.is_finished:
        return run
    run.status, run.started_at, run.error = TrainingRun.Status.RUNNING, timezone.now(), ""
    run.heartbeat_at, run.worker = run.started_at, _current_worker()
    run.save(update_fields=["status", "started_at", "error", "heartbeat_at", "worker"])
    kinds = [ModelKind.FORECASTER, ModelKind.GROWTH] if run.kind == "all" else [run.kind]

    def report(stage: str, percent: int, *, kind_index: int = 0) -> None:
        overall = int((kind_index * 100 + percent) / len(kinds)) if kinds else percent
        run.stage, run.percent = stage, min(overall, 99)
        run.heartbeat_at = timezone.now()
        run.log += f"{log_stamp(run.heartbeat_at)} {stage}\n"
        TrainingRun.objects.filter(pk=run.pk).update(
            stage=run.stage, percent=run.percent, log=run.log, heartbeat_at=run.heartbeat_at
        )
        if progress:
            progress(stage, run.percent)

    try:
        report(_("reading the data"), 2)
        data = training_data()
        if data.records.empty:
            raise ValueError(_("There are no monthly records to train on."))
        for i, kind in enumerate(kinds):
            label = ModelKind(kind).label

            def kind_progress(stage: str, percent: int, i=i, label=label) -> None:
                report(f"{label}: {stage}", percent, kind_index=i)

            version = _train_kind(run, kind, data, kind_progress)
            report(f"{label}: v{version.version} {version.get_status_display()}", 100, kind_index=i)
    except Exception as error:  # a failed run says why; the worker stays up
        logger.exception("training run %s failed", run.pk)
        run.status, run.error = TrainingRun.Status.FAILED, f"{type(error).__name__}: {error}"
        run.log += traceback.format_exc()[-4000:]
    else:
        run.status, run.percent, run.stage = TrainingRun.Status.SUCCEEDED, 100, _("done")
    run.finished_at = timezone.now()
    run.save()
    return run
