"""The level-by-level tree walk gives XGBoost's own margins to the bit, on every row, missing
values included; where its layout does not apply it steps aside."""

import numpy as np
import pytest
import xgboost as xgb

from forecasting.engine.serving import fused_booster
from forecasting.engine.treewalk import MAX_DEPTH, level_forest


def _data(rng, rows: int, width: int, missing: float = 0.2):
    x = rng.normal(0.0, 2.0, size=(rows, width)).astype(np.float32)
    x[rng.random(x.shape) < missing] = np.nan
    return x


def _fit(objective: str, depth: int, seed: int, width: int = 12) -> xgb.Booster:
    rng = np.random.default_rng(seed)
    x = _data(rng, 600, width)
    signal = np.nan_to_num(x[:, 0]) - 0.5 * np.nan_to_num(x[:, 1]) + rng.normal(0, 0.5, 600)
    y = {
        "reg:squarederror": signal,
        "reg:tweedie": np.exp(signal / 3),
        "binary:logistic": (signal > 0).astype(float),
    }[objective]
    params = {"objective": objective, "max_depth": depth, "eta": 0.3, "nthread": 1, "seed": seed}
    return xgb.train(params, xgb.DMatrix(x, label=y), num_boost_round=25)


@pytest.fixture(scope="module")
def fused():
    rng = np.random.default_rng(1)
    width = 20
    parts = [
        (_fit(objective, depth, seed), rng.choice(width, 12, replace=False))
        for seed, (objective, depth) in enumerate(
            [("reg:squarederror", 6), ("reg:tweedie", 5), ("binary:logistic", 3),
             ("reg:squarederror", 1)]
        )
    ]  # fmt: skip
    booster, _links = fused_booster(parts, width)
    return booster, width


@pytest.mark.parametrize("rows", [1, 2, 5, 8, 33])
def test_the_walk_gives_xgboosts_margins_to_the_bit(fused, rows):
    booster, width = fused
    forest = level_forest(booster)
    assert forest is not None and forest.depth == 6
    rng = np.random.default_rng(rows)
    for missing in (0.0, 0.3, 1.0):
        x = _data(rng, rows, width, missing)
        x[0, :3] = [np.inf, -np.inf, 0.0]  # the extremes go where XGBoost sends them
        expected = booster.inplace_predict(x, predict_type="margin")
        got = forest.margins(x)
        assert got.dtype == np.float32 and got.shape == expected.shape
        np.testing.assert_array_equal(got, expected)


def test_a_value_on_a_threshold_goes_right_as_in_xgboost(fused):
    booster, width = fused
    forest = level_forest(booster)
    x = np.zeros((1, width), dtype=np.float32)
    feature, threshold = forest.features[0][0], forest.thresholds[0][0]
    x[0, feature] = threshold  # not below the threshold: the right branch
    np.testing.assert_array_equal(
        forest.margins(x), booster.inplace_predict(x, predict_type="margin")
    )


def test_the_layout_steps_aside_where_it_does_not_apply():
    deep = _fit("reg:squarederror", MAX_DEPTH + 3, seed=3)
    assert level_forest(deep) is None  # 2**depth slots per tree: left to XGBoost
    logistic = _fit("binary:logistic", 3, seed=4)
    assert level_forest(logistic) is None  # its base score is not its margin
    linear = xgb.train(
        {"booster": "gblinear", "nthread": 1},
        xgb.DMatrix(np.ones((10, 2)), label=np.arange(10.0)),
        num_boost_round=2,
    )
    assert level_forest(linear) is None
