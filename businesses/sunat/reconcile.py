"""Reconciling the registry with SUNAT's padrón reducido: for every business the registry knows,
the status and domicile condition SUNAT gives it (each change kept as a revision whose data
version is the file's SHA-256), its ubigeo filled where the registry lacks one and flagged where
the two disagree, its name compared likewise. Streams the file; writes in batches, each in its own
transaction; a bad line is reported and the run goes on."""

from __future__ import annotations

import datetime as dt
import re
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from businesses.models import Business, SunatPadronRun, SunatRevision, SunatStatus
from businesses.sunat.padron import (
    LineError,
    PadronFileError,
    PadronRow,
    ReadStats,
    file_digest,
    padron_read,
)

BATCH = 2000
KEPT_PROBLEMS = 200
PROGRESS_EVERY = 2.0  # seconds between two saves of a run's progress while it reads


class PadronRefusedError(Exception):
    """The file could not be read (the message says why, in the reader's language)."""


def file_error_text(error: PadronFileError) -> str:
    texts = {
        "not_zip": _("the file is named .zip but is not a zip archive"),
        "truncated_zip": _("the zip archive is truncated or damaged (no table of contents)"),
        "members": _(
            "the zip holds %(count)d files (%(names)s); the padrón comes as a zip of exactly one"
        ),
        "broken_zip": _("the zip archive is damaged near line %(line)d: %(detail)s"),
    }
    return texts[error.code] % error.params


def line_error_text(error: LineError) -> str:
    texts = {
        "fields": _("%(found)d separators where the padrón has %(expected)d fields"),
        "ruc": _("“%(value)s” is not an 11-digit RUC"),
    }
    return texts[error.code] % error.params


_COMBINING_DIACRITICS = dict.fromkeys(range(0x300, 0x370))  # the marks NFKD splits off Á, Ñ…
_NOT_WORD = re.compile(r"[\W_]+")


def name_key(name: str) -> str:
    """A name reduced for comparison: no accents, case, spaces or punctuation."""
    decomposed = unicodedata.normalize("NFKD", name.casefold()).translate(_COMBINING_DIACRITICS)
    if not decomposed.isascii():  # marks outside that block, if any
        decomposed = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NOT_WORD.sub("", decomposed)


@dataclass
class PadronReport:
    run: SunatPadronRun | None
    sha256: str
    unchanged_file: bool = False
    lines: int = 0
    matched: int = 0
    new: int = 0
    changed: int = 0
    bad_lines: int = 0
    problems: list[dict] = field(default_factory=list)
    utf8_lines: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        if self.unchanged_file:
            return _("This padrón (SHA-256 %(sha)s) was already read; nothing to do.") % {
                "sha": self.sha256[:12]
            }
        return _(
            "%(lines)d lines read in %(seconds).1f s (%(rate)d lines/s): %(matched)d businesses "
            "of the registry found, %(new)d seen for the first time, %(changed)d changed; "
            "%(bad)d bad lines."
        ) % {
            "lines": self.lines,
            "seconds": self.seconds,
            "rate": self.lines / self.seconds if self.seconds else 0,
            "matched": self.matched,
            "new": self.new,
            "changed": self.changed,
            "bad": self.bad_lines,
        }


@dataclass(slots=True)
class _Status:
    """A :class:`SunatStatus` as read for a batch (a model instance costs ten times more)."""

    business_id: int
    status: str
    status_since: dt.date
    condition: str
    condition_since: dt.date
    ubigeo: str
    ubigeo_differs: bool
    legal_name: str
    legal_name_differs: bool
    address: str
    seen_on: dt.date
    run_id: int


@dataclass(slots=True)
class _Known:
    pk: int
    legal_name: str
    ubigeo: str
    region_id: str


def sunat_padron_import(
    *,
    path: Path,
    file_name: str = "",
    seen_on: dt.date | None = None,
    force: bool = False,
    batch_size: int = BATCH,
    progress: Callable[[PadronReport], None] | None = None,
    run: SunatPadronRun | None = None,
) -> PadronReport:
    """Read the padrón at ``path`` (zip or txt) into the registry's SUNAT statuses. A file whose
    SHA-256 an earlier run read to the end is a no-op unless ``force``. Raises
    :class:`PadronRefusedError` when the file as a whole cannot be read (what the batches before
    it wrote stays, with the run marked failed). ``run``: a run already recorded (the SUNAT
    source's, created when its download began) to carry on with, instead of a new one; it
    records its progress (lines and bytes read) every few seconds while it reads."""
    path = Path(path)
    started = time.monotonic()
    sha256 = file_digest(path)
    done = SunatPadronRun.objects.filter(sha256=sha256, status=SunatPadronRun.Status.SUCCEEDED)
    if not force and done.exists():
        if run is not None:
            run.sha256, run.status, run.finished_at = sha256, run.Status.UNCHANGED, timezone.now()
            run.message = _("This padrón (SHA-256 %(sha)s) was already read; nothing to do.") % {
                "sha": sha256[:12]
            }
            run.save(update_fields=["sha256", "status", "finished_at", "message"])
        return PadronReport(run=run, sha256=sha256, unchanged_file=True)
    seen_on = seen_on or timezone.localdate()
    known = {
        ruc.encode(): _Known(pk, legal_name, ubigeo, region_id)
        for ruc, pk, legal_name, ubigeo, region_id in Business.objects.values_list(
            "ruc", "pk", "legal_name", "ubigeo", "region_id"
        ).iterator(chunk_size=10_000)
    }
    if run is None:
        run = SunatPadronRun.objects.create(
            file_name=file_name or path.name, sha256=sha256, seen_on=seen_on
        )
    else:
        run.file_name, run.sha256, run.seen_on = file_name or path.name, sha256, seen_on
        run.status, run.progress_at = run.Status.RUNNING, timezone.now()
        run.save(update_fields=["file_name", "sha256", "seen_on", "status", "progress_at"])
    report = PadronReport(run=run, sha256=sha256)
    stats = ReadStats()
    batch: list[PadronRow] = []
    read = {"bytes": 0, "saved": time.monotonic()}

    def flush() -> None:
        _apply(batch, known=known, run=run, report=report)
        batch.clear()
        report.lines, report.utf8_lines = stats.lines, stats.utf8_lines
        report.seconds = time.monotonic() - started
        run.lines, run.matched, run.changed = report.lines, report.matched, report.changed
        run.bad_lines, run.problems = report.bad_lines, report.problems
        run.bytes_read, run.progress_at = read["bytes"], timezone.now()
        run.save(
            update_fields=[
                *("lines", "matched", "changed", "bad_lines", "problems"),
                *("bytes_read", "progress_at"),
            ]
        )
        read["saved"] = time.monotonic()
        if progress:
            progress(report)

    def on_chunk(size: int) -> None:
        # Lines of RUCs the registry does not know never reach the loop below: say how far the
        # read got every few seconds all the same.
        read["bytes"] += size
        if time.monotonic() - read["saved"] >= PROGRESS_EVERY:
            run.lines, run.bytes_read, run.progress_at = stats.lines, read["bytes"], timezone.now()
            run.save(update_fields=["lines", "bytes_read", "progress_at"])
            read["saved"] = time.monotonic()

    try:
        for item in padron_read(path, only=known, stats=stats, on_chunk=on_chunk):
            if isinstance(item, LineError):
                report.bad_lines += 1
                if len(report.problems) < KEPT_PROBLEMS:
                    report.problems.append({"line": item.line, "reason": line_error_text(item)})
                continue
            batch.append(item)
            if len(batch) >= batch_size:
                flush()
        flush()
    except PadronFileError as broken:
        message = file_error_text(broken)
        run.status, run.message, run.finished_at = run.Status.FAILED, message, timezone.now()
        run.save(update_fields=["status", "message", "finished_at"])
        raise PadronRefusedError(message) from None
    run.status, run.finished_at = run.Status.SUCCEEDED, timezone.now()
    if report.utf8_lines:
        run.message = _("%(n)d lines were in UTF-8, not ISO-8859-1; they were read as UTF-8.") % {
            "n": report.utf8_lines
        }
    run.save(update_fields=["status", "finished_at", "message"])
    return report


def _apply(
    rows: list[PadronRow], *, known: dict[bytes, _Known], run: SunatPadronRun, report: PadronReport
) -> None:
    if not rows:
        return
    seen_on, sha = run.seen_on, run.sha256
    by_pk: dict[int, tuple[PadronRow, _Known]] = {}
    for row in rows:  # a RUC twice in one file: the later line wins
        entry = known[row.ruc.encode()]
        by_pk[entry.pk] = (row, entry)
    with transaction.atomic():
        existing = {
            values[0]: _Status(*values)
            for values in SunatStatus.objects.filter(pk__in=list(by_pk)).values_list(
                *_Status.__slots__
            )
        }
        created, updated, untouched, revisions, fills = [], [], [], [], []

        def revise(pk: int, name: str, old: str, new: str) -> None:
            revisions.append(
                SunatRevision(
                    business_id=pk,
                    field=name,
                    old=old,
                    new=new,
                    seen_on=seen_on,
                    sha256=sha,
                    run=run,
                )
            )

        for pk, (row, entry) in by_pk.items():
            filled = len(fills)
            ubigeo_differs = _ubigeo_reconciled(row, entry, fills)
            if len(fills) > filled:  # the registry had no ubigeo: SUNAT's, kept as a revision
                revise(pk, SunatRevision.Field.UBIGEO, "", row.ubigeo)
            name_differs = bool(row.name) and name_key(row.name) != name_key(entry.legal_name)
            address = row.address()[:300]
            status = existing.get(pk)
            if status is None:
                created.append(
                    SunatStatus(
                        business_id=pk,
                        status=row.status,
                        status_since=seen_on,
                        condition=row.condition,
                        condition_since=seen_on,
                        ubigeo=row.ubigeo,
                        ubigeo_differs=ubigeo_differs,
                        legal_name=row.name[:200],
                        legal_name_differs=name_differs,
                        address=address,
                        seen_on=seen_on,
                        run=run,
                    )
                )
                revise(pk, SunatRevision.Field.STATUS, "", row.status)
                revise(pk, SunatRevision.Field.CONDITION, "", row.condition)
                continue
            before = len(revisions)
            if status.status != row.status:
                revise(pk, SunatRevision.Field.STATUS, status.status, row.status)
                status.status, status.status_since = row.status, seen_on
            if status.condition != row.condition:
                revise(pk, SunatRevision.Field.CONDITION, status.condition, row.condition)
                status.condition, status.condition_since = row.condition, seen_on
            if status.ubigeo != row.ubigeo:
                revise(pk, SunatRevision.Field.UBIGEO, status.ubigeo, row.ubigeo)
            if status.legal_name != row.name[:200]:
                revise(pk, SunatRevision.Field.LEGAL_NAME, status.legal_name, row.name[:200])
            changed = len(revisions) > before
            report.changed += changed
            if changed or (status.ubigeo_differs, status.legal_name_differs, status.address) != (
                ubigeo_differs,
                name_differs,
                address,
            ):
                status.ubigeo, status.legal_name = row.ubigeo, row.name[:200]
                status.ubigeo_differs, status.legal_name_differs = ubigeo_differs, name_differs
                status.address, status.seen_on, status.run_id = address, seen_on, run.pk
                updated.append(status)
            else:
                untouched.append(pk)
        _write(created, updated, untouched, revisions, fills, seen_on=seen_on, run=run)
    report.matched += len(by_pk)
    report.new += len(created)


_STATUS_FIELDS = [
    "status",
    "status_since",
    "condition",
    "condition_since",
    "ubigeo",
    "ubigeo_differs",
    "legal_name",
    "legal_name_differs",
    "address",
    "seen_on",
    "run",
]
_REVISION_FIELDS = ["business", "field", "old", "new", "seen_on", "sha256", "run"]


def _write(created, updated, untouched, revisions, fills, *, seen_on, run) -> None:
    """One batch's writes, inside the caller's transaction. On PostgreSQL: COPY for the new
    rows, one ``UPDATE … FROM unnest(…)`` per table for the changed ones (Django's bulk_update
    writes a CASE per field whose cost grows with the square of the batch); elsewhere the ORM."""
    if untouched:
        SunatStatus.objects.filter(pk__in=untouched).update(seen_on=seen_on, run=run)
    if connection.vendor != "postgresql":
        SunatStatus.objects.bulk_create(created)
        if updated:
            SunatStatus.objects.bulk_update(
                [SunatStatus(**{f: getattr(u, f) for f in _Status.__slots__}) for u in updated],
                _STATUS_FIELDS,
            )
        SunatRevision.objects.bulk_create(revisions)
        for pk, ubigeo in fills:
            Business.objects.filter(pk=pk, ubigeo="").update(ubigeo=ubigeo)
        return
    with connection.cursor() as cursor:
        _copy(cursor, SunatStatus, ["business", *_STATUS_FIELDS], created)
        _copy(cursor, SunatRevision, _REVISION_FIELDS, revisions)
        if updated:
            _update_from_arrays(cursor, SunatStatus, "business", _STATUS_FIELDS, updated)
        if fills:
            table = Business._meta.db_table
            cursor.execute(
                f"UPDATE {table} AS b SET ubigeo = v.ubigeo "  # noqa: S608 - model's names
                "FROM unnest(%s::bigint[], %s::text[]) AS v(pk, ubigeo) "
                "WHERE b.id = v.pk AND b.ubigeo = ''",
                [[pk for pk, _u in fills], [u for _pk, u in fills]],
            )


def _copy(cursor, model, names: list[str], objects: list) -> None:
    if not objects:
        return
    fields = [model._meta.get_field(name) for name in names]
    columns = ", ".join(f.column for f in fields)
    attnames = [f.attname for f in fields]
    with cursor.cursor.copy(f"COPY {model._meta.db_table} ({columns}) FROM STDIN") as copy:
        for obj in objects:
            copy.write_row([getattr(obj, a) for a in attnames])


def _update_from_arrays(cursor, model, key: str, names: list[str], objects: list) -> None:
    fields = [model._meta.get_field(name) for name in names]
    key_field = model._meta.get_field(key)
    types = [f.db_type(connection) for f in [key_field, *fields]]
    types = ["bigint" if t.startswith("bigint") or t == "integer" else t for t in types]
    types = ["text" if t.startswith("varchar") else t for t in types]
    arrays = [[getattr(o, f.attname) for o in objects] for f in [key_field, *fields]]
    cols = [f.column for f in [key_field, *fields]]
    unnest = ", ".join(f"%s::{t}[]" for t in types)
    sets = ", ".join(f"{c} = v.{c}" for c in cols[1:])
    cursor.execute(
        f"UPDATE {model._meta.db_table} AS t SET {sets} "  # noqa: S608 - model's names
        f"FROM unnest({unnest}) AS v({', '.join(cols)}) "
        f"WHERE t.{cols[0]} = v.{cols[0]}",
        arrays,
    )


def _ubigeo_reconciled(row: PadronRow, entry: _Known, fills: list) -> bool:
    """Whether the registry's ubigeo and SUNAT's disagree. Fills the registry's where it has none
    and SUNAT's lies in the business's region (else that is a disagreement too)."""
    if not row.ubigeo:
        return False
    if not entry.ubigeo:
        if row.ubigeo.startswith(entry.region_id):
            fills.append((entry.pk, row.ubigeo))
            entry.ubigeo = row.ubigeo
            return False
        return True
    return entry.ubigeo != row.ubigeo
