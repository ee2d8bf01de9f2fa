"""Serving speed without changing answers: one business's drivers from the serving path equal
the classifier's own explanation, and a due data check never makes a caller wait
for a rebuild (it runs in the background when a snapshot is in hand)."""

import threading
import time
from types import SimpleNamespace

import pytest
from django.core.management import call_command

from businesses.demo import demo_data_load
from forecasting.lifecycle.registry import production_models
from forecasting.models import ModelKind
from forecasting.scoring import snapshot as scoring
from forecasting.scoring.snapshot import score_business, scoring_snapshots, scoring_warm
from tests.model_parameters import SMALL_MODELS as SMALL

pytestmark = pytest.mark.django_db

# Small trees that do split on a tiny panel (the production grid's min_child_weight does not).
SPLITTING = {
    **SMALL,
    "growth": {
        **SMALL["growth"],
        "xgb_grid": {
            "n_estimators": [20],
            "max_depth": [3],
            "learning_rate": [0.3],
            "min_child_weight": [1],
            "subsample": [1.0],
            "colsample_bytree": [1.0],
        },
    },
}


@pytest.fixture
def trained_with_splits(fresh_caches, settings):
    settings.MODEL_PARAMETERS = SPLITTING
    demo_data_load(businesses=120, months=40, seed=2)
    call_command("train", kind="all", verbosity=0)


def test_drivers_of_a_scored_business_equal_the_classifiers_explanation(trained_with_splits):
    snap = scoring_warm()
    assert snap is not None
    _, classifier = production_models.get(ModelKind.GROWTH)
    assert classifier.family_ == "xgboost"  # the serving path's TreeSHAP, not explain's own
    ids = sorted(snap.feature_row)
    seen = 0
    from forecasting.reasons import without_peer_figures
    from forecasting.scoring.snapshot import scores_all

    sample = ids[:: max(1, len(ids) // 25)]
    batch = {s.business_id: s for s in scores_all(sample)}  # the batch advice's scores
    for business_id in sample:
        row = snap.feature_row[business_id]
        score = score_business(business_id)
        assert batch[business_id].drivers == score.drivers  # one vectorised call, same drivers
        assert batch[business_id].forecast == score.forecast
        if score.stale:  # no recent data: withheld, with its forecast and probability
            assert score.drivers == [] and score.growth_probability is None
            continue
        fast = score.drivers
        slow = classifier.explain(snap.features.iloc[[row]], top=5)[0]["drivers"]
        trend = score.market_trend
        if trend.get("yoy_growth") is None or trend.get("suppressed"):
            # the market of its cell is withheld: so are the figures taken from its peers
            slow = without_peer_figures(slow)
        assert [d["feature"] for d in fast] == [d["feature"] for d in slow]
        assert [d["contribution"] for d in fast] == pytest.approx(
            [d["contribution"] for d in slow], rel=1e-5, abs=1e-6
        )
        assert [d["value"] for d in fast] == [d["value"] for d in slow]
        assert [d["direction"] for d in fast] == [d["direction"] for d in slow]
        assert [d["label_es"] for d in fast] == [d["label_es"] for d in slow]
        seen += len(fast)
    assert seen > 0  # some rows do have drivers: the comparison compared something


def test_scoring_warm_without_production_models_is_a_no_op(fresh_caches):
    assert scoring_warm() is None
    assert scoring_snapshots._snapshot is None


def _fake_snapshot(key):
    return SimpleNamespace(key=key, build_seconds=0.0, feature_row={})


def test_a_due_check_answers_with_the_snapshot_in_hand_and_rebuilds_behind(settings, monkeypatch):
    settings.SCORING_SNAPSHOT_REFRESH_SECONDS = 0.05
    signature = {"value": ("v1",)}
    building = threading.Event()
    release = threading.Event()
    builds = []

    def build(*, key, forecaster, classifier, **_serving):
        builds.append(key)
        if len(builds) > 1:  # the background rebuild: slow, the callers must not wait for it
            building.set()
            assert release.wait(10)
        return _fake_snapshot(key)

    monkeypatch.setattr(scoring, "data_signature", lambda: signature["value"])
    monkeypatch.setattr(scoring, "snapshot_build", build)
    monkeypatch.setattr(scoring.connection, "close", lambda: None)
    cache = scoring._SnapshotCache()
    models = {
        "f_version": SimpleNamespace(pk=1),
        "forecaster": None,
        "g_version": SimpleNamespace(pk=2),
        "classifier": None,
    }

    first = cache.get(**models)  # no snapshot yet: built on the caller's thread
    assert first.key == (("v1",), 1, 2) and len(builds) == 1

    signature["value"] = ("v2",)  # the data moves
    time.sleep(0.06)  # the check is due
    # Answered with the snapshot in hand while the rebuild is held: had the caller waited for
    # the rebuild, it would never have returned before ``release`` is set.
    assert cache.get(**models) is first
    assert building.wait(5)  # the rebuild runs behind
    assert cache.get(**models) is first  # callers keep the old one during the build
    release.set()
    deadline = time.monotonic() + 5
    while cache._snapshot is first and time.monotonic() < deadline:
        time.sleep(0.01)
    assert cache.get(**models).key == (("v2",), 1, 2)
    assert len(builds) == 2

    # A new production model is never served from the old model's snapshot.
    assert cache.get(**{**models, "g_version": SimpleNamespace(pk=3)}).key[2] == 3


def test_without_a_refresh_interval_every_call_checks_on_the_callers_thread(settings, monkeypatch):
    settings.SCORING_SNAPSHOT_REFRESH_SECONDS = 0
    signature = {"value": ("a",)}
    monkeypatch.setattr(scoring, "data_signature", lambda: signature["value"])
    monkeypatch.setattr(
        scoring, "snapshot_build", lambda *, key, forecaster, classifier, **_: _fake_snapshot(key)
    )
    cache = scoring._SnapshotCache()
    models = {
        "f_version": SimpleNamespace(pk=1),
        "forecaster": None,
        "g_version": SimpleNamespace(pk=2),
        "classifier": None,
    }
    assert cache.get(**models).key[0] == ("a",)
    signature["value"] = ("b",)
    assert cache.get(**models).key[0] == ("b",)
