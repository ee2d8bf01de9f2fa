"""The local-level Kalman filter gives the same numbers to the bit row by row (a request's few
businesses) as vectorised over many rows (a scoring chunk)."""

import numpy as np
import pytest

from forecasting.engine import features
from forecasting.engine.features import SCALAR_KALMAN_ROWS, _local_level


@pytest.mark.parametrize("seed", range(5))
def test_row_by_row_and_vectorised_agree_to_the_bit(seed):
    rng = np.random.default_rng(seed)
    rows = 4 * SCALAR_KALMAN_ROWS
    y = rng.normal(5.0, 1.5, size=(rows, 36))
    y[rng.random(y.shape) < 0.3] = np.nan  # skipped months
    y[0] = np.nan  # a business with no observation at all
    y[1, :-1], y[1, -1] = np.nan, 4.0  # observed in the last month only
    y[2, 20:] = np.nan  # silent since month 20
    noise = rng.uniform(0.005, 1.0, size=rows)
    whole_level, whole_var = _local_level(y, noise, 0.02)  # vectorised
    for start in range(0, rows, SCALAR_KALMAN_ROWS):
        part = slice(start, start + SCALAR_KALMAN_ROWS)
        level, var = _local_level(y[part], noise[part], 0.02)  # row by row
        np.testing.assert_array_equal(level, whole_level[part])
        np.testing.assert_array_equal(var, whole_var[part])
    assert np.isnan(whole_level[0]) and np.isnan(whole_var[0])
    assert whole_level[1] == y[1, -1]


def test_few_rows_take_the_row_by_row_path(monkeypatch):
    calls = []
    rows_path = features._local_level_rows
    monkeypatch.setattr(
        features, "_local_level_rows", lambda *a: calls.append(len(a[0])) or rows_path(*a)
    )
    y = np.ones((SCALAR_KALMAN_ROWS + 1, 12))
    _local_level(y[:1], np.full(1, 0.1), 0.02)
    _local_level(y, np.full(len(y), 0.1), 0.02)
    assert calls == [1]
