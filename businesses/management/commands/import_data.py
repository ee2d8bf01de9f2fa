from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from businesses.imports import ImportRefusedError, data_import_run
from businesses.models import DataImport

KINDS = [DataImport.Kind.BUSINESSES, DataImport.Kind.MONTHLY, DataImport.Kind.INDICATORS]
SHOWN_PROBLEMS = 200


class Command(BaseCommand):
    help = (
        "Import businesses, monthly records or market indicators from a CSV (UTF-8 or Latin-1, "
        "';' or ',') or xlsx file. Valid rows land together with the import's report; rejected "
        "rows are listed with their line, column and reason. Exits non-zero if the file cannot "
        "be read at all (then nothing changes)."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=[str(k) for k in KINDS])
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--dry-run", action="store_true", help="Validate and report; write nothing."
        )
        parser.add_argument("--user", help="Username recorded as the uploader.")

    def handle(self, *args, kind, file, dry_run, user, **options):
        if not file.is_file():
            raise CommandError(_("No such file: %(path)s") % {"path": file})
        uploader = None
        if user:
            uploader = get_user_model().objects.filter(username=user).first()
            if uploader is None:
                raise CommandError(_("No user “%(user)s”.") % {"user": user})
        try:
            report = data_import_run(
                kind=kind, path=file, file_name=file.name, user=uploader, dry_run=dry_run
            )
        except ImportRefusedError as refused:
            raise CommandError(
                _("%(file)s was not imported, nothing changed: %(reason)s")
                % {"file": file.name, "reason": refused}
            ) from None
        for problem in report.problems[:SHOWN_PROBLEMS]:
            self.stdout.write(
                _("line %(line)s, %(field)s “%(value)s”: %(reason)s")
                % {**problem, "field": problem["field"] or _("row")}
            )
        hidden = report.problems_total - min(len(report.problems), SHOWN_PROBLEMS)
        if hidden > 0:
            self.stdout.write(
                _("… and %(n)d more problems (see the import's rejected rows).") % {"n": hidden}
            )
        for warning in report.warnings:
            self.stdout.write(self.style.WARNING(warning))
        self.stdout.write(report.summary())
