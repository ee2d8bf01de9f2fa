from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from businesses.exports import EXPORTS, FORMATS, ExportError, export_write


class Command(BaseCommand):
    help = (
        "Export businesses, monthly records, advice (with recommendations) or feedback to a CSV "
        "or xlsx file, formula-safe. Without --user the whole registry is exported; with it, "
        "what that user may see. Every export is recorded in the audit log."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=list(EXPORTS))
        parser.add_argument("--format", dest="fmt", choices=FORMATS, help="Default: from --out.")
        parser.add_argument("--out", type=Path, required=True, help="The file to write.")
        parser.add_argument("--user", help="Export what this user may see (and record them).")

    def handle(self, *args, kind, fmt, out, user, **options):
        fmt = fmt or (out.suffix.lstrip(".").lower() if out.suffix else "csv")
        if fmt not in FORMATS:
            raise CommandError(_("Unknown format “%(fmt)s”: use csv or xlsx.") % {"fmt": fmt})
        actor = None
        if user:
            actor = get_user_model().objects.filter(username=user, is_active=True).first()
            if actor is None:
                raise CommandError(_("No active user “%(user)s”.") % {"user": user})
        if not out.parent.is_dir():
            raise CommandError(_("No such folder: %(path)s") % {"path": out.parent})
        partial = out.with_name(out.name + ".part")
        try:
            with partial.open("wb") as handle:
                count = export_write(
                    kind=kind, fmt=fmt, out=handle, user=actor, detail={"via": "command"}
                )
        except ExportError as error:
            partial.unlink(missing_ok=True)
            raise CommandError(str(error)) from None
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        partial.replace(out)  # a reader never sees half a file
        self.stdout.write(
            ngettext(
                "%(n)d row of %(kind)s written to %(path)s.",
                "%(n)d rows of %(kind)s written to %(path)s.",
                count,
            )
            % {"n": count, "kind": kind, "path": out}
        )
