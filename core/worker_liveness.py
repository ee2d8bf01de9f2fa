"""Workers say they are alive: a thread in each worker's main process updates its
``WorkerHeartbeat`` row every ``WORKER_HEARTBEAT_SECONDS``.

A job row names the worker running it (``worker``); when that worker's row stops moving for
``WORKER_LOST_SECONDS`` the worker is gone (killed, out of memory, machine lost) and
``portal.tasks.jobs_sweep`` can end the job instead of leaving it ``running`` forever. This
works with every broker, including the filesystem one, which has no remote control to ping.
"""

from __future__ import annotations

import logging
import threading

from celery.signals import worker_ready, worker_shutdown
from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone

logger = logging.getLogger(__name__)

_stop = threading.Event()


def beat_once(hostname: str) -> None:
    """Record that ``hostname`` is alive now (the token of portal.heartbeat is left as is)."""
    from core.models import WorkerHeartbeat

    now = timezone.now()
    if not WorkerHeartbeat.objects.filter(hostname=hostname).update(seen_at=now):
        WorkerHeartbeat.objects.get_or_create(hostname=hostname, defaults={"seen_at": now})


def _loop(hostname: str, interval: float) -> None:
    while not _stop.is_set():
        try:
            close_old_connections()
            beat_once(hostname)
        except Exception as error:  # the database may be restarting: try again next time
            logger.warning("worker liveness beat failed: %s", error)
            connection.close()
        _stop.wait(interval)
    connection.close()


@worker_ready.connect
def _start(sender=None, **kwargs) -> None:
    hostname = getattr(sender, "hostname", None)
    if not hostname:
        return
    _stop.clear()
    interval = float(getattr(settings, "WORKER_HEARTBEAT_SECONDS", 30))
    thread = threading.Thread(
        target=_loop, args=(hostname, interval), name="worker-liveness", daemon=True
    )
    thread.start()


@worker_shutdown.connect
def _stop_beating(**kwargs) -> None:
    _stop.set()
