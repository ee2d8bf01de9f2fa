"""Unit tier: SQLite and the embedded (filesystem) broker; nothing else to run."""

import pytest
from django.conf import settings
from django.core.management import call_command

from businesses.demo import demo_data_load
from forecasting.lifecycle.registry import production_models
from forecasting.predictions.jobs import job_contexts, pinned_models
from forecasting.scoring.snapshot import scoring_snapshots
from tests.model_parameters import SMALL_MODELS as SMALL


@pytest.fixture(scope="session", autouse=True)
def _unit_tier_uses_sqlite():
    engine = settings.DATABASES["default"]["ENGINE"]
    assert engine.endswith("sqlite3"), f"the unit tier runs on SQLite, not {engine}"


# Trained small production models on a small demo, for the tests of scoring, advice, the current
# scores and the owner's report. The caches are keyed by ids that the next test's database
# hands out again, so they are emptied before and after.
@pytest.fixture
def fresh_caches(settings, tmp_path):
    settings.MODEL_PARAMETERS = SMALL
    settings.MODEL_STORE_DIR = tmp_path / "models"
    settings.MODEL_REFRESH_SECONDS = 0
    settings.SCORING_SNAPSHOT_REFRESH_SECONDS = 0
    caches = (production_models, scoring_snapshots, pinned_models, job_contexts)
    for cache in caches:
        cache.clear()
    yield
    for cache in caches:
        cache.clear()


@pytest.fixture
def trained(fresh_caches):
    demo = demo_data_load(businesses=120, months=40, seed=2)
    call_command("train", kind="all", verbosity=0)
    return demo
