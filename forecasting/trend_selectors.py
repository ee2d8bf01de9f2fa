"""Market trends of a sector in a region, month by month, for the API.

The figures are those of the business page's "Its market" (forecasting.scoring.snapshot): for each
month ``t`` the year-on-year growth of a matched panel — the businesses with at least
``MIN_MONTHS_FOR_GROWTH`` observed months in both the last 12 months up to ``t`` and the 12
before, their mean monthly sales summed — and the 3-month momentum likewise; at the data's
latest month they equal the page's numbers. Besides, the month's total sales, the same
businesses' sales against the same month a year earlier, and the sector production index.

Trends are aggregates over every business of the registry, not scoped: so a month with fewer
than :data:`MIN_BUSINESSES` businesses in a figure gets null for it, or a partner could read one
business's sales through its sector.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from businesses.market import MIN_BUSINESSES
from businesses.models import MarketIndicator, MonthlyRecord
from forecasting.scoring.snapshot import (
    MIN_MONTHS_FOR_GROWTH,
    MIN_MONTHS_FOR_MOMENTUM,
    PRODUCTION_INDEX,
)


def _window_sums(values: np.ndarray, counts: np.ndarray, width: int, lag: int) -> tuple:
    """Per business and month ``t``: sum and count of observed months in ``t-lag-width+1 ..
    t-lag`` (cumulative sums along the months, so every window costs the same)."""
    n, t = values.shape
    cv = np.concatenate([np.zeros((n, 1)), np.cumsum(values, axis=1)], axis=1)
    cc = np.concatenate([np.zeros((n, 1)), np.cumsum(counts, axis=1)], axis=1)
    end = np.arange(t) - lag + 1  # exclusive end index into the cumulative arrays
    start = end - width
    ok = end >= 1
    e, s = np.clip(end, 0, t), np.clip(start, 0, t)
    sums = np.where(ok, cv[:, e] - cv[:, s], 0.0)
    cnts = np.where(ok, cc[:, e] - cc[:, s], 0.0)
    return sums, cnts


def _matched_growth(values, counts, width: int, need: int) -> tuple[np.ndarray, np.ndarray]:
    """Growth of summed window means (last ``width`` months against the ``width`` before) over
    the businesses with at least ``need`` observed months in both windows, and their count."""
    s_last, c_last = _window_sums(values, counts, width, 0)
    s_prev, c_prev = _window_sums(values, counts, width, width)
    ok = (c_last >= need) & (c_prev >= need)
    with np.errstate(invalid="ignore", divide="ignore"):
        last = np.where(ok, s_last / np.maximum(c_last, 1), 0.0).sum(axis=0)
        prev = np.where(ok, s_prev / np.maximum(c_prev, 1), 0.0).sum(axis=0)
        growth = np.where(prev > 0, last / prev - 1, np.nan)
    return growth, ok.sum(axis=0)


def _num(value) -> float | None:
    return None if value is None or not np.isfinite(value) else float(value)


def _index_series(sector: str, region: str) -> pd.Series:
    """The sector production index of (sector, region), else the sector's national one."""
    rows = MarketIndicator.objects.filter(name=PRODUCTION_INDEX, sector_id=sector)
    for reg in (region, None):
        values = list(rows.filter(region_id=reg).values_list("period", "value"))
        if values:
            return pd.Series(
                [v for _, v in values], index=pd.DatetimeIndex([p for p, _ in values])
            ).sort_index()
    return pd.Series(dtype=float)


def market_trend_list(
    *,
    sector: str,
    region: str = "",
    period_from: dt.date | None = None,
    period_to: dt.date | None = None,
) -> list[dict]:
    """Month-by-month trend rows of ``sector`` in ``region`` (every region of the sector when
    blank), ordered by region then month."""
    qs = MonthlyRecord.objects.filter(business__sector_id=sector)
    if region:
        qs = qs.filter(business__region_id=region)
    frame = pd.DataFrame.from_records(
        list(qs.values_list("business_id", "business__region_id", "period", "sales")),
        columns=["business_id", "region", "period", "sales"],
    )
    if frame.empty:
        return []
    frame["period"] = pd.to_datetime(frame["period"])
    frame["sales"] = frame["sales"].astype(float)
    out: list[dict] = []
    for reg, part in frame.groupby("region", sort=True):
        wide = part.pivot_table(
            index="business_id", columns="period", values="sales", aggfunc="last"
        )
        months = pd.date_range(wide.columns.min(), wide.columns.max(), freq="MS")
        wide = wide.reindex(columns=months)
        sales = wide.to_numpy(dtype=float)
        seen = ~np.isnan(sales)
        values = np.where(seen, sales, 0.0)
        counts = seen.astype(float)
        reporting = seen.sum(axis=0)
        total = values.sum(axis=0)
        lag = np.full_like(sales, np.nan)
        lag[:, 12:] = sales[:, :-12]
        both = seen & ~np.isnan(lag)
        with np.errstate(invalid="ignore", divide="ignore"):
            prev = np.where(both, lag, 0.0).sum(axis=0)
            same_month = np.where(
                prev > 0, np.where(both, sales, 0.0).sum(axis=0) / prev - 1, np.nan
            )
        yoy12, n12 = _matched_growth(values, counts, 12, MIN_MONTHS_FOR_GROWTH)
        mom3, n3 = _matched_growth(values, counts, 3, MIN_MONTHS_FOR_MOMENTUM)
        series = _index_series(sector, str(reg))
        index = series.reindex(months)
        index_ly = series.reindex(months - pd.DateOffset(months=12))
        for j, month in enumerate(months):
            if period_from and month.date() < period_from:
                continue
            if period_to and month.date() > period_to:
                continue
            enough = reporting[j] >= MIN_BUSINESSES
            ly = index_ly.iloc[j]
            out.append(
                {
                    "sector": sector,
                    "region": str(reg),
                    "period": f"{month:%Y-%m}",
                    "businesses_reporting": int(reporting[j]),
                    "sales_total": _num(total[j]) if enough else None,
                    "sales_yoy": _num(same_month[j])
                    if both[:, j].sum() >= MIN_BUSINESSES
                    else None,
                    "yoy_growth_12m": _num(yoy12[j]) if n12[j] >= MIN_BUSINESSES else None,
                    "momentum_3m": _num(mom3[j]) if n3[j] >= MIN_BUSINESSES else None,
                    "businesses_12m": int(n12[j]),
                    "production_index": _num(index.iloc[j]),
                    "production_index_yoy": (
                        _num(index.iloc[j] / ly - 1) if ly and np.isfinite(ly) else None
                    ),
                }
            )
    return out
