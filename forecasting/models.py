"""Models as data: every trained model version with its provenance and measurements, the
promotion history, and the training runs that produce them."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.text import format_lazy
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
    # Written at every progress step by the worker running it: portal.tasks.jobs_sweep fails a
    # run whose worker is gone or that has not moved for too long (never "running" forever).
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    worker = models.CharField(_("worker"), max_length=255, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("training run")
        verbose_name_plural = _("training runs")

    def __str__(self) -> str:
        return f"#{self.pk} {self.kind} {self.get_status_display()}"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED)


class Advice(models.Model):
    """Machine-learning advice on one business: forecast, growth score and its drivers, peer
    benchmarks, market trend, and the recommendations drawn from them (see
    forecasting.advice.rules).
    Requested by an advisor, computed by a worker (``queued`` → ``ready`` or ``failed``).
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    business = models.ForeignKey(
        "businesses.Business",
        verbose_name=_("business"),
        on_delete=models.CASCADE,
        related_name="advices",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # when it was asked for: set when the advice is made, so that advice computed on the spot
    # (written once, with its figures) still records how long it took (``computed_at``)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    computed_at = models.DateTimeField(_("computed"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    error = models.TextField(_("error"), blank=True)
    forecaster_version = models.ForeignKey(
        ModelVersion,
        verbose_name=_("forecaster version"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    growth_version = models.ForeignKey(
        ModelVersion,
        verbose_name=_("growth classifier version"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    cutoff = models.DateField(_("last month of data"), null=True, blank=True)
    forecast = models.JSONField(_("forecast"), default=list, blank=True)
    growth_probability = models.FloatField(_("growth probability"), null=True, blank=True)
    drivers = models.JSONField(_("growth drivers"), default=list, blank=True)
    benchmarks = models.JSONField(_("peer benchmarks"), default=dict, blank=True)
    market_trend = models.JSONField(_("market trend"), default=dict, blank=True)
    profile = models.JSONField(
        _("business figures"),
        default=dict,
        blank=True,
        help_text=_("The business's own figures the rules read (recent sales, margin, …)."),
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("advice")
        verbose_name_plural = _("advice")
        indexes = [
            models.Index(fields=["business", "-created_at"], name="advice_business_latest"),
            models.Index(fields=["status", "created_at"], name="advice_status_created"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.business_id} {self.get_status_display()}"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.READY, self.Status.FAILED)


class Recommendation(models.Model):
    """One thing to do, with the numbers behind it; may point to a support programme.

    ``title`` and ``rationale`` are stored in the product's default language when computed;
    ``params`` keeps the numbers so pages can say them again in the reader's language.
    """

    class Priority(models.IntegerChoices):
        HIGH = 1, _("High")
        MEDIUM = 2, _("Medium")
        LOW = 3, _("Low")

    advice = models.ForeignKey(
        Advice,
        verbose_name=_("advice"),
        on_delete=models.CASCADE,
        related_name="recommendations",
    )
    code = models.CharField(_("code"), max_length=40)
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, default=Priority.MEDIUM
    )
    title = models.CharField(_("title"), max_length=200)
    rationale = models.TextField(_("rationale"))
    params = models.JSONField(_("numbers behind it"), default=dict, blank=True)
    programme = models.ForeignKey(
        "businesses.SupportProgramme",
        verbose_name=_("support programme"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="recommendations",
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["advice", "position", "pk"]
        verbose_name = _("recommendation")
        verbose_name_plural = _("recommendations")
        indexes = [models.Index(fields=["code"], name="recommendation_code")]

    def __str__(self) -> str:
        # what it is in words, as the admin's lists of verdicts and outcomes show it
        from forecasting.advice.rules import recommendation_title

        return f"{recommendation_title(self.code)} (#{self.advice_id})"


class LatestScore(models.Model):
    """The current scoring result of one business, one row each: what every surface (caseload,
    business page, owner report, API advice, ``score``) shows as its forecast and growth
    probability, with when, from which data and by which model versions it was computed. Its
    six months are those of the record it points to (``job``'s result for the business, or
    ``advice``), which are not copied.

    Written in the same pass by every prediction job's chunks (the nightly re-scoring among
    them: ``source = job``) and by every computed advice (``source = advice``), whichever is
    newer (``forecasting.scoring.latest``). The caseload sorts, filters and raises alerts on
    these at any size (an indexed join, not a JSON field or a subquery per row).
    """

    class Source(models.TextChoices):
        JOB = "job", _("Scoring run")
        ADVICE = "advice", _("Advice")

    business = models.OneToOneField(
        "businesses.Business",
        verbose_name=_("business"),
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="latest_score",
    )
    cutoff = models.DateField(_("last month of data"), null=True, blank=True)
    growth_probability = models.FloatField(_("growth probability"), null=True, blank=True)
    last_3_mean = models.FloatField(_("mean sales, last 3 months"), null=True, blank=True)
    next_3_mean = models.FloatField(_("expected sales, next 3 months"), null=True, blank=True)
    forecast_change = models.FloatField(
        _("forecast change"),
        null=True,
        blank=True,
        help_text=_("Next 3 months' expected mean sales against the last 3 months' (fraction)."),
    )
    scored_at = models.DateTimeField(_("scored"))
    uncertain = models.BooleanField(
        _("uncertain forecast"),
        default=False,
        help_text=_(
            "Short or intermittent sales history, or its two models disagree: the forecast change "
            "is shown but raises no alert."
        ),
    )
    forecaster_version = models.ForeignKey(
        ModelVersion,
        verbose_name=_("forecaster version"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    growth_version = models.ForeignKey(
        ModelVersion,
        verbose_name=_("growth classifier version"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    source = models.CharField(
        _("computed by"), max_length=10, choices=Source.choices, default=Source.JOB
    )
    # Where the score's six months (expected sales, p10, p50, p90) are: the prediction job's
    # result for this business, or the advice. Written 100,000 at a time by the nightly job:
    # no constraints, no indexes beyond the caseload's.
    job = models.ForeignKey(
        "PredictionJob",
        verbose_name=_("prediction job"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
        db_index=False,
        help_text=_("The prediction job that computed this score (none when an advice did)."),
    )
    advice = models.ForeignKey(
        Advice,
        verbose_name=_("advice"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
        db_index=False,
        help_text=_("The advice that computed this score (none when a prediction job did)."),
    )

    class Meta:
        verbose_name = _("latest score")
        verbose_name_plural = _("latest scores")
        indexes = [
            models.Index(fields=["growth_probability"], name="latest_score_growth"),
            models.Index(fields=["forecast_change"], name="latest_score_change"),
        ]

    def __str__(self) -> str:
        return f"{self.business_id}: {self.growth_probability}"


FORECAST_HORIZONS = (1, 2, 3, 4, 5, 6)
FORECAST_STATISTICS = ("mean", "p10", "p50", "p90")


class PredictionJob(models.Model):
    """A request to score many businesses with the production models (forecasts for the next
    six months and growth probability), run in chunks on any number of workers.

    The businesses are fixed when the job is created (through the requester's scope) and split
    into :class:`PredictionChunk` rows; ``done`` is the sum of the chunks' progress. The model
    versions and the cut-off are pinned when the job starts, so every chunk scores with the same
    models and the same group statistics even if a model is promoted meanwhile.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    total = models.PositiveIntegerField(_("businesses"), default=0)
    done = models.PositiveIntegerField(_("businesses scored"), default=0)
    chunk_size = models.PositiveIntegerField(_("chunk size"), default=10_000)
    error = models.TextField(_("error"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    partner = models.ForeignKey(
        "businesses.Partner",
        verbose_name=_("partner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="prediction_jobs",
    )
    selection = models.JSONField(
        _("selection"), default=dict, blank=True, help_text=_("What was asked to be scored.")
    )
    rejected = models.JSONField(
        _("rejected rows"),
        default=list,
        blank=True,
        help_text=_("Requested RUCs that were not scored, with their row and reason."),
    )
    cutoff = models.DateField(_("last month of data"), null=True, blank=True)
    forecaster_version = models.ForeignKey(
        ModelVersion,
        verbose_name=_("forecaster version"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    growth_version = models.ForeignKey(
        ModelVersion,
        verbose_name=_("growth classifier version"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    group_statistics = models.JSONField(
        _("group statistics"),
        default=dict,
        blank=True,
        help_text=_("Sector and region figures of the whole panel at the cut-off."),
    )
    seconds = models.JSONField(_("time spent (s)"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    # Written as chunks progress: portal.tasks.jobs_sweep fails a job that stops moving.
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("prediction job")
        verbose_name_plural = _("prediction jobs")
        indexes = [models.Index(fields=["status", "updated_at"], name="predjob_status_updated")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_status_display()} {self.done}/{self.total}"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED)

    @property
    def percent(self) -> int:
        return 100 if not self.total else int(100 * self.done / self.total)


class PredictionChunk(models.Model):
    """One part of a prediction job: a list of businesses scored together by one task.

    Re-running a chunk (a redelivered task) replaces its own results, never duplicates them.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    job = models.ForeignKey(
        PredictionJob, verbose_name=_("job"), on_delete=models.CASCADE, related_name="chunks"
    )
    index = models.PositiveIntegerField(_("index"))
    business_ids = models.JSONField(_("businesses"), default=list)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    done = models.PositiveIntegerField(_("businesses scored"), default=0)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.TextField(_("error"), blank=True)
    seconds = models.JSONField(_("time spent (s)"), default=dict, blank=True)
    worker = models.CharField(_("worker"), max_length=255, blank=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["job", "index"]
        verbose_name = _("prediction chunk")
        verbose_name_plural = _("prediction chunks")
        constraints = [
            models.UniqueConstraint(fields=["job", "index"], name="unique_prediction_chunk")
        ]

    def __str__(self) -> str:
        return f"{self.job_id}/{self.index} {self.get_status_display()}"


class PredictionResult(models.Model):
    """The scores of one business in one prediction job: the expected sales (``mean``) and the
    p10 / p50 / p90 sales (soles) of each of the next six months, and the growth probability.

    One row per (job, business); the six horizons are columns (``mean_h1`` … ``p90_h6``) so
    that a chunk writes its rows in one bulk statement. The forecast month of horizon ``h`` is
    ``cutoff`` plus ``h`` months.
    """

    # Written 10,000 rows at a time: no database FK constraints (their per-row triggers doubled
    # the write time) and no index the unique (job, business) one does not already give;
    # Django still cascades deletes, and chunks only write businesses they have just read.
    job = models.ForeignKey(
        PredictionJob,
        verbose_name=_("job"),
        on_delete=models.CASCADE,
        related_name="results",
        db_constraint=False,
        db_index=False,
    )
    business = models.ForeignKey(
        "businesses.Business",
        verbose_name=_("business"),
        on_delete=models.CASCADE,
        related_name="prediction_results",
        db_constraint=False,
    )
    cutoff = models.DateField(_("last month of data"))
    forecaster_version = models.ForeignKey(
        ModelVersion,
        verbose_name=_("forecaster version"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    growth_version = models.ForeignKey(
        ModelVersion,
        verbose_name=_("growth classifier version"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    # Unknown (null) where withheld: a stale business (businesses.freshness) is not forecast.
    growth_probability = models.FloatField(_("growth probability"), null=True)
    months_observed = models.PositiveSmallIntegerField(_("months with sales reported"))
    short_history = models.BooleanField(_("short history"))
    intermittent = models.BooleanField(_("intermittent sales"))
    stale = models.BooleanField(
        _("no recent data"),
        default=False,
        help_text=_("Its data is too old to forecast from: forecast and probability withheld."),
    )
    months_silent = models.PositiveSmallIntegerField(_("months since its last record"), default=0)
    computed_at = models.DateTimeField(_("computed"))

    class Meta:
        ordering = ["job", "business"]
        verbose_name = _("prediction result")
        verbose_name_plural = _("prediction results")
        constraints = [
            models.UniqueConstraint(fields=["job", "business"], name="unique_prediction_result")
        ]

    def __str__(self) -> str:
        return f"{self.job_id}: {self.business_id}"

    @classmethod
    def forecast_field(cls, statistic: str, horizon: int) -> str:
        return f"{statistic}_h{horizon}"

    @classmethod
    def disagree_field(cls, horizon: int) -> str:
        return f"models_disagree_h{horizon}"

    def freshness(self):
        """How current the business's data was at this result's cut-off
        (:class:`businesses.freshness.Freshness`)."""
        from businesses.freshness import business_sunat, freshness, month_before

        last = month_before(self.cutoff, self.months_silent)
        # withheld for SUNAT's reason rather than silence: what SUNAT says of it (a query)
        return freshness(
            last, self.cutoff, business_sunat(self.business_id) if self.stale else None
        )

    def forecast(self) -> list[dict]:
        """The six months as ``[{"horizon", "period", "mean", "p10", "p50", "p90",
        "models_disagree"}]`` (figures None where withheld)."""
        out = []
        for h in FORECAST_HORIZONS:
            month = self.cutoff.year * 12 + self.cutoff.month - 1 + h
            row = {"horizon": h, "period": f"{month // 12:04d}-{month % 12 + 1:02d}"}
            for stat in FORECAST_STATISTICS:
                value = getattr(self, self.forecast_field(stat, h))
                row[stat] = None if value is None or value != value else value  # NaN: unknown
            row["models_disagree"] = bool(getattr(self, self.disagree_field(h)))
            out.append(row)
        return out


# Column labels of the admin and exports: the quantiles read the same in both languages.
_STATISTIC_LABELS = {"mean": _("mean")}

# The 24 forecast columns, declared in a loop rather than by hand (mean_h1 … p90_h6).
for _horizon in FORECAST_HORIZONS:
    for _statistic in FORECAST_STATISTICS:
        PredictionResult.add_to_class(
            PredictionResult.forecast_field(_statistic, _horizon),
            models.FloatField(
                format_lazy("{} h{}", _STATISTIC_LABELS.get(_statistic, _statistic), _horizon),
                null=True,
            ),
        )
    # The two models behind the month's figures disagreed badly (engine.bands): a flag with its
    # reason wherever the month goes out.
    PredictionResult.add_to_class(
        PredictionResult.disagree_field(_horizon),
        models.BooleanField(format_lazy(_("models disagree h{}"), _horizon), default=False),
    )
del _horizon, _statistic


class FeatureDrift(models.Model):
    """How far one feature of the latest month has moved from a model version's training data:
    the population stability index (forecasting.engine.drift), measured by the
    ``portal.tasks.drift_measure`` task and exposed on /metrics. One row per (version, feature),
    replaced at every measurement."""

    model_version = models.ForeignKey(
        ModelVersion,
        verbose_name=_("model version"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    feature = models.CharField(_("feature"), max_length=100)
    psi = models.FloatField(_("population stability index"))
    period = models.DateField(_("month measured"))
    measured_at = models.DateTimeField(_("measured"))

    class Meta:
        db_table = "portal_featuredrift"
        ordering = ["model_version", "feature"]
        verbose_name = _("feature drift")
        verbose_name_plural = _("feature drift")
        constraints = [
            models.UniqueConstraint(fields=["model_version", "feature"], name="unique_drift")
        ]

    def __str__(self) -> str:
        return f"{self.model_version_id} {self.feature}: {self.psi:.3f}"
