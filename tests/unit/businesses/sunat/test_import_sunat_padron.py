"""``manage.py import_sunat_padron``: statuses and their revisions, ubigeo and name compared,
an unchanged file, bad lines and unreadable files."""

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from businesses.models import Business, SunatPadronRun, SunatRevision, SunatStatus
from tests.factories import BusinessFactory
from tests.sunat_padron import padron_line, random_lines, write_padron

MARCH, APRIL = "2025-03-01", "2025-04-01"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def test_statuses_revisions_and_an_unchanged_file(tmp_path, db, capsys):
    a, b = BusinessFactory(legal_name="Peña Cárdenas S.A.C."), BusinessFactory()
    others = list(random_lines(500, seed=2))
    march = write_padron(
        tmp_path / "marzo.zip",
        [
            padron_line(a.ruc, name="PEÑA CARDENAS SAC", status="BAJA DE OFICIO"),
            *others[:200],
            "20100000001|LINEA ROTA|ACTIVO",
            padron_line(b.ruc, name="OTRO NOMBRE S.A.", condition="NO HABIDO", ubigeo="150122"),
            *others[200:],
        ],
    )
    call_command("import_sunat_padron", str(march), "--date", MARCH)
    out = capsys.readouterr().out
    assert "line 203: 2 separators where the padrón has 15 fields" in out
    assert "504 lines read" in out and "2 businesses of the registry found" in out

    sa, sb = SunatStatus.objects.get(pk=a.pk), SunatStatus.objects.get(pk=b.pk)
    assert (sa.status, sa.status_since, sa.condition, sa.is_flagged) == (
        "BAJA DE OFICIO",
        dt.date(2025, 3, 1),
        "HABIDO",
        True,
    )
    assert not sa.legal_name_differs  # accents, case and punctuation aside, the same name
    assert (sb.legal_name_differs, sb.ubigeo_differs, sb.ubigeo) == (True, True, "150122")
    assert Business.objects.get(pk=b.pk).ubigeo == "150101"  # flagged, never overwritten
    run = SunatPadronRun.objects.get()
    assert (run.status, run.matched, run.bad_lines, run.problems[0]["line"]) == (
        "succeeded",
        2,
        1,
        203,
    )
    first = SunatRevision.objects.filter(business=a).values_list("field", "old", "new")
    assert sorted(first) == [("condition", "", "HABIDO"), ("status", "", "BAJA DE OFICIO")]

    # The same file again: nothing is read, nothing written.
    call_command("import_sunat_padron", str(march), "--date", APRIL)
    assert "already read; nothing to do" in capsys.readouterr().out
    assert (SunatPadronRun.objects.count(), SunatRevision.objects.count()) == (1, 4)

    # April: a is back to ACTIVO; b unchanged.
    april = write_padron(
        tmp_path / "abril.txt",
        [
            padron_line(a.ruc, name="PEÑA CARDENAS SAC"),
            padron_line(b.ruc, name="OTRO NOMBRE S.A.", condition="NO HABIDO", ubigeo="150122"),
        ],
    )
    call_command("import_sunat_padron", str(april), "--date", APRIL)
    assert "1 changed" in capsys.readouterr().out
    sa, sb = SunatStatus.objects.get(pk=a.pk), SunatStatus.objects.get(pk=b.pk)
    assert (sa.status, sa.status_since, sa.is_flagged) == ("ACTIVO", dt.date(2025, 4, 1), False)
    assert (sb.condition_since, sb.seen_on) == (dt.date(2025, 3, 1), dt.date(2025, 4, 1))
    change = SunatRevision.objects.get(business=a, seen_on=dt.date(2025, 4, 1))
    assert (change.field, change.old, change.new) == ("status", "BAJA DE OFICIO", "ACTIVO")
    assert change.sha256 == SunatPadronRun.objects.get(file_name="abril.txt").sha256


def test_an_empty_ubigeo_is_filled_from_sunat_and_kept_as_a_revision(tmp_path, db):
    a = BusinessFactory()
    Business.objects.filter(pk=a.pk).update(ubigeo="")
    path = write_padron(tmp_path / "p.txt", [padron_line(a.ruc, name=a.legal_name)])
    call_command("import_sunat_padron", str(path))
    assert Business.objects.get(pk=a.pk).ubigeo == "150101"
    assert SunatRevision.objects.filter(business=a, field="ubigeo", old="", new="150101").exists()
    assert not SunatStatus.objects.get(pk=a.pk).ubigeo_differs


@pytest.mark.parametrize("kind", ["truncated", "second member"])
def test_an_unreadable_zip_is_refused_and_the_run_failed(tmp_path, db, kind):
    BusinessFactory()
    path = write_padron(tmp_path / "p.zip", random_lines(3000))
    if kind == "truncated":
        path.write_bytes(path.read_bytes()[:-500])
        reason = "truncated or damaged"
    else:
        import zipfile

        with zipfile.ZipFile(path, "a") as z:
            z.writestr("otro.txt", "x")
        reason = "holds 2 files"
    with pytest.raises(CommandError, match=reason):
        call_command("import_sunat_padron", str(path))
    assert SunatStatus.objects.count() == 0
    assert SunatPadronRun.objects.filter(status="failed").count() == 1


def test_a_padron_in_utf8_by_mistake_is_read_and_said(tmp_path, db, capsys):
    a = BusinessFactory(legal_name="Peña S.A.C.")
    path = write_padron(
        tmp_path / "p.txt", [padron_line(a.ruc, name="PEÑA S.A.C.")], encoding="utf-8"
    )
    call_command("import_sunat_padron", str(path))
    assert "were in UTF-8" in capsys.readouterr().out
    status = SunatStatus.objects.get(pk=a.pk)
    assert (status.legal_name, status.legal_name_differs) == ("PEÑA S.A.C.", False)
