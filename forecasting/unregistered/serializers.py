"""API serializers of forecasts for businesses that are not in the registry. They shape output
and document input; the input is validated by
:func:`forecasting.unregistered.forecasts.forecast_input_parse` (vectorised, far cheaper than
nested serializers on thousands of months), and these classes describe it for the OpenAPI
schema."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from businesses.models import Satisfaction
from businesses.serializers import PERIOD_PATTERN
from core.api_query import QuerySerializer
from forecasting.scoring.selectors import models_disagree_reason
from forecasting.serializers import DriverSerializer, ModelVersionsSerializer


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


class ForecastQuerySerializer(QuerySerializer):
    drivers = serializers.BooleanField(
        required=False,
        default=True,
        help_text=_(
            "false: leave out the reasons behind the growth probability (their computation "
            "is most of the cost of a batch)."
        ),
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
    models_disagree = serializers.BooleanField(
        help_text=_("The month's two models disagreed badly: its figures were brought together.")
    )
    models_disagree_reason = serializers.SerializerMethodField()

    def get_models_disagree_reason(self, month) -> str:
        return models_disagree_reason(month)


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
    drivers = DriverSerializer(
        many=True,
        required=False,
        help_text=_("The reasons behind the growth probability; left out with ?drivers=false."),
    )


class ForecastBatchResultSerializer(serializers.Serializer):
    model_versions = ModelVersionsSerializer()
    results = ForecastResultSerializer(many=True)


class ForecastSingleResultSerializer(ForecastResultSerializer):
    model_versions = ModelVersionsSerializer()
