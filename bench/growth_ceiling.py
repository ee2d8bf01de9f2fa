"""How close can any model of the data come to the growth oracle? A measurement, not a test.

The oracle's growth probability reads the generator's latent state at the cut-off: every
business's drift components, its current latent level and the market's state. A model only sees
the records. This script fits one fixed XGBoost classifier on the same feature rows several
times, each time handing it more of the latent truth as extra columns, and scores each on the
held-out cut-off that ``evaluate`` uses (the last month with 12 months after it):

* ``features``: the engine's features only (what any model of the data can use);
* ``+static``: plus the true static parameters: the fixed drift (margin, satisfaction, online
  and the persistent idiosyncratic drift), margin, random-walk and noise scales, size reference,
  market elasticity, intermittency — what infinitely long history could reveal at best;
* ``+regime``: plus the current drift regime and AR drift (unobservable but through sales);
* ``+level``: plus the gap between the true latent level and the observed last 12 months.

It also fits the production ``GrowthClassifier`` (with its search and calibration) for the
figure ``evaluate`` reports. Prints one JSON line. Run from the repository root:
``.venv/bin/python bench/growth_ceiling.py`` (about two minutes at 3,000 businesses).
"""

import json
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import xgboost as xgb

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from forecasting.engine import labels, metrics, schema
from forecasting.engine.features import (
    build_features,
    category_levels,
    encode_categoricals,
    model_columns,
)
from forecasting.engine.growth import GrowthClassifier
from forecasting.engine.synthetic import generate_panel

BUSINESSES = int(os.environ.get("BENCH_BUSINESSES", "3000"))
MONTHS = int(os.environ.get("BENCH_MONTHS", "60"))
SEED = int(os.environ.get("BENCH_SEED", "11"))
START = os.environ.get("BENCH_START", "2021-11-01")
TRAIN_CUTOFFS = 24

STATIC = ["drift_fixed", "margin", "rw_sd", "noise_sd", "size_ref", "elasticity", "intermittent"]
TRUE_STATIC = [f"true_{name}" for name in STATIC]


def _latent_columns(panel, cutoff_index: int) -> pd.DataFrame:
    """The generator's latent truth per business at one cut-off (private to the generator)."""
    lat = panel._latent
    window = np.log1p(lat.observed_sales[:, cutoff_index - 11 : cutoff_index + 1])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        observed_mean = np.nanmean(window, axis=1)
    frame = pd.DataFrame({schema.BUSINESS_ID: panel.businesses[schema.BUSINESS_ID].to_numpy()})
    for name in STATIC:
        frame[f"true_{name}"] = np.asarray(getattr(lat, name), dtype=float)
    frame["true_regime"] = lat.regime[:, cutoff_index]
    frame["true_drift_ar"] = lat.drift_ar[:, cutoff_index]
    frame["true_level_gap"] = lat.level[:, cutoff_index] - observed_mean
    return frame


def main() -> None:
    """Generate the panel, score the model ladder and print the AUCs."""
    started = time.perf_counter()
    panel = generate_panel(BUSINESSES, MONTHS, SEED, pd.Timestamp(START))
    records, businesses, indicators = panel.records, panel.businesses, panel.indicators
    periods = pd.date_range(records[schema.PERIOD].min(), records[schema.PERIOD].max(), freq="MS")
    c_test = len(periods) - 1 - labels.WINDOW
    cutoff = periods[c_test]
    known = records[records[schema.PERIOD] <= cutoff]
    first = max(labels.MIN_MONTHS - 1, c_test - labels.WINDOW - TRAIN_CUTOFFS + 1)
    train_cuts = periods[first : c_test - labels.WINDOW + 1]

    keys = [schema.BUSINESS_ID, "cutoff"]
    train = build_features(known, businesses, indicators, train_cuts, horizons=())
    train = train.merge(labels.growth_labels(known, list(train_cuts)), on=keys)
    train = train[train["label"].notna()].reset_index(drop=True)
    test = build_features(known, businesses, indicators, [cutoff], horizons=())
    test = test.merge(labels.growth_labels(records, [cutoff]), on=keys)
    test = test[test["label"].notna()].reset_index(drop=True)

    latent_train = pd.concat(
        [_latent_columns(panel, int(periods.get_loc(c))).assign(cutoff=c) for c in train_cuts]
    )
    latent_test = _latent_columns(panel, c_test).assign(cutoff=cutoff)
    latent_train = train[keys].merge(latent_train, on=keys, how="left")
    latent_test = test[keys].merge(latent_test, on=keys, how="left")

    columns = [c for c in model_columns(train) if c != "label"]
    levels = category_levels(train[columns])
    x_train = encode_categoricals(train[columns], levels).reset_index(drop=True)
    x_test = encode_categoricals(test[columns], levels).reset_index(drop=True)

    def auc_with(extra: list[str]) -> float:
        model = xgb.XGBClassifier(
            n_estimators=400,
            learning_rate=0.03,
            max_depth=4,
            subsample=0.8,
            colsample_bytree=0.6,
            min_child_weight=5,
            enable_categorical=True,
            tree_method="hist",
            n_jobs=2,
            random_state=0,
        )
        model.fit(pd.concat([x_train, latent_train[extra]], axis=1), train["label"])
        prob = model.predict_proba(pd.concat([x_test, latent_test[extra]], axis=1))[:, 1]
        return round(float(metrics.roc_auc(test["label"], prob)), 4)

    ladder = {
        "features": auc_with([]),
        "+static": auc_with(TRUE_STATIC),
        "+regime": auc_with([*TRUE_STATIC, "true_regime", "true_drift_ar"]),
        "+level": auc_with([*TRUE_STATIC, "true_regime", "true_drift_ar", "true_level_gap"]),
    }

    oracle = panel.oracle_growth_probability([cutoff], schema.DEFAULT_GROWTH_RATE)
    scored = test[[*keys, "label"]].merge(oracle, on=keys)
    scored = scored[scored["probability"].notna()]
    oracle_auc = round(float(metrics.roc_auc(scored["label"], scored["probability"])), 4)

    classifier = GrowthClassifier(n_jobs=2).fit(known, businesses, indicators)
    prob = classifier.predict_proba(known, businesses, indicators, cutoffs=[cutoff])
    mine = test[[*keys, "label"]].merge(prob, on=keys)
    product_auc = round(float(metrics.roc_auc(mine["label"], mine["probability"])), 4)

    print(
        json.dumps(
            {
                "businesses": BUSINESSES,
                "months": MONTHS,
                "seed": SEED,
                "cutoff": str(cutoff.date()),
                "test_rows": len(test),
                "train_rows": len(train),
                "oracle_roc_auc": oracle_auc,
                "bar_0_9_oracle": round(0.9 * oracle_auc, 4),
                "growth_classifier_roc_auc": product_auc,
                "ladder_roc_auc": ladder,
                "seconds": round(time.perf_counter() - started, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
