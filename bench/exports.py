"""Exports on a fresh SQLite database: 100,000 monthly records (2,000 businesses x 50 months)
written as CSV and as xlsx through the same service the admin and export_data use.

Prints one JSON line: {"rows", "csv_seconds", "xlsx_seconds", "csv_mb", "xlsx_mb", "peak_mb"}.
Usage: .venv/bin/python bench/exports.py [--businesses N] [--months M]
"""

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def inner(businesses: int, months: int, directory: Path) -> dict:
    """Runs inside the temporary project environment: load the rows, then time each format."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django

    django.setup()
    from businesses.models import Business, MonthlyRecord
    from businesses.validators import ruc_check_digit
    from portal.exports import export_write

    def ruc(n: int) -> str:
        body = f"20{n:08d}"
        return body + str(ruc_check_digit(body))

    Business.objects.bulk_create(
        [
            Business(ruc=ruc(n), legal_name=f"Empresa {n}", sector_id="47", region_id="15",
                     ubigeo="150101")
            for n in range(businesses)
        ],
        batch_size=1000,
    )  # fmt: skip
    ids = list(Business.objects.order_by("pk").values_list("pk", flat=True))
    MonthlyRecord.objects.bulk_create(
        (
            MonthlyRecord(
                business_id=pk,
                period=dt.date(2015 + m // 12, m % 12 + 1, 1),
                sales=Decimal(1000 + (i * 37 + m * 11) % 9000),
                costs=Decimal(700),
                employees=3,
                satisfaction="medium",
            )
            for i, pk in enumerate(ids)
            for m in range(months)
        ),
        batch_size=5000,
    )
    result: dict = {"rows": MonthlyRecord.objects.count()}
    for fmt in ("csv", "xlsx"):
        path = directory / f"monthly.{fmt}"
        start = time.perf_counter()
        with path.open("wb") as out:
            export_write(kind="monthly", fmt=fmt, out=out, user=None)
        result[f"{fmt}_seconds"] = round(time.perf_counter() - start, 2)
        result[f"{fmt}_mb"] = round(path.stat().st_size / 1e6, 1)
    result["peak_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--businesses", type=int, default=2000)
    parser.add_argument("--months", type=int, default=50)
    parser.add_argument("--inner", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inner:
        print(json.dumps(inner(args.businesses, args.months, Path(args.inner))))
        return
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "ASESOR_DATA_DIR": tmp, "DATABASE_URL": f"sqlite:///{tmp}/db.sqlite3"}
        manage = [sys.executable, str(ROOT / "manage.py")]
        subprocess.run([*manage, "migrate", "-v0"], env=env, check=True, cwd=ROOT)
        out = subprocess.run(
            [sys.executable, __file__, "--businesses", str(args.businesses), "--months",
             str(args.months), "--inner", tmp],
            env=env, check=True, cwd=ROOT, capture_output=True, text=True,
        ).stdout.strip().splitlines()[-1]  # fmt: skip
    print(json.dumps({**json.loads(out), "database": "sqlite"}))


if __name__ == "__main__":
    main()
