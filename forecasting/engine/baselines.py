"""Naive forecasts of log1p(sales) every model must beat: last value, seasonal naive (the
target's calendar month one year earlier) and the mean of the last 3 observed months.

Each falls back when its input is missing: seasonal naive and mean-of-3 to the last value; the
last value is the latest observed month however old (a business with no month up to the
cut-off gets no row).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecasting.engine import schema
from forecasting.engine.features import Panel, _last_valid, _window, build_panel

BASELINES = ("last_value", "seasonal_naive", "mean_3")


def _mean_last_observed(x: np.ndarray, k: int) -> np.ndarray:
    """Mean of the last ``k`` non-NaN values of each row (fewer if fewer exist)."""
    valid = ~np.isnan(x)
    # rank of each valid value counted from the right: 1 for the latest
    rank = np.cumsum(valid[:, ::-1], axis=1)[:, ::-1]
    take = valid & (rank <= k)
    n = take.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, np.where(take, x, 0).sum(axis=1) / np.maximum(n, 1), np.nan)


def baseline_forecasts(
    records: pd.DataFrame,
    cutoffs: list | pd.DatetimeIndex,
    *,
    horizons: tuple[int, ...] = schema.HORIZONS,
    panel: Panel | None = None,
) -> pd.DataFrame:
    """Baseline predictions of log1p(sales).

    Returns one row per (business, cut-off, horizon) for businesses with a month <= cut-off:
    ``business_id, cutoff, horizon, period`` (the target month) and one column per baseline in
    :data:`BASELINES`.
    """
    if panel is None:
        panel = build_panel(records)
    log = panel.log_sales
    frames = []
    cutoffs = pd.DatetimeIndex(cutoffs)
    for cutoff, c in zip(cutoffs, panel.period_index(cutoffs), strict=True):
        if c < 0 or c >= len(panel.periods):
            continue
        win = _window(log, int(c), 24)
        rows = panel.first_index <= c
        last = _last_valid(win)[0]
        # history older than the window: the latest value anywhere before the cut-off
        older = _last_valid(log[:, : int(c) + 1])[0]
        last = np.where(np.isnan(last), older, last)[rows]
        mean3 = _mean_last_observed(win, 3)[rows]
        mean3 = np.where(np.isnan(mean3), last, mean3)
        for h in horizons:
            seasonal = win[rows, 23 + h - 12]
            frames.append(
                pd.DataFrame(
                    {
                        schema.BUSINESS_ID: panel.business_ids[rows],
                        "cutoff": cutoff,
                        "horizon": h,
                        "period": cutoff + pd.DateOffset(months=h),
                        "last_value": last,
                        "seasonal_naive": np.where(np.isnan(seasonal), last, seasonal),
                        "mean_3": mean3,
                    }
                )
            )
    if not frames:
        return pd.DataFrame(columns=[schema.BUSINESS_ID, "cutoff", "horizon", "period", *BASELINES])
    return pd.concat(frames, ignore_index=True)
