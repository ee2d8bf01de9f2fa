"""Celery tasks of the registry: pulling market data sources. Thin: they call the services.

Each source has its own celery-beat entry (:mod:`businesses.sources.schedules`) that runs
:func:`source_pull_scheduled` for it.
"""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task

logger = logging.getLogger(__name__)

# A scheduled run this close to the end of a source's backoff is not skipped (the pull that
# failed took time, and beat's ticks are not to the second).
BACKOFF_SLACK = dt.timedelta(minutes=5)
# Failed scheduled pulls are retried sooner than the schedule while the backoff is this short;
# then the schedule takes over (a longer countdown would outlive the broker's visibility timeout).
RETRY_WITHIN = dt.timedelta(hours=1)


@shared_task(name="businesses.tasks.source_pull_scheduled")
def source_pull_scheduled(source_id: int, retry_of: str | None = None) -> str:
    """Pull one source on its own schedule (its celery-beat entry).

    Skipped when the source was disabled or deleted, is manual, or failed lately and is still
    backing off (15 min, 30 min, 1 h… after the failure), so a frequent schedule does not hammer
    a failing provider. A failed pull is retried when its backoff ends, while that is within
    :data:`RETRY_WITHIN`. ``retry_of`` is the failed pull a retry follows: if the source was
    pulled since, the retry has nothing left to do. Pulls are idempotent, so a redelivered
    message changes nothing twice.
    """
    from django.utils import timezone

    from businesses.models import DataSource
    from businesses.sources.selectors import source_backoff_until
    from businesses.sources.services import source_pull

    source = DataSource.objects.filter(pk=source_id).first()
    if source is None:
        return "missing"
    if not source.enabled or source.kind == DataSource.Kind.MANUAL:
        return "disabled"
    if retry_of is not None and (
        source.last_pull_at is None or source.last_pull_at.isoformat() != retry_of
    ):
        return "pulled since"
    until = source_backoff_until(source)
    if until is not None and timezone.now() + BACKOFF_SLACK < until:
        return "backing off"
    report = source_pull(source=source)
    (logger.warning if report.failed else logger.info)("%s", report.summary())
    if report.failed:
        _retry_when_backoff_ends(source)
    return report.status


def _retry_when_backoff_ends(source) -> None:
    from django.utils import timezone

    from businesses.sources.selectors import source_backoff_until

    until = source_backoff_until(source)
    wait = (until - timezone.now()) if until else None
    if wait is None or wait > RETRY_WITHIN:
        return
    try:
        source_pull_scheduled.apply_async(
            kwargs={"source_id": source.pk, "retry_of": source.last_pull_at.isoformat()},
            countdown=max(wait.total_seconds(), 0),
        )
    except Exception:  # the broker is down: the schedule will try again
        logger.exception("could not queue the retry of %s", source.name)


@shared_task(name="businesses.tasks.sources_pull_due")
def sources_pull_due() -> dict:
    """Pull every enabled source whose update frequency (or retry backoff after a failure)
    says it is due. No longer on the beat schedule (each source has its own entry); kept for
    messages already queued and for running by hand. Each outcome is recorded on its source; a
    pull is idempotent, so a redelivered task changes nothing twice."""
    from businesses.sources.selectors import sources_due
    from businesses.sources.services import source_pull

    outcome = {}
    for source in sources_due():
        report = source_pull(source=source)
        outcome[source.name] = report.status
        log = logger.warning if report.failed else logger.info
        log("%s", report.summary())
    return outcome


@shared_task(name="businesses.tasks.source_pull_now")
def source_pull_now(source_id: int, user_id: int | None = None) -> str:
    """Pull one source now (the admin's "pull now"), enabled or not."""
    from django.contrib.auth import get_user_model

    from businesses.models import DataSource
    from businesses.sources.services import source_pull

    source = DataSource.objects.filter(pk=source_id).first()
    if source is None:
        return "missing"
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    report = source_pull(source=source, user=user)
    return report.status
