"""The Celery application. Tasks live in each app's ``tasks.py`` and are autodiscovered.

The broker is Redis in production (CELERY_BROKER_URL / REDIS_URL) and kombu's filesystem
transport on a single machine with nothing configured (see settings).
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("asesor")
app.config_from_object("django.conf:settings", namespace="CELERY")
if app.conf.broker_url.startswith("filesystem://"):
    # The filesystem transport has no broadcast channel worth relying on for remote control.
    app.conf.worker_enable_remote_control = False
app.autodiscover_tasks()

# Each worker's liveness beat (a thread started when the worker is ready): see the module.
import core.worker_liveness  # noqa: E402, F401
