"""Importing market indicators: national, sector and regional series, upserted."""

import datetime as dt

import pytest
from django.utils import translation

from businesses.imports import data_import_run
from businesses.models import MarketIndicator
from tests.unit.businesses.files import write_csv


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def run(path, **kwargs):
    return data_import_run(kind="indicators", path=path, **kwargs)


def test_indicators_by_sector_region_or_national(tmp_path, db):
    path = write_csv(
        tmp_path,
        [
            ["periodo", "indicador", "valor", "ciiu", "ubigeo"],
            ["2019-01", "Índice de producción", "101,5", "C", ""],
            ["01/02/2019", "Índice de producción", "-2,25", "47", "150101"],
            ["2019-01", "Precio del cobre", "2.800,00", "", ""],
            ["2019-01", "Índice de producción", "99", "C", ""],
            ["2019-01", "Índice de producción", "99", "ZZ", "77"],
        ],
        encoding="latin-1",
    )
    report = run(path)
    assert (report.rows_created, report.rows_rejected) == (3, 2)
    assert MarketIndicator.objects.get(sector_id="C").value == 101.5
    regional = MarketIndicator.objects.get(region_id="15")
    assert (regional.sector_id, regional.period, regional.value) == (
        "47",
        dt.date(2019, 2, 1),
        -2.25,
    )
    national = MarketIndicator.objects.get(name="Precio del cobre")
    assert (national.sector_id, national.region_id, national.value) == (None, None, 2800.0)
    lines = sorted({p["line"] for p in report.problems})
    assert lines == [5, 6]
    assert "Duplicate of line 2" in report.problems[0]["reason"]


def test_reimport_unchanged_then_update(tmp_path, db):
    rows = [["period", "name", "value"], ["2019-01", "IPC", "100.5"]]
    assert run(write_csv(tmp_path, rows, delimiter=",")).rows_created == 1
    assert run(write_csv(tmp_path, rows, delimiter=",")).rows_unchanged == 1
    rows[1][2] = "100.7"
    assert run(write_csv(tmp_path, rows, delimiter=",")).rows_updated == 1
    assert MarketIndicator.objects.get().value == 100.7
