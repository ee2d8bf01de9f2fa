"""The model registry's artifact store and the one loader every model goes through.

Artifacts are written only by training (workers or the ``train`` command), only into
``settings.MODEL_STORE_DIR``. ``joblib.load`` runs code from the file it reads, so nothing is
loaded until the file's SHA-256 matches the digest recorded in its ModelVersion and its
HMAC-SHA256, keyed by a server secret, matches too: a tampered, swapped or foreign file is
refused with :class:`ArtifactRefusedError` and never unpickled.
"""

from __future__ import annotations

import gzip
import hashlib
import hmac
import io
import os
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import joblib
import pandas as pd
from django.conf import settings
from django.utils.translation import gettext as _

from forecasting.models import ModelKind, ModelVersion


class NoProductionModelError(Exception):
    """There is no production model to score with (a steward must train or promote one)."""


class ArtifactRefusedError(Exception):
    """The artifact is missing, outside the store, or does not match its recorded digests."""


def store_dir() -> Path:
    path = Path(settings.MODEL_STORE_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _hmac(data: bytes) -> str:
    key = settings.MODEL_SIGNING_KEY.encode()
    return hmac.new(key, data, hashlib.sha256).hexdigest()


def artifact_save(obj: Any, *, kind: str, version: int) -> tuple[str, str, str]:
    """Serialise ``obj`` into the store; returns (path relative to the store, sha256, hmac)."""
    buffer = io.BytesIO()
    joblib.dump(obj, buffer, compress=3)
    data = buffer.getvalue()
    name = f"{kind}-v{version}-{hashlib.sha256(data).hexdigest()[:12]}.joblib"
    directory = store_dir()
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-")
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.chmod(tmp, 0o600)
    os.replace(tmp, directory / name)
    return name, hashlib.sha256(data).hexdigest(), _hmac(data)


HELDOUT_KEY = "heldout_predictions"


def heldout_save(frame: pd.DataFrame, *, kind: str, version: int) -> dict:
    """Store the rows a training run's held-out measurement scored (gzipped CSV, beside the
    artifacts) and return the record kept in the version's ``data_summary[HELDOUT_KEY]``:
    the file's name, SHA-256 and row count."""
    data = gzip.compress(frame.to_csv(index=False, date_format="%Y-%m-%d").encode(), mtime=0)
    digest = hashlib.sha256(data).hexdigest()
    name = f"{kind}-v{version}-{digest[:12]}.heldout.csv.gz"
    directory = store_dir()
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-")
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.chmod(tmp, 0o600)
    os.replace(tmp, directory / name)
    return {"file": name, "sha256": digest, "rows": len(frame)}


def heldout_load(model_version: ModelVersion) -> pd.DataFrame | None:
    """The held-out predictions stored with ``model_version`` (None for a version trained
    before they were kept); raises :class:`ArtifactRefusedError` when the file is missing or
    does not match its recorded digest."""
    record = (model_version.data_summary or {}).get(HELDOUT_KEY)
    if not record:
        return None
    directory = store_dir().resolve()
    path = (directory / str(record["file"])).resolve()
    try:
        if path.parent != directory:
            raise OSError(0, "outside the store")
        data = path.read_bytes()
    except OSError as error:
        raise ArtifactRefusedError(
            _("The held-out predictions of %(v)s cannot be read: %(error)s")
            % {"v": model_version, "error": error.strerror}
        ) from error
    if not hmac.compare_digest(hashlib.sha256(data).hexdigest(), str(record["sha256"])):
        raise ArtifactRefusedError(
            _("The held-out predictions of %(v)s do not match their recorded digest.")
            % {"v": model_version}
        )
    frame = pd.read_csv(io.BytesIO(gzip.decompress(data)))
    for column in ("cutoff", "period"):
        if column in frame:
            frame[column] = pd.to_datetime(frame[column])
    return frame


def artifact_load(model_version: ModelVersion) -> Any:
    """Load a version's artifact after checking where it is and that it is the one recorded."""
    if not model_version.artifact_path or not model_version.artifact_sha256:
        raise ArtifactRefusedError(_("Model %(v)s has no artifact.") % {"v": model_version})
    directory = store_dir().resolve()
    path = (directory / model_version.artifact_path).resolve()
    if path.parent != directory:
        raise ArtifactRefusedError(
            _("Refused to load %(path)s: artifacts load only from the registry's store.")
            % {"path": model_version.artifact_path}
        )
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ArtifactRefusedError(
            _("The artifact of %(v)s cannot be read: %(error)s")
            % {"v": model_version, "error": error.strerror}
        ) from error
    digest = hashlib.sha256(data).hexdigest()
    if not hmac.compare_digest(digest, model_version.artifact_sha256) or not hmac.compare_digest(
        _hmac(data), model_version.artifact_hmac
    ):
        raise ArtifactRefusedError(
            _(
                "Refused to load the artifact of %(v)s: its digest does not match the registry "
                "(the file was changed or replaced)."
            )
            % {"v": model_version}
        )
    return joblib.load(io.BytesIO(data))


class _ProductionCache:
    """The production model of each kind, loaded once per process.

    Every ``refresh_seconds`` at most, one small query asks which version is in production; a
    promotion or rollback is picked up without a restart.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._models: dict[str, tuple[ModelVersion, Any]] = {}
        self._checked: dict[str, tuple[float, int | None]] = {}

    def get(self, kind: str) -> tuple[ModelVersion | None, Any]:
        now = time.monotonic()
        refresh = getattr(settings, "MODEL_REFRESH_SECONDS", 5)
        checked_at, version_id = self._checked.get(kind, (-1e9, None))
        if now - checked_at > refresh:
            version_id = (
                ModelVersion.objects.filter(kind=kind, status=ModelVersion.Status.PRODUCTION)
                .values_list("pk", flat=True)
                .first()
            )
            self._checked[kind] = (now, version_id)
        if version_id is None:
            return None, None
        cached = self._models.get(kind)
        if cached and cached[0].pk == version_id:
            return cached
        with self._lock:
            version = ModelVersion.objects.get(pk=version_id)
            self._models[kind] = (version, artifact_load(version))
        return self._models[kind]

    def clear(self) -> None:
        self._models.clear()
        self._checked.clear()


production_models = _ProductionCache()


def production_model(kind: str) -> tuple[ModelVersion | None, Any]:
    """The production version of ``kind`` and its loaded model, or (None, None)."""
    return production_models.get(kind)


def _require(forecaster: ModelVersion | None, growth: ModelVersion | None) -> None:
    missing = [
        str(kind.label)
        for kind, version in ((ModelKind.FORECASTER, forecaster), (ModelKind.GROWTH, growth))
        if version is None
    ]
    if missing:
        raise NoProductionModelError(
            _(
                "There is no production model (%(kinds)s) yet: a data steward must train and "
                "promote one before businesses can be scored."
            )
            % {"kinds": ", ".join(missing)}
        )


def production_pair() -> tuple[ModelVersion, Any, ModelVersion, Any]:
    """The production forecaster and growth classifier, loaded (through
    :func:`production_model`): ``(forecaster version, forecaster, growth version,
    classifier)``. Raises :class:`NoProductionModelError` naming the kinds missing."""
    f_version, forecaster = production_model(ModelKind.FORECASTER)
    g_version, classifier = production_model(ModelKind.GROWTH)
    _require(f_version, g_version)
    return f_version, forecaster, g_version, classifier


def production_versions() -> tuple[ModelVersion, ModelVersion]:
    """The production forecaster and growth versions as the database has them now, not as this
    process's cache last saw them (which may lag a promotion by ``MODEL_REFRESH_SECONDS``):
    what a prediction job pins. Raises :class:`NoProductionModelError`."""
    production = ModelVersion.objects.filter(status=ModelVersion.Status.PRODUCTION)
    f_version = production.filter(kind=ModelKind.FORECASTER).first()
    g_version = production.filter(kind=ModelKind.GROWTH).first()
    _require(f_version, g_version)
    return f_version, g_version
