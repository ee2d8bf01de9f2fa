"""The API of forecasts for businesses that are not in the registry (``POST /api/v1/forecasts/``
and ``/forecasts/batch/``): a monthly sales history in, the production models' forecast and
growth probability out. Nothing is stored, and no business of the registry is read one by one.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from core.api_errors import RETRY_AFTER, UNAVAILABLE, PayloadTooLarge, ServiceUnavailable
from forecasting.reasons import reasons_in_words
from forecasting.scoring.snapshot import ScoringUnavailableError
from forecasting.serializers import ModelVersionsSerializer
from forecasting.unregistered.forecasts import forecast_input_parse, forecasts_compute
from forecasting.unregistered.serializers import (
    ForecastBatchRequestSerializer,
    ForecastBatchResultSerializer,
    ForecastBusinessSerializer,
    ForecastQuerySerializer,
    ForecastSingleResultSerializer,
)


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


def _drivers_wanted(request) -> bool:
    """``?drivers=false`` leaves the drivers out (and does not compute them)."""
    if not request.query_params:  # the default; building the serializer costs ~0.1 ms
        return True
    query = ForecastQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    return query.validated_data["drivers"]


def _compute(data, *, drivers: bool):
    try:
        return forecasts_compute(data, words=reasons_in_words, drivers=drivers)
    except ScoringUnavailableError as error:
        raise ServiceUnavailable(str(error), code="scoring_unavailable", wait=300) from None


class ForecastView(GenericAPIView):
    """Forecast one business that is not in the registry; nothing is stored."""

    serializer_class = ForecastBusinessSerializer

    @extend_schema(
        summary="Forecast a business from its sales history (not in the registry)",
        description=(
            "Send a business's monthly sales history (and, if known, costs, employees, customer "
            "satisfaction) with its attributes; get the 6-month forecast (expected value and "
            "p10/p50/p90, soles), the short-history flag, and the probability that its sales "
            "grow at least 10 % over the next 12 months with the reasons (left out with "
            "?drivers=false), from the production models. Its sector and region are compared "
            "with the registry's. Nothing is stored."
        ),
        request=ForecastBusinessSerializer,
        responses={200: ForecastSingleResultSerializer, 503: UNAVAILABLE},
        parameters=[ForecastQuerySerializer, RETRY_AFTER],
    )
    def post(self, request):
        drivers = _drivers_wanted(request)
        data = forecast_input_parse([request.data])
        computed = _compute(data, drivers=drivers)
        return Response({**computed.results[0], "model_versions": _versions(computed)})


class ForecastBatchView(GenericAPIView):
    """Forecast many businesses that are not in the registry in one request."""

    serializer_class = ForecastBatchRequestSerializer

    @extend_schema(
        summary="Forecast many businesses from their sales histories (not in the registry)",
        description=(
            "Up to API_FORECAST_MAX_BUSINESSES businesses (500 by default) of the single "
            "forecast's shape under 'businesses'; results come back in the same order. Each "
            "business's answer is the one it would get alone. A problem anywhere rejects the "
            "request (400) with every problem's path, e.g. businesses[3].history[5].sales."
        ),
        request=ForecastBatchRequestSerializer,
        responses={200: ForecastBatchResultSerializer, 503: UNAVAILABLE},
        parameters=[ForecastQuerySerializer, RETRY_AFTER],
    )
    def post(self, request):
        drivers = _drivers_wanted(request)
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
        computed = _compute(data, drivers=drivers)
        return Response({"model_versions": _versions(computed), "results": computed.results})
