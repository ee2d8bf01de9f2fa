"""Writing tables that people open in Excel or LibreOffice: CSV and xlsx, formula-safe.

Every exported text cell passes through :func:`cell_safe` (the one implementation, used by the
exports and by the rejected-rows CSV of an import): a spreadsheet runs a cell that starts with
``=``, ``+``, ``-`` or ``@`` as a formula, and a leading tab or carriage return can hide one
(CSV/formula injection, OWASP). Such a text gets a leading apostrophe, which spreadsheets show
as text. Numbers and dates stay numbers and dates: ``-7.5`` as a number is data, not a formula.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import IO

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_FIRST = frozenset(FORMULA_STARTS)
_NATIVE = (int, float, Decimal, dt.date, dt.datetime, bool)


def cell_safe(value: object) -> object:
    """``value`` as a cell a spreadsheet shows and never evaluates: None becomes "", a text
    starting with = + - @, tab or CR gets a leading apostrophe; numbers, dates and booleans
    pass through unchanged."""
    if type(value) is str:  # the common case first: exports write millions of cells
        return "'" + value if value[:1] in _FORMULA_FIRST else value
    if value is None:
        return ""
    if isinstance(value, _NATIVE):
        return value
    text = str(value)
    return "'" + text if text[:1] in _FORMULA_FIRST else text


def csv_safe(value: object) -> str:
    """:func:`cell_safe` as CSV text (local time for an aware datetime)."""
    safe = cell_safe(value)
    if type(safe) is str:
        return safe
    if isinstance(safe, dt.datetime):
        from django.utils import timezone

        if timezone.is_aware(safe):
            safe = timezone.localtime(safe)
        return safe.isoformat(timespec="seconds")
    return str(safe)


def csv_lines(header: list[str], rows: Iterable[Iterable[object]]) -> Iterator[str]:
    """The CSV text of ``header`` and ``rows``, one line at a time (for a streaming response
    or a file), starting with a UTF-8 BOM so that Excel reads the accents."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(cells: Iterable[object]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([csv_safe(c) for c in cells])
        return buffer.getvalue()

    yield "\ufeff" + line(header)
    for row in rows:
        yield line(row)


def xlsx_write(
    out: IO[bytes], header: list[str], rows: Iterable[Iterable[object]], *, title: str = "data"
) -> int:
    """Write ``header`` and ``rows`` as an xlsx workbook to the binary file ``out`` and return
    the number of data rows. openpyxl's write-only mode streams rows to disk, so memory stays
    flat however many rows there are. Timezone-aware datetimes are written in local time
    without the zone (xlsx has none)."""
    from django.utils import timezone
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    bold = Font(bold=True)
    cells = []
    for name in header:
        cell = WriteOnlyCell(sheet, value=cell_safe(name))
        cell.font = bold
        cells.append(cell)
    sheet.append(cells)
    count = 0
    for row in rows:
        values = []
        for value in row:
            safe = cell_safe(value)
            if isinstance(safe, dt.datetime) and timezone.is_aware(safe):
                safe = timezone.make_naive(safe)
            values.append(safe)
        sheet.append(values)
        count += 1
    workbook.save(out)
    return count
