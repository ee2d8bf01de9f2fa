"""Forecasting's REST API: a business's advice (read it, request it), stateless forecasts of
businesses that are not in the registry, and market trends.

Advice is read and requested through the caller's scope (a RUC outside it is 404); stateless
forecasts store nothing and read no business of the registry one by one; market trends are
aggregates with small cells withheld (forecasting.trend_selectors).
"""

from __future__ import annotations

from functools import partial

from django.conf import settings
from django.http import Http404
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from businesses.api import RUC_PARAMETER
from businesses.scoping import visible_businesses
from core.api_errors import ErrorSerializer, PayloadTooLarge, ServiceUnavailable
from forecasting.advice.services import advice_compute_now, advice_request
from forecasting.advice_selectors import current_score, score_figures
from forecasting.models import Advice
from forecasting.scoring.snapshot import ScoringUnavailableError
from forecasting.serializers import (
    AdviceQueuedSerializer,
    AdviceRequestQuerySerializer,
    AdviceSerializer,
    ForecastBatchRequestSerializer,
    ForecastBatchResultSerializer,
    ForecastBusinessSerializer,
    ForecastSingleResultSerializer,
    MarketTrendFilterSerializer,
    MarketTrendSerializer,
    ModelVersionsSerializer,
    driver_label,
)
from forecasting.trend_selectors import market_trend_list
from forecasting.unregistered.forecasts import forecast_input_parse, forecasts_compute

RETRY_AFTER = OpenApiParameter(
    "Retry-After",
    int,
    OpenApiParameter.HEADER,
    response=[503],
    description="Seconds to wait before trying again.",
)
UNAVAILABLE = OpenApiResponse(
    ErrorSerializer,
    description=(
        "The task queue cannot take the job (code queue_unavailable), or there is no "
        "production model yet (code scoring_unavailable); see Retry-After."
    ),
)


def _scoring_unavailable(error: Exception) -> ServiceUnavailable:
    return ServiceUnavailable(str(error), code="scoring_unavailable", wait=300)


def _business(request, ruc: str):
    """The business with this RUC in the caller's scope, or 404."""
    business = visible_businesses(request.user).filter(ruc=ruc).first()
    if business is None:
        raise Http404
    return business


def _advice_queryset():
    return Advice.objects.select_related(
        "business", "forecaster_version", "growth_version"
    ).prefetch_related("recommendations__programme")


# --- advice -------------------------------------------------------------------------------------


class AdviceView(GenericAPIView):
    """The latest ready advice of a business; POST asks for fresh advice."""

    serializer_class = AdviceSerializer

    @extend_schema(
        summary="The latest advice of a business",
        description=(
            "The newest advice that is ready, with its recommendations, drivers, peer "
            "benchmarks and market trend, and the business's current forecast and growth "
            "probability with the model versions, cut-off and time (scored_at) they were "
            "computed: those of the latest scoring run, or of this advice if it is newer. 404 "
            "(code no_advice) when the business has none ready yet."
        ),
        parameters=[RUC_PARAMETER],
        responses={200: AdviceSerializer},
    )
    def get(self, request, ruc: str):
        business = _business(request, ruc)
        advice = (
            _advice_queryset()
            .filter(business=business, status=Advice.Status.READY)
            .order_by("-created_at", "-pk")
            .first()
        )
        if advice is None:
            error = exceptions.NotFound(_("This business has no advice yet."))
            error.default_code = "no_advice"
            raise error
        score = score_figures(current_score(business=business), advice)
        return Response(AdviceSerializer(advice, context={"score": score}).data)

    @extend_schema(
        summary="Request fresh advice",
        description=(
            "Queues the advice for a worker and answers 202 with its id and the URL to poll; a "
            "request already waiting is reused. With ?wait=true the advice is computed in this "
            "request and returned whole (201; status failed, with the reason, if it could not "
            "be computed). 503 with Retry-After when the queue is not reachable: nothing was "
            "stored and the advice already given keeps serving."
        ),
        parameters=[RUC_PARAMETER, AdviceRequestQuerySerializer, RETRY_AFTER],
        request=None,
        responses={201: AdviceSerializer, 202: AdviceQueuedSerializer, 503: UNAVAILABLE},
    )
    def post(self, request, ruc: str):
        query = AdviceRequestQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        business = _business(request, ruc)
        if query.validated_data["wait"]:
            advice = advice_compute_now(business=business, user=request.user)
            advice = _advice_queryset().get(pk=advice.pk)
            score = None
            if advice.status == Advice.Status.READY:
                score = score_figures(current_score(business=business), advice)
            return Response(
                AdviceSerializer(advice, context={"score": score}).data,
                status=status.HTTP_201_CREATED,
            )
        advice = advice_request(business=business, user=request.user)  # 503 if no queue
        poll = request.build_absolute_uri(
            reverse("api-advice-detail", kwargs={"ruc": business.ruc, "advice_id": advice.pk})
        )
        body = {
            "id": advice.pk,
            "business": business.ruc,
            "status": advice.status,
            "created_at": advice.created_at,
            "poll_url": poll,
        }
        return Response(
            AdviceQueuedSerializer(body).data,
            status=status.HTTP_202_ACCEPTED,
            headers={"Location": poll},
        )


class AdviceDetailView(GenericAPIView):
    """One advice of a business, whatever its state: what a client polls after a request."""

    serializer_class = AdviceSerializer

    @extend_schema(
        operation_id="businesses_advice_detail",
        summary="One advice of a business (poll it after a request)",
        parameters=[
            RUC_PARAMETER,
            OpenApiParameter("advice_id", int, OpenApiParameter.PATH),
        ],
        responses={200: AdviceSerializer},
    )
    def get(self, request, ruc: str, advice_id: int):
        business = _business(request, ruc)
        advice = _advice_queryset().filter(business=business, pk=advice_id).first()
        if advice is None:
            raise Http404
        return Response(AdviceSerializer(advice).data)


# --- stateless forecasts ------------------------------------------------------------------------


def _versions(computed) -> dict:
    """The answer's ``model_versions``: serialised once per pair of production versions (as
    they stand), not per request (a ModelSerializer builds its fields each time)."""
    versions = (computed.forecaster_version, computed.growth_version)
    key = tuple((v.pk, v.status, v.data_version) if v is not None else None for v in versions)
    data = _versions_cache.get(key)
    if data is None:
        data = ModelVersionsSerializer({"forecaster": versions[0], "growth": versions[1]}).data
        _versions_cache.clear()  # only the current pair is asked for again
        _versions_cache[key] = data
    return data


_versions_cache: dict[tuple, dict] = {}


def _compute(data):
    try:
        english = (get_language() or "es").startswith("en")
        return forecasts_compute(data, label=partial(driver_label, english=english))
    except ScoringUnavailableError as error:
        raise _scoring_unavailable(error) from None


class ForecastView(GenericAPIView):
    """Forecast one business that is not in the registry; nothing is stored."""

    serializer_class = ForecastBusinessSerializer

    @extend_schema(
        summary="Forecast a business from its sales history (stateless)",
        description=(
            "Send a business's monthly sales history (and, if known, costs, employees, customer "
            "satisfaction) with its attributes; get the 6-month forecast (expected value and "
            "p10/p50/p90, soles), the short-history flag, and the probability that its sales "
            "grow at least 10 % over the next 12 months with the reasons, from the production "
            "models. Its sector and region are compared with the registry's. Nothing is stored."
        ),
        request=ForecastBusinessSerializer,
        responses={200: ForecastSingleResultSerializer, 503: UNAVAILABLE},
        parameters=[RETRY_AFTER],
    )
    def post(self, request):
        data = forecast_input_parse([request.data])
        computed = _compute(data)
        return Response({**computed.results[0], "model_versions": _versions(computed)})


class ForecastBatchView(GenericAPIView):
    """Forecast many businesses that are not in the registry in one request."""

    serializer_class = ForecastBatchRequestSerializer

    @extend_schema(
        summary="Forecast many businesses from their sales histories (stateless)",
        description=(
            "Up to API_FORECAST_MAX_BUSINESSES businesses (500 by default) of the single "
            "forecast's shape under 'businesses'; results come back in the same order. Each "
            "business's answer is the one it would get alone. A problem anywhere rejects the "
            "request (400) with every problem's path, e.g. businesses[3].history[5].sales."
        ),
        request=ForecastBatchRequestSerializer,
        responses={200: ForecastBatchResultSerializer, 503: UNAVAILABLE},
        parameters=[RETRY_AFTER],
    )
    def post(self, request):
        body = request.data
        items = body.get("businesses") if isinstance(body, dict) else None
        if not isinstance(items, list) or not items:
            raise exceptions.ValidationError({"businesses": [_("A non-empty list of businesses.")]})
        limit = settings.API_FORECAST_MAX_BUSINESSES
        if len(items) > limit:
            raise PayloadTooLarge(
                _("At most %(max)d businesses per request; this one has %(n)d.")
                % {"max": limit, "n": len(items)}
            )
        data = forecast_input_parse(items, path_prefix=["businesses"])
        computed = _compute(data)
        return Response({"model_versions": _versions(computed), "results": computed.results})


# --- market trends ------------------------------------------------------------------------------


class MarketTrendListView(GenericAPIView):
    """A sector's market trend in a region, month by month."""

    serializer_class = MarketTrendSerializer

    @extend_schema(
        summary="Market trend of a sector in a region",
        description=(
            "Month by month for a CIIU division (in one region, or in each region): businesses "
            "reporting, total sales, the same businesses' sales against a year earlier, the "
            "business page's year-on-year growth (last 12 months against the 12 before, "
            "matched businesses) and 3-month momentum, and the sector production index. "
            "Figures over fewer than 3 businesses are null."
        ),
        parameters=[MarketTrendFilterSerializer],
        responses=MarketTrendSerializer(many=True),
    )
    def get(self, request):
        filters = MarketTrendFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        page = self.paginate_queryset(market_trend_list(**filters.validated_data))
        return self.get_paginated_response(MarketTrendSerializer(page, many=True).data)
