"""Import files built by the tests themselves (no binary fixtures in the repository)."""

from __future__ import annotations

from pathlib import Path


def write_csv(
    directory: Path,
    rows: list[list[object]],
    *,
    name: str = "datos.csv",
    delimiter: str = ";",
    encoding: str = "utf-8",
    newline_at_end: bool = True,
) -> Path:
    """Write ``rows`` (header first) joined by ``delimiter``, encoded as ``encoding``."""
    text = "\r\n".join(delimiter.join("" if c is None else str(c) for c in row) for row in rows)
    if newline_at_end:
        text += "\r\n"
    path = directory / name
    path.write_bytes(text.encode(encoding))
    return path


def write_xlsx(
    directory: Path, rows: list[list[object]], *, name: str = "datos.xlsx", sheets: int = 1
) -> Path:
    """An xlsx workbook whose first sheet holds ``rows`` (header first)."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Datos"
    for row in rows:
        sheet.append(row)
    for n in range(1, sheets):
        workbook.create_sheet(f"Otra {n}").append(["nada"])
    path = directory / name
    workbook.save(path)
    return path
