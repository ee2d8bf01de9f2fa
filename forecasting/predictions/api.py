"""Prediction jobs over the REST API: score many businesses at once (a filter, a list of RUCs, or
an uploaded CSV/xlsx of RUCs), follow the job, and read its results as paged JSON or as CSV.

Everything goes through the caller's scope: only businesses it sees are scored (any other RUC
is a rejected row, worded the same whether it exists or not), and a job is read only by whoever
created it (stewards and superusers read every job); another caller's job id is 404.
"""

from __future__ import annotations

from django.db import transaction
from django.http import Http404, StreamingHttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import exceptions, serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.settings import api_settings

from businesses.api_auth import BulkWriteRateThrottle
from businesses.models import SizeClass
from businesses.scoping import visible_businesses
from businesses.serializers import FreshnessSerializer
from core.api_errors import RETRY_AFTER, ErrorSerializer
from core.api_parsers import LimitedJSONParser
from forecasting.models import PredictionJob, PredictionResult
from forecasting.predictions.jobs import prediction_job_create, prediction_job_enqueue
from forecasting.predictions.requests import (
    MAX_RUCS,
    SelectionError,
    rejected_message,
    rucs_from_file,
    rucs_from_list,
    selection_by_filter,
    selection_by_rucs,
)
from forecasting.predictions.selectors import (
    prediction_job_list,
    prediction_result_csv,
    prediction_result_list,
)
from forecasting.scoring.selectors import models_disagree_reason
from forecasting.unserved import prediction_job_fail_if_unserved

MAX_REJECTED_SHOWN = 1000  # a job keeps the first rejected rows; "selection" counts them all
JOB_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="Prediction job id.")


# --- serializers ------------------------------------------------------------------------------


class PredictionFilterSerializer(serializers.Serializer):
    sector = serializers.RegexField(
        r"^(\d{2}|[A-U])$", required=False, help_text="A CIIU Rev.4 division (47) or section (G)."
    )
    region = serializers.RegexField(
        r"^\d{2}$", required=False, help_text="A region (department) code, 01–25."
    )
    size_class = serializers.ChoiceField(choices=SizeClass.choices, required=False)


class PredictionJobCreateSerializer(serializers.Serializer):
    rucs = serializers.ListField(
        child=serializers.CharField(max_length=20, allow_blank=True),
        required=False,
        max_length=MAX_RUCS,
        help_text="RUCs to score (at most 100,000).",
    )
    filter = PredictionFilterSerializer(
        required=False,
        help_text="Score every business of your scope that matches; {} for all.",
    )

    def validate(self, attrs):
        if "rucs" in attrs and "filter" in attrs:
            raise serializers.ValidationError(_("Send either “rucs” or “filter”, not both."))
        if "rucs" not in attrs:
            attrs["filter"] = attrs.get("filter") or {}  # {}: the caller's whole scope
        return attrs


class PredictionJobUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text="A CSV or xlsx file with a “ruc” column (or RUCs in its first column)."
    )


class PredictionRejectedRowSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="Index in “rucs”, or line number in the file.")
    path = serializers.CharField(help_text="rucs[3], or line 4.")
    ruc = serializers.CharField()
    code = serializers.ChoiceField(choices=["invalid_ruc", "duplicate", "not_found"])
    message = serializers.CharField()


class PredictionJobSerializer(serializers.ModelSerializer):
    percent = serializers.IntegerField(help_text="Progress, 0-100.")
    forecaster_version = serializers.IntegerField(
        source="forecaster_version.version", allow_null=True, default=None
    )
    growth_version = serializers.IntegerField(
        source="growth_version.version", allow_null=True, default=None
    )
    selection = serializers.DictField(help_text="What was asked to be scored.")
    rejected = serializers.SerializerMethodField()
    results_url = serializers.SerializerMethodField()
    results_csv_url = serializers.SerializerMethodField()

    class Meta:
        model = PredictionJob
        fields = [
            "id",
            "status",
            "total",
            "done",
            "percent",
            "error",
            "cutoff",
            "forecaster_version",
            "growth_version",
            "selection",
            "rejected",
            "created_at",
            "started_at",
            "finished_at",
            "results_url",
            "results_csv_url",
        ]
        read_only_fields = fields

    @extend_schema_field(PredictionRejectedRowSerializer(many=True))
    def get_rejected(self, job) -> list[dict]:
        return PredictionRejectedRowSerializer(
            [{**row, "message": rejected_message(row)} for row in job.rejected], many=True
        ).data

    def get_results_url(self, job) -> str:
        return reverse("api-prediction-job-results", args=[job.pk])

    def get_results_csv_url(self, job) -> str:
        return reverse("api-prediction-job-results-csv", args=[job.pk])


class PredictionForecastMonthSerializer(serializers.Serializer):
    horizon = serializers.IntegerField()
    period = serializers.CharField(help_text="The forecast month, yyyy-mm.")
    mean = serializers.FloatField(
        allow_null=True,
        help_text="Expected sales (soles): the point forecast; null when withheld (stale).",
    )
    p10 = serializers.FloatField(allow_null=True)
    p50 = serializers.FloatField(allow_null=True)
    p90 = serializers.FloatField(allow_null=True)
    models_disagree = serializers.BooleanField(
        help_text="The month's two models disagreed badly: its figures were brought together."
    )
    models_disagree_reason = serializers.SerializerMethodField()

    def get_models_disagree_reason(self, month) -> str:
        return models_disagree_reason(month)


class PredictionResultSerializer(serializers.ModelSerializer):
    ruc = serializers.CharField(source="business.ruc")
    forecast = PredictionForecastMonthSerializer(many=True)
    data_freshness = serializers.SerializerMethodField(
        help_text="How current its records were at the cut-off: when stale, the forecast and "
        "growth probability are withheld (null) and the reason says why."
    )

    @extend_schema_field(FreshnessSerializer)
    def get_data_freshness(self, result) -> dict:
        return FreshnessSerializer(result.freshness()).data

    forecaster_version = serializers.IntegerField(
        source="forecaster_version.version", allow_null=True, default=None
    )
    growth_version = serializers.IntegerField(
        source="growth_version.version", allow_null=True, default=None
    )

    class Meta:
        model = PredictionResult
        fields = [
            "ruc",
            "cutoff",
            "growth_probability",
            "months_observed",
            "short_history",
            "intermittent",
            "stale",
            "data_freshness",
            "forecast",
            "forecaster_version",
            "growth_version",
            "computed_at",
        ]
        read_only_fields = fields


# --- views ------------------------------------------------------------------------------------


def _job(request, pk) -> PredictionJob:
    job = prediction_job_list(user=request.user).filter(pk=pk).first()
    if job is None:
        raise Http404
    return job


class PredictionJobCreateView(GenericAPIView):
    """Create a prediction job and queue it on the workers."""

    parser_classes = [LimitedJSONParser, MultiPartParser]
    throttle_classes = [*api_settings.DEFAULT_THROTTLE_CLASSES, BulkWriteRateThrottle]
    serializer_class = PredictionJobSerializer

    @extend_schema(
        summary="Score many businesses (a prediction job)",
        description=(
            'Send JSON {"rucs": [...]} or {"filter": {"sector", "region", '
            '"size_class"}} ({} scores your whole scope), or a multipart form with a CSV or '
            "xlsx “file” of RUCs. Only businesses in your scope are scored; other RUCs come "
            "back as rejected rows (index or line, reason). 202 with the job; follow it at "
            "/prediction-jobs/{id}/. 400 when nothing can be scored; 503 with Retry-After when "
            "the task queue is not reachable or no worker is running (nothing was created)."
        ),
        request={
            "application/json": PredictionJobCreateSerializer,
            "multipart/form-data": PredictionJobUploadSerializer,
        },
        parameters=[RETRY_AFTER],
        responses={
            202: PredictionJobSerializer,
            503: OpenApiResponse(
                ErrorSerializer,
                description="The task queue is not reachable, or no worker is running.",
            ),
        },
    )
    def post(self, request):
        scope = visible_businesses(request.user)
        if request.content_type.startswith("multipart/"):
            data = PredictionJobUploadSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            try:
                rucs = rucs_from_file(data.validated_data["file"])
            except SelectionError as error:
                raise exceptions.ValidationError({"file": [error.message]}) from None
            selection = selection_by_rucs(scope=scope, rucs=rucs, source="file")
        else:
            data = PredictionJobCreateSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            if "rucs" in data.validated_data:
                rucs = rucs_from_list(data.validated_data["rucs"])
                selection = selection_by_rucs(scope=scope, rucs=rucs, source="list")
            else:
                selection = selection_by_filter(user=request.user, **data.validated_data["filter"])
        if not selection.business_ids:
            details = {
                row["path"]: [rejected_message(row)]
                for row in selection.rejected[:MAX_REJECTED_SHOWN]
            } or {"": [_("No business in your scope matches this request.")]}
            raise exceptions.ValidationError(details)
        partner = getattr(request.user, "partner", None)
        with transaction.atomic():
            job = prediction_job_create(
                business_ids=selection.business_ids,
                user=request.user,
                partner=partner,
                selection={**selection.description, "rejected": len(selection.rejected)},
                rejected=selection.rejected[:MAX_REJECTED_SHOWN],
            )
            prediction_job_enqueue(job)  # QueueUnavailableError → 503, and the job rolls back
        job = prediction_job_list(user=request.user).get(pk=job.pk)
        return Response(PredictionJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class PredictionJobDetailView(GenericAPIView):
    """A prediction job's status and progress."""

    serializer_class = PredictionJobSerializer

    @extend_schema(
        summary="A prediction job: status and progress",
        parameters=[JOB_ID],
        responses=PredictionJobSerializer,
    )
    def get(self, request, pk: int):
        job = prediction_job_fail_if_unserved(_job(request, pk))  # no worker alive: failed, why
        return Response(PredictionJobSerializer(job).data)


class PredictionResultListView(GenericAPIView):
    """A prediction job's results, one business a row, paged."""

    serializer_class = PredictionResultSerializer

    @extend_schema(
        summary="A prediction job's results (paged JSON)",
        parameters=[JOB_ID],
        responses=PredictionResultSerializer(many=True),
    )
    def get(self, request, pk: int):
        job = _job(request, pk)
        page = self.paginate_queryset(prediction_result_list(job=job, user=request.user))
        return self.get_paginated_response(PredictionResultSerializer(page, many=True).data)


class _FirstRenderer(BaseContentNegotiation):
    """The CSV download answers CSV, and its errors JSON, whatever the Accept header says."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class PredictionResultCsvView(GenericAPIView):
    """A prediction job's results as a CSV download: one line per business and month."""

    content_negotiation_class = _FirstRenderer
    serializer_class = PredictionResultSerializer

    @extend_schema(
        summary="A prediction job's results (CSV download)",
        description=(
            "Columns ruc, period (yyyy-mm), horizon, mean, p10, p50, p90 (soles), "
            "growth_probability; UTF-8 with a byte-order mark, formula-safe."
        ),
        parameters=[JOB_ID],
        responses={(200, "text/csv"): OpenApiTypes.STR},
    )
    def get(self, request, pk: int):
        job = _job(request, pk)
        lines = prediction_result_csv(prediction_result_list(job=job, user=request.user))
        response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="prediction-job-{job.pk}.csv"'
        return response
