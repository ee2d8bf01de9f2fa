"""The registry's REST API: businesses, their monthly records (read, and bulk upsert) and
market indicators. Each view is input serializer → one selector or service → output
serializer; every business is read through the caller's scope, so a RUC outside it is 404."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.settings import api_settings

from businesses.api_auth import BulkWriteRateThrottle, RegistryWritePermission
from businesses.disclosure import requester_for
from businesses.imports.api_rows import MonthlyRowsRejectedError, monthly_records_bulk_upsert
from businesses.market import market_trend_list
from businesses.scoping import visible_businesses
from businesses.selectors import business_list, market_indicator_list, monthly_record_list
from businesses.serializers import (
    BusinessCreateSerializer,
    BusinessFilterSerializer,
    BusinessOutputSerializer,
    BusinessUpdateSerializer,
    MarketIndicatorFilterSerializer,
    MarketIndicatorOutputSerializer,
    MarketTrendFilterSerializer,
    MarketTrendSerializer,
    MonthlyRecordBulkInputSerializer,
    MonthlyRecordBulkQuerySerializer,
    MonthlyRecordBulkRequestSerializer,
    MonthlyRecordBulkResultSerializer,
    MonthlyRecordFilterSerializer,
    MonthlyRecordOutputSerializer,
)
from businesses.services import business_create, business_update
from core.api_errors import PayloadTooLarge, RowsRejected, row_problem_detail

RUC_PARAMETER = OpenApiParameter(
    "ruc", str, OpenApiParameter.PATH, description="RUC, 11 digits", pattern=r"^\d{11}$"
)


@extend_schema_view(
    list=extend_schema(
        summary="List businesses",
        parameters=[BusinessFilterSerializer],
        responses=BusinessOutputSerializer(many=True),
    ),
    retrieve=extend_schema(
        summary="A business, by RUC", parameters=[RUC_PARAMETER], responses=BusinessOutputSerializer
    ),
    create=extend_schema(
        summary="Register a business",
        request=BusinessCreateSerializer,
        responses={201: BusinessOutputSerializer},
    ),
    update=extend_schema(
        summary="Replace a business's data",
        parameters=[RUC_PARAMETER],
        request=BusinessUpdateSerializer,
        responses=BusinessOutputSerializer,
    ),
    partial_update=extend_schema(
        summary="Change some of a business's data",
        parameters=[RUC_PARAMETER],
        request=BusinessUpdateSerializer,
        responses=BusinessOutputSerializer,
    ),
)
class BusinessViewSet(viewsets.GenericViewSet):
    """Businesses in the caller's scope, by RUC. A partner that registers a business gets it in
    its scope; updating or reading a RUC outside the scope answers 404."""

    lookup_field = "ruc"
    lookup_value_regex = r"[^/]+"
    permission_classes = [RegistryWritePermission]
    write_permissions = {
        "create": ("businesses.add_business",),
        "update": ("businesses.change_business",),
        "partial_update": ("businesses.change_business",),
    }
    serializer_class = BusinessOutputSerializer

    def get_queryset(self):
        return business_list(user=self.request.user)

    def list(self, request):
        filters = BusinessFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        businesses = business_list(user=request.user, **filters.validated_data)
        page = self.paginate_queryset(businesses)
        return self.get_paginated_response(BusinessOutputSerializer(page, many=True).data)

    def retrieve(self, request, ruc=None):
        return Response(BusinessOutputSerializer(self.get_object()).data)

    def create(self, request):
        data = BusinessCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        business = business_create(user=request.user, **data.validated_data)
        business = self.get_queryset().get(pk=business.pk)
        return Response(BusinessOutputSerializer(business).data, status=status.HTTP_201_CREATED)

    def update(self, request, ruc=None, partial: bool = False):
        business = self.get_object()
        data = BusinessUpdateSerializer(data=request.data, partial=partial)
        data.is_valid(raise_exception=True)
        business = business_update(business=business, user=request.user, **data.validated_data)
        business = self.get_queryset().get(pk=business.pk)
        return Response(BusinessOutputSerializer(business).data)

    def partial_update(self, request, ruc=None):
        return self.update(request, ruc=ruc, partial=True)

    @extend_schema(
        summary="A business's monthly records",
        parameters=[RUC_PARAMETER, MonthlyRecordFilterSerializer],
        responses=MonthlyRecordOutputSerializer(many=True),
    )
    @action(detail=True, methods=["get"], url_path="monthly-records")
    def monthly_records(self, request, ruc=None):
        business = self.get_object()
        filters = MonthlyRecordFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        records = monthly_record_list(business=business, **filters.validated_data)
        page = self.paginate_queryset(records)
        return self.get_paginated_response(MonthlyRecordOutputSerializer(page, many=True).data)


class MonthlyRecordBulkView(GenericAPIView):
    """Upsert many businesses' months in one request, idempotent by (RUC, period)."""

    permission_classes = [RegistryWritePermission]
    write_permissions = {
        "post": ("businesses.add_monthlyrecord", "businesses.change_monthlyrecord"),
    }
    throttle_classes = [*api_settings.DEFAULT_THROTTLE_CLASSES, BulkWriteRateThrottle]
    serializer_class = MonthlyRecordBulkRequestSerializer

    @extend_schema(
        summary="Upsert monthly records in bulk",
        description=(
            "Send up to API_BULK_MAX_ROWS rows (5,000 by default) of {ruc, period, sales, "
            "costs, employees, customer_satisfaction}; a row states the whole month (an "
            "omitted optional field is stored as unknown). Re-sending a month updates it, or "
            "leaves it unchanged. A RUC outside your scope is a rejected row. Without "
            "?partial=true one rejected row means nothing is saved (400, code rows_rejected, "
            "each rejected row in the details); with it the valid rows are saved and the "
            "rejected ones listed. A bare JSON list of rows is accepted too."
        ),
        parameters=[MonthlyRecordBulkQuerySerializer],
        request=MonthlyRecordBulkRequestSerializer,
        responses={200: MonthlyRecordBulkResultSerializer},
    )
    def post(self, request):
        query = MonthlyRecordBulkQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        body = {"rows": request.data} if isinstance(request.data, list) else request.data
        rows = body.get("rows") if isinstance(body, dict) else None
        if isinstance(rows, list) and len(rows) > settings.API_BULK_MAX_ROWS:
            raise PayloadTooLarge(
                _("At most %(max)d rows per request; this one has %(n)d.")
                % {"max": settings.API_BULK_MAX_ROWS, "n": len(rows)}
            )
        data = MonthlyRecordBulkInputSerializer(data=body)
        data.is_valid(raise_exception=True)
        try:
            report = monthly_records_bulk_upsert(
                user=request.user,
                businesses=visible_businesses(request.user),
                rows=data.validated_data["rows"],
                partial=query.validated_data["partial"],
                label=f"API {request.method} {request.path}",
            )
        except MonthlyRowsRejectedError as rejected:
            report = rejected.report
            raise RowsRejected(
                message=ngettext(
                    "%(rejected)d of %(received)d row was rejected, so nothing was saved. "
                    "Correct it, or send ?partial=true to save the valid rows.",
                    "%(rejected)d of %(received)d rows were rejected, so nothing was saved. "
                    "Correct them, or send ?partial=true to save the valid rows.",
                    report.rows_received,
                )
                % {"rejected": report.rejected, "received": report.rows_received},
                problems=report.problems,
            ) from None
        result = {
            "data_version": report.data_import.pk,
            "partial": report.partial,
            "rows_received": report.rows_received,
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "rejected": report.rejected,
            "rejected_rows": [row_problem_detail(p) for p in report.problems],
        }
        return Response(MonthlyRecordBulkResultSerializer(result).data)


class MarketIndicatorListView(GenericAPIView):
    """Market indicator values (e.g. a sector production index) by sector, region and month."""

    serializer_class = MarketIndicatorOutputSerializer

    @extend_schema(
        summary="List market indicator values",
        parameters=[MarketIndicatorFilterSerializer],
        responses=MarketIndicatorOutputSerializer(many=True),
    )
    def get(self, request):
        filters = MarketIndicatorFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        page = self.paginate_queryset(market_indicator_list(**filters.validated_data))
        return self.get_paginated_response(MarketIndicatorOutputSerializer(page, many=True).data)


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
            "Statistical disclosure control: only businesses no partner created or fed "
            "contribute; a figure is null, and named in `suppressed` with its reason, unless "
            "at least ASESOR_DISCLOSURE_MIN_CONTRIBUTORS (5) businesses outside the caller's "
            "own scope contribute, no one or two of them dominate it, and it cannot be worked "
            "out by differencing with other published figures."
        ),
        parameters=[MarketTrendFilterSerializer],
        responses=MarketTrendSerializer(many=True),
    )
    def get(self, request):
        filters = MarketTrendFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        page = self.paginate_queryset(
            market_trend_list(**filters.validated_data, requester=requester_for(request.user))
        )
        return self.get_paginated_response(MarketTrendSerializer(page, many=True).data)
