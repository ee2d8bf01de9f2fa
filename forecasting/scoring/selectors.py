"""Reading the current scores (:class:`~forecasting.models.LatestScore`) in aggregate."""

from __future__ import annotations

from django.db.models import Count, Sum

from businesses.market import MIN_BUSINESSES
from forecasting.models import LatestScore


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
