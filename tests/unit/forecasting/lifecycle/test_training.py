"""Training runs: from the registry's rows to stored, measured, promoted model versions."""

import pytest
from django.core.management import call_command

from businesses.demo import demo_data_load
from forecasting.lifecycle.registry import artifact_load, production_models
from forecasting.lifecycle.training import training_run_create, training_run_execute
from forecasting.models import ModelEvent, ModelKind, ModelVersion, TrainingRun
from tests.model_parameters import SMALL_MODELS as SMALL

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_models(settings, tmp_path):
    settings.MODEL_PARAMETERS = SMALL
    settings.MODEL_STORE_DIR = tmp_path / "models"
    settings.MODEL_REFRESH_SECONDS = 0
    production_models.clear()
    yield
    production_models.clear()


@pytest.fixture
def demo(small_models):
    return demo_data_load(businesses=120, months=40, seed=2)


def test_train_all_stores_measured_versions_and_promotes_the_first(demo):
    call_command("train", kind="all", verbosity=0)
    run = TrainingRun.objects.get()
    assert run.status == TrainingRun.Status.SUCCEEDED and run.percent == 100
    for kind in (ModelKind.FORECASTER, ModelKind.GROWTH):
        version = ModelVersion.objects.get(kind=kind)
        assert version.status == ModelVersion.Status.PRODUCTION
        assert version.data_version == demo.data_import.pk
        assert len(version.data_fingerprint) == 64
        assert version.features and {"name", "label_es", "label_en"} <= set(version.features[0])
        assert version.library_versions["xgboost"]
        assert artifact_load(version) is not None
        assert ModelEvent.objects.filter(
            model_version=version, action=ModelEvent.Action.PROMOTED
        ).exists()
    forecaster = ModelVersion.objects.get(kind=ModelKind.FORECASTER)
    h1 = forecaster.metrics["horizons"]["1"]
    assert {"rmse", "mae", "wape", "mase", "coverage_p10_p90", "baselines"} <= set(h1)
    growth = ModelVersion.objects.get(kind=ModelKind.GROWTH)
    assert {"roc_auc", "brier", "brier_base_rate"} <= set(growth.metrics)
    assert growth.search_results


def test_a_candidate_that_does_not_beat_production_waits_for_a_steward(demo):
    call_command("train", kind="forecaster", verbosity=0)
    # Same data, same parameters: the same score, which is no improvement.
    call_command("train", kind="forecaster", verbosity=0)
    v1, v2 = ModelVersion.objects.filter(kind=ModelKind.FORECASTER).order_by("version")
    assert (v1.status, v2.status) == (ModelVersion.Status.PRODUCTION, ModelVersion.Status.CANDIDATE)
    assert ModelEvent.objects.filter(
        model_version=v2, action=ModelEvent.Action.KEPT_AS_CANDIDATE
    ).exists()
    call_command("train", kind="forecaster", promote=True, verbosity=0)
    v3 = ModelVersion.objects.get(kind=ModelKind.FORECASTER, version=3)
    assert v3.status == ModelVersion.Status.PRODUCTION


def test_a_run_without_data_fails_and_says_why(small_models):
    run = training_run_execute(training_run_create(kind="forecaster").pk)
    assert run.status == TrainingRun.Status.FAILED
    assert "no monthly records" in run.error.lower() or "registros" in run.error
    assert run.finished_at is not None
    # A finished run is not run again.
    assert training_run_execute(run.pk).finished_at == run.finished_at


def test_evaluate_json_has_the_shape_other_tools_read(demo):
    import io
    import json

    call_command("train", kind="all", verbosity=0, stdout=io.StringIO())
    out = io.StringIO()
    call_command("evaluate", json=True, stdout=out)
    report = json.loads(out.getvalue())
    h1 = report["forecaster"]["horizons"]["1"]
    for key in ("rmse", "mae", "wape", "mase", "coverage_p10_p90"):
        assert isinstance(h1[key], float)
    assert set(h1["baselines"]) == {"last_value", "seasonal_naive", "mean_3"}
    assert h1["oracle"]["rmse"] > 0  # demo data: the generator's oracle is reported
    g = report["growth"]
    for key in ("roc_auc", "pr_auc", "brier", "brier_base_rate", "oracle_roc_auc"):
        assert isinstance(g[key], float)


@pytest.mark.parametrize("months", [14, 20])
def test_train_all_works_on_a_short_history_and_records_what_it_measured(small_models, months):
    demo_data_load(businesses=120, months=months, seed=4)
    call_command("train", kind="all", verbosity=0)
    assert TrainingRun.objects.get().status == TrainingRun.Status.SUCCEEDED
    forecaster = ModelVersion.objects.get(kind=ModelKind.FORECASTER)
    assert forecaster.status == ModelVersion.Status.PRODUCTION
    assert forecaster.metrics["horizons"]["1"]["rmse"] is not None
    assert forecaster.preprocessing["history"]["months_in_data"] == months
    growth = ModelVersion.objects.get(kind=ModelKind.GROWTH)
    assert growth.status == ModelVersion.Status.PRODUCTION
    assert growth.preprocessing["label_windows"]["partial_windows_allowed"]
    if months < 18:
        assert growth.metrics["measured"] is False and growth.metrics["reason"]
    else:
        assert growth.metrics["measured"] and growth.metrics["partial_windows"]
        assert growth.metrics["roc_auc"] is not None


def test_the_run_log_is_written_on_the_lima_clock(small_models, monkeypatch):
    # the log said 15:04 (UTC) on a page whose other times read 10:04 (Lima)
    import datetime as dt

    from forecasting.lifecycle import training

    instant = dt.datetime(2026, 12, 7, 15, 4, 9, tzinfo=dt.UTC)
    monkeypatch.setattr(training.timezone, "now", lambda: instant)
    run = training_run_execute(training_run_create(kind="forecaster").pk)
    assert run.log.splitlines()[0].startswith("10:04:09-05:00 ")
    assert "15:04" not in run.log
