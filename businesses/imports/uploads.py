"""Where the admin keeps an uploaded file between its dry-run preview and the confirmation:
``DATA_DIR/uploads/<sha256>``, so that the confirmed import reads exactly the previewed bytes
and the browser never sends a path."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from businesses.imports.reading import ImportRefusedError, max_file_bytes

KEEP_SECONDS = 24 * 3600
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def uploads_dir() -> Path:
    path = Path(settings.DATA_DIR) / "uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def upload_store(*, uploaded: UploadedFile) -> str:
    """Save ``uploaded`` under its SHA-256 (refusing one over the size limit) and return the
    digest. Uploads older than a day are removed on the way."""
    directory = uploads_dir()
    _remove_stale(directory)
    limit = max_file_bytes()
    if uploaded.size is not None and uploaded.size > limit:
        raise ImportRefusedError(
            _("The file is larger than the %(mb)d MB an import accepts.")
            % {"mb": limit // (1024 * 1024)}
        )
    digest = hashlib.sha256()
    size = 0
    handle, temp_name = tempfile.mkstemp(dir=directory, prefix=".incoming-")
    try:
        with os.fdopen(handle, "wb") as out:
            for chunk in uploaded.chunks():
                size += len(chunk)
                if size > limit:
                    raise ImportRefusedError(
                        _("The file is larger than the %(mb)d MB an import accepts.")
                        % {"mb": limit // (1024 * 1024)}
                    )
                digest.update(chunk)
                out.write(chunk)
        sha256 = digest.hexdigest()
        os.replace(temp_name, directory / sha256)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    return sha256


def upload_path(*, sha256: str) -> Path:
    """The stored upload with this digest; refuses anything but a 64-hex digest of a file
    that is still there."""
    if not _SHA256.match(sha256 or ""):
        raise ImportRefusedError(_("Unknown upload: upload the file again."))
    path = uploads_dir() / sha256
    if not path.is_file():
        raise ImportRefusedError(_("The uploaded file has expired: upload it again."))
    return path


def upload_discard(*, sha256: str) -> None:
    if _SHA256.match(sha256 or ""):
        (uploads_dir() / sha256).unlink(missing_ok=True)


def _remove_stale(directory: Path) -> None:
    cutoff = time.time() - KEEP_SECONDS
    for path in directory.iterdir():
        try:
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
        except OSError:
            continue
