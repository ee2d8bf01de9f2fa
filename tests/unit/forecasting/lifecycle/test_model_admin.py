"""Model management in the admin: start a training run and follow it, compare a candidate with
production, promote and roll back with a required reason, read each version's record."""

import pytest
from django.urls import reverse
from django.utils import translation

from businesses.demo import demo_data_load
from core.models import AuditEntry
from feedback.models import LabelOverride, RecommendationFeedback
from feedback.selectors import feedback_by_code, overrides_by_class
from forecasting.lifecycle.registry import production_models
from forecasting.lifecycle.reports import preset_parameters
from forecasting.lifecycle.services import model_version_promote
from forecasting.lifecycle.training import training_run_execute
from forecasting.models import (
    Advice,
    ModelEvent,
    ModelKind,
    ModelVersion,
    Recommendation,
    TrainingRun,
)
from tests.model_parameters import SMALL_MODELS as SMALL

pytestmark = pytest.mark.django_db


def _horizons(rmse: float, naive: float) -> dict:
    return {
        str(h): {
            "n": 100, "rmse": rmse, "mae": rmse * 0.8, "wape": 0.3, "mase": 0.9,
            "coverage_p10_p90": 0.8,
            "baselines": {"seasonal_naive": {"rmse": naive}, "last_value": {"rmse": naive - 0.1},
                          "mean_3": {"rmse": naive - 0.2}},
        }
        for h in range(1, 7)
    }  # fmt: skip


def _forecaster(version: int, rmse: float, status=ModelVersion.Status.CANDIDATE) -> ModelVersion:
    return ModelVersion.objects.create(
        kind=ModelKind.FORECASTER,
        version=version,
        status=status,
        metrics={
            "horizons": _horizons(rmse, 1.8),
            "global_importance": [
                {"feature": "lag_1", "importance": 0.5, "label_es": "ventas del mes",
                 "label_en": "last month's sales"},
                {"feature": "month", "importance": 0.1, "label_es": "mes", "label_en": "month"},
            ],
        },
        features=[{"name": "lag_1", "label_es": "ventas del mes", "label_en": "last month's sales",
                   "description": "Log sales one month before the cut-off."}],
        preprocessing={"outliers": "IQR clip"},
        parameters={"n_estimators": 250},
    )  # fmt: skip


def _growth(version: int, auc: float, status=ModelVersion.Status.CANDIDATE) -> ModelVersion:
    return ModelVersion.objects.create(
        kind=ModelKind.GROWTH,
        version=version,
        status=status,
        metrics={"roc_auc": auc, "pr_auc": 0.6, "positive_rate": 0.4, "brier": 0.2,
                 "brier_base_rate": 0.24},
        search_results={
            "chosen": "xgboost",
            "families": {
                "xgboost": {"best_score": 0.71, "best_params": {"max_depth": 4},
                            "candidates": [{"params": {"max_depth": 4}, "mean_score": 0.71,
                                            "std_score": 0.02, "rank": 1}]},
            },
        },
    )  # fmt: skip


@pytest.fixture
def staff_client(client, steward):
    client.force_login(steward)
    return client


def test_the_report_shows_baselines_importance_features_and_configuration(staff_client):
    version = _forecaster(1, 1.3)
    page = staff_client.get(reverse("admin:forecasting_modelversion_change", args=[version.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert "1.300" in body and "1.800" in body  # model and seasonal naive RMSE
    assert "<svg" in body and "<rect" in body  # importance bars, drawn inline
    assert "lag_1" in body and "IQR clip" in body and "n_estimators" in body
    assert page.context["json_blocks"][0][1] == [("n_estimators", "250", None)]


def test_the_growth_report_shows_the_cross_validation(staff_client):
    version = _growth(1, 0.72)
    page = staff_client.get(reverse("admin:forecasting_modelversion_change", args=[version.pk]))
    body = page.content.decode()
    assert page.status_code == 200 and "xgboost" in body and "max_depth=4" in body


def test_compare_puts_candidate_and_production_side_by_side(staff_client, steward):
    production = _forecaster(1, 1.4)
    model_version_promote(version=production, user=steward, reason="first")
    candidate = _forecaster(2, 1.2)
    page = staff_client.get(reverse("admin:forecasting_modelversion_compare", args=[candidate.pk]))
    assert page.status_code == 200
    comparison = page.context["comparison"]
    assert comparison.production.pk == production.pk
    assert comparison.candidate_score == pytest.approx(1 - 1.2 / 1.8)
    assert comparison.difference == pytest.approx((1.4 - 1.2) / 1.8)
    h1 = comparison.horizons[0]
    assert h1[0] == 1 and h1[1].rmse == 1.2 and h1[2].rmse == 1.4


def test_compare_growth_versions(staff_client, steward):
    model_version_promote(version=_growth(1, 0.70), user=steward, reason="first")
    candidate = _growth(2, 0.75)
    page = staff_client.get(reverse("admin:forecasting_modelversion_compare", args=[candidate.pk]))
    assert page.status_code == 200
    assert page.context["comparison"].scores[0][1:3] == (0.75, 0.70)


def test_promotion_needs_a_reason(staff_client, steward):
    candidate = _growth(1, 0.7)
    url = reverse("admin:forecasting_modelversion_promote", args=[candidate.pk])
    assert staff_client.post(url, {"reason": "   "}).status_code == 200
    candidate.refresh_from_db()
    assert candidate.status == ModelVersion.Status.CANDIDATE
    response = staff_client.post(url, {"reason": "AUC 0.70 en meses no vistos"})
    assert response.status_code == 302
    candidate.refresh_from_db()
    assert candidate.status == ModelVersion.Status.PRODUCTION
    event = ModelEvent.objects.get(model_version=candidate, action=ModelEvent.Action.PROMOTED)
    assert event.user == steward and event.reason == "AUC 0.70 en meses no vistos"
    assert AuditEntry.objects.filter(action="model_promoted", actor=steward).exists()


def test_rollback_needs_a_reason_and_restores_the_previous_version(staff_client, steward):
    first = _growth(1, 0.7)
    model_version_promote(version=first, user=steward, reason="first")
    model_version_promote(version=_growth(2, 0.75), user=steward, reason="second")
    url = reverse("admin:forecasting_modelversion_rollback", args=["growth"])
    assert staff_client.get(url).status_code == 200
    assert staff_client.post(url, {"reason": ""}).status_code == 200
    assert ModelVersion.objects.get(status="production").version == 2
    assert staff_client.post(url, {"reason": "v2 drifts"}).status_code == 302
    first.refresh_from_db()
    assert first.status == ModelVersion.Status.PRODUCTION
    assert AuditEntry.objects.get(action="model_rolled_back").detail["reason"] == "v2 drifts"


def test_an_advisor_cannot_reach_model_management(client, advisor):
    version = _growth(1, 0.7)
    advisor.is_staff = True
    advisor.save()
    client.force_login(advisor)
    url = reverse("admin:forecasting_modelversion_promote", args=[version.pk])
    assert client.post(url, {"reason": "x"}).status_code == 403
    version.refresh_from_db()
    assert version.status == ModelVersion.Status.CANDIDATE


def test_starting_a_run_queues_it_with_the_preset(staff_client, steward, monkeypatch):
    queued = []
    monkeypatch.setattr(
        "forecasting.lifecycle.training.training_run_enqueue", lambda run: queued.append(run)
    )
    assert staff_client.get(reverse("admin:forecasting_trainingrun_add")).status_code == 200
    response = staff_client.post(
        reverse("admin:forecasting_trainingrun_add"), {"kind": "growth", "preset": "quick"}
    )
    run = TrainingRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:forecasting_trainingrun_change", args=[run.pk])
    assert queued == [run] and run.requested_by == steward and run.kind == "growth"
    assert run.parameters == preset_parameters("quick", "growth")
    assert set(run.parameters) == {"growth"}
    assert AuditEntry.objects.get(action="training_started").detail["preset"] == "quick"


def test_a_run_that_cannot_be_queued_is_not_kept(staff_client, monkeypatch):
    from core.queueing import QueueUnavailableError

    def refuse(run):
        raise QueueUnavailableError()

    monkeypatch.setattr("forecasting.lifecycle.training.training_run_enqueue", refuse)
    response = staff_client.post(
        reverse("admin:forecasting_trainingrun_add"), {"kind": "all", "preset": "standard"}
    )
    assert response.status_code == 200
    assert not TrainingRun.objects.exists()
    assert not AuditEntry.objects.filter(action="training_started").exists()


def test_a_running_run_refreshes_itself_and_a_finished_one_does_not(staff_client):
    run = TrainingRun.objects.create(kind="all", status="running", stage="fitting", percent=40)
    url = reverse("admin:forecasting_trainingrun_change", args=[run.pk])
    assert b'http-equiv="refresh"' in staff_client.get(url).content
    run.status = TrainingRun.Status.SUCCEEDED
    run.save()
    assert b'http-equiv="refresh"' not in staff_client.get(url).content


def test_feedback_statistics_per_version(advisor, business, staff_client):
    version = _growth(1, 0.7)
    advice = Advice.objects.create(business=business, status="ready", growth_version=version,
                                   growth_probability=0.8, cutoff="2024-12-01")  # fmt: skip
    recs = [
        Recommendation.objects.create(advice=advice, code=code, title="t", rationale="r")
        for code in ("go_online", "go_online", "go_online", "short_history")
    ]
    RecommendationFeedback.objects.create(recommendation=recs[0], action="rejected")
    RecommendationFeedback.objects.create(recommendation=recs[0], action="accepted")  # latest
    RecommendationFeedback.objects.create(recommendation=recs[1], action="rejected")
    LabelOverride.objects.create(advice=advice, business=business, cutoff="2024-12-01",
                                 label="no_growth", reason="cierra")  # fmt: skip
    stats = {s["code"]: s for s in feedback_by_code(version)}
    assert stats["go_online"]["total"] == 3 and stats["go_online"]["judged"] == 2
    assert stats["go_online"]["acceptance_rate"] == 0.5 and stats["go_online"]["pending"] == 1
    assert stats["short_history"]["acceptance_rate"] is None
    overrides = {o["label"]: o for o in overrides_by_class(version)}
    assert overrides["no_growth"]["n"] == 1 and overrides["no_growth"]["against_model"] == 1
    assert overrides["grows"]["n"] == 0
    # the report names the kinds of recommendation in words, not by their codes
    with translation.override("es"):
        assert stats["go_online"]["label"] == "Empezar a vender por internet"
    page = staff_client.get(
        reverse("admin:forecasting_modelversion_change", args=[version.pk])
    ).content.decode()
    assert "Empezar a vender por internet" in page
    assert "go_online" not in page and "short_history" not in page


@pytest.fixture
def trained(settings, tmp_path):
    settings.MODEL_PARAMETERS = SMALL
    settings.MODEL_STORE_DIR = tmp_path / "models"
    settings.MODEL_REFRESH_SECONDS = 0
    production_models.clear()
    demo_data_load(businesses=120, months=40, seed=2)
    run = TrainingRun.objects.create(kind="all")
    training_run_execute(run.pk)
    yield run
    production_models.clear()


def test_pages_render_what_a_real_training_run_stored(staff_client, trained):
    for version in ModelVersion.objects.all():
        page = staff_client.get(reverse("admin:forecasting_modelversion_change", args=[version.pk]))
        assert page.status_code == 200
        assert page.context["importance"], version.kind  # both kinds store an importance
        if version.kind == ModelKind.FORECASTER:
            assert [r.horizon for r in page.context["horizons"]] == [1, 2, 3, 4, 5, 6]
            assert page.context["horizons"][0].baselines["seasonal_naive"] is not None
        else:
            assert page.context["cross_validation"][0]["candidates"]
            assert version.preprocessing["feedback_labels"]["outcome_weight"] == 0.5
        compare = staff_client.get(
            reverse("admin:forecasting_modelversion_compare", args=[version.pk])
        )
        assert compare.status_code == 200
    run_page = staff_client.get(reverse("admin:forecasting_trainingrun_change", args=[trained.pk]))
    assert run_page.status_code == 200 and len(run_page.context["run_versions"]) == 2


def test_the_report_shows_segments_and_calibration_error(staff_client):
    forecaster = _forecaster(1, 1.3)
    forecaster.metrics["segments"] = {
        "spiky": {"horizon_1": {"n": 42, "rmse": 2.131}, "all_horizons": {"rmse": 2.5}},
    }
    forecaster.save()
    body = staff_client.get(
        reverse("admin:forecasting_modelversion_change", args=[forecaster.pk])
    ).content.decode()
    assert "2.131" in body and "42" in body
    growth = _growth(1, 0.72)
    growth.metrics["ece"] = 0.1165
    growth.save()
    body = staff_client.get(
        reverse("admin:forecasting_modelversion_change", args=[growth.pk])
    ).content.decode()
    assert "0.117" in body


def test_a_growth_version_too_short_to_measure_says_so(staff_client):
    growth = ModelVersion.objects.create(
        kind=ModelKind.GROWTH,
        version=1,
        status=ModelVersion.Status.PRODUCTION,
        metrics={"measured": False, "months": 14, "months_needed": 18, "reason": "short"},
    )
    with translation.override("en"):
        body = staff_client.get(
            reverse("admin:forecasting_modelversion_change", args=[growth.pk]),
            HTTP_ACCEPT_LANGUAGE="en",
        ).content.decode()
    assert "14" in body and "18" in body
