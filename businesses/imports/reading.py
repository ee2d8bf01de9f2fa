"""Opening an import file: one streaming pass that hashes it, measures it and decides what it is
(xlsx, or CSV text in UTF-8 / UTF-16 / cp1252 / Latin-1 with a sniffed separator), then a reader
that yields its rows one at a time.

Anything that cannot be read as a whole — a binary file, a truncated or damaged workbook, a zip
bomb, a file over the size limit, a header without the required columns — raises
:class:`ImportRefusedError` before (or instead of) any row is used.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

from businesses.imports.values import Cell

# Overridable in settings; 50 MB is ~1.5 million monthly rows of CSV.
DEFAULT_MAX_FILE_BYTES = 50 * 1024 * 1024
# An xlsx is a zip of XML files; refuse one whose entries claim more than this uncompressed, or
# that inflate too much (a zip bomb), before any XML is parsed.
XLSX_MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
XLSX_MAX_RATIO = 100
XLSX_RATIO_APPLIES_ABOVE = 1024 * 1024
XLSX_MAX_ENTRIES = 10_000

XLSX, CSV = "xlsx", "csv"
_CHUNK = 1024 * 1024
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # legacy .xls (and .doc)
# Bytes that never appear in a text file (tab, LF, CR and form feed aside).
_CONTROL = bytes([*range(0, 9), 11, *range(14, 32), 127])
_NOT_CONTROL = bytes(b for b in range(256) if b not in _CONTROL)
_CP1252_UNDEFINED = (b"\x81", b"\x8d", b"\x8f", b"\x90", b"\x9d")
_DELIMITERS = (";", ",", "\t", "|")


class ImportRefusedError(Exception):
    """The file cannot be imported at all; the message (translated) says why."""


@dataclass
class FileFacts:
    """What the first pass learnt about a file."""

    name: str
    sha256: str
    size: int
    format: str
    encoding: str = ""
    delimiter: str = ""
    ends_mid_line: bool = False
    warnings: list[str] = field(default_factory=list)

    @property
    def decimal_comma(self) -> bool:
        """Whether an ambiguous ``1.234`` means 1234: in a ``;`` or tab file (Excel in Spanish)
        and in text cells of a workbook, yes; in a ``,`` file, no."""
        return self.delimiter != ","


def max_file_bytes() -> int:
    return int(getattr(settings, "IMPORT_MAX_FILE_BYTES", DEFAULT_MAX_FILE_BYTES))


def file_inspect(*, path: Path, name: str = "") -> FileFacts:
    """Hash and classify ``path`` in one pass; raises :class:`ImportRefusedError` for a file that is
    too large, empty, binary, a legacy .xls or a broken xlsx."""
    name = name or path.name
    limit = max_file_bytes()
    digest = hashlib.sha256()
    utf8 = codecs.getincrementaldecoder("utf-8")()
    is_utf8, cp1252_ok, controls, size = True, True, 0, 0
    head, last = b"", b""
    with path.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            size += len(chunk)
            if size > limit:
                raise ImportRefusedError(
                    _("The file is larger than the %(mb)d MB an import accepts.")
                    % {"mb": limit // (1024 * 1024)}
                )
            digest.update(chunk)
            if not head:
                head = chunk[:4096]
            last = chunk[-1:]
            controls += len(chunk.translate(None, _NOT_CONTROL))
            if is_utf8:
                try:
                    utf8.decode(chunk)
                except UnicodeDecodeError:
                    is_utf8 = False
            if cp1252_ok and any(b in chunk for b in _CP1252_UNDEFINED):
                cp1252_ok = False
    if is_utf8:
        try:
            utf8.decode(b"", final=True)
        except UnicodeDecodeError:
            is_utf8 = False
    facts = FileFacts(name=name, sha256=digest.hexdigest(), size=size, format=CSV)
    if size == 0:
        raise ImportRefusedError(_("The file is empty."))
    if head.startswith(_ZIP_MAGIC) or name.lower().endswith((".xlsx", ".xlsm")):
        facts.format = XLSX
        _xlsx_check(path)
        return facts
    if head.startswith(_OLE_MAGIC):
        raise ImportRefusedError(
            _("This is an old Excel .xls file: save it as .xlsx or CSV and import that.")
        )
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        facts.encoding = "utf-16"
        text_head = head.decode("utf-16", errors="ignore")
    else:
        if controls:
            raise ImportRefusedError(
                _(
                    "This is not a CSV text file (it contains binary data): export the sheet as "
                    "CSV or xlsx."
                )
            )
        if is_utf8:
            facts.encoding = "utf-8-sig"
        elif cp1252_ok:
            facts.encoding = "cp1252"
        else:
            facts.encoding = "latin-1"
        text_head = head.decode(facts.encoding, errors="ignore")
    facts.delimiter = _sniff_delimiter(text_head)
    facts.ends_mid_line = last not in (b"\n", b"\r", b"\x00")
    return facts


def _sniff_delimiter(text: str) -> str:
    """The separator of the header line: whichever of ``; , tab |`` it uses most."""
    header = next((line for line in text.lstrip("\ufeff").splitlines() if line.strip()), "")
    counts = {d: header.count(d) for d in _DELIMITERS}
    best = max(_DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _xlsx_check(path: Path) -> None:
    """Refuse a workbook that is not a whole zip, or whose entries declare absurd sizes."""
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise ImportRefusedError(
            _(
                "This is not a readable xlsx workbook (the file is damaged or cut short): "
                "save it again from Excel, or export it as CSV."
            )
        ) from None
    total = sum(e.file_size for e in entries)
    bomb = len(entries) > XLSX_MAX_ENTRIES or total > XLSX_MAX_UNCOMPRESSED_BYTES
    bomb = bomb or any(
        e.file_size > XLSX_RATIO_APPLIES_ABOVE
        and e.file_size > XLSX_MAX_RATIO * max(e.compress_size, 1)
        for e in entries
    )
    if bomb:
        raise ImportRefusedError(
            _(
                "This xlsx workbook declares an unreasonable uncompressed size (%(mb)d MB): it is "
                "refused as a possible zip bomb."
            )
            % {"mb": total // (1024 * 1024)}
        )


@dataclass
class Table:
    """A file's header and its rows, streamed: ``rows`` yields (line number, cells)."""

    header: list[str]
    header_line: int
    rows: Iterator[tuple[int, list[Cell]]]


def table_open(*, path: Path, facts: FileFacts) -> Table:
    """The header and a row iterator of a file already classified by :func:`file_inspect`.

    Empty lines are skipped. Reading errors met later, while iterating, raise
    :class:`ImportRefusedError` too.
    """
    rows = _xlsx_rows(path, facts) if facts.format == XLSX else _csv_rows(path, facts)
    for line, cells in rows:
        if any(cell_is_filled(c) for c in cells):
            header = [str(c if c is not None else "").strip() for c in cells]
            while header and not header[-1]:
                header.pop()
            return Table(header=header, header_line=line, rows=_non_empty(rows))
    raise ImportRefusedError(_("The file has no header row and no data."))


def cell_is_filled(cell: Cell) -> bool:
    return cell is not None and (not isinstance(cell, str) or bool(cell.strip()))


def _non_empty(rows: Iterator[tuple[int, list[Cell]]]) -> Iterator[tuple[int, list[Cell]]]:
    for line, cells in rows:
        if any(cell_is_filled(c) for c in cells):
            yield line, cells


def _csv_rows(path: Path, facts: FileFacts) -> Iterator[tuple[int, list[Cell]]]:
    with path.open(encoding=facts.encoding, newline="") as text:
        reader = csv.reader(text, delimiter=facts.delimiter)
        previous_end = 0
        try:
            for cells in reader:
                yield previous_end + 1, cells
                previous_end = reader.line_num
        except csv.Error as error:
            raise ImportRefusedError(
                _("The CSV file cannot be read after line %(line)d: %(error)s")
                % {"line": previous_end, "error": error}
            ) from None
        except UnicodeDecodeError:
            raise ImportRefusedError(
                _("The file's text encoding could not be read after line %(line)d.")
                % {"line": previous_end}
            ) from None


def _xlsx_rows(path: Path, facts: FileFacts) -> Iterator[tuple[int, list[Cell]]]:
    # openpyxl parses with defusedxml when it is installed (it is a requirement).
    from openpyxl import load_workbook

    def broken(error: Exception) -> ImportRefusedError:
        return ImportRefusedError(
            _(
                "This xlsx workbook cannot be read (%(error)s): save it again from Excel, or "
                "export it as CSV."
            )
            % {"error": type(error).__name__}
        )

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds on a damaged file
        raise broken(error) from None
    try:
        if not workbook.worksheets:
            raise ImportRefusedError(_("This xlsx workbook has no worksheet."))
        if len(workbook.worksheets) > 1:
            facts.warnings.append(
                _("Only the first sheet (“%(sheet)s”) was read.")
                % {"sheet": workbook.worksheets[0].title}
            )
        sheet = workbook.worksheets[0]
        # Do not trust the declared dimension: a bogus A1:XFD1048576 would pad every row.
        sheet.reset_dimensions()
        try:
            for line, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                yield line, [_xlsx_cell(v) for v in values]
        except ImportRefusedError:
            raise
        except Exception as error:
            raise broken(error) from None
    finally:
        workbook.close()


def _xlsx_cell(value: object) -> Cell:
    if isinstance(value, dt.datetime):
        return value.date() if value.time() == dt.time() else value
    if value is None or isinstance(value, str | int | float | dt.date):
        return value
    return str(value)
