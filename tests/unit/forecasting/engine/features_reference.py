"""The feature cases held by ``data/features_reference.npz``: built by the feature code before its
static attributes and group codes left pandas (the arrays-only path), and compared with what
the code builds now by ``test_features_reference.py``.

Run from the repository root to write the file again (only when a feature's definition changes
on purpose: the file is the record of the numbers before):
``.venv/bin/python -m tests.unit.forecasting.engine.features_reference``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from forecasting.engine import schema
from forecasting.engine.features import (
    CATEGORICAL_COLUMNS,
    build_features,
    build_panel,
    feature_columns,
    group_statistics,
)
from forecasting.engine.synthetic import generate_panel

PATH = Path(__file__).parent / "data" / "features_reference.npz"
HORIZONS = (1, 3, 6)


def panel_for_reference():
    """90 businesses x 40 months, some without a sector or region or founding month, one
    without any attribute row, the businesses frame shuffled with a duplicated row."""
    toy = generate_panel(90, 40, seed=11)
    businesses = toy.businesses.copy()
    businesses.loc[[3, 17], schema.SECTOR_DIVISION] = None
    businesses.loc[[5, 17], schema.REGION_CODE] = None
    businesses.loc[[8], schema.SECTOR_SECTION] = None
    businesses.loc[[9, 10], schema.FOUNDED] = pd.NaT
    businesses = businesses[businesses[schema.BUSINESS_ID] != 21]  # no attributes at all
    businesses = pd.concat([businesses, businesses.iloc[[4]]]).sample(frac=1.0, random_state=2)
    return toy, businesses


def cases() -> dict[str, dict[str, np.ndarray]]:
    """Each case's columns (``{name: values}``; categorical ones as text, ``""`` for none)."""
    toy, businesses = panel_for_reference()
    cutoffs = [toy.periods[-1], toy.periods[-8]]
    out = {}
    frame = build_features(toy.records, businesses, toy.indicators, cutoffs, horizons=HORIZONS)
    out["build_features"] = {c: frame[c].to_numpy() for c in frame.columns if c != "cutoff"}
    cutoff = toy.periods[-1]
    stats = group_statistics(toy.records, businesses, cutoff, horizons=HORIZONS)
    ids = np.sort(toy.records[schema.BUSINESS_ID].unique())
    for name, chosen in (("one", ids[[7]]), ("few", ids[[3, 5, 17, 21, 40]])):
        records = toy.records[toy.records[schema.BUSINESS_ID].isin(chosen)]
        static = businesses[businesses[schema.BUSINESS_ID].isin(chosen)]
        static = static.drop_duplicates(schema.BUSINESS_ID).sort_values(schema.BUSINESS_ID)
        first = records[schema.PERIOD].min()
        panel = build_panel(records, periods=pd.date_range(first, cutoff, freq="MS"))
        out[f"columns_{name}"] = feature_columns(
            panel, static, cutoff, horizons=HORIZONS, group_stats=stats
        )
        part = build_features(
            records, static, None, [cutoff], horizons=HORIZONS, panel=panel, group_stats=stats
        )
        out[f"frame_{name}"] = {c: part[c].to_numpy() for c in part.columns if c != "cutoff"}
    return {case: {c: _plain(c, v) for c, v in columns.items()} for case, columns in out.items()}


def _plain(column: str, values) -> np.ndarray:
    if column in CATEGORICAL_COLUMNS:
        return np.array(["" if pd.isna(v) else str(v) for v in values], dtype=str)
    return np.asarray(values, dtype=float)


if __name__ == "__main__":
    arrays = {f"{case}/{c}": v for case, columns in cases().items() for c, v in columns.items()}
    np.savez_compressed(PATH, **arrays)
    print(f"{PATH}: {len(arrays)} arrays, {PATH.stat().st_size} bytes")
