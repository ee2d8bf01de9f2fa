"""GrowthClassifier: labels and overrides, the time-ordered search over both families,
calibrated probabilities, explanations and a JSON-serialisable search summary."""

import json

import numpy as np
import pandas as pd
import pytest

from forecasting.engine import schema
from forecasting.engine.growth import CutoffSplitter, GrowthClassifier

SMALL = {
    "n_iter": 1,
    "cv_splits": 2,
    "purge_months": 1,
    "calibration_groups": 3,
    "calibration_cutoffs": 2,
    "max_cutoffs": 12,
    "importance_rows": 300,
    "n_jobs": 1,
    "rf_grid": {"model__n_estimators": [30], "model__max_depth": [6, 10]},
    "xgb_grid": {"n_estimators": [40], "max_depth": [3, 4]},
}


@pytest.fixture(scope="module")
def fitted(toy):
    return GrowthClassifier(**SMALL).fit(toy.records, toy.businesses, toy.indicators)


def test_cutoff_splitter_is_time_ordered_with_purge():
    cutoffs = np.repeat(pd.date_range("2022-01-01", periods=12, freq="MS").to_numpy(), 3)
    splitter = CutoffSplitter(cutoffs, n_splits=3, purge=2)
    folds = list(splitter.split())
    assert len(folds) == splitter.get_n_splits() >= 2
    for train, val in folds:
        assert cutoffs[train].max() < cutoffs[val].min()
        last_train = pd.Timestamp(cutoffs[train].max()).to_period("M")
        assert (pd.Timestamp(cutoffs[val].min()).to_period("M") - last_train).n >= 2


def test_cutoff_splitter_keeps_validation_businesses_out_of_training():
    cutoffs = np.repeat(pd.date_range("2022-01-01", periods=12, freq="MS").to_numpy(), 30)
    businesses = np.tile(np.arange(30), 12)
    folds = list(CutoffSplitter(cutoffs, n_splits=3, purge=0, businesses=businesses).split())
    assert folds
    for train, val in folds:
        assert not set(businesses[train]) & set(businesses[val])
        assert cutoffs[train].max() < cutoffs[val].min()


def test_overrides_replace_and_add_labels(toy):
    model = GrowthClassifier(**SMALL)
    base = model.training_frame(toy.records, toy.businesses, toy.indicators)
    row = base.iloc[0]
    late_cutoff = toy.periods[-2]  # no 12-month future: no computed label
    overrides = pd.DataFrame(
        {
            schema.BUSINESS_ID: [row[schema.BUSINESS_ID], row[schema.BUSINESS_ID]],
            "cutoff": [row["cutoff"], late_cutoff],
            "label": [1.0 - row["label"], 1.0],
        }
    )
    changed = model.training_frame(
        toy.records, toy.businesses, toy.indicators, label_overrides=overrides
    )
    hit = changed[
        (changed[schema.BUSINESS_ID] == row[schema.BUSINESS_ID])
        & (changed["cutoff"] == row["cutoff"])
    ]
    assert hit["label"].iloc[0] == 1.0 - row["label"]
    assert hit["label_source"].iloc[0] == "override"
    assert (changed["cutoff"] == late_cutoff).sum() == 1
    assert len(changed) == len(base) + 1


def test_both_families_searched_and_summary_is_json(fitted):
    families = fitted.cv_results_["families"]
    assert set(families) == {"random_forest", "xgboost"}
    assert fitted.family_ in families
    assert fitted.cv_results_["chosen"] == fitted.family_
    json.dumps(fitted.cv_results_)
    for summary in families.values():
        assert {"params", "mean_score", "std_score"} <= set(summary["candidates"][0])


def test_probabilities_are_calibrated_and_bounded(toy, fitted):
    out = fitted.predict_proba(toy.records, toy.businesses, toy.indicators)
    assert out["probability"].between(0, 1).all()
    assert (out["cutoff"] == toy.periods[-1]).all()
    assert fitted.calibration_method_ in ("isotonic", "sigmoid")


def test_explanations_name_features_in_plain_words(toy, fitted):
    feats = fitted.features(toy.records, toy.businesses, toy.indicators).head(3)
    explained = fitted.explain(feats, top=4)
    assert len(explained) == 3
    drivers = explained[0]["drivers"]
    assert 0 < len(drivers) <= 4
    first = drivers[0]
    assert {"feature", "label_es", "label_en", "value", "contribution", "direction"} <= set(first)
    assert first["direction"] in ("up", "down")
    contributions = [abs(d["contribution"]) for d in drivers]
    assert contributions == sorted(contributions, reverse=True)
    json.dumps(explained)


def test_global_importance_is_ranked(fitted):
    imp = fitted.global_importance_
    assert len(imp) == len(fitted.feature_names_)
    values = [item["importance"] for item in imp]
    assert values == sorted(values, reverse=True)


def test_forest_explanations_fall_back_to_local_deltas(toy):
    model = GrowthClassifier(**{**SMALL, "families": ("random_forest",)})
    model.fit(toy.records, toy.businesses, toy.indicators)
    feats = model.features(toy.records, toy.businesses, toy.indicators).head(2)
    contrib, kind = model.contributions(feats)
    assert kind == "median_replacement_delta"
    assert contrib.shape == (2, len(model.feature_names_))


def test_overrides_enter_the_fit(toy):
    model = GrowthClassifier(**SMALL)
    base = model.training_frame(toy.records, toy.businesses, toy.indicators)
    late = base[base["cutoff"] == base["cutoff"].max()].head(40)
    overrides = late[[schema.BUSINESS_ID, "cutoff"]].assign(label=1.0)
    model.fit(toy.records, toy.businesses, toy.indicators, label_overrides=overrides)
    assert model.n_overrides_ == 40
