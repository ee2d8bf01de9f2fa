"""The backtest's output shape (other tools parse it), its protocol and the scoring helpers."""

import json

import numpy as np
import pandas as pd
import pytest

from forecasting.engine import schema
from forecasting.engine.evaluation import evaluate, fit_forecaster, score_forecaster
from forecasting.engine.forecaster import SalesForecaster
from forecasting.engine.growth import GrowthClassifier

FAST_FORECASTER = SalesForecaster(n_estimators=40, max_depth=4, max_cutoffs=10, n_jobs=1)
FAST_CLASSIFIER = GrowthClassifier(
    n_iter=1,
    cv_splits=2,
    purge_months=1,
    calibration_groups=3,
    calibration_cutoffs=2,
    max_cutoffs=10,
    importance_rows=300,
    n_jobs=1,
    rf_grid={"model__n_estimators": [30], "model__max_depth": [6]},
    xgb_grid={"n_estimators": [40], "max_depth": [3]},
)


class ToyOracle:
    """The toy panel's true expected log sales; a noisy label-free growth score."""

    def __init__(self, toy):
        self.toy = toy

    def oracle_log_sales(self, cutoffs, horizons=schema.HORIZONS):
        toy, frames = self.toy, []
        for cutoff in pd.DatetimeIndex(cutoffs):
            c = toy.periods.get_loc(cutoff)
            for h in horizons:
                if c + h < len(toy.periods):
                    frames.append(
                        pd.DataFrame(
                            {
                                schema.BUSINESS_ID: toy.businesses[schema.BUSINESS_ID],
                                "cutoff": cutoff,
                                "horizon": h,
                                schema.PERIOD: toy.periods[c + h],
                                "expected_log1p_sales": toy.expected_log[:, c + h],
                            }
                        )
                    )
        return pd.concat(frames, ignore_index=True)

    def oracle_growth_probability(self, cutoffs, rate=0.1):
        ids = self.toy.businesses[schema.BUSINESS_ID]
        rng = np.random.default_rng(0)
        return pd.concat(
            pd.DataFrame(
                {schema.BUSINESS_ID: ids, "cutoff": c, "probability": rng.random(len(ids))}
            )
            for c in pd.DatetimeIndex(cutoffs)
        )


@pytest.fixture(scope="module")
def result(toy):
    return evaluate(
        toy.records,
        toy.businesses,
        toy.indicators,
        forecaster=FAST_FORECASTER,
        classifier=FAST_CLASSIFIER,
        oracle=ToyOracle(toy),
    )


def test_output_shape(result):
    horizons = result["forecaster"]["horizons"]
    assert list(horizons) == ["1", "2", "3", "4", "5", "6"]
    for block in horizons.values():
        for key in ("rmse", "mae", "wape", "mase", "coverage_p10_p90"):
            assert isinstance(block[key], float)
        assert set(block["baselines"]) == {"last_value", "seasonal_naive", "mean_3"}
        assert {"rmse", "mae", "wape"} <= set(block["baselines"]["last_value"])
        assert "rmse" in block["baselines"]["seasonal_naive"]
        assert "rmse" in block["baselines"]["mean_3"]
        assert "rmse" in block["oracle"]
        assert {"rmse_soles_mean", "rmse_soles_median"} <= set(block)
    growth = result["growth"]
    for key in ("roc_auc", "pr_auc", "brier", "brier_base_rate", "oracle_roc_auc"):
        assert isinstance(growth[key], float)
    assert isinstance(growth["calibration"], list)
    assert {"short_history", "intermittent", "sales_only"} <= set(result["forecaster"]["segments"])
    json.dumps(result)


def test_protocol_holds_out_the_last_months(toy, result):
    fc = result["forecaster"]
    assert fc["training_end"] == str(toy.periods[-7].date())
    assert fc["origins"][0] == str(toy.periods[-7].date())
    assert fc["origins"][-1] == str(toy.periods[-2].date())
    assert result["growth"]["cutoff"] == str(toy.periods[-13].date())
    # horizon 1 is scored at 6 origins, horizon 6 at one
    assert fc["horizons"]["1"]["n"] > 4 * fc["horizons"]["6"]["n"]


def test_forecaster_beats_seasonal_naive_in_the_backtest(result):
    h1 = result["forecaster"]["horizons"]["1"]
    assert h1["rmse"] < h1["baselines"]["seasonal_naive"]["rmse"]


def test_without_oracle_there_are_no_oracle_keys(toy):
    out = evaluate(
        toy.records, toy.businesses, toy.indicators, forecaster=FAST_FORECASTER,
        run_classifier=False,
    )  # fmt: skip
    assert "oracle" not in out["forecaster"]["horizons"]["1"]
    assert "growth" not in out


def test_scoring_a_fitted_model_on_months_it_never_saw(toy):
    train = toy.records[toy.records[schema.PERIOD] <= toy.periods[-4]]
    model = fit_forecaster(train, toy.businesses, toy.indicators, **FAST_FORECASTER.get_params())
    scored = score_forecaster(
        model, toy.records, toy.businesses, toy.indicators, origins=[toy.periods[-4]]
    )
    assert set(scored["horizons"]) == {"1", "2", "3", "4", "5", "6"}
    assert scored["horizons"]["4"]["n"] == 0 or scored["horizons"]["4"]["rmse"] is None
    assert scored["horizons"]["1"]["n"] > 0
