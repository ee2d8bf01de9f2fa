"""API serializers of advice: they shape the advice a partner or the portal reads."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from businesses.freshness import business_freshness
from businesses.models import sunat_of
from businesses.serializers import FreshnessSerializer
from core.api_query import QuerySerializer
from forecasting.advice.rules import recommendation_text
from forecasting.models import Advice
from forecasting.reasons import reasons_in_words
from forecasting.scoring.selectors import models_disagree_reason
from forecasting.serializers import DriverSerializer, ModelVersionsSerializer


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
    models_disagree = serializers.BooleanField(
        default=False,
        help_text=_("The month's two models disagreed badly: its figures were brought together."),
    )
    models_disagree_reason = serializers.SerializerMethodField()

    def get_models_disagree_reason(self, month) -> str:
        return models_disagree_reason(month)


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
        if programme is not None and not programme.offered_to(sunat_of(rec.advice.business)):
            programme = None  # SUNAT deregistered the business since (SupportProgramme.offered_to)
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
    :func:`forecasting.scoring.selectors.score_figures`), the forecast, growth probability,
    cut-off and model versions are that score's, as every other surface shows them, and
    ``scored_at`` / ``score_source`` say when and by what they were computed; the drivers,
    benchmarks, market trend and recommendations stay the advice's (``computed_at``)."""

    business = serializers.CharField(source="business.ruc", help_text=_("RUC."))
    model_versions = serializers.SerializerMethodField()
    forecast = AdviceForecastSerializer(many=True)
    drivers = serializers.SerializerMethodField()
    benchmarks = serializers.DictField(help_text=_("Peer percentiles of growth and margin."))
    market_trend = serializers.DictField(
        help_text=_(
            "Its sector's trend in its region; a figure withheld by statistical disclosure "
            "control is null and named in suppressed (figure -> reason: few, dominance or "
            "complement)."
        )
    )
    recommendations = serializers.SerializerMethodField()
    scored_at = serializers.SerializerMethodField(
        help_text=_("When the forecast and growth probability shown were computed.")
    )
    score_source = serializers.SerializerMethodField(
        help_text=_("What computed them: a scoring run (job) or this or a later advice (advice).")
    )
    data_freshness = serializers.SerializerMethodField(
        help_text=_(
            "How current the business's records are: when stale, the forecast and growth "
            "probability are withheld (empty, null) and the reason says why."
        )
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
            "data_freshness",
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
            data["data_freshness"] = FreshnessSerializer(score["freshness"]).data
        if data["data_freshness"]["stale"]:  # withheld here too, as every surface does
            data["forecast"], data["growth_probability"], data["drivers"] = [], None, []
        return data

    @extend_schema_field(FreshnessSerializer)
    def get_data_freshness(self, advice: Advice) -> dict:
        score = self.context.get("score")
        if score is not None:
            return FreshnessSerializer(score["freshness"]).data
        return FreshnessSerializer(business_freshness(advice.business_id)).data

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
        return reasons_in_words(advice.drivers)

    @extend_schema_field(RecommendationSerializer(many=True))
    def get_recommendations(self, advice: Advice) -> list:
        return RecommendationSerializer(advice.recommendations.all(), many=True).data


class AdviceQueuedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    business = serializers.CharField(help_text=_("RUC."))
    status = serializers.ChoiceField(choices=Advice.Status.choices)
    created_at = serializers.DateTimeField()
    poll_url = serializers.CharField(help_text=_("GET it until the status is ready or failed."))


class AdviceRequestQuerySerializer(QuerySerializer):
    wait = serializers.BooleanField(
        required=False,
        default=False,
        help_text=_("Compute the advice in this request (201) instead of queueing it (202)."),
    )
