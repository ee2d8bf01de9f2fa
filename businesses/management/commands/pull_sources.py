import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from tqdm import tqdm

from businesses.imports.values import CellValueError, parse_period
from businesses.models import DataSource
from businesses.sources.services import source_pull


class Command(BaseCommand):
    help = (
        "Pull market data sources now, in the foreground: every enabled automatic source, or the "
        "ones named with --source (enabled or not). A pull lands whole or changes nothing; a "
        "changed value keeps its old one as a revision. Exits non-zero if a pull failed."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--source", action="append", default=[], metavar="NAME", help="Pull this source."
        )
        parser.add_argument(
            "--since", metavar="YYYY-MM", help="First month to ask for (BCRPData sources)."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Fetch and validate; write nothing."
        )

    def handle(self, *args, source, since, dry_run, **options):
        start = None
        if since:
            try:
                start = parse_period(since)
            except CellValueError as problem:
                raise CommandError(str(problem)) from None
            if start > dt.date.today():
                raise CommandError(_("--since cannot be in the future."))
        if source:
            sources = list(DataSource.objects.filter(name__in=source).order_by("name"))
            unknown = sorted(set(source) - {s.name for s in sources})
            if unknown:
                raise CommandError(
                    _("No data source named %(names)s.") % {"names": ", ".join(unknown)}
                )
        else:
            sources = list(
                DataSource.objects.filter(enabled=True)
                .exclude(kind=DataSource.Kind.MANUAL)
                .order_by("name")
            )
            if not sources:
                self.stdout.write(_("No enabled data source to pull."))
                return
        failed = []
        for data_source in sources:
            with tqdm(desc=data_source.name, unit="request", file=self.stderr) as bar:

                def progress(done: int, total: int, bar=bar) -> None:
                    bar.total = total
                    bar.update(done - bar.n)

                report = source_pull(
                    source=data_source, since=start, dry_run=dry_run, progress=progress
                )
            if report.failed:
                failed.append(data_source.name)
                self.stdout.write(self.style.ERROR(report.summary()))
            else:
                self.stdout.write(self.style.SUCCESS(report.summary()))
        if failed:
            raise CommandError(_("Pull failed for: %(names)s.") % {"names": ", ".join(failed)})
