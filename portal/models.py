from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework_api_key.models import AbstractAPIKey


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


class Partner(models.Model):
    """A partner system (a regional government, a bank, a CDE) that uses the REST API.

    It acts through its own user, a member of the ``partner`` group without a usable password,
    so that :func:`portal.roles.visible_businesses` scopes it like anyone else: to the
    businesses it submitted or was granted (:class:`PartnerGrant`).
    """

    name = models.CharField(_("name"), max_length=120, unique=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("API user"),
        on_delete=models.PROTECT,
        related_name="partner",
        editable=False,
    )
    active = models.BooleanField(
        _("active"), default=True, help_text=_("An inactive partner's keys are all refused.")
    )
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("partner system")
        verbose_name_plural = _("partner systems")

    def __str__(self) -> str:
        return self.name


class PartnerAPIKey(AbstractAPIKey):
    """An API key of a partner. Only a prefix and the SHA-512 of the whole key are stored
    (djangorestframework-api-key); the key is shown once, when it is issued. A key can be
    revoked (for good) and expires at ``expiry_date``."""

    partner = models.ForeignKey(
        Partner, verbose_name=_("partner"), on_delete=models.CASCADE, related_name="api_keys"
    )

    class Meta(AbstractAPIKey.Meta):
        verbose_name = _("partner API key")
        verbose_name_plural = _("partner API keys")

    def is_usable(self) -> bool:
        """Not revoked, not expired, and its partner and the partner's user are active."""
        return (
            not self.revoked
            and not self.has_expired
            and self.partner.active
            and self.partner.user.is_active
        )


class PartnerGrant(models.Model):
    """A business in a partner's scope: one it submitted through the API, or one a steward
    granted it."""

    class Reason(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted by the partner")
        GRANTED = "granted", _("Granted by a data steward")

    partner = models.ForeignKey(
        Partner, verbose_name=_("partner"), on_delete=models.CASCADE, related_name="grants"
    )
    business = models.ForeignKey(
        "businesses.Business",
        verbose_name=_("business"),
        on_delete=models.CASCADE,
        related_name="partner_grants",
    )
    reason = models.CharField(
        _("reason"), max_length=10, choices=Reason.choices, default=Reason.GRANTED
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("granted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["partner", "-created_at"]
        verbose_name = _("partner grant")
        verbose_name_plural = _("partner grants")
        constraints = [
            models.UniqueConstraint(fields=["partner", "business"], name="unique_partner_business")
        ]

    def __str__(self) -> str:
        return f"{self.partner} → {self.business}"


class AuditEntry(models.Model):
    """One thing a person (or the system) did that a steward may have to account for later:
    imports, exports, promotions and rollbacks, role and assignment changes, API keys issued and
    revoked. Written through :func:`portal.audit.audit_record` only; never edited.

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
        ordering = ["-at", "-pk"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        indexes = [models.Index(fields=["target_type", "target_id"], name="audit_target")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name or '-'} {self.action} {self.target_repr}"


class FeatureDrift(models.Model):
    """How far one feature of the latest month has moved from a model version's training data:
    the population stability index (forecasting.engine.drift), measured by the
    ``portal.tasks.drift_measure`` task and exposed on /metrics. One row per (version, feature),
    replaced at every measurement."""

    model_version = models.ForeignKey(
        "forecasting.ModelVersion",
        verbose_name=_("model version"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    feature = models.CharField(_("feature"), max_length=100)
    psi = models.FloatField(_("population stability index"))
    period = models.DateField(_("month measured"))
    measured_at = models.DateTimeField(_("measured"))

    class Meta:
        ordering = ["model_version", "feature"]
        verbose_name = _("feature drift")
        verbose_name_plural = _("feature drift")
        constraints = [
            models.UniqueConstraint(fields=["model_version", "feature"], name="unique_drift")
        ]

    def __str__(self) -> str:
        return f"{self.model_version_id} {self.feature}: {self.psi:.3f}"
