"""Bulk scoring benchmark: 100,000 businesses x 48 months in PostgreSQL, scored by a prediction
job on real Celery worker processes (Redis broker), with 1 and then 2 workers.

The script creates its own database (``asesor_bench_bulk`` on the local PostgreSQL, or
``--database-url``), loads the demo panel into it (businesses, then monthly records with COPY;
then ``VACUUM ANALYZE``), registers small production models fitted on a separate synthetic
panel, then for each worker count starts that many ``celery worker --concurrency 1`` processes
(without the advice snapshot's start-up build, ``ASESOR_SCORING_WARM=0``) on a queue of its own,
warms them with a small job, runs a full job over every business, and stops the workers by PID.
The database is dropped at the end unless ``--keep`` (a kept database is reused next time).

Prints one JSON line: {"businesses", "months", "runs": [{"workers", "seconds_total",
"businesses_per_s", "seconds": {"read", "features", "predict", "write"}}]} (diagnostics go to
standard error).
``seconds_total`` is wall time from queuing the job to its last chunk; the split sums the time
every worker spent in each step (so with 2 workers it can exceed the wall time).

Usage: .venv/bin/python bench/bulk_score.py [--businesses N] [--months M] [--workers 1,2]
       [--chunk-size N] [--keep]
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


def _load(businesses: int, months: int) -> int:
    from businesses.demo import demo_data_load
    from businesses.models import MonthlyRecord

    if MonthlyRecord.objects.exists():
        return MonthlyRecord.objects.count()
    records = demo_data_load(businesses=businesses, months=months, seed=1).records
    # What a DBA does after a bulk load (autovacuum is off on the development server, and
    # would otherwise do it during the measurement): planner statistics, the visibility map,
    # and the load's WAL flushed, so that the jobs meet a database in its steady state.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
        cursor.execute("CHECKPOINT")
    return records


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
    args = parser.parse_args()

    if not (args.keep and _database_exists(args.server, args.database)):
        _admin(args.server, f'DROP DATABASE IF EXISTS "{args.database}"')
        _admin(args.server, f'CREATE DATABASE "{args.database}"')
    database_url = f"{args.server}/{args.database}"
    data_dir = Path(tempfile.mkdtemp(prefix="asesor-bench-bulk-"))
    if args.keep:
        data_dir = ROOT / "var" / "bench-bulk"
        data_dir.mkdir(parents=True, exist_ok=True)
    queue = f"bench-bulk-{uuid.uuid4().hex[:8]}"
    _setup_django(database_url, str(data_dir), args.broker, queue)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    records = _load(args.businesses, args.months)
    print(f"{records} monthly records, chunks of {args.chunk_size}", file=sys.stderr)
    _register_models()

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
            job, seconds = _run_job(ids, chunk_size=args.chunk_size)
        finally:
            _stop_workers(workers)
        runs.append(
            {
                "workers": count,
                "seconds_total": round(seconds, 2),
                "businesses_per_s": round(len(ids) / seconds),
                "seconds": prediction_job_seconds(job),
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
