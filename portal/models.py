from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkerHeartbeat(models.Model):
    """The last time each Celery worker answered the heartbeat task: proof that jobs cross from
    the web process to a worker, and the health page's answer to "is a worker alive?"."""

    hostname = models.CharField(_("worker"), max_length=255, unique=True)
    token = models.CharField(_("last token"), max_length=64, blank=True)
    seen_at = models.DateTimeField(_("last seen"))

    class Meta:
        verbose_name = _("worker heartbeat")
        verbose_name_plural = _("worker heartbeats")

    def __str__(self) -> str:
        return f"{self.hostname} @ {self.seen_at:%Y-%m-%d %H:%M:%S}"
