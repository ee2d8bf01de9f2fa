"""The business registry: regions, sectors, businesses, their monthly records, market data,
support programmes, the UIT by year and the imports that brought data in."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from .validators import validate_period_in_past, validate_ruc, validate_ubigeo


class TimestampedModel(models.Model):
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class Region(models.Model):
    """A first-level ubigeo unit: one of the 24 departments or the Constitutional Province of
    Callao. Loaded by a data migration."""

    code = models.CharField(
        _("code"), max_length=2, primary_key=True, validators=[RegexValidator(r"^\d{2}$")]
    )
    name = models.CharField(_("name"), max_length=60, unique=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return self.name


class Sector(models.Model):
    """A CIIU Rev.4 section (letter, A–U) or division (two digits, 01–99).

    Businesses belong to a division; a division's ``section`` points to its section row.
    """

    code = models.CharField(_("code"), max_length=2, primary_key=True)
    name = models.CharField(_("name"), max_length=200)
    section = models.ForeignKey(
        "self",
        verbose_name=_("section"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="divisions",
        limit_choices_to={"section__isnull": True},
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("sector (CIIU Rev.4)")
        verbose_name_plural = _("sectors (CIIU Rev.4)")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def is_division(self) -> bool:
        return self.section_id is not None


class UITValue(models.Model):
    """The Unidad Impositiva Tributaria of one year, in soles (set each year by decree)."""

    year = models.PositiveSmallIntegerField(_("year"), primary_key=True)
    value = models.DecimalField(
        _("value (S/)"), max_digits=10, decimal_places=2, validators=[MinValueValidator(1)]
    )

    class Meta:
        ordering = ["-year"]
        verbose_name = _("UIT value")
        verbose_name_plural = _("UIT values")

    def __str__(self) -> str:
        return f"UIT {self.year}: S/ {self.value}"


class SizeClass(models.TextChoices):
    """MYPE size classes of Ley 30056, by annual sales in UIT."""

    MICRO = "micro", _("Micro")
    SMALL = "small", _("Small")
    MEDIUM = "medium", _("Medium")
    LARGE = "large", _("Large")
    UNKNOWN = "unknown", _("Unknown")


class Source(models.TextChoices):
    DEMO = "demo", _("Demo data")
    IMPORT = "import", _("File import")
    API = "api", _("Partner API")
    MANUAL = "manual", _("Entered by hand")


class SupportProgramme(TimestampedModel):
    """A support programme a recommendation can point to; stewards keep the catalogue."""

    class Axis(models.TextChoices):
        FORMALISATION = "formalisation", _("Formalisation")
        INNOVATION = "innovation", _("Innovation and productive/managerial capacity")
        ARTICULATION = "articulation", _("Productive articulation")
        MARKETS = "markets", _("Cooperation and access to new markets")
        FINANCING = "financing", _("Access to financing")

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    axis = models.CharField(_("strategic axis"), max_length=20, choices=Axis.choices)
    description = models.TextField(_("description"), blank=True)
    url = models.URLField(_("web page"), blank=True)
    active = models.BooleanField(_("active"), default=True)
    is_demo = models.BooleanField(
        _("demo entry"), default=False, help_text=_("Demo catalogue entry for stewards to review.")
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("support programme")
        verbose_name_plural = _("support programmes")

    def __str__(self) -> str:
        return self.name


class DataImport(TimestampedModel):
    """One batch of data that entered the registry: a file, the demo seed or an API batch.

    Its id is the data version it produced; the rejected rows keep their reasons.
    """

    class Kind(models.TextChoices):
        BUSINESSES = "businesses", _("Businesses")
        MONTHLY = "monthly", _("Monthly records")
        INDICATORS = "indicators", _("Market indicators")
        DEMO = "demo", _("Demo data")

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.RUNNING
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    file_name = models.CharField(_("file name"), max_length=255, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True, db_index=True)
    rows_read = models.PositiveIntegerField(_("rows read"), default=0)
    rows_created = models.PositiveIntegerField(_("rows created"), default=0)
    rows_updated = models.PositiveIntegerField(_("rows updated"), default=0)
    rows_unchanged = models.PositiveIntegerField(
        _("rows unchanged"),
        default=0,
        help_text=_("Valid rows identical to what was already stored (a re-sent row)."),
    )
    rows_rejected = models.PositiveIntegerField(_("rows rejected"), default=0)
    rejected_rows = models.JSONField(_("rejected rows"), default=list, blank=True)
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)
    message = models.TextField(_("message"), blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("data import")
        verbose_name_plural = _("data imports")

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()} {self.file_name}".strip()

    @property
    def data_version(self) -> int:
        return self.pk


class Business(TimestampedModel):
    ruc = models.CharField(_("RUC"), max_length=11, unique=True, validators=[validate_ruc])
    legal_name = models.CharField(_("legal name"), max_length=200, db_index=True)
    trade_name = models.CharField(_("trade name"), max_length=200, blank=True)
    sector = models.ForeignKey(
        Sector,
        verbose_name=_("sector"),
        on_delete=models.PROTECT,
        related_name="businesses",
        limit_choices_to={"section__isnull": False},
    )
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="businesses"
    )
    ubigeo = models.CharField(_("ubigeo"), max_length=6, validators=[validate_ubigeo])
    founded = models.DateField(_("founded"), null=True, blank=True)
    employees = models.PositiveIntegerField(_("employees"), null=True, blank=True)
    size_class = models.CharField(
        _("size class"),
        max_length=10,
        choices=SizeClass.choices,
        default=SizeClass.UNKNOWN,
        editable=False,
        help_text=_("Derived from the last 12 months of sales and that year's UIT (Ley 30056)."),
    )
    women_led = models.BooleanField(_("women-led"), default=False)
    sells_online = models.BooleanField(_("sells online"), default=False)
    advisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned advisor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_businesses",
    )
    source = models.CharField(
        _("source"), max_length=10, choices=Source.choices, default=Source.MANUAL
    )
    source_import = models.ForeignKey(
        DataImport,
        verbose_name=_("source import"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="businesses",
    )

    class Meta:
        ordering = ["legal_name"]
        verbose_name = _("business")
        verbose_name_plural = _("businesses")
        indexes = [models.Index(fields=["region", "sector"]), models.Index(fields=["advisor"])]

    def __str__(self) -> str:
        return self.trade_name or self.legal_name

    def clean(self) -> None:
        errors = {}
        if self.ubigeo and self.region_id and not self.ubigeo.startswith(self.region_id):
            errors["ubigeo"] = ValidationError(
                _("Ubigeo %(ubigeo)s is not in region %(region)s."),
                code="ubigeo_region",
                params={"ubigeo": self.ubigeo, "region": self.region_id},
            )
        if self.sector_id and not (len(self.sector_id) == 2 and self.sector_id.isdigit()):
            errors["sector"] = ValidationError(
                _("A business belongs to a CIIU division (two digits), not a section."),
                code="sector_level",
            )
        if errors:
            raise ValidationError(errors)


class Satisfaction(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class MonthlyRecord(models.Model):
    """What a business did in one month. A month without a record is unknown, not zero."""

    business = models.ForeignKey(
        Business, verbose_name=_("business"), on_delete=models.CASCADE, related_name="records"
    )
    period = models.DateField(
        _("period"), validators=[validate_period_in_past], help_text=_("First day of the month.")
    )
    sales = models.DecimalField(
        _("sales (S/)"), max_digits=14, decimal_places=2, validators=[MinValueValidator(0)]
    )
    costs = models.DecimalField(
        _("costs (S/)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    employees = models.PositiveIntegerField(_("employees"), null=True, blank=True)
    satisfaction = models.CharField(
        _("customer satisfaction"), max_length=6, choices=Satisfaction.choices, blank=True
    )
    source_import = models.ForeignKey(
        DataImport,
        verbose_name=_("source import"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="monthly_records",
    )

    class Meta:
        ordering = ["business", "period"]
        verbose_name = _("monthly record")
        verbose_name_plural = _("monthly records")
        constraints = [
            models.UniqueConstraint(fields=["business", "period"], name="unique_business_period"),
            models.CheckConstraint(condition=models.Q(sales__gte=0), name="sales_not_negative"),
            models.CheckConstraint(
                condition=models.Q(costs__isnull=True) | models.Q(costs__gte=0),
                name="costs_not_negative",
            ),
        ]
        indexes = [models.Index(fields=["period"])]

    def __str__(self) -> str:
        return f"{self.business_id} {self.period:%Y-%m}"

    @property
    def margin(self) -> Decimal | None:
        if self.costs is None or not self.sales:
            return None
        return (self.sales - self.costs) / self.sales


class MarketIndicator(models.Model):
    """A market series value for a sector and/or region in one month (e.g. a sector production
    index). A blank sector or region means the series covers all of them."""

    sector = models.ForeignKey(
        Sector, verbose_name=_("sector"), null=True, blank=True, on_delete=models.PROTECT
    )
    region = models.ForeignKey(
        Region, verbose_name=_("region"), null=True, blank=True, on_delete=models.PROTECT
    )
    period = models.DateField(_("period"), validators=[validate_period_in_past])
    name = models.CharField(_("indicator"), max_length=80)
    value = models.FloatField(_("value"))
    source_import = models.ForeignKey(
        DataImport,
        verbose_name=_("source import"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="indicators",
    )

    class Meta:
        ordering = ["name", "period"]
        verbose_name = _("market indicator")
        verbose_name_plural = _("market indicators")
        constraints = [
            # NULL means "all": treat it as a value so a series has one row per month.
            models.UniqueConstraint(
                Coalesce("sector", models.Value("")),
                Coalesce("region", models.Value("")),
                "period",
                "name",
                name="unique_indicator_series_period",
            )
        ]
        indexes = [models.Index(fields=["sector", "region", "period"])]

    def __str__(self) -> str:
        return f"{self.name} {self.sector_id or '*'}/{self.region_id or '*'} {self.period:%Y-%m}"


class SupervisedRegion(models.Model):
    """A region a supervisor (coordinador regional) is responsible for."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("supervisor"),
        on_delete=models.CASCADE,
        related_name="supervised_regions",
    )
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.CASCADE)

    class Meta:
        verbose_name = _("supervised region")
        verbose_name_plural = _("supervised regions")
        constraints = [
            models.UniqueConstraint(fields=["user", "region"], name="unique_supervised_region")
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.region}"
