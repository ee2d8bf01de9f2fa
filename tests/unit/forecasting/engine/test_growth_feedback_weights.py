"""Advisors' feedback in the growth classifier: weighted overrides and outcome labels."""

import numpy as np
import pandas as pd
import pytest

from forecasting.engine import schema
from forecasting.engine.growth import GrowthClassifier
from tests.unit.forecasting.engine.test_growth import SMALL


def test_weights_and_sources_reach_the_training_frame(toy):
    model = GrowthClassifier(**SMALL)
    base = model.training_frame(toy.records, toy.businesses, toy.indicators)
    assert (base["sample_weight"] == 1.0).all() and (base["label_source"] == "computed").all()
    row = base.iloc[0]
    late = toy.periods[-2]  # no 12-month future yet
    feedback = pd.DataFrame(
        {
            schema.BUSINESS_ID: [row[schema.BUSINESS_ID], row[schema.BUSINESS_ID]],
            "cutoff": [row["cutoff"], late],
            "label": [1.0 - row["label"], 1.0],
            "weight": [1.0, 0.5],
            "source": ["override", "outcome"],
        }
    )
    frame = model.training_frame(
        toy.records, toy.businesses, toy.indicators, label_overrides=feedback
    )
    same = frame[(frame[schema.BUSINESS_ID] == row[schema.BUSINESS_ID])]
    at_row = same[same["cutoff"] == row["cutoff"]].iloc[0]
    at_late = same[same["cutoff"] == late].iloc[0]
    assert (at_row["label"], at_row["label_source"], at_row["sample_weight"]) == (
        1.0 - row["label"], "override", 1.0,
    )  # fmt: skip
    assert (at_late["label"], at_late["label_source"], at_late["sample_weight"]) == (
        1.0, "outcome", 0.5,
    )  # fmt: skip


def test_an_outcome_never_replaces_a_label_the_data_computes(toy):
    model = GrowthClassifier(**SMALL)
    base = model.training_frame(toy.records, toy.businesses, toy.indicators)
    row = base.iloc[0]
    outcome = pd.DataFrame(
        {
            schema.BUSINESS_ID: [row[schema.BUSINESS_ID]],
            "cutoff": [row["cutoff"]],
            "label": [1.0 - row["label"]],
            "weight": [0.5],
            "source": ["outcome"],
        }
    )
    frame = model.training_frame(
        toy.records, toy.businesses, toy.indicators, label_overrides=outcome
    )
    kept = frame[
        (frame[schema.BUSINESS_ID] == row[schema.BUSINESS_ID]) & (frame["cutoff"] == row["cutoff"])
    ].iloc[0]
    assert kept["label"] == row["label"] and kept["label_source"] == "computed"


@pytest.mark.parametrize("family", ["xgboost", "random_forest"])
def test_weighted_feedback_trains_both_families(toy, family):
    model = GrowthClassifier(**{**SMALL, "families": (family,)})
    base = model.training_frame(toy.records, toy.businesses, toy.indicators)
    late = base[base["cutoff"] == base["cutoff"].max()].head(30)
    feedback = late[[schema.BUSINESS_ID, "cutoff"]].assign(
        label=1.0, weight=0.25, source="override"
    )
    model.fit(toy.records, toy.businesses, toy.indicators, label_overrides=feedback)
    assert model.n_overrides_ == 30
    assert "sample_weight" not in model.feature_names_
    p = model.predict_proba(toy.records, toy.businesses, toy.indicators)
    assert len(p) and np.isfinite(p["probability"].to_numpy()).all()
