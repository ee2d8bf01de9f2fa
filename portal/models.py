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
