"""Population stability index and the per-feature reference distribution (engine.drift)."""

import numpy as np
import pandas as pd
import pytest

from forecasting.engine.drift import (
    MAJOR,
    MODERATE,
    feature_psi,
    population_stability_index,
    reference_distribution,
)


def test_psi_by_hand():
    expected, actual = [0.5, 0.5], [0.25, 0.75]
    by_hand = (0.25 - 0.5) * np.log(0.25 / 0.5) + (0.75 - 0.5) * np.log(0.75 / 0.5)
    assert population_stability_index(expected, actual) == pytest.approx(by_hand)
    assert population_stability_index(actual, expected) == pytest.approx(by_hand)  # symmetric
    assert population_stability_index(expected, expected) == 0.0


def test_psi_renormalises_counts_and_keeps_empty_bins_finite():
    assert population_stability_index([10, 10], [1, 3]) == pytest.approx(
        population_stability_index([0.5, 0.5], [0.25, 0.75])
    )
    value = population_stability_index([0.5, 0.5, 0.0], [0.0, 0.5, 0.5])
    assert np.isfinite(value) and value > MAJOR


def test_psi_refuses_mismatched_or_empty_bins():
    with pytest.raises(ValueError, match="length"):
        population_stability_index([0.5, 0.5], [1.0])
    with pytest.raises(ValueError, match="non-empty"):
        population_stability_index([0, 0], [1, 1])


def _frame(rng, n, shift=0.0, missing=0.0, level_b=0.3):
    sales = rng.normal(10 + shift, 1, n)
    sales[rng.random(n) < missing] = np.nan
    sector = np.where(rng.random(n) < level_b, "B", "A")
    return pd.DataFrame({"sales": sales, "sector": sector, "ignored": 1.0})


def test_same_population_is_stable_and_a_shift_is_major():
    rng = np.random.default_rng(0)
    reference = reference_distribution(_frame(rng, 20_000), ["sales", "sector", "missing_col"])
    assert set(reference) == {"sales", "sector"}  # a column the frame lacks is skipped
    assert reference["sales"]["type"] == "numeric" and len(reference["sales"]["edges"]) == 9
    assert sum(reference["sales"]["shares"]) == pytest.approx(1.0)
    assert reference["sector"] == {
        "type": "categorical",
        "levels": ["A", "B"],
        "shares": pytest.approx([0.7, 0.3, 0.0, 0.0], abs=0.02),
    }

    same = feature_psi(reference, _frame(rng, 5_000))
    assert set(same) == {"sales", "sector"}
    assert same["sales"] < MODERATE and same["sector"] < MODERATE

    moved = feature_psi(reference, _frame(rng, 5_000, shift=1.5, level_b=0.8))
    assert moved["sales"] > MAJOR and moved["sector"] > MAJOR


def test_missing_values_and_unseen_levels_count_as_drift():
    rng = np.random.default_rng(1)
    reference = reference_distribution(_frame(rng, 10_000), ["sales", "sector"])
    latest = _frame(rng, 5_000, missing=0.5)
    latest.loc[: len(latest) // 2, "sector"] = "Z"  # a level the training data never had
    psi = feature_psi(reference, latest)
    assert psi["sales"] > MAJOR and psi["sector"] > MAJOR


def test_large_frames_are_sampled_reproducibly():
    rng = np.random.default_rng(2)
    frame = _frame(rng, 50_000)
    a = reference_distribution(frame, ["sales"], max_rows=5_000, seed=3)
    b = reference_distribution(frame, ["sales"], max_rows=5_000, seed=3)
    assert a == b
    assert feature_psi(a, frame)["sales"] < MODERATE


def test_an_empty_latest_month_measures_nothing():
    rng = np.random.default_rng(4)
    reference = reference_distribution(_frame(rng, 1_000), ["sales"])
    assert feature_psi(reference, _frame(rng, 0)) == {}
