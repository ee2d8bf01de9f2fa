"""import_data on a fresh SQLite database: a 100,000-row monthly CSV (Latin-1, ';', decimal
commas, as Excel in Spanish writes it) for 2,000 businesses (budget: well under a minute).

Prints one JSON line: {"rows", "seconds", "seconds_reimport", "created", "unchanged", ...}.
Usage: .venv/bin/python bench/imports.py [--businesses N] [--months M]
"""

import time
from pathlib import Path

from sqlite_project import businesses_seed, ruc, run


def inner(businesses: int, months: int, directory: Path) -> dict:
    """Runs inside the temporary project environment: seed businesses, write the CSV, time."""
    from businesses.imports import data_import_run

    businesses_seed(businesses)
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
    run(__file__, inner)


if __name__ == "__main__":
    main()
