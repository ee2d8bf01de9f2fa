"""The advice API: a business's latest advice (read it, request fresh advice) and one advice by
id (what a client polls). Read and requested through the caller's scope: a RUC outside it is
404."""

from __future__ import annotations

from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from businesses.api import RUC_PARAMETER
from businesses.scoping import visible_businesses
from core.api_errors import RETRY_AFTER, UNAVAILABLE
from forecasting.advice.serializers import (
    AdviceQueuedSerializer,
    AdviceRequestQuerySerializer,
    AdviceSerializer,
)
from forecasting.advice.services import advice_compute_now, advice_request
from forecasting.models import Advice
from forecasting.scoring.selectors import current_score, score_figures
from forecasting.unserved import advice_fail_if_unserved


def _business(request, ruc: str):
    """The business with this RUC in the caller's scope, or 404."""
    business = visible_businesses(request.user).select_related("sunat").filter(ruc=ruc).first()
    if business is None:
        raise Http404
    return business


def _advice_queryset():
    return Advice.objects.select_related(
        "business", "business__sunat", "forecaster_version", "growth_version"
    ).prefetch_related("recommendations__programme")


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
            "be computed). 503 with Retry-After when the queue is not reachable (code "
            "queue_unavailable) or no worker is running (code no_worker): nothing was stored and "
            "the advice already given keeps serving."
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
        advice = advice_fail_if_unserved(advice)  # queued, but no worker alive: failed, why
        return Response(AdviceSerializer(advice).data)
