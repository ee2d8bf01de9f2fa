"""With nothing configured, a task enqueued here runs in a separate worker process through the
filesystem broker."""

import uuid

import pytest
from django.conf import settings
from django.db import connection

from core.models import WorkerHeartbeat
from portal.tasks import heartbeat
from tests.workers import start_worker, stop_worker, wait_for, worker_env


@pytest.mark.django_db(transaction=True)
def test_a_task_crosses_to_a_worker_process_through_the_embedded_broker(tmp_path):
    assert settings.CELERY_BROKER_URL == "filesystem://"
    token = uuid.uuid4().hex
    worker = start_worker(worker_env(connection.settings_dict["NAME"]), log=tmp_path / "worker.log")
    try:
        heartbeat.delay(token)
        seen = wait_for(lambda: WorkerHeartbeat.objects.filter(token=token).first(), timeout=60)
        assert seen is not None, (tmp_path / "worker.log").read_text()[-3000:]
        assert seen.hostname.startswith("test-")  # a worker ran it, not this process
    finally:
        stop_worker(worker)
