"""The artifact store refuses anything it did not write; production is one version per kind;
promotion and rollback are recorded and picked up without a restart."""

import pytest
from django.db import IntegrityError, transaction
from django.utils import translation

from forecasting.lifecycle.registry import (
    ArtifactRefusedError,
    artifact_load,
    artifact_save,
    production_models,
)
from forecasting.lifecycle.services import (
    PromotionError,
    model_version_promote,
    model_version_rollback,
)
from forecasting.models import ModelEvent, ModelKind, ModelVersion

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _store(settings, tmp_path):
    settings.MODEL_STORE_DIR = tmp_path / "models"
    settings.MODEL_REFRESH_SECONDS = 0
    production_models.clear()
    yield
    production_models.clear()


def _version(obj, *, version=1, kind=ModelKind.FORECASTER, status=ModelVersion.Status.CANDIDATE):
    path, sha, mac = artifact_save(obj, kind=kind, version=version)
    return ModelVersion.objects.create(
        kind=kind,
        version=version,
        status=status,
        artifact_path=path,
        artifact_sha256=sha,
        artifact_hmac=mac,
    )


def test_an_artifact_round_trips(settings):
    version = _version({"weights": [1, 2, 3]})
    assert artifact_load(version) == {"weights": [1, 2, 3]}


def test_a_tampered_artifact_is_refused_before_unpickling(settings):
    version = _version({"weights": [1, 2, 3]})
    path = settings.MODEL_STORE_DIR / version.artifact_path
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF
    path.write_bytes(bytes(data))
    with translation.override("en"), pytest.raises(ArtifactRefusedError, match="digest"):
        artifact_load(version)


def test_a_file_swapped_in_with_a_matching_sha256_but_no_key_is_refused(settings):
    import hashlib
    import io

    import joblib

    version = _version({"weights": [1]})
    evil = io.BytesIO()
    joblib.dump({"weights": "evil"}, evil)
    (settings.MODEL_STORE_DIR / version.artifact_path).write_bytes(evil.getvalue())
    # Someone who can write the database too records the new file's sha256 — without the key
    # they cannot forge the HMAC.
    version.artifact_sha256 = hashlib.sha256(evil.getvalue()).hexdigest()
    with pytest.raises(ArtifactRefusedError):
        artifact_load(version)


def test_a_path_outside_the_store_is_refused(settings, tmp_path):
    version = _version({"w": 1})
    version.artifact_path = "../../etc/passwd"
    with translation.override("en"), pytest.raises(ArtifactRefusedError, match="store"):
        artifact_load(version)


def test_only_one_production_version_per_kind():
    _version({"w": 1}, version=1, status=ModelVersion.Status.PRODUCTION)
    with pytest.raises(IntegrityError), transaction.atomic():
        _version({"w": 2}, version=2, status=ModelVersion.Status.PRODUCTION)


def test_promotion_archives_the_previous_version_and_serving_notices(steward):
    v1 = _version({"w": 1}, version=1)
    model_version_promote(version=v1, user=steward, reason="first model")
    assert production_models.get(ModelKind.FORECASTER)[1] == {"w": 1}

    v2 = _version({"w": 2}, version=2)
    model_version_promote(version=v2, user=steward, reason="beats v1 on held-out months")
    v1.refresh_from_db()
    assert v1.status == ModelVersion.Status.ARCHIVED
    assert production_models.get(ModelKind.FORECASTER)[1] == {"w": 2}
    event = ModelEvent.objects.filter(model_version=v2).first()
    assert (event.action, event.user, event.reason) == (
        ModelEvent.Action.PROMOTED,
        steward,
        "beats v1 on held-out months",
    )


def test_rollback_restores_the_previous_production_version(steward):
    v1 = _version({"w": 1}, version=1)
    model_version_promote(version=v1, user=steward, reason="first")
    v2 = _version({"w": 2}, version=2)
    model_version_promote(version=v2, user=steward, reason="second")
    restored = model_version_rollback(kind=ModelKind.FORECASTER, user=steward, reason="v2 drifts")
    assert restored.pk == v1.pk
    assert production_models.get(ModelKind.FORECASTER)[1] == {"w": 1}
    assert ModelEvent.objects.filter(
        model_version=v1, action=ModelEvent.Action.ROLLED_BACK, reason="v2 drifts"
    ).exists()


def test_rollback_without_history_says_why():
    with translation.override("es"), pytest.raises(PromotionError, match="anterior"):
        model_version_rollback(kind=ModelKind.GROWTH, reason="nothing to roll back to")
