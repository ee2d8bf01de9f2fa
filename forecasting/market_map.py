"""The opportunity map's figures: a measure per sector x region (and per region), for market
analysts and coordinators, through the disclosure rules of :mod:`businesses.disclosure`.

Measures (:data:`MEASURES`):

- ``businesses``: the number of businesses the programme follows (in the registry) in the cell;
- ``opportunity_share``: the share of the cell's scored businesses whose current growth
  probability (:func:`forecasting.scoring.selectors.current_growth_probabilities`, the figure
  every surface shows, never recomputed) is at least
  :data:`forecasting.advice.rules.GROWTH_OPPORTUNITY_PROBABILITY` — what the advice calls a
  growth opportunity. Its contributors are the scored businesses.

Disclosure. Contributors are trusted businesses only (nothing a partner created or fed). Every
cell of every view the page offers is computed at once, as one table of groups: the rows
(every section, every division, and all sectors together) x every region x every size class
and all sizes. A cell is published when at least ``ASESOR_DISCLOSURE_MIN_CONTRIBUTORS``
contributors are outside the reader's control (:func:`businesses.disclosure.requester_for`),
and the additive relations between the cells the page can show protect each other
(:func:`businesses.disclosure.protect_totals`, repeated until nothing changes): a region's
total and its sections, a section and its divisions, all sizes and each size class. So no
filter combination lets a withheld cell be worked out by subtracting published ones. A withheld
cell carries its reason code; it is never blank or zero.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

from businesses import disclosure
from businesses.models import Business, MonthlyRecord, Region, Sector, SizeClass
from forecasting.advice.rules import GROWTH_OPPORTUNITY_PROBABILITY
from forecasting.models import LatestScore
from forecasting.scoring.selectors import current_growth_probabilities

BUSINESSES, OPPORTUNITY_SHARE = "businesses", "opportunity_share"
MEASURES = {
    BUSINESSES: _("Businesses followed"),
    OPPORTUNITY_SHARE: _("Share scored as growth opportunities"),
}
TOTAL, SECTION, DIVISION = "total", "section", "division"
ALL = "*"
CACHE_SECONDS = 600


@dataclass
class Cell:
    value: float | None  # None: withheld (``reason``) or no contributor (``n == 0``)
    n: int | None  # contributors; None when withheld (the count itself would tell)
    reason: str = ""  # disclosure reason code when withheld


@dataclass
class MapTable:
    measure: str
    cells: dict[tuple[str, str, str, str], Cell] = field(default_factory=dict)

    def cell(self, level: str, row: str, region: str, size: str) -> Cell:
        return self.cells.get((level, row, region, size), Cell(value=None, n=0))


def _population(measure: str) -> pd.DataFrame:
    """The contributing businesses of ``measure``: id, division, section, region, size, value."""
    rows = (
        Business.objects.exclude(pk__in=disclosure.untrusted_businesses())
        .filter(sector__isnull=False, region__isnull=False)
        .order_by()
        .values_list("pk", "sector_id", "sector__section_id", "region_id", "size_class")
    )
    frame = pd.DataFrame.from_records(
        list(rows), columns=["id", "division", "section", "region", "size"]
    )
    frame["section"] = frame["section"].fillna(frame["division"])
    frame["size"] = frame["size"].fillna(SizeClass.UNKNOWN)
    if measure == OPPORTUNITY_SHARE:
        probability = current_growth_probabilities(frame["id"].tolist())
        frame = frame[frame["id"].isin(probability.keys())].copy()
        frame["value"] = [
            float(probability[i] >= GROWTH_OPPORTUNITY_PROBABILITY) for i in frame["id"]
        ]
    else:
        frame["value"] = 1.0
    return frame.reset_index(drop=True)


def _data_version() -> str:
    from django.db.models import Max

    parts = (
        Business.objects.aggregate(v=Max("updated_at"), n=Max("id")),
        MonthlyRecord.objects.aggregate(v=Max("id"))["v"],
        LatestScore.objects.aggregate(v=Max("scored_at"))["v"],
        disclosure.rules(),
    )
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


def map_table(measure: str, requester: disclosure.Requester = disclosure.NOBODY) -> MapTable:
    """Every cell the page can show of ``measure`` for ``requester`` (cached per data
    version and requester): keys (level, row code, region code, size class or ``*``)."""
    if measure not in MEASURES:
        raise ValueError(f"unknown measure {measure!r}")
    key = f"market-map:{measure}:{requester.key}:{_data_version()}"
    table = cache.get(key)
    if table is None:
        table = _compute(measure, requester)
        cache.set(key, table, CACHE_SECONDS)
    return table


def _compute(measure: str, requester: disclosure.Requester) -> MapTable:
    frame = _population(measure)
    table = MapTable(measure=measure)
    if frame.empty:
        return table
    # contributors are what a cell's rules judge: each counts once, whatever its value
    for k, (code, n, total) in judged_cells(frame, requester).items():
        if code:
            table.cells[k] = Cell(value=None, n=None, reason=disclosure.code_name(code))
        elif measure == OPPORTUNITY_SHARE:
            table.cells[k] = Cell(value=total / n, n=n)
        else:
            table.cells[k] = Cell(value=float(n), n=n)
    return table


def judged_cells(
    frame: pd.DataFrame, requester: disclosure.Requester, *, magnitude: bool = False
) -> dict[tuple[str, str, str, str], tuple[int, int, float]]:
    """Every cell of the page's table of groups (see the module docstring) over ``frame``
    (one row per contributing business: ``id``, ``division``, ``section``, ``region``,
    ``size``, ``value``): key -> (disclosure code, 0 when published; contributors; sum of
    ``value``). The threshold rule always applies; with ``magnitude`` the dominance rules
    judge the values too (a sum of sales, where one business can make up most of a cell).
    Secondary suppression over every additive relation of the table, whatever the figure."""
    n_biz = len(frame)
    member_rows, member_keys = [], []
    for level, column in ((TOTAL, None), (SECTION, "section"), (DIVISION, "division")):
        row_codes = [ALL] * n_biz if column is None else frame[column].astype(str).tolist()
        for size_of in (None, "size"):
            sizes = [ALL] * n_biz if size_of is None else frame["size"].astype(str).tolist()
            member_rows.extend(range(n_biz))
            member_keys.extend(
                zip([level] * n_biz, row_codes, frame["region"].astype(str), sizes, strict=True)
            )
    codes, keys = pd.factorize(pd.Index(member_keys, tupleize_cols=False))
    keys = list(keys)
    index = {k: i for i, k in enumerate(keys)}
    groups = disclosure.Groups(np.asarray(member_rows), np.asarray(codes), len(keys))
    values = frame["value"].to_numpy(dtype=float)[:, None]
    ones = np.ones((n_biz, 1))
    controlled = frame["id"].isin(requester.controlled).to_numpy()
    holders = [
        np.array([labels.get(int(i), -1) for i in frame["id"]], dtype=np.int64)
        for labels in requester.holders
    ]
    stats = disclosure.cell_stats(values if magnitude else ones, ones, groups, controlled, holders)
    rule = disclosure.rules()
    status = disclosure.sensitive(stats, rule)

    divisions_of = dict(frame[["division", "section"]].drop_duplicates().to_numpy())
    families: list[dict[int, list[int]]] = [{}, {}, {}]
    for i, (level, row, region, size) in enumerate(keys):
        if level == SECTION:  # a region's total (at a size) is the sum of its sections
            families[0].setdefault(index[(TOTAL, ALL, region, size)], []).append(i)
        elif level == DIVISION:  # a section (at a size) is the sum of its divisions
            parent = (SECTION, divisions_of[row], region, size)
            families[1].setdefault(index[parent], []).append(i)
        if size != ALL:  # all sizes is the sum of the size classes
            families[2].setdefault(index[(level, row, region, ALL)], []).append(i)
    for _round in range(20):
        before = status.copy()
        for family in families:
            status = disclosure.protect_totals(status, stats, family, rule)
            status = _withheld_totals_keep_a_part(status, stats, family)
        if np.array_equal(before, status):
            break
    shown_total = groups.sum(values)[:, 0]
    return {
        k: (int(status[i, 0]), int(stats.n[i, 0]), float(shown_total[i]))
        for i, k in enumerate(keys)
    }


def _withheld_totals_keep_a_part(
    status: np.ndarray, stats: disclosure.CellStats, partition: dict[int, list[int]]
) -> np.ndarray:
    """The other direction of an additive relation: a withheld total whose parts are all
    published would be their sum, so its smallest part is withheld too (its reason: the
    complement). Together with :func:`businesses.disclosure.protect_totals`, no relation of
    the table has exactly one withheld member."""
    status = status.copy()
    for total, cells in partition.items():
        if not status[total, 0] or not cells or any(status[c, 0] for c in cells):
            continue
        smallest = min(cells, key=lambda c: (stats.total[c, 0], c))
        status[smallest, 0] = disclosure.COMPLEMENT_CODE
    return status


def sections_with_businesses() -> list[tuple[str, str]]:
    """(code, name) of the CIIU sections that have a business, for the filter."""
    used = Business.objects.values("sector__section_id")
    return list(Sector.objects.filter(code__in=used).order_by("code").values_list("code", "name"))


def divisions_of_section(section: str) -> list[tuple[str, str]]:
    used = Business.objects.values("sector_id")
    return list(
        Sector.objects.filter(section_id=section, code__in=used)
        .order_by("code")
        .values_list("code", "name")
    )


def regions() -> list[Region]:
    return list(Region.objects.order_by("name"))
