"""Market trends of a sector in a region, from the registry's own monthly records, the market
indicators and the businesses' latest forecasts.

- Monthly sales index: the average sales of the businesses that reported each month (a missing
  month is unknown, not zero, so an average over reporters, not a sum), as an index with
  100 = the average of the first 12 months shown
  that have data, and its year-on-year change.
- Sectors of the region, ranked by year-on-year growth (last 12 months against the 12 before,
  average sales per reported month), with their 3-month momentum and the aggregate forecast
  (the sum of the businesses' expected sales for the next 3 months against the sum of their
  last 3 months — sums of expected values, which add up).
- The sector production index (market indicator), rebased to the same 100.

Scope: market figures are aggregates, but a page lists the regions the user works in (an
advisor: the regions of their businesses; a supervisor: also the regions they coordinate;
stewards and superusers: all). A sector with fewer than :data:`MIN_BUSINESSES` businesses in
the region is not shown, so no aggregate reveals one business's sales.

Each result is cached per (region, sector, data version): the version is the largest monthly
record id, latest import and latest score time, each one indexed lookup.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from django.core.cache import cache
from django.db.models import Count, F, Max, Q, Sum
from django.http import Http404

from businesses import scoping
from businesses.models import DataImport, MarketIndicator, MonthlyRecord, Region, Sector
from businesses.sources.selectors import indicator_provenance
from core import roles
from forecasting.engine.schema import PRODUCTION_INDEX
from forecasting.models import LatestScore

MIN_BUSINESSES = 3
MONTHS_SHOWN = 36
CACHE_SECONDS = 600


def _add_months(d: dt.date, months: int) -> dt.date:
    index = d.year * 12 + d.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def trend_regions(user) -> list[Region]:
    """The regions whose trends ``user`` sees (see the module docstring)."""
    if roles.sees_every_business(user):
        return list(Region.objects.order_by("name"))
    codes = Q(code__in=scoping.visible_businesses(user).values("region_id"))
    if roles.has_role(user, roles.SUPERVISOR):
        codes |= Q(code__in=user.supervised_regions.values("region_id"))
    return list(Region.objects.filter(codes).order_by("name"))


def _data_version() -> tuple:
    return (
        MonthlyRecord.objects.aggregate(v=Max("id"))["v"],
        DataImport.objects.aggregate(v=Max("id"))["v"],
        LatestScore.objects.aggregate(v=Max("scored_at"))["v"],
    )


def _ratio(a, b) -> float | None:
    if a is None or not b:
        return None
    return float(a) / float(b) - 1


def _monthly_series(*, region: str, sector: str, last: dt.date) -> list[dict]:
    """Month by month: reporting businesses, average sales, index and year-on-year change."""
    first = _add_months(last, -(MONTHS_SHOWN + 11))
    rows = MonthlyRecord.objects.filter(
        business__region_id=region, period__gte=first, period__lte=last
    )
    if sector:
        rows = rows.filter(business__sector_id=sector)
    by_month = {
        r["period"]: r
        for r in rows.order_by().values("period").annotate(sales=Sum("sales"), n=Count("id"))
    }
    months = [_add_months(first, i) for i in range(MONTHS_SHOWN + 12)]
    average = {
        m: (float(by_month[m]["sales"]) / by_month[m]["n"])
        if m in by_month and by_month[m]["n"] >= MIN_BUSINESSES
        else None
        for m in months
    }
    shown = months[12:]
    base_values = [average[m] for m in shown if average[m] is not None][:12]
    base = sum(base_values) / len(base_values) if base_values else None
    series = []
    for m in shown:
        value = average[m]
        series.append(
            {
                "period": m,
                "businesses": by_month[m]["n"] if m in by_month else 0,
                "average_sales": value,
                "index": 100 * value / base if value is not None and base else None,
                "yoy": _ratio(value, average[_add_months(m, -12)]),
            }
        )
    return series


def _sector_ranking(*, region: str, last: dt.date) -> list[dict]:
    """Every sector of the region with enough businesses: year-on-year growth, momentum,
    aggregate forecast change; fastest growing first."""
    start_12, start_24 = _add_months(last, -11), _add_months(last, -23)
    start_3, start_6 = _add_months(last, -2), _add_months(last, -5)
    recent = Q(period__gte=start_12)
    before = Q(period__lt=start_12)
    last_3 = Q(period__gte=start_3)
    prev_3 = Q(period__gte=start_6, period__lt=start_3)
    rows = (
        MonthlyRecord.objects.filter(
            business__region_id=region, period__gte=start_24, period__lte=last
        )
        .order_by()
        .values("business__sector_id")
        .annotate(
            businesses=Count("business", distinct=True),
            s12=Sum("sales", filter=recent),
            n12=Count("id", filter=recent),
            p12=Sum("sales", filter=before),
            m12=Count("id", filter=before),
            s3=Sum("sales", filter=last_3),
            n3=Count("id", filter=last_3),
            p3=Sum("sales", filter=prev_3),
            m3=Count("id", filter=prev_3),
        )
    )
    forecasts = {
        r["business__sector_id"]: r
        for r in LatestScore.objects.filter(
            business__region_id=region, next_3_mean__isnull=False, last_3_mean__gt=0
        )
        .order_by()
        .values("business__sector_id")
        .annotate(next_3=Sum("next_3_mean"), last_3=Sum("last_3_mean"), scored=Count("pk"))
    }
    names = dict(Sector.objects.filter(section__isnull=False).values_list("code", "name"))
    ranking = []
    for r in rows:
        code = r["business__sector_id"]
        if r["businesses"] < MIN_BUSINESSES:
            continue

        def per_month(total, count):
            return float(total) / count if total is not None and count else None

        f = forecasts.get(code)
        ranking.append(
            {
                "sector": code,
                "name": names.get(code, code),
                "businesses": r["businesses"],
                "yoy": _ratio(per_month(r["s12"], r["n12"]), per_month(r["p12"], r["m12"])),
                "momentum": _ratio(per_month(r["s3"], r["n3"]), per_month(r["p3"], r["m3"])),
                "forecast_change": _ratio(f["next_3"], f["last_3"])
                if f and f["scored"] >= MIN_BUSINESSES
                else None,
                "sales_12": float(r["s12"] or 0),
            }
        )
    ranking.sort(key=lambda s: (s["yoy"] is None, -(s["yoy"] or 0)))
    return ranking


def _indicator_series(*, region: str, sector: str, months: list[dt.date]) -> list[float | None]:
    """The sector production index over ``months`` (the region's own series if there is one,
    else the national one), rebased to 100 = the average of its first 12 months there."""
    if not sector or not months:
        return []
    values = dict(
        MarketIndicator.objects.filter(
            name=PRODUCTION_INDEX,
            sector_id=sector,
            period__gte=months[0],
            period__lte=months[-1],
        )
        .filter(Q(region_id=region) | Q(region__isnull=True))
        # The national series (NULL region) first, so the region's own series overrides it.
        .order_by(F("region_id").asc(nulls_first=True))
        .values_list("period", "value")
    )
    base_values = [values[m] for m in months if values.get(m) is not None][:12]
    base = sum(base_values) / len(base_values) if base_values else None
    if not base:
        return []
    return [100 * values[m] / base if values.get(m) is not None else None for m in months]


def market_trends(*, region: str, sector: str = "") -> dict:
    """Everything the market page shows for a region (and optionally one sector division)."""
    version = _data_version()
    digest = hashlib.sha256(repr(version).encode()).hexdigest()[:16]
    key = f"market-trends:{region}:{sector}:{digest}"
    found = cache.get(key)
    if found is not None:
        return found
    last = MonthlyRecord.objects.filter(business__region_id=region).aggregate(m=Max("period"))["m"]
    result = {
        "last": last,
        "series": [],
        "ranking": [],
        "indicator": [],
        "indicator_source": None,
    }
    if last is not None:
        series = _monthly_series(region=region, sector=sector, last=last)
        result.update(
            series=series,
            ranking=_sector_ranking(region=region, last=last),
            indicator=_indicator_series(
                region=region, sector=sector, months=[s["period"] for s in series]
            ),
        )
        if sector and any(v is not None for v in result["indicator"]):
            # where the index comes from and how recent it is (issue 9: data as data)
            result["indicator_source"] = indicator_provenance(
                name=PRODUCTION_INDEX, sector=sector, region=region
            )
    cache.set(key, result, CACHE_SECONDS)
    return result


def market_trend_context(request) -> dict:
    """The market page: the region (and sector) asked for, within the user's regions."""
    regions = trend_regions(request.user)
    codes = {r.code for r in regions}
    region = request.GET.get("region") or (regions[0].code if regions else "")
    if region and region not in codes:
        raise Http404
    sector = request.GET.get("sector", "")
    sectors = list(
        Sector.objects.filter(section__isnull=False).order_by("code").values_list("code", "name")
    )
    if sector and sector not in {code for code, _name in sectors}:
        sector = ""
    trends = market_trends(region=region, sector=sector) if region else {}
    region_obj = next((r for r in regions if r.code == region), None)
    ranking = trends.get("ranking", [])
    selected = next((s for s in ranking if s["sector"] == sector), None)
    return {
        "regions": regions,
        "region": region_obj,
        "sectors": sectors,
        "sector": sector,
        "sector_name": dict(sectors).get(sector, ""),
        "selected": selected,
        "sector_hidden": bool(sector) and selected is None,
        "min_businesses": MIN_BUSINESSES,
        **trends,
    }
