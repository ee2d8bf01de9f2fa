"""Explanations in words an advisor understands.

Feature names come from :func:`features.feature_catalogue` (Spanish first, English second);
this module turns a row of contributions (TreeSHAP values or local deltas) into an ordered list
of drivers, and a global importance list into the same shape.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecasting.engine import reasons
from forecasting.engine.features import feature_catalogue


def label_for(feature: str) -> dict[str, str]:
    """``{"label_es", "label_en", "description"}`` for one feature name."""
    return feature_catalogue([feature])[feature]


def _plain(value: object) -> object:
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        return None if np.isnan(value) else float(value)
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    return value if isinstance(value, (int, str, bool)) else str(value)


def top_drivers(
    contributions: pd.Series,
    values: pd.Series | None = None,
    *,
    top: int = 5,
    min_contribution: float = reasons.MIN_CONTRIBUTION,
) -> list[dict]:
    """The ``top`` reasons of one row: contributions grouped by family
    (:func:`reasons.grouped_reasons`), largest first, none below ``min_contribution``.

    Each item: ``family``, ``feature`` (the column that weighs most in it), ``label_es``,
    ``label_en``, ``value`` (that column's value for this business, JSON-friendly),
    ``contribution`` (the family's sum), ``direction`` ("up" when it pushes the prediction up,
    "down" otherwise), ``features`` and ``facts`` (the values its sentence quotes).
    """
    contrib = contributions.astype(float)
    names = [str(n) for n in contrib.index]

    def value_of(_row: int, column: str) -> object:
        if values is None or column not in values.index:
            return None
        return _plain(values.get(column))

    return reasons.grouped_reasons(
        contrib.to_numpy()[None, :], names, value_of, top=top, min_contribution=min_contribution
    )[0]


def named_importance(importance: list[dict], *, top: int | None = None) -> list[dict]:
    """Global importance (``[{feature, importance, ...}]``) with plain names added."""
    items = importance[:top] if top else importance
    catalogue = feature_catalogue([item["feature"] for item in items])
    return [
        {**item, "label_es": catalogue[item["feature"]]["label_es"],
         "label_en": catalogue[item["feature"]]["label_en"]}
        for item in items
    ]  # fmt: skip
