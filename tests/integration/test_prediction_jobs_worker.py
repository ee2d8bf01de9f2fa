"""A prediction job of several chunks runs on a real worker through Redis, on PostgreSQL (the
binary COPY paths), makes its results the businesses' current scores in the same pass, and its
results equal those of the same job run in this process."""

import numpy as np
import pytest
from django.core.management import call_command
from django.db import transaction

from businesses.demo import demo_data_load
from businesses.models import Business
from forecasting.advice.services import advice_compute_now
from forecasting.lifecycle.registry import production_models
from forecasting.models import LatestScore, PredictionJob, PredictionResult
from forecasting.predictions.jobs import (
    inline_dispatch,
    prediction_job_create,
    prediction_job_enqueue,
    prediction_job_start,
)
from forecasting.scoring.selectors import score_figures
from forecasting.scoring.snapshot import forecast_period
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

    # the same pass made the results every business's current score (one SQL statement)
    scores = {s.business_id: s for s in LatestScore.objects.all()}
    results = list(PredictionResult.objects.filter(job=job))
    assert len(scores) == len(results) > 100
    for result in results:
        score = scores[result.business_id]
        assert score.source == LatestScore.Source.JOB and score.advice_id is None
        assert score.scored_at == result.computed_at and score.cutoff == result.cutoff
        assert score.growth_probability == result.growth_probability
        assert score.forecaster_version_id == finished.forecaster_version_id
        assert score.growth_version_id == finished.growth_version_id
        assert score.job_id == finished.pk and score.advice_id is None  # its six months
        months = score_figures(score)["forecast"]
        if result.stale:  # no recent data: withheld (null, the binary COPY's NaN made null)
            assert months == [] and result.growth_probability is None
            assert all(m["mean"] is None and m["p90"] is None for m in result.forecast())
            assert score.next_3_mean is None and score.forecast_change is None
            continue
        for month in result.forecast():
            assert month["p10"] <= month["p50"] <= month["p90"]
            assert month["p10"] <= month["mean"] <= month["p90"]
        for stat in ("mean", "p10", "p50", "p90"):
            assert [f[stat] for f in months] == [
                getattr(result, f"{stat}_h{h}") for h in range(1, 7)
            ]
        assert [f["period"] for f in months] == [
            forecast_period(result.cutoff, h) for h in range(1, 7)
        ]
        assert score.next_3_mean == pytest.approx(
            np.mean([result.mean_h1, result.mean_h2, result.mean_h3])
        )
        disagree = any(getattr(result, f"models_disagree_h{h}") for h in (1, 2, 3))
        assert score.uncertain == (result.short_history or result.intermittent or disagree)
        if score.last_3_mean:
            assert score.forecast_change == pytest.approx(score.next_3_mean / score.last_3_mean - 1)

    # the same job in this process: the worker's COPY-written rows hold the same numbers; an
    # advice computed after it started keeps its business's score
    here = prediction_job_create(business_ids=ids, chunk_size=150)
    chunks: list[int] = []
    prediction_job_start(here.pk, dispatch=chunks.extend)
    advised = Business.objects.get(pk=ids[0])
    advice = advice_compute_now(business=advised, user=None)
    assert advice.status == "ready", advice.error
    inline_dispatch(chunks)
    here.refresh_from_db()
    kept = LatestScore.objects.get(business=advised)
    assert kept.source == LatestScore.Source.ADVICE and kept.advice_id == advice.pk
    assert kept.growth_probability == advice.growth_probability
    other = LatestScore.objects.get(business_id=ids[1])
    assert other.scored_at == PredictionResult.objects.get(job=here, business_id=ids[1]).computed_at
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
    assert any(r.stale for r in results)  # the demo panel has businesses that stopped
    np.testing.assert_allclose(
        np.array([r[1:-1] for r in theirs], dtype=float),
        np.array([r[1:-1] for r in ours], dtype=float),
        rtol=1e-6,
    )


def test_chunks_run_in_one_transaction_each_write_their_current_scores(settings, tmp_path):
    from django.db import transaction

    settings.MODEL_PARAMETERS = SMALL
    settings.MODEL_STORE_DIR = tmp_path / "models"
    production_models.clear()
    demo_data_load(businesses=150, months=40, seed=3)
    call_command("train", kind="all", verbosity=0)
    ids = list(Business.objects.order_by("pk").values_list("pk", flat=True))
    with transaction.atomic():  # as the score command's inline runs may be
        job = prediction_job_create(business_ids=ids, chunk_size=60)
        prediction_job_start(job.pk, dispatch=lambda ids: None)  # (sent at the commit)
        chunks = list(job.chunks.order_by("index").values_list("pk", flat=True))
        assert len(chunks) == 3
        inline_dispatch(chunks)
    job.refresh_from_db()
    assert job.status == PredictionJob.Status.SUCCEEDED, job.error
    scored = PredictionResult.objects.filter(job=job).count()
    assert LatestScore.objects.filter(job=job).count() == scored > 100
