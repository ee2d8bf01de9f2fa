"""Each data source's pull schedule: its own celery-beat entry (django-celery-beat's
PeriodicTask), which stewards edit in the admin like any other periodic task.

The entry is created with the source, follows its name and its enabled flag, and goes with it;
a manual source has none. The schedule says when the source is pulled: its first crontab comes
from the source's update frequency (:data:`DEFAULT_CRONTABS`), and the steward's later edits of
the times are kept, since only the name, the enabled flag and the task's arguments are synced.
The scheduled task (``businesses.tasks.source_pull_scheduled``) still leaves a source that is
failing alone during its backoff, and retries a failed pull sooner than the schedule would
(see :mod:`businesses.tasks`).
"""

from __future__ import annotations

import json

from django.conf import settings
from django.db import transaction
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from businesses.models import DataSource

TASK = "businesses.tasks.source_pull_scheduled"
SCHEDULE_NAME = "Descarga de datos de mercado: {name}"
# When a new source is pulled (Lima time). Official monthly statistics come out on no fixed day:
# looking once a week finds a new month within days, and a pull that brings nothing new changes
# nothing. Daily and weekly sources are looked at every morning.
_DAILY = {"minute": "15", "hour": "6", "day_of_week": "*"}
_MONDAYS = {"minute": "15", "hour": "6", "day_of_week": "1"}
DEFAULT_CRONTABS = {
    DataSource.Frequency.DAILY: _DAILY,
    DataSource.Frequency.WEEKLY: _DAILY,
    DataSource.Frequency.MONTHLY: _MONDAYS,
    DataSource.Frequency.QUARTERLY: _MONDAYS,
}

# SUNAT publishes its padrón every day; reading 18 million lines is a night's work, before the
# market-data pulls of the morning.
KIND_CRONTABS = {DataSource.Kind.SUNAT_PADRON: {"minute": "30", "hour": "3", "day_of_week": "*"}}


def default_crontab(frequency: str, kind: str = "") -> CrontabSchedule:
    """The crontab a new source's schedule starts with, for its kind or its update frequency."""
    crontab, _ = CrontabSchedule.objects.get_or_create(
        day_of_month="*",
        month_of_year="*",
        timezone=settings.TIME_ZONE,
        **KIND_CRONTABS.get(kind) or DEFAULT_CRONTABS.get(frequency, _MONDAYS),
    )
    return crontab


def source_schedule_sync(*, source: DataSource) -> PeriodicTask | None:
    """Create or update ``source``'s beat entry: named after it, enabled when it is, pulling it.
    A manual source (nothing to pull) loses its entry. Returns the entry."""
    # read afresh: a steward may have changed its times (or deleted it) since ``source`` was read
    task = (
        PeriodicTask.objects.filter(pk=source.schedule_id).first() if source.schedule_id else None
    )
    if source.kind == DataSource.Kind.MANUAL:
        if task is not None:
            DataSource.objects.filter(pk=source.pk).update(schedule=None)
            source.schedule = None
            task.delete()
        return None
    if task is None:
        task = PeriodicTask(
            task=TASK, crontab=default_crontab(source.update_frequency, source.kind)
        )
    task.name = SCHEDULE_NAME.format(name=source.name)
    task.task = TASK
    task.args = json.dumps([])
    task.kwargs = json.dumps({"source_id": source.pk})
    task.enabled = source.enabled
    task.description = (
        f"Pulls the market-data source {source.name} ({source.get_kind_display()}); edit the "
        "times here, the source itself in Data sources."
    )
    task.save()  # also tells a running beat that the schedule changed
    if source.schedule_id != task.pk:
        DataSource.objects.filter(pk=source.pk).update(schedule=task)
        source.schedule = task
    return task


@transaction.atomic
def data_source_save(*, source: DataSource) -> DataSource:
    """Save a source (validated by the caller: the admin's form, or ``full_clean``) and keep its
    pull schedule in step: created with it, renamed, enabled or disabled with it."""
    source.save()
    source_schedule_sync(source=source)
    return source


@transaction.atomic
def data_source_delete(*, source: DataSource) -> None:
    """Delete a source and its schedule (a source whose values are stored cannot be deleted:
    they keep their provenance, and the database refuses)."""
    task = source.schedule
    source.delete()
    if task is not None:
        task.delete()
