"""import_data on a fresh SQLite database: a 100,000-row monthly CSV (Latin-1, ';', decimal
commas, as Excel in Spanish writes it) for 2,000 businesses (budget: well under a minute).

Prints one JSON line: {"rows", "seconds", "seconds_reimport", "created", "unchanged", ...}.
Usage: .venv/bin/python bench/imports.py [--businesses N] [--months M]
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


def inner(businesses: int, months: int, directory: Path) -> dict:
    """Runs inside the temporary project environment: seed businesses, write the CSV, time."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django

    django.setup()
    from businesses.imports import data_import_run
    from businesses.models import Business
    from businesses.validators import ruc_check_digit

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
    path = directory / "ventas.csv"
    with path.open("w", encoding="cp1252", newline="") as out:
        out.write("RUC;Período;Ventas;Costos;Empleados;Satisfacción cliente\r\n")
        for n in range(businesses):
            r = ruc(n)
            for m in range(months):
                year, month = 2015 + m // 12, m % 12 + 1
                sales = 1000 + (n * 37 + m * 11) % 9000
                out.write(
                    f"{r};{month:02d}/{year};{sales // 1000}.{sales % 1000:03d},50;"
                    f"{sales * 6 // 10},00;{1 + n % 9};{('baja', 'media', 'alta')[m % 3]}\r\n"
                )
    start = time.perf_counter()
    first = data_import_run(kind="monthly", path=path, file_name=path.name)
    seconds = time.perf_counter() - start
    start = time.perf_counter()
    again = data_import_run(kind="monthly", path=path, file_name=path.name)
    seconds_again = time.perf_counter() - start
    return {
        "rows": first.rows_read,
        "seconds": round(seconds, 2),
        "created": first.rows_created,
        "rejected": first.rows_rejected,
        "seconds_reimport": round(seconds_again, 2),
        "unchanged": again.rows_unchanged,
        "file_mb": round(path.stat().st_size / 1e6, 1),
    }


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
