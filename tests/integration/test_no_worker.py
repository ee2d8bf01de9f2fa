"""A queue nobody serves (issue 19, item 4), against a real worker process stopped by PID.

While the worker beats, advice is queued (202). Once it is killed and silent for longer than
WORKER_ABSENT_SECONDS: fresh advice and prediction jobs are refused at once (API 503 with
Retry-After, the portal's message), /readyz says so, and the advice queued just before the worker
vanished ends ``failed`` with the reason when it is polled — nothing polls forever. A new worker
brings everything back.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import uuid

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from businesses.partners import partner_api_key_issue, partner_create, partner_grant_business
from config.celery import app
from core.models import WorkerHeartbeat
from core.worker_liveness import worker_absence
from forecasting.models import Advice
from tests.factories import BusinessFactory, MonthlyRecordFactory, valid_ruc
from tests.workers import start_worker, stop_worker, wait_for, worker_env

ABSENT_SECONDS = 4  # the test's "minute": two beats of one second, and some slack


@pytest.fixture
def own_queue(settings):
    queue = f"asesor-no-worker-{uuid.uuid4().hex[:8]}"
    previous = app.conf.task_default_queue
    settings.CELERY_TASK_DEFAULT_QUEUE = queue
    app.conf.task_default_queue = queue
    yield queue
    app.conf.task_default_queue = previous
    with app.connection_for_write() as conn:  # leave no message behind on the shared Redis
        conn.default_channel.queue_delete(queue)


def _worker(queue: str, log, name: str):
    env = worker_env(
        connection.settings_dict["NAME"],
        CELERY_QUEUE=queue,
        WORKER_HEARTBEAT_SECONDS="1",
        ASESOR_SCORING_WARM="0",
        OMP_NUM_THREADS="1",
    )
    return start_worker(env, log=log, hostname=f"{name}@%h")


def _beating(name: str):
    recent = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=2)
    return WorkerHeartbeat.objects.filter(hostname__startswith=f"{name}@", seen_at__gte=recent)


def _business(advisor, n: int):
    business = BusinessFactory(ruc=valid_ruc(950_000 + n), advisor=advisor, region_id="15")
    for month in (1, 2, 3):
        MonthlyRecordFactory(business=business, period=dt.date(2024, month, 1))
    return business


@pytest.mark.django_db(transaction=True)
def test_a_stopped_worker_is_noticed_by_every_request_for_work(
    own_queue, settings, tmp_path, advisor, reference_data
):
    settings.WORKER_HEARTBEAT_SECONDS = 1
    settings.WORKER_ABSENT_SECONDS = ABSENT_SECONDS
    settings.WORKER_START_GRACE_SECONDS = 0
    queued_one, refused_one, later_one = (_business(advisor, n) for n in (1, 2, 3))
    partner = partner_create(name="Caja Municipal")
    for business in (queued_one, refused_one, later_one):
        partner_grant_business(partner=partner, business=business)
    _stored, key = partner_api_key_issue(partner=partner, name="k")
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    portal = Client(HTTP_ACCEPT_LANGUAGE="es")
    portal.force_login(advisor)

    worker = _worker(own_queue, tmp_path / "first.log", "first")
    second = None
    try:
        assert wait_for(lambda: _beating("first").exists(), timeout=60), (
            tmp_path / "first.log"
        ).read_text()[-3000:]
        assert Client().get("/readyz").json()["checks"]["workers"]["ok"]

        # The worker vanishes (SIGKILL, its own process group): no goodbye.
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
        # Its last beat is still recent: this request is accepted and waits in the queue.
        queued = api.post(f"/api/v1/businesses/{queued_one.ruc}/advice/")
        assert queued.status_code == 202, queued.content
        poll = queued.json()["poll_url"]
        assert api.get(poll).json()["status"] == "queued"

        assert wait_for(lambda: worker_absence() is not None, timeout=ABSENT_SECONDS + 10)

        # Fresh work is refused at once, saying why.
        advice = api.post(f"/api/v1/businesses/{refused_one.ruc}/advice/")
        assert advice.status_code == 503 and int(advice["Retry-After"]) > 0
        assert advice.json()["error"]["code"] == "no_worker"
        job = api.post("/api/v1/prediction-jobs/", {"rucs": [refused_one.ruc]}, format="json")
        assert job.status_code == 503 and job["Retry-After"]
        page = portal.post(
            reverse("businesses:advice_request", kwargs={"pk": refused_one.pk}),
            HTTP_ACCEPT="application/json",
        )
        assert page.status_code == 503
        assert "ningún proceso de cálculo" in page.json()["error"]
        assert not Advice.objects.filter(business=refused_one).exists()

        ready = Client().get("/readyz").json()
        assert ready["status"] != "ok"  # degraded (or unavailable: this test trains no model)
        assert not ready["checks"]["workers"]["ok"]
        assert "no Celery worker" in ready["checks"]["workers"]["error"]

        # What was queued before the worker vanished ends failed, with the reason, when polled.
        polled = api.get(poll).json()
        assert polled["status"] == "failed"
        assert "proceso de cálculo" in Advice.objects.get(business=queued_one).error
        status = portal.get(
            reverse("businesses:advice_status", kwargs={"pk": queued_one.pk})
        ).json()
        assert status["finished"] and status["status"] == "failed"

        # A worker comes back: work is taken again.
        second = _worker(own_queue, tmp_path / "second.log", "second")
        assert wait_for(lambda: worker_absence() is None, timeout=60), (
            tmp_path / "second.log"
        ).read_text()[-3000:]
        assert Client().get("/readyz").json()["checks"]["workers"]["ok"]
        again = api.post(f"/api/v1/businesses/{later_one.ruc}/advice/")
        assert again.status_code == 202, again.content
    finally:
        if worker.poll() is None:
            stop_worker(worker)
        if second is not None:
            stop_worker(second)
