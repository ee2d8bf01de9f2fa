"""In-process serving benchmark: the engine's one inference path at the three sizes it serves.

Per call, from raw monthly histories (48 months) as the API's input parsing hands them over
(``{column: array}``): the panel (``build_panel``), the features (``feature_columns``, the
API's builder), then ``ServingModels.predict``: 6 horizons with
p10/p50/p90/mean, the growth probability and, where the product asks for them, the drivers
(TreeSHAP). Sizes: one business with drivers (the advice, the API), 100 with drivers (an API
batch; also without them, ``?drivers=false``) and a chunk of 12,500 without (a prediction job,
``explain=False``).

Models: fitted on a synthetic panel of 3,000 businesses x 48 months (seed 7) with the
parameters ``bench/api.py`` trains the product's with (forecaster ``max_cutoffs=12``, defaults
otherwise; growth searched over XGBoost only), cached in ``var/bench/serving-models.joblib``
(``BENCH_RETRAIN=1`` fits them again). Histories: another synthetic panel (seed 3). One thread
per prediction, as the web workers serve (``OMP_NUM_THREADS=1``).

Prints one JSON line: ``{"ms_per_business_1": …, "ms_per_business_100": …,
"ms_per_business_12500": …, ...}`` (medians over repeated calls of wall time, and of the
process's CPU time as ``cpu_ms_per_business_*``: on a shared machine the wall time also counts
waiting for a core; ``load_average_1m`` beside them). Run from the repository root:
``.venv/bin/python bench/serving.py``.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import json
import statistics
import sys
import time
from pathlib import Path

import joblib
import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from forecasting.engine import schema  # noqa: E402
from forecasting.engine.features import build_panel, feature_columns, group_statistics  # noqa: E402
from forecasting.engine.forecaster import SalesForecaster  # noqa: E402
from forecasting.engine.growth import GrowthClassifier  # noqa: E402
from forecasting.engine.serving import ServingModels  # noqa: E402
from forecasting.engine.synthetic import generate_panel  # noqa: E402

CACHE = ROOT / "var" / "bench" / "serving-models.joblib"
MONTHS = 48
# name: (rows, drivers, calls); "100_without_drivers" is an API batch with ?drivers=false
SIZES = {
    "1": (1, True, 400),
    "100": (100, True, 40),
    "100_without_drivers": (100, False, 40),
    "12500": (12_500, False, 3),
}


def _models() -> tuple[SalesForecaster, GrowthClassifier]:
    if CACHE.exists() and not os.environ.get("BENCH_RETRAIN"):
        return joblib.load(CACHE)
    panel = generate_panel(3000, MONTHS, seed=7)
    data = (panel.records, panel.businesses, panel.indicators)
    models = (
        SalesForecaster(max_cutoffs=12, n_jobs=2).fit(*data),
        GrowthClassifier(families=["xgboost"], n_iter=2, cv_splits=2, max_cutoffs=8).fit(*data),
    )
    CACHE.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(models, CACHE)
    return models


def _months(values) -> np.ndarray:
    return np.asarray(values, dtype="datetime64[ns]").astype("datetime64[M]")


def _serve(server: ServingModels, records, businesses, cutoff, stats, *, drivers: bool):
    """One call as the API makes it (``forecasting.unregistered.forecasts``): raw histories in
    as columns (``{column: array}``, what its input parsing gives), every figure out."""
    months = np.arange(_months(records[schema.PERIOD]).min(), _months([cutoff])[0] + 1)
    panel = build_panel(records, periods=months.astype("datetime64[ns]"))
    features = feature_columns(
        panel, businesses, cutoff, horizons=tuple(server.horizons), group_stats=stats
    )
    return server.predict(features, explain=drivers)


def main() -> None:
    """Time each size and print the figures."""
    forecaster, classifier = _models()
    server = ServingModels(forecaster, classifier)
    histories = generate_panel(25_000, MONTHS, seed=3)
    records, businesses = histories.records, histories.businesses
    cutoff = pd.Timestamp(records[schema.PERIOD].max())
    stats = group_statistics(records, businesses, cutoff, horizons=tuple(server.horizons))
    # businesses with a record at the cut-off, as the API's callers send them
    ids = np.unique(records.loc[records[schema.PERIOD] == cutoff, schema.BUSINESS_ID])
    rng = np.random.default_rng(5)
    out: dict[str, float] = {}
    for name, (size, drivers, calls) in SIZES.items():
        groups = []  # prebuilt inputs: the request's parsing is not the engine's work
        for _ in range(min(calls, 20)):
            chosen = np.sort(rng.choice(ids, size=size, replace=False))
            part = records[records[schema.BUSINESS_ID].isin(chosen)]
            static = businesses[businesses[schema.BUSINESS_ID].isin(chosen)]
            groups.append(
                (
                    {c: part[c].to_numpy() for c in schema.RECORD_COLUMNS if c in part},
                    {c: static[c].to_numpy() for c in schema.BUSINESS_COLUMNS if c in static},
                )
            )
        _serve(server, *groups[0], cutoff, stats, drivers=drivers)  # warm-up
        timings, cpu = [], []
        for i in range(calls):
            recs, static = groups[i % len(groups)]
            started, started_cpu = time.perf_counter(), time.process_time()
            served = _serve(server, recs, static, cutoff, stats, drivers=drivers)
            timings.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
            assert served.probability.shape == (size,)
        out[f"ms_per_business_{name}"] = round(1000 * statistics.median(timings) / size, 4)
        out[f"cpu_ms_per_business_{name}"] = round(1000 * statistics.median(cpu) / size, 4)
    out["load_average_1m"] = round(os.getloadavg()[0], 2)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
