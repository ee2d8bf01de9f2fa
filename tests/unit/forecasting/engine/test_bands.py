"""Every forecast row the engine and the serving path emit has its expected value inside its own
band (p10 <= p50 <= p90, p10 <= mean <= p90), also where the two models behind them disagree,
and those rows say so (models_disagree)."""

import joblib
import numpy as np
import pytest

from forecasting.engine import schema
from forecasting.engine.bands import DISAGREEMENT_TOLERANCE, coherent_forecast
from forecasting.engine.features import build_features
from forecasting.engine.forecaster import SalesForecaster
from forecasting.engine.growth import GrowthClassifier
from forecasting.engine.serving import ServingModels
from tests.unit.forecasting.engine.test_forecaster import SMALL
from tests.unit.forecasting.engine.test_growth import SMALL as SMALL_GROWTH


@pytest.fixture(scope="module")
def models(toy):
    train = toy.records[toy.records[schema.PERIOD] <= toy.periods[33]]
    forecaster = SalesForecaster(**SMALL).fit(train, toy.businesses, toy.indicators)
    classifier = GrowthClassifier(**SMALL_GROWTH).fit(train, toy.businesses, toy.indicators)
    return forecaster, classifier


@pytest.fixture(scope="module")
def disagreeing(toy):
    """Features at the cut-off where every third business's recent scale is a typo 1,000 times
    too large (the expected-value model scales by it, the log model hardly moves) and every
    third other one's 1,000 times too small: the two models disagree there."""
    known = toy.records[toy.records[schema.PERIOD] <= toy.periods[33]]
    features = build_features(known, toy.businesses, toy.indicators, [toy.periods[33]])
    raw = features["sales_mean_12_raw"].to_numpy().copy()
    raw[0::3] += np.log(1000.0)
    raw[1::3] = np.maximum(raw[1::3] - np.log(1000.0), 0.0)
    return features.assign(sales_mean_12_raw=raw)


def _assert_coherent(mean, p10, p50, p90):
    assert (p10 <= p50).all() and (p50 <= p90).all()
    assert (p10 <= mean).all() and (mean <= p90).all()


def test_engine_rows_lie_inside_their_band_and_disagreements_are_flagged(models, disagreeing):
    forecaster, _ = models
    out = forecaster.predict(None, features=disagreeing)
    _assert_coherent(out["mean"], out["p10"], out["p50"], out["p90"])
    assert out["models_disagree"].any()
    assert (out["models_disagree"] == (out["disagreement"] > DISAGREEMENT_TOLERANCE)).all()
    # the typo'd rows are the ones flagged, not the others
    flagged = out.groupby(schema.BUSINESS_ID)["models_disagree"].any()
    assert flagged.mean() < 0.9


def test_serving_rows_lie_inside_their_band_and_equal_the_engines(models, disagreeing):
    forecaster, classifier = models
    served = ServingModels(forecaster, classifier).predict(disagreeing, explain=False)
    f = served.forecast
    _assert_coherent(f["mean"], f["p10"], f["p50"], f["p90"])
    engine = forecaster.predict(None, features=disagreeing)
    for j, h in enumerate(served.horizons):
        part = engine[engine["horizon"] == h]
        for name in ("mean", "p10", "p50", "p90"):
            np.testing.assert_allclose(f[name][j], part[name], rtol=1e-5)
        np.testing.assert_array_equal(f["models_disagree"][j], part["models_disagree"])
    assert f["models_disagree"].any()


def test_an_artifact_pickled_before_serves_coherent_rows(models, disagreeing, tmp_path):
    """The construction applies at prediction time: a stored forecaster loads and serves it."""
    forecaster, classifier = models
    joblib.dump(forecaster, tmp_path / "forecaster.joblib")
    loaded = joblib.load(tmp_path / "forecaster.joblib")
    f = ServingModels(loaded, classifier).predict(disagreeing, explain=False).forecast
    _assert_coherent(f["mean"], f["p10"], f["p50"], f["p90"])


def test_the_construction_rearranges_crossed_quantiles_and_meets_halfway():
    log_p10, log_p50, log_p90 = np.log1p([[50.0, 10.0, 10.0]]).T
    mean = np.array([30.0])  # quantiles crossed: sorted, the mean inside
    out = coherent_forecast(np.r_[log_p10], np.r_[log_p50], np.r_[log_p90], mean)
    assert (out["p10"][0], out["p50"][0], out["p90"][0]) == pytest.approx((10.0, 10.0, 50.0))
    assert out["mean"][0] == 30.0 and not out["models_disagree"][0]
    # an expected value of 2.19 against a band of 70,135 - 176,611 (seen in a prediction job)
    q = np.log1p(np.array([[70_135.26], [100_000.0], [176_611.15]]))
    out = coherent_forecast(q[0], q[1], q[2], np.array([2.19]), projection=0.5)
    _assert_coherent(out["mean"], out["p10"], out["p50"], out["p90"])
    assert out["mean"][0] == out["p10"][0]  # the two met: one figure
    assert np.log1p(out["p10"][0]) == pytest.approx((np.log1p(2.19) + q[0][0]) / 2)
    assert out["models_disagree"][0]
