"""Page and advice latency with 100,000 businesses in the database (budgets of issue 4).

Builds its own PostgreSQL database (``asesor_bench_pages`` on ``BENCH_PG``, default
``postgres://postgres@127.0.0.1:5432``; created, loaded by COPY through the demo loader, and
dropped at the end unless ``--keep``), 100,000 businesses x 48 months of demo data, and small
production models (``manage.py train`` with few trees and cut-offs, on every 20th business: the
budget is about serving, not model quality; scoring then covers all 100,000). Then, with the
models and the scoring snapshot warm (as a worker has them after
:func:`forecasting.scoring.snapshot.scoring_warm` at start):

* business page with stored advice: an advisor's business pages through the whole Django stack
  (middleware, session, the view, the template), in-process with the test client, one client;
  ``business_page_*`` is the server time of each GET.
* fresh advice for one business: ``advice_compute_now`` (load the business, score it, apply the
  rules, store the advice and its recommendations) as a server answers it: ``--workers``
  forked server processes (default: the number of CPUs, like a Celery worker's concurrency)
  fed by 8 concurrent clients (threads, each waiting for its answer before sending the next).
  ``advice_*`` is the server time of each computation (from the moment a server process takes
  the request); ``advice_client_*`` adds the time a request waited for a free server process.

``*_cpu_*`` is the CPU time of the serving thread for the same requests: on a shared machine
the server times grow with the load average (printed too), the CPU times do not.

Prints one JSON line: businesses, business_page_p50_ms / p99, advice_p50_ms / p99, their CPU
times, advice_client_p50_ms / p99, the sizes, the setup timings and the load average.
Usage: ``.venv/bin/python bench/pages.py [--businesses N] [--keep] [--reuse] [--profile]``
(``--reuse`` keeps an existing bench database and models; ``--profile`` prints pyinstrument
profiles of one page and one advice to stderr).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DB_NAME = "asesor_bench_pages"
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
DATA_DIR = ROOT / "var" / "bench-pages"
CLIENTS = 8
TRAIN_SAMPLE = 5_000
SMALL_MODELS = {
    "forecaster": {
        "n_estimators": 30,
        "max_cutoffs": 8,
        "calibration_months": 2,
        "min_bucket_rows": 50,
        "n_jobs": 1,
    },
    "growth": {
        "families": ["xgboost"],
        "n_iter": 1,
        "cv_splits": 3,
        "max_cutoffs": 12,
        "importance_rows": 500,
        "n_jobs": 1,
    },
}


def _percentile(values: list[float], q: float) -> float:
    import numpy as np

    return round(float(np.percentile(values, q)), 2) if values else float("nan")


def _admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def _database_exists() -> bool:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        return bool(
            conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]).fetchone()
        )


def _configure(reuse: bool) -> None:
    """Point Django at the bench database and data folder, before ``django.setup()``."""
    if not reuse:
        shutil.rmtree(DATA_DIR, ignore_errors=True)
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    for name in ("REDIS_URL", "CELERY_QUEUE"):
        os.environ.pop(name, None)
    os.environ.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=f"{PG}/{DB_NAME}",
        ASESOR_DATA_DIR=str(DATA_DIR),
        ASESOR_MODEL_STORE=str(DATA_DIR / "models"),
        CELERY_BROKER_URL="filesystem://",
        DJANGO_SECURE="0",
        DJANGO_DEBUG="0",
        DJANGO_ALLOWED_HOSTS="testserver,localhost",
        ASESOR_MODEL_PARAMETERS=json.dumps(SMALL_MODELS),
    )


def _setup(businesses: int, months: int) -> dict:
    """Migrate, load the demo panel and train small production models (each step only if a
    reused database lacks it); the timings."""
    from django.core.management import call_command

    from businesses.demo import demo_data_load
    from businesses.models import Business
    from forecasting.models import ModelVersion

    timings = {}
    t = time.perf_counter()
    call_command("migrate", verbosity=0)
    timings["migrate_s"] = round(time.perf_counter() - t, 1)
    if not Business.objects.exists():
        t = time.perf_counter()
        demo_data_load(businesses=businesses, months=months, seed=1)
        timings["seed_s"] = round(time.perf_counter() - t, 1)
    if "seed_s" in timings:
        # What a DBA does after a bulk load (and autovacuum would do during the measurement):
        # statistics for the planner, the visibility map, and the load's WAL flushed, so that
        # the measurement sees a database in its steady state.
        from django.db import connection

        t = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
            cursor.execute("CHECKPOINT")
        timings["vacuum_analyze_s"] = round(time.perf_counter() - t, 1)
    if ModelVersion.objects.filter(status="production").count() < 2:
        t = time.perf_counter()
        _train_on_a_sample()
        timings["train_s"] = round(time.perf_counter() - t, 1)
        timings["trained_on_businesses"] = TRAIN_SAMPLE
    return timings


def _train_on_a_sample() -> None:
    """``manage.py train --kind all --promote`` on every 20th business (5,000 of 100,000):
    serving reads the models' shape (trees, features), not how much data fitted them, and the
    full panel would take half an hour to fit on the 2-core machine. Scoring then runs against
    all 100,000 businesses."""
    from django.core.management import call_command

    from businesses.models import Business
    from forecasting import history as selectors
    from forecasting.lifecycle import training

    def sample():
        ids = list(Business.objects.order_by("pk").values_list("pk", flat=True))
        ids = ids[:: max(1, len(ids) // TRAIN_SAMPLE)][:TRAIN_SAMPLE]
        records = selectors.records_frame(ids)
        return selectors.TrainingData(
            records=records,
            businesses=selectors.businesses_frame(ids),
            indicators=selectors.indicators_frame(),
            data_version=None,
            fingerprint=selectors.data_fingerprint(records),
        )

    original = training.training_data
    training.training_data = sample
    try:
        call_command("train", kind="all", promote=True, verbosity=0)
    finally:
        training.training_data = original


def _advisor_businesses(limit: int) -> tuple:
    from django.contrib.auth import get_user_model

    from businesses.models import Business

    user = get_user_model().objects.get(username="asesora.lima")
    ids = list(
        Business.objects.filter(advisor=user).order_by("pk").values_list("pk", flat=True)[:limit]
    )
    return user, ids


def _page_times(user, ids: list[int], rounds: int) -> tuple[list[float], list[float]]:
    """Server time and CPU time (this thread's) of each business page, in ms."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    times, cpu = [], []
    for _round in range(rounds):
        for pk in ids:
            t, c = time.perf_counter(), time.thread_time()
            response = client.get(f"/businesses/{pk}/")
            times.append((time.perf_counter() - t) * 1000)
            cpu.append((time.thread_time() - c) * 1000)
            assert response.status_code == 200, (pk, response.status_code)
    return times, cpu


def _advice_once(business_id: int) -> tuple[float, float]:
    """In a server process: one fresh advice, its server time and CPU time in ms."""
    from businesses.models import Business
    from forecasting.advice.services import advice_compute_now
    from forecasting.models import Advice

    t, c = time.perf_counter(), time.thread_time()
    business = Business.objects.select_related("sunat").get(pk=business_id)  # as the API loads it
    advice = advice_compute_now(business=business, user=None)
    elapsed, cpu = (time.perf_counter() - t) * 1000, (time.thread_time() - c) * 1000
    assert advice.status == Advice.Status.READY, advice.error
    return elapsed, cpu


def _server_start() -> None:
    from django.db import connections

    connections.close_all()  # each forked server process opens its own connection


def _advice_times(ids: list[int], *, workers: int, per_client: int) -> tuple[list, list, list]:
    import multiprocessing

    from django.db import connections

    connections.close_all()
    server, cpu, client = [], [], []
    lock = threading.Lock()
    with multiprocessing.get_context("fork").Pool(workers, initializer=_server_start) as pool:
        pool.map(_advice_once, ids[: workers * 2])  # each server process touched once

        def run(seed: int) -> None:
            rng = random.Random(seed)
            for _ in range(per_client):
                t = time.perf_counter()
                ms, cpu_ms = pool.apply(_advice_once, (rng.choice(ids),))
                waited = (time.perf_counter() - t) * 1000
                with lock:
                    server.append(ms)
                    cpu.append(cpu_ms)
                    client.append(waited)

        threads = [threading.Thread(target=run, args=(i,)) for i in range(CLIENTS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    return server, cpu, client


def _profile(user, business_id: int) -> None:
    from django.test import Client
    from pyinstrument import Profiler

    from businesses.models import Business
    from forecasting.advice.services import advice_compute_now

    client = Client()
    client.force_login(user)
    business = Business.objects.get(pk=business_id)
    for label, call in (
        ("business page", lambda: client.get(f"/businesses/{business_id}/")),
        ("advice", lambda: advice_compute_now(business=business, user=None)),
    ):
        profiler = Profiler(interval=0.0005)
        with profiler:
            for _ in range(20):
                call()
        print(f"==== {label} (20 calls)", file=sys.stderr)
        print(profiler.output_text(unicode=False, show_all=False), file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--businesses", type=int, default=100_000)
    parser.add_argument("--months", type=int, default=48)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--per-client", type=int, default=40)
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    parser.add_argument("--reuse", action="store_true", help="reuse a kept bench database")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()

    reuse = args.reuse and _database_exists()
    _configure(reuse)
    if not reuse:
        _admin(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        _admin(f'CREATE DATABASE "{DB_NAME}"')
    import django

    django.setup()
    from django.db import connections

    from businesses.models import Business, MonthlyRecord
    from forecasting.scoring.snapshot import scoring_warm

    try:
        setup = {"reused_database": reuse, **_setup(args.businesses, args.months)}
        t = time.perf_counter()
        warm = scoring_warm()
        setup["scoring_warm_s"] = round(time.perf_counter() - t, 2)
        setup["scoring_snapshot_build_s"] = round(warm.build_seconds, 2) if warm else None

        with connections["default"].cursor() as cursor:
            # the writes of the setup (training, model versions) flushed before measuring
            cursor.execute("CHECKPOINT")
        user, ids = _advisor_businesses(60)
        stored = ids[:40]
        for pk in stored:  # the pages show stored advice
            _advice_once(pk)
        page, page_cpu = _page_times(user, stored, rounds=5)
        if args.profile:
            _profile(user, stored[0])
        server, cpu, client = _advice_times(ids, workers=args.workers, per_client=args.per_client)
        result = {
            "businesses": Business.objects.count(),
            "monthly_records": MonthlyRecord.objects.count(),
            "business_page_p50_ms": _percentile(page, 50),
            "business_page_p99_ms": _percentile(page, 99),
            "business_page_cpu_p50_ms": _percentile(page_cpu, 50),
            "business_page_requests": len(page),
            "advice_p50_ms": _percentile(server, 50),
            "advice_p99_ms": _percentile(server, 99),
            "advice_cpu_p50_ms": _percentile(cpu, 50),
            "advice_cpu_p99_ms": _percentile(cpu, 99),
            "advice_client_p50_ms": _percentile(client, 50),
            "advice_client_p99_ms": _percentile(client, 99),
            "advice_requests": len(server),
            "clients": CLIENTS,
            "server_processes": args.workers,
            "database": "postgresql",
            "setup": setup,
            "load_average_1m": round(os.getloadavg()[0], 2),
        }
    finally:
        connections.close_all()
        if not args.keep:
            _admin(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
            shutil.rmtree(DATA_DIR, ignore_errors=True)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
