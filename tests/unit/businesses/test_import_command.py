"""``manage.py import_data``: imports, dry runs, and a non-zero exit for unreadable files."""

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from businesses.models import DataImport, MonthlyRecord
from tests.factories import BusinessFactory


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def test_import_then_dry_run_then_refusal(tmp_path, db, capsys):
    a = BusinessFactory()
    path = tmp_path / "ventas.csv"
    path.write_bytes(f"ruc;periodo;ventas\n{a.ruc};2019-01;10,5\n{a.ruc};2030-01;1\n".encode())

    call_command("import_data", "monthly", str(path))
    out = capsys.readouterr().out
    assert "line 3, periodo “2030-01”: Period 2030-01 is in the future." in out
    assert out.strip().splitlines()[-1].endswith("1 created, 0 updated, 0 unchanged; 1 rejected.")
    assert MonthlyRecord.objects.count() == 1

    call_command("import_data", "monthly", str(path), "--dry-run")
    assert "Dry run" in capsys.readouterr().out
    assert DataImport.objects.count() == 1

    broken = tmp_path / "cut.xlsx"
    broken.write_bytes(b"x")
    with pytest.raises(CommandError, match="nothing changed"):
        call_command("import_data", "monthly", str(broken))
    assert (MonthlyRecord.objects.count(), DataImport.objects.count()) == (1, 1)
