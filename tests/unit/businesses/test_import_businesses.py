"""Importing businesses: upserts on RUC, CIIU divisions, ubigeo → region."""

import datetime as dt

import pytest
from django.utils import translation

from businesses.imports import ImportRefusedError, data_import_run
from businesses.models import Business, Source
from tests.factories import BusinessFactory, valid_ruc
from tests.unit.businesses.files import write_csv, write_xlsx

HEADER = ["RUC", "Razón social", "CIIU", "Ubigeo", "Fecha inicio", "Empleados",
          "Nombre comercial", "Liderada por mujer", "Vende en línea"]  # fmt: skip


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def run(path, **kwargs):
    return data_import_run(kind="businesses", path=path, **kwargs)


def test_new_businesses_land_with_their_region(tmp_path, db):
    ruc1, ruc2 = valid_ruc(1, "20"), valid_ruc(2, "10")
    path = write_csv(
        tmp_path,
        [
            HEADER,
            [ruc1, "Panificadora Sol S.A.C.", "1071", "40101", "05/04/2018", "4", "Pan Sol",
             "sí", "no"],
            [ruc2, "Textiles Ana", "13", "150101", "2015-01-20", "", "", "", "x"],
        ],
        encoding="cp1252",
    )  # fmt: skip
    report = run(path)
    assert (report.rows_created, report.rows_rejected) == (2, 0), report.problems
    bakery = Business.objects.get(ruc=ruc1)
    assert (bakery.sector_id, bakery.ubigeo, bakery.region_id) == ("10", "040101", "04")
    assert (bakery.founded, bakery.employees, bakery.trade_name) == (
        dt.date(2018, 4, 5),
        4,
        "Pan Sol",
    )
    assert (bakery.women_led, bakery.sells_online) == (True, False)
    assert (bakery.source, bakery.source_import_id) == (Source.IMPORT, report.data_import.pk)
    textiles = Business.objects.get(ruc=ruc2)
    assert (textiles.employees, textiles.women_led, textiles.sells_online) == (None, False, True)


def test_reimport_is_unchanged_and_a_change_updates(tmp_path, db):
    ruc = valid_ruc(3)
    rows = [["ruc", "name", "sector_code", "ubigeo"], [ruc, "Bodega Uno", "47", "150101"]]
    assert run(write_csv(tmp_path, rows, delimiter=",")).rows_created == 1
    assert run(write_csv(tmp_path, rows, delimiter=",")).rows_unchanged == 1
    rows[1][3] = "080101"
    report = run(write_csv(tmp_path, rows, delimiter=","))
    assert report.rows_updated == 1
    business = Business.objects.get(ruc=ruc)
    assert (business.ubigeo, business.region_id) == ("080101", "08")


def test_empty_optional_cells_keep_what_is_stored(tmp_path, db):
    stored = BusinessFactory(employees=7, founded=dt.date(2010, 1, 1), women_led=True)
    rows = [HEADER, [stored.ruc, stored.legal_name, "47", stored.ubigeo, "", "", "", "", ""]]
    report = run(write_csv(tmp_path, rows))
    assert report.rows_unchanged == 1
    stored.refresh_from_db()
    assert (stored.employees, stored.founded, stored.women_led) == (7, dt.date(2010, 1, 1), True)


def test_bad_rows_are_rejected_with_their_reasons(tmp_path, db):
    good = valid_ruc(4)
    path = write_csv(
        tmp_path,
        [
            ["ruc", "razon_social", "ciiu", "ubigeo", "fecha_inicio"],
            [good, "Buena", "47", "150101", ""],
            ["20000000000", "Mal RUC", "47", "150101", ""],
            [valid_ruc(5), "Sección", "G", "150101", ""],
            [valid_ruc(6), "Ubigeo", "47", "990101", ""],
            [valid_ruc(7), "", "47", "150101", ""],
            [valid_ruc(8), "Futuro", "47", "150101", "01/01/2999"],
            [good, "Repetida", "47", "150101", ""],
        ],
    )
    report = run(path)
    assert (report.rows_created, report.rows_rejected) == (1, 6)
    by_line = {p["line"]: (p["field"], p["value"]) for p in report.problems}
    assert by_line == {
        3: ("ruc", "20000000000"),
        4: ("ciiu", "G"),
        5: ("ubigeo", "990101"),
        6: ("razon_social", ""),
        7: ("fecha_inicio", "01/01/2999"),
        8: ("ruc", good),
    }
    assert report.problems[-1]["reason"] == "Duplicate of line 2 (same RUC)."


def test_xlsx_businesses(tmp_path, db):
    ruc = valid_ruc(9)
    path = write_xlsx(
        tmp_path,
        [["ruc", "name", "sector_code", "ubigeo", "founded_on"],
         [int(ruc), "Ferretería Norte", 47, 130101, dt.datetime(2012, 6, 1)]],
    )  # fmt: skip
    report = run(path)
    assert report.rows_created == 1, report.problems
    assert Business.objects.get(ruc=ruc).founded == dt.date(2012, 6, 1)


def test_two_columns_with_the_same_meaning_are_refused(tmp_path, db):
    path = write_csv(tmp_path, [["ruc", "name", "razon_social", "ciiu", "ubigeo"]])
    with pytest.raises(ImportRefusedError, match="both mean"):
        run(path)


def test_a_founding_month_without_its_day_is_read_as_the_first_day(tmp_path, db):
    rucs = [valid_ruc(n) for n in (71, 72, 73)]
    path = write_csv(
        tmp_path,
        [["ruc", "name", "sector_code", "ubigeo", "founded_on"],
         [rucs[0], "Bodega Enero", "47", "150101", "2019-01"],
         [rucs[1], "Bodega Junio", "47", "150101", "06/2012"],
         [rucs[2], "Bodega Nunca", "47", "150101", "mañana"]],
    )  # fmt: skip
    report = run(path)
    assert Business.objects.get(ruc=rucs[0]).founded == dt.date(2019, 1, 1)
    assert Business.objects.get(ruc=rucs[1]).founded == dt.date(2012, 6, 1)
    (problem,) = report.problems
    assert problem["field"] == "founded_on"
    assert "yyyy-mm when the day is not known" in problem["reason"]


def test_a_founding_month_is_remembered_as_a_month_and_exported_as_one(tmp_path, db):
    from businesses.exports import export_rows

    rucs = [valid_ruc(n) for n in (81, 82, 83)]
    path = write_csv(
        tmp_path,
        [["ruc", "name", "sector_code", "ubigeo", "founded_on"],
         [rucs[0], "Bodega Enero", "47", "150101", "2019-01"],
         [rucs[1], "Bodega Junio", "47", "150101", "06/2012"],
         [rucs[2], "Bodega Día", "47", "150101", "15/03/2018"]],
    )  # fmt: skip
    assert run(path).rows_created == 3
    stored = dict(Business.objects.values_list("ruc", "founded_precision"))
    assert [stored[r] for r in rucs] == ["month", "month", "day"]
    header, rows = export_rows(kind="businesses", user=None)
    founded = {row[0]: row[header.index("founded_on")] for row in rows}
    assert (founded[rucs[0]], founded[rucs[1]]) == ("2019-01", "2012-06")
    assert founded[rucs[2]] == dt.date(2018, 3, 15)
    # The day, learnt later, replaces the month.
    path = write_csv(
        tmp_path,
        [["ruc", "name", "sector_code", "ubigeo", "founded_on"],
         [rucs[0], "Bodega Enero", "47", "150101", "2019-01-20"],
         [rucs[1], "Bodega Junio", "47", "150101", "2012-06"]],
    )  # fmt: skip
    report = run(path)
    assert (report.rows_updated, report.rows_unchanged) == (1, 1)
    first = Business.objects.get(ruc=rucs[0])
    assert (first.founded, first.founded_precision) == (dt.date(2019, 1, 20), "day")


def test_the_summary_agrees_with_its_numbers(tmp_path, db):
    """No "1 rows read" nor "1 creadas": every count has its own singular and plural."""
    path = write_csv(
        tmp_path,
        [["ruc", "name", "sector_code", "ubigeo"], [valid_ruc(91), "Bodega Una", "47", "150101"]],
    )
    report = run(path, dry_run=True)
    assert "1 row read; 1 would be created, 0 would be updated, 0 unchanged; 0 rejected" in (
        report.summary()
    )
    report = run(path)
    assert "1 row read; 1 created, 0 updated, 0 unchanged; 0 rejected." in report.summary()
    with translation.override("es"):
        summary = report.summary()
    assert "1 fila leída; 1 creada, 0 actualizadas, 0 sin cambios; 0 rechazadas." in summary
