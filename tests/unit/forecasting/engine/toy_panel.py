"""A small, fast panel generator for the engine's unit tests (not product code).

It follows the schema and has what the engine must cope with: sector seasonality, a market
index that moves sales, drivers of growth, missing months, short and intermittent series,
sales-only businesses and a few entry errors. It also returns the true expected log sales so
tests can compare against an oracle-like reference.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecasting.engine import schema


@dataclass
class ToyPanel:
    businesses: pd.DataFrame
    records: pd.DataFrame
    indicators: pd.DataFrame
    periods: pd.DatetimeIndex
    expected_log: np.ndarray  # (n, T) true expected log1p(sales)


def make_toy_panel(n: int = 400, months: int = 48, seed: int = 0) -> ToyPanel:
    """Generate ``n`` businesses over ``months`` months starting 2021-01."""
    rng = np.random.default_rng(seed)
    periods = pd.date_range("2021-01-01", periods=months, freq="MS")
    divisions = np.array(["10", "47", "56", "14", "62"])
    sections = {"10": "C", "47": "G", "56": "I", "14": "C", "62": "J"}
    regions = np.array(["15", "04", "13", "20", "07"])
    div = rng.choice(divisions, n)
    reg = rng.choice(regions, n)
    month = np.arange(months) % 12
    season = {d: 0.3 * np.sin(2 * np.pi * (month + i) / 12) for i, d in enumerate(divisions)}
    market = {d: np.cumsum(rng.normal(0, 0.02, months)) for d in divisions}
    level = rng.normal(8.5, 1.0, n)
    satisfaction_base = rng.integers(0, 3, n).astype(float)
    margin_base = rng.uniform(0.05, 0.4, n)
    trend = 0.01 * (satisfaction_base - 1) + 0.05 * (margin_base - 0.2) + rng.normal(0, 0.008, n)
    t = np.arange(months)
    s = np.stack([season[d] for d in div])
    m = np.stack([market[d] for d in div])
    ar = np.zeros((n, months))
    for j in range(1, months):
        ar[:, j] = 0.6 * ar[:, j - 1] + rng.normal(0, 0.12, n)
    expected = level[:, None] + trend[:, None] * t + s + m + ar
    noise = rng.normal(0, 0.2, (n, months))
    log_sales = expected + noise
    sales = np.expm1(np.maximum(log_sales, 0))
    # intermittent businesses: 15 % with zero months
    inter = rng.random(n) < 0.15
    sales[inter] *= rng.random((inter.sum(), months)) > 0.35
    # start dates: 20 % short series
    start = np.where(rng.random(n) < 0.2, rng.integers(months - 10, months - 2, n), 0)
    start = np.where(rng.random(n) < 0.3, rng.integers(0, months // 2, n), start)
    observed = (t[None, :] >= start[:, None]) & (rng.random((n, months)) > 0.05)
    # entry errors
    err = rng.random((n, months)) < 0.003
    sales = np.where(err, sales * 100, sales)
    sales_only = rng.random(n) < 0.3
    costs = sales * (1 - margin_base[:, None]) * rng.uniform(0.9, 1.1, (n, months))
    costs[sales_only] = np.nan
    emp = np.round(np.exp(level - 6))[:, None] + np.zeros(months)
    emp[sales_only] = np.nan
    sat = np.clip(satisfaction_base[:, None] + rng.integers(-1, 2, (n, months)), 0, 2).astype(float)
    sat[sales_only] = np.nan
    b_idx, p_idx = np.nonzero(observed)
    records = pd.DataFrame(
        {
            schema.BUSINESS_ID: (b_idx + 1).astype(np.int64),
            schema.PERIOD: periods[p_idx],
            schema.SALES: np.round(sales[b_idx, p_idx], 2),
            schema.COSTS: costs[b_idx, p_idx],
            schema.EMPLOYEES: emp[b_idx, p_idx],
            schema.SATISFACTION: sat[b_idx, p_idx],
        }
    )
    founded = pd.to_datetime("2010-01-01") + pd.to_timedelta(rng.integers(0, 3650, n), unit="D")
    businesses = pd.DataFrame(
        {
            schema.BUSINESS_ID: np.arange(1, n + 1, dtype=np.int64),
            schema.SECTOR_SECTION: [sections[d] for d in div],
            schema.SECTOR_DIVISION: div,
            schema.REGION_CODE: reg,
            schema.FOUNDED: founded.to_period("M").to_timestamp(),
            schema.WOMEN_LED: rng.random(n) < 0.4,
            schema.SELLS_ONLINE: rng.random(n) < 0.3,
        }
    )
    ind_rows = []
    for d in divisions:
        for j, p in enumerate(periods):
            ind_rows.append((d, None, p, "sector_production_index", 100 * np.exp(market[d][j])))
    for j, p in enumerate(periods):
        ind_rows.append((None, None, p, "cpi", 100 + j * 0.3))
    indicators = pd.DataFrame(ind_rows, columns=schema.INDICATOR_COLUMNS)
    return ToyPanel(businesses, records, indicators, periods, expected)
