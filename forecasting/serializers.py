"""API serializers shared by forecasting's products (advice, forecasts for businesses not in the
registry): drivers and model versions."""

from __future__ import annotations

from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from forecasting.models import ModelVersion


def _english() -> bool:
    return (get_language() or "es").startswith("en")


def driver_label(driver: dict, *, english: bool | None = None) -> str:
    """A driver's plain name in the request's language (or in English if ``english``)."""
    english = _english() if english is None else english
    return driver.get("label_en" if english else "label_es") or driver.get("feature", "")


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
