"""``GET /api/v1/statistics/``: the opportunity map's figures for analysts' tools — the same
function (:func:`forecasting.market_map.statistics`, reading
:func:`forecasting.market_map.map_table`) and the same disclosure control as the page.

Who may call it: market analysts (every region), regional coordinators (the regions they
coordinate; ``by=sector`` — Peru's figures — is refused them), superusers, and partner systems
with their API key (every region, their own businesses never counting towards a cell they read,
as on ``/api/v1/market-trends/``: what a partner created or fed is in no statistic at all).
Advisors and stewards: 403 (their tools are the caseload and the admin)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from businesses.models import SizeClass
from core import roles
from core.api_query import QuerySerializer
from forecasting import market_map
from forecasting.market_map import ALL, BY, BY_SECTOR, CURRENT, HISTORICAL, MEASURES, NO, YES


class StatisticsQuerySerializer(QuerySerializer):
    measure = serializers.ChoiceField(
        choices=list(MEASURES),
        help_text=gettext_lazy(
            "businesses: businesses followed; opportunity_share: share of the scored businesses "
            "whose growth probability is at least 70 %; expected_growth: expected sales over "
            "the next 6 months against the same businesses' last 6 months, minus 1; "
            "production_index_yoy: the sector production index's change over 12 months, "
            "averaged over the businesses followed."
        ),
    )
    by = serializers.ChoiceField(
        choices=list(BY),
        default="region",
        help_text=gettext_lazy("region, sector (Peru), or region,sector."),
    )
    section = serializers.RegexField(
        r"^[A-U]$", required=False, help_text=gettext_lazy("CIIU Rev.4 section (a letter).")
    )
    division = serializers.RegexField(
        r"^\d{2}$",
        required=False,
        help_text=gettext_lazy("CIIU Rev.4 division (when given, section is not read)."),
    )
    size_class = serializers.ChoiceField(choices=SizeClass.values, required=False)
    women_led = serializers.BooleanField(required=False, allow_null=True, default=None)
    sells_online = serializers.BooleanField(required=False, allow_null=True, default=None)
    month = serializers.RegexField(
        r"^\d{4}-\d{2}$",
        required=False,
        help_text=gettext_lazy(
            "yyyy-mm, one of the last 24 months up to the registry's latest month; leave it out "
            "for the current cut-off. The forecast-based measures (opportunity_share, "
            "expected_growth) have the current cut-off only: for another month, or a month "
            "without data, every cell is empty (no contributors) and `note` says why."
        ),
    )

    def filters(self) -> market_map.Filters:
        data = self.validated_data

        def yes_no(value):
            return ALL if value is None else (YES if value else NO)

        return market_map.Filters(
            section="" if data.get("division") else data.get("section", ""),
            division=data.get("division", ""),
            size=data.get("size_class", ALL),
            women=yes_no(data.get("women_led")),
            online=yes_no(data.get("sells_online")),
            month=data.get("month", CURRENT),
        )


class _Keyed(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class _SectorKey(_Keyed):
    level = serializers.ChoiceField(choices=["total", "section", "division"])


class StatisticsCellSerializer(serializers.Serializer):
    region = _Keyed(required=False, help_text=gettext_lazy("Absent with by=sector (Peru)."))
    sector = _SectorKey(required=False, help_text=gettext_lazy("Absent with by=region."))
    value = serializers.FloatField(
        allow_null=True,
        help_text=gettext_lazy(
            "The figure (a count, or a fraction: 0.12 is 12 %); null when withheld or when no "
            "business contributes."
        ),
    )
    contributors = serializers.IntegerField(
        allow_null=True, help_text=gettext_lazy("Businesses behind it; null when withheld.")
    )
    suppressed = serializers.BooleanField()
    reason = serializers.ChoiceField(choices=["few", "dominance", "complement"], allow_null=True)
    reason_text = serializers.CharField(
        allow_null=True, help_text=gettext_lazy("The reason in the request's language.")
    )


class StatisticsSerializer(serializers.Serializer):
    measure = serializers.CharField()
    measure_label = serializers.CharField()
    by = serializers.CharField()
    month = serializers.CharField()
    note = serializers.CharField(
        allow_null=True, help_text=gettext_lazy("Why every cell is empty, when they are.")
    )
    cells = StatisticsCellSerializer(many=True)


def _may_read(user) -> bool:
    return roles.sees_market_map(user) or (user.is_active and roles.has_role(user, roles.PARTNER))


class StatisticsView(APIView):
    """Aggregated statistics by region and sector, through disclosure control."""

    @extend_schema(
        summary="Market statistics by region and sector (the opportunity map's figures)",
        description=(
            "The opportunity map's measures by region, by sector (Peru) or by region and "
            "sector, with the page's filters, from the same function and through the same "
            "statistical disclosure control: only businesses no partner created or fed "
            "contribute; a cell is withheld (`suppressed`, with `reason` and `reason_text`) "
            "unless at least ASESOR_DISCLOSURE_MIN_CONTRIBUTORS (5) businesses outside the "
            "caller's own scope contribute to each part of it (a ratio's numerator and "
            "denominator), no one or two of them dominate it, and no combination of filters, "
            "months or groupings lets it be worked out by subtracting published cells. "
            "Analysts and partners: every region; regional coordinators: their regions "
            "(by=sector refused)."
        ),
        parameters=[StatisticsQuerySerializer],
        responses=StatisticsSerializer,
    )
    def get(self, request):
        if not _may_read(request.user):
            raise PermissionDenied(
                _(
                    "Only market analysts, regional coordinators and partner systems read "
                    "statistics."
                )
            )
        query = StatisticsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        measure, by = query.validated_data["measure"], query.validated_data["by"]
        if by == BY_SECTOR and market_map.readable_regions(request.user) is not None:
            raise PermissionDenied(
                _(
                    "Figures for all of Peru (by=sector) cover regions you do not coordinate: ask "
                    "by=region,sector."
                )
            )
        filters = query.filters()
        note = None
        if filters.month not in market_map.time_columns(measure):
            note = (
                _("This measure is for the current cut-off only: leave month out.")
                if measure not in HISTORICAL
                else _("Month %s is not one of the last 24 months with data.") % filters.month
            )
        body = {
            "note": note,
            "measure": measure,
            "measure_label": str(MEASURES[measure]),
            "by": by,
            "month": filters.month,
            "cells": market_map.statistics(request.user, measure, filters, by),
        }
        return Response(StatisticsSerializer(body).data)
