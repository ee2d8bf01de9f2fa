"""The dataset export as a job: a steward starts it in the admin, a worker runs it with its
progress on the export's row, and the result is one zip archive the steward downloads.

The archive is written beside its final name and renamed into place only when complete, and
the working folder is removed whatever happens: a failed export leaves no folder and no
archive, only its reason.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
import zipfile
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from core.templatetags.asesor_format import log_stamp
from feedback.models import DatasetExport

logger = logging.getLogger(__name__)


def exports_dir() -> Path:
    path = Path(settings.DATASET_EXPORT_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


def archive_path(export: DatasetExport) -> Path | None:
    """The export's archive inside the exports folder (None when there is none)."""
    if not export.archive:
        return None
    directory = exports_dir().resolve()
    path = (directory / export.archive).resolve()
    return path if path.parent == directory and path.is_file() else None


def dataset_export_create(*, user=None, since=None, file_format: str = "auto") -> DatasetExport:
    return DatasetExport.objects.create(requested_by=user, since=since, file_format=file_format)


def dataset_export_enqueue(export: DatasetExport) -> None:
    """Queue the export once the transaction commits; raises ``QueueUnavailableError``."""
    from core.queueing import enqueue
    from feedback.tasks import dataset_export_task

    enqueue(dataset_export_task, export.pk)


def _zip(folder: Path, target: Path) -> str:
    """Zip ``folder``'s files under a folder named like the archive; returns its SHA-256."""
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=".zip")
    os.close(fd)
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(folder.iterdir()):
                # parquet and gzip are compressed already
                kind = zipfile.ZIP_STORED if path.suffix in (".parquet", ".gz") else None
                archive.write(path, f"{target.stem}/{path.name}", compress_type=kind)
        digest = hashlib.sha256(Path(tmp).read_bytes()).hexdigest()
        os.chmod(tmp, 0o600)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return digest


def dataset_export_execute(export_id: int) -> DatasetExport:
    """Run an export to the end; idempotent for finished exports. Ends ``succeeded`` with its
    archive, or ``failed`` with the reason (and nothing on disk)."""
    from feedback.dataset.exporter import DatasetExportError, dataset_export

    export = DatasetExport.objects.get(pk=export_id)
    if export.is_finished:
        return export
    export.status, export.started_at, export.error = (
        DatasetExport.Status.RUNNING, timezone.now(), "",
    )  # fmt: skip
    export.heartbeat_at = export.started_at
    export.save(update_fields=["status", "started_at", "error", "heartbeat_at"])

    def report(stage: str, percent: int) -> None:
        export.stage, export.percent = stage, min(int(percent), 99)
        export.heartbeat_at = timezone.now()
        export.log += f"{log_stamp(export.heartbeat_at)} {stage}\n"
        DatasetExport.objects.filter(pk=export.pk).update(
            stage=export.stage, percent=export.percent, log=export.log,
            heartbeat_at=export.heartbeat_at,
        )  # fmt: skip

    name = f"dataset-{export.pk}-{timezone.localdate():%Y%m%d}"
    work = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=exports_dir()))
    target = exports_dir() / f"{name}.zip"
    try:
        result = dataset_export(
            work / name, since=export.since, fmt=export.file_format, progress=report
        )
        report(_("packing the archive"), 99)
        export.archive_sha256 = _zip(result.path, target)
    except Exception as error:  # a failed export says why; the worker stays up
        logger.exception("dataset export %s failed", export.pk)
        reason = str(error) if isinstance(error, DatasetExportError) else (
            f"{type(error).__name__}: {error}"
        )  # fmt: skip
        export.status = DatasetExport.Status.FAILED
        export.error = _("The export failed while %(stage)s: %(reason)s") % {
            "stage": export.stage or _("starting"),
            "reason": reason,
        }
        export.log += f"{log_stamp(timezone.now())} {export.error}\n"
    else:
        export.status, export.percent, export.stage = DatasetExport.Status.SUCCEEDED, 100, _("done")
        export.archive = target.name
        export.size_bytes = target.stat().st_size
        export.summary = {
            "format": result.fmt,
            "rows": result.rows,
            "files": {k: v["rows"] for k, v in result.files.items()},
            "notes": result.notes,
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)
    export.finished_at = timezone.now()
    export.save()
    return export
