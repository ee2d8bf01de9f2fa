"""The band of a sum of forecasts (a region's, a sector's): expected values add up, the band
is that of a sum of independent businesses whose months move together, not the sum of the
businesses' bands (forecasting.engine.bands.sum_band)."""

import numpy as np
import pytest

from forecasting.engine.bands import Z90, sum_band


def test_a_sum_of_one_business_one_month_keeps_its_band():
    out = sum_band(np.array([[100.0]]), np.array([[60.0]]), np.array([[180.0]]))
    assert out["mean"][0] == 100.0
    assert out["p10"][0] == pytest.approx(60.0) and out["p90"][0] == pytest.approx(180.0)
    assert out["total_p10"] == pytest.approx(60.0) and out["total_p90"] == pytest.approx(180.0)


def test_the_band_of_a_sum_is_narrower_than_the_sum_of_bands_and_covers_80_percent():
    """Independent businesses: the sum's band is the split-normal one, between the expected
    value and the sum of the p10s / p90s; a simulation of independent normal businesses lands
    inside it about 80 % of the time."""
    rng = np.random.default_rng(3)
    n = 40
    mean = rng.uniform(1_000, 5_000, size=(n, 1))
    sd = rng.uniform(100, 1_500, size=(n, 1))
    out = sum_band(mean, mean - Z90 * sd, mean + Z90 * sd)
    assert out["mean"][0] == pytest.approx(mean.sum())
    assert out["comonotone_p10"][0] < out["p10"][0] < out["mean"][0] < out["p90"][0]
    assert out["p90"][0] < out["comonotone_p90"][0]
    draws = rng.normal(mean[:, 0], sd[:, 0], size=(20_000, n)).sum(axis=1)
    inside = ((draws >= out["p10"][0]) & (draws <= out["p90"][0])).mean()
    assert 0.78 < inside < 0.82


def test_a_business_without_a_forecast_adds_nothing_and_months_move_together():
    mean = np.array([[100.0, 100.0], [np.nan, np.nan], [50.0, 50.0]])
    p10 = np.array([[80.0, 80.0], [np.nan, np.nan], [40.0, 40.0]])
    p90 = np.array([[130.0, 130.0], [np.nan, np.nan], [70.0, 70.0]])
    out = sum_band(mean, p10, p90)
    assert list(out["mean"]) == [150.0, 150.0] and out["total_mean"] == 300.0
    assert out["businesses"] == 2
    # over the months a business's spreads add up: the 2-month band is twice one month's
    assert out["total_mean"] - out["total_p10"] == pytest.approx(2 * (150 - out["p10"][0]))
    assert out["total_p90"] - out["total_mean"] == pytest.approx(2 * (out["p90"][0] - 150))


def test_the_band_of_a_sum_never_goes_below_zero():
    out = sum_band(np.array([[10.0]] * 2), np.array([[0.0]] * 2), np.array([[500.0]] * 2))
    assert out["p10"][0] >= 0 and out["total_p10"] >= 0
