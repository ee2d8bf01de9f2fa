"""Operations: /healthz, /readyz, /metrics (with drift), the beat schedules and retraining
after a large import."""

import re

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation
from django_celery_beat.models import PeriodicTask

from businesses.demo import demo_data_load
from businesses.imports import data_import_run
from businesses.models import MonthlyRecord
from config.celery import app
from forecasting.lifecycle.registry import production_models
from forecasting.models import FeatureDrift, ModelVersion, TrainingRun
from forecasting.scoring.snapshot import scoring_snapshots
from portal.metrics import database_collector, queue_length
from portal.tasks import drift_measure
from tests.factories import BusinessFactory, MonthlyRecordFactory
from tests.model_parameters import SMALL_MODELS as SMALL
from tests.unit.businesses.files import write_csv


@pytest.fixture(autouse=True)
def _fresh_metrics():
    database_collector.clear()
    yield
    database_collector.clear()


def metric(text: str, name: str, **labels) -> float | None:
    """The value of one sample of the exposition ``text``, or None."""
    for line in text.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', line.split(" ")[0]))
        if all(found.get(k) == str(v) for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return None


def test_healthz_answers_without_the_database(client):
    # no django_db mark: any query would raise "Database access not allowed"
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_says_which_check_fails(client, settings, tmp_path):
    settings.MODEL_STORE_DIR = tmp_path / "models"
    production_models.clear()
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"]["ok"] and body["checks"]["broker"]["ok"]
    models = body["checks"]["models"]
    assert not models["ok"] and "forecaster" in models["error"] and "growth" in models["error"]


@pytest.mark.django_db
def test_metrics_are_for_allowed_addresses_or_the_token(client, settings):
    settings.METRICS_ALLOWED_IPS = ["10.0.0.5"]
    settings.METRICS_TOKEN = "s3cret-token"
    assert client.get("/metrics").status_code == 403  # the test client is 127.0.0.1
    assert client.get("/metrics", REMOTE_ADDR="10.0.0.5").status_code == 200
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    ok = client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-token")
    assert ok.status_code == 200 and ok["Content-Type"].startswith("text/plain")


@pytest.mark.django_db
def test_metrics_count_requests_jobs_and_queue(client, business):
    client.get("/healthz")
    before = metric(client.get("/metrics").content.decode(), "asesor_http_requests_total",
                    view="healthz", method="GET", status="200")  # fmt: skip
    client.get("/healthz")
    database_collector.clear()
    text = client.get("/metrics").content.decode()
    after = metric(text, "asesor_http_requests_total", view="healthz", method="GET", status="200")
    assert after == before + 1
    assert metric(text, "asesor_http_request_duration_seconds_count", view="healthz") >= 2
    assert metric(text, "asesor_jobs_active", kind="training", status="queued") == 0
    assert metric(text, "asesor_broker_up") == 1
    assert metric(text, "asesor_queue_length") == queue_length() >= 0
    assert metric(text, "asesor_metrics_complete") == 1

    TrainingRun.objects.create(kind="all")
    failed = TrainingRun.objects.create(kind="all")
    TrainingRun.objects.filter(pk=failed.pk).update(
        status="failed",
        started_at="2026-01-01T10:00:00Z",
        finished_at="2026-01-01T10:01:30Z",
    )
    database_collector.clear()
    text = client.get("/metrics").content.decode()
    assert metric(text, "asesor_jobs_active", kind="training", status="queued") == 1
    assert metric(text, "asesor_jobs_finished_total", kind="training", outcome="failed") == 1
    assert metric(text, "asesor_job_duration_seconds_sum", kind="training", outcome="failed") == 90
    assert metric(text, "asesor_predictions_served_total", source="advice") == 0


@pytest.mark.django_db
def test_trained_models_are_ready_and_their_drift_is_measured(client, settings, tmp_path):
    settings.MODEL_PARAMETERS = SMALL
    settings.MODEL_STORE_DIR = tmp_path / "models"
    settings.MODEL_REFRESH_SECONDS = 0
    settings.SCORING_SNAPSHOT_REFRESH_SECONDS = 0
    production_models.clear()
    scoring_snapshots.clear()
    try:
        demo_data_load(businesses=120, months=40, seed=2)
        call_command("train", kind="all", verbosity=0)
        versions = {v.kind: v for v in ModelVersion.objects.filter(status="production")}
        for version in versions.values():
            reference = version.data_summary["feature_distribution"]
            assert len(reference) >= 10
            assert {"type", "shares"} <= set(next(iter(reference.values())))

        ready = client.get("/readyz")
        assert ready.status_code == 200, ready.content
        assert ready.json()["checks"]["models"]["versions"] == {"forecaster": 1, "growth": 1}

        measured = drift_measure.apply().get()
        assert set(measured) == {"forecaster", "growth"}
        drift = FeatureDrift.objects.filter(model_version=versions["growth"])
        assert drift.count() == measured["growth"] > 0
        assert all(row.psi >= 0 for row in drift)

        text = client.get("/metrics").content.decode()
        assert metric(text, "asesor_model_production_version", kind="forecaster") == 1
        row = drift.first()
        assert metric(
            text, "asesor_feature_drift_psi", kind="growth", version="1", feature=row.feature
        ) == pytest.approx(row.psi)
    finally:
        production_models.clear()
        scoring_snapshots.clear()


@pytest.mark.django_db
def test_schedules_are_in_the_database_and_their_tasks_exist(settings):
    assert settings.CELERY_BEAT_SCHEDULER.endswith("DatabaseScheduler")
    tasks = {t.task: t for t in PeriodicTask.objects.filter(enabled=True)}
    assert {
        "forecasting.tasks.nightly_rescore",
        "portal.tasks.jobs_sweep",
        "portal.tasks.drift_measure",
    } <= set(tasks)
    nightly = tasks["forecasting.tasks.nightly_rescore"].crontab
    assert (nightly.hour, nightly.minute, str(nightly.timezone)) == ("2", "30", "America/Lima")
    sweep = tasks["portal.tasks.jobs_sweep"].interval
    assert (sweep.every, sweep.period) == (5, "minutes")
    app.loader.import_default_modules()
    assert set(tasks) <= set(app.tasks)


# ------------------------------------------------------------------ retraining after imports


@pytest.fixture
def stored(db):
    translation.activate("en")
    businesses = [BusinessFactory() for _ in range(2)]
    for b in businesses:
        for month in range(1, 11):
            MonthlyRecordFactory(business=b, period=f"2024-{month:02d}-01")
    yield businesses
    translation.deactivate()


def monthly_file(tmp_path, businesses, months):
    rows = [["ruc", "periodo", "ventas"]]
    rows += [[b.ruc, f"2025-{m:02d}", "100,00"] for b in businesses for m in months]
    return write_csv(tmp_path, rows)


def test_an_import_changing_enough_of_the_data_queues_a_training_run(
    tmp_path, stored, settings, django_capture_on_commit_callbacks
):
    settings.RETRAIN_AFTER_IMPORT_SHARE = 0.10
    with django_capture_on_commit_callbacks() as callbacks:
        report = data_import_run(kind="monthly", path=monthly_file(tmp_path, stored, [1, 2]))
    # 4 new rows of 24 stored: 17 % >= 10 %
    run = TrainingRun.objects.get()
    assert (run.kind, run.status, run.promote) == ("all", "queued", False)
    assert len(callbacks) == 1
    assert any(f"#{run.pk}" in w for w in report.warnings), report.warnings
    assert f"#{run.pk}" in report.data_import.message

    # another large import while that run waits queues nothing more
    data_import_run(kind="monthly", path=monthly_file(tmp_path, stored, [3, 4, 5]))
    assert TrainingRun.objects.count() == 1


def test_small_imports_dry_runs_and_a_zero_share_queue_nothing(tmp_path, stored, settings):
    settings.RETRAIN_AFTER_IMPORT_SHARE = 0.5
    data_import_run(kind="monthly", path=monthly_file(tmp_path, stored, [1, 2]))  # 4 of 24
    settings.RETRAIN_AFTER_IMPORT_SHARE = 0.01
    data_import_run(kind="monthly", path=monthly_file(tmp_path, stored, [6]), dry_run=True)
    settings.RETRAIN_AFTER_IMPORT_SHARE = 0
    data_import_run(kind="monthly", path=monthly_file(tmp_path, stored, [7, 8, 9]))
    assert MonthlyRecord.objects.count() == 30 and not TrainingRun.objects.exists()


def test_an_import_still_lands_when_retraining_cannot_be_queued(
    tmp_path, stored, settings, monkeypatch
):
    settings.RETRAIN_AFTER_IMPORT_SHARE = 0.1
    connect = app.connection_for_write
    monkeypatch.setattr(
        app, "connection_for_write", lambda url=None, **kw: connect("redis://127.0.0.1:9/0", **kw)
    )
    report = data_import_run(kind="monthly", path=monthly_file(tmp_path, stored, [1, 2]))
    assert report.data_import.status == "succeeded" and MonthlyRecord.objects.count() == 24
    assert not TrainingRun.objects.exists()
    assert any("could not be queued" in w for w in report.warnings)


@pytest.mark.django_db
def test_the_grafana_dashboard_reads_only_metrics_we_expose(client):
    import json
    from pathlib import Path

    client.get("/healthz")
    text = client.get("/metrics").content.decode()
    dashboard = json.loads(
        (Path(__file__).parents[3] / "deploy/grafana-dashboard.json").read_text()
    )
    used = {
        name
        for panel in dashboard["panels"]
        for target in panel["targets"]
        for name in re.findall(r"asesor_\w+", target["expr"])
    }
    assert len(used) >= 10
    for name in used:
        assert re.search(rf"^{name}[{{ ]", text, re.M) or f"# TYPE {name} " in text, name


@pytest.mark.django_db
def test_stewards_edit_the_schedules_and_read_the_drift_in_the_admin(client, steward, settings):
    settings.ADMIN_2FA = False
    client.force_login(steward)
    task = PeriodicTask.objects.get(task="forecasting.tasks.nightly_rescore")
    change = client.get(reverse("admin:django_celery_beat_periodictask_change", args=[task.pk]))
    assert change.status_code == 200 and b'name="_save"' in change.content
    drift = client.get(reverse("admin:forecasting_featuredrift_changelist"))
    assert drift.status_code == 200
    assert client.get(reverse("admin:forecasting_featuredrift_add")).status_code == 403
