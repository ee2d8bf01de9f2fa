"""Feature-building benchmark: prints one JSON line.

100,000 businesses x 48 months at one cut-off (the bulk-scoring case), and the training
cut-offs of 20,000 x 60 (what the forecaster and the classifier build before fitting).
Run from the repository root: ``.venv/bin/python bench/features.py``.
"""

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from forecasting.engine.features import build_features, build_panel
from forecasting.engine.forecaster import SalesForecaster
from forecasting.engine.growth import GrowthClassifier
from forecasting.engine.synthetic import generate_panel


def main() -> None:
    """Time the builders and print the figures."""
    big = generate_panel(100_000, 48, seed=1)
    started = time.perf_counter()
    panel = build_panel(big.records)
    seconds_panel = time.perf_counter() - started
    frame = build_features(
        big.records, big.businesses, big.indicators, [big.periods[-1]], panel=panel
    )
    seconds_one = time.perf_counter() - started
    del big, panel

    train = generate_panel(20_000, 60, seed=1)
    started = time.perf_counter()
    rows_f = len(
        SalesForecaster().training_frame(train.records, train.businesses, train.indicators)
    )
    seconds_forecaster = time.perf_counter() - started
    started = time.perf_counter()
    rows_g = len(
        GrowthClassifier().training_frame(train.records, train.businesses, train.indicators)
    )
    seconds_growth = time.perf_counter() - started
    print(
        json.dumps(
            {
                "businesses": 100_000,
                "months": 48,
                "seconds_one_cutoff": round(seconds_one, 2),
                "seconds_pivot": round(seconds_panel, 2),
                "rows": len(frame),
                "columns": frame.shape[1],
                "training_businesses": 20_000,
                "training_months": 60,
                "seconds_training_cutoffs_forecaster": round(seconds_forecaster, 2),
                "rows_training_forecaster": rows_f,
                "seconds_training_cutoffs_growth": round(seconds_growth, 2),
                "rows_training_growth": rows_g,
            }
        )
    )


if __name__ == "__main__":
    main()
