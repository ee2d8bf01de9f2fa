"""Integration tier: a real PostgreSQL, a real Redis and a real Celery worker process.

The Makefile points DATABASE_URL / REDIS_URL at the local services (or at TEST_DATABASE_URL /
TEST_REDIS_URL). Where they cannot be reached the tier is skipped on a developer's machine and
fails under CI (CI=true), so a green CI always means the tier ran.
"""

import importlib
import json
import os
import socket
import uuid
from urllib.parse import urlparse

import pytest
from django.conf import settings

from tests.model_parameters import SMALL_MODELS
from tests.workers import start_worker, stop_worker, worker_env

UNDER_CI = os.environ.get("CI", "").lower() == "true"


def _reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection(
            (parsed.hostname or "127.0.0.1", parsed.port or default_port), timeout=3
        ):
            return True
    except OSError:
        return False


def _require(condition: bool, why: str) -> None:
    if condition:
        return
    if UNDER_CI:
        pytest.fail(f"integration tier cannot run under CI: {why}", pytrace=False)
    pytest.skip(why)


@pytest.fixture(scope="session", autouse=True)
def _services_are_real():
    db = settings.DATABASES["default"]
    _require(
        db["ENGINE"].endswith("postgresql"), f"DATABASE_URL is not PostgreSQL ({db['ENGINE']})"
    )
    _require(
        _reachable(f"//{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}", 5432),
        "PostgreSQL is not reachable",
    )
    broker = settings.CELERY_BROKER_URL
    _require(broker.startswith("redis"), f"the broker is not Redis ({broker})")
    _require(_reachable(broker, 6379), f"Redis is not reachable at {broker}")


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, django_db_blocker, tmp_path_factory):
    """A real worker process on its own queue, sharing the test database; ended by PID."""
    from django.db import connection

    queue = f"asesor-test-{uuid.uuid4().hex[:8]}"
    settings.CELERY_TASK_DEFAULT_QUEUE = queue
    from config.celery import app

    app.conf.task_default_queue = queue
    with django_db_blocker.unblock():
        name = connection.settings_dict["NAME"]
    log = tmp_path_factory.mktemp("worker") / "worker.log"
    small_models = json.dumps({"forecaster": SMALL_MODELS["forecaster"]})
    env = worker_env(name, CELERY_QUEUE=queue, ASESOR_MODEL_PARAMETERS=small_models)
    process = start_worker(env, concurrency=2, log=log)
    process.log_path = log
    yield process
    stop_worker(process)


@pytest.fixture(autouse=True)
def reference_data(request):
    """Regions, sectors and UIT values, as the data migration loads them. A transactional test
    (the worker tests) ends by flushing every table, the migration's rows included, so the
    tests after it would meet an empty registry: load them again where they are missing
    (idempotent)."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None:
        return
    transactional = marker.kwargs.get("transaction", False) or (marker.args and marker.args[0])
    request.getfixturevalue("transactional_db" if transactional else "db")
    from django.apps import apps

    from businesses.models import Region, Sector

    if not (Region.objects.exists() and Sector.objects.exists()):
        importlib.import_module("businesses.migrations.0002_reference_data").load(apps, None)
