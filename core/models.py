"""The plumbing's own tables: worker liveness and the audit log. Both keep their original
table names (they were created by the ``portal`` app, before it became the pages app)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.templatetags.asesor_format import local_datetime


class WorkerHeartbeat(models.Model):
    """The last time each Celery worker answered the heartbeat task: proof that jobs cross from
    the web process to a worker, and the health page's answer to "is a worker alive?"."""

    hostname = models.CharField(_("worker"), max_length=255, unique=True)
    token = models.CharField(_("last token"), max_length=64, blank=True)
    seen_at = models.DateTimeField(_("last seen"))

    class Meta:
        db_table = "portal_workerheartbeat"
        verbose_name = _("worker heartbeat")
        verbose_name_plural = _("worker heartbeats")

    def __str__(self) -> str:
        return f"{self.hostname} @ {local_datetime(self.seen_at, seconds=True)}"


class AuditEntry(models.Model):
    """One thing a person (or the system) did that a steward may have to account for later:
    imports, exports, promotions and rollbacks, role and assignment changes, API keys issued and
    revoked. Written through :func:`core.audit.audit_record` only; never edited.

    The target is kept as type, id and text (not a foreign key) so that an entry outlives
    whatever it names; ``actor_name`` keeps the username when the user is deleted."""

    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_name = models.CharField(_("by (username)"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=40, db_index=True)
    target_type = models.CharField(_("target type"), max_length=100, blank=True)
    target_id = models.CharField(_("target id"), max_length=150, blank=True)
    target_repr = models.CharField(_("target"), max_length=255, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    class Meta:
        db_table = "portal_auditentry"
        ordering = ["-at", "-pk"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        indexes = [models.Index(fields=["target_type", "target_id"], name="audit_target")]

    def __str__(self) -> str:
        return (
            f"{local_datetime(self.at)} {self.actor_name or '-'} {self.action} {self.target_repr}"
        )


class RateCounter(models.Model):
    """A counter shared by every web process (``core.counters``): failed API keys per client
    address, requests per API key. One row per key; ``expires`` (Unix time) ends its window."""

    key = models.CharField(_("key"), max_length=200, unique=True)
    count = models.PositiveIntegerField(_("count"), default=0)
    expires = models.FloatField(_("window ends"), db_index=True)

    class Meta:
        verbose_name = _("rate counter")
        verbose_name_plural = _("rate counters")

    def __str__(self) -> str:
        return f"{self.key}: {self.count} until {self.expires:.0f}"
