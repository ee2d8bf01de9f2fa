"""Prediction jobs: score many businesses with the production models, in chunks that run in
parallel on any number of workers.

A job goes through three steps, each idempotent (a redelivered task repeats or skips work, it
never duplicates results):

1. **create** (:func:`prediction_job_create`, in the request): the businesses are fixed through
   the requester's scope and split into :class:`PredictionChunk` rows of ``chunk_size``.
2. **start** (:func:`prediction_job_start`, task ``prediction_job_run``): pins the production
   model versions and the cut-off (the latest month of data), and gathers the *group
   statistics* of the whole panel — a business's sector, region and sector x region features
   average every business of its groups, so a chunk could not compute them from its own rows
   (see :class:`forecasting.engine.features.GroupStats`). It reads only sales of the last
   36 months, then sends one task per chunk.
3. **chunks** (:func:`prediction_chunk_execute`, task ``prediction_chunk_run``): each reads its
   businesses' history in one bulk query, builds their features in one vectorised pass with
   the job's group statistics, predicts with the pinned models through the serving path, and
   replaces its results in one transaction (delete + bulk insert; COPY on PostgreSQL), in which
   one more statement makes them its businesses' current scores
   (:func:`forecasting.scoring.latest.latest_scores_from_job`). Then, under a lock on the job
   row, the job's progress becomes the sum of its chunks' and the last chunk to finish closes
   the job. This is a chord without a result backend: the job's state lives in our tables.

Any failure ends the job ``failed`` with the reason; ``heartbeat_at`` moves with every chunk,
so the sweeper (``portal.tasks.jobs_sweep``) can fail a job whose workers vanished.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import traceback
import warnings
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pandas as pd
from django.conf import settings
from django.db import connection, connections, transaction
from django.db.models import Max, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from businesses.freshness import deregistered_flags, months_silent, stale_flags
from businesses.models import Business, MonthlyRecord
from forecasting.engine import schema
from forecasting.engine.features import (
    WINDOW,
    GroupStats,
    build_features,
    build_panel,
    group_statistics,
)
from forecasting.engine.serving import ServingModels, serving_key, serving_models
from forecasting.history import indicators_frame
from forecasting.lifecycle.registry import (
    NoProductionModelError,
    artifact_load,
    production_versions,
)
from forecasting.models import (
    FORECAST_STATISTICS,
    LatestScore,
    ModelVersion,
    PredictionChunk,
    PredictionJob,
    PredictionResult,
)
from forecasting.predictions.io import (
    businesses_static,
    history_frame,
    results_delete,
    results_write,
)
from forecasting.scoring.latest import latest_scores_from_job
from forecasting.scoring.snapshot import data_signature

logger = logging.getLogger(__name__)

DEFAULT_CHUNK_SIZE = 10_000
Dispatch = Callable[[list[int]], None]


class PredictionJobError(Exception):
    """The job cannot run (no production model, no data); the message says why."""


def chunk_size_default() -> int:
    return int(getattr(settings, "PREDICTION_CHUNK_SIZE", DEFAULT_CHUNK_SIZE))


def _worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


# ---------------------------------------------------------------------------- create


@transaction.atomic
def prediction_job_create(
    *,
    business_ids: Sequence[int],
    user=None,
    partner=None,
    selection: dict | None = None,
    rejected: list[dict] | None = None,
    chunk_size: int | None = None,
) -> PredictionJob:
    """A queued job over these businesses (already scoped by the caller), split into chunks.

    Chunks follow the businesses' ids, so a chunk's history is one index range."""
    size = max(1, int(chunk_size or chunk_size_default()))
    ids = sorted({int(i) for i in business_ids})
    job = PredictionJob.objects.create(
        total=len(ids),
        chunk_size=size,
        created_by=user if user is not None and user.is_authenticated else None,
        partner=partner,
        selection=selection or {},
        rejected=rejected or [],
    )
    PredictionChunk.objects.bulk_create(
        [
            PredictionChunk(job=job, index=i, business_ids=ids[start : start + size])
            for i, start in enumerate(range(0, len(ids), size))
        ]
    )
    return job


def prediction_job_enqueue(job: PredictionJob) -> None:
    """Queue the job on the workers after the transaction commits (raises
    :class:`core.queueing.QueueUnavailableError` when the broker is down)."""
    from core.queueing import enqueue
    from forecasting.tasks import prediction_job_run

    enqueue(prediction_job_run, job.pk)


# ---------------------------------------------------------------------------- models


def _single_threaded(model: Any) -> None:
    """One thread for a growth classifier's own model: a worker is one process per core, and
    threads of several workers fighting over the cores stall at OpenMP barriers (see
    DESIGN.md). XGBoost boosters, the forecaster's included, are set to one thread by the
    serving path the chunks predict through (:class:`serving.ServingModels`)."""
    inner = getattr(model, "model_", None)  # the growth classifier (its calibrator shares it)
    for name in ("n_jobs", "model__n_jobs"):
        try:
            inner.set_params(**{name: 1})
            break
        except (AttributeError, ValueError):
            continue


class _PinnedModels:
    """Loaded models by version id, per process (a job pins its versions; a promotion during
    the job must not mix two versions in one job's results)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._models: dict[int, Any] = {}

    def get(self, version: ModelVersion) -> Any:
        model = self._models.get(version.pk)
        if model is None:
            with self._lock:
                model = artifact_load(version)
                _single_threaded(model)
                self._models = {version.pk: model, **self._models}
                if len(self._models) > 4:  # keep the few versions jobs are using
                    self._models = dict(list(self._models.items())[:4])
        return model

    def clear(self) -> None:
        self._models = {}


pinned_models = _PinnedModels()


class _JobContext:
    """What every chunk of one job shares, kept per process: the group statistics and the
    market indicators (read once per job and worker, not once per chunk)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._job_id: int | None = None
        self._value: tuple[GroupStats, pd.DataFrame] | None = None

    def get(self, job: PredictionJob) -> tuple[GroupStats, pd.DataFrame]:
        with self._lock:
            if self._job_id != job.pk or self._value is None:
                stats = GroupStats.from_json(job.group_statistics.get("stats", {}))
                self._value = (stats, indicators_frame())
                self._job_id = job.pk
            return self._value

    def clear(self) -> None:
        with self._lock:
            self._job_id, self._value = None, None


job_contexts = _JobContext()


# ---------------------------------------------------------------------------- start


def _fail(job_id: int, reason: str) -> None:
    now = timezone.now()
    PredictionJob.objects.filter(pk=job_id).exclude(
        status__in=[PredictionJob.Status.SUCCEEDED, PredictionJob.Status.FAILED]
    ).update(status=PredictionJob.Status.FAILED, error=reason, finished_at=now, heartbeat_at=now)


def _latest_month() -> pd.Timestamp | None:
    latest = MonthlyRecord.objects.aggregate(latest=Max("period"))["latest"]
    return None if latest is None else pd.Timestamp(latest)


def prediction_job_start(job_id: int, *, dispatch: Dispatch) -> PredictionJob:
    """Pin the models and the cut-off, gather the group statistics and hand the chunks still
    to do to ``dispatch`` (after the commit). A finished job is left as it is; a job already
    started is started again (its chunks are idempotent)."""
    job = PredictionJob.objects.get(pk=job_id)
    if job.is_finished:
        return job
    started = time.perf_counter()
    now = timezone.now()
    PredictionJob.objects.filter(pk=job_id).update(
        status=PredictionJob.Status.RUNNING,
        started_at=job.started_at or now,
        heartbeat_at=now,
    )
    try:
        # The job pins what is in production now, as the database has it.
        try:
            f_version, g_version = production_versions()
        except NoProductionModelError as error:
            raise PredictionJobError(str(error)) from error
        cutoff = _latest_month()
        if cutoff is None:
            raise PredictionJobError(_("There are no monthly records to score yet."))
        horizons = tuple(pinned_models.get(f_version).horizons)
        seconds = {"read": 0.0, "features": 0.0}
        stored: dict = {}
        if job.total:
            key = _statistics_key(cutoff, horizons)
            stored = _statistics_reused(key)
            if not stored:
                stats, seconds = _panel_statistics(cutoff, horizons)
                stored = {"key": key, "stats": stats.to_json()}
        seconds["start"] = time.perf_counter() - started
        with transaction.atomic():
            job = PredictionJob.objects.select_for_update().get(pk=job_id)
            if job.is_finished:
                return job
            job.cutoff = cutoff.date()
            job.forecaster_version = f_version
            job.growth_version = g_version
            job.group_statistics = stored
            job.seconds = {"start": {k: round(v, 3) for k, v in seconds.items()}}
            job.heartbeat_at = timezone.now()
            job.save()
            todo = list(
                job.chunks.exclude(status=PredictionChunk.Status.SUCCEEDED).values_list(
                    "pk", flat=True
                )
            )
            if todo:
                transaction.on_commit(lambda: dispatch(todo))
            else:
                _close_if_complete(job)
    except Exception as error:
        logger.exception("prediction job %s could not start", job_id)
        reason = str(error) if isinstance(error, PredictionJobError) else _describe(error)
        _fail(job_id, reason)
    return PredictionJob.objects.get(pk=job_id)


def _panel_statistics(
    cutoff: pd.Timestamp, horizons: tuple[int, ...]
) -> tuple[GroupStats, dict[str, float]]:
    """The group statistics of every business at ``cutoff``, from the sales of the window the
    group features read (the groups are the whole panel's, whichever businesses a job
    scores): a sum of partial sums over parts of the panel.

    The parts (at least ``PREDICTION_START_PARTS``, default one per thread, and none larger
    than ``PREDICTION_START_PART_SIZE`` businesses, default 50,000) are read and summarised on
    a few threads (``PREDICTION_START_THREADS``), each with its own database connection, so
    that this serial step of a job keeps every core busy: the database packs one part's sales
    while another part's statistics are computed (NumPy releases the GIL in its sorts and
    reductions). The parts are merged in their order, so the sums do not depend on which
    thread finished first. Returns the statistics and the seconds the parts spent reading and
    summarising (summed over the threads)."""
    since = (cutoff - pd.DateOffset(months=WINDOW - 1)).date()
    threads = max(1, int(getattr(settings, "PREDICTION_START_THREADS", 2)))
    if connection.vendor != "postgresql":
        threads = 1  # SQLite writes and reads through one file: no gain, and tests' data is
        # visible only on the test's own connection
    parts = _id_ranges(
        max(1, int(getattr(settings, "PREDICTION_START_PARTS", threads))),
        max(1, int(getattr(settings, "PREDICTION_START_PART_SIZE", START_PART_SIZE))),
    )

    def part_statistics(part: tuple[int, int]) -> tuple[GroupStats, float, float]:
        try:
            t0 = time.perf_counter()
            records = history_frame(None, columns="sales", since=since, id_range=part)
            static = businesses_static(None, id_range=part)
            t1 = time.perf_counter()
            stats = group_statistics(records, static, cutoff, horizons=horizons)
            return stats, t1 - t0, time.perf_counter() - t1
        finally:
            if threading.current_thread() is not threading.main_thread():
                connections.close_all()

    if threads <= 1 or len(parts) <= 1:
        results = [part_statistics(part) for part in parts]
    else:
        with ThreadPoolExecutor(max_workers=threads) as pool:
            results = list(pool.map(part_statistics, parts))
    stats = GroupStats()
    for part, _read, _spent in results:
        stats.merge(part)
    return stats, {
        "read": sum(read for _part, read, _spent in results),
        "features": sum(spent for _part, _read, spent in results),
    }


START_PART_SIZE = 50_000


def _id_ranges(n_parts: int, part_size: int) -> list[tuple[int, int]]:
    """The businesses' ids in ranges (first, last) of equal counts: at least ``n_parts`` of
    them, and none of more than ``part_size`` businesses — so that the memory of the start
    step is that of one part whatever the size of the panel (a part's sales arrive as one
    value). Only the bounds leave the database, not a million ids."""
    count = Business.objects.count()
    if not count:
        return []
    size = -(-count // max(n_parts, -(-count // part_size)))
    table = connection.ops.quote_name(Business._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT MIN(id), MAX(id) FROM (SELECT id, (ROW_NUMBER() OVER (ORDER BY id) - 1)"  # noqa: S608
            f" / %s AS part FROM {table}) AS numbered GROUP BY part ORDER BY part",
            [size],
        )
        return [(int(first), int(last)) for first, last in cursor.fetchall()]


def _statistics_key(cutoff: pd.Timestamp, horizons: tuple[int, ...]) -> str:
    """What the group statistics depend on: the data (its signature), the cut-off and the
    horizons. Equal keys, equal statistics."""
    return "|".join(
        [cutoff.date().isoformat(), ",".join(map(str, horizons)), *map(str, data_signature())]
    )


def _statistics_reused(key: str) -> dict:
    """The statistics of an earlier job on the same data, if any: a job of a few RUCs then
    does not read the whole panel again."""
    recent = list(PredictionJob.objects.order_by("-pk").values_list("pk", flat=True)[:10])
    earlier = (
        PredictionJob.objects.filter(pk__in=recent, group_statistics__key=key)
        .order_by("-pk")
        .values_list("group_statistics", flat=True)
        .first()
    )
    return earlier or {}


def _describe(error: Exception) -> str:
    """The error in one line (what the job shows its requester; the log has the traceback)."""
    return f"{type(error).__name__}: {error}"


# ---------------------------------------------------------------------------- one chunk


def _score(job: PredictionJob, ids: list[int], seconds: dict[str, float]) -> dict:
    """Features and predictions of these businesses at the job's cut-off."""
    forecaster = pinned_models.get(job.forecaster_version)
    classifier = pinned_models.get(job.growth_version)
    stats, indicators = job_contexts.get(job)
    cutoff = pd.Timestamp(job.cutoff)
    t0 = time.perf_counter()
    records = history_frame(ids)
    records = records[records[schema.PERIOD] <= cutoff]
    static = businesses_static(ids)
    t1 = time.perf_counter()
    seconds["read"] += t1 - t0
    if records.empty:
        return {}
    first = pd.Timestamp(records[schema.PERIOD].min())
    panel = build_panel(records, periods=pd.date_range(first, cutoff, freq="MS"))
    features = build_features(
        records,
        static,
        indicators,
        [cutoff],
        horizons=tuple(forecaster.horizons),
        panel=panel,
        group_stats=stats,
    )
    features.attrs = {}  # pandas deep-copies attrs into every slice xgboost takes
    t2 = time.perf_counter()
    seconds["features"] += t2 - t1
    if features.empty:
        return {}
    served = job_serving(job, forecaster, classifier).predict(features, explain=False)
    seconds["predict"] += time.perf_counter() - t2
    business_ids = features[schema.BUSINESS_ID].to_numpy()
    # Mean sales over the last 3 months with records (missing months unknown, not zero), as
    # the advice's profile has it: the base of the caseload's forecast change.
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN rows: no recent sales
        recent = np.nanmean(panel.sales[:, -3:], axis=1)
    rows = np.searchsorted(panel.business_ids, business_ids)
    # A business silent for too long is not forecast as if it were trading: its figures are
    # withheld (NaN, stored as null) and the row says why (businesses.freshness).
    last = records.groupby(schema.BUSINESS_ID)[schema.PERIOD].max().reindex(business_ids)
    stale = stale_flags(last.to_numpy(), cutoff, deregistered_flags(business_ids))
    withheld = np.where(stale, np.nan, 1.0)
    return {
        "business_ids": business_ids,
        "last_3_mean": recent[rows],
        "growth_probability": served.probability * withheld,
        "months_observed": features["months_observed"].to_numpy(),
        "intermittent": served.flags["intermittent"],
        "stale": stale,
        "months_silent": months_silent(last.to_numpy(), cutoff),
        "forecasts": {
            PredictionResult.forecast_field(stat, h): served.forecast[stat][j] * withheld
            for j, h in enumerate(served.horizons)
            for stat in FORECAST_STATISTICS
        },
        "models_disagree": {
            PredictionResult.disagree_field(h): served.forecast["models_disagree"][j] & ~stale
            for j, h in enumerate(served.horizons)
        },
    }


def job_serving(job: PredictionJob, forecaster: Any, classifier: Any) -> ServingModels:
    """The job's pinned models as the serving path applies them (one float matrix, each model
    reading its columns by index through ``inplace_predict``, the engine's own interval
    arithmetic): the API's numbers, without the per-horizon DataFrames of the engine's
    ``predict``, which cost a chunk about as much as the trees (a unit test holds the two to
    the same numbers)."""
    return serving_models(
        key=serving_key(job.forecaster_version, job.growth_version),
        forecaster=forecaster,
        classifier=classifier,
    )


def prediction_chunk_execute(chunk_id: int, *, force: bool = False) -> PredictionChunk:
    """Score one chunk and replace its results; then update the job's progress and close the
    job if this was its last chunk. A succeeded chunk is skipped unless ``force``."""
    chunk = PredictionChunk.objects.select_related(
        "job", "job__forecaster_version", "job__growth_version"
    ).get(pk=chunk_id)
    job = chunk.job
    if job.is_finished and not force:
        return chunk
    if chunk.status == PredictionChunk.Status.SUCCEEDED and not force:
        _job_progress(job.pk)  # a redelivered task after the results landed: just close up
        return chunk
    now = timezone.now()
    PredictionChunk.objects.filter(pk=chunk.pk).update(
        status=PredictionChunk.Status.RUNNING,
        attempts=chunk.attempts + 1,
        started_at=now,
        worker=_worker_name(),
    )
    PredictionJob.objects.filter(pk=job.pk).update(heartbeat_at=now)
    seconds = {"read": 0.0, "features": 0.0, "predict": 0.0, "write": 0.0}
    try:
        scored = _score(job, chunk.business_ids, seconds)
        t0 = time.perf_counter()
        with transaction.atomic():
            results_delete(job_id=job.pk, business_ids=chunk.business_ids)
            if scored:
                last_3_mean = scored.pop("last_3_mean")
                computed_at = timezone.now()
                results_write(
                    job_id=job.pk,
                    cutoff=job.cutoff,
                    forecaster_version_id=job.forecaster_version_id,
                    growth_version_id=job.growth_version_id,
                    computed_at=computed_at,
                    **scored,
                )
                # the same pass makes these results the businesses' current scores
                latest_scores_from_job(
                    job=job,
                    computed_at=computed_at,
                    business_ids=scored["business_ids"],
                    growth_probability=scored["growth_probability"],
                    forecasts=scored["forecasts"],
                    short_history=np.nan_to_num(np.asarray(scored["months_observed"], float)) < 12,
                    intermittent=scored["intermittent"],
                    models_disagree=scored["models_disagree"],
                    last_3_mean=last_3_mean,
                )
            seconds["write"] = time.perf_counter() - t0
            PredictionChunk.objects.filter(pk=chunk.pk).update(
                status=PredictionChunk.Status.SUCCEEDED,
                done=len(chunk.business_ids),
                error="",
                finished_at=timezone.now(),
                seconds={k: round(v, 4) for k, v in seconds.items()},
            )
    except Exception as error:
        logger.exception("prediction chunk %s failed", chunk_id)
        reason = _describe(error)
        PredictionChunk.objects.filter(pk=chunk.pk).update(
            status=PredictionChunk.Status.FAILED,
            error=traceback.format_exc(limit=8),  # for the admin
            finished_at=timezone.now(),
        )
        _fail(
            job.pk,
            _("Chunk %(index)d of %(total)d failed: %(reason)s")
            % {"index": chunk.index + 1, "total": job.chunks.count(), "reason": reason},
        )
        chunk.refresh_from_db()
        return chunk
    _job_progress(job.pk)
    chunk.refresh_from_db()
    return chunk


def _job_progress(job_id: int) -> None:
    with transaction.atomic():
        job = PredictionJob.objects.select_for_update().get(pk=job_id)
        _close_if_complete(job)


def _close_if_complete(job: PredictionJob) -> None:
    """Under the caller's lock on ``job``: progress is the sum of the chunks'; when every
    chunk has succeeded the job has too, with the time its chunks spent."""
    chunks = job.chunks.all()
    job.done = chunks.aggregate(done=Sum("done"))["done"] or 0
    job.heartbeat_at = timezone.now()
    fields = ["done", "heartbeat_at", "updated_at"]
    if (
        job.status == PredictionJob.Status.RUNNING
        and not chunks.exclude(status=PredictionChunk.Status.SUCCEEDED).exists()
    ):
        totals: dict[str, float] = {}
        for spent in chunks.values_list("seconds", flat=True):
            for key, value in (spent or {}).items():
                totals[key] = totals.get(key, 0.0) + value
        job.seconds = {**job.seconds, "chunks": {k: round(v, 3) for k, v in totals.items()}}
        job.status = PredictionJob.Status.SUCCEEDED
        job.finished_at = timezone.now()
        fields += ["seconds", "status", "finished_at"]
        if job.selection.get("advice"):
            # the nightly re-scoring: then every business's advice, on a worker
            transaction.on_commit(_advice_batch_enqueue)
    job.save(update_fields=fields)


def _advice_batch_enqueue() -> None:
    from core.queueing import enqueue
    from forecasting.tasks import advice_batch_task

    try:
        enqueue(advice_batch_task)
    except Exception:  # the pages keep the advice they have; the next night tries again
        logger.exception("could not queue the batch advice after the nightly scoring")


# ---------------------------------------------------------------------------- running


def celery_dispatch(chunk_ids: list[int]) -> None:
    """Send one task per chunk: any number of workers take them in parallel."""
    from celery import group

    from forecasting.tasks import prediction_chunk_run

    group(prediction_chunk_run.si(pk) for pk in chunk_ids).apply_async()


def inline_dispatch(chunk_ids: list[int]) -> None:
    """Run the chunks here, one after the other (the ``score`` command without workers)."""
    for pk in chunk_ids:
        prediction_chunk_execute(pk)


def prediction_job_run_inline(job: PredictionJob) -> PredictionJob:
    """Run a whole job in this process (inside an outer transaction too, where the start's
    dispatch would wait for a commit)."""
    job = prediction_job_start(job.pk, dispatch=inline_dispatch)
    if job.status == PredictionJob.Status.RUNNING:
        pending = job.chunks.exclude(status=PredictionChunk.Status.SUCCEEDED)
        inline_dispatch(list(pending.values_list("pk", flat=True)))
        job.refresh_from_db()
    return job


def prediction_job_seconds(job: PredictionJob) -> dict[str, float]:
    """Where the job's time went, summed over the start and its chunks: read, features,
    predict, write (CPU-seconds of all workers together, not wall time)."""
    start = job.seconds.get("start", {})
    chunks = job.seconds.get("chunks", {})
    return {
        key: round(start.get(key, 0.0) + chunks.get(key, 0.0), 3)
        for key in ("read", "features", "predict", "write")
    }


def _keep_days() -> int:
    return int(getattr(settings, "PREDICTION_RESULTS_KEEP_DAYS", 14))


def nightly_rescore_create(*, advice: bool = False) -> PredictionJob:
    """A job over every business (the nightly re-scoring); with ``advice``, the job queues the
    batch advice (every business's advice brought up to date) when it succeeds."""
    ids = list(Business.objects.order_by("pk").values_list("pk", flat=True))
    selection = {"all": True, "advice": True} if advice else {"all": True}
    return prediction_job_create(business_ids=ids, selection=selection)


def prediction_results_prune(*, keep_days: int | None = None) -> int:
    """Delete the results of finished jobs older than ``keep_days`` (setting
    ``PREDICTION_RESULTS_KEEP_DAYS``, default 14): nightly jobs would otherwise pile up
    100,000 rows a night. A job whose results are still some business's current score
    (:class:`LatestScore`) is kept. Returns the number of jobs pruned."""
    days = keep_days if keep_days is not None else _keep_days()
    current = LatestScore.objects.filter(job__isnull=False).values("job_id").distinct()
    old = PredictionJob.objects.filter(
        created_at__lt=timezone.now() - pd.Timedelta(days=days).to_pytimedelta(),
        status__in=[PredictionJob.Status.SUCCEEDED, PredictionJob.Status.FAILED],
    ).exclude(pk__in=current)
    pruned = 0
    for job_id in old.values_list("pk", flat=True):
        PredictionResult.objects.filter(job_id=job_id).delete()
        pruned += 1
    old.delete()
    return pruned
