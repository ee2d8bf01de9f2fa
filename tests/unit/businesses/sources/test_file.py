"""A provider that publishes a CSV or xlsx at a fixed URL is configuration, not code: the
stewardship importer's column rules apply, and a file with a rejected row changes nothing."""

import datetime as dt

import pytest
from django.utils import translation

from businesses.models import DataImport, DataSource, IndicatorRevision, MarketIndicator
from businesses.sources.services import source_pull
from tests.replay import Reply
from tests.unit.businesses.files import write_csv, write_xlsx

ROWS = [
    ["Periodo", "Indicador", "Valor", "CIIU", "Ubigeo"],
    ["01/2024", "Índice de ventas INEI", "101,5", "47", "150101"],
    ["02/2024", "Índice de ventas INEI", "103,25", "47", "150101"],
    ["2024-01", "Precio del cobre", "1.234,50", "", ""],
]


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def file_source(server, path: str) -> DataSource:
    return DataSource.objects.create(
        name="INEI ventas",
        provider="Proveedor de prueba",
        kind=DataSource.Kind.HTTPS_FILE,
        url=server.url(path),
        enabled=True,
    )


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_file_source_lands_with_provenance(replay, db, tmp_path, kind):
    if kind == "csv":
        path = write_csv(tmp_path, ROWS, encoding="cp1252")
    else:
        path = write_xlsx(tmp_path, ROWS)
    replay.routes["/pub/"] = Reply(path.read_bytes(), content_type="application/octet-stream")
    source = file_source(replay, f"/pub/indicadores.{kind}")
    report = source_pull(source=source)
    assert not report.failed, report.message
    assert (report.values_read, report.created) == (3, 3)
    sales = MarketIndicator.objects.get(name="Índice de ventas INEI", period=dt.date(2024, 2, 1))
    assert (sales.sector_id, sales.region_id, sales.value) == ("47", "15", 103.25)
    assert sales.source == source and sales.source_import == report.data_import
    assert report.data_import.parameters["format"] == kind
    assert MarketIndicator.objects.get(name="Precio del cobre").value == 1234.5
    # The same file again: nothing changes.
    before = list(MarketIndicator.objects.order_by("pk").values())
    again = source_pull(source=source)
    assert (again.unchanged, again.data_import) == (3, None)
    assert list(MarketIndicator.objects.order_by("pk").values()) == before


def test_file_with_a_rejected_row_changes_nothing(replay, db, tmp_path):
    path = write_csv(tmp_path, [*ROWS, ["13/2024", "Precio del cobre", "1", "", ""]])
    replay.routes["/pub/"] = Reply(path.read_bytes(), content_type="text/csv")
    source = file_source(replay, "/pub/indicadores.csv")
    report = source_pull(source=source)
    assert report.failed
    assert "1 of 4 rows were rejected" in report.message and "line 5" in report.message
    assert not MarketIndicator.objects.exists() and not DataImport.objects.exists()


def test_file_missing_required_columns_is_refused(replay, db, tmp_path):
    path = write_csv(tmp_path, [["Periodo", "Valor"], ["2024-01", "1"]])
    replay.routes["/pub/"] = Reply(path.read_bytes(), content_type="text/csv")
    report = source_pull(source=file_source(replay, "/pub/x.csv"))
    assert report.failed and "Required columns are missing" in report.message


def test_revised_file_value_keeps_the_old_one(replay, db, tmp_path):
    replay.routes["/pub/"] = Reply(write_csv(tmp_path, ROWS).read_bytes(), content_type="text/csv")
    source = file_source(replay, "/pub/indicadores.csv")
    source_pull(source=source)
    revised = [row[:] for row in ROWS]
    revised[1][2] = "101,9"
    replay.routes["/pub/"] = Reply(write_csv(tmp_path, revised, name="v2.csv").read_bytes())
    report = source_pull(source=source)
    assert (report.revised, report.unchanged) == (1, 2)
    revision = IndicatorRevision.objects.get()
    assert (revision.old_value, revision.new_value, revision.source) == (101.5, 101.9, source)


def test_damaged_xlsx_is_refused(replay, db, tmp_path):
    data = write_xlsx(tmp_path, ROWS).read_bytes()
    replay.routes["/pub/"] = Reply(data[: len(data) // 2])
    report = source_pull(source=file_source(replay, "/pub/indicadores.xlsx"))
    assert report.failed and "not a readable xlsx workbook" in report.message
    assert not MarketIndicator.objects.exists()
