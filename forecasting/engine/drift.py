"""Data drift: how far the features of the latest month have moved from the training data.

At training time each estimator summarises its training frame per feature
(:func:`reference_distribution`): numeric features by the shares of rows falling between their
deciles, categorical ones by the share of each level, both with the share of missing values as
one more bin. Later, :func:`feature_psi` puts the latest month's features into the same bins and
compares the shares with the population stability index

    PSI = sum over bins of (actual - expected) * ln(actual / expected)

The usual reading: below 0.1 no meaningful shift, 0.1–0.25 a moderate shift worth watching,
above 0.25 a major shift (retrain, or look at the data). Plain NumPy/pandas: no Django here.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

DEFAULT_BINS = 10
# Shares are floored at this before the logarithm, so an empty bin gives a large, finite PSI.
EPSILON = 1e-4
# Quantiles of more rows than this are taken on a fixed random sample (same answer, less time).
MAX_ROWS = 100_000
MODERATE, MAJOR = 0.1, 0.25


def _is_categorical(series: pd.Series) -> bool:
    return not (pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series))


def population_stability_index(
    expected: Sequence[float], actual: Sequence[float], *, epsilon: float = EPSILON
) -> float:
    """PSI between two distributions over the same bins (each a list of shares).

    Shares are renormalised and floored at ``epsilon``; identical distributions give 0, and the
    index is symmetric in its two arguments.
    """
    e = np.asarray(expected, dtype=float)
    a = np.asarray(actual, dtype=float)
    if e.shape != a.shape or e.ndim != 1 or not len(e):
        raise ValueError(
            f"PSI needs two share vectors of the same length, got {e.shape}, {a.shape}"
        )
    if e.sum() <= 0 or a.sum() <= 0:
        raise ValueError("PSI needs non-empty distributions")
    e = np.clip(e / e.sum(), epsilon, None)
    a = np.clip(a / a.sum(), epsilon, None)
    return float(np.sum((a - e) * np.log(a / e)))


def _numeric_shares(values: np.ndarray, edges: list[float]) -> list[float]:
    """Shares of ``values`` in (-inf, e1], (e1, e2], …, (ek, inf), then the missing share."""
    n = len(values)
    if not n:
        return [0.0] * (len(edges) + 2)
    missing = np.isnan(values)
    present = values[~missing]
    idx = np.searchsorted(np.asarray(edges, dtype=float), present, side="left")
    counts = np.bincount(idx, minlength=len(edges) + 1).astype(float)
    return [*(counts / n).tolist(), float(missing.sum() / n)]


def _categorical_shares(values: pd.Series, levels: list[str]) -> list[float]:
    """Shares of each known level, then of unseen levels, then of missing values."""
    n = len(values)
    if not n:
        return [0.0] * (len(levels) + 2)
    missing = values.isna().to_numpy()
    text = values[~missing].astype(str)
    counts = text.value_counts()
    known = [float(counts.get(level, 0)) for level in levels]
    unseen = float(len(text) - sum(known))
    return [*(c / n for c in known), unseen / n, float(missing.sum() / n)]


def reference_distribution(
    frame: pd.DataFrame,
    columns: Iterable[str],
    *,
    bins: int = DEFAULT_BINS,
    max_rows: int = MAX_ROWS,
    seed: int = 0,
) -> dict[str, dict]:
    """Per feature, the bins and the training shares :func:`feature_psi` compares against.

    Numeric: ``{"type": "numeric", "edges": [...deciles...], "shares": [...]}`` (one share per
    bin between edges, plus the missing share). Categorical: ``{"type": "categorical",
    "levels": [...], "shares": [...]}`` (each level, unseen levels, missing). JSON-ready.
    """
    rows = None
    if len(frame) > max_rows:
        rows = np.sort(np.random.default_rng(seed).choice(len(frame), max_rows, replace=False))
    out: dict[str, dict] = {}
    for col in columns:
        if col not in frame.columns:
            continue
        series = frame[col]
        if rows is not None:  # one column at a time: no copy of the whole frame
            series = series.take(rows)
        if _is_categorical(series):
            levels = sorted(series.dropna().astype(str).unique().tolist())
            out[col] = {
                "type": "categorical",
                "levels": levels,
                "shares": _categorical_shares(series, levels),
            }
            continue
        values = series.to_numpy(dtype=float)
        present = values[~np.isnan(values)]
        if len(present):
            qs = np.quantile(present, np.linspace(0, 1, bins + 1)[1:-1])
            edges = sorted({float(q) for q in qs if math.isfinite(q)})
        else:
            edges = []
        out[col] = {"type": "numeric", "edges": edges, "shares": _numeric_shares(values, edges)}
    return out


def shares_like(reference: dict, series: pd.Series) -> list[float]:
    """The shares of ``series`` in the bins of one feature's ``reference``."""
    if reference["type"] == "categorical":
        return _categorical_shares(series, reference["levels"])
    values = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float)
    return _numeric_shares(values, reference["edges"])


def feature_psi(reference: dict[str, dict], frame: pd.DataFrame) -> dict[str, float]:
    """PSI of every referenced feature present in ``frame`` (e.g. the latest month's rows)."""
    out: dict[str, float] = {}
    if frame.empty:
        return out
    for col, ref in reference.items():
        if col in frame.columns:
            out[col] = population_stability_index(ref["shares"], shares_like(ref, frame[col]))
    return out
