"""Start and stop a real Celery worker process for a test session (by PID, never by name)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent


def worker_env(database_name: str, **extra: str) -> dict[str, str]:
    """The environment of a worker that shares the test database and broker of this process."""
    db = settings.DATABASES["default"]
    env = dict(os.environ)
    if db["ENGINE"].endswith("sqlite3"):
        env["DATABASE_URL"] = f"sqlite:///{database_name}"
    else:
        auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
        env["DATABASE_URL"] = (
            f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{database_name}"
        )
    env["ASESOR_DATA_DIR"] = str(settings.DATA_DIR)
    env["CELERY_BROKER_URL"] = settings.CELERY_BROKER_URL
    env["CELERY_QUEUE"] = settings.CELERY_TASK_DEFAULT_QUEUE
    env["DJANGO_SECRET_KEY"] = settings.SECRET_KEY
    env["ASESOR_MODEL_STORE"] = str(settings.MODEL_STORE_DIR)
    env.update(extra)
    return env


def start_worker(
    env: dict[str, str], *, concurrency: int = 1, log: Path, hostname: str | None = None
) -> subprocess.Popen:
    cmd = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        "--loglevel",
        "info",
        "--concurrency",
        str(concurrency),
        "--hostname",
        hostname or f"test-{os.getpid()}@%h",
        "--without-gossip",
        "--without-mingle",
    ]
    return subprocess.Popen(
        cmd,
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop_worker(process: subprocess.Popen) -> None:
    """End the worker we started and its pool children (its own process group)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)


def wait_for(predicate, *, timeout: float = 60, interval: float = 0.25):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return None
