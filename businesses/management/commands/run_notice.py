"""``manage.py run_notice WHAT``: the lines ``make run`` prints between its steps, in the
project's language (settings.LANGUAGE_CODE, as every other command of the run), so that one run
speaks one language."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from businesses.demo import DEMO_PARTNER_USERNAME, DEMO_PASSWORD


class Command(BaseCommand):
    help = "Print one of make run's notices (static, no-scores, ready) in the project's language."

    def add_arguments(self, parser):
        parser.add_argument("what", choices=["static", "no-scores", "ready"])
        parser.add_argument("--url", default="http://127.0.0.1:8000/")
        parser.add_argument(
            "--two-factor",
            action="store_true",
            help="Two-factor codes for stewards and superusers are on.",
        )

    def handle(self, *args, what, url, two_factor, **options):
        if what == "static":
            self.stdout.write(_("Collecting static files (a minute, once)."))
        elif what == "no-scores":
            self.stdout.write(
                _("No caseload scores yet: run 'manage.py refresh_scores' once models are trained.")
            )
        else:
            self.stdout.write("")
            self.stdout.write(_("Asesor MYPE: %(url)s (Ctrl-C stops it)") % {"url": url})
            self.stdout.write(
                _(
                    "Demo users (password %(password)s): asesora.lima, asesor.lima, "
                    "asesora.arequipa, asesor.norte, asesora.sur, asesor.oriente (advisors); "
                    "coordinadora.lima, coordinador.sur (supervisors); gestor.datos (data "
                    "steward, /admin/); analista.mercado (market analyst); admin (superuser)."
                )
                % {"password": DEMO_PASSWORD}
            )
            self.stdout.write(
                _(
                    "Demo partner system (the API only): %(user)s; issue its API key with "
                    "'python manage.py partner_key %(user)s'."
                )
                % {"user": DEMO_PARTNER_USERNAME}
            )
            if not two_factor:
                self.stdout.write(
                    _(
                        "Two-factor codes for stewards and superusers are OFF for this local "
                        "demo (ASESOR_ADMIN_2FA=1 make run to try them)."
                    )
                )
