"""seed_demo on a fresh SQLite database: 20,000 businesses x 48 months (budget: under a minute).

Prints one JSON line: {"businesses", "months", "records", "seconds_total", "seconds": {...}}.
Usage: .venv/bin/python bench/seed_demo.py [--businesses N] [--months M]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--businesses", type=int, default=20_000)
    parser.add_argument("--months", type=int, default=48)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "ASESOR_DATA_DIR": tmp, "DATABASE_URL": f"sqlite:///{tmp}/db.sqlite3"}
        manage = [sys.executable, str(ROOT / "manage.py")]
        subprocess.run([*manage, "migrate", "-v0"], env=env, check=True, cwd=ROOT)
        code = (
            "import json, time; from businesses.demo import demo_data_load; "
            f"t = time.perf_counter(); r = demo_data_load(businesses={args.businesses}, "
            f"months={args.months}, seed=1); "
            "print(json.dumps({'records': r.records, 'seconds': r.seconds}))"
        )
        start = time.perf_counter()
        out = (
            subprocess.run(
                [*manage, "shell", "-c", code],
                env=env,
                check=True,
                cwd=ROOT,
                capture_output=True,
                text=True,
            )
            .stdout.strip()
            .splitlines()[-1]
        )
        wall = time.perf_counter() - start
    inner = json.loads(out)
    print(
        json.dumps(
            {
                "businesses": args.businesses,
                "months": args.months,
                "records": inner["records"],
                "seconds_total": inner["seconds"]["total"],
                "seconds_wall_with_startup": round(wall, 2),
                "seconds": inner["seconds"],
                "database": "sqlite",
            }
        )
    )


if __name__ == "__main__":
    main()
