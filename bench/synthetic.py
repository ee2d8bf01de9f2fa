"""Time the synthetic panel generator and its oracle; print one JSON line.

Run from the repository root: ``.venv/bin/python bench/synthetic.py``.
"""

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from forecasting.engine.synthetic import generate_panel


def seconds(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def main() -> None:
    gen_20k, panel_20k = seconds(lambda: generate_panel(20_000, 48, seed=1))
    gen_100k, panel_100k = seconds(lambda: generate_panel(100_000, 48, seed=1))
    del panel_100k
    oracle_panel = generate_panel(3_000, 60, seed=11)
    cutoffs = oracle_panel.periods[[23, 35, 47]]
    oracle_sales, _ = seconds(lambda: oracle_panel.oracle_log_sales(cutoffs, n_draws=200))
    oracle_growth, _ = seconds(lambda: oracle_panel.oracle_growth_probability(cutoffs, n_draws=200))
    print(
        json.dumps(
            {
                "generate_20000x48_s": round(gen_20k, 2),
                "generate_100000x48_s": round(gen_100k, 2),
                "records_20000x48": len(panel_20k.records),
                "oracle_log_sales_3000x3cutoffsx6h_200draws_s": round(oracle_sales, 2),
                "oracle_growth_3000x3cutoffs_200draws_s": round(oracle_growth, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
