"""Explanations in words an advisor understands.

Feature names come from :func:`features.feature_catalogue` (Spanish first, English second);
this module turns a row of contributions (TreeSHAP values or local deltas) into an ordered list
of drivers, and a global importance list into the same shape.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

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
    contributions: pd.Series, values: pd.Series | None = None, *, top: int = 5
) -> list[dict]:
    """The ``top`` features with the largest absolute contribution, largest first.

    Each item: ``feature``, ``label_es``, ``label_en``, ``value`` (the feature's value for this
    business, JSON-friendly), ``contribution`` (float) and ``direction`` ("up" when it pushes the
    prediction up, "down" otherwise). Zero contributions are left out.
    """
    contrib = contributions.astype(float)
    contrib = contrib[contrib.abs() > 0]
    order = contrib.abs().sort_values(ascending=False).index[:top]
    catalogue = feature_catalogue(list(order))
    out = []
    for name in order:
        value = values.get(name) if values is not None else None
        out.append(
            {
                "feature": str(name),
                "label_es": catalogue[str(name)]["label_es"],
                "label_en": catalogue[str(name)]["label_en"],
                "value": _plain(value),
                "contribution": float(contrib[name]),
                "direction": "up" if contrib[name] > 0 else "down",
            }
        )
    return out


def named_importance(importance: list[dict], *, top: int | None = None) -> list[dict]:
    """Global importance (``[{feature, importance, ...}]``) with plain names added."""
    items = importance[:top] if top else importance
    catalogue = feature_catalogue([item["feature"] for item in items])
    return [
        {**item, "label_es": catalogue[item["feature"]]["label_es"],
         "label_en": catalogue[item["feature"]]["label_en"]}
        for item in items
    ]  # fmt: skip
