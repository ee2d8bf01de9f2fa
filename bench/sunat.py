"""SUNAT's padrón reducido against the registry (issue 21): the budget is 18,000,000 lines against
100,000 businesses in PostgreSQL within 180 s, peak memory under 500 MB.

Always runs on its OWN PostgreSQL database (``--database``, default ``asesor_bench_sunat`` on
127.0.0.1:5432, user postgres; ``--pg`` for another server), whatever ``DATABASE_URL`` says: it
drops and creates it, migrates, bulk-inserts ``--businesses`` businesses (RUCs 209…) and, for
every other one, a status as an earlier day's padrón left it (ACTIVO / HABIDO), so the timed run
meets the three cases of a daily run: first sightings, changes and unchanged statuses. The
database is dropped at the end unless ``--keep``.

The padrón zip (``--lines`` lines from tests/sunat_padron.py: Latin-1, CRLF, the header, ``-``
placeholders, the trailing separator, stray pipes; every business's RUC spread among made-up
taxpayers) is generated once and cached in the temp directory, keyed by lines, businesses and
seed. Neither the set-up nor the generation is timed: the timed part is ``sunat_padron_import``
(digest, stream, match, write).

Prints ONE JSON line: ``{"lines", "seconds", "lines_per_s", "matched", "changed", "new",
"bad_lines", "peak_rss_mb"}`` (peak RSS of this process over its whole life).
"""

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _admin(pg: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{pg}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=18_000_000)
    parser.add_argument("--businesses", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=21)
    parser.add_argument("--database", default="asesor_bench_sunat")
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--keep", action="store_true", help="Keep the database afterwards.")
    parser.add_argument(
        "--cache",
        type=Path,
        default=Path(tempfile.gettempdir()) / "asesor-bench-sunat",
        help="Where the generated padrón is kept between runs.",
    )
    args = parser.parse_args()

    _admin(args.pg, f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
    _admin(args.pg, f'CREATE DATABASE "{args.database}"')
    os.environ["DATABASE_URL"] = f"{args.pg}/{args.database}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    try:
        result = _run(args)
    finally:
        if not args.keep:
            from django.db import connections

            connections.close_all()
            _admin(args.pg, f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
    print(json.dumps(result))


def _run(args) -> dict:
    import datetime as dt

    import django

    django.setup()
    from django.core.management import call_command

    from businesses.models import Business, SunatPadronRun, SunatStatus
    from businesses.sunat.padron import PadronRow, ReadStats, parse_line
    from businesses.sunat.reconcile import sunat_padron_import
    from businesses.validators import ruc_check_digit
    from tests.sunat_padron import pooled_lines, write_padron

    call_command("migrate", verbosity=0)
    rucs = []
    for n in range(args.businesses):
        body = f"209{n:07d}"
        rucs.append(body + str(ruc_check_digit(body)))
    for start in range(0, len(rucs), 5000):  # in slices: the set-up must not set the peak
        Business.objects.bulk_create(
            [
                Business(
                    ruc=r,
                    legal_name=f"EMPRESA {start + i} S.A.C.",
                    sector_id="47",
                    region_id="15",
                    ubigeo="150101",
                    search_text=r,
                    sort_name=r,
                )
                for i, r in enumerate(rucs[start : start + 5000])
            ]
        )
    # An earlier day's padrón: every other business as the file to read has it, except one in
    # four of those, whose status the file changes.
    yesterday = dt.date.today() - dt.timedelta(days=1)
    earlier = SunatPadronRun.objects.create(
        file_name="earlier.zip", sha256="0" * 64, seen_on=yesterday, status="succeeded"
    )
    pks = dict(Business.objects.values_list("ruc", "pk"))
    stats = ReadStats()
    before = []
    lines = pooled_lines(args.lines, seed=args.seed, rucs=rucs, only_known=True)
    for n, raw in enumerate(lines):
        row = parse_line(raw.encode("latin-1"), n, stats)
        if n % 2 or not isinstance(row, PadronRow):
            continue
        status = row.status if n % 8 else ("ACTIVO" if row.status != "ACTIVO" else "BAJA DE OFICIO")
        before.append(
            SunatStatus(
                business_id=pks[row.ruc],
                status=status,
                status_since=yesterday,
                condition=row.condition,
                condition_since=yesterday,
                ubigeo=row.ubigeo,
                ubigeo_differs=bool(row.ubigeo) and row.ubigeo != "150101",
                legal_name=row.name[:200],
                legal_name_differs=True,
                address=row.address()[:300],
                seen_on=yesterday,
                run=earlier,
            )
        )
        if len(before) >= 5000:
            SunatStatus.objects.bulk_create(before)
            before.clear()
    SunatStatus.objects.bulk_create(before)
    del before, pks

    args.cache.mkdir(parents=True, exist_ok=True)
    path = args.cache / f"padron_{args.lines}_{args.businesses}_{args.seed}.zip"
    if not path.exists():
        partial = path.with_suffix(".partial")
        write_padron(partial, pooled_lines(args.lines, seed=args.seed, rucs=rucs), as_zip=True)
        partial.rename(path)

    started = time.monotonic()
    report = sunat_padron_import(path=path, force=True)
    seconds = time.monotonic() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "lines": report.lines,
        "seconds": round(seconds, 1),
        "lines_per_s": round(report.lines / seconds),
        "matched": report.matched,
        "changed": report.changed,
        "new": report.new,
        "bad_lines": report.bad_lines,
        "peak_rss_mb": round(peak, 1),
    }


if __name__ == "__main__":
    main()
