"""Failure behaviour against real processes: a worker killed with SIGKILL in the middle of a
training run, Redis stopped under the portal and the API, PostgreSQL restarted under a running
web server.

Every service a test breaks is its own — a redis-server or a PostgreSQL cluster started on a free
port in a temporary directory and ended by PID (tests/own_services.py) — never the shared ones.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from django.db import connection, transaction
from django.urls import reverse
from django.utils import translation
from kombu import Connection

from businesses.demo import demo_data_load
from config.celery import app
from forecasting.lifecycle.training import training_run_create
from forecasting.models import ModelKind, PredictionJob, TrainingRun
from forecasting.tasks import training_run_task
from portal.sweeper import jobs_sweep
from tests.model_parameters import SMALL_MODELS as SMALL
from tests.own_services import OwnPostgres, OwnRedis, free_port
from tests.unit.feedback.advice_data import ready_advice
from tests.workers import ROOT, start_worker, stop_worker, wait_for, worker_env

VISIBILITY_TIMEOUT = 3  # seconds before our Redis hands a dead worker's task to another


@pytest.fixture
def own_redis(tmp_path):
    redis = OwnRedis(tmp_path).start()
    yield redis
    redis.stop()


def _env(redis: OwnRedis, queue: str) -> dict[str, str]:
    return worker_env(
        connection.settings_dict["NAME"],
        CELERY_BROKER_URL=redis.url,
        CELERY_QUEUE=queue,
        CELERY_VISIBILITY_TIMEOUT=str(VISIBILITY_TIMEOUT),
        WORKER_HEARTBEAT_SECONDS="1",
        ASESOR_MODEL_PARAMETERS=json.dumps(SMALL),
        OMP_NUM_THREADS="1",
    )


def _training_started_on(redis: OwnRedis, queue: str) -> TrainingRun:
    """A forecaster training run on a small demo, sent to ``queue`` on our Redis."""
    demo_data_load(businesses=120, months=40, seed=2)
    with transaction.atomic():
        run = training_run_create(kind=ModelKind.FORECASTER)
    with Connection(redis.url) as conn:
        training_run_task.apply_async((run.pk,), connection=conn, queue=queue)
    return run


def _kill(worker: subprocess.Popen) -> None:
    """SIGKILL the worker and its pool children (its own process group): no goodbye."""
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait(timeout=10)


def _running(run: TrainingRun) -> TrainingRun | None:
    return TrainingRun.objects.filter(pk=run.pk, status="running").exclude(worker="").first()


def _finished(run: TrainingRun) -> TrainingRun | None:
    return TrainingRun.objects.filter(pk=run.pk, status__in=["succeeded", "failed"]).first()


@pytest.mark.django_db(transaction=True)
def test_a_training_run_whose_worker_is_killed_is_redelivered_and_completes(
    own_redis, tmp_path, reference_data
):
    queue = "ops-kill-redeliver"
    env = _env(own_redis, queue)
    first = start_worker(env, log=tmp_path / "first.log", hostname="first@%h")
    second = None
    try:
        run = _training_started_on(own_redis, queue)
        started = wait_for(lambda: _running(run), timeout=90, interval=0.1)
        assert started is not None, (tmp_path / "first.log").read_text()[-3000:]
        assert started.worker.startswith("first@")
        _kill(first)
        run.refresh_from_db()
        assert run.status == "running"  # the killed worker could not say anything

        # acks_late: the message is still unacknowledged in Redis; after the visibility timeout
        # the next worker to start takes it over.
        time.sleep(VISIBILITY_TIMEOUT + 0.5)
        second = start_worker(env, log=tmp_path / "second.log", hostname="second@%h")
        done = wait_for(lambda: _finished(run), timeout=150, interval=0.5)
        assert done is not None, (tmp_path / "second.log").read_text()[-3000:]
        assert done.status == "succeeded", done.error
        assert done.worker.startswith("second@")
        assert done.log.count("\n") > 2 and done.model_versions.count() == 1
    finally:
        if first.poll() is None:
            stop_worker(first)
        if second is not None:
            stop_worker(second)


@pytest.mark.django_db(transaction=True)
def test_a_killed_worker_that_nobody_replaces_ends_its_run_failed_with_the_reason(
    own_redis, tmp_path, settings, reference_data
):
    queue = "ops-kill-sweep"
    worker = start_worker(_env(own_redis, queue), log=tmp_path / "doomed.log", hostname="doomed@%h")
    try:
        run = _training_started_on(own_redis, queue)
        started = wait_for(lambda: _running(run), timeout=90, interval=0.1)
        assert started is not None, (tmp_path / "doomed.log").read_text()[-3000:]
        _kill(worker)
    finally:
        if worker.poll() is None:
            stop_worker(worker)
    # The sweeper as beat runs it, with this broker's redelivery delay and a short "lost" limit.
    settings.CELERY_BROKER_URL = own_redis.url
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": VISIBILITY_TIMEOUT}
    settings.WORKER_LOST_SECONDS = 2
    swept = wait_for(
        lambda: jobs_sweep().failed.get("forecasting.TrainingRun"), timeout=30, interval=0.5
    )
    assert swept == [run.pk]
    run.refresh_from_db()
    assert run.status == "failed" and run.finished_at is not None
    with translation.override("es"):
        assert started.worker in run.error and "trabajador" in run.error


# ------------------------------------------------------------------------------ Redis down


@pytest.mark.django_db
def test_with_redis_stopped_pages_and_stored_advice_serve_and_queueing_says_so(
    client, settings, monkeypatch, own_redis, advisor, business
):
    # This process's cache and broker are our Redis, which we then stop.
    settings.CACHES = {
        "default": {
            "BACKEND": "core.cache.ResilientRedisCache",
            "LOCATION": own_redis.url,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    connect = app.connection_for_write
    monkeypatch.setattr(
        app, "connection_for_write", lambda url=None, **kw: connect(own_redis.url, **kw)
    )
    ready_advice(business, user=advisor)
    shown = 'class="recommendation priority-2"'  # the stored advice's recommendations
    client.force_login(advisor)
    assert client.get("/api/v1/businesses/").status_code == 200  # throttled through Redis
    own_redis.stop()

    page = client.get(reverse("businesses:detail", kwargs={"pk": business.pk}))
    assert page.status_code == 200 and page.content.decode().count(shown) == 3
    caseload = client.get(reverse("businesses:caseload"))
    assert caseload.status_code == 200
    status = client.get(reverse("businesses:advice_status", kwargs={"pk": business.pk}))
    assert status.status_code == 200 and status.json()["status"] == "ready"

    url = reverse("businesses:advice_request", kwargs={"pk": business.pk})
    with translation.override("en"):
        asked = client.post(url, follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert asked.status_code == 200
    text = asked.content.decode()
    assert "cannot be queued right now" in text and text.count(shown) == 3
    as_json = client.post(url, HTTP_ACCEPT="application/json")
    assert as_json.status_code == 503 and int(as_json["Retry-After"]) > 0

    api = client.post(
        "/api/v1/prediction-jobs/",
        {"rucs": [business.ruc]},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert api.status_code == 503, api.content
    assert int(api["Retry-After"]) > 0
    assert api.json()["error"]["code"] == "queue_unavailable"
    assert "cannot be queued now" in api.json()["error"]["message"]
    assert not PredictionJob.objects.exists()  # nothing half-created
    assert client.get("/api/v1/businesses/").status_code == 200  # the API still reads

    ready = client.get("/readyz").json()["checks"]
    assert ready["database"]["ok"] and not ready["broker"]["ok"]


# ------------------------------------------------------------------------ PostgreSQL restart


def _get(url: str, headers: dict | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"Host": "127.0.0.1", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.mark.django_db
def test_after_a_postgresql_restart_the_next_requests_succeed(tmp_path):
    pg = OwnPostgres()
    web = None
    try:
        pg.init().start()
        env = dict(os.environ)
        env.update(
            DATABASE_URL=pg.url,
            DATABASE_CONN_MAX_AGE="600",  # persistent connections: what a restart breaks
            ASESOR_DATA_DIR=str(tmp_path / "data"),
            DJANGO_SECURE="0",
            DJANGO_ALLOWED_HOSTS="127.0.0.1",
            CELERY_BROKER_URL="filesystem://",
        )
        env.pop("REDIS_URL", None)
        _copy_schema(pg)
        port = free_port()
        web = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind",
             f"127.0.0.1:{port}", "--workers", "1", "--threads", "1"],
            cwd=ROOT, env=env, stdout=(tmp_path / "web.log").open("w"),
            stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        up = wait_for(lambda: _probe(f"{base}/healthz"), timeout=60, interval=0.2)
        assert up, (tmp_path / "web.log").read_text()[-3000:]

        def database_ok() -> bool:
            _, body = _get(f"{base}/readyz")
            return json.loads(body)["checks"]["database"]["ok"]

        def api_key_refused() -> bool:  # looks the key up in the database, then answers 401
            status, _ = _get(f"{base}/api/v1/model-versions/", bad_key)
            return status == 401

        bad_key = {"Authorization": "Api-Key abcdefgh.not-a-real-secret"}
        assert database_ok() and api_key_refused()  # one persistent connection, reused
        pg.restart()
        # the very next requests succeed: the broken connection is noticed and replaced
        assert database_ok(), (tmp_path / "web.log").read_text()[-3000:]
        assert api_key_refused(), (tmp_path / "web.log").read_text()[-3000:]
        assert web.poll() is None
    finally:
        if web is not None and web.poll() is None:
            os.killpg(web.pid, signal.SIGTERM)
            web.wait(timeout=20)
        pg.cleanup()


def _copy_schema(pg: OwnPostgres) -> None:
    """The test database's tables (already migrated) into our cluster: seconds, where running
    every migration again would take a minute."""
    db = connection.settings_dict
    source = ["-h", db["HOST"] or "127.0.0.1", "-p", str(db["PORT"] or 5432), "-U", db["USER"]]
    env = {**os.environ, "PGPASSWORD": db.get("PASSWORD") or ""}
    schema = subprocess.run(
        ["pg_dump", *source, "--schema-only", "--no-owner", "--no-privileges", db["NAME"]],
        env=env, check=True, capture_output=True, timeout=60,
    ).stdout  # fmt: skip
    subprocess.run(
        ["psql", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", str(pg.port), "-U",
         "postgres", "postgres"],
        input=schema, check=True, capture_output=True, timeout=60,
    )  # fmt: skip


def _probe(url: str) -> bool:
    try:
        return _get(url)[0] == 200
    except OSError:
        return False
