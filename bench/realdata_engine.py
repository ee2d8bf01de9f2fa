"""The forecaster alone on the real development set, in-process: a quick loop for model work
(issue 17) beside ``bench/realdata.py``, which measures the product end to end.

Reads ``forecast/`` of the development set (``BENCH_REALDATA``, default
/work/shared/data/realdata-dev) into the engine's frames the way the importer would (``ruc`` ->
business id, ``sector_code`` -> CIIU division and its section, ``ubigeo[:2]`` -> region), fits
``SalesForecaster`` with its production parameters (or ``--params '{...}'`` overrides) on the
whole history, forecasts h = 1..6 at the cut-off and scores the ``mean`` against
``truth.csv.gz`` as ``bench/realdata.py`` does (RMSE on counts clipped 0-20, p10-p90 coverage),
plus the quantile (pinball) loss of log_p10 / log_p50 / log_p90 on log1p counts. One fit: about
a minute on a quiet machine, against several for the whole product bench. Choose nothing on
these figures alone: they are the held-out truth (the acceptance check scores other shops).

Prints ONE JSON line: ``{"params", "rmse": {"1".."6"}, "rmse_mean_1_6", "coverage_p10_p90",
"pinball_log", "fit_seconds"}``. Run from the repository root:
``.venv/bin/python bench/realdata_engine.py [--params '{"calibration_months": 6}']``.
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from forecasting.engine import schema
from forecasting.engine.forecaster import SalesForecaster

DATA = Path(os.environ.get("BENCH_REALDATA", "/work/shared/data/realdata-dev")) / "forecast"
H = 6
# CIIU Rev. 4: the section letter of each range of divisions
SECTIONS = [
    (3, "A"), (9, "B"), (33, "C"), (35, "D"), (39, "E"), (43, "F"), (47, "G"), (53, "H"),
    (56, "I"), (63, "J"), (66, "K"), (68, "L"), (75, "M"), (82, "N"), (84, "O"), (85, "P"),
    (88, "Q"), (93, "R"), (96, "S"), (98, "T"), (99, "U"),
]  # fmt: skip


def section(division: int) -> str:
    return next(letter for last, letter in SECTIONS if division <= last)


def load() -> tuple[pd.DataFrame, pd.DataFrame, dict[str, int]]:
    biz = pd.read_csv(
        DATA / "businesses.csv.gz", dtype={"ruc": str, "sector_code": str, "ubigeo": str}
    )
    monthly = pd.read_csv(DATA / "monthly.csv.gz", dtype={"ruc": str, "period": str})
    ids = {ruc: i + 1 for i, ruc in enumerate(biz["ruc"])}
    businesses = pd.DataFrame(
        {
            schema.BUSINESS_ID: biz["ruc"].map(ids).astype("int64"),
            schema.SECTOR_SECTION: biz["sector_code"].astype(int).map(section),
            schema.SECTOR_DIVISION: biz["sector_code"].str.zfill(2),
            schema.REGION_CODE: biz["ubigeo"].str[:2],
            schema.FOUNDED: pd.to_datetime(biz["founded_on"]),
            schema.WOMEN_LED: False,
            schema.SELLS_ONLINE: False,
        }
    )
    records = pd.DataFrame(
        {
            schema.BUSINESS_ID: monthly["ruc"].map(ids).astype("int64"),
            schema.PERIOD: pd.PeriodIndex(monthly["period"], freq="M").to_timestamp(),
            schema.SALES: monthly["sales"].astype(float),
            schema.COSTS: np.nan,
            schema.EMPLOYEES: np.nan,
            schema.SATISFACTION: np.nan,
        }
    ).sort_values([schema.BUSINESS_ID, schema.PERIOD], ignore_index=True)
    return businesses, records, ids


def clipped_rmse(pred: np.ndarray, truth: np.ndarray) -> float:
    p, y = np.clip(pred, 0.0, 20.0), np.clip(truth, 0.0, 20.0)
    return float(np.sqrt(np.mean((p - y) ** 2)))


def pinball(y: np.ndarray, q: np.ndarray, alpha: float) -> float:
    d = y - q
    return float(np.mean(np.maximum(alpha * d, (alpha - 1.0) * d)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--params", default="{}", help="SalesForecaster overrides, JSON")
    params = json.loads(parser.parse_args().params)
    businesses, records, ids = load()
    started = time.perf_counter()
    model = SalesForecaster(**params).fit(records, businesses)
    fit_seconds = time.perf_counter() - started
    pred = model.predict(records, businesses)
    truth = pd.read_csv(DATA / "truth.csv.gz", dtype={"ruc": str})
    truth = truth[truth["horizon"] <= H].assign(**{schema.BUSINESS_ID: lambda t: t["ruc"].map(ids)})
    cols = [schema.BUSINESS_ID, "horizon", "mean", "p10", "p90", "log_p10", "log_p50", "log_p90"]
    rows = truth.merge(pred[cols], on=[schema.BUSINESS_ID, "horizon"], how="left").fillna(0.0)
    y = rows["cnt"].to_numpy(dtype=float)
    horizon = rows["horizon"].to_numpy()
    rmse = {
        str(h): round(clipped_rmse(rows["mean"].to_numpy()[horizon == h], y[horizon == h]), 4)
        for h in range(1, H + 1)
    }
    log_y = np.log1p(y)
    loss = np.mean([pinball(log_y, rows[f"log_p{q}"].to_numpy(), q / 100) for q in (10, 50, 90)])
    inside = (y >= rows["p10"].to_numpy()) & (y <= rows["p90"].to_numpy())
    print(
        json.dumps(
            {
                "params": params,
                "rmse": rmse,
                "rmse_mean_1_6": round(float(np.mean(list(rmse.values()))), 4),
                "coverage_p10_p90": round(float(inside.mean()), 4),
                "pinball_log": round(float(loss), 4),
                "fit_seconds": round(fit_seconds, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
