from celery import shared_task
from django.utils import timezone

from core.models import WorkerHeartbeat


@shared_task(bind=True, name="portal.heartbeat")
def heartbeat(self, token: str = "") -> str:
    """Record that a worker ran a task (idempotent: one row per worker, last token wins)."""
    hostname = self.request.hostname or "eager"
    WorkerHeartbeat.objects.update_or_create(
        hostname=hostname, defaults={"token": token, "seen_at": timezone.now()}
    )
    return hostname


@shared_task(name="portal.tasks.jobs_sweep")
def jobs_sweep() -> dict:
    """Fail training runs, prediction jobs and advice left queued or running by a lost message
    or a dead worker, with the reason (portal.sweeper); run by celery beat every few minutes."""
    from portal.sweeper import jobs_sweep as sweep

    return sweep().as_dict()


@shared_task(name="portal.tasks.drift_measure")
def drift_measure() -> dict:
    """Measure each production model's data drift (PSI per feature, training data against the
    latest month) and store it for /metrics; run by celery beat after the nightly re-scoring."""
    from forecasting.scoring.drift import drift_measure as measure

    return measure()
