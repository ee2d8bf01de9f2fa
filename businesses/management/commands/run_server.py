"""``manage.py run_server [ADDR:PORT]``: Django's development server as ``make run`` shows it.

The same server as ``runserver`` (with the static files of ``django.contrib.staticfiles``), but
what a person reads is ours, in the project's language (settings.LANGUAGE_CODE, as every other
line of the run): one line when it listens, instead of Django's English banner (date, version,
"Starting development server…", the production warning) and the reloader's "Watching for file
changes…", and a line per request on the Lima clock (core.console: ``[07/12/2026 10:05:09]
GET /x HTTP/1.1 → 404 no encontrada, 1095 bytes``, without Django's extra English "Not Found:
/x"). ``make run`` passes ``--skip-checks``: its ``migrate`` step has run the checks.
"""

import logging

from django.contrib.staticfiles.management.commands.runserver import Command as RunserverCommand
from django.utils.translation import gettext as _

from core.console import install_server_console


class Command(RunserverCommand):
    help = "Run the development server, announcing it in the project's language."

    def execute(self, *args, **options):
        _quiet_reloader()
        return super().execute(*args, **options)

    def get_handler(self, *args, **options):
        handler = super().get_handler(*args, **options)
        # after the WSGI application's django.setup(), which configures logging anew (and
        # resets the level of the loggers below "django")
        install_server_console()
        _quiet_reloader()
        return handler

    def on_bind(self, server_port):
        addr = f"[{self.addr}]" if self._raw_ipv6 else "0.0.0.0" if self.addr == "0" else self.addr  # noqa: S104 - shown, not bound
        url = f"{self.protocol}://{addr}:{server_port}/"
        self.stdout.write(
            _("Development server listening at %(url)s (for this computer, not for production).")
            % {"url": url}
        )


def _quiet_reloader() -> None:
    """No reloader INFO lines ("Watching for file changes with StatReloader", "… changed,
    reloading."): English, and for whoever edits the code, not for the demo's reader."""
    logging.getLogger("django.utils.autoreload").setLevel(logging.WARNING)
