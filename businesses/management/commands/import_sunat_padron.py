import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from businesses.sunat.reconcile import PadronRefusedError, sunat_padron_import

SHOWN_PROBLEMS = 200


class Command(BaseCommand):
    help = (
        "Reconcile the registry with SUNAT's padrón reducido del RUC (the published zip, or its "
        ".txt): the status and domicile condition of every business the registry knows, each "
        "change kept as a revision. Bad lines are listed and skipped; a file already read is "
        "not read again. Exits non-zero if the file cannot be read at all."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--date",
            type=dt.date.fromisoformat,
            help="The day the padrón was published (YYYY-MM-DD); today by default.",
        )
        parser.add_argument(
            "--force", action="store_true", help="Read the file even if it was read before."
        )

    def handle(self, *args, file, date, force, verbosity, **options):
        if not file.is_file():
            raise CommandError(_("No such file: %(path)s") % {"path": file})

        def progress(report):
            if verbosity > 1:
                self.stderr.write(
                    _("%(lines)d lines, %(matched)d businesses found")
                    % {"lines": report.lines, "matched": report.matched}
                )

        try:
            report = sunat_padron_import(
                path=file, file_name=file.name, seen_on=date, force=force, progress=progress
            )
        except PadronRefusedError as refused:
            raise CommandError(
                _("%(file)s could not be read: %(reason)s") % {"file": file.name, "reason": refused}
            ) from None
        for problem in report.problems[:SHOWN_PROBLEMS]:
            self.stdout.write(_("line %(line)d: %(reason)s") % problem)
        hidden = report.bad_lines - min(len(report.problems), SHOWN_PROBLEMS)
        if hidden > 0:
            self.stdout.write(_("… and %(n)d more bad lines.") % {"n": hidden})
        if report.run is not None and report.run.message:
            self.stdout.write(self.style.WARNING(report.run.message))
        self.stdout.write(report.summary())
