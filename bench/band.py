"""Coherent bands (engine.bands): accuracy of the expected value and of the p10-p90 band before
the construction (the two models' raw figures) and with the expected value and the band meeting
``projection`` of the way towards the band (1: the expected value projected into the band;
0: the band widened to the expected value), on the synthetic panel and on the real development
set (/work/shared/data/realdata-dev/forecast, or ``BENCH_REALDATA``). Prints one JSON line.

Per data set and construction: ``rmse_mean`` (soles; on the real set clipped to 0-20 as its
PROVENANCE.md scores it), ``pinball`` (mean quantile loss of p10/p50/p90, soles),
``coverage_p10_p90``, ``share_mean_outside_band`` and ``share_flagged`` (models_disagree).

Run from the repository root: ``.venv/bin/python bench/band.py``.
"""

import json
import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from forecasting.engine import bands, forecaster, schema
from forecasting.engine.synthetic import generate_panel

REALDATA = Path(os.environ.get("BENCH_REALDATA", "/work/shared/data/realdata-dev/forecast"))
BUSINESSES = int(os.environ.get("BENCH_BUSINESSES", "3000"))
PROJECTIONS = (1.0, 0.5, 0.0)


def raw_forecast(model, records, businesses, origin):
    """The forecaster's predict at ``origin`` with the raw inputs of every row's construction."""
    captured = []

    def capture(log_p10, log_p50, log_p90, mean, **kw):
        captured.append(np.stack([log_p10, log_p50, log_p90, np.asarray(mean, dtype=float)]))
        return bands.coherent_forecast(log_p10, log_p50, log_p90, mean, **kw)

    forecaster.coherent_forecast = capture
    try:
        out = model.predict(records, businesses, cutoffs=[origin])
    finally:
        forecaster.coherent_forecast = bands.coherent_forecast
    return out, np.concatenate(captured, axis=1)


def pinball(y, q, tau):
    d = y - q
    return float(np.mean(np.maximum(tau * d, (tau - 1) * d)))


def scores(y, raw, projection, clip=None):
    """Metrics of one construction (``projection`` None: the raw figures, no construction)."""
    lp10, lp50, lp90, mean = raw
    if projection is None:
        p10, p50, p90 = np.expm1(np.maximum(lp10, 0)), np.expm1(np.maximum(lp50, 0)), None
        p90 = np.expm1(np.maximum(lp90, np.maximum(lp50, 0)))
        mean = np.maximum(mean, 0)
        flagged = np.zeros(len(y), dtype=bool)
    else:
        c = bands.coherent_forecast(lp10, lp50, lp90, mean, projection=projection)
        p10, p50, p90, mean, flagged = c["p10"], c["p50"], c["p90"], c["mean"], c["models_disagree"]
    outside = (mean < p10) | (mean > p90)
    point, truth = (mean, y) if clip is None else (np.clip(mean, *clip), np.clip(y, *clip))
    return {
        "rmse_mean": round(float(np.sqrt(np.mean((truth - point) ** 2))), 4),
        "pinball": round(
            np.mean([pinball(y, q, t) for q, t in ((p10, 0.1), (p50, 0.5), (p90, 0.9))]), 4
        ),
        "coverage_p10_p90": round(float(np.mean((y >= p10) & (y <= p90))), 4),
        "share_mean_outside_band": round(float(outside.mean()), 4),
        "share_flagged": round(float(flagged.mean()), 4),
    }


def report(y, raw, clip=None):
    out = {"rows": len(y), "before": scores(y, raw, None, clip)}
    for w in PROJECTIONS:
        out[f"projection_{w}"] = scores(y, raw, w, clip)
    return out


def synthetic():
    panel = generate_panel(BUSINESSES, 48, seed=11)
    origin = panel.periods[41]
    records = panel.records
    train = records[records[schema.PERIOD] <= origin]
    model = forecaster.SalesForecaster(n_jobs=2).fit(train, panel.businesses, panel.indicators)
    out, raw = raw_forecast(model, train, panel.businesses, origin)
    actual = records[[schema.BUSINESS_ID, schema.PERIOD, schema.SALES]]
    keyed = out[[schema.BUSINESS_ID, schema.PERIOD]].merge(actual, how="left")
    known = keyed[schema.SALES].notna().to_numpy()
    return report(keyed[schema.SALES].to_numpy()[known], raw[:, known])


def realdata():
    monthly = pd.read_csv(REALDATA / "monthly.csv.gz")
    truth = pd.read_csv(REALDATA / "truth.csv.gz")
    records = pd.DataFrame(
        {
            schema.BUSINESS_ID: monthly["ruc"].astype("int64"),
            schema.PERIOD: pd.to_datetime(monthly["period"] + "-01"),
            schema.SALES: monthly["sales"].astype(float),
            schema.COSTS: np.nan,
            schema.EMPLOYEES: np.nan,
            schema.SATISFACTION: np.nan,
        }
    )
    origin = records[schema.PERIOD].max()
    model = forecaster.SalesForecaster(n_jobs=2).fit(records)
    out, raw = raw_forecast(model, records, None, origin)
    truth = truth[truth["horizon"] <= 6].rename(columns={"ruc": schema.BUSINESS_ID})
    keyed = out[[schema.BUSINESS_ID, "horizon"]].merge(
        truth[[schema.BUSINESS_ID, "horizon", "cnt"]], how="left"
    )
    known = keyed["cnt"].notna().to_numpy()
    return report(keyed["cnt"].to_numpy(float)[known], raw[:, known], clip=(0.0, 20.0))


def main() -> None:
    """Score both data sets and print the JSON line."""
    print(
        json.dumps(
            {
                "tolerance_log1p": round(bands.DISAGREEMENT_TOLERANCE, 4),
                "product_projection": bands.PROJECTION,
                f"synthetic_{BUSINESSES}x48_seed11_origin41": synthetic(),
                "realdata_dev_forecast": realdata(),
            }
        )
    )


if __name__ == "__main__":
    main()
