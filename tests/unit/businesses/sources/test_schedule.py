"""When sources are pulled: the schedule (update frequency, backoff after failures), the Celery
tasks, the pull_sources command, and what stewards see in the admin."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone, translation

from businesses import tasks
from businesses.models import DataSource, MarketIndicator
from businesses.sources.selectors import sources_due, sources_failing
from tests.replay import Reply
from tests.unit.businesses.sources.support import bcrp_reply, bcrp_source


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def test_due_by_update_frequency_and_backoff(replay, db):
    now = timezone.now()
    source = bcrp_source(replay)  # never pulled
    assert source in sources_due(now=now)
    source.last_pull_at, source.last_pull_status = now, DataSource.PullStatus.SUCCEEDED
    source.save()
    assert source not in sources_due(now=now + dt.timedelta(days=29))
    assert source in sources_due(now=now + dt.timedelta(days=30))
    source.update_frequency = DataSource.Frequency.DAILY
    source.save()
    assert source in sources_due(now=now + dt.timedelta(days=1))
    # After failures, retry sooner than the interval, backing off: 15 min, 30 min, 1 h...
    source.update_frequency = DataSource.Frequency.MONTHLY
    source.last_pull_status, source.consecutive_failures = DataSource.PullStatus.FAILED, 3
    source.save()
    assert source not in sources_due(now=now + dt.timedelta(minutes=59))
    assert source in sources_due(now=now + dt.timedelta(minutes=60))
    assert list(sources_failing()) == [source]
    source.enabled = False
    source.save()
    assert source not in sources_due(now=now + dt.timedelta(days=90))
    assert source not in sources_failing()


def test_shipped_bcrp_source_is_mapped_and_disabled(db):
    shipped = DataSource.objects.get(name="BCRPData")
    assert (shipped.kind, shipped.enabled) == (DataSource.Kind.BCRP_API, False)
    assert shipped.url == "https://estadisticas.bcrp.gob.pe/estadisticas/series/api"
    codes = dict(shipped.series.values_list("code", "sector_id"))
    assert codes["PN01755AM"] == "01" and codes["PN01762AM"] == "C"
    assert codes["PN01770AM"] is None and len(codes) == 9
    assert shipped not in sources_due()


def test_task_pulls_due_sources_only(replay, db):
    replay.routes["/api/"] = bcrp_reply("two_series_esp.json")
    due = bcrp_source(replay)
    later = bcrp_source(replay, name="Later", last_pull_at=timezone.now())
    outcome = tasks.sources_pull_due()
    assert outcome == {due.name: DataSource.PullStatus.SUCCEEDED}
    assert MarketIndicator.objects.filter(source=due).count() == 11
    later.refresh_from_db()
    assert later.last_pull_status == DataSource.PullStatus.NEVER
    # Run again straight away (a redelivered task): nothing is due, nothing changes.
    assert tasks.sources_pull_due() == {}


def test_pull_now_task(replay, db, steward):
    replay.routes["/api/"] = bcrp_reply("two_series_esp.json")
    source = bcrp_source(replay, enabled=False)
    assert tasks.source_pull_now(source.pk, steward.pk) == DataSource.PullStatus.SUCCEEDED
    assert MarketIndicator.objects.filter(source=source).first().source_import.uploaded_by == (
        steward
    )
    assert tasks.source_pull_now(987654) == "missing"


def test_command_pulls_named_source_with_since_and_dry_run(replay, db):
    replay.routes["/api/"] = bcrp_reply("two_series_esp.json")
    source = bcrp_source(replay, enabled=False)
    out = StringIO()
    call_command("pull_sources", "--source", source.name, "--dry-run", stdout=out)
    assert "dry run, nothing saved" in out.getvalue() and not MarketIndicator.objects.exists()
    err = StringIO()
    call_command(
        "pull_sources", "--source", source.name, "--since", "2023-07", stdout=out, stderr=err
    )
    assert "/json/2023-7/" in replay.requests[-1]
    assert "BCRP prueba" in err.getvalue() and "1/1" in err.getvalue()  # the progress bar
    assert MarketIndicator.objects.filter(source=source).count() == 11


def test_command_fails_loudly(replay, db):
    replay.routes["/api/"] = Reply(b"<html>down</html>", 502, "text/html")
    bcrp_source(replay)
    out = StringIO()
    with pytest.raises(CommandError, match="Pull failed for: BCRP prueba"):
        call_command("pull_sources", stdout=out)
    assert "answered HTTP 502" in out.getvalue()
    with pytest.raises(CommandError, match="No data source named Nope"):
        call_command("pull_sources", "--source", "Nope")
    with pytest.raises(CommandError, match="is not a month"):
        call_command("pull_sources", "--since", "julio")


def test_admin_lists_health_and_queues_pull_now(
    replay, db, client, steward, settings, monkeypatch, django_capture_on_commit_callbacks
):
    replay.routes["/api/"] = Reply(b"<html>down</html>", 500, "text/html")
    source = bcrp_source(replay)
    from businesses.sources.services import source_pull

    for _ in range(3):
        source_pull(source=source)
    client.force_login(steward)
    page = client.get(reverse("admin:businesses_datasource_changelist"))
    assert page.status_code == 200
    text = page.content.decode()
    # The admin speaks Spanish; the reason was recorded in the language of the pull.
    assert "fallando (3 seguidas)" in text and "answered HTTP 500" in text
    assert (
        client.get(reverse("admin:businesses_datasource_change", args=[source.pk])).status_code
        == 200
    )
    settings.CELERY_TASK_ALWAYS_EAGER = True  # no broker check in the unit tier
    sent = []
    monkeypatch.setattr(
        tasks.source_pull_now, "apply_async", lambda args, kwargs, **o: sent.append(args)
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:businesses_datasource_changelist"),
            {"action": "pull_now", "_selected_action": [source.pk]},
            follow=True,
        )
    assert "Descarga encolada para: BCRP prueba" in response.content.decode()
    assert sent == [(source.pk, steward.pk)]
    revisions = client.get(reverse("admin:businesses_indicatorrevision_changelist"))
    assert revisions.status_code == 200


def test_repeatedly_failing_source_shows_in_readyz(replay, db, client):
    replay.routes["/api/"] = Reply(b"<html>down</html>", 500, "text/html")
    source = bcrp_source(replay)
    from businesses.sources.services import source_pull

    source_pull(source=source)
    assert client.get("/readyz").json()["failing_data_sources"] == []
    source_pull(source=source)
    source_pull(source=source)
    failing = client.get("/readyz").json()["failing_data_sources"]
    assert [(f["name"], f["failures_in_a_row"]) for f in failing] == [("BCRP prueba", 3)]
    assert "HTTP 500" in failing[0]["reason"]
