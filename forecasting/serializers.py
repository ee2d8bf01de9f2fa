"""API serializers of forecasting: advice, stateless forecasts and market trends. They shape
output and document input; the stateless forecast's input is validated by
:func:`forecasting.unregistered.forecasts.forecast_input_parse` (vectorised, far cheaper than nested
serializers on thousands of months), and these classes describe it for the OpenAPI schema."""

from __future__ import annotations

from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from businesses.models import Satisfaction
from businesses.serializers import PeriodField
from forecasting.advice.rules import recommendation_text
from forecasting.models import Advice, ModelVersion

PERIOD_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"


def _english() -> bool:
    return (get_language() or "es").startswith("en")


def driver_label(driver: dict, *, english: bool | None = None) -> str:
    """A driver's plain name in the request's language (or in English if ``english``)."""
    english = _english() if english is None else english
    return driver.get("label_en" if english else "label_es") or driver.get("feature", "")


# --- shared pieces ------------------------------------------------------------------------------


class DriverSerializer(serializers.Serializer):
    feature = serializers.CharField(help_text=_("The model's feature name."))
    label = serializers.CharField(help_text=_("Its plain name in the request's language."))
    label_es = serializers.CharField()
    label_en = serializers.CharField()
    value = serializers.JSONField(allow_null=True, help_text=_("The business's value of it."))
    contribution = serializers.FloatField(help_text=_("Contribution to the log-odds."))
    direction = serializers.ChoiceField(choices=["up", "down"])


class ModelVersionRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = ModelVersion
        fields = ["kind", "version", "status", "data_version"]
        read_only_fields = fields


class ModelVersionsSerializer(serializers.Serializer):
    forecaster = ModelVersionRefSerializer(allow_null=True)
    growth = ModelVersionRefSerializer(allow_null=True)


# --- advice -------------------------------------------------------------------------------------


class AdviceForecastSerializer(serializers.Serializer):
    horizon = serializers.IntegerField(min_value=1)
    period = serializers.DateField()
    mean = serializers.FloatField(allow_null=True, help_text=_("Expected sales (soles)."))
    p10 = serializers.FloatField(allow_null=True)
    p50 = serializers.FloatField(allow_null=True)
    p90 = serializers.FloatField(allow_null=True)
    short_history = serializers.BooleanField()
    reason = serializers.CharField(allow_blank=True, default="")
    intermittent = serializers.BooleanField()


class ProgrammeSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    url = serializers.CharField(allow_blank=True)


class RecommendationSerializer(serializers.Serializer):
    code = serializers.CharField()
    priority = serializers.IntegerField(help_text=_("1 high, 2 medium, 3 low."))
    title = serializers.CharField(help_text=_("In the request's language."))
    rationale = serializers.CharField()
    programme = ProgrammeSerializer(allow_null=True)

    def to_representation(self, rec) -> dict:
        title, rationale = ("", "")
        if rec.params:
            try:
                title, rationale = recommendation_text(rec.code, rec.params)
            except (KeyError, TypeError, ValueError):  # older params: the stored text stands
                title, rationale = ("", "")
        programme = rec.programme
        return {
            "code": rec.code,
            "priority": rec.priority,
            "title": str(title or rec.title),
            "rationale": str(rationale or rec.rationale),
            "programme": (
                {"code": programme.code, "name": programme.name, "url": programme.url}
                if programme is not None
                else None
            ),
        }


class AdviceSerializer(serializers.ModelSerializer):
    """An advice with its recommendations (``ready``), or its state (``queued``, ``failed``).

    Given the business's current score (``context["score"]``, from
    :func:`forecasting.advice_selectors.score_figures`), the forecast, growth probability,
    cut-off and model versions are that score's, as every other surface shows them, and
    ``scored_at`` / ``score_source`` say when and by what they were computed; the drivers,
    benchmarks, market trend and recommendations stay the advice's (``computed_at``)."""

    business = serializers.CharField(source="business.ruc", help_text=_("RUC."))
    model_versions = serializers.SerializerMethodField()
    forecast = AdviceForecastSerializer(many=True)
    drivers = serializers.SerializerMethodField()
    benchmarks = serializers.DictField(help_text=_("Peer percentiles of growth and margin."))
    market_trend = serializers.DictField(help_text=_("Its sector's trend in its region."))
    recommendations = serializers.SerializerMethodField()
    scored_at = serializers.SerializerMethodField(
        help_text=_("When the forecast and growth probability shown were computed.")
    )
    score_source = serializers.SerializerMethodField(
        help_text=_("What computed them: a scoring run (job) or this or a later advice (advice).")
    )

    class Meta:
        model = Advice
        fields = [
            "id",
            "business",
            "status",
            "error",
            "created_at",
            "computed_at",
            "cutoff",
            "model_versions",
            "forecast",
            "growth_probability",
            "drivers",
            "benchmarks",
            "market_trend",
            "recommendations",
            "scored_at",
            "score_source",
        ]
        read_only_fields = fields

    def to_representation(self, advice: Advice) -> dict:
        data = super().to_representation(advice)
        score = self.context.get("score")
        if score is not None:
            data["forecast"] = AdviceForecastSerializer(score["forecast"], many=True).data
            data["growth_probability"] = score["growth_probability"]
            data["cutoff"] = serializers.DateField().to_representation(score["cutoff"])
            data["model_versions"] = ModelVersionsSerializer(
                {"forecaster": score["forecaster_version"], "growth": score["growth_version"]}
            ).data
            data["scored_at"] = serializers.DateTimeField().to_representation(score["scored_at"])
            data["score_source"] = score["source"]
        return data

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_scored_at(self, advice: Advice):
        return (
            serializers.DateTimeField().to_representation(advice.computed_at)
            if advice.computed_at
            else None
        )

    @extend_schema_field(serializers.ChoiceField(choices=["job", "advice"]))
    def get_score_source(self, advice: Advice) -> str:
        return "advice"

    @extend_schema_field(ModelVersionsSerializer)
    def get_model_versions(self, advice: Advice) -> dict:
        return ModelVersionsSerializer(
            {"forecaster": advice.forecaster_version, "growth": advice.growth_version}
        ).data

    @extend_schema_field(DriverSerializer(many=True))
    def get_drivers(self, advice: Advice) -> list:
        return [{**d, "label": driver_label(d)} for d in advice.drivers or []]

    @extend_schema_field(RecommendationSerializer(many=True))
    def get_recommendations(self, advice: Advice) -> list:
        return RecommendationSerializer(advice.recommendations.all(), many=True).data


class AdviceQueuedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    business = serializers.CharField(help_text=_("RUC."))
    status = serializers.ChoiceField(choices=Advice.Status.choices)
    created_at = serializers.DateTimeField()
    poll_url = serializers.CharField(help_text=_("GET it until the status is ready or failed."))


class AdviceRequestQuerySerializer(serializers.Serializer):
    wait = serializers.BooleanField(
        required=False,
        default=False,
        help_text=_("Compute the advice in this request (201) instead of queueing it (202)."),
    )


# --- stateless forecasts ------------------------------------------------------------------------


class HistoryMonthSerializer(serializers.Serializer):
    period = serializers.RegexField(PERIOD_PATTERN, help_text=_("The month, yyyy-mm."))
    sales = serializers.FloatField(min_value=0, help_text=_("Sales of the month, soles."))
    costs = serializers.FloatField(min_value=0, required=False, allow_null=True)
    employees = serializers.FloatField(min_value=0, required=False, allow_null=True)
    customer_satisfaction = serializers.ChoiceField(
        choices=Satisfaction.choices, required=False, allow_null=True
    )


class ForecastBusinessSerializer(serializers.Serializer):
    """A business that is not in the registry: what the features read, with defaults."""

    reference = serializers.CharField(
        required=False, allow_null=True, max_length=64, help_text=_("Your id, echoed back.")
    )
    sector = serializers.RegexField(
        r"^\d{2}$",
        required=False,
        allow_null=True,
        help_text=_("CIIU Rev.4 division (two digits); unknown if omitted."),
    )
    region = serializers.RegexField(
        r"^\d{2}$",
        required=False,
        allow_null=True,
        help_text=_("Department code (first two ubigeo digits, 01 to 25)."),
    )
    ubigeo = serializers.RegexField(r"^\d{6}$", required=False, allow_null=True)
    founded = serializers.RegexField(
        r"^\d{4}-(0[1-9]|1[0-2])(-\d{2})?$",
        required=False,
        allow_null=True,
        help_text=_("Founding month or date."),
    )
    women_led = serializers.BooleanField(required=False, allow_null=True, default=False)
    sells_online = serializers.BooleanField(required=False, allow_null=True, default=False)
    history = HistoryMonthSerializer(
        many=True,
        allow_empty=False,
        max_length=240,
        help_text=_("Monthly sales, any order, one row per month; a missing month is unknown."),
    )


class ForecastBatchRequestSerializer(serializers.Serializer):
    businesses = ForecastBusinessSerializer(many=True, allow_empty=False)


class ForecastMonthSerializer(serializers.Serializer):
    horizon = serializers.IntegerField(min_value=1, max_value=6)
    period = serializers.RegexField(PERIOD_PATTERN)
    mean = serializers.FloatField(help_text=_("Expected sales (soles): sums add up."))
    p10 = serializers.FloatField()
    p50 = serializers.FloatField()
    p90 = serializers.FloatField()
    short_history = serializers.BooleanField()


class ForecastResultSerializer(serializers.Serializer):
    reference = serializers.CharField(allow_null=True)
    cutoff = serializers.RegexField(PERIOD_PATTERN, help_text=_("The history's last month."))
    market_month = serializers.RegexField(
        PERIOD_PATTERN,
        allow_null=True,
        help_text=_("The registry month whose sector and region figures it was compared with."),
    )
    short_history = serializers.BooleanField(help_text=_("Fewer than 12 months observed."))
    history_note = serializers.CharField(allow_blank=True)
    intermittent = serializers.BooleanField()
    forecast = ForecastMonthSerializer(many=True)
    growth_probability = serializers.FloatField(min_value=0, max_value=1)
    drivers = DriverSerializer(many=True)


class ForecastBatchResultSerializer(serializers.Serializer):
    model_versions = ModelVersionsSerializer()
    results = ForecastResultSerializer(many=True)


class ForecastSingleResultSerializer(ForecastResultSerializer):
    model_versions = ModelVersionsSerializer()


# --- market trends ------------------------------------------------------------------------------


class MarketTrendFilterSerializer(serializers.Serializer):
    sector = serializers.RegexField(r"^\d{2}$", help_text=_("CIIU Rev.4 division."))
    region = serializers.RegexField(r"^\d{2}$", required=False, help_text=_("Department."))
    period_from = PeriodField(required=False)
    period_to = PeriodField(required=False)


class MarketTrendSerializer(serializers.Serializer):
    sector = serializers.CharField()
    region = serializers.CharField()
    period = serializers.RegexField(PERIOD_PATTERN)
    businesses_reporting = serializers.IntegerField()
    sales_total = serializers.FloatField(
        allow_null=True, help_text=_("Sum of the month's sales (null below 3 businesses).")
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
    production_index = serializers.FloatField(allow_null=True)
    production_index_yoy = serializers.FloatField(allow_null=True)
