"""A web or Celery worker loads the production models and builds their serving form (the fused
booster) when it starts, so its first forecast request builds nothing."""

from __future__ import annotations

import importlib
import sys

import pytest

from businesses.models import MonthlyRecord
from forecasting import tasks, warm
from forecasting.engine import serving
from forecasting.lifecycle import registry
from forecasting.unregistered.forecasts import market_references
from tests.unit.api.test_forecasts_api import URL, _business


@pytest.fixture
def cold(trained, monkeypatch):
    """A process that has loaded nothing yet; counts model loads and fused-booster builds."""
    serving._servers.clear()
    registry.production_models.clear()
    market_references.clear()
    counts = {"fused": 0, "loads": 0, "market": 0}
    fused, load = serving.fused_booster, registry.artifact_load

    def counted_fused(*args, **kwargs):
        counts["fused"] += 1
        return fused(*args, **kwargs)

    def counted_load(*args, **kwargs):
        counts["loads"] += 1
        return load(*args, **kwargs)

    monkeypatch.setattr(serving, "fused_booster", counted_fused)
    monkeypatch.setattr(registry, "artifact_load", counted_load)
    # the market's warm-up thread: called in the test's thread (its own database connection
    # would not see the test's transaction)
    monkeypatch.setattr(warm, "_market_warm_thread", lambda: counts.__setitem__("market", 1))
    yield counts
    serving._servers.clear()


def test_a_web_worker_builds_the_serving_models_before_its_first_request(cold, client_a):
    warm.web_warm()
    assert cold == {"fused": 1, "loads": 2, "market": 1}  # forecaster, growth; then the market
    assert len(serving._servers) == 1
    last = MonthlyRecord.objects.latest("period").period
    response = client_a.post(URL, _business(24, last=last), format="json")
    assert response.status_code == 200, response.json()
    assert cold["fused"] == 1 and cold["loads"] == 2  # the request built and loaded nothing


def test_without_the_warm_up_the_first_request_builds_the_booster(cold, client_a, settings):
    settings.SERVING_WARM_AT_START = False
    warm.web_warm()
    assert cold == {"fused": 0, "loads": 0, "market": 0}
    last = MonthlyRecord.objects.latest("period").period
    assert client_a.post(URL, _business(24, last=last), format="json").status_code == 200
    assert cold["fused"] == 1  # what the warm-up saves the first caller


def test_the_market_warm_up_reads_the_registrys_latest_month(cold):
    warm.market_warm()
    state = market_references.state()
    assert state.last is not None and state.last in state.stats


def test_a_celery_worker_warms_the_serving_models_at_start(cold, settings):
    tasks._scoring_warm(serving=True, scoring=False)
    assert cold["fused"] == 1 and len(serving._servers) == 1


def test_loading_the_wsgi_application_warms_the_worker(monkeypatch):
    calls = []
    monkeypatch.setattr(warm, "web_warm", lambda: calls.append("warm"))
    monkeypatch.delitem(sys.modules, "config.wsgi", raising=False)
    importlib.import_module("config.wsgi")  # what each gunicorn worker does before serving
    assert calls == ["warm"]


def test_without_a_production_model_the_warm_up_does_nothing(db):
    serving._servers.clear()
    registry.production_models.clear()
    assert warm.serving_warm() is False
    warm.web_warm()  # neither raises nor builds
    assert serving._servers == {}
