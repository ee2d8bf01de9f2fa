"""API serializers of the registry: they validate input and shape output, and cause no side
effects (the services write, the selectors read)."""

from __future__ import annotations

import datetime as dt
import re

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from businesses.freshness import (
    business_freshness,
    business_sunat,
    freshness,
    registry_latest_month,
)
from businesses.imports.values import CellValueError, DayOrMonth, parse_day_or_month
from businesses.models import (
    Business,
    DatePrecision,
    MarketIndicator,
    MonthlyRecord,
    Satisfaction,
    Sector,
    SizeClass,
    SunatStatus,
)
from businesses.reference_data import CIIU_REV4
from businesses.validators import ruc_problem, validate_ubigeo
from core.api_query import QuerySerializer

# What the API reads, said exactly in the schema (schemathesis holds the two together).
PERIOD_PATTERN = r"^(19|20)\d{2}-(0[1-9]|1[0-2])$"  # what the API writes
_PERIOD_INPUT = r"^(19|20)\d{2}-(0[1-9]|1[0-2])(-01)?$"  # what it reads: yyyy-mm[-01]
_PERIOD = re.compile(r"((?:19|20)\d{2})-(0[1-9]|1[0-2])(?:-01)?")  # fullmatch: year, month
_PERIOD_SCHEMA = {
    "type": "string",
    "pattern": _PERIOD_INPUT,
    "example": "2024-03",
    "description": "A month, yyyy-mm (yyyy-mm-01 is read too), years 1900–2099.",
}
RUC_PATTERN = r"^(10|15|16|17|20)\d{9}$"
RUC_SCHEMA = {
    "type": "string",
    "pattern": RUC_PATTERN,
    "format": "ruc",
    "example": "20100047218",
    "description": (
        "RUC: 11 digits starting with 10, 15, 16, 17 or 20, the last a check digit (weights "
        "5,4,3,2,7,6,5,4,3,2 over the first ten; s = sum mod 11; 11 - s, with 10 -> 0 and "
        "11 -> 1)."
    ),
}
UBIGEO_PATTERN = r"^(0[1-9]|1\d|2[0-5])\d{4}$"
DIVISIONS = sorted(code for _section, _name, divisions in CIIU_REV4 for code, _n in divisions)


@extend_schema_field(_PERIOD_SCHEMA)
class PeriodField(serializers.Field):
    """A month as ``yyyy-mm`` (``yyyy-mm-01`` is accepted on input); a date (its first day)
    inside."""

    default_error_messages = {"invalid": _("“%(value)s” is not a month: use yyyy-mm.")}

    def to_internal_value(self, data) -> dt.date:
        match = _PERIOD.fullmatch(data) if isinstance(data, str) else None
        try:
            return dt.date(int(match.group(1)), int(match.group(2)), 1)
        except (AttributeError, ValueError):
            raise serializers.ValidationError(
                self.error_messages["invalid"] % {"value": str(data)[:40]}, code="invalid"
            ) from None

    def to_representation(self, value: dt.date) -> str:
        return f"{value:%Y-%m}"


@extend_schema_field({"type": "string", "enum": [*Satisfaction.values, None], "nullable": True})
class SatisfactionField(serializers.Field):
    """Customer satisfaction (low/medium/high); unknown is null."""

    def to_representation(self, value: str) -> str | None:
        return value or None


def _validate_ruc(value: str) -> str:
    problem = ruc_problem(value)
    if problem:
        raise serializers.ValidationError(problem, code="invalid_ruc")
    return value


@extend_schema_field(RUC_SCHEMA)
class RucField(serializers.CharField):
    """A RUC, check digit included (the schema's format ``ruc`` says how it is computed)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_length", 11)
        kwargs.setdefault("max_length", 11)
        kwargs.setdefault("validators", [_validate_ruc])
        super().__init__(**kwargs)


@extend_schema_field({"type": "string", "enum": DIVISIONS})
class DivisionField(serializers.SlugRelatedField):
    """A CIIU Rev.4 division by its two-digit code (the schema lists them all)."""


@extend_schema_field(
    {
        "type": "string",
        "example": "2019-01-15",
        "description": "yyyy-mm-dd (or dd/mm/yyyy); yyyy-mm (or mm/yyyy) when the day is "
        "not known.",
    }
)
class DayOrMonthField(serializers.DateField):
    """A date as ``yyyy-mm-dd``, or ``yyyy-mm`` when the day is not known (read as the first
    day of that month, known to the month): the imports' reading
    (businesses.imports.values.parse_day_or_month). Its value is a ``DayOrMonth``."""

    def to_internal_value(self, value) -> DayOrMonth:
        if isinstance(value, str):
            try:
                return parse_day_or_month(value.strip())
            except CellValueError as error:
                raise serializers.ValidationError(str(error), code="invalid") from None
        return DayOrMonth(super().to_internal_value(value), DatePrecision.DAY)


def _validate_founded(value: DayOrMonth | None) -> DayOrMonth | None:
    if value and value.date > timezone.localdate():
        raise serializers.ValidationError(_("The date is in the future."), code="future")
    return value


# --- Businesses --------------------------------------------------------------------------------


class BusinessFilterSerializer(QuerySerializer):
    search = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        help_text=_("A RUC prefix, or part of the legal or trade name."),
    )
    sector = serializers.RegexField(
        r"^(\d{2}|[A-U])$",
        required=False,
        help_text=_("A CIIU Rev.4 division (47) or section (G)."),
    )
    region = serializers.RegexField(
        r"^\d{2}$", required=False, help_text=_("A region (department) code, 01–25.")
    )
    size_class = serializers.ChoiceField(choices=SizeClass.choices, required=False)


class FreshnessSerializer(serializers.Serializer):
    """How current a business's data is (``businesses.freshness``): a stale business's
    forecast and growth probability are withheld, and ``reason`` says why."""

    stale = serializers.BooleanField(
        help_text=_("No recent data, or deregistered by SUNAT: forecast withheld.")
    )
    reason_code = serializers.CharField(
        allow_blank=True, help_text=_("no_recent_data, sunat_deregistered or empty.")
    )
    reason = serializers.CharField(allow_blank=True, help_text=_("In the request's language."))
    last_period = serializers.DateField(allow_null=True, help_text=_("Its last month of data."))
    months_silent = serializers.IntegerField(
        allow_null=True, help_text=_("Months from its last record to the registry's latest.")
    )

    def to_representation(self, fresh) -> dict:
        return super().to_representation(
            {
                "stale": fresh.stale,
                "reason_code": fresh.reason_code,
                "reason": fresh.reason,
                "last_period": fresh.last_period,
                "months_silent": fresh.months_silent,
            }
        )


class SunatStatusSerializer(serializers.ModelSerializer):
    flagged = serializers.BooleanField(source="is_flagged", read_only=True)
    badge = serializers.CharField(source="badge_text", read_only=True)

    class Meta:
        model = SunatStatus
        fields = [
            "status",
            "status_since",
            "condition",
            "condition_since",
            "flagged",
            "badge",
            "ubigeo",
            "ubigeo_differs",
            "legal_name",
            "legal_name_differs",
            "seen_on",
        ]
        read_only_fields = fields


class BusinessOutputSerializer(serializers.ModelSerializer):
    sector = serializers.CharField(source="sector_id", read_only=True)
    sector_name = serializers.CharField(source="sector.name", read_only=True)
    region = serializers.CharField(source="region_id", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)
    data_freshness = serializers.SerializerMethodField()
    sunat = serializers.SerializerMethodField(
        help_text=_(
            "What SUNAT's padrón reducido last said of the business (null before it was read)."
        )
    )

    @extend_schema_field(FreshnessSerializer)
    def get_data_freshness(self, business) -> dict:
        if hasattr(business, "registry_latest"):  # annotated by businesses.selectors
            fresh = freshness(
                business.last_period, business.registry_latest, business_sunat(business)
            )
        else:
            fresh = business_freshness(business, reference=registry_latest_month())
        return FreshnessSerializer(fresh).data

    class Meta:
        model = Business
        fields = [
            "ruc",
            "legal_name",
            "trade_name",
            "sector",
            "sector_name",
            "region",
            "region_name",
            "ubigeo",
            "founded",
            "founded_precision",
            "employees",
            "size_class",
            "women_led",
            "sells_online",
            "source",
            "sunat",
            "created_at",
            "updated_at",
            "data_freshness",
        ]
        read_only_fields = fields

    @extend_schema_field(SunatStatusSerializer(allow_null=True))
    def get_sunat(self, business) -> dict | None:
        try:
            status = business.sunat
        except SunatStatus.DoesNotExist:
            return None
        return SunatStatusSerializer(status).data


class BusinessUpdateSerializer(serializers.Serializer):
    """The editable fields of a business. The region follows the ubigeo's department."""

    legal_name = serializers.CharField(max_length=200)
    trade_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    sector = DivisionField(
        slug_field="code",
        queryset=Sector.objects.filter(section__isnull=False),
        help_text=_("A CIIU Rev.4 division, two digits (47)."),
    )
    ubigeo = serializers.RegexField(
        UBIGEO_PATTERN,
        min_length=6,
        max_length=6,
        validators=[validate_ubigeo],
        help_text=_("Six digits: department (01–25), province, district."),
    )
    founded = DayOrMonthField(
        required=False,
        allow_null=True,
        validators=[_validate_founded],
        help_text=_(
            "Date it started trading, not in the future: yyyy-mm-dd, or yyyy-mm when the day is "
            "not known."
        ),
    )
    employees = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=2_147_483_647
    )
    women_led = serializers.BooleanField(required=False)
    sells_online = serializers.BooleanField(required=False)

    def validate(self, attrs: dict) -> dict:
        # The services take the date and how much of it is known as two fields of the model.
        if "founded" in attrs:
            founded = attrs["founded"]
            attrs["founded"] = founded.date if founded else None
            attrs["founded_precision"] = founded.precision if founded else DatePrecision.DAY
        return attrs


class BusinessCreateSerializer(BusinessUpdateSerializer):
    ruc = RucField()  # the schema's description states the check digit


# --- Monthly records ---------------------------------------------------------------------------


class MonthlyRecordFilterSerializer(QuerySerializer):
    period_from = PeriodField(required=False, help_text=_("First month, yyyy-mm."))
    period_to = PeriodField(required=False, help_text=_("Last month, yyyy-mm."))


class MonthlyRecordOutputSerializer(serializers.ModelSerializer):
    period = PeriodField()
    sales = serializers.DecimalField(max_digits=14, decimal_places=2, coerce_to_string=False)
    costs = serializers.DecimalField(
        max_digits=14, decimal_places=2, coerce_to_string=False, allow_null=True
    )
    customer_satisfaction = SatisfactionField(source="satisfaction")
    data_version = serializers.IntegerField(source="source_import_id", allow_null=True)

    class Meta:
        model = MonthlyRecord
        fields = ["period", "sales", "costs", "employees", "customer_satisfaction", "data_version"]
        read_only_fields = fields


class MonthlyRecordRowSerializer(serializers.Serializer):
    """One month of one business in a bulk request (documentation: the rows are read by the
    file import's parser, which also takes ``1.234,50`` strings, ``mm/yyyy`` periods and
    Spanish satisfaction words)."""

    ruc = RucField()
    period = PeriodField()
    sales = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=0, coerce_to_string=False
    )
    costs = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        min_value=0,
        coerce_to_string=False,
        required=False,
        allow_null=True,
    )
    employees = serializers.IntegerField(
        min_value=0, max_value=2_147_483_647, required=False, allow_null=True
    )
    customer_satisfaction = serializers.ChoiceField(
        choices=Satisfaction.choices, required=False, allow_null=True
    )


class MonthlyRecordBulkRequestSerializer(serializers.Serializer):
    rows = MonthlyRecordRowSerializer(
        many=True,
        allow_empty=False,
        max_length=settings.API_BULK_MAX_ROWS,
    )


class MonthlyRecordBulkInputSerializer(serializers.Serializer):
    """What the view checks before the import reads each row: a non-empty list."""

    rows = serializers.ListField(child=serializers.JSONField(), allow_empty=False)


class MonthlyRecordBulkQuerySerializer(QuerySerializer):
    partial = serializers.BooleanField(
        required=False,
        default=False,
        help_text=_(
            "true: save the valid rows even if others are rejected. Otherwise one rejected row "
            "means nothing is saved."
        ),
    )


class RejectedRowSerializer(serializers.Serializer):
    path = serializers.CharField()
    row = serializers.IntegerField()
    field = serializers.CharField(allow_null=True)
    value = serializers.CharField(allow_null=True, allow_blank=True)
    message = serializers.CharField()


class MonthlyRecordBulkResultSerializer(serializers.Serializer):
    data_version = serializers.IntegerField(
        help_text=_("The DataImport that recorded this request.")
    )
    partial = serializers.BooleanField()
    rows_received = serializers.IntegerField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    rejected = serializers.IntegerField()
    rejected_rows = RejectedRowSerializer(many=True)


# --- Market indicators -------------------------------------------------------------------------


class MarketIndicatorFilterSerializer(QuerySerializer):
    sector = serializers.RegexField(r"^(\d{2}|[A-U])$", required=False)
    region = serializers.RegexField(r"^\d{2}$", required=False)
    name = serializers.CharField(required=False, max_length=80)
    period_from = PeriodField(required=False)
    period_to = PeriodField(required=False)


class MarketIndicatorOutputSerializer(serializers.ModelSerializer):
    sector = serializers.CharField(source="sector_id", allow_null=True)
    region = serializers.CharField(source="region_id", allow_null=True)
    period = PeriodField()

    class Meta:
        model = MarketIndicator
        fields = ["name", "sector", "region", "period", "value"]
        read_only_fields = fields


# --- market trends ------------------------------------------------------------------------------


class MarketTrendFilterSerializer(QuerySerializer):
    sector = serializers.RegexField(r"^\d{2}$", help_text=_("CIIU Rev.4 division."))
    region = serializers.RegexField(r"^\d{2}$", required=False, help_text=_("Department."))
    period_from = PeriodField(required=False)
    period_to = PeriodField(required=False)


class SuppressedFigureSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(
        choices=["few", "dominance", "complement"],
        help_text=_(
            "few: too few businesses besides the requester's own; dominance: one or two "
            "businesses make up most of it; complement: withheld so that it cannot be worked "
            "out from the figures around it."
        ),
    )
    message = serializers.CharField(help_text=_("The reason in the request's language."))


class SuppressedFiguresField(serializers.DictField):
    """Figure name -> why it is withheld (statistical disclosure control)."""

    def __init__(self, **kwargs):
        super().__init__(child=SuppressedFigureSerializer(), **kwargs)

    def to_representation(self, value):
        from businesses.disclosure import reason_text

        return {
            name: {"reason": code, "message": reason_text(code)} for name, code in value.items()
        }


class MarketTrendSerializer(serializers.Serializer):
    sector = serializers.CharField()
    region = serializers.CharField()
    period = serializers.RegexField(PERIOD_PATTERN)
    businesses_reporting = serializers.IntegerField()
    sales_total = serializers.FloatField(
        allow_null=True,
        help_text=_("Sum of the month's sales (null when withheld: see suppressed)."),
    )
    sales_yoy = serializers.FloatField(
        allow_null=True,
        help_text=_("Same businesses' sales against the same month a year earlier."),
    )
    yoy_growth_12m = serializers.FloatField(
        allow_null=True,
        help_text=_("Last 12 months against the 12 before, matched businesses (business page)."),
    )
    momentum_3m = serializers.FloatField(allow_null=True)
    businesses_12m = serializers.IntegerField()
    suppressed = SuppressedFiguresField(
        help_text=_(
            "The figures of this row withheld by statistical disclosure control (they are "
            "null), each with its reason: too few businesses besides the requester's own, one "
            "or two dominant businesses, or protection against differencing."
        )
    )
    production_index = serializers.FloatField(allow_null=True)
    production_index_yoy = serializers.FloatField(allow_null=True)
