"""Each source's own celery-beat entry: created, renamed, paused and removed with the source,
edited by stewards in the admin, and running a task that pulls that one source."""

import json

import pytest
from django.urls import reverse
from django.utils import translation
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from businesses import tasks
from businesses.models import DataSource, MarketIndicator
from businesses.sources.schedules import TASK, data_source_delete, data_source_save
from tests.replay import Reply
from tests.unit.businesses.sources.support import bcrp_reply, bcrp_source


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _new_source(**fields) -> DataSource:
    source = DataSource(
        **{
            "name": "INEI producción",
            "provider": "INEI",
            "kind": DataSource.Kind.HTTPS_FILE,
            "url": "https://example.org/indices.csv",
            **fields,
        }
    )
    return data_source_save(source=source)


def test_creating_a_source_creates_its_schedule(db):
    source = _new_source(enabled=True)
    task = PeriodicTask.objects.get(data_source=source)
    assert (task.name, task.task, task.enabled) == (
        "Descarga de datos de mercado: INEI producción",
        TASK,
        True,
    )
    assert json.loads(task.kwargs) == {"source_id": source.pk}
    # A monthly source is looked at every Monday morning, Lima time.
    crontab = task.crontab
    assert (crontab.minute, crontab.hour, crontab.day_of_week, str(crontab.timezone)) == (
        "15",
        "6",
        "1",
        "America/Lima",
    )
    daily = _new_source(name="Diaria", update_frequency=DataSource.Frequency.DAILY)
    assert daily.schedule.crontab.day_of_week == "*" and not daily.schedule.enabled


def test_disabling_renaming_and_deleting_follow_the_source(db):
    source = _new_source(enabled=True)
    # A steward's own times survive later saves of the source.
    evening, _ = CrontabSchedule.objects.get_or_create(
        minute="0", hour="20", day_of_week="*", day_of_month="*", month_of_year="*"
    )
    PeriodicTask.objects.filter(pk=source.schedule_id).update(crontab=evening)
    source.enabled = False
    source.name = "INEI"
    data_source_save(source=source)
    task = PeriodicTask.objects.get(pk=source.schedule_id)
    assert (task.name, task.enabled, task.crontab_id) == (
        "Descarga de datos de mercado: INEI",
        False,
        evening.pk,
    )
    source.enabled = True
    data_source_save(source=source)
    assert PeriodicTask.objects.get(pk=task.pk).enabled
    # A manual source has nothing to pull, so no schedule.
    source.kind, source.url = DataSource.Kind.MANUAL, ""
    data_source_save(source=source)
    assert source.schedule is None and not PeriodicTask.objects.filter(pk=task.pk).exists()
    source.kind, source.url = DataSource.Kind.HTTPS_FILE, "https://example.org/i.csv"
    data_source_save(source=source)
    again = source.schedule_id
    data_source_delete(source=source)
    assert again is not None and not PeriodicTask.objects.filter(pk=again).exists()


def test_the_shipped_source_has_a_paused_schedule_and_no_hourly_entry_remains(db):
    shipped = DataSource.objects.get(name="BCRPData")
    assert shipped.schedule.task == TASK and not shipped.schedule.enabled
    assert not PeriodicTask.objects.filter(task="businesses.tasks.sources_pull_due").exists()


def test_the_scheduled_task_pulls_only_its_source(replay, db):
    replay.routes["/api/"] = bcrp_reply("two_series_esp.json")
    mine = bcrp_source(replay)
    other = bcrp_source(replay, name="Otra")
    assert tasks.source_pull_scheduled(mine.pk) == DataSource.PullStatus.SUCCEEDED
    assert MarketIndicator.objects.filter(source=mine).count() == 11
    other.refresh_from_db()
    assert other.last_pull_status == DataSource.PullStatus.NEVER
    # Its schedule runs it again whatever the update frequency: an identical pull changes nothing.
    assert tasks.source_pull_scheduled(mine.pk) == DataSource.PullStatus.SUCCEEDED
    assert MarketIndicator.objects.filter(source=mine).count() == 11
    DataSource.objects.filter(pk=other.pk).update(enabled=False)
    assert tasks.source_pull_scheduled(other.pk) == "disabled"
    assert tasks.source_pull_scheduled(987654) == "missing"


def test_a_failing_source_backs_off_and_is_retried_sooner_than_its_schedule(
    replay, db, monkeypatch
):
    replay.routes["/api/"] = Reply(b"<html>down</html>", 500, "text/html")
    source = bcrp_source(replay)
    queued = []
    monkeypatch.setattr(
        tasks.source_pull_scheduled, "apply_async", lambda **options: queued.append(options)
    )
    assert tasks.source_pull_scheduled(source.pk) == DataSource.PullStatus.FAILED
    source.refresh_from_db()
    [retry] = queued
    assert retry["kwargs"] == {"source_id": source.pk, "retry_of": source.last_pull_at.isoformat()}
    assert 14 * 60 < retry["countdown"] <= 15 * 60
    # A scheduled run inside the backoff leaves the provider alone.
    assert tasks.source_pull_scheduled(source.pk) == "backing off"
    # A retry whose failed pull was followed by another pull has nothing left to do.
    assert tasks.source_pull_scheduled(source.pk, retry_of="2020-01-01T00:00:00+00:00") == (
        "pulled since"
    )


def test_the_admin_saves_sources_with_their_schedule_and_links_to_it(db, client, steward):
    client.force_login(steward)
    response = client.post(
        reverse("admin:businesses_datasource_add"),
        {
            "name": "Archivo INEI",
            "provider": "INEI",
            "kind": DataSource.Kind.HTTPS_FILE,
            "url": "https://example.org/indices.csv",
            "language": "esp",
            "update_frequency": DataSource.Frequency.WEEKLY,
            "series-TOTAL_FORMS": "0",
            "series-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    source = DataSource.objects.get(name="Archivo INEI")
    assert source.schedule is not None and not source.schedule.enabled
    page = client.get(reverse("admin:businesses_datasource_change", args=[source.pk]))
    link = reverse("admin:django_celery_beat_periodictask_change", args=[source.schedule_id])
    text = page.content.decode()
    assert link in text and "pausado (la fuente está deshabilitada)" in text
    client.post(reverse("admin:businesses_datasource_delete", args=[source.pk]), {"post": "yes"})
    assert not DataSource.objects.filter(pk=source.pk).exists()
    assert not PeriodicTask.objects.filter(task=TASK, name__contains="Archivo INEI").exists()
