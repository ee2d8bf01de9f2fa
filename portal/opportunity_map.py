"""The opportunity map page ("Mapa de oportunidades"): what it shows, as plain rows, from
:mod:`forecasting.market_map` (the figures and their disclosure control). The page, its CSV
and its tile map read the same rows, so a download is exactly what is shown."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

import numpy as np
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from businesses import disclosure
from businesses.models import SizeClass
from forecasting import market_map
from forecasting.market_map import (
    ALL,
    BUSINESSES,
    CURRENT,
    EXPECTED_GROWTH,
    HISTORICAL,
    MEASURES,
    NO,
    OPPORTUNITY_SHARE,
    RATIOS,
    YES,
    Filters,
)

# Peru's 25 first-level regions as a tile cartogram: (column, row) of each region's tile,
# roughly where it lies (north at the top, the coast on the left).
TILES = {
    "24": (0, 0), "16": (3, 0),
    "20": (0, 1), "06": (1, 1), "01": (2, 1),
    "14": (0, 2), "13": (1, 2), "22": (2, 2), "25": (3, 2),
    "02": (1, 3), "10": (2, 3), "19": (3, 3),
    "07": (0, 4), "15": (1, 4), "12": (2, 4),
    "11": (1, 5), "09": (2, 5), "08": (3, 5), "17": (4, 5),
    "05": (2, 6), "03": (3, 6), "21": (4, 6),
    "04": (2, 7), "18": (3, 7),
    "23": (3, 8),
}  # fmt: skip
TILE_W, TILE_H, GAP = 92, 46, 4
# Viridis in five steps (quintiles): ordered in lightness, readable with every common
# colour-vision deficiency and in greyscale; the text on the two darkest steps is white.
PALETTE = ("#440154", "#3b528b", "#21918c", "#5ec962", "#fde725")
WITHHELD_FILL, EMPTY_FILL, OUTSIDE_FILL = "#d9d9d9", "#ffffff", "#f2f2f2"


@dataclass
class Shown:
    """One shown cell: its text, its CSV value, its colour step (None: no colour)."""

    text: str
    value: float | None
    n: int | None
    reason: str = ""  # withheld: the reader's text of the reason
    empty: bool = False  # no contributor at all (a true zero count, not a withheld figure)
    step: int | None = None
    href: str = ""  # its drill-down (published cells only)

    @property
    def fill(self) -> str:
        if self.reason:
            return WITHHELD_FILL
        if self.step is None:
            return EMPTY_FILL
        return PALETTE[self.step]

    @property
    def ink(self) -> str:
        return (
            "#ffffff" if self.step is not None and self.step < 2 and not self.reason else "#1a1a1a"
        )


def map_regions(user) -> list[str] | None:
    """The region codes ``user`` sees on the map (:func:`forecasting.market_map.readable_regions`,
    as the statistics API)."""
    return market_map.readable_regions(user)


def _format(measure: str, value: float) -> str:
    if measure == OPPORTUNITY_SHARE:
        return number_format(round(100 * value), 0) + " %"
    if measure in RATIOS:  # a change: signed, one decimal
        sign = "+" if value > 0 else ""
        return sign + number_format(round(100 * value, 1), 1) + " %"
    return number_format(int(value), 0, force_grouping=True)


def _shown(measure: str, cell: market_map.Cell) -> Shown:
    if cell.reason:
        return Shown(_("withheld"), None, None, reason=disclosure.reason_text(cell.reason))
    if cell.value is None:
        return Shown("—", None, 0, empty=True)
    return Shown(_format(measure, cell.value), cell.value, cell.n)


def _drill_href(region: str, sector: str, size: str, measure: str) -> str:
    """The drill-down of a region (``sector`` blank) or of a sector of it, at ``size``."""
    query = {"measure": measure, **({"sector": sector} if sector else {})}
    if size != ALL:
        query["size"] = size
    return reverse("opportunities:drill", args=[region]) + "?" + urlencode(query)


def _steps(cells: list[Shown]) -> list[float]:
    """Colour each published cell by its quintile among the published cells (so one large
    region does not leave every other one in the first colour); returns where each colour
    starts, for the legend."""
    values = [c.value for c in cells if c.value is not None]
    if not values:
        return []
    cuts = [float(q) for q in np.quantile(values, [0.2, 0.4, 0.6, 0.8])]
    for c in cells:
        if c.value is not None:
            c.step = int(np.searchsorted(cuts, c.value, side="right"))
    return [min(values), *cuts]


def opportunity_map(user, *, measure: str, filters: Filters, sort: str) -> dict:
    """Everything the page, its CSV and its map show, for ``user``."""
    table = market_map.map_table(measure, disclosure.requester_for(user))
    level, columns, total_level, total_row = market_map.sector_view(filters)
    section, size = filters.section, filters.size
    # the forecast-based measures have the current cut-off only (said on the page)
    month = filters.month if filters.month in table.columns else CURRENT
    at = {"month": month, **filters.groups}
    mine = map_regions(user)
    regions = market_map.regions()
    codes = [code for code, _n in columns]
    rows = []
    for region in regions:
        if mine is not None and region.code not in mine:
            continue
        total = _shown(measure, table.cell(total_level, total_row, region.code, **at))
        cells = [
            _shown(measure, table.cell(level, code, region.code, **at)) for code, _n in columns
        ]
        rows.append({"region": region, "total": total, "cells": cells})
        # the drill-down opens a sector x region x size class (not women-led, sells online
        # or a past month: it is for the current cut-off over both values of each)
        total_code = "" if total_row == ALL else total_row
        for code, cell in [(total_code, total), *zip(codes, cells, strict=True)]:
            if cell.value is not None:
                cell.href = _drill_href(region.code, code, size, measure)

    descending = sort.startswith("-")
    key = sort.lstrip("-") or "name"

    def sort_key(row):
        if key == "name":
            return (0, row["region"].name)
        cell = row["total"] if key == "total" else row["cells"][codes.index(key)]
        if cell.value is None:  # withheld and empty cells last, whichever the direction
            return (1, 0.0)
        return (0, -cell.value if descending else cell.value)

    if key != "name" and key != "total" and key not in codes:
        key = "name"
    rows.sort(key=sort_key)
    if key == "name" and descending:
        rows.reverse()

    legend = _steps([c for r in rows for c in r["cells"]])
    map_legend = _steps([r["total"] for r in rows])
    legend_text = [(PALETTE[i], _format(measure, v)) for i, v in enumerate(legend)]
    map_legend_text = [(PALETTE[i], _format(measure, v)) for i, v in enumerate(map_legend)]
    by_code = {r["region"].code: r["total"] for r in rows}
    tiles = []
    for region in regions:
        col, row = TILES[region.code]
        shown = by_code.get(region.code)
        tiles.append(
            {
                "region": region,
                "x": col * (TILE_W + GAP),
                "y": row * (TILE_H + GAP),
                "shown": shown,
                "label": region.name[:11],
            }
        )
    return {
        "measure": measure,
        "measure_label": MEASURES[measure],
        "measures": list(MEASURES.items()),
        "section": section,
        "division": filters.division,
        "total_row": total_row,
        "size": size,
        "women": filters.women,
        "online": filters.online,
        "month": month,
        "month_asked": filters.month,
        "months": [c for c in market_map.time_columns(BUSINESSES) if c != CURRENT][::-1],
        "historical": measure in HISTORICAL,
        "divisions": market_map.all_divisions(),
        "yes_no": [(YES, _("Yes")), (NO, _("No"))],
        "sort": sort or "name",
        "columns": columns,
        "rows": rows,
        "legend": legend_text,
        "map_legend": map_legend_text,
        "tiles": tiles,
        "map_width": 5 * (TILE_W + GAP),
        "map_height": 9 * (TILE_H + GAP),
        "palette_withheld": WITHHELD_FILL,
        "palette_outside": OUTSIDE_FILL,
        "sections": market_map.sections_with_businesses(),
        "sizes": [(code, label) for code, label in SizeClass.choices],
        "all_regions": mine is None,
        "min_businesses": disclosure.rules().min_contributors,
        "is_share": measure == OPPORTUNITY_SHARE,
        "opportunity_percent": round(100 * market_map.GROWTH_OPPORTUNITY_PROBABILITY),
        "is_count": measure == BUSINESSES,
        "is_expected": measure == EXPECTED_GROWTH,
        "show_n": measure in RATIOS,
    }


def csv_rows(context: dict) -> tuple[list[str], list[list[object]]]:
    """The CSV of exactly the table shown: per region its total and every column, each as the
    figure (a number), its contributors, and the reason when withheld."""
    header = [_("Region code"), _("Region"), _("All shown sectors"), _("Contributors")]
    for code, name in context["columns"]:
        header += [f"{code} {name}", _("Contributors")]
    out = []
    for row in context["rows"]:
        line: list[object] = [row["region"].code, row["region"].name]
        for cell in [row["total"], *row["cells"]]:
            if cell.reason:
                line += [f"{_('withheld')}: {cell.reason}", ""]
            elif cell.empty:  # nobody: a count of 0, a share of nothing
                line += [0 if context["is_count"] else "", 0]
            else:
                value = int(cell.value) if context["is_count"] else round(cell.value, 4)
                line += [value, cell.n]
        out.append(line)
    return header, out
