"""Selectors that read the registry, always through the user's scope."""

from __future__ import annotations

import datetime as dt

from django.db.models import OuterRef, Q, QuerySet, Subquery

from businesses.models import Business, MarketIndicator, MonthlyRecord
from businesses.scoping import visible_businesses
from businesses.search import businesses_matching


def business_list(
    *,
    user,
    search: str = "",
    sector: str = "",
    region: str = "",
    size_class: str = "",
) -> QuerySet[Business]:
    """The user's caseload, with what the list shows selected in the same query.

    ``search`` is a RUC prefix or words of the names (any order, accents and case ignored);
    ``sector`` a CIIU division (``47``) or section (``G``); ``region`` a region code (``15``);
    ``size_class`` one of :class:`SizeClass`.
    """
    last_period = MonthlyRecord.objects.filter(business=OuterRef("pk")).order_by("-period")
    qs = (
        visible_businesses(user)
        .select_related("sector", "region", "advisor")
        # how current its data is (businesses.freshness): its last month and the registry's
        # latest, by indexed subqueries in the same query
        .annotate(
            last_period=Subquery(last_period.values("period")[:1]),
            registry_latest=Subquery(
                MonthlyRecord.objects.order_by("-period").values("period")[:1]
            ),
        )
    )
    if sector:
        qs = qs.filter(Q(sector_id=sector) | Q(sector__section_id=sector))
    if region:
        qs = qs.filter(region_id=region)
    if size_class:
        qs = qs.filter(size_class=size_class)
    qs = businesses_matching(qs, search)
    return qs.order_by("legal_name", "pk")


def business_records(*, business: Business, months: int = 24) -> list[MonthlyRecord]:
    """The business's latest ``months`` records, oldest first."""
    latest = list(business.records.order_by("-period")[:months])
    return latest[::-1]


def monthly_record_list(
    *, business: Business, period_from: dt.date | None = None, period_to: dt.date | None = None
) -> QuerySet[MonthlyRecord]:
    """A business's monthly records, oldest first, optionally between two months (inclusive).
    The caller has already loaded ``business`` through the scope."""
    qs = MonthlyRecord.objects.filter(business=business)
    if period_from:
        qs = qs.filter(period__gte=period_from)
    if period_to:
        qs = qs.filter(period__lte=period_to)
    return qs.order_by("period", "pk")


def market_indicator_list(
    *,
    sector: str = "",
    region: str = "",
    name: str = "",
    period_from: dt.date | None = None,
    period_to: dt.date | None = None,
) -> QuerySet[MarketIndicator]:
    """Market indicator values (public market data, not scoped), by series then month.
    ``sector`` and ``region`` match the series' own codes (a blank one covers all)."""
    qs = MarketIndicator.objects.all()
    if sector:
        qs = qs.filter(sector_id=sector)
    if region:
        qs = qs.filter(region_id=region)
    if name:
        qs = qs.filter(name=name)
    if period_from:
        qs = qs.filter(period__gte=period_from)
    if period_to:
        qs = qs.filter(period__lte=period_to)
    return qs.order_by("name", "sector_id", "region_id", "period", "pk")
