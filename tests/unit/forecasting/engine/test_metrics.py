"""Metrics: known values, NaN handling and the calibration table."""

import numpy as np
import pytest

from forecasting.engine import metrics


def test_point_metrics_known_values():
    actual = np.array([1.0, 2.0, 3.0, np.nan])
    pred = np.array([1.0, 3.0, 1.0, 5.0])
    assert metrics.rmse(actual, pred) == pytest.approx(np.sqrt(5 / 3))
    assert metrics.mae(actual, pred) == pytest.approx(1.0)
    assert metrics.wape(np.array([10.0, 30.0]), np.array([20.0, 30.0])) == pytest.approx(0.25)


def test_mase_is_relative_to_seasonal_naive():
    actual = np.array([1.0, 2.0, 3.0])
    assert metrics.mase(actual, actual + 0.5, actual + 1.0) == pytest.approx(0.5)


def test_coverage_counts_inside_interval():
    assert metrics.coverage(np.array([1, 2, 3, 4.0]), np.zeros(4), np.full(4, 2.5)) == 0.5


def test_classification_metrics():
    y = np.array([0, 0, 1, 1])
    p = np.array([0.1, 0.4, 0.35, 0.8])
    assert metrics.roc_auc(y, p) == pytest.approx(0.75)
    assert 0 < metrics.pr_auc(y, p) <= 1
    assert metrics.brier(y, p) == pytest.approx(np.mean((p - y) ** 2))
    assert metrics.brier_base_rate(y) == pytest.approx(0.25)
    assert np.isnan(metrics.roc_auc(np.ones(3), np.ones(3)))


def test_calibration_table_bins():
    y = np.array([0, 1, 1, 0, 1])
    p = np.array([0.05, 0.95, 0.91, 0.15, 0.55])
    table = metrics.calibration_table(y, p, bins=10)
    assert sum(row["count"] for row in table) == 5
    top = table[-1]
    assert top["bin_lower"] == 0.9 and top["observed_rate"] == 1.0
    assert all(row["count"] > 0 for row in table)


def test_empty_input_gives_nan():
    assert np.isnan(metrics.rmse(np.array([np.nan]), np.array([1.0])))
