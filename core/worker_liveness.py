"""Workers say they are alive: a thread in each worker's main process updates its
``WorkerHeartbeat`` row every ``WORKER_HEARTBEAT_SECONDS``.

A job row names the worker running it (``worker``); when that worker's row stops moving for
``WORKER_LOST_SECONDS`` the worker is gone (killed, out of memory, machine lost) and
``portal.tasks.jobs_sweep`` can end the job instead of leaving it ``running`` forever. This
works with every broker, including the filesystem one, which has no remote control to ping.

The web process reads the same rows to know whether anyone serves the queue
(:func:`worker_absence`): when no worker has beaten for ``WORKER_ABSENT_SECONDS`` (one minute;
at least two beats), :func:`core.queueing.enqueue` refuses new work at once (the portal says so,
the API answers 503 with Retry-After), ``/readyz`` reports it, and advice or jobs still queued or
running are failed with the reason when they are polled (``forecasting.unserved``) — the sweeper
runs in a worker, so it cannot be the one to notice. A web process that has just started
(``WORKER_START_GRACE_SECONDS``, one minute) reports no absence yet: ``make run`` starts the web
server and the worker together, and the worker's first beat comes only once it is ready.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from dataclasses import dataclass

from celery.signals import worker_ready, worker_shutdown
from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone

logger = logging.getLogger(__name__)

_stop = threading.Event()
# When this process started (this module is imported by the Celery app, which Django loads).
_PROCESS_STARTED = time.monotonic()


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


@dataclass(frozen=True)
class WorkerAbsence:
    """No worker has beaten for ``seconds``: ``last_seen`` is the newest beat (None: never)."""

    last_seen: dt.datetime | None
    seconds: int


def worker_absent_seconds() -> int:
    """Silence after which no worker is taken to be alive (0: the check is off)."""
    absent = int(getattr(settings, "WORKER_ABSENT_SECONDS", 60))
    if absent <= 0:
        return 0
    return max(absent, 2 * int(getattr(settings, "WORKER_HEARTBEAT_SECONDS", 30)))


def worker_start_grace_left() -> float:
    """Seconds left of this process's start grace (no absence is reported during it)."""
    grace = float(getattr(settings, "WORKER_START_GRACE_SECONDS", 60))
    return max(0.0, grace - (time.monotonic() - _PROCESS_STARTED))


def worker_absence(*, now: dt.datetime | None = None) -> WorkerAbsence | None:
    """None when a worker beat within :func:`worker_absent_seconds`, when tasks run in the web
    process (``CELERY_TASK_ALWAYS_EAGER``), when the check is off, or during the start grace;
    else what is known of the silence. One query."""
    from core.models import WorkerHeartbeat

    absent = worker_absent_seconds()
    if not absent or getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False):
        return None
    if worker_start_grace_left() > 0:
        return None
    now = now or timezone.now()
    last_seen = (
        WorkerHeartbeat.objects.order_by("-seen_at").values_list("seen_at", flat=True).first()
    )
    if last_seen is not None and last_seen >= now - dt.timedelta(seconds=absent):
        return None
    return WorkerAbsence(last_seen=last_seen, seconds=absent)
