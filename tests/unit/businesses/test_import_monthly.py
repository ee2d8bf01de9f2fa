"""Importing monthly records: Peruvian CSVs and xlsx, rejected rows, upserts, atomicity."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation

from businesses.imports import ImportRefusedError, data_import_run
from businesses.models import Business, DataImport, MonthlyRecord, SizeClass
from tests.factories import BusinessFactory, MonthlyRecordFactory
from tests.unit.businesses.files import write_csv, write_xlsx

SPANISH = ["ruc", "periodo", "ventas", "costos", "empleados", "satisfaccion_cliente"]
ENGLISH = ["RUC", "Period", "Sales", "Costs", "Employees", "Customer satisfaction"]


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def two(db):
    return BusinessFactory(), BusinessFactory()


def run(path, **kwargs):
    return data_import_run(kind="monthly", path=path, **kwargs)


def counts():
    return MonthlyRecord.objects.count(), DataImport.objects.count()


def test_latin1_semicolons_decimal_commas_land_the_good_rows_and_explain_the_rest(tmp_path, two):
    a, b = two
    path = write_csv(
        tmp_path,
        [
            ["ruc", "período", "ventas", "costos", "empleados", "satisfacción_cliente"],
            [a.ruc, "2019-01", "1.234,50", "800,00", "3", "alta"],
            [b.ruc, "2019-02", "2.000,00", "", "", ""],
            ["12345678901", "2019-01", "10,00", "", "", ""],
            [a.ruc, "2030-01", "5,00", "", "", ""],
            [b.ruc, "2019-03", "-7,00", "", "", ""],
        ],
        encoding="latin-1",
    )
    report = run(path)

    assert (report.rows_read, report.rows_created, report.rows_rejected) == (5, 2, 3)
    first = MonthlyRecord.objects.get(business=a)
    assert (first.period, first.sales, first.costs) == (
        dt.date(2019, 1, 1), Decimal("1234.50"), Decimal("800.00"),
    )  # fmt: skip
    assert (first.employees, first.satisfaction) == (3, "high")
    second = MonthlyRecord.objects.get(business=b)
    assert (second.sales, second.costs, second.employees, second.satisfaction) == (
        Decimal("2000.00"), None, None, "",
    )  # fmt: skip
    problems = {p["line"]: p for p in report.problems}
    assert problems[4]["field"] == "ruc" and problems[4]["value"] == "12345678901"
    assert "RUC" in problems[4]["reason"]
    assert problems[5]["field"] == "período" and "future" in problems[5]["reason"]
    assert problems[6]["field"] == "ventas" and problems[6]["value"] == "-7,00"
    assert "negative" in problems[6]["reason"]

    data_import = report.data_import
    data_import.refresh_from_db()
    assert data_import.status == DataImport.Status.SUCCEEDED
    assert (data_import.rows_read, data_import.rows_created, data_import.rows_rejected) == (5, 2, 3)
    assert data_import.sha256 == report.sha256 and len(report.sha256) == 64
    assert data_import.file_name == "datos.csv"
    assert [p["line"] for p in data_import.rejected_rows] == [4, 5, 6]
    assert data_import.parameters["encoding"] == "cp1252"
    assert first.source_import_id == data_import.pk == data_import.data_version


def test_utf8_bom_commas_english_headers_and_dates_as_periods(tmp_path, two):
    a, b = two
    path = write_csv(
        tmp_path,
        [
            ENGLISH,
            [a.ruc, "15/03/2019", '"1,234.50"', "1000", "2", "medium"],
            [b.ruc, "04/2019", "99.9", "", "", "1"],
        ],
        delimiter=",",
        encoding="utf-8-sig",
    )
    report = run(path)
    assert (report.rows_created, report.rows_rejected) == (2, 0), report.problems
    assert MonthlyRecord.objects.get(business=a).sales == Decimal("1234.50")
    record = MonthlyRecord.objects.get(business=b)
    assert (record.period, record.sales, record.satisfaction) == (
        dt.date(2019, 4, 1), Decimal("99.90"), "low",
    )  # fmt: skip


def test_reimporting_the_same_file_changes_nothing(tmp_path, two):
    a, b = two
    rows = [SPANISH, [a.ruc, "2019-01", "100,00", "", "", ""], [b.ruc, "2019-01", "5", "", "", ""]]
    path = write_csv(tmp_path, rows)
    first = run(path)
    assert (first.rows_created, first.rows_unchanged) == (2, 0)
    stored = list(MonthlyRecord.objects.values_list("pk", "sales", "source_import_id"))

    again = run(path)
    assert (again.rows_created, again.rows_updated, again.rows_unchanged) == (0, 0, 2)
    assert list(MonthlyRecord.objects.values_list("pk", "sales", "source_import_id")) == stored
    assert any("imported before" in w for w in again.warnings)
    assert again.data_import.rows_unchanged == 2


def test_a_different_value_updates_the_month(tmp_path, two):
    a, _b = two
    record = MonthlyRecordFactory(business=a, period=dt.date(2019, 1, 1), sales=Decimal(100))
    path = write_csv(tmp_path, [SPANISH, [a.ruc, "2019-01", "150,00", "70", "4", "baja"]])
    report = run(path)
    assert (report.rows_created, report.rows_updated, report.rows_unchanged) == (0, 1, 0)
    record.refresh_from_db()
    assert (record.sales, record.costs, record.employees, record.satisfaction) == (
        Decimal("150.00"), Decimal("70.00"), 4, "low",
    )  # fmt: skip
    assert record.source_import_id == report.data_import.pk


def test_a_column_absent_from_the_file_keeps_the_stored_values(tmp_path, two):
    a, _b = two
    record = MonthlyRecordFactory(
        business=a, period=dt.date(2019, 1, 1), sales=Decimal(100), costs=Decimal(60)
    )
    report = run(write_csv(tmp_path, [["ruc", "periodo", "ventas"], [a.ruc, "2019-01", "120"]]))
    assert report.rows_updated == 1
    record.refresh_from_db()
    assert (record.sales, record.costs, record.satisfaction) == (
        Decimal(120),
        Decimal(60),
        "medium",
    )


def test_a_duplicate_key_rejects_the_later_row(tmp_path, two):
    a, _b = two
    path = write_csv(
        tmp_path,
        [SPANISH, [a.ruc, "2019-01", "1", "", "", ""], [a.ruc, "01/2019", "2", "", "", ""]],
    )
    report = run(path)
    assert (report.rows_created, report.rows_rejected) == (1, 1)
    assert report.problems == [
        {"line": 3, "field": "periodo", "value": "2019-01",
         "reason": "Duplicate of line 2 (same RUC and period)."}
    ]  # fmt: skip
    assert MonthlyRecord.objects.get().sales == 1


def test_an_unknown_business_is_rejected_by_ruc(tmp_path, two):
    from tests.factories import valid_ruc

    stranger = valid_ruc(99_999_999)
    report = run(write_csv(tmp_path, [SPANISH, [stranger, "2019-01", "1", "", "", ""]]))
    assert report.rows_rejected == 1
    assert report.problems[0]["field"] == "ruc"
    assert report.problems[0]["reason"] == (
        f"No business with RUC {stranger}: import the business first."
    )


def test_every_bad_cell_of_a_row_is_reported(tmp_path, two):
    a, _b = two
    report = run(write_csv(tmp_path, [SPANISH, [a.ruc, "mayo", "abc", "1", "-2", "regular"]]))
    assert report.rows_rejected == 1
    assert {p["field"] for p in report.problems} == {
        "periodo", "ventas", "empleados", "satisfaccion_cliente",
    }  # fmt: skip


def test_a_row_with_the_wrong_number_of_columns_is_rejected(tmp_path, two):
    a, b = two
    path = write_csv(
        tmp_path,
        [SPANISH, [a.ruc, "2019-01", "1", "", "", ""], [b.ruc, "2019-01", "1", "", "", "", "x"]],
    )
    report = run(path)
    assert (report.rows_created, report.rows_rejected) == (1, 1)
    assert report.problems[0]["line"] == 3
    assert report.problems[0]["reason"] == "Expected 6 columns, found 7."


def test_a_stray_separator_at_the_end_of_a_line_is_fine(tmp_path, two):
    a, _b = two
    report = run(write_csv(tmp_path, [SPANISH, [a.ruc, "2019-01", "1", "", "", "", ""]]))
    assert (report.rows_created, report.rows_rejected) == (1, 0)


def test_a_csv_cut_mid_row_rejects_that_row_and_lands_the_others(tmp_path, two):
    a, b = two
    full = write_csv(
        tmp_path,
        [SPANISH, [a.ruc, "2019-01", "1", "", "", ""], [b.ruc, "2019-01", "2", "3", "", ""]],
    )
    data = full.read_bytes()
    cut = tmp_path / "cut.csv"
    cut.write_bytes(data[: data.rindex(b";2;")])  # stops inside the last row
    report = run(cut)
    assert (report.rows_created, report.rows_rejected) == (1, 1)
    assert report.problems[0]["line"] == 3
    assert any("line break" in w for w in report.warnings)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x00\x01\x02garbage\xff" * 50, "binary"),
        (b"nombre;monto\nx;1\n", "Required columns are missing"),
        (b"", "empty"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, ".xls"),
        ("ruc;periodo;ventas\n".encode("utf-16-le"), "binary"),  # UTF-16 without its BOM
    ],
)
def test_an_unreadable_file_changes_nothing(tmp_path, two, content, message):
    a, _b = two
    MonthlyRecordFactory(business=a)
    path = tmp_path / "datos.csv"
    path.write_bytes(content)
    before = counts()
    with pytest.raises(ImportRefusedError, match=message):
        run(path)
    assert counts() == before


def test_a_truncated_xlsx_is_refused_and_nothing_lands(tmp_path, two):
    a, _b = two
    good = write_xlsx(tmp_path, [SPANISH, [a.ruc, "2019-01", 10, None, None, None]])
    data = good.read_bytes()
    for name, cut in [("half.xlsx", data[: len(data) // 2]), ("cut.xlsx", b"x")]:
        path = tmp_path / name
        path.write_bytes(cut)
        before = counts()
        with pytest.raises(ImportRefusedError, match="xlsx"):
            run(path)
        assert counts() == before


def test_a_good_xlsx_with_numbers_and_date_cells(tmp_path, two):
    a, b = two
    path = write_xlsx(
        tmp_path,
        [
            ENGLISH,
            [int(a.ruc), dt.datetime(2019, 5, 1), 1234.5, 800, 3, "Alta"],
            [b.ruc, "2019-06", "1.000,00", None, None, None],
            [None, None, None, None, None, None],
            [b.ruc, "2019-07", 50],  # a row that stops at its last filled cell
        ],
        sheets=2,
    )
    report = run(path)
    assert (report.rows_read, report.rows_created, report.rows_rejected) == (3, 3, 0), (
        report.problems
    )
    record = MonthlyRecord.objects.get(business=a)
    assert (record.period, record.sales, record.costs, record.satisfaction) == (
        dt.date(2019, 5, 1), Decimal("1234.50"), Decimal("800.00"), "high",
    )  # fmt: skip
    assert MonthlyRecord.objects.get(business=b, period=dt.date(2019, 6, 1)).sales == 1000
    assert report.parameters["format"] == "xlsx"
    assert any("first sheet" in w for w in report.warnings)


def test_a_dry_run_reports_and_writes_nothing(tmp_path, two):
    a, b = two
    MonthlyRecordFactory(business=a, period=dt.date(2019, 1, 1), sales=Decimal(5))
    path = write_csv(
        tmp_path,
        [SPANISH, [a.ruc, "2019-01", "6", "", "", ""], [b.ruc, "2019-01", "6", "", "", ""]],
    )
    before = counts()
    report = run(path, dry_run=True)
    assert (report.rows_created, report.rows_updated, report.data_import) == (1, 1, None)
    assert counts() == before
    assert MonthlyRecord.objects.get(business=a).sales == 5


def test_queries_do_not_grow_with_rows(tmp_path, db, django_assert_max_num_queries):
    businesses = [BusinessFactory() for _ in range(30)]
    rows = [SPANISH] + [
        [b.ruc, f"2018-{m:02d}", "100", "50", "2", "media"]
        for b in businesses
        for m in range(1, 13)
    ]
    path = write_csv(tmp_path, rows)
    with django_assert_max_num_queries(30):
        report = run(path)
    assert report.rows_created == 360
    with django_assert_max_num_queries(30):
        assert run(path).rows_unchanged == 360


def test_size_classes_of_touched_businesses_are_refreshed(tmp_path, two):
    a, _b = two
    assert Business.objects.get(pk=a.pk).size_class == SizeClass.UNKNOWN
    rows = [SPANISH] + [[a.ruc, f"2023-{m:02d}", "10.000,00", "", "", ""] for m in range(1, 13)]
    run(write_csv(tmp_path, rows))
    assert Business.objects.get(pk=a.pk).size_class == SizeClass.MICRO


def test_a_file_over_the_size_limit_is_refused(tmp_path, two, settings):
    settings.IMPORT_MAX_FILE_BYTES = 100
    path = write_csv(tmp_path, [SPANISH] + [[two[0].ruc, "2019-01", "1", "", "", ""]] * 10)
    with pytest.raises(ImportRefusedError, match="larger than"):
        run(path)


def test_a_file_that_breaks_after_rows_were_written_rolls_everything_back(
    tmp_path, two, monkeypatch
):
    from businesses.imports.importers import MonthlyImporter

    monkeypatch.setattr(MonthlyImporter, "chunk_size", 2)  # rows are written before the break
    a, b = two
    rows = [SPANISH] + [[a.ruc, f"2018-{m:02d}", "1", "", "", ""] for m in range(1, 7)]
    path = write_csv(tmp_path, rows)
    with path.open("a") as out:
        out.write(f'{b.ruc};2019-01;"{"9" * 200_000}";;;\n')  # over the csv module's field limit
    before = counts()
    with pytest.raises(ImportRefusedError, match="cannot be read after line 7"):
        run(path)
    assert counts() == before
