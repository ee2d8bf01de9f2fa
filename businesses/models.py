"""The business registry: regions, sectors, businesses, their monthly records, market data,
support programmes, the UIT by year, the imports that brought data in, and the partner
systems that may read and feed some of it."""

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models.functions import Coalesce
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from rest_framework_api_key.models import AbstractAPIKey

from businesses.search import search_columns
from businesses.validators import validate_period_in_past, validate_ruc, validate_ubigeo


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


def in_page_language(spanish: str, english: str) -> str:
    """A text kept in both languages, in the active one: the English where the page is in
    English and one was written, else the Spanish (the registry's own)."""
    if english and (translation.get_language() or "").startswith("en"):
        return english
    return spanish


class Sector(models.Model):
    """A CIIU Rev.4 section (letter, A–U) or division (two digits, 01–99).

    Businesses belong to a division; a division's ``section`` points to its section row.
    """

    code = models.CharField(_("code"), max_length=2, primary_key=True)
    name = models.CharField(_("name"), max_length=200)
    # ISIC Rev.4's English title, for pages in English (empty: the Spanish one is shown)
    name_en = models.CharField(_("name in English"), max_length=200, blank=True)
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
        return f"{self.code} {self.name_shown}"

    @property
    def name_shown(self) -> str:
        """The title in the active language (INEI's Spanish, ISIC Rev.4's English)."""
        return in_page_language(self.name, self.name_en)

    @classmethod
    def names(cls, sectors=None) -> dict[str, str]:
        """``{code: title in the active language}`` of ``sectors`` (a queryset; default every
        sector), in one query: what pages and the statistics show beside a code."""
        rows = (cls.objects.all() if sectors is None else sectors).values_list(
            "code", "name", "name_en"
        )
        return {code: in_page_language(name, name_en) for code, name, name_en in rows}

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
    SUNAT = "sunat", _("SUNAT padrón (regional onboarding)")


class DatePrecision(models.TextChoices):
    """How much of a date is known: a business owner may remember only the month they started
    trading (stored as its first day)."""

    DAY = "day", _("Day")
    MONTH = "month", _("Month")


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
    # Printed on the owner's report beside each recommendation that points here.
    agency = models.CharField(
        _("agency"), max_length=200, blank=True, help_text=_("Who runs it, e.g. PRODUCE or ITP.")
    )
    how_to_apply = models.TextField(
        _("how to apply"), blank=True, help_text=_("One or two plain sentences for the owner.")
    )
    # The prose in English too, for pages and reports in English (the name is the programme's
    # own): empty, the Spanish text is shown.
    description_en = models.TextField(
        _("description in English"), blank=True, help_text=_("Empty: the Spanish text.")
    )
    how_to_apply_en = models.TextField(
        _("how to apply, in English"), blank=True, help_text=_("Empty: the Spanish text.")
    )
    # Eligibility (empty means "any"). A sector may be a CIIU section (letter) or a division
    # (two digits): a business of division 47 is eligible under "47" or under "G".
    sectors = models.ManyToManyField(
        Sector,
        verbose_name=_("eligible sectors"),
        blank=True,
        related_name="+",
        help_text=_("Empty: every sector. A section (letter) covers all its divisions."),
    )
    size_classes = models.JSONField(
        _("eligible size classes"),
        default=list,
        blank=True,
        help_text=_("Empty: every size. A business of unknown size is not excluded."),
    )
    regions = models.ManyToManyField(
        Region,
        verbose_name=_("eligible regions"),
        blank=True,
        related_name="+",
        help_text=_("Empty: every region."),
    )
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

    @property
    def description_shown(self) -> str:
        return in_page_language(self.description, self.description_en)

    @property
    def how_to_apply_shown(self) -> str:
        return in_page_language(self.how_to_apply, self.how_to_apply_en)

    def offered_to(self, sunat: "SunatStatus | None") -> bool:
        """Whether the programme may be offered to a business SUNAT's padrón says this of: not
        to one it has deregistered (BAJA…: its situation is to be checked first). The advice,
        the business page, the owner's PDF and the API all ask this."""
        return not (sunat and sunat.deregistered)

    def is_eligible(self, business: "Business") -> bool:
        """Whether ``business`` meets the eligibility rules (active; sector, size, region).
        Reads sectors and regions through ``prefetch_related`` when the caller prefetched
        them. A business of unknown size is not excluded by a size rule: the advisor checks.
        A business SUNAT has deregistered is eligible for none (:meth:`offered_to`)."""
        if not self.active or not self.offered_to(sunat_of(business)):
            return False
        sectors = {s.pk for s in self.sectors.all()}
        if sectors and not (business.sector_id in sectors or business.sector.section_id in sectors):
            return False
        sizes = set(self.size_classes or [])
        if sizes and business.size_class != SizeClass.UNKNOWN and business.size_class not in sizes:
            return False
        regions = {r.pk for r in self.regions.all()}
        return not (regions and business.region_id not in regions)


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
    source = models.ForeignKey(
        "DataSource",
        verbose_name=_("data source"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="pulls",
        help_text=_("Set when the data came from a scheduled or manual pull of a data source."),
    )

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
    founded_precision = models.CharField(
        _("founding date precision"),
        max_length=5,
        choices=DatePrecision.choices,
        default=DatePrecision.DAY,
        editable=False,
        help_text=_("Month: only the month is known, and the date is its first day."),
    )
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
    # Derived from the RUC and the names (businesses.search); filled by save() and by every
    # bulk writer (fill_search_columns). On PostgreSQL search_text has a trigram index (0012).
    search_text = models.TextField(_("search text"), editable=False, default="")
    sort_name = models.TextField(_("sort name"), editable=False, default="", db_index=True)

    class Meta:
        ordering = ["legal_name"]
        verbose_name = _("business")
        verbose_name_plural = _("businesses")
        indexes = [models.Index(fields=["region", "sector"]), models.Index(fields=["advisor"])]

    def __str__(self) -> str:
        return self.trade_name or self.legal_name

    def save(self, *args, **kwargs) -> None:
        self.fill_search_columns()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"ruc", "legal_name", "trade_name"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "search_text", "sort_name"}
        super().save(*args, **kwargs)

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

    def founded_text(self) -> str:
        """The founding date as people read it: ``01/2019`` when only the month is known,
        ``15/01/2019`` when the day is (empty when unknown)."""
        if self.founded is None:
            return ""
        if self.founded_precision == DatePrecision.MONTH:
            return date_format(self.founded, "m/Y")
        return date_format(self.founded, "SHORT_DATE_FORMAT")

    def fill_search_columns(self) -> None:
        """Derive ``search_text`` and ``sort_name`` from the RUC and the names (for writers that
        bypass :meth:`save`, such as ``bulk_create``)."""
        for name, value in search_columns(
            ruc=self.ruc, legal_name=self.legal_name, trade_name=self.trade_name
        ).items():
            setattr(self, name, value)


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
        help_text=_("The data version (import or pull) that brought the current value."),
    )
    source = models.ForeignKey(
        "DataSource",
        verbose_name=_("data source"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="indicators",
    )
    pulled_at = models.DateTimeField(
        _("pulled at"),
        null=True,
        blank=True,
        help_text=_("When the current value was received from its data source."),
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
        indexes = [
            models.Index(fields=["sector", "region", "period"]),
            # The importers' and pulls' lookup of stored values by (name, period).
            models.Index(fields=["name", "period"], name="indicator_name_period"),
        ]

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


class BusinessAssignment(models.Model):
    """A change of a business's assigned advisor: who moved it, from whom, to whom, when and
    why. The current advisor is ``Business.advisor``; these rows are the history."""

    business = models.ForeignKey(
        Business,
        verbose_name=_("business"),
        on_delete=models.CASCADE,
        related_name="assignments",
    )
    from_advisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("previous advisor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    to_advisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("new advisor"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reason = models.TextField(_("reason"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("business assignment")
        verbose_name_plural = _("business assignments")
        indexes = [models.Index(fields=["business", "-created_at"], name="assignment_latest")]

    def __str__(self) -> str:
        return f"{self.business_id}: {self.from_advisor_id} → {self.to_advisor_id}"


class DataSource(TimestampedModel):
    """Where market data comes from, documented and kept by the system: who publishes it, under
    which licence, how often it changes, what it covers, and how its last pulls went.

    A source is pulled by a connector chosen by ``kind`` (see :mod:`businesses.sources`); a new
    provider that publishes a CSV or xlsx at a fixed URL is configuration, not code.
    """

    class Kind(models.TextChoices):
        BCRP_API = "bcrp_api", _("BCRPData API connector")
        HTTPS_FILE = "https_file", _("CSV or xlsx file over HTTPS")
        SUNAT_PADRON = "sunat_padron", _("SUNAT padrón reducido del RUC (zip over HTTPS)")
        MANUAL = "manual", _("Manual import (file uploaded by a steward)")

    class Frequency(models.TextChoices):
        DAILY = "daily", _("Daily")
        WEEKLY = "weekly", _("Weekly")
        MONTHLY = "monthly", _("Monthly")
        QUARTERLY = "quarterly", _("Quarterly")

    class PullStatus(models.TextChoices):
        NEVER = "never", _("Never pulled")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    name = models.CharField(_("name"), max_length=80, unique=True)
    provider = models.CharField(_("provider"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    url = models.URLField(
        _("origin URL"),
        max_length=500,
        blank=True,
        help_text=_(
            "BCRPData: the API base (…/estadisticas/series/api). File: the CSV or xlsx URL. "
            "Its host must be on the allow-list (setting MARKET_SOURCES_ALLOWED_HOSTS)."
        ),
    )
    contact = models.CharField(_("contact"), max_length=200, blank=True)
    licence = models.CharField(_("licence / terms of use"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)
    update_frequency = models.CharField(
        _("update frequency"), max_length=10, choices=Frequency.choices, default=Frequency.MONTHLY
    )
    period_start = models.DateField(
        _("covers from"),
        null=True,
        blank=True,
        help_text=_("First month pulled (BCRPData: the start period asked for)."),
    )
    period_end = models.DateField(
        _("covers until"),
        null=True,
        blank=True,
        help_text=_("Last month covered by the data stored so far (set by each pull)."),
    )
    language = models.CharField(
        _("language of the answer"),
        max_length=3,
        choices=[("esp", _("Spanish")), ("ing", _("English"))],
        default="esp",
        help_text=_("BCRPData only: month labels come as Ene.2024 (esp) or Jan.2024 (ing)."),
    )
    enabled = models.BooleanField(
        _("enabled"), default=False, help_text=_("Only enabled sources are pulled on schedule.")
    )
    last_pull_at = models.DateTimeField(_("last pull"), null=True, blank=True)
    last_pull_status = models.CharField(
        _("last pull status"), max_length=10, choices=PullStatus.choices, default=PullStatus.NEVER
    )
    last_pull_counts = models.JSONField(_("last pull counts"), default=dict, blank=True)
    last_pull_message = models.TextField(_("last pull message"), blank=True)
    last_success_at = models.DateTimeField(_("last success"), null=True, blank=True)
    last_failure_at = models.DateTimeField(_("last failure"), null=True, blank=True)
    last_failure_reason = models.TextField(_("last failure reason"), blank=True)
    consecutive_failures = models.PositiveIntegerField(_("failures in a row"), default=0)
    is_demo = models.BooleanField(
        _("demo entry"), default=False, help_text=_("Shipped with the demo for stewards to review.")
    )
    confirmed_url = models.CharField(
        _("confirmed URL"),
        max_length=500,
        blank=True,
        editable=False,
        help_text=_(
            "SUNAT padrón: the URL a steward confirmed; the source is pulled only while its URL "
            "is the confirmed one."
        ),
    )
    url_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("URL confirmed by"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    url_confirmed_at = models.DateTimeField(
        _("URL confirmed at"), null=True, blank=True, editable=False
    )
    schedule = models.OneToOneField(
        "django_celery_beat.PeriodicTask",
        verbose_name=_("pull schedule"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="data_source",
        help_text=_(
            "The celery-beat entry that pulls this source (kept in step with the source by "
            "businesses.sources.schedules); its times are edited in Periodic tasks."
        ),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("data source")
        verbose_name_plural = _("data sources")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from urllib.parse import urlsplit

        from businesses.sources.fetching import host_is_allowed

        if self.kind in (self.Kind.HTTPS_FILE, self.Kind.SUNAT_PADRON) and not self.url:
            raise ValidationError({"url": _("A file source needs the URL of its file.")})
        if self.kind == self.Kind.SUNAT_PADRON and self.enabled and not self.url_is_confirmed:
            raise ValidationError(
                {
                    "enabled": _(
                        "Confirm the padrón's URL (tick “I confirm this URL”) before enabling "
                        "the SUNAT source."
                    )
                }
            )
        host = urlsplit(self.url or "").hostname or ""
        if self.enabled and host and not host_is_allowed(host):
            raise ValidationError(
                {
                    "url": _(
                        "%(host)s is not on the allow-list of data sources (setting "
                        "MARKET_SOURCES_ALLOWED_HOSTS): ask the operator to add it before "
                        "enabling this source."
                    )
                    % {"host": host}
                }
            )

    @property
    def url_is_confirmed(self) -> bool:
        """Whether a steward confirmed the URL the source has now (SUNAT padrón)."""
        return bool(self.url) and self.confirmed_url == self.url

    @property
    def pull_interval(self):
        """How long after a pull the source is due again."""
        import datetime as dt

        days = {"daily": 1, "weekly": 7, "monthly": 30, "quarterly": 91}[self.update_frequency]
        return dt.timedelta(days=days)


class SourceSeries(models.Model):
    """A steward's mapping of one series code of a source to the indicator it feeds: its name and
    the sector (CIIU section or division) and/or region (ubigeo department) it describes."""

    source = models.ForeignKey(
        DataSource, verbose_name=_("data source"), on_delete=models.CASCADE, related_name="series"
    )
    code = models.CharField(
        _("series code"), max_length=40, validators=[RegexValidator(r"^[A-Za-z0-9_.]+$")]
    )
    description = models.CharField(_("description"), max_length=300, blank=True)
    indicator = models.CharField(_("indicator name"), max_length=80)
    sector = models.ForeignKey(
        Sector, verbose_name=_("sector"), null=True, blank=True, on_delete=models.PROTECT
    )
    region = models.ForeignKey(
        Region, verbose_name=_("region"), null=True, blank=True, on_delete=models.PROTECT
    )
    enabled = models.BooleanField(_("enabled"), default=True)

    class Meta:
        ordering = ["source", "code"]
        verbose_name = _("series mapping")
        verbose_name_plural = _("series mappings")
        constraints = [
            models.UniqueConstraint(fields=["source", "code"], name="unique_source_series_code")
        ]

    def __str__(self) -> str:
        return f"{self.code} → {self.indicator} {self.sector_id or '*'}/{self.region_id or '*'}"


class IndicatorRevision(models.Model):
    """A stored indicator value that a later import or pull changed: the old value is kept here
    (with the data version and source it came from) instead of being silently overwritten, so
    what was known at any moment can be rebuilt."""

    indicator = models.ForeignKey(
        MarketIndicator,
        verbose_name=_("market indicator"),
        on_delete=models.CASCADE,
        related_name="revisions",
    )
    old_value = models.FloatField(_("old value"))
    new_value = models.FloatField(_("new value"))
    old_import = models.ForeignKey(
        DataImport,
        verbose_name=_("old value's data version"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    new_import = models.ForeignKey(
        DataImport,
        verbose_name=_("new value's data version"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="revisions",
    )
    old_source = models.ForeignKey(
        DataSource,
        verbose_name=_("old value's source"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    source = models.ForeignKey(
        DataSource,
        verbose_name=_("revised by source"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="revisions",
    )
    old_pulled_at = models.DateTimeField(_("old value pulled at"), null=True, blank=True)
    revised_at = models.DateTimeField(_("revised at"))
    revised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revised by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["indicator", "revised_at"]
        verbose_name = _("indicator revision")
        verbose_name_plural = _("indicator revisions")
        indexes = [models.Index(fields=["revised_at"])]

    def __str__(self) -> str:
        return f"{self.indicator_id}: {self.old_value} → {self.new_value}"


# Partner systems and their scope. The tables keep the names the ``portal`` app gave them.


class Partner(models.Model):
    """A partner system (a regional government, a bank, a CDE) that uses the REST API.

    It acts through its own user, a member of the ``partner`` group without a usable password,
    so that :func:`businesses.scoping.visible_businesses` scopes it like anyone else: to the
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
        db_table = "portal_partner"
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
    # The library's fields again, as they are, with labels and help in the project's languages
    # (djangorestframework-api-key ships no Spanish, and leaves some labels untranslatable).
    id = models.CharField(
        _("identifier"), max_length=150, unique=True, primary_key=True, editable=False
    )
    prefix = models.CharField(_("prefix"), max_length=8, unique=True, editable=False)
    hashed_key = models.CharField(_("hashed key"), max_length=150, editable=False)
    created = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    name = models.CharField(
        _("name"),
        max_length=50,
        blank=False,
        default=None,
        help_text=_("What the key is for, in free words (need not be unique; 50 characters)."),
    )
    revoked = models.BooleanField(
        _("revoked"),
        blank=True,
        default=False,
        help_text=_("A revoked key is refused from then on. This cannot be undone."),
    )
    expiry_date = models.DateTimeField(
        _("expires"),
        blank=True,
        null=True,
        help_text=_("From this moment on the key is refused."),
    )

    class Meta(AbstractAPIKey.Meta):
        db_table = "portal_partnerapikey"
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
        Business,
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
        db_table = "portal_partnergrant"
        ordering = ["partner", "-created_at"]
        verbose_name = _("partner grant")
        verbose_name_plural = _("partner grants")
        constraints = [
            models.UniqueConstraint(fields=["partner", "business"], name="unique_partner_business")
        ]

    def __str__(self) -> str:
        return f"{self.partner} → {self.business}"


class SunatPadronRun(TimestampedModel):
    """One reading of SUNAT's padrón reducido del RUC against the registry. Its ``sha256`` (of
    the file as published) is the data version of every status and revision it wrote; a file
    already read to the end is not read again."""

    class Status(models.TextChoices):
        DOWNLOADING = "downloading", _("Downloading")
        RUNNING = "running", _("Reading")
        SUCCEEDED = "succeeded", _("Succeeded")
        UNCHANGED = "unchanged", _("Unchanged file (nothing to do)")
        FAILED = "failed", _("Failed")

    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.RUNNING
    )
    source = models.ForeignKey(
        "DataSource",
        verbose_name=_("data source"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sunat_runs",
        help_text=_("Set when the padrón was downloaded by the SUNAT source (empty: by hand)."),
    )
    file_name = models.CharField(_("file name"), max_length=255, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True, blank=True)
    bytes_downloaded = models.PositiveBigIntegerField(_("bytes downloaded"), default=0)
    bytes_read = models.PositiveBigIntegerField(
        _("bytes read"), default=0, help_text=_("Of the text file, as unzipped while reading.")
    )
    onboarded = models.PositiveIntegerField(
        _("onboarding candidates"),
        default=0,
        help_text=_("Taxpayers matching the onboarding criteria, added or refreshed."),
    )
    progress_at = models.DateTimeField(_("last progress"), null=True, blank=True)
    seen_on = models.DateField(_("seen on"), help_text=_("The day the padrón was published."))
    lines = models.PositiveBigIntegerField(_("lines read"), default=0)
    matched = models.PositiveIntegerField(_("businesses matched"), default=0)
    changed = models.PositiveIntegerField(_("businesses changed"), default=0)
    bad_lines = models.PositiveIntegerField(_("bad lines"), default=0)
    problems = models.JSONField(_("first bad lines"), default=list, blank=True)
    message = models.TextField(_("message"), blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("SUNAT padrón run")
        verbose_name_plural = _("SUNAT padrón runs")

    def __str__(self) -> str:
        return f"{self.file_name} {self.sha256[:12]} ({self.get_status_display()})"


class SunatStatus(models.Model):
    """What SUNAT's padrón last said about a business: its taxpayer status and domicile
    condition (each with the day it was first seen), and its ubigeo and name, which are
    compared with the registry's and flagged when they disagree, never copied over them."""

    business = models.OneToOneField(
        Business,
        verbose_name=_("business"),
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="sunat",
    )
    status = models.CharField(_("SUNAT status"), max_length=40)
    status_since = models.DateField(_("status seen since"))
    condition = models.CharField(_("domicile condition"), max_length=40)
    condition_since = models.DateField(_("condition seen since"))
    ubigeo = models.CharField(_("SUNAT ubigeo"), max_length=6, blank=True)
    ubigeo_differs = models.BooleanField(_("ubigeo differs from SUNAT's"), default=False)
    legal_name = models.CharField(_("SUNAT name"), max_length=200, blank=True)
    legal_name_differs = models.BooleanField(_("legal name differs from SUNAT's"), default=False)
    address = models.CharField(_("SUNAT address"), max_length=300, blank=True)
    seen_on = models.DateField(_("last seen"))
    run = models.ForeignKey(
        SunatPadronRun,
        verbose_name=_("padrón run"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("SUNAT status")
        verbose_name_plural = _("SUNAT statuses")
        indexes = [models.Index(fields=["status", "condition"])]

    def __str__(self) -> str:
        return f"{self.business_id}: {self.status} / {self.condition}"

    ACTIVE = "ACTIVO"
    LOCATED = "HABIDO"
    DEREGISTERED = "BAJA"  # the prefix of every deregistration: BAJA DE OFICIO, BAJA DEFINITIVA…
    NOT_LOCATED = ("NO HABIDO", "NO HALLADO")

    @classmethod
    def is_deregistered(cls, status: str) -> bool:
        """Whether SUNAT's ``status`` is a deregistration (BAJA DE OFICIO, BAJA PROV. POR
        OFICIO, BAJA DEFINITIVA, …): the one test, :meth:`deregistered_q` its query form."""
        return (status or "").upper().startswith(cls.DEREGISTERED)

    @classmethod
    def deregistered_q(cls, prefix: str = "sunat__") -> models.Q:
        return models.Q(**{f"{prefix}status__startswith": cls.DEREGISTERED})

    @classmethod
    def not_located_q(cls, prefix: str = "sunat__") -> models.Q:
        return models.Q(**{f"{prefix}condition__in": cls.NOT_LOCATED})

    @classmethod
    def flagged_q(cls, prefix: str = "sunat__") -> models.Q:
        """:attr:`is_flagged` as a query (businesses never read from the padrón excluded)."""
        return models.Q(**{f"{prefix}status__isnull": False}) & (
            ~models.Q(**{f"{prefix}status": cls.ACTIVE})
            | ~models.Q(**{f"{prefix}condition": cls.LOCATED})
        )

    @property
    def deregistered(self) -> bool:
        return self.is_deregistered(self.status)

    @property
    def not_located(self) -> bool:
        """NO HABIDO or NO HALLADO: SUNAT could not find the business at its fiscal address."""
        return self.condition in self.NOT_LOCATED

    @property
    def is_flagged(self) -> bool:
        """Whether SUNAT says the business is not active or not at its address."""
        return self.status != self.ACTIVE or self.condition != self.LOCATED

    @property
    def flag_since(self) -> dt.date | None:
        """Since when the status (or else the condition) that flags the business was seen."""
        if self.status != self.ACTIVE:
            return self.status_since
        return self.condition_since if self.condition != self.LOCATED else None

    def badge_text(self) -> str:
        """What the business page, the caseload and the API say of a flagged business
        ("SUNAT: BAJA DE OFICIO since 03/2025"); empty when SUNAT says ACTIVO and HABIDO."""
        if not self.is_flagged:
            return ""
        return sunat_flag_text(self.status, self.condition, self.flag_since)


def sunat_flag_text(status: str, condition: str, since: dt.date) -> str:
    """ "SUNAT: BAJA DE OFICIO since 03/2025" (Spanish: "desde 03/2025"): the badge, the API and
    the advice's reasons all say it with this (what is not ACTIVO / HABIDO, and since when)."""
    said = [
        v for v, ok in ((status, SunatStatus.ACTIVE), (condition, SunatStatus.LOCATED)) if v != ok
    ]
    return _("SUNAT: %(status)s since %(month)s") % {
        "status": ", ".join(said),
        "month": date_format(since, "m/Y"),
    }


def sunat_of(business: "Business") -> "SunatStatus | None":
    """The business's SUNAT status (the one loaded with it, else a query), None if never read."""
    try:
        return business.sunat
    except SunatStatus.DoesNotExist:
        return None


class SunatRevision(models.Model):
    """One change SUNAT's padrón showed for a business (or a first sighting: ``old`` empty)."""

    class Field(models.TextChoices):
        STATUS = "status", _("SUNAT status")
        CONDITION = "condition", _("domicile condition")
        UBIGEO = "ubigeo", _("ubigeo")
        LEGAL_NAME = "legal_name", _("legal name")

    business = models.ForeignKey(
        Business,
        verbose_name=_("business"),
        on_delete=models.CASCADE,
        related_name="sunat_revisions",
    )
    field = models.CharField(_("field"), max_length=20, choices=Field.choices)
    old = models.CharField(_("old value"), max_length=200, blank=True)
    new = models.CharField(_("new value"), max_length=200, blank=True)
    seen_on = models.DateField(_("seen on"))
    sha256 = models.CharField(_("source data version"), max_length=64)
    run = models.ForeignKey(
        SunatPadronRun,
        verbose_name=_("padrón run"),
        on_delete=models.PROTECT,
        related_name="revisions",
    )

    class Meta:
        ordering = ["business", "seen_on", "pk"]
        verbose_name = _("SUNAT revision")
        verbose_name_plural = _("SUNAT revisions")
        indexes = [models.Index(fields=["business", "field"])]

    def __str__(self) -> str:
        return f"{self.business_id} {self.field}: {self.old} → {self.new}"


class SunatOnboarding(models.Model):
    """A steward's option on the SUNAT source: list, as onboarding candidates, the taxpayers of
    the padrón the registry does not know that match criteria the padrón itself carries (it has
    no CIIU): ubigeo prefixes, the kind of RUC, and ACTIVO / HABIDO. Off by default."""

    source = models.OneToOneField(
        DataSource,
        verbose_name=_("data source"),
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="sunat_onboarding",
    )
    enabled = models.BooleanField(
        _("onboarding on"),
        default=False,
        help_text=_(
            "After each padrón read, list the ACTIVO and HABIDO taxpayers matching the criteria "
            "below that the registry does not have yet, as onboarding candidates."
        ),
    )
    ubigeo_prefixes = models.CharField(
        _("ubigeo prefixes"),
        max_length=200,
        blank=True,
        help_text=_(
            "Comma-separated department (2 digits), province (4) or district (6) codes, e.g. "
            "“04, 0801”. Required when onboarding is on."
        ),
    )
    companies = models.BooleanField(
        _("companies (RUC 20…)"), default=True, help_text=_("Legal entities.")
    )
    persons = models.BooleanField(
        _("persons with business (RUC 10…)"),
        default=False,
        help_text=_("Natural persons with a business."),
    )

    class Meta:
        verbose_name = _("SUNAT onboarding option")
        verbose_name_plural = _("SUNAT onboarding options")

    def __str__(self) -> str:
        return f"{self.source}: {self.ubigeo_prefixes or '-'}"

    def prefixes(self) -> list[str]:
        return [p.strip() for p in self.ubigeo_prefixes.split(",") if p.strip()]

    def ruc_types(self) -> list[str]:
        return [t for t, on in (("20", self.companies), ("10", self.persons)) if on]

    def clean(self) -> None:
        errors = {}
        bad = [p for p in self.prefixes() if not (p.isdigit() and len(p) in (2, 4, 6))]
        if bad:
            errors["ubigeo_prefixes"] = _(
                "“%(values)s”: each prefix is a department (2 digits), province (4) or "
                "district (6)."
            ) % {"values": ", ".join(bad)}
        elif self.enabled and not self.prefixes():
            errors["ubigeo_prefixes"] = _(
                "Name at least one ubigeo prefix: the whole country is millions of taxpayers."
            )
        if self.enabled and not self.ruc_types():
            errors["companies"] = _("Choose companies, persons or both.")
        if errors:
            raise ValidationError(errors)


class SunatCandidate(models.Model):
    """A taxpayer of the padrón the registry does not know, matching the onboarding criteria.

    It is not a business yet: a business belongs to a CIIU division and the padrón has none, so a
    steward chooses the sector and then registers it (the business's source is then ``sunat``
    and ``business`` links it here: its provenance)."""

    ruc = models.CharField(_("RUC"), max_length=11, unique=True)
    legal_name = models.CharField(_("SUNAT name"), max_length=200)
    status = models.CharField(_("SUNAT status"), max_length=40)
    condition = models.CharField(_("domicile condition"), max_length=40)
    ubigeo = models.CharField(_("ubigeo"), max_length=6)
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    address = models.CharField(_("SUNAT address"), max_length=300, blank=True)
    first_seen_on = models.DateField(_("first seen"))
    seen_on = models.DateField(_("last seen"))
    run = models.ForeignKey(
        SunatPadronRun,
        verbose_name=_("padrón run"),
        on_delete=models.PROTECT,
        related_name="candidates",
    )
    sector = models.ForeignKey(
        Sector,
        verbose_name=_("sector"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"section__isnull": False},
        help_text=_("Chosen by a steward (the padrón has no CIIU); needed to register it."),
    )
    business = models.OneToOneField(
        Business,
        verbose_name=_("registered as"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sunat_candidate",
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    registered_at = models.DateTimeField(_("registered"), null=True, blank=True)

    class Meta:
        ordering = ["ubigeo", "legal_name"]
        verbose_name = _("SUNAT onboarding candidate")
        verbose_name_plural = _("SUNAT onboarding candidates")

    def __str__(self) -> str:
        return f"{self.ruc} {self.legal_name}"
