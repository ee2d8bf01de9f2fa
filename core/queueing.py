"""Queue a Celery task from a request — or say clearly that it cannot be queued now.

Every request that enqueues work goes through :func:`enqueue`. It checks that the broker
answers within a short timeout before anything is promised to the user, and sends the task
only once the surrounding transaction commits (so the worker always finds the rows the task
names). When the broker is down it raises :class:`QueueUnavailableError`: portal views turn
that into a message ("cannot be queued now") while stored data keeps serving, and the API
answers 503 with ``Retry-After`` (``core.api_errors``).

When the broker answers but no worker has beaten for a minute (:mod:`core.worker_liveness`),
:func:`enqueue` raises :class:`NoWorkerError` (a QueueUnavailableError): nobody would take the
work, so it is not promised ("queued") but refused at once, the same way.

A task row whose message was lost after the check (the broker died between the check and the
commit) stays ``queued``; the sweeper (``portal.tasks.jobs_sweep``) marks it failed with the
reason, so nothing waits forever.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from core.worker_liveness import worker_absence

logger = logging.getLogger(__name__)

# Seconds a client should wait before trying again (the API's Retry-After).
RETRY_AFTER_SECONDS = 30
# How long the reachability check may take, so a dead broker never hangs a request.
CONNECT_TIMEOUT_SECONDS = 2.0
# Publishing after the commit retries briefly, never for long (the check just succeeded).
PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5}


class QueueUnavailableError(Exception):
    """The task queue (broker) cannot be reached: the job was not queued.

    ``str(error)`` is the user-facing message in the active language; ``retry_after`` is the
    number of seconds after which trying again makes sense.
    """

    retry_after = RETRY_AFTER_SECONDS
    code = "queue_unavailable"
    default_message = _(
        "The job cannot be queued now: the task queue is not reachable. "
        "Nothing was lost; please try again in a few minutes."
    )

    def __init__(self, message: Any = None, *, cause: str = "") -> None:
        self.message = message if message is not None else self.default_message
        self.cause = cause  # the broker's own error, for the logs
        super().__init__(self.message)

    def __str__(self) -> str:
        return str(self.message)


class NoWorkerError(QueueUnavailableError):
    """The broker answers, but no worker has been alive for a while: nothing would run the job,
    so it was not queued."""

    retry_after = 60
    code = "no_worker"
    default_message = _(
        "The job cannot be started now: no worker is running to compute it (none has answered "
        "for over a minute). Nothing was lost; please try again in a few minutes."
    )


def _app():
    from config.celery import app

    return app


def broker_check(timeout: float = CONNECT_TIMEOUT_SECONDS) -> str:
    """Connect to the broker once with a short timeout; "" when it answers, else the error.

    Used by :func:`enqueue` and by ``/readyz``.
    """
    app = _app()
    options = {"socket_connect_timeout": timeout, "socket_timeout": timeout}
    try:
        with app.connection_for_write(
            connect_timeout=timeout, transport_options=options
        ) as connection:
            connection.ensure_connection(max_retries=1, interval_start=0, timeout=timeout)
    except Exception as error:  # any transport failure means "not reachable"
        return f"{type(error).__name__}: {error}"
    return ""


def enqueue(task, *args: Any, **kwargs: Any) -> None:
    """Send ``task(*args, **kwargs)`` to the workers once the current transaction commits.

    Raises :class:`QueueUnavailableError` right away (before the commit) when the broker is not
    reachable, or :class:`NoWorkerError` when no worker is alive to take the task, so the caller
    can roll back or tell the user. In eager mode (tests,
    ``CELERY_TASK_ALWAYS_EAGER``) there is no broker to check.
    """
    if not getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False):
        problem = broker_check()
        if problem:
            logger.warning("broker not reachable, %s not queued: %s", task.name, problem)
            raise QueueUnavailableError(cause=problem)
        absence = worker_absence()
        if absence is not None:
            logger.warning(
                "no worker alive (last beat %s), %s not queued", absence.last_seen, task.name
            )
            raise NoWorkerError(cause=f"no worker beat since {absence.last_seen}")

    def send() -> None:
        task.apply_async(args, kwargs, retry=True, retry_policy=PUBLISH_RETRY_POLICY)

    # robust: a publish failure after the commit is logged, not turned into a 500 for a
    # request whose data is already committed; the sweeper fails the orphaned row later.
    transaction.on_commit(send, robust=True)
