"""A prediction job of several chunks runs on a real worker through Redis, on PostgreSQL (the
binary COPY paths), and its results equal those of the same job run in this process."""

import numpy as np
import pytest
from django.core.management import call_command
from django.db import transaction

from businesses.demo import demo_data_load
from businesses.models import Business
from forecasting.lifecycle.registry import production_models
from forecasting.models import PredictionJob, PredictionResult
from forecasting.predictions.jobs import (
    inline_dispatch,
    prediction_job_create,
    prediction_job_enqueue,
    prediction_job_start,
)
from tests.model_parameters import SMALL_MODELS as SMALL
from tests.workers import wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_multi_chunk_job_succeeds_on_the_worker(celery_worker, settings):
    settings.MODEL_PARAMETERS = SMALL
    production_models.clear()
    demo_data_load(businesses=150, months=40, seed=3)
    call_command("train", kind="all", verbosity=0)  # stored where the worker loads from
    ids = list(Business.objects.order_by("pk").values_list("pk", flat=True))
    with transaction.atomic():
        job = prediction_job_create(business_ids=ids, chunk_size=40)
        prediction_job_enqueue(job)
    assert job.chunks.count() == 4
    finished = wait_for(
        lambda: PredictionJob.objects.filter(
            pk=job.pk, status__in=[PredictionJob.Status.SUCCEEDED, PredictionJob.Status.FAILED]
        ).first(),
        timeout=300,
        interval=0.5,
    )
    assert finished is not None, celery_worker.log_path.read_text()[-3000:]
    assert finished.status == PredictionJob.Status.SUCCEEDED, finished.error
    assert finished.done == finished.total == len(ids)
    assert finished.heartbeat_at >= finished.started_at
    assert all(c.attempts == 1 for c in finished.chunks.all())
    assert len({c.worker for c in finished.chunks.all()}) >= 1

    # the same job in this process: the worker's COPY-written rows hold the same numbers
    here = prediction_job_create(business_ids=ids, chunk_size=150)
    prediction_job_start(here.pk, dispatch=inline_dispatch)
    here.refresh_from_db()
    assert here.status == PredictionJob.Status.SUCCEEDED, here.error
    fields = ["business_id", "growth_probability", "mean_h1", "p10_h3", "p90_h6", "cutoff"]
    theirs = list(
        PredictionResult.objects.filter(job=job).order_by("business_id").values_list(*fields)
    )
    ours = list(
        PredictionResult.objects.filter(job=here).order_by("business_id").values_list(*fields)
    )
    assert len(theirs) == len(ours) > 100
    assert [r[0] for r in theirs] == [r[0] for r in ours] and theirs[0][-1] == ours[0][-1]
    np.testing.assert_allclose(
        np.array([r[1:-1] for r in theirs]), np.array([r[1:-1] for r in ours]), rtol=1e-6
    )
