"""SalesForecaster: the estimator contract, outputs, accuracy against the seasonal naive, wider
intervals for short histories, and sales-only input."""

import numpy as np
import pandas as pd
import pytest

from forecasting.engine import forecaster as forecaster_module
from forecasting.engine import metrics, schema
from forecasting.engine.baselines import baseline_forecasts
from forecasting.engine.forecaster import OUTPUT_COLUMNS, SalesForecaster

SMALL = {"n_estimators": 60, "max_depth": 4, "max_cutoffs": 14, "n_jobs": 1}


@pytest.fixture(scope="module")
def fitted(toy):
    train = toy.records[toy.records[schema.PERIOD] <= toy.periods[33]]
    return SalesForecaster(**SMALL).fit(train, toy.businesses, toy.indicators)


def test_estimator_contract():
    model = SalesForecaster(n_estimators=7, random_state=3, n_jobs=1)
    params = model.get_params()
    assert params["n_estimators"] == 7 and params["random_state"] == 3 and params["n_jobs"] == 1
    assert SalesForecaster(**params).get_params() == params
    assert not [k for k in vars(model) if k.endswith("_")]


def test_fit_returns_self_with_learned_attributes(toy, fitted):
    assert isinstance(fitted, SalesForecaster)
    assert set(fitted.models_) == set(schema.HORIZONS)
    assert fitted.training_end_ == toy.periods[33]
    assert "outlier_rule" in fitted.preprocessing_


def test_predict_output(toy, fitted):
    known = toy.records[toy.records[schema.PERIOD] <= toy.periods[33]]
    out = fitted.predict(known, toy.businesses, toy.indicators)
    assert list(out.columns) == OUTPUT_COLUMNS
    assert set(out["horizon"]) == set(schema.HORIZONS)
    assert (out["cutoff"] == toy.periods[33]).all()
    assert (out["p10"] <= out["p50"]).all() and (out["p50"] <= out["p90"]).all()
    assert (out["mean"] >= 0).all()
    assert out[schema.PERIOD].iloc[0] == toy.periods[34]


def test_beats_seasonal_naive_on_held_out_months(toy, fitted):
    origin = toy.periods[33]
    pred = fitted.predict(toy.records, toy.businesses, toy.indicators, cutoffs=[origin])
    base = baseline_forecasts(toy.records, [origin])
    actual = toy.records[[schema.BUSINESS_ID, schema.PERIOD, schema.SALES]]
    df = pred.merge(base, on=[schema.BUSINESS_ID, "cutoff", "horizon", schema.PERIOD])
    df = df.merge(actual, on=[schema.BUSINESS_ID, schema.PERIOD])
    h1 = df[df["horizon"] == 1]
    y = np.log1p(h1[schema.SALES])
    assert metrics.rmse(y, h1["log_mean"]) < metrics.rmse(y, h1["seasonal_naive"])
    assert 0.6 <= metrics.coverage(y, h1["log_p10"], h1["log_p90"]) <= 0.95


def test_intervals_are_wider_for_short_histories(toy, fitted):
    known = toy.records[toy.records[schema.PERIOD] <= toy.periods[33]]
    out = fitted.predict(known, toy.businesses, toy.indicators)
    out = out[(out["horizon"] == 1) & ~out["intermittent"]]
    width = out["log_p90"] - out["log_p10"]
    assert out["short_history"].any()
    assert width[out["short_history"]].mean() > width[~out["short_history"]].mean()
    assert set(out.loc[out["short_history"], "reason"]) <= {
        "history_lt_6_months",
        "history_lt_12_months",
    }


def test_works_on_sales_alone(toy):
    sales_only = toy.records[[schema.BUSINESS_ID, schema.PERIOD, schema.SALES]]
    model = SalesForecaster(**SMALL, horizons=(1, 2)).fit(sales_only)
    out = model.predict(sales_only)
    assert len(out) == 2 * sales_only[schema.BUSINESS_ID].nunique()
    assert out["mean"].notna().all()


def test_contributions_add_up_to_the_prediction(toy, fitted):
    from forecasting.engine.features import build_features

    known = toy.records[toy.records[schema.PERIOD] <= toy.periods[33]]
    feats = build_features(known, toy.businesses, toy.indicators, [toy.periods[33]]).head(5)
    contrib = fitted.contributions(feats, horizon=1)
    pred = fitted.predict(known, features=feats)
    np.testing.assert_allclose(
        contrib.sum(axis=1).to_numpy(), pred.loc[pred["horizon"] == 1, "log_mean"], rtol=1e-4
    )


def test_pooled_strategy_runs(toy):
    model = SalesForecaster(**SMALL, strategy="pooled", horizons=(1, 2)).fit(toy.records)
    assert set(model.models_) == {0}
    assert len(model.predict(toy.records)) > 0
    with pytest.raises(ValueError):
        SalesForecaster(strategy="recursive").fit(toy.records)


def test_unknown_category_at_predict_time_does_not_fail(toy, fitted):
    businesses = toy.businesses.copy()
    businesses[schema.SECTOR_DIVISION] = "99"
    known = toy.records[toy.records[schema.PERIOD] <= toy.periods[33]]
    out = fitted.predict(known, businesses, toy.indicators)
    assert out["log_mean"].notna().all()
    assert isinstance(out, pd.DataFrame)


def test_explain_names_the_drivers(toy, fitted):
    from forecasting.engine.features import build_features

    known = toy.records[toy.records[schema.PERIOD] <= toy.periods[33]]
    feats = build_features(known, toy.businesses, toy.indicators, [toy.periods[33]]).head(2)
    explained = fitted.explain(feats, horizon=2, top=3)
    assert len(explained) == 2 and explained[0]["horizon"] == 2
    assert len(explained[0]["drivers"]) == 3
    assert explained[0]["drivers"][0]["label_es"]


def _intermittent_after_a_zero(toy, fitted):
    """Intermittent businesses whose last known month is a zero: forecast mean vs their own
    average month (zeros included) over the last 12 months."""
    known = toy.records[toy.records[schema.PERIOD] <= toy.periods[33]]
    out = fitted.predict(known, toy.businesses, toy.indicators)
    h1 = out[(out["horizon"] == 1) & out["intermittent"]].set_index(schema.BUSINESS_ID)
    recent = known[known[schema.PERIOD] > toy.periods[21]]
    last = known[known[schema.PERIOD] == toy.periods[33]].set_index(schema.BUSINESS_ID)[
        schema.SALES
    ]
    average = recent.groupby(schema.BUSINESS_ID)[schema.SALES].mean()
    ids = [b for b in h1.index if b in last.index and last[b] == 0 and average.get(b, 0) > 0]
    return h1.loc[ids, "mean"] / average.loc[ids]


def test_expected_sales_of_intermittent_series_after_a_zero_month(toy, fitted):
    """A business selling thousands two months in three must not be expected to sell tens
    because its last month was a zero (the log model's smearing did exactly that)."""
    ratio = _intermittent_after_a_zero(toy, fitted)
    assert len(ratio) >= 5
    assert 0.4 <= ratio.median() <= 1.6
    assert (ratio > 0.1).mean() >= 0.9


def test_smearing_alone_understates_intermittent_series(toy):
    """The same check on the smearing-only forecaster fails: the test above can fail."""
    train = toy.records[toy.records[schema.PERIOD] <= toy.periods[33]]
    smeared = SalesForecaster(**SMALL, mean_model="smearing").fit(
        train, toy.businesses, toy.indicators
    )
    ratio = _intermittent_after_a_zero(toy, smeared)
    assert not smeared.mean_models_
    assert ratio.median() < 0.4 or (ratio > 0.1).mean() < 0.9


def _held_out(mean_pred, actual, scale=10.0):
    pred = np.log1p(10.0)  # the log model: 10 a month
    n = len(actual)
    return pd.DataFrame(
        {
            "pred": np.full(n, pred),
            "residual": np.log1p(np.asarray(actual, dtype=float)) - pred,
            "mean_pred": np.asarray(mean_pred, dtype=float),
            "scale": np.full(n, scale),
        }
    )


def test_blend_weight_follows_the_model_that_was_right_on_held_out_rows():
    actual = [12.0, 30.0, 18.0, 25.0]
    # the expected-value model was right: all of it
    assert forecaster_module.blend_weight(_held_out(actual, actual)) == pytest.approx(1.0)
    # the log model's back-transform (10) was right and the expected-value model too high
    assert forecaster_module.blend_weight(_held_out([40.0] * 4, [10.0] * 4)) == 0.0
    # halfway between them: half of each
    assert forecaster_module.blend_weight(_held_out([30.0] * 4, [20.0] * 4)) == pytest.approx(0.5)
    # one entry error (10,000 x the scale) does not set it: capped at MAX_SCALE_RATIO x scale
    spike = forecaster_module.blend_weight(_held_out([11.0] * 4, [10.0, 10.0, 10.0, 1e5]))
    assert spike == 1.0  # capped, the spike still says "higher", never more than all of it
    # no expected-value model: the blend is the model itself
    assert forecaster_module.blend_weight(_held_out([np.nan] * 4, actual)) == 1.0


def test_blend_weight_measures_each_error_against_its_business_spread():
    """A small business (scale 1) whose log model was right and a large one (scale 100) whose
    expected-value model was right, each off by the same relative amount: weighing every
    business alike would split the difference (about 0.5); in units of each business's spread
    (the square root of its scale) the large business counts ten times as much."""
    pred = np.log1p(10.0)
    rows = pd.DataFrame(
        {
            "pred": [pred, pred],
            # small: log model 10, actual 10, mean model 20; large: actual 100 x that
            "residual": np.log1p([10.0, 1000.0]) - pred,
            "mean_pred": [20.0, 1000.0],
            "scale": [1.0, 100.0],
        }
    )
    # d = (10, 990) / (1, 10) = (10, 99); r = (0, 99): w = 99**2 / (10**2 + 99**2)
    assert forecaster_module.blend_weight(rows) == pytest.approx(99**2 / (10**2 + 99**2))


def test_the_expected_value_blends_the_two_models_by_bucket(toy, fitted):
    pred = fitted.predict(toy.records, toy.businesses, toy.indicators)
    weights = [row["blend"] for h in fitted.horizons for row in fitted.interval_table_[h].values()]
    assert all(0.0 <= w <= 1.0 for w in weights)
    assert (pred["p10"] <= pred["mean"] + 1e-9).all() and (pred["mean"] <= pred["p90"] + 1e-9).all()


def test_group_levels_are_not_forecaster_inputs(fitted):
    """A group's level is one value per cut-off for all its businesses: with few cut-offs the
    trees read it as a calendar (issue 17); the forecaster leaves it out."""
    names = set(fitted.feature_names_)
    assert not {"sector_log_sales_mean", "region_log_sales_mean", "log_sales_vs_sector"} & names
    assert {"sector_growth_yoy", "log_sales_mean_3"} <= names
