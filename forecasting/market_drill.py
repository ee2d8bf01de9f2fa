"""The opportunity map's drill-down: one region (or one sector of a region, at one size class)
opened from the map or the heat table, with three figures, each through the disclosure rules of
:mod:`businesses.disclosure` for the reader:

- **its trend**: the product's one market trend (:func:`businesses.market.market_trends`, the
  figures of the market page, the business page's market section and
  ``/api/v1/market-trends/``), read, never recomputed. That definition is published per
  region and per CIIU division x region (every sector size together), so a region's or a
  division's drill-down shows it as is; a section's lists its divisions instead (a section's
  own trend beside its divisions' would be a new additive relation for differencing), and a
  size class's shows its group's trend over every size class, said so;
- **its forecast for the next six months**: the sum of its businesses' stored expected sales
  (:func:`forecasting.scoring.selectors.current_forecast_months`, the figures every surface
  shows) with an 80 % band for a sum (:func:`forecasting.engine.bands.sum_band`: businesses
  independent, a business's months together; the sum of the p10s is not the p10 of a sum);
- **the drivers of its growth**: the stored reasons of its businesses' growth probabilities
  (each business's newest advice) averaged per family
  (:func:`forecasting.engine.reasons.aggregate_reasons`).

Disclosure. The drill-down of a withheld cell of the businesses-followed table is withheld
as a whole, with that cell's reason. The forecast and the drivers are each judged over every
cell of the page's table by the map's one disclosure control
(:func:`forecasting.market_map.judged_cells`: threshold on contributors outside the reader's
control, secondary suppression over the sector / region / size-class / women-led /
sells-online relations); the forecast's sum also by the dominance rules (one business making
up most of the sales), so no published sum minus others gives a withheld one. A drill-down
opens a sector x region x size class over every value of women-led and sells online.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from django.core.cache import cache
from django.db.models import Max

from businesses import disclosure, market
from forecasting import market_map
from forecasting.engine.bands import sum_band
from forecasting.market_map import ALL, DIVISION, SECTION, TOTAL
from forecasting.models import Advice
from forecasting.scoring.selectors import (
    businesses_with_drivers,
    current_forecast_months,
    latest_drivers,
)

HORIZON_MONTHS = 6
CACHE_SECONDS = market_map.CACHE_SECONDS

Key = tuple[str, str, str, str]  # (level, row code, region code, size class or "*")


@dataclass
class Withheld:
    reason: str  # disclosure reason code


@dataclass
class Drill:
    """What the drill-down of ``key`` shows (figures only; the page words and draws them)."""

    key: Key
    businesses: market_map.Cell  # the businesses-followed cell of the table
    withheld: str = ""  # the whole drill-down's reason code (the businesses cell is withheld)
    trend: dict | None = None  # market.market_trends(...) of its group; None for a section
    trend_sector: str = ""  # the division whose trend is shown ("" for the region's total)
    divisions: list[tuple[str, str]] = field(default_factory=list)  # a section's divisions
    forecast: dict | Withheld | None = None  # sum_band's figures, "months", "n"; None: no data
    drivers: list[dict] | Withheld | None = None  # aggregate_reasons; None: none stored


def _first_forecast_month() -> dt.date | None:
    last = market.data_last_month()
    if last is None:
        return None
    index = last.year * 12 + last.month  # the month after
    return dt.date(index // 12, index % 12 + 1, 1)


def _version() -> str:
    parts = (market_map._data_version(), Advice.objects.aggregate(v=Max("pk"))["v"])
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


def _cached(name: str, requester: disclosure.Requester, compute):
    key = f"market-drill:{name}:{requester.key}:{_version()}"
    found = cache.get(key)
    if found is None:
        found = compute()
        cache.set(key, found, CACHE_SECONDS)
    return found


def _forecasts() -> tuple[pd.DataFrame, dict[int, dict[str, list]]]:
    """The contributing businesses with a current forecast (``value``: their six months'
    expected sales), and each one's months (the same for every reader: cached per data
    version)."""
    return _cached("forecasts", disclosure.NOBODY, _read_forecasts)


def _read_forecasts() -> tuple[pd.DataFrame, dict[int, dict[str, list]]]:
    first = _first_forecast_month()
    frame = market_map._businesses()
    if first is None or frame.empty:
        return frame.iloc[0:0], {}
    months = current_forecast_months(frame["id"].tolist(), first_period=f"{first:%Y-%m}")
    frame = frame[frame["id"].isin(months.keys())].copy()
    frame["value"] = [
        float(np.nansum(np.asarray(months[i]["mean"], dtype=float))) for i in frame["id"]
    ]
    return frame.reset_index(drop=True), months


def _judged(
    frame: pd.DataFrame, requester: disclosure.Requester, *, magnitude: bool = False
) -> dict[Key, tuple[int, int, float]]:
    """The cells a drill-down can open, judged over the map's whole table of groups
    (:func:`forecasting.market_map.judged_cells`, women-led and sells-online groups included,
    so their relations protect these cells as they protect the map's): every sector x region x
    size class, over women-led or not and selling online or not together."""
    cells = market_map.judged_cells(frame, requester, magnitude=magnitude)
    return {k[:4]: v for k, v in cells.items() if k[4:] == (ALL, ALL)}


def forecast_cells(requester: disclosure.Requester) -> dict[Key, tuple[int, int, float]]:
    """Every cell's forecast judgement: key -> (disclosure code, businesses, expected sum)."""

    def compute():
        frame, _months = _forecasts()
        return {} if frame.empty else _judged(frame, requester, magnitude=True)

    return _cached("forecast", requester, compute)


def driver_cells(requester: disclosure.Requester) -> dict[Key, tuple[int, int, float]]:
    """Every cell's drivers judgement: key -> (disclosure code, businesses with reasons, _)."""

    def compute():
        frame = market_map._businesses()
        if frame.empty:
            return {}
        frame = frame[frame["id"].isin(businesses_with_drivers(frame["id"].tolist()))]
        if frame.empty:
            return {}
        return _judged(frame, requester)

    return _cached("drivers", requester, compute)


def members(frame: pd.DataFrame, key: Key) -> list[int]:
    """The ids of ``frame``'s businesses in the cell ``key``."""
    level, row, region, size = key
    chosen = frame["region"].astype(str) == region
    if level == SECTION:
        chosen &= frame["section"].astype(str) == row
    elif level == DIVISION:
        chosen &= frame["division"].astype(str) == row
    if size != ALL:
        chosen &= frame["size"].astype(str) == size
    return [int(i) for i in frame.loc[chosen, "id"]]


def _forecast(key: Key, requester: disclosure.Requester) -> dict | Withheld | None:
    judged = forecast_cells(requester).get(key)
    if judged is None:
        return None
    code, n, _total = judged
    if code:
        return Withheld(disclosure.code_name(code))
    frame, months = _forecasts()
    ids = members(frame, key)
    if not ids:
        return None
    stack = {s: np.array([months[i][s] for i in ids], dtype=float) for s in ("mean", "p10", "p90")}
    figures = sum_band(stack["mean"], stack["p10"], stack["p90"])
    first = _first_forecast_month()
    periods = [
        dt.date((first.year * 12 + first.month - 1 + h) // 12, (first.month - 1 + h) % 12 + 1, 1)
        for h in range(HORIZON_MONTHS)
    ]
    return {**figures, "months": periods, "n": n}


def _drivers(key: Key, requester: disclosure.Requester) -> list[dict] | Withheld | None:
    judged = driver_cells(requester).get(key)
    if judged is None:
        return None
    code, _n, _total = judged
    if code:
        return Withheld(disclosure.code_name(code))
    frame = market_map._businesses()
    return latest_drivers(members(frame, key))


def drill_down(key: Key, requester: disclosure.Requester = disclosure.NOBODY) -> Drill:
    """The drill-down of the table cell ``key`` for ``requester`` (see the module docstring)."""
    level, row, region, _size = key
    cell = market_map.map_table(market_map.BUSINESSES, requester).cell(*key)
    drill = Drill(key=key, businesses=cell)
    if cell.reason:
        drill.withheld = cell.reason
        return drill
    if level == TOTAL:
        drill.trend = market.market_trends(region=region, requester=requester)
    elif level == DIVISION:
        drill.trend = market.market_trends(region=region, sector=row, requester=requester)
        drill.trend_sector = row
    else:
        drill.divisions = market_map.divisions_of_section(row)
    if not cell.n:
        return drill
    drill.forecast = _forecast(key, requester)
    drill.drivers = _drivers(key, requester)
    return drill
