"""The SUNAT padrón source: download the published zip and reconcile the registry with it.

Pulled like every data source (its own celery-beat entry, "pull now", ``manage.py
pull_sources``; :func:`businesses.sources.services.source_pull` hands a source of this kind
here), but refused unless a steward enabled it and confirmed its URL. The zip is streamed to a
temporary file by :func:`businesses.sources.fetching.fetch_to_file_with_retries` — the outbound
rules of every source (allow-list, public address, https, same-host redirects, retries) with this
source's own size limit and deadline (``SUNAT_PADRON_MAX_BYTES``, ``SUNAT_PADRON_DEADLINE``) — and
its SHA-256 computed on the way. The same file as a run already read is a no-op, recorded as an
``unchanged`` run; otherwise :func:`businesses.sunat.reconcile.sunat_padron_import` reads the
zip's member as a stream (never unzipped to disk) and, when the steward turned it on, the
onboarding pass lists new candidates. The temporary file is removed in every case.

Everything the steward follows is on the :class:`~businesses.models.SunatPadronRun`, created
when the download starts: its state (downloading, reading, succeeded, unchanged, failed and
why), bytes downloaded, then lines and bytes read, businesses matched and changed, saved every
few seconds.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone
from django.utils.translation import gettext as _

from businesses.models import DataSource, SunatOnboarding, SunatPadronRun
from businesses.sources.fetching import SourceFetchError, fetch_to_file_with_retries
from businesses.sunat.onboarding import OnboardingCriteria, sunat_onboarding_scan
from businesses.sunat.reconcile import PadronRefusedError, sunat_padron_import

PROGRESS_EVERY = 2.0  # seconds between two saves of the bytes downloaded
# A run that recorded no progress for this long is taken for dead (a worker stopped): another
# may start.
STALLED_AFTER = dt.timedelta(minutes=10)


class SunatSourceRefusedError(Exception):
    """The source may not be pulled (disabled, URL not confirmed, not a SUNAT source)."""


def sunat_source_refusal(source: DataSource) -> str:
    """Why ``source`` may not be pulled now, or ``""`` when it may."""
    if source.kind != DataSource.Kind.SUNAT_PADRON:
        return _("%(source)s is not a SUNAT padrón source.") % {"source": source.name}
    if not source.enabled:
        return _(
            "%(source)s is disabled: a steward confirms its URL and enables it in Data sources "
            "before it is downloaded."
        ) % {"source": source.name}
    if not source.url_is_confirmed:
        return _(
            "The URL of %(source)s (%(url)s) has not been confirmed by a steward: nothing was "
            "downloaded."
        ) % {"source": source.name, "url": source.url[:200]}
    return ""


def sunat_source_download(*, source: DataSource, sleep=time.sleep) -> SunatPadronRun:
    """Download and read the padrón of ``source``; returns its run (succeeded, unchanged or
    failed, with the reason in ``message``). Raises :class:`SunatSourceRefusedError` before
    anything is fetched or recorded when the source may not be pulled."""
    refusal = sunat_source_refusal(source)
    if refusal:
        raise SunatSourceRefusedError(refusal)
    busy = (
        SunatPadronRun.objects.filter(
            source=source,
            status__in=[SunatPadronRun.Status.DOWNLOADING, SunatPadronRun.Status.RUNNING],
            progress_at__gte=timezone.now() - STALLED_AFTER,
        )
        .order_by("-created_at")
        .first()
    )
    if busy is not None:
        raise SunatSourceRefusedError(
            _("Run #%(run)d of %(source)s is still in progress: this pull was not started.")
            % {"run": busy.pk, "source": source.name}
        )
    name = Path(urlsplit(source.url).path).name or "padron_reducido_ruc.zip"
    run = SunatPadronRun.objects.create(
        source=source,
        status=SunatPadronRun.Status.DOWNLOADING,
        file_name=name[:255],
        seen_on=timezone.localdate(),
        progress_at=timezone.now(),
    )
    directory = settings.SUNAT_PADRON_TMP_DIR or None
    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed at once, removed below
        prefix="padron-", suffix=".zip", dir=directory, delete=False
    )
    handle.close()
    path = Path(handle.name)
    try:
        _download(source=source, run=run, path=path, sleep=sleep)
        if run.status == SunatPadronRun.Status.FAILED:
            return run
        already = (
            SunatPadronRun.objects.filter(sha256=run.sha256, status=SunatPadronRun.Status.SUCCEEDED)
            .exclude(pk=run.pk)
            .order_by("-created_at")
            .first()
        )
        if already is not None:
            _finish(
                run,
                SunatPadronRun.Status.UNCHANGED,
                _("Same file as run #%(run)d of %(day)s (SHA-256 %(sha)s): nothing to do.")
                % {"run": already.pk, "day": f"{already.seen_on:%d/%m/%Y}", "sha": run.sha256[:12]},
            )
            return run
        try:
            report = sunat_padron_import(path=path, file_name=run.file_name, run=run)
        except PadronRefusedError:
            run.refresh_from_db()
            return run  # marked failed, with the reason, by the import
        run.refresh_from_db()
        option = SunatOnboarding.objects.filter(source=source, enabled=True).first()
        if option is not None and not report.unchanged_file:
            run.onboarded = sunat_onboarding_scan(
                path=path, run=run, criteria=OnboardingCriteria.of(option)
            )
            run.save(update_fields=["onboarded"])
        return run
    except DatabaseError as error:
        _finish(
            run,
            SunatPadronRun.Status.FAILED,
            _("The run could not be recorded (%(error)s).") % {"error": error},
        )
        return run
    except BaseException as error:  # the worker's time limit, a stop: say so, then go on
        _finish(
            run,
            SunatPadronRun.Status.FAILED,
            _("The run was stopped (%(error)s).") % {"error": type(error).__name__},
        )
        raise
    finally:
        path.unlink(missing_ok=True)


def _download(*, source: DataSource, run: SunatPadronRun, path: Path, sleep) -> None:
    last = {"saved": time.monotonic()}

    def progress(size: int) -> None:
        if time.monotonic() - last["saved"] >= PROGRESS_EVERY:
            run.bytes_downloaded, run.progress_at = size, timezone.now()
            run.save(update_fields=["bytes_downloaded", "progress_at"])
            last["saved"] = time.monotonic()

    try:
        downloaded = fetch_to_file_with_retries(
            source.url,
            path,
            max_bytes=settings.SUNAT_PADRON_MAX_BYTES,
            deadline=settings.SUNAT_PADRON_DEADLINE,
            accept="application/zip, application/octet-stream, */*",
            progress=progress,
            sleep=sleep,
        )
    except SourceFetchError as error:
        run.bytes_downloaded = path.stat().st_size if path.exists() else run.bytes_downloaded
        _finish(
            run,
            SunatPadronRun.Status.FAILED,
            _("The download failed: %(reason)s") % {"reason": error},
        )
        return
    run.bytes_downloaded, run.sha256 = downloaded.size, downloaded.sha256
    run.progress_at = timezone.now()
    run.save(update_fields=["bytes_downloaded", "sha256", "progress_at"])


def _finish(run: SunatPadronRun, status: str, message: str) -> None:
    run.status, run.message, run.finished_at = status, message[:2000], timezone.now()
    run.save(update_fields=["status", "message", "finished_at", "bytes_downloaded"])


def run_summary(run: SunatPadronRun) -> str:
    """One sentence on a run, for the source's health and the pull command."""
    if run.status == SunatPadronRun.Status.SUCCEEDED:
        text = _(
            "%(lines)d lines read (%(mb).1f MB downloaded): %(matched)d businesses of the "
            "registry found, %(changed)d changed; %(bad)d bad lines; %(onboarded)d onboarding "
            "candidates."
        ) % {
            "lines": run.lines,
            "mb": run.bytes_downloaded / (1024 * 1024),
            "matched": run.matched,
            "changed": run.changed,
            "bad": run.bad_lines,
            "onboarded": run.onboarded,
        }
        return f"{text} {run.message}".strip()
    return run.message
