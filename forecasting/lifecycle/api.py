"""The model lifecycle's API: the model versions, read-only (``GET /api/v1/model-versions/``)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView

from core.api_query import QuerySerializer
from forecasting.models import ModelKind, ModelVersion


class ModelVersionFilterSerializer(QuerySerializer):
    kind = serializers.ChoiceField(choices=ModelKind.choices, required=False)
    status = serializers.ChoiceField(choices=ModelVersion.Status.choices, required=False)


class ModelVersionOutputSerializer(serializers.ModelSerializer):
    metrics = serializers.DictField(help_text="Held-out metrics against the baselines.")

    class Meta:
        model = ModelVersion
        fields = [
            "kind",
            "version",
            "status",
            "data_version",
            "metrics",
            "training_seconds",
            "created_at",
            "promoted_at",
        ]
        read_only_fields = fields


def model_version_list(*, kind: str = "", status: str = ""):
    """Model versions, newest first within each kind (a read of forecasting's table)."""
    qs = ModelVersion.objects.all()
    if kind:
        qs = qs.filter(kind=kind)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("kind", "-version")


class ModelVersionListView(GenericAPIView):
    """The trained model versions with their held-out metrics."""

    serializer_class = ModelVersionOutputSerializer

    @extend_schema(
        summary="List model versions",
        parameters=[ModelVersionFilterSerializer],
        responses=ModelVersionOutputSerializer(many=True),
    )
    def get(self, request):
        filters = ModelVersionFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        page = self.paginate_queryset(model_version_list(**filters.validated_data))
        return self.get_paginated_response(ModelVersionOutputSerializer(page, many=True).data)
