"""File-level safety: zip bombs, encodings, separators, CSV export without formula injection."""

import zipfile

import pytest
from django.utils import translation

from businesses.imports import ImportRefusedError
from businesses.imports.reading import file_inspect, table_open
from core.spreadsheets import csv_safe


def test_an_xlsx_declaring_an_absurd_size_is_refused_before_parsing(tmp_path):
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (20 * 1024 * 1024))
    with translation.override("en"), pytest.raises(ImportRefusedError, match="zip bomb"):
        file_inspect(path=path)
    with translation.override("es"), pytest.raises(ImportRefusedError, match="bomba zip"):
        file_inspect(path=path)


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [("utf-8", "utf-8-sig"), ("utf-8-sig", "utf-8-sig"), ("cp1252", "cp1252"),
     ("utf-16", "utf-16")],
)  # fmt: skip
def test_encodings_are_recognised(tmp_path, encoding, expected):
    path = tmp_path / "f.csv"
    path.write_bytes("ruc\tperíodo\tañadido “x”\n1\t2\t3\n".encode(encoding))
    facts = file_inspect(path=path)
    assert (facts.encoding, facts.delimiter) == (expected, "\t")
    table = table_open(path=path, facts=facts)
    assert table.header == ["ruc", "período", "añadido “x”"]
    assert list(table.rows) == [(2, ["1", "2", "3"])]


def test_bytes_that_are_not_cp1252_fall_back_to_latin1(tmp_path):
    path = tmp_path / "f.csv"
    path.write_bytes(b"a;b\n\x81\xe9;1\n")
    assert file_inspect(path=path).encoding == "latin-1"


@pytest.mark.parametrize(("header", "delimiter"), [("a;b;c", ";"), ("a,b,c", ","), ("a|b", "|")])
def test_separators_are_sniffed_from_the_header(tmp_path, header, delimiter):
    path = tmp_path / "f.csv"
    path.write_text(header + "\n")
    assert file_inspect(path=path).delimiter == delimiter


def test_quoted_cells_may_span_lines_and_keep_line_numbers(tmp_path):
    path = tmp_path / "f.csv"
    path.write_text('a;b\n"uno\ndos";1\nx;2\n')
    facts = file_inspect(path=path)
    assert list(table_open(path=path, facts=facts).rows) == [
        (2, ["uno\ndos", "1"]),
        (4, ["x", "2"]),
    ]


@pytest.mark.parametrize(
    ("value", "expected"),
    [("=1+1", "'=1+1"), ("+51", "'+51"), ("-3", "'-3"), ("@SUM", "'@SUM"), ("\tx", "'\tx"),
     ("\rx", "'\rx"), ("normal", "normal"), (12, "12"), (None, "")],
)  # fmt: skip
def test_csv_cells_cannot_become_formulas(value, expected):
    assert csv_safe(value) == expected
