"""Exports on a fresh SQLite database: 100,000 monthly records (2,000 businesses x 50 months)
written as CSV and as xlsx through the same service the admin and export_data use.

Prints one JSON line: {"rows", "csv_seconds", "xlsx_seconds", "csv_mb", "xlsx_mb", "peak_mb"}.
Usage: .venv/bin/python bench/exports.py [--businesses N] [--months M]
"""

import datetime as dt
import resource
import time
from decimal import Decimal
from pathlib import Path

from sqlite_project import businesses_seed, run


def inner(businesses: int, months: int, directory: Path) -> dict:
    """Runs inside the temporary project environment: load the rows, then time each format."""
    from businesses.exports import export_write
    from businesses.models import Business, MonthlyRecord

    businesses_seed(businesses)
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
    run(__file__, inner)


if __name__ == "__main__":
    main()
