"""Short registries (13 to 20 months): both models train, and the backtest measures what the
history allows and says what it could not measure (issue 17: real registries start short)."""

import numpy as np
import pytest

from forecasting.engine import evaluation, labels
from forecasting.engine.forecaster import SalesForecaster
from forecasting.engine.growth import GrowthClassifier
from tests.unit.forecasting.engine.toy_panel import make_toy_panel

FORECASTER = {"n_estimators": 15, "mean_estimators": 15, "min_bucket_rows": 20, "n_jobs": 1}
GROWTH = {
    "families": ("xgboost",),
    "n_iter": 1,
    "cv_splits": 2,
    "importance_rows": 200,
    "n_jobs": 1,
    "xgb_grid": {"n_estimators": [30], "max_depth": [3]},
}


def test_partial_future_windows_are_labelled_only_when_asked():
    sales = np.ones((2, 10))
    sales[1, 4:] = 2.0  # grows after month 3
    assert np.isnan(labels.growth_labels_from_matrix(sales, 3, min_months=3)).all()
    partial = labels.growth_labels_from_matrix(sales, 3, min_months=3, partial=True)
    assert partial.tolist() == [0.0, 1.0]
    # fewer than min_months future months inside the data: still unknown
    assert np.isnan(labels.growth_labels_from_matrix(sales, 7, min_months=3, partial=True)).all()


@pytest.mark.parametrize("months", [13, 16, 20])
def test_both_models_train_on_a_short_history(months):
    toy = make_toy_panel(160, months, seed=5)
    forecaster = SalesForecaster(**FORECASTER).fit(toy.records, toy.businesses)
    pred = forecaster.predict(toy.records, toy.businesses)
    assert set(pred["horizon"]) == {1, 2, 3, 4, 5, 6}
    assert (pred["p10"] <= pred["mean"] + 1e-9).all() and (pred["mean"] <= pred["p90"] + 1e-9).all()
    assert forecaster.preprocessing_["history"]["months_in_data"] == months

    growth = GrowthClassifier(**GROWTH).fit(toy.records, toy.businesses)
    windows = growth.preprocessing_["label_windows"]
    assert windows["partial_windows_allowed"] and windows["full_window_cutoffs"] == max(
        0, months - 12 - 5
    )
    assert windows["partial_window_cutoffs"] >= 1 and windows["shortest_future_months"] == 6
    prob = growth.predict_proba(toy.records, toy.businesses)["probability"]
    assert len(prob) and prob.between(0, 1).all()


def test_a_long_history_keeps_full_windows_only(toy):
    growth = GrowthClassifier(**GROWTH).fit(toy.records, toy.businesses)
    windows = growth.label_windows_
    assert not windows["partial_windows_allowed"] and windows["partial_window_cutoffs"] == 0
    assert windows["shortest_future_months"] == 12


def test_the_backtest_says_what_a_short_history_could_not_measure():
    toy = make_toy_panel(160, 13, seed=6)
    result = evaluation.evaluate(
        toy.records,
        toy.businesses,
        forecaster=SalesForecaster(**FORECASTER),
        classifier=GrowthClassifier(**GROWTH),
    )
    assert result["forecaster"]["horizons"]["1"]["rmse"] is not None
    assert result["growth"]["measured"] is False
    assert "18" in result["growth"]["reason"]


def test_the_backtest_measures_growth_on_partial_windows_from_18_months():
    toy = make_toy_panel(200, 20, seed=7)
    result = evaluation.evaluate(
        toy.records, toy.businesses, classifier=GrowthClassifier(**GROWTH), run_forecaster=False
    )
    growth = result["growth"]
    assert growth["measured"] and growth["partial_windows"]
    assert growth["label_months_ahead"] == 6 and growth["n"] > 0
    assert growth["roc_auc"] is not None and 0 <= growth["ece"] <= 1
