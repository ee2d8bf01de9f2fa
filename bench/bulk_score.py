"""Bulk scoring benchmark: 100,000 businesses x 48 months in PostgreSQL, scored by a prediction
job on real Celery worker processes (Redis broker), with 1 and then 2 workers.

The script creates its own database (``asesor_bench_bulk`` on the local PostgreSQL, or
``--database``), loads the demo panel into it (businesses, then monthly records with COPY;
then ``VACUUM ANALYZE``), registers small production models fitted on a separate synthetic
panel, then for each worker count starts that many ``celery worker --concurrency 1`` processes
(without the advice snapshot's start-up build, ``ASESOR_SCORING_WARM=0``) on a queue of its own,
warms them with a small job, runs a full job over every business, and stops the workers by PID.
The database is dropped at the end unless ``--keep`` (a kept database is reused next time).

Beyond 100,000 businesses (``--businesses 1000000``) the first 100,000 are the demo panel and
the rest come in parts of 100,000 (seeds 2, 3, …), each generated, loaded (businesses through
``bulk_create``, records as one binary COPY into a staging table and one ``INSERT … SELECT``)
and committed on its own: memory stays that of one part, and an interrupted load goes on where
it stopped the next time (``--keep``; ``--load-only`` loads without scoring). Generate it with
``nice``: 36.6 M records take a while.

Prints one JSON line: {"businesses", "months", "runs": [{"workers", "seconds_total",
"businesses_per_s", "seconds": {"read", "features", "predict", "write"}, "worker_peak_rss_mb",
"worker_cpu_s", "load_average_1m"}]} (diagnostics go to standard error). Each worker's peak
resident memory is the kernel's high-water mark (``VmHWM``) and its CPU seconds (user +
system) are read from /proc just before the workers stop, warm-up job included.
``seconds_total`` is wall time from queuing the job to its last chunk; the split sums the time
every worker spent in each step (so with 2 workers it can exceed the wall time).

Usage: .venv/bin/python bench/bulk_score.py [--businesses N] [--months M] [--workers 1,2]
       [--chunk-size N] [--database NAME] [--broker URL] [--keep] [--load-only] [--timeout S]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SERVER = "postgres://postgres@127.0.0.1:5432"
DATABASE = "asesor_bench_bulk"


def _admin(server: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def _database_exists(server: str, name: str) -> bool:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        return bool(conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone())


def _setup_django(database_url: str, data_dir: str, broker: str, queue: str) -> None:
    os.environ.update(
        {
            "DATABASE_URL": database_url,
            "ASESOR_DATA_DIR": data_dir,
            "CELERY_BROKER_URL": broker,
            "CELERY_QUEUE": queue,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "OMP_NUM_THREADS": "1",
        }
    )
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()


PART = int(
    os.environ.get("BULK_BENCH_PART", 100_000)
)  # businesses generated and loaded at a time beyond the first demo panel


def _load(businesses: int, months: int) -> int:
    from businesses.demo import demo_data_load
    from businesses.models import Business, DataImport, MonthlyRecord

    if not MonthlyRecord.objects.exists():
        demo_data_load(businesses=min(businesses, PART), months=months, seed=1)
    elif Business.objects.count() >= businesses:
        return MonthlyRecord.objects.count()
    # further parts, each committed: an interrupted load goes on where it stopped (--keep)
    data_import = DataImport.objects.order_by("pk").first()
    while (start := Business.objects.count()) < businesses:
        t0 = time.perf_counter()
        part = start // PART + 1
        _load_part(min(PART, businesses - start), months, part, data_import)
        spent = time.perf_counter() - t0
        done = Business.objects.count()
        print(f"part {part}: {done} businesses ({spent:.0f} s)", file=sys.stderr)
    records = MonthlyRecord.objects.count()
    # What a DBA does after a bulk load (autovacuum is off on the development server, and
    # would otherwise do it during the measurement): planner statistics, the visibility map,
    # and the load's WAL flushed, so that the jobs meet a database in its steady state.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
        cursor.execute("CHECKPOINT")
    return records


def _load_part(n: int, months: int, seed: int, data_import) -> int:
    """Another ``n`` synthetic businesses (seed ``seed``) in their own transaction: the
    businesses through ``bulk_create`` (as the demo loads them), their monthly records as one
    binary COPY that NumPy writes into a staging table, then one ``INSERT … SELECT`` with the
    table's types (no per-row Python: 36 M rows). Memory stays that of one part."""
    import numpy as np
    from django.db import connection, transaction

    from businesses.demo import _load_businesses, demo_start_month
    from businesses.models import Business, MonthlyRecord
    from forecasting.engine import schema
    from forecasting.engine.synthetic import _ruc_check_digit, generate_panel
    from forecasting.predictions.io import copy_binary_rows

    panel = generate_panel(n, months, seed, demo_start_month(months))
    frame = panel.businesses
    # RUCs are drawn at random per panel: redraw those another part already holds (against
    # this panel's too), until none is taken
    rng = np.random.default_rng(seed)
    rucs = frame["ruc"].to_numpy(dtype=object)
    mine = set(rucs.tolist())
    clash = set(Business.objects.filter(ruc__in=list(mine)).values_list("ruc", flat=True))
    while clash:
        redrawn = []
        for i in np.flatnonzero(np.isin(rucs, list(clash))):
            while rucs[i] in mine:
                key = int(rucs[i][:2]) * 100_000_000 + int(rng.integers(0, 100_000_000))
                digits = np.array([[int(c) for c in f"{key:010d}"]])
                rucs[i] = f"{key}{int(_ruc_check_digit(digits)[0])}"
            mine.add(rucs[i])
            redrawn.append(rucs[i])
        clash = set(Business.objects.filter(ruc__in=redrawn).values_list("ruc", flat=True))
    frame["ruc"] = rucs
    r = panel.records
    with transaction.atomic():
        ids = _load_businesses(panel, data_import)
        lookup = np.zeros(max(ids) + 1, dtype=np.int64)
        lookup[list(ids)] = list(ids.values())
        epoch = np.datetime64("2000-01-01", "D")
        values = {
            "business_id": lookup[r[schema.BUSINESS_ID].to_numpy()],
            "period": (r[schema.PERIOD].to_numpy().astype("datetime64[D]") - epoch).astype(int),
            "sales": r[schema.SALES].to_numpy(dtype=float),
            "costs": r[schema.COSTS].to_numpy(dtype=float),
            "employees": np.nan_to_num(r[schema.EMPLOYEES].to_numpy(dtype=float), nan=-1),
            "satisfaction": np.nan_to_num(r[schema.SATISFACTION].to_numpy(dtype=float), nan=-1),
        }
        columns = [
            ("business_id", ">i8"), ("period", ">i4"), ("sales", ">f8"), ("costs", ">f8"),
            ("employees", ">i4"), ("satisfaction", ">i2"),
        ]  # fmt: skip
        table = connection.ops.quote_name(MonthlyRecord._meta.db_table)
        with connection.cursor() as cursor:
            # rows valid by construction, businesses just inserted: no per-row foreign-key
            # trigger at the commit (36 M of them at a million businesses)
            cursor.execute("SET LOCAL session_replication_role = replica")
            cursor.execute(
                "CREATE TEMPORARY TABLE bench_records (business_id int8, period int4, "
                "sales float8, costs float8, employees int4, satisfaction int2) ON COMMIT DROP"
            )
            copy_binary_rows(cursor, "bench_records", columns, values)
            cursor.execute(
                f"""INSERT INTO {table} (business_id, period, sales, costs, employees,
                    satisfaction, source_import_id)
                SELECT business_id, DATE '2000-01-01' + period, round(sales::numeric, 2),
                    round(NULLIF(costs, 'NaN'::float8)::numeric, 2), NULLIF(employees, -1),
                    CASE satisfaction WHEN 0 THEN 'low' WHEN 1 THEN 'medium'
                        WHEN 2 THEN 'high' ELSE '' END, %s
                FROM bench_records ORDER BY business_id, period""",
                [data_import.pk],
            )
            return cursor.rowcount


def _register_models() -> None:
    """Small production models fitted on a separate synthetic panel of 3,000 businesses."""
    from django.utils import timezone

    from forecasting.engine.forecaster import SalesForecaster
    from forecasting.engine.growth import GrowthClassifier
    from forecasting.engine.synthetic import generate_panel
    from forecasting.lifecycle.registry import artifact_save
    from forecasting.models import ModelKind, ModelVersion

    if ModelVersion.objects.filter(status=ModelVersion.Status.PRODUCTION).count() == 2:
        return
    panel = generate_panel(3000, 48, seed=7)
    data = (panel.records, panel.businesses, panel.indicators)
    models = {
        ModelKind.FORECASTER: SalesForecaster(
            n_estimators=60, max_cutoffs=8, calibration_months=2, min_bucket_rows=20, n_jobs=2
        ).fit(*data),
        ModelKind.GROWTH: GrowthClassifier(
            families=["xgboost"], n_iter=1, cv_splits=2, max_cutoffs=6, importance_rows=300
        ).fit(*data),
    }
    for kind, model in models.items():
        path, sha, mac = artifact_save(model, kind=kind, version=1)
        ModelVersion.objects.create(
            kind=kind,
            version=1,
            status=ModelVersion.Status.PRODUCTION,
            artifact_path=path,
            artifact_sha256=sha,
            artifact_hmac=mac,
            promoted_at=timezone.now(),
        )


# One process each (solo pool): "workers: 2" is two worker processes.
WORKER_OPTIONS = [
    "--concurrency", "1", "--pool", "solo", "--loglevel", "warning",
    "--without-gossip", "--without-mingle", "--without-heartbeat",
]  # fmt: skip


def _start_workers(count: int, env: dict, log_dir: Path) -> list[subprocess.Popen]:
    workers = []
    for i in range(count):
        log = (log_dir / f"worker-{count}-{i}.log").open("w")
        workers.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "config",
                    "worker",
                    *WORKER_OPTIONS,
                    "--hostname",
                    f"bench{i}-{os.getpid()}@%h",
                ],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )
    return workers


def _worker_usage(workers: list[subprocess.Popen]) -> tuple[list[float], list[float]]:
    """Each worker process's peak resident memory (MB, the kernel's high-water mark VmHWM)
    and CPU seconds (user + system) so far, read from /proc before the workers stop."""
    peaks, cpu = [], []
    ticks = os.sysconf("SC_CLK_TCK")
    for process in workers:
        status = Path(f"/proc/{process.pid}/status").read_text()
        hwm = next(line for line in status.splitlines() if line.startswith("VmHWM:"))
        peaks.append(round(int(hwm.split()[1]) / 1024, 1))
        fields = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        cpu.append(round((int(fields[11]) + int(fields[12])) / ticks, 1))
    return peaks, cpu


def _stop_workers(workers: list[subprocess.Popen]) -> None:
    for process in workers:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for process in workers:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)


def _run_job(business_ids: list[int], chunk_size: int, timeout: float = 600) -> tuple:
    from forecasting.models import PredictionJob
    from forecasting.predictions.jobs import prediction_job_create
    from forecasting.tasks import prediction_job_run

    job = prediction_job_create(business_ids=business_ids, chunk_size=chunk_size)
    started = time.perf_counter()
    prediction_job_run.delay(job.pk)
    deadline = started + timeout
    while time.perf_counter() < deadline:
        status = PredictionJob.objects.filter(pk=job.pk).values_list("status", flat=True).get()
        if status in (PredictionJob.Status.SUCCEEDED, PredictionJob.Status.FAILED):
            break
        time.sleep(0.05)
    seconds = time.perf_counter() - started
    job.refresh_from_db()
    if job.status != PredictionJob.Status.SUCCEEDED:
        raise SystemExit(f"job {job.pk} ended {job.status}: {job.error}")
    return job, seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--businesses", type=int, default=100_000)
    parser.add_argument("--months", type=int, default=48)
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--chunk-size", type=int, default=12_500)
    parser.add_argument("--server", default=SERVER, help="PostgreSQL server URL (no database)")
    parser.add_argument("--database", default=DATABASE)
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/6")
    parser.add_argument("--keep", action="store_true", help="keep (and reuse) the database")
    parser.add_argument("--load-only", action="store_true", help="load (with --keep), no jobs")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds a job may take")
    args = parser.parse_args()

    if not (args.keep and _database_exists(args.server, args.database)):
        _admin(args.server, f'DROP DATABASE IF EXISTS "{args.database}"')
        _admin(args.server, f'CREATE DATABASE "{args.database}"')
    database_url = f"{args.server}/{args.database}"
    data_dir = Path(tempfile.mkdtemp(prefix="asesor-bench-bulk-"))
    if args.keep:
        data_dir = ROOT / "var" / "bench-bulk" / args.database  # the models of that database
        data_dir.mkdir(parents=True, exist_ok=True)
    queue = f"bench-bulk-{uuid.uuid4().hex[:8]}"
    _setup_django(database_url, str(data_dir), args.broker, queue)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    records = _load(args.businesses, args.months)
    print(f"{records} monthly records, chunks of {args.chunk_size}", file=sys.stderr)
    _register_models()
    if args.load_only:
        return

    from businesses.models import Business
    from forecasting.models import PredictionJob
    from forecasting.predictions.jobs import prediction_job_seconds

    ids = list(Business.objects.order_by("pk").values_list("pk", flat=True))
    # A worker process builds the advice's scoring snapshot when it starts (the whole panel
    # featurised and predicted: ~20 CPU-s at 100k businesses, in a thread of the same process).
    # The nightly job meets workers that did that long ago; here it would run beside the timed
    # job on the same two cores, so the bench's workers leave it to the first advice.
    env = {**os.environ, "ASESOR_SCORING_WARM": "0"}
    runs = []
    for count in [int(w) for w in args.workers.split(",")]:
        workers = _start_workers(count, env, data_dir)
        try:
            _run_job(ids[: 50 * count], chunk_size=50)  # warm: imports and model loads
            # cold group statistics: the timed job reads and summarises the whole panel
            PredictionJob.objects.update(group_statistics={})
            job, seconds = _run_job(ids, chunk_size=args.chunk_size, timeout=args.timeout)
            load = os.getloadavg()[0]
            peaks, cpu = _worker_usage(workers)
        finally:
            _stop_workers(workers)
        runs.append(
            {
                "workers": count,
                "seconds_total": round(seconds, 2),
                "businesses_per_s": round(len(ids) / seconds),
                "seconds": prediction_job_seconds(job),
                "worker_peak_rss_mb": peaks,
                "worker_cpu_s": cpu,
                "load_average_1m": round(load, 2),
            }
        )
        # diagnostics beside the JSON line: the serial first step and the chunks
        print(
            f"workers={count}: first step {job.seconds.get('start', {})}, "
            f"{job.chunks.count()} chunks {job.seconds.get('chunks', {})}",
            file=sys.stderr,
        )
    from django.db import connections

    connections.close_all()
    if not args.keep:
        _admin(args.server, f'DROP DATABASE IF EXISTS "{args.database}"')
    print(json.dumps({"businesses": len(ids), "months": args.months, "runs": runs}))


if __name__ == "__main__":
    main()
