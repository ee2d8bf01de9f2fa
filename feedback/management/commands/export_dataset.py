from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from core.audit import EXPORT, audit_record
from feedback.dataset.exporter import FORMATS, DatasetExportError, dataset_export, parse_since


class Command(BaseCommand):
    help = (
        "Export the data scientists' dataset into a new (or empty) folder: the panel, the "
        "features and labels at every training cut-off, the advisors' feedback labels and the "
        "production models' held-out predictions, businesses pseudonymised, with datacard.md "
        "(docs/dataset.md). Parquet when pyarrow is installed, else gzipped CSV. Atomic."
    )

    def add_arguments(self, parser):
        parser.add_argument("--out", type=Path, required=True, help="The folder to create.")
        parser.add_argument("--since", help="Only months from yyyy-mm on.")
        parser.add_argument("--format", dest="fmt", choices=FORMATS, default="auto")

    def handle(self, *args, out, since, fmt, **options):
        verbose = options.get("verbosity", 1) > 0

        def progress(stage: str, percent: int) -> None:
            if verbose:
                self.stderr.write(f"{percent:3d} % {stage}")

        try:
            month = parse_since(since)
            result = dataset_export(out, since=month, fmt=fmt, progress=progress)
        except DatasetExportError as error:
            raise CommandError(str(error)) from None
        audit_record(
            None,
            EXPORT,
            "dataset",
            {"kind": "dataset", "format": result.fmt, "rows": result.rows, "via": "command",
             "since": since or None},
        )  # fmt: skip
        for note in result.notes:
            self.stderr.write(note)
        self.stdout.write(
            _("Dataset written to %(path)s: %(files)d files, %(rows)d rows (%(fmt)s).")
            % {"path": out, "files": len(result.files), "rows": result.rows, "fmt": result.fmt}
        )
