"""Training benchmark: both models, with the classifier's search, on 20,000 businesses x 60
months with two threads. Prints one JSON line:
``{"businesses", "months", "seconds_features", "seconds_forecaster", "seconds_growth",
"seconds_total", ...}``. ``seconds_features`` is the part of the two fits spent building
features (it is included in ``seconds_forecaster`` and ``seconds_growth``); ``seconds_total``
is the wall time of both fits. Run from the repository root: ``.venv/bin/python bench/train.py``.
"""

import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from forecasting.engine.evaluation import fit_forecaster, fit_growth
from forecasting.engine.synthetic import generate_panel

BUSINESSES = int(os.environ.get("BENCH_BUSINESSES", "20000"))
MONTHS = int(os.environ.get("BENCH_MONTHS", "60"))


def main() -> None:
    """Generate the panel, train both models and print the timings."""
    panel = generate_panel(BUSINESSES, MONTHS, seed=7)
    started = time.perf_counter()
    forecaster = fit_forecaster(panel.records, panel.businesses, panel.indicators, n_jobs=2)
    seconds_forecaster = time.perf_counter() - started
    started_g = time.perf_counter()
    growth = fit_growth(panel.records, panel.businesses, panel.indicators, n_jobs=2)
    seconds_growth = time.perf_counter() - started_g
    total = time.perf_counter() - started
    print(
        json.dumps(
            {
                "businesses": BUSINESSES,
                "months": MONTHS,
                "seconds_features": round(
                    forecaster.timings_["features"] + growth.timings_["features"], 2
                ),
                "seconds_forecaster": round(seconds_forecaster, 2),
                "seconds_growth": round(seconds_growth, 2),
                "seconds_total": round(total, 2),
                "forecaster_training_rows": forecaster.n_training_rows_,
                "growth_model": growth.family_,
                "growth_training_rows": growth.n_training_rows_,
                "growth_cv_best": {
                    k: v["best_score"] for k, v in growth.cv_results_["families"].items()
                },
                "load_average_1m": round(os.getloadavg()[0], 2),
            }
        )
    )


if __name__ == "__main__":
    main()
