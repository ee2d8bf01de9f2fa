from celery import shared_task
from django.utils import timezone

from .models import WorkerHeartbeat


@shared_task(bind=True, name="portal.heartbeat")
def heartbeat(self, token: str = "") -> str:
    """Record that a worker ran a task (idempotent: one row per worker, last token wins)."""
    hostname = self.request.hostname or "eager"
    WorkerHeartbeat.objects.update_or_create(
        hostname=hostname, defaults={"token": token, "seen_at": timezone.now()}
    )
    return hostname
