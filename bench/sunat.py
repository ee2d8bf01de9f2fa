"""SUNAT's padrón reducido against the registry (issue 21).

Creates ``--businesses`` businesses (RUCs 209…, bulk-inserted once, kept between runs), writes
a generated padrón zip of ``--lines`` lines (tests/sunat_padron.py: Latin-1, the quirks of the
real file) holding every one of them spread among made-up taxpayers, then times
``sunat_padron_import`` on it (``--force``: the same file every run). The generation is not
timed. Run against PostgreSQL: ``DATABASE_URL=postgres://… .venv/bin/python bench/sunat.py``.

Prints ONE JSON line: ``{"lines", "seconds", "lines_per_s", "matched", "changed",
"peak_rss_mb", "generate_seconds"}`` (peak RSS of this process, generation included).
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
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=18_000_000)
    parser.add_argument("--businesses", type=int, default=100_000)
    parser.add_argument("--keep", type=Path, help="Keep (or reuse) the generated zip here.")
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command

    from businesses.models import Business
    from businesses.sunat.reconcile import sunat_padron_import
    from businesses.validators import ruc_check_digit
    from tests.sunat_padron import random_lines, write_padron

    call_command("migrate", verbosity=0)
    rucs = []
    for n in range(args.businesses):
        body = f"209{n:07d}"
        rucs.append(body + str(ruc_check_digit(body)))
    have = set(Business.objects.filter(ruc__startswith="209").values_list("ruc", flat=True))
    Business.objects.bulk_create(
        [
            Business(
                ruc=r,
                legal_name=f"EMPRESA {i} S.A.C.",
                sector_id="47",
                region_id="15",
                ubigeo="150101",
                search_text=r,
                sort_name=r,
            )
            for i, r in enumerate(rucs)
            if r not in have
        ],
        batch_size=5000,
    )
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        path = args.keep or Path(tmp) / "padron_reducido_ruc.zip"
        if not path.exists():
            write_padron(path, random_lines(args.lines, seed=21, rucs=rucs))
        generated = time.monotonic() - started
        started = time.monotonic()
        report = sunat_padron_import(path=path, force=True)
        seconds = time.monotonic() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "lines": report.lines,
                "seconds": round(seconds, 1),
                "lines_per_s": round(report.lines / seconds),
                "matched": report.matched,
                "changed": report.changed,
                "peak_rss_mb": round(peak, 1),
                "generate_seconds": round(generated, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
