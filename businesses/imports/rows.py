"""What every import does with the rows of a file, whatever it imports: map the header onto
known columns, read each cell, reject a row with its line, field, value and reason, and hand
valid rows over in chunks to the kind-specific upsert (see :mod:`.importers`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from businesses.imports.reading import ImportRefusedError, Table, cell_is_filled
from businesses.imports.values import (
    Cell,
    CellValueError,
    cell_text,
    normalise_header,
    parse_number,
    parse_period,
)
from businesses.models import DataImport
from businesses.validators import ruc_problem

# The stored report keeps this many problems (the counts stay exact beyond it).
MAX_STORED_PROBLEMS = 50_000
_VALUE_SHOWN = 100
_CENT = Decimal("0.01")
_AMOUNT_LIMIT = Decimal(10) ** 12  # DecimalField(max_digits=14, decimal_places=2)


@dataclass(frozen=True)
class Column:
    """A column an import understands. ``key`` is its English name; ``aliases`` are the other
    names it may carry (compared after :func:`normalise_header`). A required column must be in
    the header; a column whose ``value_required`` must also have a value on every row."""

    key: str
    aliases: tuple[str, ...] = ()
    required: bool = False
    value_required: bool = False

    def names(self) -> tuple[str, ...]:
        return (self.key, *self.aliases)


@dataclass
class Problem:
    line: int
    field: str
    value: str
    reason: str

    def as_dict(self) -> dict:
        return {"line": self.line, "field": self.field, "value": self.value, "reason": self.reason}


@dataclass
class ParsedRow:
    line: int
    values: dict[str, object]


class RowImporter:
    """The row loop shared by the imports; subclasses declare ``columns``, a ``read_<key>`` for
    each column that is not plain text, and :meth:`flush` (lookups, duplicates, writes).

    With ``data_import=None`` nothing is written (a dry run), but every count is computed as if
    it were.
    """

    kind: str = ""
    columns: tuple[Column, ...] = ()
    chunk_size = 2000

    def __init__(self, *, data_import: DataImport | None, decimal_comma: bool) -> None:
        self.data_import = data_import
        self.dry_run = data_import is None
        self.decimal_comma = decimal_comma
        self.read = self.created = self.updated = self.unchanged = self.rejected = 0
        self.problems: list[Problem] = []
        self.problems_total = 0
        self.header_names: dict[str, str] = {}  # key -> the header as written in the file
        self.ignored_columns: list[str] = []
        self._index: dict[str, int] = {}
        self._width = 0
        self.today = timezone.localdate()
        self._valid_rucs: set[str] = set()
        self._readers = []

    # --- the header ------------------------------------------------------------------------

    def bind(self, header: list[str]) -> None:
        """Map the file's header onto the columns; refuse a file missing a required column or
        naming one twice. Unknown columns are ignored (and listed in the report)."""
        lookup = {normalise_header(n): c.key for c in self.columns for n in c.names()}
        for index, title in enumerate(header):
            key = lookup.get(normalise_header(title))
            if key is None:
                if title:
                    self.ignored_columns.append(title)
                continue
            if key in self._index:
                raise ImportRefusedError(
                    _("The columns “%(first)s” and “%(second)s” both mean “%(key)s”: keep one.")
                    % {"first": self.header_names[key], "second": title, "key": key}
                )
            self._index[key] = index
            self.header_names[key] = title
        missing = [c for c in self.columns if c.required and c.key not in self._index]
        if missing:
            raise ImportRefusedError(
                _("Required columns are missing: %(columns)s. The header read was: %(header)s.")
                % {
                    "columns": "; ".join(" | ".join(c.names()) for c in missing),
                    "header": "; ".join(header)[:300] or "—",
                }
            )
        self._width = len(header)
        self._readers: list[tuple[str, int, Callable[[Cell], object], bool]] = [
            (c.key, self._index[c.key], getattr(self, f"read_{c.key}", cell_text), c.value_required)
            for c in self.columns
            if c.key in self._index
        ]

    def has(self, key: str) -> bool:
        return key in self._index

    # --- the rows --------------------------------------------------------------------------

    def run(self, table: Table) -> None:
        self.bind(table.header)
        chunk: list[ParsedRow] = []
        for line, cells in table.rows:
            self.read += 1
            row = self._parse(line, cells)
            if row is None:
                continue
            chunk.append(row)
            if len(chunk) >= self.chunk_size:
                self.flush(chunk)
                chunk = []
        if chunk:
            self.flush(chunk)
        self.finish()

    def _parse(self, line: int, cells: list[Cell]) -> ParsedRow | None:
        width = len(cells)
        while width > self._width and not cell_is_filled(cells[width - 1]):
            width -= 1  # trailing empty cells (a stray separator at the end of a line)
        if width != self._width and not (width < self._width and self.pads_short_rows):
            self.reject(
                line,
                [
                    (
                        "",
                        _separator_join(cells),
                        _("Expected %(expected)d columns, found %(found)d.")
                        % {"expected": self._width, "found": width},
                    )
                ],
            )
            return None
        values: dict[str, object] = {}
        problems = []
        for key, index, reader, value_required in self._readers:
            cell = cells[index] if index < len(cells) else None
            if not cell_is_filled(cell):
                if value_required:
                    problems.append((key, "", _("A value is required.")))
                values[key] = None
                continue
            try:
                values[key] = reader(cell)
            except CellValueError as problem:
                problems.append((key, cell_text(cell), str(problem)))
        if problems:
            self.reject(line, problems)
            return None
        return ParsedRow(line=line, values=values)

    pads_short_rows = False  # a workbook row may stop at its last filled cell

    def reject(self, line: int, problems: list[tuple[str, str, str]]) -> None:
        """Reject the row at ``line`` for each (column key, value, reason) in ``problems``."""
        self.rejected += 1
        for key, value, reason in problems:
            self.problems_total += 1
            if len(self.problems) < MAX_STORED_PROBLEMS:
                field = self.header_names.get(key, key)
                self.problems.append(Problem(line, field, value[:_VALUE_SHOWN], reason))

    def flush(self, rows: list[ParsedRow]) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def finish(self) -> None:
        """Called once after the last chunk (e.g. to refresh derived data)."""

    # --- cell readers shared by the imports ------------------------------------------------

    def read_ruc(self, cell: Cell) -> str:
        ruc = cell_text(cell).replace(" ", "")
        if ruc in self._valid_rucs:  # a file repeats each RUC once a month
            return ruc
        problem = ruc_problem(ruc)
        if problem:
            raise CellValueError(problem)
        self._valid_rucs.add(ruc)
        return ruc

    def read_period(self, cell: Cell) -> dt.date:
        period = parse_period(cell)
        if period > self.today.replace(day=1):
            raise CellValueError(
                _("Period %(value)s is in the future.") % {"value": f"{period:%Y-%m}"}
            )
        return period

    def amount(self, cell: Cell) -> Decimal:
        """Soles: a non-negative number, rounded to the cent."""
        number = parse_number(cell, decimal_comma=self.decimal_comma)
        if number < 0:
            raise CellValueError(
                _("An amount cannot be negative (got %(value)s).") % {"value": cell_text(cell)}
            )
        if number >= _AMOUNT_LIMIT:
            raise CellValueError(
                _("%(value)s is too large an amount.") % {"value": cell_text(cell)}
            )
        return number.quantize(_CENT, rounding=ROUND_HALF_UP)

    def text(self, cell: Cell, *, max_length: int) -> str:
        text = " ".join(cell_text(cell).split())
        if len(text) > max_length:
            raise CellValueError(
                _("“%(value)s…” is longer than %(n)d characters.")
                % {"value": text[:40], "n": max_length}
            )
        return text


def _separator_join(cells: list[Cell]) -> str:
    return " | ".join(cell_text(c) for c in cells)
