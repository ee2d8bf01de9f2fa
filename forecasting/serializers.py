"""API serializers shared by forecasting's products (advice, forecasts for businesses not in the
registry): drivers (reasons) and model versions."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from forecasting.models import ModelVersion


class DriverSerializer(serializers.Serializer):
    """One reason behind a growth probability: a family of features whose contributions were
    added up, said as a sentence with its values (:func:`forecasting.reasons.reasons_in_words`)."""

    family = serializers.CharField(help_text=_("The fact it is about (staff, sales_yoy, …)."))
    text = serializers.CharField(
        help_text=_("The reason in the request's language, with its values.")
    )
    feature = serializers.CharField(help_text=_("The model's feature that weighs most in it."))
    features = serializers.ListField(
        child=serializers.CharField(), help_text=_("Every feature of the family that counted.")
    )
    label = serializers.CharField(help_text=_("Its plain name in the request's language."))
    label_es = serializers.CharField()
    label_en = serializers.CharField()
    value = serializers.JSONField(allow_null=True, help_text=_("The business's value of it."))
    facts = serializers.DictField(
        help_text=_("The values of the scored features the sentence quotes.")
    )
    contribution = serializers.FloatField(
        help_text=_("Contribution of the family to the log-odds (the sum of its features').")
    )
    direction = serializers.ChoiceField(choices=["up", "down"])


class ModelVersionRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = ModelVersion
        fields = ["kind", "version", "status", "data_version"]
        read_only_fields = fields


class ModelVersionsSerializer(serializers.Serializer):
    forecaster = ModelVersionRefSerializer(allow_null=True)
    growth = ModelVersionRefSerializer(allow_null=True)
