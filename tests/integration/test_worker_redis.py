import uuid

import pytest

from core.models import WorkerHeartbeat
from portal.tasks import heartbeat
from tests.workers import wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_task_runs_on_a_real_worker_through_redis(celery_worker):
    token = uuid.uuid4().hex
    heartbeat.delay(token)
    seen = wait_for(lambda: WorkerHeartbeat.objects.filter(token=token).first(), timeout=60)
    assert seen is not None, celery_worker.log_path.read_text()[-3000:]
    assert seen.hostname.startswith("test-")


def test_a_task_enqueued_in_a_transaction_waits_for_the_commit(celery_worker):
    from django.db import transaction

    token = uuid.uuid4().hex
    with transaction.atomic():
        heartbeat.delay_on_commit(token)
        # Nothing is sent before the commit, so a rollback would send nothing.
    seen = wait_for(lambda: WorkerHeartbeat.objects.filter(token=token).exists(), timeout=60)
    assert seen
