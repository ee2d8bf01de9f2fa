"""The import service: one call reads a file, validates every row and, unless it is a dry run,
writes the valid rows together with their DataImport report in one transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from businesses.imports.importers import IMPORTERS
from businesses.imports.reading import XLSX, FileFacts, ImportRefusedError, file_inspect, table_open
from businesses.imports.report import row_counts_text, rows_read_text
from businesses.models import DataImport
from businesses.signals import data_imported
from core.audit import IMPORT, audit_record


@dataclass
class ImportReport:
    """What an import did (or, in a dry run, would do)."""

    kind: str
    file_name: str
    sha256: str
    dry_run: bool
    rows_read: int = 0
    rows_created: int = 0
    rows_updated: int = 0
    rows_unchanged: int = 0
    rows_rejected: int = 0
    problems: list[dict] = field(default_factory=list)
    problems_total: int = 0
    warnings: list[str] = field(default_factory=list)
    parameters: dict = field(default_factory=dict)
    data_import: DataImport | None = None

    def summary(self) -> str:
        read = rows_read_text(self.rows_read)
        counts = row_counts_text(
            created=self.rows_created,
            updated=self.rows_updated,
            unchanged=self.rows_unchanged,
            rejected=self.rows_rejected,
            dry_run=self.dry_run,
        )
        if self.dry_run:
            return _("Dry run, nothing saved: %(read)s; %(counts)s.") % {
                "read": read,
                "counts": counts,
            }
        return _("Import #%(id)d: %(read)s; %(counts)s.") % {
            "id": self.data_import.pk if self.data_import else 0,
            "read": read,
            "counts": counts,
        }


@transaction.atomic
def data_import_run(
    *,
    kind: str,
    path: Path,
    file_name: str = "",
    user=None,
    dry_run: bool = False,
    expected_sha256: str | None = None,
) -> ImportReport:
    """Import the ``kind`` rows (businesses, monthly, indicators) of the CSV or xlsx at ``path``.

    Valid rows are upserted and each invalid row is reported with its line, column, value and
    reason; the valid rows and the DataImport that records the import (its id is the data
    version) land together or not at all. A file that cannot be read as a whole raises
    :class:`ImportRefusedError` and changes nothing. A dry run computes the same report, writes
    nothing and records no DataImport. ``expected_sha256`` guards a confirmed preview: the file
    must be the one that was previewed.
    """
    if kind not in IMPORTERS:
        raise ImportRefusedError(_("Unknown import kind “%(kind)s”.") % {"kind": kind})
    path = Path(path)
    facts = file_inspect(path=path, name=file_name or path.name)
    if expected_sha256 and facts.sha256 != expected_sha256:
        raise ImportRefusedError(_("The file is not the one that was previewed: upload it again."))
    parameters = _parameters(facts)
    data_import = None
    if not dry_run:
        data_import = DataImport.objects.create(
            kind=kind,
            uploaded_by=user if getattr(user, "pk", None) else None,
            file_name=facts.name[-255:],
            sha256=facts.sha256,
            parameters=parameters,
        )
    importer = IMPORTERS[kind](data_import=data_import, decimal_comma=facts.decimal_comma)
    importer.pads_short_rows = facts.format == XLSX
    importer.run(table_open(path=path, facts=facts))

    warnings = list(facts.warnings)
    if importer.ignored_columns:
        warnings.append(
            _("Columns ignored (this import does not use them): %(columns)s.")
            % {"columns": ", ".join(importer.ignored_columns)}
        )
    if facts.ends_mid_line:
        warnings.append(
            _(
                "The file does not end with a line break: if it was cut short, check that its "
                "last row is complete."
            )
        )
    if len(importer.problems) < importer.problems_total:
        warnings.append(
            _("Only the first %(shown)d of %(total)d problems are listed.")
            % {"shown": len(importer.problems), "total": importer.problems_total}
        )
    earlier = (
        DataImport.objects.filter(
            kind=kind, sha256=facts.sha256, status=DataImport.Status.SUCCEEDED
        )
        .exclude(pk=getattr(data_import, "pk", None))
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
    )
    if earlier:
        warnings.append(
            _("This same file (same SHA-256) was imported before, as import #%(id)d.")
            % {"id": earlier}
        )
    report = ImportReport(
        kind=kind,
        file_name=facts.name,
        sha256=facts.sha256,
        dry_run=dry_run,
        rows_read=importer.read,
        rows_created=importer.created,
        rows_updated=importer.updated,
        rows_unchanged=importer.unchanged,
        rows_rejected=importer.rejected,
        problems=[p.as_dict() for p in sorted(importer.problems, key=lambda p: p.line)],
        problems_total=importer.problems_total,
        warnings=warnings,
        parameters=parameters,
        data_import=data_import,
    )
    if data_import is not None:
        data_import.status = DataImport.Status.SUCCEEDED
        data_import.rows_read = report.rows_read
        data_import.rows_created = report.rows_created
        data_import.rows_updated = report.rows_updated
        data_import.rows_unchanged = report.rows_unchanged
        data_import.rows_rejected = report.rows_rejected
        data_import.rejected_rows = report.problems
        # The apps above react (forecasting retrains when enough changed, queued once this
        # commits) and may add a note to the report.
        for _receiver, note in data_imported.send(
            sender=DataImport, data_import=data_import, user=user
        ):
            if note:
                warnings.append(note)
        data_import.message = "\n".join([report.summary(), *warnings])
        data_import.finished_at = timezone.now()
        data_import.save()
        audit_record(
            user,
            IMPORT,
            data_import,
            {
                "kind": kind,
                "file_name": facts.name,
                "sha256": facts.sha256,
                "read": report.rows_read,
                "created": report.rows_created,
                "updated": report.rows_updated,
                "unchanged": report.rows_unchanged,
                "rejected": report.rows_rejected,
            },
        )
    return report


def _parameters(facts: FileFacts) -> dict:
    """How the file was read, kept with the import so a steward can see it."""
    parameters = {"format": facts.format, "size_bytes": facts.size}
    if facts.encoding:
        parameters["encoding"] = facts.encoding
        parameters["delimiter"] = {"\t": "tab"}.get(facts.delimiter, facts.delimiter)
    return parameters
