"""Pulling a BCRPData source from the local replay server: rows land with their provenance,
revisions are kept, a failed or malformed pull changes nothing and says why, a second identical
pull changes nothing."""

import datetime as dt

import pytest
from django.utils import translation

from businesses.models import DataImport, DataSource, IndicatorRevision, MarketIndicator
from businesses.sources.services import source_pull
from tests.replay import Reply
from tests.unit.businesses.sources.support import bcrp_reply, bcrp_source


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def snapshot():
    """Everything a pull may write, to prove that one changed nothing."""
    return (
        list(MarketIndicator.objects.order_by("pk").values()),
        list(IndicatorRevision.objects.order_by("pk").values()),
        list(DataImport.objects.order_by("pk").values_list("pk", "status")),
    )


def test_pull_stores_values_with_their_provenance(replay, db):
    replay.routes["/api/"] = bcrp_reply("two_series_esp.json")
    source = bcrp_source(replay)
    report = source_pull(source=source)
    assert not report.failed, report.message
    assert (report.values_read, report.created, report.missing) == (11, 11, 1)
    assert replay.requests[0].startswith("/api/PN01755AM-PN01762AM/json/2024-1/")
    assert replay.requests[0].endswith("/esp")
    agro = MarketIndicator.objects.get(sector_id="01", period=dt.date(2024, 3, 1))
    assert (agro.name, agro.region_id, agro.value) == ("bcrp_sector_production_index", None, 142.7)
    assert agro.source == source and agro.pulled_at is not None
    assert agro.source_import == report.data_import
    assert report.data_import.source == source
    assert report.data_import.status == DataImport.Status.SUCCEEDED
    manu = MarketIndicator.objects.filter(sector_id="C", region_id="15")
    assert manu.count() == 6
    # n.d. is "no data", not a zero
    assert not MarketIndicator.objects.filter(sector_id="01", period=dt.date(2024, 6, 1)).exists()
    source.refresh_from_db()
    assert source.last_pull_status == DataSource.PullStatus.SUCCEEDED
    assert source.last_success_at is not None and source.consecutive_failures == 0
    assert source.period_end == dt.date(2024, 6, 1)
    assert source.last_pull_counts["created"] == 11


def test_second_identical_pull_changes_nothing(replay, db):
    replay.routes["/api/"] = bcrp_reply("two_series_esp.json")
    source = bcrp_source(replay)
    source_pull(source=source)
    before = snapshot()
    again = source_pull(source=source)
    assert (again.created, again.revised, again.unchanged) == (0, 0, 11)
    assert again.data_import is None  # no new data version either
    assert snapshot() == before


def test_english_answer_of_the_same_data_changes_nothing(replay, db):
    replay.routes["/api/"] = bcrp_reply("two_series_esp.json")
    source = bcrp_source(replay)
    source_pull(source=source)
    before = snapshot()
    replay.routes["/api/"] = bcrp_reply("two_series_ing.json")
    source.language = "ing"
    source.save()
    assert source_pull(source=source).unchanged == 11
    assert replay.requests[-1].endswith("/ing")
    assert snapshot() == before


def test_revised_value_keeps_the_old_one(replay, db, steward):
    replay.routes["/api/"] = bcrp_reply("two_series_esp.json")
    source = bcrp_source(replay)
    first = source_pull(source=source)
    replay.routes["/api/"] = bcrp_reply("two_series_revised_esp.json")
    second = source_pull(source=source, user=steward)
    assert (second.created, second.revised, second.unchanged) == (0, 1, 10)
    march = MarketIndicator.objects.get(sector_id="01", period=dt.date(2024, 3, 1))
    assert march.value == 143.15 and march.source_import == second.data_import
    revision = IndicatorRevision.objects.get()
    assert (revision.indicator, revision.old_value, revision.new_value) == (march, 142.7, 143.15)
    assert revision.old_import == first.data_import
    assert revision.new_import == second.data_import
    assert revision.source == source and revision.old_source == source
    assert revision.revised_by == steward and revision.revised_at is not None
    # Pulling the revised answer again adds no second revision.
    assert source_pull(source=source).revised == 0
    assert IndicatorRevision.objects.count() == 1


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        (bcrp_reply("bad_label.json"), "the period “Trim1.2024” is not a month label"),
        (bcrp_reply("bad_value.json"), "Series PN01755AM, period Feb.2024"),
        (Reply(b"<html><body>Servicio no disponible</body></html>", 200, "text/html"),
         "the answer is not JSON (it begins “<html>"),
        (Reply(b"<html>error</html>", 503, "text/html"), "answered HTTP 503"),
        (Reply((b'{"config": {"series": [{}, {}]}, "periods": [' + b"1" * 500), truncate_to=40),
         "cut short"),
        (Reply(b"{}", delay=2.5), "No answer from 127.0.0.1 within 1 seconds"),
    ],
)  # fmt: skip
def test_failed_or_malformed_pull_changes_nothing_and_says_why(replay, db, reply, reason):
    replay.routes["/api/"] = bcrp_reply("two_series_esp.json")
    source = bcrp_source(replay)
    source_pull(source=source)
    before = snapshot()
    replay.routes["/api/"] = reply
    report = source_pull(source=source)
    assert report.failed
    assert reason in report.message
    assert snapshot() == before
    source.refresh_from_db()
    assert source.last_pull_status == DataSource.PullStatus.FAILED
    assert reason in source.last_failure_reason
    assert source.consecutive_failures == 1
    assert source.last_success_at is not None  # the earlier success stays visible


def test_oversized_answer_is_refused(replay, db, sources_settings):
    sources_settings.MARKET_SOURCES_MAX_BYTES = 1000
    replay.routes["/api/"] = Reply(b'{"config": {}, "periods": []}' + b" " * 5000)
    report = source_pull(source=bcrp_source(replay))
    assert report.failed and "larger than the" in report.message
    assert not MarketIndicator.objects.exists()


def test_pull_is_atomic_across_requests(replay, db):
    """Eleven codes need two requests: when the second fails, the first's values are not kept."""
    source = bcrp_source(replay)
    from businesses.models import SourceSeries

    for n in range(9):
        SourceSeries.objects.create(source=source, code=f"PN0900{n}AM", indicator=f"extra_{n}")
    replay.routes["/api/"] = Reply(b"{}")  # never reached: the longer prefixes below win
    first_codes = "-".join(sorted(["PN01755AM", "PN01762AM", *(f"PN0900{n}AM" for n in range(8))]))
    values = ", ".join(['"1.5"'] * 10)
    series = ", ".join(['{"name": "s"}'] * 10)
    replay.routes[f"/api/{first_codes}/"] = Reply(
        f'{{"config": {{"series": [{series}]}}, "periods": [{{"name": "Ene.2024", '
        f'"values": [{values}]}}]}}'.encode()
    )
    replay.routes["/api/PN09008AM/"] = bcrp_reply("bad_label.json")
    report = source_pull(source=source)
    assert report.failed and len(replay.requests) == 2
    assert "asked for but the answer describes" in report.message
    assert not MarketIndicator.objects.exists() and not DataImport.objects.exists()


def test_a_store_error_rolls_back_everything(replay, db, monkeypatch):
    """An error while writing (after some rows were written) leaves nothing behind."""
    from django.db import DatabaseError

    from businesses.imports import importers

    replay.routes["/api/"] = bcrp_reply("two_series_esp.json")
    source = bcrp_source(replay)
    real_flush = importers.IndicatorImporter.flush

    def flush_then_fail(self, rows):
        real_flush(self, rows)
        assert MarketIndicator.objects.count() == 11  # written inside the transaction...
        raise DatabaseError("disk full (simulated)")

    monkeypatch.setattr(importers.IndicatorImporter, "flush", flush_then_fail)
    report = source_pull(source=source)
    assert report.failed and "disk full" in report.message
    assert not MarketIndicator.objects.exists()  # ...and rolled back
    assert not DataImport.objects.exists()


def test_dry_run_counts_and_writes_nothing(replay, db):
    replay.routes["/api/"] = bcrp_reply("two_series_esp.json")
    source = bcrp_source(replay)
    report = source_pull(source=source, dry_run=True)
    assert (report.created, report.failed) == (11, False)
    assert not MarketIndicator.objects.exists()
    source.refresh_from_db()
    assert source.last_pull_status == DataSource.PullStatus.NEVER


def test_source_without_series_fails_clearly(replay, db):
    source = bcrp_source(replay)
    source.series.all().delete()
    report = source_pull(source=source)
    assert report.failed and "No series are mapped" in report.message
    assert replay.requests == []


def test_manual_import_of_a_changed_value_keeps_a_revision(replay, db, tmp_path, steward):
    from businesses.imports import data_import_run
    from tests.unit.businesses.files import write_csv

    replay.routes["/api/"] = bcrp_reply("two_series_esp.json")
    source_pull(source=bcrp_source(replay))
    path = write_csv(
        tmp_path,
        [["periodo", "indicador", "valor", "ciiu"], ["2024-01", "bcrp_sector_production_index",
                                                     "121,00", "01"]],
    )  # fmt: skip
    report = data_import_run(kind="indicators", path=path, user=steward)
    assert report.rows_updated == 1
    value = MarketIndicator.objects.get(sector_id="01", period=dt.date(2024, 1, 1))
    assert (value.value, value.source, value.pulled_at) == (121.0, None, None)
    revision = IndicatorRevision.objects.get()
    assert (revision.old_value, revision.revised_by, revision.source) == (120.51, steward, None)
    assert revision.old_source is not None


def test_values_as_known_at_any_moment_are_rebuilt(replay, db):
    from django.utils import timezone

    from businesses.sources.selectors import indicator_values_known_at

    replay.routes["/api/"] = bcrp_reply("two_series_esp.json")
    source = bcrp_source(replay)
    before = timezone.now()
    source_pull(source=source)
    between = timezone.now()
    replay.routes["/api/"] = bcrp_reply("two_series_revised_esp.json")
    source_pull(source=source)
    after = timezone.now()

    def march_agro(at):
        return [
            v for s, r, p, n, v in indicator_values_known_at(at)
            if (s, p) == ("01", dt.date(2024, 3, 1))
        ]  # fmt: skip

    assert indicator_values_known_at(before) == []
    assert march_agro(between) == [142.7]
    assert march_agro(after) == [143.15]
    assert len(indicator_values_known_at(after)) == 11


def test_two_series_feeding_the_same_indicator_are_refused(replay, db):
    from businesses.models import SourceSeries

    source = bcrp_source(replay)
    SourceSeries.objects.create(
        source=source, code="PN01770AM", indicator="bcrp_sector_production_index", sector_id="01"
    )
    report = source_pull(source=source)
    assert report.failed and "PN01755AM and PN01770AM both feed" in report.message
    assert replay.requests == []


def test_a_series_names_its_source_and_last_month(replay, db):
    from businesses.sources.selectors import indicator_provenance

    replay.routes["/api/"] = bcrp_reply("two_series_esp.json")
    source = bcrp_source(replay)
    report = source_pull(source=source)
    manu = indicator_provenance(name="bcrp_sector_production_index", sector="C", region="15")
    assert (manu["source"], manu["last_period"]) == ("BCRP prueba", dt.date(2024, 6, 1))
    assert manu["received_at"] is not None and manu["data_version"] == report.data_import.pk
    agro = indicator_provenance(name="bcrp_sector_production_index", sector="01", region="15")
    assert agro["last_period"] == dt.date(2024, 5, 1)  # national series; June is n.d.
    assert indicator_provenance(name="nada", sector="01", region=None) is None
