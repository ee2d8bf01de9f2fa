"""Models as data: every trained model version with its provenance and measurements, the
promotion history, and the training runs that produce them."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ModelKind(models.TextChoices):
    FORECASTER = "forecaster", _("Sales forecaster")
    GROWTH = "growth", _("Growth classifier")


class ModelVersion(models.Model):
    class Status(models.TextChoices):
        TRAINING = "training", _("Training")
        CANDIDATE = "candidate", _("Candidate")
        PRODUCTION = "production", _("Production")
        ARCHIVED = "archived", _("Archived")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=20, choices=ModelKind.choices)
    version = models.PositiveIntegerField(_("version"))
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.TRAINING
    )
    training_run = models.ForeignKey(
        "TrainingRun",
        verbose_name=_("training run"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="model_versions",
    )
    data_version = models.PositiveIntegerField(
        _("data version"), null=True, blank=True, help_text=_("Latest data import it saw.")
    )
    data_fingerprint = models.CharField(_("data fingerprint"), max_length=64, blank=True)
    data_summary = models.JSONField(_("training data"), default=dict, blank=True)
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)
    search_results = models.JSONField(_("search and cross-validation"), default=dict, blank=True)
    metrics = models.JSONField(_("held-out metrics"), default=dict, blank=True)
    features = models.JSONField(_("features"), default=list, blank=True)
    preprocessing = models.JSONField(_("preprocessing"), default=dict, blank=True)
    library_versions = models.JSONField(_("library versions"), default=dict, blank=True)
    training_seconds = models.FloatField(_("training time (s)"), null=True, blank=True)
    artifact_path = models.CharField(_("artifact"), max_length=255, blank=True)
    artifact_sha256 = models.CharField(_("artifact SHA-256"), max_length=64, blank=True)
    artifact_hmac = models.CharField(_("artifact HMAC"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    promoted_at = models.DateTimeField(_("promoted"), null=True, blank=True)

    class Meta:
        ordering = ["kind", "-version"]
        verbose_name = _("model version")
        verbose_name_plural = _("model versions")
        constraints = [
            models.UniqueConstraint(fields=["kind", "version"], name="unique_kind_version"),
            models.UniqueConstraint(
                fields=["kind"],
                condition=Q(status="production"),
                name="one_production_version_per_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} v{self.version} ({self.get_status_display()})"


class ModelEvent(models.Model):
    """A promotion or rollback: who, when, why."""

    class Action(models.TextChoices):
        PROMOTED = "promoted", _("Promoted to production")
        ARCHIVED = "archived", _("Archived")
        ROLLED_BACK = "rolled_back", _("Rolled back to")
        KEPT_AS_CANDIDATE = "kept", _("Kept as candidate")

    model_version = models.ForeignKey(
        ModelVersion,
        verbose_name=_("model version"),
        on_delete=models.CASCADE,
        related_name="events",
    )
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reason = models.TextField(_("reason"), blank=True)
    at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("model event")
        verbose_name_plural = _("model events")

    def __str__(self) -> str:
        return f"{self.model_version} {self.get_action_display()}"


class TrainingRun(models.Model):
    """A request to train: its progress and log, readable while it runs."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    KINDS = [("all", _("Both models")), *ModelKind.choices]

    kind = models.CharField(_("kind"), max_length=20, choices=KINDS, default="all")
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    stage = models.CharField(_("stage"), max_length=120, blank=True)
    percent = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    log = models.TextField(_("log"), blank=True)
    error = models.TextField(_("error"), blank=True)
    promote = models.BooleanField(
        _("promote when done"),
        default=False,
        help_text=_("Promote the new versions even if they do not beat production."),
    )
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("training run")
        verbose_name_plural = _("training runs")

    def __str__(self) -> str:
        return f"#{self.pk} {self.kind} {self.get_status_display()}"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED)
