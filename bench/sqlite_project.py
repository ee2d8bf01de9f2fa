"""What the SQLite benchmarks share: run a measurement inside a throwaway, migrated project
(its own ASESOR_DATA_DIR and SQLite file, in a child process so settings read them), and seed
the businesses it needs. Used by bench/imports.py and bench/exports.py."""

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(script: str, inner: Callable[[int, int, Path], dict]) -> None:
    """The benchmark's entry point: ``--businesses N --months M``; prints one JSON line.

    The parent makes and migrates a fresh SQLite project in a temporary directory, then runs
    ``script`` again with ``--inner DIR`` in that environment, where ``inner(businesses,
    months, directory)`` measures and returns its figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--businesses", type=int, default=2000)
    parser.add_argument("--months", type=int, default=50)
    parser.add_argument("--inner", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inner:
        sys.path.insert(0, str(ROOT))
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        import django

        django.setup()
        print(json.dumps(inner(args.businesses, args.months, Path(args.inner))))
        return
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "ASESOR_DATA_DIR": tmp, "DATABASE_URL": f"sqlite:///{tmp}/db.sqlite3"}
        manage = [sys.executable, str(ROOT / "manage.py")]
        subprocess.run([*manage, "migrate", "-v0"], env=env, check=True, cwd=ROOT)
        out = subprocess.run(
            [sys.executable, script, "--businesses", str(args.businesses), "--months",
             str(args.months), "--inner", tmp],
            env=env, check=True, cwd=ROOT, capture_output=True, text=True,
        ).stdout.strip().splitlines()[-1]  # fmt: skip
    print(json.dumps({**json.loads(out), "database": "sqlite"}))


def ruc(n: int) -> str:
    """The n-th synthetic company RUC (prefix 20, valid check digit)."""
    from businesses.validators import ruc_check_digit

    body = f"20{n:08d}"
    return body + str(ruc_check_digit(body))


def businesses_seed(n: int) -> None:
    """``n`` retail businesses in Lima, RUCs ``ruc(0) .. ruc(n - 1)``."""
    from businesses.models import Business

    businesses = [
        Business(ruc=ruc(i), legal_name=f"Empresa {i}", sector_id="47", region_id="15",
                 ubigeo="150101")
        for i in range(n)
    ]  # fmt: skip
    for business in businesses:
        business.fill_search_columns()  # bulk_create does not call save()
    Business.objects.bulk_create(businesses, batch_size=1000)
