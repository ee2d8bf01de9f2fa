"""Forecast and classification metrics used by the evaluation.

Point metrics on the log scale take ``log1p(sales)`` arrays; WAPE and the soles RMSE take
soles. Every function ignores pairs where either side is NaN and returns NaN when nothing is
left, so a metric never raises on an empty segment.
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score


def _pairs(*arrays: np.ndarray) -> list[np.ndarray]:
    arrs = [np.asarray(a, dtype=float) for a in arrays]
    ok = np.ones(len(arrs[0]), dtype=bool)
    for a in arrs:
        ok &= ~np.isnan(a)
    return [a[ok] for a in arrs]


def rmse(actual: np.ndarray, predicted: np.ndarray) -> float:
    """Root mean squared error."""
    a, p = _pairs(actual, predicted)
    return float(np.sqrt(np.mean((a - p) ** 2))) if len(a) else float("nan")


def mae(actual: np.ndarray, predicted: np.ndarray) -> float:
    """Mean absolute error."""
    a, p = _pairs(actual, predicted)
    return float(np.mean(np.abs(a - p))) if len(a) else float("nan")


def wape(actual_soles: np.ndarray, predicted_soles: np.ndarray) -> float:
    """Weighted absolute percentage error: sum |actual - predicted| / sum |actual| (soles)."""
    a, p = _pairs(actual_soles, predicted_soles)
    denom = np.sum(np.abs(a))
    return float(np.sum(np.abs(a - p)) / denom) if denom > 0 else float("nan")


def mase(actual: np.ndarray, predicted: np.ndarray, seasonal_naive: np.ndarray) -> float:
    """MAE of the forecast divided by the MAE of the seasonal-naive forecast on the same rows
    (a relative MAE; below 1 beats seasonal naive)."""
    a, p, s = _pairs(actual, predicted, seasonal_naive)
    denom = np.mean(np.abs(a - s)) if len(a) else 0.0
    return float(np.mean(np.abs(a - p)) / denom) if denom > 0 else float("nan")


def coverage(actual: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> float:
    """Share of actual values inside [lower, upper]."""
    a, lo, hi = _pairs(actual, lower, upper)
    return float(np.mean((a >= lo) & (a <= hi))) if len(a) else float("nan")


def roc_auc(labels: np.ndarray, scores: np.ndarray) -> float:
    """ROC-AUC (NaN when only one class is present)."""
    y, s = _pairs(labels, scores)
    return float(roc_auc_score(y, s)) if len(np.unique(y)) == 2 else float("nan")


def pr_auc(labels: np.ndarray, scores: np.ndarray) -> float:
    """Average precision (area under the precision-recall curve)."""
    y, s = _pairs(labels, scores)
    return float(average_precision_score(y, s)) if len(np.unique(y)) == 2 else float("nan")


def brier(labels: np.ndarray, probabilities: np.ndarray) -> float:
    """Brier score: mean squared difference between probability and outcome."""
    y, p = _pairs(labels, probabilities)
    return float(np.mean((p - y) ** 2)) if len(y) else float("nan")


def brier_base_rate(labels: np.ndarray, train_rate: float | None = None) -> float:
    """Brier score of always predicting the base rate (``train_rate``, or the labels' own)."""
    (y,) = _pairs(labels)
    if not len(y):
        return float("nan")
    rate = float(np.mean(y)) if train_rate is None else train_rate
    return float(np.mean((rate - y) ** 2))


def calibration_table(
    labels: np.ndarray, probabilities: np.ndarray, *, bins: int = 10
) -> list[dict[str, float]]:
    """Reliability table over equal-width probability bins (empty bins left out):
    ``[{"bin_lower", "bin_upper", "count", "mean_predicted", "observed_rate"}]``."""
    y, p = _pairs(labels, probabilities)
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(p, edges[1:-1]), 0, bins - 1)
    table = []
    for b in range(bins):
        sel = which == b
        if not sel.any():
            continue
        table.append(
            {
                "bin_lower": float(edges[b]),
                "bin_upper": float(edges[b + 1]),
                "count": int(sel.sum()),
                "mean_predicted": float(p[sel].mean()),
                "observed_rate": float(y[sel].mean()),
            }
        )
    return table


def expected_calibration_error(
    labels: np.ndarray, probabilities: np.ndarray, *, bins: int = 10
) -> float:
    """Expected calibration error over ``bins`` equal-width probability bins: the sum over bins
    of (share of rows) x |observed rate - mean probability| (the real-data peers' definition)."""
    table = calibration_table(labels, probabilities, bins=bins)
    total = sum(row["count"] for row in table)
    if not total:
        return float("nan")
    return float(
        sum(
            row["count"] / total * abs(row["observed_rate"] - row["mean_predicted"])
            for row in table
        )
    )
