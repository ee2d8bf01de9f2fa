"""What reading the market values as known at each cut-off costs a backtest: the forecaster's
backtest (``forecasting.engine.evaluation.evaluate``, the same fit as bench/train.py plus the
scoring of the held-out origins) on one synthetic panel, once with the indicators as stored and
once with vintages — every value of the last 24 months arrives a month after its period ends
and one in five of them is revised two months later. Also times the backtest's fit alone (and
its feature building) and ``build_features`` alone over every month after the first year.
Run from the repository root: ``BENCH_BUSINESSES=2000 .venv/bin/python bench/market_vintages.py``.
"""

import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from forecasting.engine import evaluation, schema
from forecasting.engine.features import build_features, build_panel
from forecasting.engine.forecaster import SalesForecaster
from forecasting.engine.synthetic import generate_panel

BUSINESSES = int(os.environ.get("BENCH_BUSINESSES", "2000"))
MONTHS = int(os.environ.get("BENCH_MONTHS", "60"))


def with_vintages(indicators: pd.DataFrame, seed: int = 7) -> pd.DataFrame:
    """The indicators with a history: recent values late by a month, a fifth of them revised."""
    rng = np.random.default_rng(seed)
    recent = indicators[schema.PERIOD] > indicators[schema.PERIOD].max() - pd.DateOffset(months=24)
    stored = indicators.assign(**{schema.INDICATOR_KNOWN_FROM: pd.NaT})
    stored.loc[recent, schema.INDICATOR_KNOWN_FROM] = stored.loc[
        recent, schema.PERIOD
    ] + pd.DateOffset(months=1)
    revised = stored[recent & (rng.random(len(stored)) < 0.2)].copy()
    revised[schema.INDICATOR_VALUE] *= 1.0 + rng.normal(0, 0.02, len(revised))
    revised[schema.INDICATOR_KNOWN_FROM] += pd.DateOffset(months=2)
    return pd.concat([stored, revised], ignore_index=True)


def timed(function, *args, **kwargs) -> tuple[float, object]:
    started = time.perf_counter()
    result = function(*args, **kwargs)
    return time.perf_counter() - started, result


def main() -> None:
    """Generate the panel, run both backtests and print the timings."""
    panel = generate_panel(BUSINESSES, MONTHS, seed=7)
    vintaged = with_vintages(panel.indicators)
    template = SalesForecaster(n_jobs=2)
    out = {"businesses": BUSINESSES, "months": MONTHS, "vintage_rows": len(vintaged)}
    train_end = panel.records[schema.PERIOD].max() - pd.DateOffset(months=7)
    until = panel.records[panel.records[schema.PERIOD] <= train_end]
    for label, indicators in (("as_stored", panel.indicators), ("as_known", vintaged)):
        # the backtest's fit alone, with the part of it spent building features
        model = SalesForecaster(n_jobs=2).fit(until, panel.businesses, indicators)
        out[f"seconds_fit_{label}"] = round(model.timings_["total"], 2)
        out[f"seconds_fit_features_{label}"] = round(model.timings_["features"], 2)
        seconds, report = timed(
            evaluation.evaluate,
            panel.records,
            panel.businesses,
            indicators,
            forecaster=template,
            run_classifier=False,
        )
        out[f"seconds_backtest_{label}"] = round(seconds, 2)
        out[f"rmse_h1_{label}"] = report["forecaster"]["horizons"]["1"]["rmse"]
        out[f"market_data_{label}"] = report["market_data"]
        first = panel.records[schema.PERIOD].min()
        cutoffs = pd.date_range(first, periods=MONTHS, freq="MS")[12:]
        base = build_panel(panel.records)
        seconds, _ = timed(
            build_features, panel.records, panel.businesses, indicators, cutoffs, panel=base
        )
        out[f"seconds_features_{len(cutoffs)}_cutoffs_{label}"] = round(seconds, 2)
    out["load_average_1m"] = round(os.getloadavg()[0], 2)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
