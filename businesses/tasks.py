"""Celery tasks of the registry: pulling market data sources. Thin: they call the services."""

from __future__ import annotations

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(name="businesses.tasks.sources_pull_due")
def sources_pull_due() -> dict:
    """Pull every enabled source whose update frequency (or retry backoff after a failure)
    says it is due; run by celery-beat. Each outcome is recorded on its source; a pull is
    idempotent, so a redelivered task changes nothing twice."""
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
