"""Which businesses a prediction job scores: a filter, a list of RUCs, or an uploaded file of
RUCs — always within the requester's scope (:func:`businesses.scoping.visible_businesses`).

A RUC that is malformed, repeated, unknown or outside the scope is a *rejected row* with its
position (``rucs[3]`` in a JSON list, the line number in a file) and the reason; an unknown RUC
and one outside the scope get the same answer, so existence does not leak.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from businesses.imports.reading import ImportRefusedError, file_inspect, table_open
from businesses.imports.values import cell_text, normalise_header
from businesses.selectors import business_list
from businesses.validators import ruc_problem

MAX_RUCS = 100_000
MAX_FILE_BYTES = 4 * 1024 * 1024
NOT_FOUND = "not_found"
INVALID = "invalid_ruc"
DUPLICATE = "duplicate"


class SelectionError(Exception):
    """The request names nothing that can be scored, or its file cannot be read."""

    def __init__(self, message: str, *, rejected: list[dict] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.rejected = rejected or []


@dataclass
class Selection:
    business_ids: list[int]
    description: dict
    rejected: list[dict] = field(default_factory=list)


def rejected_message(row: dict) -> str:
    """The reason for a rejected row, in the active language."""
    if row["code"] == INVALID:
        return ruc_problem(row["ruc"]) or _("Not a valid RUC.")
    if row["code"] == DUPLICATE:
        return _("RUC %(ruc)s is listed more than once; it is scored once.") % {"ruc": row["ruc"]}
    return _("No business with RUC %(ruc)s in your scope.") % {"ruc": row["ruc"]}


def selection_by_filter(*, user, sector: str = "", region: str = "", size_class: str = ""):
    """Every business of the user's scope that matches the filter."""
    qs = business_list(user=user, sector=sector, region=region, size_class=size_class)
    ids = list(qs.order_by().values_list("pk", flat=True))
    asked = {"sector": sector, "region": region, "size_class": size_class}
    return Selection(
        business_ids=ids, description={"filter": {k: v for k, v in asked.items() if v}}
    )


def selection_by_rucs(*, scope, rucs: list[tuple[int, str, str]], source: str) -> Selection:
    """``rucs`` as (row, path, text): each valid, first-seen RUC found in ``scope`` (the
    requester's :func:`~businesses.scoping.visible_businesses`) is scored; the others are rejected
    rows."""
    rejected: list[dict] = []
    seen: set[str] = set()
    wanted: dict[str, tuple[int, str]] = {}
    for row, path, ruc in rucs:
        if ruc_problem(ruc):
            rejected.append({"row": row, "path": path, "ruc": ruc, "code": INVALID})
        elif ruc in seen:
            rejected.append({"row": row, "path": path, "ruc": ruc, "code": DUPLICATE})
        else:
            seen.add(ruc)
            wanted[ruc] = (row, path)
    found: dict[str, int] = {}
    rucs_wanted = list(wanted)
    for start in range(0, len(rucs_wanted), 5000):  # bounded IN lists, one query per 5,000
        part = rucs_wanted[start : start + 5000]
        found.update(scope.filter(ruc__in=part).values_list("ruc", "pk"))
    for ruc, (row, path) in wanted.items():
        if ruc not in found:
            rejected.append({"row": row, "path": path, "ruc": ruc, "code": NOT_FOUND})
    rejected.sort(key=lambda r: r["row"])
    return Selection(
        business_ids=sorted(found.values()),
        description={"rucs": len(rucs), "source": source},
        rejected=rejected,
    )


def rucs_from_list(values: list[str]) -> list[tuple[int, str, str]]:
    return [(i, f"rucs[{i}]", str(v).strip()) for i, v in enumerate(values)]


def rucs_from_file(uploaded: UploadedFile) -> list[tuple[int, str, str]]:
    """RUCs of an uploaded CSV or xlsx: the ``ruc`` column (or the only / first column when no
    header names one), each with its line number. Raises :class:`SelectionError` for a file
    that cannot be read, saying why."""
    if uploaded.size is not None and uploaded.size > MAX_FILE_BYTES:
        raise SelectionError(
            _("The file is larger than the %(mb)d MB a prediction job accepts.")
            % {"mb": MAX_FILE_BYTES // (1024 * 1024)}
        )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "rucs"
        with path.open("wb") as out:
            for block in uploaded.chunks():
                out.write(block)
        try:
            facts = file_inspect(path=path, name=uploaded.name or "rucs.csv")
            table = table_open(path=path, facts=facts)
            headers = [normalise_header(h) for h in table.header]
            out_rows: list[tuple[int, str, str]] = []
            if "ruc" in headers:
                column = headers.index("ruc")
            else:  # no header: the first line is data
                column = 0
                first = cell_text(table.header[0]) if table.header else ""
                out_rows.append((table.header_line, f"line {table.header_line}", first))
            for line, cells in table.rows:
                value = cell_text(cells[column]) if column < len(cells) else ""
                out_rows.append((line, f"line {line}", value))
                if len(out_rows) > MAX_RUCS:
                    raise SelectionError(_("At most %(max)d RUCs per job.") % {"max": MAX_RUCS})
        except ImportRefusedError as error:
            raise SelectionError(str(error)) from None
    return out_rows
