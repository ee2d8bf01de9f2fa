"""The growth-opportunity label (DESIGN.md): next 12 months' sales exceed the last 12 months'
sales by at least ``rate`` (10 % by default).

Months without a record are unknown, not zero, so each 12-month window is compared through its
mean over the months actually observed; a window needs at least ``min_months`` observed months,
otherwise the label is unknown (NaN) and the business-cut-off pair is left out of training.

Months outside the data are unknown too: a past window reaching back before the first month is
read over the months it has. A future window running past the last month is, by default, not
labelled (the 12 months are not all in yet); with ``partial=True`` it is read over the months it
has, like any window with unknown months — what a short registry (13 to 24 months) can be
trained and measured on, at the cost of comparing a part of next year with the last year.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecasting.engine import schema

WINDOW = 12
MIN_MONTHS = 6


def growth_labels_from_matrix(
    sales: np.ndarray,
    cutoff_index: int,
    *,
    rate: float = schema.DEFAULT_GROWTH_RATE,
    min_months: int = MIN_MONTHS,
    partial: bool = False,
) -> np.ndarray:
    """Label every row of a (businesses x months) sales matrix at one cut-off.

    ``sales`` holds NaN for unknown months. ``cutoff_index`` is the column of the last month
    known at the cut-off: the past window is columns ``cutoff_index-11 .. cutoff_index``, the
    future window ``cutoff_index+1 .. cutoff_index+12``. Returns 1.0 (growth), 0.0 (no growth) or
    NaN (either window has fewer than ``min_months`` observed months, or the future window runs
    past the matrix and ``partial`` is False).
    """
    n, t = sales.shape
    out = np.full(n, np.nan)
    if cutoff_index < 0 or cutoff_index + (min_months if partial else WINDOW) >= t:
        return out
    past = sales[:, max(0, cutoff_index - WINDOW + 1) : cutoff_index + 1]
    future = sales[:, cutoff_index + 1 : cutoff_index + 1 + WINDOW]
    return _label(past, future, rate=rate, min_months=min_months)


def _label(past: np.ndarray, future: np.ndarray, *, rate: float, min_months: int) -> np.ndarray:
    past_n = np.sum(~np.isnan(past), axis=-1)
    future_n = np.sum(~np.isnan(future), axis=-1)
    with np.errstate(invalid="ignore"):
        past_mean = np.nansum(past, axis=-1) / np.maximum(past_n, 1)
        future_mean = np.nansum(future, axis=-1) / np.maximum(future_n, 1)
    # A business that sold nothing last year grows if it sells anything next year.
    grows = np.where(past_mean > 0, future_mean >= (1.0 + rate) * past_mean, future_mean > 0)
    label = grows.astype(float)
    label[(past_n < min_months) | (future_n < min_months)] = np.nan
    return label


def growth_labels_from_windows(
    past: np.ndarray,
    future: np.ndarray,
    *,
    rate: float = schema.DEFAULT_GROWTH_RATE,
    min_months: int = MIN_MONTHS,
) -> np.ndarray:
    """Label from explicit windows: ``past`` and ``future`` are (..., 12) arrays with NaN for
    unknown months (the oracle uses this on simulated futures of shape (draws, businesses, 12))."""
    return _label(past, future, rate=rate, min_months=min_months)


def growth_labels(
    records: pd.DataFrame,
    cutoffs: list[pd.Timestamp] | pd.DatetimeIndex,
    *,
    rate: float = schema.DEFAULT_GROWTH_RATE,
    min_months: int = MIN_MONTHS,
    partial: bool = False,
) -> pd.DataFrame:
    """Labels for every business at every cut-off, from a long ``records`` frame (``partial``:
    see :func:`growth_labels_from_matrix`).

    Returns a DataFrame with columns ``business_id``, ``cutoff``, ``label`` (1.0, 0.0 or NaN).
    """
    wide = records.pivot_table(
        index=schema.BUSINESS_ID, columns=schema.PERIOD, values=schema.SALES, aggfunc="last"
    )
    periods = pd.date_range(wide.columns.min(), wide.columns.max(), freq="MS")
    wide = wide.reindex(columns=periods)
    matrix = wide.to_numpy(dtype=float)
    frames = []
    for cutoff in pd.DatetimeIndex(cutoffs):
        idx = periods.get_indexer([cutoff])[0]
        labels = growth_labels_from_matrix(
            matrix, idx, rate=rate, min_months=min_months, partial=partial
        )
        frames.append(
            pd.DataFrame({schema.BUSINESS_ID: wide.index, "cutoff": cutoff, "label": labels})
        )
    return pd.concat(frames, ignore_index=True)


def future_months_inside(n_months: int, cutoff_index: int) -> int:
    """How many of the 12 future months of a cut-off lie inside a panel of ``n_months``."""
    return int(max(0, min(WINDOW, n_months - 1 - cutoff_index)))
