"""Pulling a BCRPData source into PostgreSQL (COPY path, row lock, rollback): values land with
their provenance, a revision keeps the old value, a re-pull changes nothing, a failed pull
leaves nothing behind."""

import datetime as dt

import pytest
from django.utils import translation

from businesses.models import DataImport, IndicatorRevision, MarketIndicator
from businesses.sources.services import source_pull
from tests.replay import ReplayServer, Reply
from tests.unit.businesses.sources.support import bcrp_reply, bcrp_source


@pytest.fixture
def replay(settings):
    settings.MARKET_SOURCES_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.MARKET_SOURCES_ALLOW_PRIVATE = True
    settings.MARKET_SOURCES_ALLOW_HTTP = True
    settings.MARKET_SOURCES_TIMEOUT = 2
    settings.MARKET_SOURCES_RETRIES = 0
    with translation.override("en"), ReplayServer() as server:
        yield server


def test_pull_revise_repull_and_fail_on_postgres(replay, db):
    replay.routes["/api/"] = bcrp_reply("two_series_esp.json")
    source = bcrp_source(replay)
    first = source_pull(source=source)
    assert (first.failed, first.created) == (False, 11), first.message
    stored = MarketIndicator.objects.get(sector_id="01", period=dt.date(2024, 3, 1))
    assert (stored.value, stored.source, stored.source_import) == (142.7, source, first.data_import)
    assert stored.pulled_at is not None

    replay.routes["/api/"] = bcrp_reply("two_series_revised_esp.json")
    second = source_pull(source=source)
    assert (second.revised, second.unchanged) == (1, 10)
    revision = IndicatorRevision.objects.get()
    assert (revision.old_value, revision.new_value) == (142.7, 143.15)
    assert revision.old_import == first.data_import and revision.old_pulled_at == stored.pulled_at

    before = list(MarketIndicator.objects.order_by("pk").values())
    imports = DataImport.objects.count()
    assert source_pull(source=source).unchanged == 11
    replay.routes["/api/"] = Reply(b"<html>mantenimiento</html>", 200, "text/html")
    assert source_pull(source=source).failed
    assert list(MarketIndicator.objects.order_by("pk").values()) == before
    assert (DataImport.objects.count(), IndicatorRevision.objects.count()) == (imports, 1)
