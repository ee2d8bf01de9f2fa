import logging
import threading

from celery import shared_task
from celery.signals import worker_process_init
from django.conf import settings

logger = logging.getLogger(__name__)


@worker_process_init.connect
def scoring_warm_at_start(**_kwargs) -> None:
    """Load the production models, build their serving form (the fused booster,
    ``forecasting.warm``) and the scoring snapshot as soon as a worker process starts (in a
    thread, so the process is ready for other tasks meanwhile): the first advice or prediction
    job then takes milliseconds instead of the snapshot's build time (seconds at 100k
    businesses). ``ASESOR_SERVING_WARM=0`` / ``ASESOR_SCORING_WARM=0`` leave them to the first
    task."""
    serving = getattr(settings, "SERVING_WARM_AT_START", True)
    scoring = getattr(settings, "SCORING_WARM_AT_START", True)
    if serving or scoring:
        threading.Thread(
            target=_scoring_warm, args=(serving, scoring), name="scoring-warm", daemon=True
        ).start()


def _scoring_warm(serving: bool = True, scoring: bool = True) -> None:
    from django.db import connection

    from forecasting.scoring.snapshot import scoring_warm
    from forecasting.warm import serving_warm

    try:
        if serving and not serving_warm():
            return  # no production model: nothing to warm
    except Exception:  # the first task loads the models instead, and reports any error
        logger.exception("warming the serving models failed")
    finally:
        connection.close()
    if not scoring:
        return
    try:
        snap = scoring_warm()
        if snap is not None:
            logger.info("scoring snapshot warm (%d businesses)", len(snap.feature_row))
    except Exception:  # the first advice builds it instead, and reports any error
        logger.exception("warming the scoring snapshot failed")
    finally:
        connection.close()


@shared_task(name="forecasting.training_run", acks_late=True)
def training_run_task(run_id: int) -> str:
    """Run one TrainingRun (idempotent: a finished run is left as it is)."""
    # Imported here so that a worker starts without loading the ML stack until it trains.
    from forecasting.lifecycle.training import training_run_execute

    return training_run_execute(run_id).status


@shared_task(name="forecasting.advice_compute", acks_late=True)
def advice_compute_task(advice_id: int) -> str:
    """Compute one Advice (idempotent: ready advice is left as it is)."""
    from forecasting.advice.services import advice_compute

    return advice_compute(advice_id).status


@shared_task(name="forecasting.latest_scores_refresh", acks_late=True)
def latest_scores_refresh_task() -> int:
    """Score every business with a prediction job run here, which stores each one's current
    score (idempotent; the nightly re-scoring does the same on every worker)."""
    from forecasting.scoring.latest import latest_scores_refresh

    return latest_scores_refresh()


@shared_task(name="forecasting.advice_batch", acks_late=True)
def advice_batch_task() -> dict:
    """Bring every business's advice up to date after the nightly scoring (idempotent: a
    business whose advice is current is skipped)."""
    from forecasting.advice.services import advice_batch_refresh

    return advice_batch_refresh()


@shared_task(acks_late=True)
def prediction_job_run(job_id: int) -> str:
    """Start a PredictionJob: pin its models, gather the group statistics, send its chunks
    (idempotent: a finished job is left as it is, a started one is resumed)."""
    from forecasting.predictions.jobs import celery_dispatch, prediction_job_start

    return prediction_job_start(job_id, dispatch=celery_dispatch).status


@shared_task(acks_late=True)
def prediction_chunk_run(chunk_id: int) -> str:
    """Score one chunk of a PredictionJob (idempotent: its results are replaced, never
    duplicated; a succeeded chunk is skipped)."""
    from forecasting.predictions.jobs import prediction_chunk_execute

    return prediction_chunk_execute(chunk_id).status


@shared_task(acks_late=True)
def nightly_rescore() -> int:
    """Re-score every business (celery beat, nightly); old jobs' results are pruned first. The
    job's chunks make their results the businesses' current scores (LatestScore) in the same
    pass: nothing scores them a second time."""
    from forecasting.predictions.jobs import (
        celery_dispatch,
        nightly_rescore_create,
        prediction_job_start,
        prediction_results_prune,
    )

    prediction_results_prune()
    job = nightly_rescore_create(advice=True)  # then every business's advice (batch)
    prediction_job_start(job.pk, dispatch=celery_dispatch)
    return job.pk
