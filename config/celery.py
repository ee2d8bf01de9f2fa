"""The Celery application. Tasks live in each app's ``tasks.py`` and are autodiscovered.

The broker is Redis in production (CELERY_BROKER_URL / REDIS_URL) and kombu's filesystem
transport on a single machine with nothing configured (see settings). The worker program is
Celery's, saying its shutdown in the project's language (:class:`core.console.ConsoleWorker`).
"""

import os
from functools import cached_property

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


class AsesorCelery(Celery):
    """Celery, with a worker program that says its shutdown in the project's language
    (core.console.ConsoleWorker)."""

    @cached_property
    def Worker(self):  # noqa: N802 - Celery's name
        return self.subclass_with_self("core.console:ConsoleWorker")


app = AsesorCelery("asesor")
app.config_from_object("django.conf:settings", namespace="CELERY")
if app.conf.broker_url.startswith("filesystem://"):
    # The filesystem transport has no broadcast channel worth relying on for remote control.
    app.conf.worker_enable_remote_control = False
app.autodiscover_tasks()

# Each worker's liveness beat (a thread started when the worker is ready): see the module.
import core.worker_liveness  # noqa: E402, F401
