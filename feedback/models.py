"""Advisor annotations on advice: verdicts on recommendations, ratings, growth-label
overrides (handed to training) and outcomes recorded later. Every row keeps who and when."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.templatetags.asesor_format import local_datetime
from feedback.validators import (
    SALES_CHANGE_MAX,
    SALES_CHANGE_MIN,
    outcome_date_rule,
    validate_sales_change,
    visit_date_rule,
)


class Annotation(models.Model):
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        abstract = True


class RecommendationFeedback(Annotation):
    """An advisor's verdict on one recommendation; the latest one counts, earlier ones stay."""

    class Action(models.TextChoices):
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")
        EDITED = "edited", _("Edited")

    recommendation = models.ForeignKey(
        "forecasting.Recommendation",
        verbose_name=_("recommendation"),
        on_delete=models.CASCADE,
        related_name="feedback",
    )
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    edited_title = models.CharField(_("edited title"), max_length=200, blank=True)
    edited_rationale = models.TextField(_("edited rationale"), blank=True)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("recommendation feedback")
        verbose_name_plural = _("recommendation feedback")
        indexes = [models.Index(fields=["recommendation", "-created_at"], name="feedback_latest")]

    def __str__(self) -> str:
        return f"{self.recommendation_id} {self.action}"


class AdviceRating(Annotation):
    """A 1–5 rating of a whole advice by one advisor (rating again replaces it)."""

    advice = models.ForeignKey(
        "forecasting.Advice",
        verbose_name=_("advice"),
        on_delete=models.CASCADE,
        related_name="ratings",
    )
    rating = models.PositiveSmallIntegerField(
        _("rating"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("advice rating")
        verbose_name_plural = _("advice ratings")
        constraints = [
            models.UniqueConstraint(fields=["advice", "created_by"], name="one_rating_per_user"),
            models.CheckConstraint(
                condition=models.Q(rating__gte=1, rating__lte=5), name="rating_1_to_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.advice_id}: {self.rating}"


class LabelOverride(Annotation):
    """The advisor says whether the business will grow, against or beside the model's score.
    Training reads the latest override per (business, cut-off) as the true label."""

    class Label(models.TextChoices):
        GROWS = "grows", _("Grows")
        DOES_NOT_GROW = "no_growth", _("Does not grow")

    advice = models.ForeignKey(
        "forecasting.Advice",
        verbose_name=_("advice"),
        on_delete=models.CASCADE,
        related_name="label_overrides",
    )
    business = models.ForeignKey(
        "businesses.Business",
        verbose_name=_("business"),
        on_delete=models.CASCADE,
        related_name="label_overrides",
    )
    cutoff = models.DateField(_("last month of data"))
    label = models.CharField(_("label"), max_length=10, choices=Label.choices)
    reason = models.TextField(_("reason"))

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("growth label override")
        verbose_name_plural = _("growth label overrides")
        indexes = [models.Index(fields=["business", "cutoff"], name="override_business_cutoff")]

    def __str__(self) -> str:
        return f"{self.business_id} {self.cutoff:%Y-%m} {self.label}"


class Outcome(Annotation):
    """What the business did and what came of it, recorded after the advice."""

    business = models.ForeignKey(
        "businesses.Business",
        verbose_name=_("business"),
        on_delete=models.CASCADE,
        related_name="outcomes",
    )
    advice = models.ForeignKey(
        "forecasting.Advice",
        verbose_name=_("advice"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="outcomes",
    )
    recommendation = models.ForeignKey(
        "forecasting.Recommendation",
        verbose_name=_("recommendation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="outcomes",
    )
    action_taken = models.CharField(_("action taken"), max_length=300)
    date = models.DateField(_("date"))
    result = models.TextField(_("result"), blank=True)
    sales_change = models.DecimalField(
        _("sales change (%)"),
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[validate_sales_change],
    )

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = _("outcome")
        verbose_name_plural = _("outcomes")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(sales_change__isnull=True)
                | models.Q(sales_change__gte=SALES_CHANGE_MIN, sales_change__lte=SALES_CHANGE_MAX),
                name="outcome_sales_change_possible",
                violation_error_message=_("The sales change must be between −100 % and +1,000 %."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.business_id} {self.date}: {self.action_taken[:40]}"

    def clean(self) -> None:
        super().clean()
        try:
            outcome_date_rule(self.date, business=self.business if self.business_id else None)
        except ValidationError as error:
            raise ValidationError({"date": error}) from None


class Visit(Annotation):
    """An advisor's contact with a business (a visit, a call, a video meeting). The caseload
    warns about businesses nobody has contacted for a while."""

    class Channel(models.TextChoices):
        IN_PERSON = "in_person", _("In person")
        PHONE = "phone", _("Phone call")
        VIDEO = "video", _("Video call")

    business = models.ForeignKey(
        "businesses.Business",
        verbose_name=_("business"),
        on_delete=models.CASCADE,
        related_name="visits",
    )
    date = models.DateField(_("date"))
    channel = models.CharField(
        _("channel"), max_length=10, choices=Channel.choices, default=Channel.IN_PERSON
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        indexes = [models.Index(fields=["business", "-date"], name="visit_latest")]

    def __str__(self) -> str:
        return f"{self.business_id} {self.date}"

    def clean(self) -> None:
        super().clean()
        try:
            visit_date_rule(self.date, business=self.business if self.business_id else None)
        except ValidationError as error:
            raise ValidationError({"date": error}) from None


class OwnerReport(Annotation):
    """One owner's report (PDF) produced from the portal: who made it, when, for which business
    and advice, in which language, with which recommendations. The audit trail supervisors read;
    the PDF itself is not kept (it can be rebuilt from the advice and its feedback)."""

    business = models.ForeignKey(
        "businesses.Business",
        verbose_name=_("business"),
        on_delete=models.CASCADE,
        related_name="owner_reports",
    )
    advice = models.ForeignKey(
        "forecasting.Advice",
        verbose_name=_("advice"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owner_reports",
        help_text=_("Empty when the business had no advice yet."),
    )
    language = models.CharField(_("language"), max_length=8)
    recommendations = models.JSONField(
        _("recommendations printed"), default=list, blank=True, help_text=_("Their ids.")
    )
    pages = models.PositiveSmallIntegerField(_("pages"))
    size_bytes = models.PositiveIntegerField(_("size (bytes)"))

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("owner report")
        verbose_name_plural = _("owner reports")
        indexes = [models.Index(fields=["business", "-created_at"], name="owner_report_business")]

    def __str__(self) -> str:
        return f"{self.business_id} {local_datetime(self.created_at)}"


class DatasetExport(models.Model):
    """One export of the data scientists' dataset, run by a worker, with its progress and the
    archive a steward downloads (``feedback.dataset.jobs``)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.QUEUED
    )
    since = models.DateField(_("from month"), null=True, blank=True)
    file_format = models.CharField(_("format"), max_length=10, default="auto")
    stage = models.CharField(_("stage"), max_length=120, blank=True)
    percent = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    log = models.TextField(_("log"), blank=True)
    error = models.TextField(_("error"), blank=True)
    archive = models.CharField(_("archive"), max_length=255, blank=True)
    archive_sha256 = models.CharField(_("archive SHA-256"), max_length=64, blank=True)
    size_bytes = models.PositiveBigIntegerField(_("size (bytes)"), null=True, blank=True)
    summary = models.JSONField(_("summary"), default=dict, blank=True)
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
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("dataset export")
        verbose_name_plural = _("dataset exports")

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_status_display()}"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED)
