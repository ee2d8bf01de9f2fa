"""The TreeSHAP tables give XGBoost's own contributions (float32 rounding apart) on every row,
missing values and values on a threshold included, whatever the depth; a row's contributions do
not depend on the rows served with it; where the tables do not apply, XGBoost answers."""

import numpy as np
import pytest
import xgboost as xgb

from forecasting.engine import treeshap
from forecasting.engine.treeshap import booster_tables, path_tables, tree_contributions


def _data(rng, rows: int, width: int, missing: float = 0.2) -> np.ndarray:
    x = rng.normal(0.0, 2.0, size=(rows, width)).astype(np.float32)
    x[:, 0] = np.round(x[:, 0])  # a few values, many rows on a split's threshold
    x[rng.random(x.shape) < missing] = np.nan
    return x


def _fit(objective: str, depth: int, width: int, seed: int, **params) -> xgb.Booster:
    rng = np.random.default_rng(seed)
    x = _data(rng, 800, width)
    signal = np.nan_to_num(x[:, 0]) - 0.5 * np.nan_to_num(x[:, 1]) * np.nan_to_num(x[:, 2])
    signal = signal + rng.normal(0, 0.5, len(x))
    y = (signal > 0).astype(float) if objective == "binary:logistic" else signal
    params = {"objective": objective, "max_depth": depth, "eta": 0.3, "nthread": 1, "seed": seed,
              **params}  # fmt: skip
    return xgb.train(params, xgb.DMatrix(x, label=y), num_boost_round=40)


CASES = [
    ("binary:logistic", 1, 6),
    ("binary:logistic", 3, 12),
    ("binary:logistic", 6, 12),
    ("binary:logistic", 6, 3),  # few features: the same feature split again along a path
    ("reg:squarederror", 4, 8),
    ("reg:squarederror", 6, 20),
]


@pytest.mark.parametrize(("objective", "depth", "width"), CASES)
def test_the_tables_give_xgboosts_contributions(objective, depth, width):
    booster = _fit(objective, depth, width, seed=depth + width)
    tables = path_tables(booster)
    assert tables is not None
    rng = np.random.default_rng(7)
    x = _data(rng, 300, width, missing=0.3)
    x[:7] = np.nan  # rows with nothing known
    x[7, :] = 0.0
    expected = booster.predict(xgb.DMatrix(x), pred_contribs=True)
    got = tables.contributions(x)
    assert got.shape == expected.shape and got.dtype == np.float32
    np.testing.assert_allclose(got, expected, atol=2e-5, rtol=1e-5)
    # and they add up to the margin, as TreeSHAP's do
    margin = booster.predict(xgb.DMatrix(x), output_margin=True)
    np.testing.assert_allclose(got.sum(axis=1), margin, atol=1e-4)
    assert np.abs(got[:, :-1]).max() > 0.01  # not a vacuous comparison


def test_a_rows_contributions_do_not_depend_on_the_rows_beside_it(monkeypatch):
    booster = _fit("binary:logistic", 5, 10, seed=3)
    tables = path_tables(booster)
    x = _data(np.random.default_rng(2), 257, 10)
    monkeypatch.setattr(treeshap, "_CHUNK_CELLS", 1)  # a chunk per row
    one_by_one = np.vstack([tables.contributions(x[i : i + 1]) for i in range(len(x))])
    monkeypatch.setattr(treeshap, "_CHUNK_CELLS", 10**9)  # every row at once
    np.testing.assert_array_equal(tables.contributions(x), one_by_one)
    monkeypatch.setattr(treeshap, "_CHUNK_CELLS", 5_000)  # chunks of a few rows
    np.testing.assert_array_equal(tables.contributions(x), one_by_one)


def test_where_the_tables_do_not_apply_xgboost_answers():
    rng = np.random.default_rng(4)
    x = _data(rng, 400, 6)
    y = (np.nan_to_num(x[:, 1]) > 0).astype(float)
    deep = _fit("binary:logistic", 9, 12, seed=1)
    dart = xgb.train(
        {"booster": "dart", "objective": "binary:logistic", "nthread": 1, "max_depth": 3},
        xgb.DMatrix(x, label=y),
        num_boost_round=5,
    )
    classes = xgb.train(
        {"objective": "multi:softprob", "num_class": 3, "nthread": 1, "max_depth": 3},
        xgb.DMatrix(x, label=(np.nan_to_num(x[:, 1]) > 0) + (np.nan_to_num(x[:, 2]) > 1)),
        num_boost_round=5,
    )
    for booster, width in ((deep, 12), (dart, 6)):
        assert path_tables(booster) is None
        assert booster_tables(booster) is None
        rows = _data(rng, 20, width)
        expected = booster.predict(xgb.DMatrix(rows), pred_contribs=True)
        np.testing.assert_array_equal(tree_contributions(booster, rows), expected)
    assert path_tables(classes) is None


def test_a_boosters_tables_are_built_once():
    booster = _fit("binary:logistic", 3, 6, seed=5)
    assert booster_tables(booster) is booster_tables(booster)
