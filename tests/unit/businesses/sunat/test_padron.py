"""The padrón reducido parser (no database): quirks of the real file, malformed lines, and the
files that cannot be read."""

import zipfile

import pytest

from businesses.sunat.padron import (
    LineError,
    PadronFileError,
    PadronRow,
    ReadStats,
    padron_lines,
    padron_read,
)
from tests.sunat_padron import HEADER, padron_line, random_lines, write_padron

RUC = "20100070970"


def read(path, **kw):
    return list(padron_read(path, **kw))


def test_a_latin1_zip_with_the_quirks_of_the_real_file(tmp_path):
    lines = [
        padron_line(RUC, name="PEÑA CÁRDENAS S.A.C.", status="BAJA DE OFICIO"),
        # no ubigeo, no road: ``-`` placeholders
        "20100070971|NÚÑEZ E.I.R.L.|ACTIVO|NO HABIDO|-|-|-|-|-|-|-|-|-|-|-|",
        # a stray pipe inside the name, and another after the trailing separator
        "20100070972|ROJAS | HNOS S.A.|ACTIVO|HABIDO|040101|JR.|LIMA|-|-|5|-|-|-|-|-||",
        # no trailing separator at all
        "20100070973|QUISPE S.R.L.|SUSPENSION TEMPORAL|HABIDO|150101|-|-|-|-|-|-|-|-|-|-",
    ]
    rows = read(write_padron(tmp_path / "padron_reducido_ruc.zip", lines))
    assert all(isinstance(r, PadronRow) for r in rows), rows
    a, b, c, d = rows
    assert (a.line, a.ruc, a.name, a.status, a.condition, a.ubigeo) == (
        2,
        RUC,
        "PEÑA CÁRDENAS S.A.C.",
        "BAJA DE OFICIO",
        "HABIDO",
        "150101",
    )
    assert a.address() == "AV. LOS ÑANDÚES NRO. 123"
    assert (b.condition, b.ubigeo, b.road_type, b.address()) == ("NO HABIDO", "", "", "")
    assert (c.name, c.status, c.ubigeo, c.number) == ("ROJAS HNOS S.A.", "ACTIVO", "040101", "5")
    assert (d.status, d.kilometre) == ("SUSPENSION TEMPORAL", "")


def test_malformed_lines_are_reported_with_their_number_and_the_run_goes_on(tmp_path):
    lines = [
        padron_line(RUC, name="UNO S.A.C."),
        "20100000001|LINEA ROTA|ACTIVO",
        "2010000000X|LETRA EN EL RUC|ACTIVO|HABIDO|150101|-|-|-|-|-|-|-|-|-|-|",
        "20100000002|DOS | TRES | CUATRO|BASURA|123|X|-|-|-|-|-|-|-|-|-|-|-|",
        "",
        padron_line("20100070971", name="DOS S.A.C."),
    ]
    rows = read(write_padron(tmp_path / "p.txt", lines))
    errors = [r for r in rows if isinstance(r, LineError)]
    assert [(e.line, e.code) for e in errors] == [(3, "fields"), (4, "ruc"), (5, "fields")]
    assert errors[0].params == {"found": 2, "expected": 15}
    assert [r.ruc for r in rows if isinstance(r, PadronRow)] == [RUC, "20100070971"]


def test_only_the_wanted_rucs_are_parsed_but_broken_lines_are_still_reported(tmp_path):
    lines = list(random_lines(300, seed=1))
    lines.insert(100, "20100000001|LINEA ROTA|ACTIVO")
    wanted = {lines[5].split("|")[0].encode(), lines[250].split("|")[0].encode()}
    stats = ReadStats()
    rows = read(write_padron(tmp_path / "p.zip", lines), only=wanted, stats=stats)
    assert [(type(r).__name__, r.line) for r in rows] == [
        ("PadronRow", 7),
        ("LineError", 102),
        ("PadronRow", 252),
    ]
    assert (stats.lines, stats.header, stats.utf8_lines) == (302, True, 0)


def test_a_file_saved_in_utf8_by_mistake_reads_the_same_and_is_counted(tmp_path):
    lines = [padron_line(RUC, name="PEÑA CÁRDENAS S.A.C.")]
    stats = ReadStats()
    (row,) = read(write_padron(tmp_path / "p.txt", lines, encoding="utf-8"), stats=stats)
    assert row.name == "PEÑA CÁRDENAS S.A.C."
    assert row.road_name == "LOS ÑANDÚES"
    assert stats.utf8_lines == 1  # the header (line 1) is skipped before decoding


def test_a_truncated_zip_is_refused(tmp_path):
    whole = write_padron(tmp_path / "p.zip", random_lines(2000))
    cut = tmp_path / "cut.zip"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    with pytest.raises(PadronFileError) as refused:
        read(cut)
    assert refused.value.code == "truncated_zip"


def test_a_corrupted_member_stops_the_read_with_where(tmp_path):
    whole = write_padron(tmp_path / "p.zip", random_lines(5000, seed=4))
    data = bytearray(whole.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 64] = bytes(64)
    whole.write_bytes(bytes(data))
    with pytest.raises(PadronFileError) as refused:
        read(whole)
    assert refused.value.code == "broken_zip"
    assert refused.value.params["line"] >= 1  # read in 1 MB chunks: the line the chunk began at


def test_a_zip_with_a_second_member_is_refused(tmp_path):
    path = tmp_path / "p.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("padron_reducido_ruc.txt", HEADER + "\r\n")
        z.writestr("LEAME.txt", "otro")
    with pytest.raises(PadronFileError) as refused:
        read(path)
    assert (refused.value.code, refused.value.params["count"]) == ("members", 2)
    assert "LEAME.txt" in refused.value.params["names"]


def test_a_zip_name_that_is_not_a_zip_is_refused(tmp_path):
    path = tmp_path / "p.zip"
    path.write_bytes(b"RUC|NOMBRE\r\n")
    with pytest.raises(PadronFileError, match="not_zip"):
        list(padron_lines(path))


@pytest.mark.parametrize("chunk", [64, 1000, 1 << 20])
def test_the_block_read_gives_what_the_line_read_gives(tmp_path, monkeypatch, chunk):
    """padron_read with a set of RUCs reads block by block (whole-block checks, then only the
    wanted lines): the same rows, errors, line numbers and counts as the line-by-line read,
    wherever blocks begin and end, with blank, short, stray-pipe and repeated lines."""
    from businesses.sunat import padron as reader
    from tests.sunat_padron import pooled_lines

    wanted = [f"2090000{n:04d}" for n in range(40)]
    lines = list(pooled_lines(3000, seed=4, rucs=wanted))
    lines[7] = "20100000001|LINEA ROTA|ACTIVO"  # short
    lines[500] = ""  # blank
    lines[901] = "2010000000X|NOMBRE|ACTIVO|HABIDO|150101|-|-|-|-|-|-|-|-|-|-|"  # bad RUC
    lines[1201] = lines[75]  # a wanted RUC twice
    lines[2000] = "   "
    lines[2500] = padron_line(wanted[3], name="OTRO | NOMBRE", status="BAJA DE OFICIO")
    path = write_padron(tmp_path / "p.zip", lines)
    monkeypatch.setattr(reader, "CHUNK", chunk)
    only = {r.encode() for r in wanted}
    by_block, by_line = ReadStats(), ReadStats()
    blocks = read(path, only=only, stats=by_block)
    one_by_one = list(reader.padron_rows(reader.padron_lines(path), only=only, stats=by_line))
    assert blocks == one_by_one
    assert (by_block.lines, by_block.header) == (by_line.lines, by_line.header) == (3001, True)
    assert [(e.line, e.code) for e in blocks if isinstance(e, LineError)] == [
        (9, "fields"),
        (903, "ruc"),
    ]
    assert sum(isinstance(r, PadronRow) for r in blocks) == 42
