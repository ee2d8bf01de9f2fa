"""Group statistics let a part of the panel get the features the whole panel would give it:
what bulk scoring relies on to featurise chunk by chunk."""

import numpy as np
import pandas as pd

from forecasting.engine import schema
from forecasting.engine.features import (
    GroupStats,
    build_features,
    build_panel,
    group_statistics,
)
from forecasting.engine.synthetic import generate_panel


def _parts(panel, n_parts: int):
    ids = np.sort(panel.records[schema.BUSINESS_ID].unique())
    for part in np.array_split(ids, n_parts):
        yield (
            panel.records[panel.records[schema.BUSINESS_ID].isin(part)],
            panel.businesses[panel.businesses[schema.BUSINESS_ID].isin(part)],
        )


def test_chunked_features_with_group_statistics_equal_the_whole_panels():
    toy = generate_panel(600, 40, seed=5)
    cutoff = toy.periods[-1]
    whole = build_features(toy.records, toy.businesses, toy.indicators, [cutoff])
    stats = GroupStats()
    for records, businesses in _parts(toy, 4):
        part = group_statistics(records, businesses, cutoff)
        stats.merge(GroupStats.from_json(part.to_json()))  # as stored between tasks
    pieces = []
    for records, businesses in _parts(toy, 4):
        periods = pd.date_range(records[schema.PERIOD].min(), cutoff, freq="MS")
        panel = build_panel(records, periods=periods)
        pieces.append(
            build_features(
                records, businesses, toy.indicators, [cutoff], panel=panel, group_stats=stats
            )
        )
    chunked = pd.concat(pieces).sort_values(schema.BUSINESS_ID, ignore_index=True)
    whole = whole.sort_values(schema.BUSINESS_ID, ignore_index=True)
    assert list(chunked[schema.BUSINESS_ID]) == list(whole[schema.BUSINESS_ID])
    numeric = [c for c in whole.columns if whole[c].dtype.kind == "f"]
    group_columns = [c for c in numeric if c.startswith(("sector_", "region_", "log_sales_vs_"))]
    assert group_columns  # the columns that differ without the statistics are compared
    for col in numeric:
        np.testing.assert_allclose(chunked[col], whole[col], rtol=1e-9, atol=1e-9, err_msg=col)


def test_without_group_statistics_a_part_averages_only_itself():
    toy = generate_panel(600, 40, seed=5)
    cutoff = toy.periods[-1]
    whole = build_features(toy.records, toy.businesses, None, [cutoff])
    records, businesses = next(_parts(toy, 4))
    alone = build_features(records, businesses, None, [cutoff])
    merged = alone.merge(whole, on=schema.BUSINESS_ID, suffixes=("", "_whole"))
    assert not np.allclose(merged["sector_growth_12m"], merged["sector_growth_12m_whole"])


def test_several_statistics_at_once_are_each_ones_own_to_the_bit():
    toy = generate_panel(300, 40, seed=9)
    cutoff = toy.periods[-1]
    stats = group_statistics(toy.records, toy.businesses, cutoff)
    names = tuple(f"season_{p}" for p in range(12))
    labels = np.array(
        sorted({k for (s, g), part in stats.table.items() if g == "sector" for k in part})
    )
    codes = np.array([0, 1, -1, len(labels) - 1, 2, 0])  # a row without a sector among them
    cells = stats.positions(
        "sector", np.append(labels, "no-such-sector"), np.append(codes, len(labels))
    )
    rng = np.random.default_rng(1)
    prior = rng.normal(size=(len(cells), len(names)))
    prior[rng.random(prior.shape) < 0.3] = np.nan
    for given in (None, prior):
        together = stats.means_at(names, "sector", cells, prior=given)
        for j, name in enumerate(names):
            alone = stats.mean_at(
                name, "sector", cells, prior=None if given is None else given[:, j]
            )
            np.testing.assert_array_equal(together[:, j], alone, err_msg=name)
