"""Market trends for the API and the aggregate forecasts for the market page.

The market figures themselves are defined and computed in :mod:`businesses.market` (one
definition for every surface: a matched panel, see there); this module shapes them for
``GET /api/v1/market-trends/`` and adds what belongs to forecasting: each sector's aggregate
forecast change, from the businesses' latest scores.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Sum

from businesses.market import MIN_BUSINESSES, sector_trend_rows
from forecasting.models import LatestScore


def market_trend_list(
    *,
    sector: str,
    region: str = "",
    period_from: dt.date | None = None,
    period_to: dt.date | None = None,
) -> list[dict]:
    """Month-by-month trend rows of ``sector`` in ``region`` (every region of the sector when
    blank), ordered by region then month; figures over fewer than ``MIN_BUSINESSES``
    businesses are None."""
    return [
        {**row, "period": f"{row['period']:%Y-%m}"}
        for row in sector_trend_rows(sector=sector, region=region)
        if not (period_from and row["period"] < period_from)
        and not (period_to and row["period"] > period_to)
    ]


def sector_forecast_changes(region: str) -> dict[str, float | None]:
    """Per sector of ``region``: the sum of its businesses' expected sales for the next 3
    months against the sum of their last 3 months, minus 1 (sums of expected values, which add
    up); None below ``MIN_BUSINESSES`` scored businesses. One query."""
    rows = (
        LatestScore.objects.filter(
            business__region_id=region, next_3_mean__isnull=False, last_3_mean__gt=0
        )
        .order_by()
        .values("business__sector_id")
        .annotate(next_3=Sum("next_3_mean"), last_3=Sum("last_3_mean"), scored=Count("pk"))
    )
    return {
        r["business__sector_id"]: float(r["next_3"]) / float(r["last_3"]) - 1
        if r["scored"] >= MIN_BUSINESSES and r["last_3"]
        else None
        for r in rows
    }
