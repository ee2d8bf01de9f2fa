"""Prediction jobs run inline on SQLite with a tiny trained demo: chunking, progress as the sum
of the chunks, idempotent re-runs, failures with their reason, and results equal to scoring
the whole panel at once."""

import numpy as np
import pytest
from django.core.management import call_command

from businesses.demo import demo_data_load
from businesses.models import Business
from forecasting.lifecycle.registry import production_models
from forecasting.models import ModelKind, PredictionChunk, PredictionJob, PredictionResult
from forecasting.predictions import jobs as prediction_jobs
from forecasting.predictions.jobs import (
    prediction_chunk_execute,
    prediction_job_create,
    prediction_job_run_inline,
    prediction_job_start,
    prediction_results_prune,
)
from forecasting.scoring.snapshot import scoring_snapshots
from tests.model_parameters import SMALL_MODELS as SMALL

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def trained_demo(django_db_setup, django_db_blocker, tmp_path_factory):
    """One tiny demo and its models for the module (training is the slow part)."""
    from django.conf import settings

    store = tmp_path_factory.mktemp("models")
    old = settings.MODEL_PARAMETERS, settings.MODEL_STORE_DIR
    settings.MODEL_PARAMETERS, settings.MODEL_STORE_DIR = SMALL, store
    with django_db_blocker.unblock():
        from django.db import connection

        # Kept for the whole module: a savepoint-free fixture, removed at the end.
        demo_data_load(businesses=120, months=40, seed=2)
        call_command("train", kind="all", verbosity=0)
    yield store
    with django_db_blocker.unblock():
        from django.contrib.auth import get_user_model

        from businesses.demo import demo_data_delete
        from businesses.models import DataImport, Partner
        from core.models import AuditEntry
        from forecasting.models import ModelVersion, TrainingRun

        PredictionJob.objects.all().delete()
        demo_data_delete()
        ModelVersion.objects.all().delete()
        TrainingRun.objects.all().delete()
        # what the demo load and the training recorded besides: later tests start empty
        DataImport.objects.all().delete()
        AuditEntry.objects.all().delete()
        Partner.objects.all().delete()  # the demo partner (its user is protected)
        get_user_model().objects.all().delete()
        connection.close()
    settings.MODEL_PARAMETERS, settings.MODEL_STORE_DIR = old


@pytest.fixture
def trained(trained_demo, fresh_caches, settings):
    settings.MODEL_STORE_DIR = trained_demo
    return trained_demo


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Run a job inline; the chunks are sent on commit, which a test's transaction never
    reaches, so the callbacks are run when the start returns."""

    def run_job(job):
        with django_capture_on_commit_callbacks(execute=True):
            prediction_job_run_inline(job)
        job.refresh_from_db()
        return job

    return run_job


def _all_ids():
    return list(Business.objects.order_by("pk").values_list("pk", flat=True))


def test_a_job_is_split_into_chunks_of_the_requested_size(db):
    job = prediction_job_create(business_ids=[5, 3, 9, 3, 1, 7, 2], chunk_size=3)
    chunks = list(job.chunks.order_by("index").values_list("business_ids", flat=True))
    assert chunks == [[1, 2, 3], [5, 7, 9]]
    assert job.total == 6 and job.done == 0 and job.status == PredictionJob.Status.QUEUED


def test_a_chunked_job_scores_like_the_whole_panel_at_once(trained, run):
    ids = _all_ids()
    job = prediction_job_create(business_ids=ids, chunk_size=25)
    assert job.chunks.count() == 5
    job = run(job)
    assert job.status == PredictionJob.Status.SUCCEEDED, job.error
    assert job.done == job.total == len(ids)
    assert job.finished_at and job.heartbeat_at and job.cutoff
    results = {r.business_id: r for r in PredictionResult.objects.filter(job=job)}
    # the scoring snapshot featurises the whole panel in one pass; advice scores its row
    from forecasting.scoring.snapshot import score_business

    scores = {b: score_business(b) for b in ids}
    snap = scoring_snapshots._snapshot
    assert set(results) == set(snap.feature_row)
    ours = np.array([results[b].growth_probability for b in results], dtype=float)
    whole = np.array([scores[b].growth_probability for b in results], dtype=float)
    np.testing.assert_allclose(ours, whole, rtol=1e-6)  # NaN (withheld) on both sides alike
    # a stale business's figures are withheld by both (businesses.freshness)
    assert [b for b in results if results[b].stale] == [b for b in results if scores[b].stale]
    for j, h in enumerate(snap.horizons):
        for stat in ("mean", "p10", "p50", "p90"):
            mine = np.array([getattr(results[b], f"{stat}_h{h}") for b in results], dtype=float)
            whole = [scores[b].forecast[j][stat] if scores[b].forecast else None for b in results]
            np.testing.assert_allclose(mine, np.array(whole, dtype=float), rtol=1e-6)
    first = next(iter(results.values()))
    assert first.forecaster_version == job.forecaster_version
    assert first.forecast()[0]["period"] > job.cutoff.strftime("%Y-%m")


def test_every_result_of_a_job_has_its_expected_value_inside_its_band(trained, run):
    """Issue 16: an expected value of S/ 2.19 beside a range of S/ 70,135 - S/ 176,611 was seen
    in a job's results; every month of every result lies inside its own band."""
    job = run(prediction_job_create(business_ids=_all_ids(), chunk_size=40))
    assert job.status == PredictionJob.Status.SUCCEEDED, job.error
    months = [m for r in PredictionResult.objects.filter(job=job) for m in r.forecast()]
    months = [m for m in months if m["mean"] is not None]  # withheld: no recent data
    assert months
    for m in months:
        assert m["p10"] <= m["p50"] <= m["p90"], m
        assert m["p10"] <= m["mean"] <= m["p90"], m


def test_rerunning_a_chunk_replaces_its_own_results(trained, run):
    job = run(prediction_job_create(business_ids=_all_ids(), chunk_size=40))
    chunk = job.chunks.get(index=1)
    before = dict(
        PredictionResult.objects.filter(job=job).values_list("business_id", "computed_at")
    )
    again = prediction_chunk_execute(chunk.pk, force=True)
    assert again.status == PredictionChunk.Status.SUCCEEDED and again.attempts == 2
    after = dict(PredictionResult.objects.filter(job=job).values_list("business_id", "computed_at"))
    assert set(after) == set(before)  # no duplicates, nobody lost
    mine = set(chunk.business_ids) & set(after)
    assert all(after[b] > before[b] for b in mine)
    assert all(after[b] == before[b] for b in set(after) - mine)
    job.refresh_from_db()
    assert job.status == PredictionJob.Status.SUCCEEDED and job.done == job.total


def test_a_redelivered_chunk_that_already_succeeded_does_nothing(trained, run):
    job = run(prediction_job_create(business_ids=_all_ids(), chunk_size=60))
    chunk = job.chunks.get(index=0)
    again = prediction_chunk_execute(chunk.pk)
    assert again.attempts == 1 and again.finished_at == chunk.finished_at


def test_progress_is_the_sum_of_the_chunks_done(trained):
    job = prediction_job_create(business_ids=_all_ids(), chunk_size=30)
    sent: list[int] = []
    prediction_job_start(job.pk, dispatch=sent.extend)
    # the test's transaction never commits, so nothing was sent: run the chunks one by one
    job.refresh_from_db()
    assert job.status == PredictionJob.Status.RUNNING and job.cutoff is not None
    chunks = list(job.chunks.order_by("index"))
    prediction_chunk_execute(chunks[0].pk)
    prediction_chunk_execute(chunks[2].pk)
    job.refresh_from_db()
    assert job.status == PredictionJob.Status.RUNNING
    assert job.done == len(chunks[0].business_ids) + len(chunks[2].business_ids)
    for chunk in chunks[1:2] + chunks[3:]:
        prediction_chunk_execute(chunk.pk)
    job.refresh_from_db()
    assert job.status == PredictionJob.Status.SUCCEEDED and job.done == job.total
    assert set(job.seconds["chunks"]) == {"read", "features", "predict", "write"}


def test_a_failing_chunk_fails_the_job_with_its_reason(trained, run, monkeypatch):
    def broken(job, ids, seconds):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(prediction_jobs, "_score", broken)
    job = run(prediction_job_create(business_ids=_all_ids(), chunk_size=50))
    assert job.status == PredictionJob.Status.FAILED
    assert "disk on fire" in job.error and job.finished_at
    assert job.chunks.filter(status=PredictionChunk.Status.FAILED).exists()
    assert not PredictionResult.objects.filter(job=job).exists()


def test_without_production_models_the_job_fails_saying_so(fresh_caches, business, run):
    from forecasting.models import ModelVersion

    ModelVersion.objects.update(status=ModelVersion.Status.ARCHIVED)  # rolled back afterwards
    job = run(prediction_job_create(business_ids=[business.pk]))
    assert job.status == PredictionJob.Status.FAILED
    assert str(ModelKind.FORECASTER.label) in job.error or "produc" in job.error


def test_a_finished_job_is_not_started_again(trained, run):
    job = run(prediction_job_create(business_ids=_all_ids()[:10]))
    sent: list[int] = []
    prediction_job_start(job.pk, dispatch=sent.extend)
    assert sent == []


def test_old_jobs_are_pruned_with_their_results(trained, run):
    from datetime import timedelta

    from django.utils import timezone

    job = run(prediction_job_create(business_ids=_all_ids()[:10]))
    PredictionJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(days=30))
    # while its results are the businesses' current scores, an old job is kept
    assert prediction_results_prune(keep_days=14) == 0
    assert PredictionResult.objects.filter(job=job).count() == 10
    recent = run(prediction_job_create(business_ids=_all_ids()[:10]))
    assert prediction_results_prune(keep_days=14) == 1
    assert not PredictionJob.objects.filter(pk=job.pk).exists()
    assert PredictionResult.objects.filter(job=recent).count() == 10


def test_the_nightly_task_scores_every_business(trained, django_capture_on_commit_callbacks):
    from config.celery import app
    from forecasting.tasks import nightly_rescore

    app.conf.task_always_eager = True  # the chunks' tasks run here, as they are sent
    try:
        with django_capture_on_commit_callbacks(execute=True):
            job_id = nightly_rescore.apply().get()
    finally:
        app.conf.task_always_eager = False
    job = PredictionJob.objects.get(pk=job_id)
    assert job.status == PredictionJob.Status.SUCCEEDED, job.error
    assert job.total == job.done == Business.objects.count()
    # the same pass makes the job's results every business's current score
    from forecasting.models import LatestScore

    reporting = Business.objects.filter(records__isnull=False).distinct().count()
    assert LatestScore.objects.count() == reporting > 0
    results = {r.business_id: r for r in PredictionResult.objects.filter(job=job)}
    # then the batch advice (issue 16, item 3): every business has advice, whose figures are
    # the job's (one inference path), and it becomes the current score; a stale business's
    # advice withholds its forecast, and its current score stays the job's (withheld too)
    from forecasting.models import Advice

    advice = {a.business_id: a for a in Advice.objects.filter(status=Advice.Status.READY)}
    assert set(advice) == set(Business.objects.values_list("pk", flat=True))
    for score in LatestScore.objects.select_related("advice"):
        result = results[score.business_id]
        assert score.forecaster_version_id == job.forecaster_version_id
        disagree = any(getattr(result, f"models_disagree_h{h}") for h in (1, 2, 3))
        assert score.uncertain == (result.short_history or result.intermittent or disagree)
        if result.stale:
            assert score.source == LatestScore.Source.JOB and score.job_id == job.pk
            assert score.growth_probability is None and score.next_3_mean is None
            assert advice[score.business_id].forecast == []
            continue
        assert score.source == LatestScore.Source.ADVICE
        assert score.advice_id == advice[score.business_id].pk
        assert score.growth_probability == pytest.approx(result.growth_probability)
        means = [m["mean"] for m in score.advice.forecast]
        assert means == pytest.approx([m["mean"] for m in result.forecast()])
        assert score.next_3_mean == pytest.approx(
            (result.mean_h1 + result.mean_h2 + result.mean_h3) / 3
        )


def test_the_score_command_writes_one_line_per_business_and_month(
    trained, tmp_path, django_capture_on_commit_callbacks
):
    import csv

    out = tmp_path / "scores.csv"
    with django_capture_on_commit_callbacks(execute=True):
        call_command("score", "--all", "--workers", "1", "--out", str(out), verbosity=0)
    job = PredictionJob.objects.latest("pk")
    assert job.status == PredictionJob.Status.SUCCEEDED
    rows = list(csv.reader(out.open(encoding="utf-8-sig")))
    assert rows[0] == [
        "ruc", "period", "horizon", "mean", "p10", "p50", "p90", "growth_probability",
        "stale", "models_disagree", "note",
    ]  # fmt: skip
    assert len(rows) == 1 + 6 * PredictionResult.objects.filter(job=job).count()
    ruc, period, horizon, mean, p10, p50, p90, probability, *_flags = rows[1]
    assert Business.objects.filter(ruc=ruc).exists() and horizon == "1"
    assert period > job.cutoff.strftime("%Y-%m")
    # issue 16: every row the command emits is coherent, or withheld with its reason
    stale_rucs = set(
        PredictionResult.objects.filter(job=job, stale=True).values_list("business__ruc", flat=True)
    )
    assert stale_rucs  # the synthetic panel has businesses that stopped reporting
    for ruc, _period, _h, mean, p10, p50, p90, probability, stale, disagree, note in rows[1:]:
        if ruc in stale_rucs:
            assert (mean, p10, p50, p90, probability) == ("", "", "", "", "")
            assert (stale, disagree, note) == ("1", "0", "no_recent_data")
            continue
        mean, p10, p50, p90 = (float(v) for v in (mean, p10, p50, p90))
        assert 0 <= p10 <= p50 <= p90 and p10 <= mean <= p90
        assert 0 <= float(probability) <= 1 and stale == "0"
        assert note == ("models_disagree" if disagree == "1" else "")


def test_the_score_command_names_unknown_rucs(
    trained, tmp_path, django_capture_on_commit_callbacks
):
    from io import StringIO

    err = StringIO()
    ruc = Business.objects.order_by("pk").first().ruc
    out = tmp_path / "one.csv"
    with django_capture_on_commit_callbacks(execute=True):
        call_command(
            "score", "--ruc", ruc, "--ruc", "20100047218", "--workers", "1", "--out", str(out),
            stderr=err,
        )  # fmt: skip
    assert "20100047218" in err.getvalue()
    assert len(out.read_text(encoding="utf-8-sig").splitlines()) == 1 + 6
    # its summary, in Spanish, says when the scores were computed on the Lima clock (not UTC)
    from django.db.models import Max
    from django.utils import timezone

    job = PredictionJob.objects.latest("pk")
    computed = timezone.localtime(job.results.aggregate(at=Max("computed_at"))["at"])
    summary = err.getvalue().strip().splitlines()[-1]
    assert summary.startswith(f"Trabajo de predicción {job.pk}: 1 empresa en ")
    assert f"calculado el {computed:%d/%m/%Y %H:%M} (hora de America/Lima)" in summary
    assert "+00:00" not in summary


def test_a_job_on_unchanged_data_reuses_the_group_statistics(trained, run):
    first = run(prediction_job_create(business_ids=_all_ids()[:5]))
    second = run(prediction_job_create(business_ids=_all_ids()[5:10]))
    assert first.seconds["start"]["read"] > 0 and second.seconds["start"]["read"] == 0
    assert second.group_statistics == first.group_statistics
    from businesses.models import MonthlyRecord

    MonthlyRecord.objects.filter(pk=MonthlyRecord.objects.order_by("pk").first().pk).delete()
    third = run(prediction_job_create(business_ids=_all_ids()[:5]))
    assert third.group_statistics["key"] != first.group_statistics["key"]


def _production(kind):
    from forecasting.models import ModelVersion

    version = ModelVersion.objects.get(kind=kind, status=ModelVersion.Status.PRODUCTION)
    return prediction_jobs.pinned_models.get(version)


def test_a_chunks_predictions_are_the_engines_predict(trained):
    """A chunk predicts through the serving path (job_serving): the numbers of the engine's
    predict / predict_proba, with the expected-value models in use, and no drivers computed."""
    import pandas as pd

    from forecasting.engine.features import build_features
    from forecasting.history import businesses_frame, indicators_frame, records_frame

    forecaster = _production(ModelKind.FORECASTER)
    classifier = _production(ModelKind.GROWTH)
    job = PredictionJob(
        forecaster_version=production_models.get(ModelKind.FORECASTER)[0],
        growth_version=production_models.get(ModelKind.GROWTH)[0],
    )
    records = records_frame()
    cutoff = pd.Timestamp(records["period"].max())
    features = build_features(
        records, businesses_frame(), indicators_frame(), [cutoff], horizons=forecaster.horizons
    )
    assert getattr(forecaster, "mean_models_", {})  # the expected-value path is the one taken
    served = prediction_jobs.job_serving(job, forecaster, classifier).predict(
        features, explain=False
    )
    predicted = forecaster.predict(None, features=features)
    n = len(features)
    for j in range(len(forecaster.horizons)):
        block = predicted.iloc[j * n : (j + 1) * n]
        for stat in ("mean", "p10", "p50", "p90"):
            np.testing.assert_allclose(served.forecast[stat][j], block[stat].to_numpy(), rtol=1e-9)
    np.testing.assert_array_equal(served.flags["intermittent"], predicted["intermittent"][:n])
    proba = classifier.predict_proba(None, features=features)["probability"].to_numpy()
    np.testing.assert_allclose(served.probability, proba, atol=1e-9)
    assert served.drivers == [[] for _ in range(n)]


def test_the_first_steps_statistics_are_partial_sums_equal_to_the_whole_panels(trained, settings):
    """The first step sums the group statistics of parts of the panel: the sums of three
    parts are those of the whole panel read at once (up to summation order)."""
    import pandas as pd

    from forecasting.engine.features import group_statistics
    from forecasting.history import businesses_frame, records_frame

    forecaster = _production(ModelKind.FORECASTER)
    records = records_frame()
    cutoff = pd.Timestamp(records["period"].max())
    whole = group_statistics(
        records, businesses_frame(), cutoff, horizons=forecaster.horizons
    ).to_json()
    settings.PREDICTION_START_PARTS = 3
    parts, seconds = prediction_jobs._panel_statistics(cutoff, tuple(forecaster.horizons))
    summed = parts.to_json()
    assert set(summed) == set(whole) and seconds["read"] > 0
    for key, cells in whole.items():
        assert set(summed[key]) == set(cells), key
        for label, (total, count) in cells.items():
            assert summed[key][label][1] == count, (key, label)
            assert summed[key][label][0] == pytest.approx(total, rel=1e-12, abs=1e-12)


def test_the_first_steps_parts_are_bounded_in_size_whatever_the_panel(trained, settings):
    """The start step reads the panel in id ranges of at most ``PREDICTION_START_PART_SIZE``
    businesses (a worker's memory must not grow with the panel), covering every business once,
    in order; asking for more parts than the size needs gives that many."""
    ids = list(Business.objects.order_by("pk").values_list("pk", flat=True))
    settings.PREDICTION_START_PARTS = 1
    for size in (7, 50, len(ids), 10 * len(ids)):
        ranges = prediction_jobs._id_ranges(1, size)
        assert len(ranges) == -(-len(ids) // size)
        members = [[i for i in ids if first <= i <= last] for first, last in ranges]
        assert all(0 < len(m) <= size for m in members), size
        assert [i for m in members for i in m] == ids
    assert len(prediction_jobs._id_ranges(4, len(ids))) == 4


def test_a_chunks_ids_are_read_as_a_range_only_when_they_are_consecutive():
    from forecasting.predictions.io import _ids_condition

    assert _ids_condition("business_id", [5, 6, 7, 8]) == (
        "business_id BETWEEN %s AND %s",
        [5, 8],
    )
    for ids in ([5, 7, 8, 9], [8, 6, 7, 5], [5, 5, 7]):
        assert _ids_condition("business_id", ids) == ("business_id = ANY(%s::bigint[])", [ids])


def test_a_business_sunat_deregistered_is_withheld_by_jobs_files_and_advice(trained, run):
    """Issue 21: the stale-data rule reads SUNAT's padrón — a deregistered business's figures
    are withheld by the job (note sunat_deregistered in score files) and by the advice."""
    from forecasting.advice.rules import recommendations_for
    from forecasting.predictions.selectors import prediction_result_csv
    from forecasting.scoring.snapshot import score_business
    from tests.unit.businesses.sunat.test_sunat_use import said

    current = [b for b in _all_ids() if not score_business(b).stale][:2]
    baja = Business.objects.get(pk=current[0])
    said(baja, "BAJA DE OFICIO")
    job = run(prediction_job_create(business_ids=current, chunk_size=10))
    results = {r.business_id: r for r in PredictionResult.objects.filter(job=job)}
    assert results[baja.pk].stale and results[baja.pk].growth_probability is None
    assert results[baja.pk].mean_h1 is None
    assert results[baja.pk].freshness().reason_code == "sunat_deregistered"
    assert not results[current[1]].stale and results[current[1]].growth_probability is not None
    import csv

    text = "".join(prediction_result_csv(PredictionResult.objects.filter(job=job)))
    notes = {row[0]: row[-1] for row in list(csv.reader(text.splitlines()))[1:] if row[2] == "1"}
    assert notes[baja.ruc] == "sunat_deregistered"
    score = score_business(baja.pk)
    assert score.stale and score.growth_probability is None and not score.forecast
    assert [d.code for d in recommendations_for(score)] == ["sunat_deregistered"]
