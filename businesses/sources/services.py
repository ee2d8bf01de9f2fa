"""Pulling a data source: fetch everything first, parse it, then store it in one transaction.

A pull either lands whole or changes nothing: any fetch error, unreadable answer or invalid row
fails the pull with its reason before (or instead of) anything is written. Values go through the
stewardship importer's upsert (:class:`~businesses.imports.importers.IndicatorImporter`), so a
changed value keeps its old one as a revision and an identical re-pull changes nothing — not even
the data version: a pull that brings nothing new records its counts on the source and no
DataImport.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from django.db import DatabaseError, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from businesses.imports.importers import IndicatorImporter
from businesses.imports.reading import XLSX, ImportRefusedError, file_inspect, table_open
from businesses.imports.rows import ParsedRow
from businesses.models import DataImport, DataSource, MarketIndicator
from businesses.sources.bcrp import BCRPParseError, bcrp_parse, bcrp_urls
from businesses.sources.fetching import SourceFetchError, fetch_with_retries

# Without a start period, a BCRPData source asks for this many years back.
DEFAULT_YEARS_BACK = 10
_PROBLEMS_SHOWN = 5


class SourcePullError(Exception):
    """The pull cannot be done (nothing mapped, rows rejected...); the message says why."""


@dataclass
class PullReport:
    """What one pull did (or, in a dry run, would do)."""

    source: str
    dry_run: bool
    status: str = DataSource.PullStatus.SUCCEEDED
    values_read: int = 0
    created: int = 0
    revised: int = 0
    unchanged: int = 0
    missing: int = 0  # "n.d." cells: no data for that month
    requests: int = 0
    bytes: int = 0
    seconds: float = 0.0
    data_import: DataImport | None = None
    message: str = ""
    urls: list[str] = field(default_factory=list)
    # A source of another shape (the SUNAT padrón) words its own outcome and counts.
    outcome: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return self.status == DataSource.PullStatus.FAILED

    def counts(self) -> dict:
        return {
            "values": self.values_read,
            "created": self.created,
            "revised": self.revised,
            "unchanged": self.unchanged,
            "missing": self.missing,
            "requests": self.requests,
            "bytes": self.bytes,
            "seconds": round(self.seconds, 3),
            "data_import": self.data_import.pk if self.data_import else None,
            **self.extra,
        }

    def summary(self) -> str:
        if self.failed:
            return _("%(source)s: pull failed, nothing changed: %(reason)s") % {
                "source": self.source,
                "reason": self.message,
            }
        if self.outcome:
            return f"{self.source}: {self.outcome}"
        counts = {"source": self.source, **self.counts()}
        if self.dry_run:
            text = _(
                "%(source)s (dry run, nothing saved): %(values)d values read; %(created)d would "
                "be new, %(revised)d revised, %(unchanged)d unchanged; %(missing)d n.d."
            )
        elif self.data_import is None:
            text = _(
                "%(source)s: %(values)d values read, nothing new (%(unchanged)d unchanged, "
                "%(missing)d n.d.)."
            )
        else:
            text = _(
                "%(source)s: %(values)d values read; %(created)d new, %(revised)d revised "
                "(old values kept), %(unchanged)d unchanged; %(missing)d n.d. Data version "
                "#%(data_import)d."
            )
        return text % counts


@dataclass
class _Collected:
    """What was fetched and parsed, before anything is stored."""

    feed: Callable[[IndicatorImporter], None]
    decimal_comma: bool
    name: str
    sha256: str
    parameters: dict
    values: int
    missing: int
    requests: int
    bytes: int
    urls: list[str]
    cleanup: Callable[[], None] = lambda: None


def source_pull(
    *,
    source: DataSource,
    since: dt.date | None = None,
    dry_run: bool = False,
    user=None,
    progress: Callable[[int, int], None] | None = None,
) -> PullReport:
    """Pull ``source`` now (whether due or not) and record the outcome on it.

    Never raises for a failed pull: the report (and, unless ``dry_run``, the source's last
    pull fields) carry the status and the reason. ``progress(done, total)`` is told after each
    request (the command's progress bar).
    """
    started = time.perf_counter()
    report = PullReport(source=source.name, dry_run=dry_run)
    if source.kind == DataSource.Kind.SUNAT_PADRON:
        _pull_sunat(source=source, report=report)
        report.seconds = time.perf_counter() - started
        if not dry_run:
            _record_outcome(source=source, report=report)
        return report
    collected = None
    try:
        collected = _collect(source=source, since=since, progress=progress or (lambda d, t: None))
        report.values_read, report.missing = collected.values, collected.missing
        report.requests, report.bytes, report.urls = (
            collected.requests,
            collected.bytes,
            collected.urls,
        )
        _store(source=source, collected=collected, report=report, dry_run=dry_run, user=user)
    except (SourceFetchError, BCRPParseError, ImportRefusedError, SourcePullError) as error:
        report.status = DataSource.PullStatus.FAILED
        report.message = str(error)
        report.data_import = None
    except DatabaseError as error:  # rolled back with everything else; say so and carry on
        report.status = DataSource.PullStatus.FAILED
        report.message = _("The values could not be stored (%(error)s); nothing changed.") % {
            "error": error
        }
        report.data_import = None
    finally:
        if collected is not None:
            collected.cleanup()
    report.seconds = time.perf_counter() - started
    if not dry_run:
        _record_outcome(source=source, report=report)
    return report


def _pull_sunat(*, source: DataSource, report: PullReport) -> None:
    """The SUNAT padrón: downloaded and reconciled by :mod:`businesses.sunat.source`, whose run
    (progress, counts, bad lines) is what the steward follows; the source keeps its outcome."""
    from businesses.sunat.source import (
        SunatSourceRefusedError,
        run_summary,
        sunat_source_download,
    )

    if report.dry_run:
        report.status = DataSource.PullStatus.FAILED
        report.message = _(
            "The SUNAT padrón has no dry run: read a downloaded file with manage.py "
            "import_sunat_padron instead."
        )
        return
    try:
        run = sunat_source_download(source=source)
    except SunatSourceRefusedError as refused:
        report.status, report.message = DataSource.PullStatus.FAILED, str(refused)
        return
    report.requests, report.bytes, report.urls = 1, run.bytes_downloaded, [source.url]
    report.values_read = run.lines
    report.extra = {
        "run": run.pk,
        "state": run.status,
        "matched": run.matched,
        "changed": run.changed,
        "bad_lines": run.bad_lines,
        "onboarded": run.onboarded,
    }
    if run.status == run.Status.FAILED:
        report.status, report.message = DataSource.PullStatus.FAILED, run.message
    else:
        report.outcome = run_summary(run)


def _collect(*, source: DataSource, since: dt.date | None, progress) -> _Collected:
    if source.kind == DataSource.Kind.BCRP_API:
        return _collect_bcrp(source=source, since=since, progress=progress)
    if source.kind == DataSource.Kind.HTTPS_FILE:
        collected = _collect_file(source=source)
        progress(1, 1)
        return collected
    raise SourcePullError(
        _("%(source)s is a manual source: import its files in the admin (Data imports).")
        % {"source": source.name}
    )


def _collect_bcrp(*, source: DataSource, since: dt.date | None, progress) -> _Collected:
    mappings = {m.code.upper(): m for m in source.series.filter(enabled=True).order_by("code")}
    if not mappings:
        raise SourcePullError(
            _("No series are mapped for %(source)s: add its series codes first.")
            % {"source": source.name}
        )
    targets: dict[tuple, str] = {}
    for code, m in mappings.items():
        target = (m.indicator, m.sector_id, m.region_id)
        if target in targets:
            raise SourcePullError(
                _(
                    "Series %(first)s and %(second)s both feed “%(indicator)s” for the same "
                    "sector and region: map one of them elsewhere or disable it."
                )
                % {"first": targets[target], "second": code, "indicator": m.indicator}
            )
        targets[target] = code
    today = timezone.localdate()
    end = today.replace(day=1)
    start = since or source.period_start or dt.date(today.year - DEFAULT_YEARS_BACK, 1, 1)
    start = start.replace(day=1)
    if start > end:
        raise SourcePullError(
            _("The start period %(start)s is after the current month.")
            % {"start": f"{start:%Y-%m}"}
        )
    digest = hashlib.sha256()
    rows: list[ParsedRow] = []
    urls, size, missing = [], 0, 0
    requests = list(
        bcrp_urls(
            base=source.url, codes=list(mappings), start=start, end=end, language=source.language
        )
    )
    for done, (codes, url) in enumerate(requests, start=1):
        fetched = fetch_with_retries(url, accept="application/json")
        urls.append(url)
        size += len(fetched.body)
        digest.update(fetched.body)
        answer = bcrp_parse(fetched.body, codes=codes)
        missing += answer.missing
        for value in answer.values:
            if value.period > end:
                raise SourcePullError(
                    _("Series %(code)s: the period %(period)s is in the future.")
                    % {"code": value.code, "period": f"{value.period:%Y-%m}"}
                )
            mapping = mappings[value.code]
            rows.append(
                ParsedRow(
                    line=len(rows) + 1,
                    values={
                        "period": value.period,
                        "name": mapping.indicator,
                        "value": value.value,
                        "sector_code": mapping.sector_id,
                        "ubigeo": mapping.region_id,
                    },
                )
            )
        progress(done, len(requests))

    # Month-major order: each chunk the importer looks up then covers few months and every
    # series of them, so its lookup query returns about the chunk's own rows.
    rows.sort(key=lambda row: row.values["period"])

    def feed(importer: IndicatorImporter) -> None:
        importer.read = len(rows)
        for i in range(0, len(rows), importer.chunk_size):
            importer.flush(rows[i : i + importer.chunk_size])
        importer.finish()

    return _Collected(
        feed=feed,
        decimal_comma=False,
        name=urls[0][-255:] if urls else source.url[-255:],
        sha256=digest.hexdigest(),
        parameters={
            "connector": source.kind,
            "series": list(mappings),
            "start": f"{start:%Y-%m}",
            "end": f"{end:%Y-%m}",
            "language": source.language,
            "requests": len(urls),
        },
        values=len(rows),
        missing=missing,
        requests=len(urls),
        bytes=size,
        urls=urls,
    )


def _collect_file(*, source: DataSource) -> _Collected:
    fetched = fetch_with_retries(source.url)
    suffix = Path(urlsplit(fetched.url).path).suffix.lower()
    if suffix not in (".csv", ".xlsx", ".txt"):
        suffix = ".xlsx" if fetched.body[:4] == b"PK\x03\x04" else ".csv"
    handle = tempfile.NamedTemporaryFile(suffix=suffix, delete=False)  # noqa: SIM115
    path = Path(handle.name)
    with handle:
        handle.write(fetched.body)

    def cleanup() -> None:
        path.unlink(missing_ok=True)

    try:
        facts = file_inspect(path=path, name=Path(urlsplit(fetched.url).path).name or path.name)
    except ImportRefusedError:
        cleanup()
        raise

    def feed(importer: IndicatorImporter) -> None:
        importer.pads_short_rows = facts.format == XLSX
        importer.run(table_open(path=path, facts=facts))

    parameters = {"connector": source.kind, "format": facts.format, "size_bytes": facts.size}
    if facts.encoding:
        parameters["encoding"] = facts.encoding
        parameters["delimiter"] = {"\t": "tab"}.get(facts.delimiter, facts.delimiter)
    return _Collected(
        feed=feed,
        decimal_comma=facts.decimal_comma,
        name=fetched.url[-255:],
        sha256=facts.sha256,
        parameters=parameters,
        values=0,  # known once the rows are read
        missing=0,
        requests=1,
        bytes=len(fetched.body),
        urls=[fetched.url],
        cleanup=cleanup,
    )


def _store(
    *, source: DataSource, collected: _Collected, report: PullReport, dry_run: bool, user
) -> None:
    """Write the pulled values in one transaction, or nothing at all."""
    with transaction.atomic():
        # One pull of a source at a time (the schedule and a "pull now" may meet).
        DataSource.objects.select_for_update().filter(pk=source.pk).first()
        data_import = None
        if not dry_run:
            data_import = DataImport.objects.create(
                kind=DataImport.Kind.INDICATORS,
                source=source,
                uploaded_by=user if getattr(user, "pk", None) else None,
                file_name=collected.name,
                sha256=collected.sha256,
                parameters=collected.parameters,
            )
        importer = IndicatorImporter(data_import=data_import, decimal_comma=collected.decimal_comma)
        importer.data_source = source
        importer.pulled_at = timezone.now()
        collected.feed(importer)
        report.values_read = importer.read
        if importer.rejected:
            shown = "; ".join(
                _("line %(line)d, %(field)s “%(value)s”: %(reason)s")
                % {
                    "line": p.line,
                    "field": p.field or _("row"),
                    "value": p.value,
                    "reason": p.reason,
                }
                for p in importer.problems[:_PROBLEMS_SHOWN]
            )
            raise SourcePullError(
                ngettext(
                    "%(n)d of %(total)d row was rejected (%(problems)s).",
                    "%(n)d of %(total)d rows were rejected (%(problems)s).",
                    importer.read,
                )
                % {"n": importer.rejected, "total": importer.read, "problems": shown}
            )
        report.created, report.revised = importer.created, importer.updated
        report.unchanged = importer.unchanged
        if data_import is None:
            return
        if not (importer.created or importer.updated):
            # Nothing new: no data version either (a re-pull changes nothing).
            transaction.set_rollback(True)
            return
        data_import.status = DataImport.Status.SUCCEEDED
        data_import.rows_read = importer.read
        data_import.rows_created = importer.created
        data_import.rows_updated = importer.updated
        data_import.rows_unchanged = importer.unchanged
        data_import.finished_at = timezone.now()
        report.data_import = data_import
        data_import.message = report.summary()
        data_import.save()


def _record_outcome(*, source: DataSource, report: PullReport) -> None:
    """The source's health: its last pull, last success, last failure and why."""
    now = timezone.now()
    fields = {
        "last_pull_at": now,
        "last_pull_status": report.status,
        "last_pull_counts": report.counts(),
        "last_pull_message": report.summary()[:2000],
    }
    if report.failed:
        fields.update(
            last_failure_at=now,
            last_failure_reason=report.message[:2000],
            consecutive_failures=F("consecutive_failures") + 1,
        )
    else:
        latest = MarketIndicator.objects.filter(source=source).aggregate(last=Max("period"))
        fields.update(last_success_at=now, consecutive_failures=0, period_end=latest["last"])
    DataSource.objects.filter(pk=source.pk).update(**fields)
    source.refresh_from_db()
