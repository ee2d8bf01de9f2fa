"""Advice and prediction jobs that no worker will take up: failed, with the reason, when polled.

The sweeper (``portal.tasks.jobs_sweep``) runs from celery beat, inside a worker: when the only
worker is gone, the sweeper is gone with it and a queued advice would say "queued" forever. So the
web request that reads a queued or running row asks the workers' liveness beat
(:func:`core.worker_liveness.worker_absence`): when no worker has been alive for
``WORKER_ABSENT_SECONDS``, the row is marked ``failed`` with the reason and the client stops
polling. Should a worker come back later and take the task up after all, the task is idempotent
and simply completes the row.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.worker_liveness import worker_absence
from forecasting.models import Advice, PredictionJob

ACTIVE = ("queued", "running")


def _reason(seconds: int) -> str:
    with translation.override(settings.LANGUAGE_CODE):  # stored reasons: the portal's language
        return _(
            "No worker is running to compute this (none has answered for over %(minutes)d min); "
            "it was marked failed. Please request it again in a few minutes."
        ) % {"minutes": max(1, seconds // 60)}


def advice_fail_if_unserved(advice: Advice | None) -> Advice | None:
    """``advice``, marked failed (in the database and on the object) if it is queued or running
    and no worker is alive to compute it."""
    if advice is None or advice.status not in ACTIVE:
        return advice
    absence = worker_absence()
    if absence is None:
        return advice
    reason, now = _reason(absence.seconds), timezone.now()
    changed = Advice.objects.filter(pk=advice.pk, status__in=ACTIVE).update(
        status=Advice.Status.FAILED, error=reason, computed_at=now
    )
    if changed:
        advice.status, advice.error, advice.computed_at = Advice.Status.FAILED, reason, now
    return advice


def prediction_job_fail_if_unserved(job: PredictionJob) -> PredictionJob:
    """``job``, marked failed (with its unfinished chunks) if it is queued or running and no
    worker is alive to run it."""
    if job.status not in ACTIVE:
        return job
    absence = worker_absence()
    if absence is None:
        return job
    reason, now = _reason(absence.seconds), timezone.now()
    with transaction.atomic():
        changed = PredictionJob.objects.filter(pk=job.pk, status__in=ACTIVE).update(
            status=PredictionJob.Status.FAILED, error=reason, finished_at=now
        )
        if changed:
            job.chunks.filter(status__in=ACTIVE).update(
                status="failed", error=reason, finished_at=now
            )
    if changed:
        job.status, job.error, job.finished_at = PredictionJob.Status.FAILED, reason, now
    return job
