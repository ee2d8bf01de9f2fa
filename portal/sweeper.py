"""The jobs sweeper: no training run, prediction job or advice stays ``queued`` or ``running``
forever because the worker running it died or its message was lost.

First line of defence is the broker: tasks are acknowledged late (``task_acks_late``), a task
whose worker process dies is rejected back to the queue (``task_reject_on_worker_lost``) and
Redis hands an unacknowledged message to another worker after ``visibility_timeout``. Every
task is idempotent, so a redelivered one just runs again. The sweeper (``portal.tasks.jobs_sweep``,
every few minutes from celery beat) is the backstop for what redelivery cannot save:

* **running, worker gone** — the row names its worker and that worker's liveness beat
  (:mod:`core.worker_liveness`) is older than ``WORKER_LOST_SECONDS``, and the broker has had
  its chance to redeliver (the row showed no sign of life for longer than the redelivery delay:
  the visibility timeout on Redis, none on the filesystem broker, which does not redeliver);
* **running, no sign of life** for ``JOBS_STALE_SECONDS`` (default: the hard time limit plus
  5 minutes, past which no task can legitimately still run);
* **queued** for ``JOBS_QUEUED_MAX_SECONDS`` (advice: ``ADVICE_QUEUE_TIMEOUT``) — the message was
  lost or no worker runs.

Such rows are marked ``failed`` with the reason, never requeued by the sweeper: the broker has
already had its chance to redeliver, so what is left is a lost message or a job that keeps
killing its worker (out of memory on a big training run, for instance), and requeueing that
would loop. The reason says what happened; a person asks again (advice, training, a job).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.apps import apps
from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

# The job models the sweeper looks after; a model missing from this installation is skipped.
JOB_MODELS = ("forecasting.TrainingRun", "forecasting.PredictionJob")
ACTIVE = ("queued", "running")


@dataclass
class SweepOutcome:
    """What one sweep did: ``failed`` maps "app.Model" to the ids it marked failed."""

    failed: dict[str, list[int]] = field(default_factory=dict)

    def add(self, label: str, pk: int) -> None:
        self.failed.setdefault(label, []).append(pk)

    def as_dict(self) -> dict:
        return {label: len(ids) for label, ids in self.failed.items()}


def redelivery_seconds() -> int:
    """How long the broker may take to hand a dead worker's task to another worker."""
    if settings.CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
        options = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {}) or {}
        return int(options.get("visibility_timeout", 3600))
    return 0  # the filesystem broker never redelivers


def _field_names(model) -> set[str]:
    return {f.name for f in model._meta.get_fields() if getattr(f, "concrete", False)}


def _last_sign_of_life(row, names: set[str]) -> dt.datetime:
    stamps = [
        getattr(row, name)
        for name in ("heartbeat_at", "updated_at", "started_at")
        if name in names and getattr(row, name) is not None
    ]
    return max(stamps) if stamps else row.created_at


def _workers_of(row, names: set[str]) -> set[str]:
    """The workers running ``row``: its own ``worker`` field, or its running chunks'."""
    if "worker" in names:
        return {row.worker} if row.worker else set()
    chunks = getattr(row, "chunks", None)
    if chunks is not None and "worker" in _field_names(chunks.model):
        return set(
            chunks.filter(status="running").exclude(worker="").values_list("worker", flat=True)
        )
    return set()


def _gone_workers(now: dt.datetime) -> set[str]:
    from core.models import WorkerHeartbeat

    limit = now - dt.timedelta(seconds=settings.WORKER_LOST_SECONDS)
    return set(WorkerHeartbeat.objects.filter(seen_at__lt=limit).values_list("hostname", flat=True))


def _fail(model, row, names: set[str], reason: str, now: dt.datetime) -> bool:
    """Mark ``row`` failed with ``reason`` unless it moved on meanwhile (a guarded UPDATE)."""
    changes = {"status": "failed", "error": reason}
    if "finished_at" in names:
        changes["finished_at"] = now
    if "computed_at" in names:
        changes["computed_at"] = now
    guard = {"pk": row.pk, "status": row.status}
    if "heartbeat_at" in names:
        guard["heartbeat_at"] = row.heartbeat_at
    updated = model.objects.filter(**guard).update(**changes)
    chunks = getattr(row, "chunks", None)
    if updated and chunks is not None:
        chunk_names = _field_names(chunks.model)
        chunk_changes = {"status": "failed", "error": reason}
        if "finished_at" in chunk_names:
            chunk_changes["finished_at"] = now
        chunks.filter(status__in=ACTIVE).update(**chunk_changes)
    if updated:
        logger.warning("%s %s marked failed: %s", model._meta.label, row.pk, reason)
    return bool(updated)


def _minutes(seconds: float) -> int:
    return max(1, round(seconds / 60))


def _sweep_jobs(model, now: dt.datetime, gone: set[str], outcome: SweepOutcome) -> None:
    names = _field_names(model)
    stale_after = dt.timedelta(seconds=settings.JOBS_STALE_SECONDS)
    queued_after = dt.timedelta(seconds=settings.JOBS_QUEUED_MAX_SECONDS)
    redelivery = dt.timedelta(seconds=redelivery_seconds())
    for row in model.objects.filter(status__in=ACTIVE).order_by("pk"):
        last = _last_sign_of_life(row, names)
        quiet = now - last
        reason = ""
        if row.status == "queued":
            if now - row.created_at > queued_after:
                reason = _(
                    "No worker started this job within %(minutes)d minutes (its message was "
                    "lost or no worker is running); it was given up. Please request it again."
                ) % {"minutes": _minutes(queued_after.total_seconds())}
        else:
            lost = _workers_of(row, names) & gone
            if lost and quiet > redelivery:
                reason = _(
                    "The worker running this job (%(worker)s) stopped (killed or lost) and the "
                    "job was not taken up again; it was marked failed. Please request it again."
                ) % {"worker": ", ".join(sorted(lost))}
            elif quiet > stale_after:
                reason = _(
                    "This job showed no progress for %(minutes)d minutes, longer than any task "
                    "may run; its worker is presumed gone. Please request it again."
                ) % {"minutes": _minutes(quiet.total_seconds())}
        if reason and _fail(model, row, names, reason, now):
            outcome.add(model._meta.label, row.pk)


def _sweep_advice(now: dt.datetime, outcome: SweepOutcome) -> None:
    from forecasting.advice.services import ADVICE_QUEUE_TIMEOUT
    from forecasting.models import Advice

    names = _field_names(Advice)
    limit = now - ADVICE_QUEUE_TIMEOUT
    reason = _(
        "No worker computed this advice within %(minutes)d minutes; it was given up. "
        "Please request it again."
    ) % {"minutes": _minutes(ADVICE_QUEUE_TIMEOUT.total_seconds())}
    stuck = Advice.objects.filter(status__in=ACTIVE, created_at__lt=limit).only(
        "pk", "status", "created_at"
    )
    for row in stuck:
        if _fail(Advice, row, names, reason, now):
            outcome.add(Advice._meta.label, row.pk)


def jobs_sweep(*, now: dt.datetime | None = None) -> SweepOutcome:
    """Fail every job, training run and advice stuck as described in the module docstring."""
    now = now or timezone.now()
    outcome = SweepOutcome()
    gone = _gone_workers(now)
    with translation.override(settings.LANGUAGE_CODE):  # stored reasons: the portal's language
        for label in JOB_MODELS:
            try:
                model = apps.get_model(label)
            except LookupError:
                continue
            _sweep_jobs(model, now, gone, outcome)
        _sweep_advice(now, outcome)
    return outcome
