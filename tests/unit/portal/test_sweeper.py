"""portal.sweeper: nothing stays queued or running forever when a worker dies or a message is
lost; what is still alive and moving is left alone."""

import datetime as dt

import pytest
from django.utils import timezone, translation

from core.models import WorkerHeartbeat
from core.worker_liveness import beat_once
from forecasting.models import Advice, PredictionChunk, PredictionJob, TrainingRun
from portal.sweeper import jobs_sweep, redelivery_seconds
from portal.tasks import jobs_sweep as jobs_sweep_task

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def ago(**kwargs) -> dt.datetime:
    return NOW - dt.timedelta(**kwargs)


def running_run(*, worker="", heartbeat=None) -> TrainingRun:
    run = TrainingRun.objects.create(kind="all")
    TrainingRun.objects.filter(pk=run.pk).update(
        status="running", started_at=ago(hours=2), heartbeat_at=heartbeat, worker=worker
    )
    return run


@pytest.fixture
def limits(settings):
    settings.WORKER_LOST_SECONDS = 120
    settings.JOBS_STALE_SECONDS = 3600
    settings.JOBS_QUEUED_MAX_SECONDS = 6 * 3600


def test_a_run_whose_worker_is_gone_fails_with_the_reason(limits):
    WorkerHeartbeat.objects.create(hostname="w-dead@host", seen_at=ago(minutes=10))
    run = running_run(worker="w-dead@host", heartbeat=ago(minutes=9))
    outcome = jobs_sweep(now=NOW)
    run.refresh_from_db()
    assert outcome.as_dict() == {"forecasting.TrainingRun": 1}
    assert run.status == "failed" and run.finished_at == NOW
    assert "w-dead@host" in run.error
    with translation.override("es"):  # stored in the portal's language
        assert "trabajador" in run.error


def test_a_run_on_a_live_worker_is_left_alone_even_if_quiet(limits):
    WorkerHeartbeat.objects.create(hostname="w-live@host", seen_at=ago(seconds=20))
    run = running_run(worker="w-live@host", heartbeat=ago(minutes=30))
    assert jobs_sweep(now=NOW).as_dict() == {}
    run.refresh_from_db()
    assert run.status == "running"


def test_a_run_with_no_sign_of_life_past_the_limit_fails(limits):
    run = running_run(heartbeat=ago(hours=1, minutes=5))  # no worker recorded at all
    jobs_sweep(now=NOW)
    run.refresh_from_db()
    assert run.status == "failed" and "65" in run.error  # minutes without progress


def test_on_redis_the_broker_gets_its_chance_to_redeliver_first(limits, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/0"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 600}
    assert redelivery_seconds() == 600
    WorkerHeartbeat.objects.create(hostname="w-dead@host", seen_at=ago(minutes=10))
    waiting = running_run(worker="w-dead@host", heartbeat=ago(minutes=9))
    given_up = running_run(worker="w-dead@host", heartbeat=ago(minutes=11))
    jobs_sweep(now=NOW)
    waiting.refresh_from_db()
    given_up.refresh_from_db()
    assert waiting.status == "running" and given_up.status == "failed"


def test_queued_too_long_fails_but_recent_queued_waits(limits):
    old = TrainingRun.objects.create(kind="all")
    TrainingRun.objects.filter(pk=old.pk).update(created_at=ago(hours=7))
    recent = TrainingRun.objects.create(kind="all")
    jobs_sweep(now=NOW)
    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.status == "failed" and "360" in old.error
    assert recent.status == "queued"


def test_finished_runs_are_never_touched(limits):
    run = TrainingRun.objects.create(kind="all")
    TrainingRun.objects.filter(pk=run.pk).update(
        status="succeeded", created_at=ago(days=3), heartbeat_at=ago(days=3)
    )
    jobs_sweep(now=NOW)
    run.refresh_from_db()
    assert run.status == "succeeded" and run.error == ""


def test_a_prediction_job_whose_chunk_worker_is_gone_fails_with_its_chunks(limits):
    WorkerHeartbeat.objects.create(hostname="w-dead@host", seen_at=ago(minutes=10))
    job = PredictionJob.objects.create(total=20)
    PredictionJob.objects.filter(pk=job.pk).update(
        status="running", started_at=ago(minutes=20), heartbeat_at=ago(minutes=9)
    )
    done = PredictionChunk.objects.create(job=job, index=0, status="succeeded", done=10)
    lost = PredictionChunk.objects.create(
        job=job, index=1, status="running", worker="w-dead@host", started_at=ago(minutes=9)
    )
    # auto_now keeps updated_at fresh on create; what counts is the last sign of life
    PredictionJob.objects.filter(pk=job.pk).update(updated_at=ago(minutes=9))
    jobs_sweep(now=NOW)
    job.refresh_from_db()
    lost.refresh_from_db()
    done.refresh_from_db()
    assert job.status == "failed" and "w-dead@host" in job.error
    assert lost.status == "failed" and done.status == "succeeded"


def test_advice_stuck_in_the_queue_fails(limits, business):
    stuck = Advice.objects.create(business=business)
    Advice.objects.filter(pk=stuck.pk).update(created_at=ago(hours=1))
    fresh = Advice.objects.create(business=business)
    assert jobs_sweep_task() == {"forecasting.Advice": 1}
    stuck.refresh_from_db()
    fresh.refresh_from_db()
    assert stuck.status == "failed" and stuck.error and stuck.computed_at
    assert fresh.status == "queued"


def test_the_liveness_beat_keeps_one_row_per_worker():
    WorkerHeartbeat.objects.create(hostname="w1@h", token="abc", seen_at=ago(hours=1))
    beat_once("w1@h")
    beat_once("w2@h")
    rows = {r.hostname: r for r in WorkerHeartbeat.objects.all()}
    assert set(rows) == {"w1@h", "w2@h"}
    assert rows["w1@h"].token == "abc" and rows["w1@h"].seen_at > ago(minutes=1)
