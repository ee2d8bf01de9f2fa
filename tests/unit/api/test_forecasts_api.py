"""Forecasts for businesses not in the registry: one sent with its sales history
gets the production models' forecast and growth probability; errors name their paths."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from django.db.models import Count

from businesses.models import Business, MonthlyRecord
from forecasting.engine.serving import ServingModels
from forecasting.lifecycle.registry import production_models
from forecasting.scoring.snapshot import score_business, scoring_snapshots
from forecasting.unregistered.forecasts import market_references
from tests.unit.api.conftest import key_client

URL = "/api/v1/forecasts/"
BATCH_URL = "/api/v1/forecasts/batch/"


def _months(last: dt.date, n: int) -> list[str]:
    out, year, month = [], last.year, last.month
    for _ in range(n):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out[::-1]


def _business(n_months: int = 24, *, sector="47", region="15", last=dt.date(2024, 6, 1)) -> dict:
    rng = np.random.default_rng(n_months)
    history = [
        {"period": p, "sales": float(round(8000 * rng.lognormal(0, 0.2), 2))}
        for p in _months(last, n_months)
    ]
    return {"reference": f"b{n_months}", "sector": sector, "region": region, "history": history}


def _registry_body(business: Business) -> dict:
    """A registry business sent as if it were not in the registry (its whole history)."""
    levels = {"low": "low", "medium": "medium", "high": "high", "": None}
    history = [
        {
            "period": f"{r.period:%Y-%m}",
            "sales": float(r.sales),
            "costs": None if r.costs is None else float(r.costs),
            "employees": r.employees,
            "customer_satisfaction": levels.get(r.satisfaction or ""),
        }
        for r in MonthlyRecord.objects.filter(business=business).order_by("period")
    ]
    return {
        "reference": business.ruc,
        "sector": business.sector_id,
        "ubigeo": business.ubigeo,
        "founded": f"{business.founded:%Y-%m-%d}" if business.founded else None,
        "women_led": business.women_led,
        "sells_online": business.sells_online,
        "history": history,
    }


def test_forecasts_need_credentials(db):
    from rest_framework.test import APIClient

    for url in (URL, BATCH_URL):
        response = APIClient().post(url, _business(), format="json")
        assert response.status_code == 401


def test_without_a_production_model_the_answer_is_503(client_a, db):
    for cache in (production_models, scoring_snapshots, market_references):
        cache.clear()
    response = client_a.post(URL, _business(), format="json")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "scoring_unavailable"
    assert int(response["Retry-After"]) > 0


@pytest.mark.parametrize(
    "language,message",
    [
        ("en", "Sales must be a number, 0 or more (soles)."),
        ("es", "Las ventas deben ser un número mayor o igual a 0 (soles)."),
    ],
)
def test_validation_errors_name_their_paths_in_the_request_language(
    language, message, partner_a, db
):
    bad = _business(12)
    bad["history"][5]["sales"] = "mucho"
    bad["history"][7]["period"] = "2024-13"
    bad["sector"] = "9x"
    good = _business(12)
    client = key_client(partner_a.key, language)
    response = client.post(BATCH_URL, {"businesses": [good, good, good, bad]}, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    paths = {d["path"]: d for d in error["details"]}
    assert set(paths) == {
        "businesses[3].history[5].sales",
        "businesses[3].history[7].period",
        "businesses[3].sector",
    }
    assert paths["businesses[3].history[5].sales"]["message"] == message
    assert paths["businesses[3].history[5].sales"]["field"] == "sales"
    # the single form names the same problems without the prefix
    single = client.post(URL, bad, format="json").json()["error"]
    assert {d["path"] for d in single["details"]} == {
        "history[5].sales",
        "history[7].period",
        "sector",
    }


@pytest.mark.parametrize(
    "body,path",
    [
        ({"history": []}, "history"),
        ({"history": "12 meses"}, "history"),
        ({"history": [{"period": "2024-01", "sales": -1}]}, "history[0].sales"),
        ({"history": [{"period": "2024-01"}]}, "history[0].sales"),
        ({"history": [{"sales": 10}]}, "history[0].period"),
        ({"history": [{"period": "2024-01", "sales": 1}] * 2}, "history[1].period"),
        ({"history": [{"period": "2999-01", "sales": 1}]}, "history[0].period"),
        ({"history": [{"period": "2024-01", "sales": 1, "costs": "x"}]}, "history[0].costs"),
        (
            {"history": [{"period": "2024-01", "sales": 1, "customer_satisfaction": "ok"}]},
            "history[0].customer_satisfaction",
        ),
        ({"history": [{"period": "2024-01", "sales": True}]}, "history[0].sales"),
        ({"history": [7]}, "history[0]"),
        ({"region": "99", "history": [{"period": "2024-01", "sales": 1}]}, "region"),
        ({"ubigeo": "999999", "history": [{"period": "2024-01", "sales": 1}]}, "ubigeo"),
        ({"women_led": "sí", "history": [{"period": "2024-01", "sales": 1}]}, "women_led"),
    ],
)
def test_each_kind_of_bad_input_is_a_400_at_its_path(body, path, client_a, db):
    response = client_a.post(URL, body, format="json")
    assert response.status_code == 400
    assert [d["path"] for d in response.json()["error"]["details"]] == [path]


def test_a_batch_over_the_limit_is_413(client_a, settings, db):
    settings.API_FORECAST_MAX_BUSINESSES = 3
    response = client_a.post(BATCH_URL, {"businesses": [_business()] * 4}, format="json")
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


def test_forecasts_are_sane_and_a_batch_answers_as_its_businesses_alone(
    trained, client_a, partner_a
):
    last = MonthlyRecord.objects.latest("period").period
    long = _business(30, last=last)
    short = _business(4, sector="10", region="04", last=last)
    response = client_a.post(BATCH_URL, {"businesses": [long, short]}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["model_versions"]["forecaster"]["status"] == "production"
    results = body["results"]
    assert [r["reference"] for r in results] == ["b30", "b4"]
    for result in results:
        assert [f["horizon"] for f in result["forecast"]] == [1, 2, 3, 4, 5, 6]
        assert result["cutoff"] == f"{last:%Y-%m}" == result["market_month"]
        for month in result["forecast"]:
            assert 0 <= month["p10"] <= month["p50"] <= month["p90"]
            assert month["mean"] > 0
        assert 0 <= result["growth_probability"] <= 1
        for driver in result["drivers"]:  # (the tiny test model may have none)
            assert driver["label"] == driver["label_en"] and driver["label_es"]
    assert results[0]["short_history"] is False
    assert results[1]["short_history"] is True
    assert results[1]["history_note"] == "history_lt_6_months"
    assert all(f["short_history"] for f in results[1]["forecast"])
    # interval widths grow with uncertainty: a 4-month history gets a wider band
    width = [r["forecast"][0]["p90"] / r["forecast"][0]["p10"] for r in results]
    assert width[1] > width[0]
    alone = client_a.post(URL, short, format="json").json()
    assert alone["forecast"] == results[1]["forecast"]
    assert alone["growth_probability"] == pytest.approx(results[1]["growth_probability"])
    spanish = key_client(partner_a.key, "es").post(URL, short, format="json").json()
    assert [d["label"] for d in spanish["drivers"]] == [d["label_es"] for d in alone["drivers"]]


def test_drivers_false_leaves_the_drivers_out_and_does_not_compute_them(
    trained, client_a, monkeypatch
):
    last = MonthlyRecord.objects.latest("period").period
    body = {"businesses": [_business(30, last=last), _business(12, last=last)]}
    full = client_a.post(BATCH_URL, body, format="json").json()["results"]
    explained = []
    explain = ServingModels._drivers
    monkeypatch.setattr(
        ServingModels, "_drivers", lambda *a, **k: explained.append(1) or explain(*a, **k)
    )
    quiet = client_a.post(f"{BATCH_URL}?drivers=false", body, format="json")
    assert quiet.status_code == 200, quiet.json()
    results = quiet.json()["results"]
    assert explained == [] and all("drivers" not in r for r in results)
    for alone, with_drivers in zip(results, full, strict=True):
        assert alone == {k: v for k, v in with_drivers.items() if k != "drivers"}
    single = client_a.post(f"{URL}?drivers=false", body["businesses"][0], format="json").json()
    assert "drivers" not in single and single["forecast"] == full[0]["forecast"]
    again = client_a.post(f"{URL}?drivers=true", body["businesses"][0], format="json").json()
    assert "drivers" in again


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_bad_drivers_value_is_a_400_naming_the_parameter(trained, partner_a, language):
    response = key_client(partner_a.key, language).post(
        f"{URL}?drivers=maybe", _business(12), format="json"
    )
    assert response.status_code == 400
    assert "drivers" in str(response.json())


def test_the_schema_documents_drivers_false(client_a, db):
    schema = client_a.get("/api/v1/schema/?format=json").json()
    for path in (URL, BATCH_URL):
        parameters = schema["paths"][path]["post"]["parameters"]
        assert any(p["name"] == "drivers" and p["in"] == "query" for p in parameters)


def test_drivers_are_the_largest_reasons_with_plain_names():
    contrib = np.array([[0.1, -0.5, 0.0, 0.2], [0.0, 0.0, 0.0, -0.3]])
    rows = [
        {"growth_12m": 1.0, "margin_mean_12": 0.2, "share_zero": 3.0, "sector_division": None},
        {"growth_12m": 0.5, "margin_mean_12": 0.5, "share_zero": 1.0, "sector_division": "47"},
    ]
    names = ["growth_12m", "margin_mean_12", "share_zero", "sector_division"]
    drivers = ServingModels._top_drivers(contrib, names, lambda r, c: rows[r].get(c), top=3)
    assert [d["feature"] for d in drivers[0]] == ["margin_mean_12", "sector_division", "growth_12m"]
    assert [d["family"] for d in drivers[0]] == ["margin", "activity", "sales_yoy"]
    assert [d["direction"] for d in drivers[0]] == ["down", "up", "up"]
    assert drivers[0][0]["label_es"] == "Margen"
    assert drivers[0][0]["label_en"] == "Margin"
    assert drivers[0][1]["value"] is None and drivers[0][0]["value"] == 0.2
    assert drivers[0][0]["facts"]["margin_mean_12"] == 0.2
    assert [d["feature"] for d in drivers[1]] == ["sector_division"]  # zeros are left out


def test_a_registry_business_sent_as_unregistered_gets_its_registry_forecast(trained, client_a):
    business = Business.objects.annotate(n=Count("records__costs")).order_by("-n", "pk").first()
    response = client_a.post(URL, _registry_body(business), format="json")
    assert response.status_code == 200, response.json()
    sent = response.json()
    scored = score_business(business.pk)
    assert sent["cutoff"] == f"{scored.cutoff:%Y-%m}"
    for mine, theirs in zip(sent["forecast"], scored.forecast, strict=True):
        for name in ("mean", "p10", "p50", "p90"):
            assert mine[name] == pytest.approx(theirs[name], rel=1e-6)
    assert sent["growth_probability"] == pytest.approx(scored.growth_probability, abs=1e-6)
    assert [d["feature"] for d in sent["drivers"]] == [d["feature"] for d in scored.drivers]


def test_the_lean_serving_path_gives_the_engines_numbers(trained):
    from forecasting.lifecycle.registry import production_pair

    f_version, forecaster, g_version, classifier = production_pair()
    snap = scoring_snapshots.get(
        f_version=f_version, forecaster=forecaster, g_version=g_version, classifier=classifier
    )
    features = snap.features.iloc[:25]
    server = ServingModels(forecaster, classifier)
    served = server.predict(features)
    assert server.explain(features) == served.drivers  # drivers alone: the same code
    quiet = server.predict(features, explain=False)
    assert quiet.drivers == [[] for _ in range(len(features))]
    np.testing.assert_array_equal(quiet.probability, served.probability)
    engine = forecaster.predict(None, features=features)
    for j, h in enumerate(served.horizons):
        part = engine[engine["horizon"] == h]
        for name in ("mean", "p10", "p50", "p90"):
            np.testing.assert_allclose(served.forecast[name][j], part[name], rtol=1e-5)
    proba = classifier.predict_proba(None, features=features)["probability"].to_numpy()
    np.testing.assert_allclose(served.probability, proba, atol=1e-6)
    explained = classifier.explain(features, top=5)
    assert [[d["feature"] for d in e["drivers"]] for e in explained] == [
        [d["feature"] for d in drivers] for drivers in served.drivers
    ]
    # the path for unregistered businesses hands the same features over as plain arrays
    arrays = {c: features[c].to_numpy() for c in features.columns if c != "cutoff"}
    plain = ServingModels(forecaster, classifier).predict(arrays)
    for name in ("mean", "p10", "p50", "p90"):
        np.testing.assert_array_equal(plain.forecast[name], served.forecast[name])
    np.testing.assert_array_equal(plain.probability, served.probability)
    assert plain.drivers == served.drivers


@pytest.mark.parametrize("method", ["isotonic", "sigmoid"])
def test_the_serving_calibration_is_the_calibrators_own(method):
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.frozen import FrozenEstimator
    from sklearn.linear_model import LogisticRegression

    from forecasting.engine.serving import _calibration

    rng = np.random.default_rng(0)
    x = rng.normal(size=(600, 2))
    y = (x[:, 0] + rng.normal(size=600) > 0).astype(int)
    model = LogisticRegression().fit(x[:300], y[:300])
    calibrated = CalibratedClassifierCV(FrozenEstimator(model), method=method).fit(x[300:], y[300:])
    calibrator = calibrated.calibrated_classifiers_[0].calibrators[0]
    raw = np.concatenate([rng.normal(scale=3, size=200), [-50.0, 50.0]])  # and out of range
    np.testing.assert_allclose(_calibration(calibrator)(raw), calibrator.predict(raw), atol=1e-12)
    assert getattr(_calibration(calibrator), "__self__", None) is None  # not its own predict


def test_an_unregistered_forecast_gives_no_figure_of_the_registrys_groups(
    trained, client_a, monkeypatch
):
    """Compared with the registry's sector and region groups, whose sizes the partner cannot
    see: the drivers keep their direction but never the group figures (a partner sending known
    sales would read a small group's average off them)."""
    from forecasting.engine import reasons as catalogue

    peer = {
        "family": "peers_level", "feature": "log_sales_vs_sector_region", "label_es": "Pares",
        "label_en": "Peers", "value": 0.7, "contribution": 0.5, "direction": "up",
        "features": ["log_sales_vs_sector_region"], "facts": {"log_sales_vs_sector_region": 0.7},
    }  # fmt: skip
    real_predict = ServingModels.predict

    def predict(self, features, *, explain=True):
        served = real_predict(self, features, explain=explain)
        if explain:
            served.drivers = [[peer, *row] for row in served.drivers]
        return served

    monkeypatch.setattr(ServingModels, "predict", predict)
    business = Business.objects.annotate(n=Count("records")).order_by("-n", "pk").first()
    response = client_a.post(URL, _registry_body(business), format="json")
    assert response.status_code == 200, response.json()
    drivers = response.json()["drivers"]
    assert drivers and drivers[0]["family"] == "peers_level" and drivers[0]["value"] is None
    for d in drivers:
        assert not [k for k in d.get("facts") or {} if catalogue.GROUP_FEATURE.match(k)]
