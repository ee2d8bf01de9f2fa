"""Market trends of a sector in a region: the one definition, used by every page and the API.

Every market figure the product shows — the market page, the "Its market" section of the
business page (through the scoring snapshot), the advice rule that compares a business with its
sector, and ``GET /api/v1/market-trends/`` — is computed here, by :func:`panel_trends` and
:func:`production_index_table`. Do not compute a market growth anywhere else: two definitions
of "the market grew 3 %" that disagree on the same screen is the bug this module replaced.

Why a matched panel. The registry is unbalanced: businesses start reporting when an advisor
signs them up and stop when they leave the programme. Total sales of whoever reported grow when
a business joins and fall when one leaves, although nobody sold more or less. So each growth
figure compares the *same* businesses in both periods:

- **Year on year** (``yoy_growth_12m``) at month ``t``: take the businesses with at least
  :data:`MIN_MONTHS_FOR_GROWTH` reported months both in the 12 months up to ``t`` and in the 12
  before; for each, its mean monthly sales in each window (a month not reported is unknown, not
  zero); sum those means over the businesses; the ratio of the two sums, minus 1. How many
  businesses that was is ``businesses_12m``, the count shown next to the figure.
- **3-month momentum** (``momentum_3m``): the same with the last 3 months against the 3 before
  and at least :data:`MIN_MONTHS_FOR_MOMENTUM` months in each (``businesses_3m``).
- **Same month a year earlier** (``sales_yoy``) and **month on month** (``growth_1m``): the
  businesses that reported in both months, their summed sales, ratio minus 1.
- Levels, not growth: ``businesses_reporting`` and ``sales_total`` of the month, and
  ``sales_12m``, the sales of the last 12 months of every business that reported in them.

Summing the means weighs each business by its size, so the figure is the growth of the
market's sales, not the average business's growth rate; a small business doubling does not
outweigh a large one falling.

Disclosure control. Every figure goes through :mod:`businesses.disclosure` for the user who
reads it: only trusted contributors (nothing a partner created or fed), at least
``ASESOR_DISCLOSURE_MIN_CONTRIBUTORS`` businesses the reader does not hold, no dominant business,
and no figure that differencing against another published one would open up. A withheld figure
is ``NaN`` here and is named, with its reason, in the row's ``suppressed``; the surfaces show it
as withheld, never as blank or zero. Market figures are aggregates over every trusted business
of the registry; the market page lists only the regions the user works in (an advisor: the
regions of their businesses; a supervisor: also the regions they coordinate; stewards and
superusers: all).

The sector production index (a market indicator, e.g. BCRP's) is read from one series per
sector x region, the first that exists of: the division's series for the region, the
division's national series, the CIIU section's series for the region, the section's national
series (the central bank publishes by section: manufacturing is "C"). Its latest value up to a
month, its change against 12 months and 1 month before that value's own month, and where the
series comes from (:func:`production_index_source`).

Every surface evaluates the figures at the registry's latest month (:func:`data_last_month`),
so the business page, the market page and the API's latest row show the same numbers. The page
and API results are cached per data version (largest monthly record, import and indicator id,
latest change to a business).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd
from django.core.cache import cache
from django.db.models import Max, Min, Q
from django.http import Http404
from django.utils import translation

from businesses import disclosure, scoping
from businesses.models import Business, DataImport, MarketIndicator, MonthlyRecord, Region, Sector
from businesses.sources.selectors import indicator_provenance
from core import roles
from forecasting.engine import schema
from forecasting.engine.schema import PRODUCTION_INDEX

MIN_MONTHS_FOR_GROWTH = 6  # reported months in each 12-month window for a year-on-year growth
MIN_MONTHS_FOR_MOMENTUM = 2  # reported months in each 3-month window for the momentum
MONTHS_SHOWN = 36
CACHE_SECONDS = 600
HISTORY_MONTHS = 24  # a figure at month t reads months t-23 .. t

SECTOR, REGION = schema.SECTOR_DIVISION, schema.REGION_CODE
TREND_COLUMNS = (
    "businesses_reporting",
    "sales_total",
    "sales_yoy",
    "growth_1m",
    "yoy_growth_12m",
    "businesses_12m",
    "momentum_3m",
    "businesses_3m",
    "sales_12m",
)


# ---------------------------------------------------------------------------- the definition


def _month_number(periods) -> np.ndarray:
    periods = pd.DatetimeIndex(periods)
    return np.asarray(periods.year * 12 + periods.month - 1, dtype=np.int64)


def _window_sums(values: np.ndarray, seen: np.ndarray, width: int, lag: int) -> tuple:
    """Per business (rows) and month ``t`` (columns): sum and count of the reported months in
    ``t-lag-width+1 .. t-lag``, from cumulative sums along the months (every window costs the
    same); windows reaching before the first column cover only what is there."""
    n, t = values.shape
    cv = np.concatenate([np.zeros((n, 1)), np.cumsum(values, axis=1)], axis=1)
    cc = np.concatenate([np.zeros((n, 1)), np.cumsum(seen, axis=1)], axis=1)
    end = np.clip(np.arange(t) - lag + 1, 0, t)  # exclusive end into the cumulative arrays
    start = np.clip(end - width, 0, t)
    return cv[:, end] - cv[:, start], cc[:, end] - cc[:, start]


def _matched(values, seen, *, width: int, need: int, gap: int) -> tuple[np.ndarray, ...]:
    """Per business and month: whether it is in the matched panel (at least ``need`` reported
    months in the last ``width`` months and in the ``width`` months ``gap`` before), and its mean
    monthly sales in each window (0 outside the panel)."""
    s_last, c_last = _window_sums(values, seen, width, 0)
    s_prev, c_prev = _window_sums(values, seen, width, gap)
    ok = (c_last >= need) & (c_prev >= need)
    last = np.where(ok, s_last / np.maximum(c_last, 1), 0.0)
    prev = np.where(ok, s_prev / np.maximum(c_prev, 1), 0.0)
    return ok, last, prev


RATES = {  # name: (window width, reported months needed in each window, gap), as defined above
    "sales_yoy": (1, 1, 12),
    "growth_1m": (1, 1, 1),
    "yoy_growth_12m": (12, MIN_MONTHS_FOR_GROWTH, 12),
    "momentum_3m": (3, MIN_MONTHS_FOR_MOMENTUM, 3),
}
ALL_SECTORS = "*"  # the sector code of a region's total (every sector together)


def panel_trends(
    records: pd.DataFrame,
    businesses: pd.DataFrame,
    *,
    months: Iterable | None = None,
    requester: disclosure.Requester = disclosure.NOBODY,
    region_totals: bool = False,
) -> pd.DataFrame:
    """The market figures of every sector x region at each of ``months`` (see the module
    docstring for what each means), with the disclosure rules applied for ``requester``.

    ``records``: the engine's records frame (``business_id``, ``period``, ``sales``; one row
    per business and month) of the contributing businesses (:mod:`businesses.disclosure`).
    ``businesses``: ``business_id``, ``sector_division``, ``region_code`` of (at least) the
    businesses in ``records``. ``months``: the months ``t`` to compute, default every month
    from the first record to the last. ``region_totals``: also the rows of each region as a
    whole (sector ``"*"``); they are computed in any case, since a region's total and its
    sectors protect each other (:func:`businesses.disclosure.protect_totals`).

    Returns one row per sector x region and month from the group's first reported month on:
    ``sector_division``, ``region_code``, ``period``, :data:`TREND_COLUMNS` and ``suppressed``
    (figure -> reason code of each withheld figure, which is NaN). Vectorised: the records
    become one businesses x months matrix, every window one cumulative-sum difference, every
    group total one grouped sum.
    """
    columns = [SECTOR, REGION, schema.PERIOD, *TREND_COLUMNS, "suppressed"]
    records = records[records[schema.SALES].notna()]
    if records.empty:
        return pd.DataFrame(columns=columns)
    rule = disclosure.rules()
    month_no = _month_number(records[schema.PERIOD])
    wanted = (
        np.arange(month_no.min(), month_no.max() + 1)
        if months is None
        else np.unique(_month_number(list(months)))
    )
    # a rate at t reads t-23 .. t, and is shown only if every month it spans is
    first = int(wanted.min()) - 2 * (HISTORY_MONTHS - 1)
    width = int(wanted.max()) - first + 1
    keep = (month_no >= first) & (month_no <= wanted.max())
    ids, rows = np.unique(records[schema.BUSINESS_ID].to_numpy()[keep], return_inverse=True)
    values = np.zeros((len(ids), width))
    seen = np.zeros((len(ids), width))
    cols = month_no[keep] - first
    values[rows, cols] = records[schema.SALES].to_numpy(dtype=float)[keep]
    seen[rows, cols] = 1.0

    static = businesses.drop_duplicates(schema.BUSINESS_ID).set_index(schema.BUSINESS_ID)
    static = static.reindex(ids)[[SECTOR, REGION]]
    known = np.flatnonzero(static[SECTOR].notna().to_numpy() & static[REGION].notna().to_numpy())
    groups = static.iloc[known].astype(str)
    # every business is a member of its sector x region and of its region's total
    whole = groups.assign(**{SECTOR: ALL_SECTORS})
    member_rows = np.concatenate([known, known])
    codes, keys = pd.factorize(pd.MultiIndex.from_frame(pd.concat([groups, whole])))
    n_groups = len(keys)
    partition: dict[int, list[int]] = {}
    for code, (sector, region) in enumerate(keys):
        if sector != ALL_SECTORS:
            partition.setdefault(keys.get_loc((ALL_SECTORS, region)), []).append(code)
    controlled = np.isin(ids, np.fromiter(requester.controlled, dtype=ids.dtype))
    holders = [
        np.array([labels.get(int(i), -1) for i in ids], dtype=np.int64)
        for labels in requester.holders
    ]

    members = disclosure.Groups(member_rows, codes, n_groups)
    total = members.sum  # group sums (groups x months) of a businesses x months matrix

    def stats(vals: np.ndarray, present: np.ndarray) -> disclosure.CellStats:
        return disclosure.cell_stats(vals, present, members, controlled, holders)

    # levels: primary suppression, then the sectors and their region's total protect each other
    level = disclosure.sensitive(month_stats := stats(values, seen), rule)
    level = disclosure.protect_totals(level, month_stats, partition, rule)
    figures: dict[str, np.ndarray] = {
        "businesses_reporting": total(seen),
        "sales_total": total(values),
    }
    status: dict[str, np.ndarray] = {"sales_total": level}
    sales_12, _seen = _window_sums(values, seen, 12, 0)
    figures["sales_12m"] = total(sales_12)
    status["sales_12m"] = disclosure.covered(level, 12)  # the sum of its months
    counts: dict[str, np.ndarray] = {}
    growth: dict[str, np.ndarray] = {}
    for name, (span, need, gap) in RATES.items():
        ok, now, before = _matched(values, seen, width=span, need=need, gap=gap)
        now_sum, before_sum = total(now), total(before)
        counts[name] = total(ok)
        with np.errstate(invalid="ignore", divide="ignore"):
            growth[name] = np.where(before_sum > 0, now_sum / before_sum - 1, np.nan)
        # shown only if every month it spans is, the matched panel passes the rules, and
        # whoever reported at either end outside the panel is nobody or a safe group
        rate = disclosure.covered(level, span + gap)
        panel = disclosure.sensitive(stats(now, ok), rule)
        rate = np.where((rate == 0) & (panel > 0), panel, rate)
        for lag in (0, gap):
            sums, seen_n = _window_sums(values, seen, span, lag)
            outside = (seen_n > 0) & ~ok
            leak = disclosure.unsafe_difference(stats(sums, outside), rule)
            rate = np.where((rate == 0) & leak, disclosure.COMPLEMENT_CODE, rate)
        status[name] = rate.astype(np.int8)

    at = wanted - first
    out = {
        "businesses_reporting": figures["businesses_reporting"][:, at],
        "sales_total": figures["sales_total"][:, at],
        "sales_12m": figures["sales_12m"][:, at],
        "businesses_12m": counts["yoy_growth_12m"][:, at],
        "businesses_3m": counts["momentum_3m"][:, at],
        **{name: growth[name][:, at] for name in RATES},
    }
    withheld = {name: code[:, at] for name, code in status.items()}
    for name, code in withheld.items():
        out[name] = np.where(code > 0, np.nan, out[name])

    # rows from each group's first reported month on (no row before the group had data)
    started = np.maximum.accumulate(figures["businesses_reporting"] > 0, axis=1)[:, at]
    if not region_totals:
        started &= (keys.get_level_values(0) != ALL_SECTORS)[:, None]
    g, m = np.nonzero(started)
    frame = pd.DataFrame(
        {
            SECTOR: keys.get_level_values(0)[g] if len(keys) else [],
            REGION: keys.get_level_values(1)[g] if len(keys) else [],
            schema.PERIOD: pd.to_datetime(
                {"year": (wanted[m] // 12), "month": wanted[m] % 12 + 1, "day": 1}
            )
            if len(m)
            else pd.Series([], dtype="datetime64[ns]"),
            **{name: out[name][g, m] for name in TREND_COLUMNS},
            "suppressed": _suppressed_rows({name: code[g, m] for name, code in withheld.items()}),
        }
    )
    for name in ("businesses_reporting", "businesses_12m", "businesses_3m"):
        frame[name] = frame[name].astype(int)
    return frame.sort_values([SECTOR, REGION, schema.PERIOD], ignore_index=True)


def _suppressed_rows(codes: dict[str, np.ndarray]) -> list[dict[str, str]]:
    """Per row, figure -> reason code of each withheld figure, from each figure's codes."""
    names = list(codes)
    matrix = np.stack([codes[n] for n in names], axis=1) if names else np.zeros((0, 0))
    rows: list[dict[str, str]] = [{} for _ in range(len(matrix))]
    for i, k in zip(*np.nonzero(matrix), strict=True):
        rows[i][names[k]] = disclosure.code_name(matrix[i, k])
    return rows


def production_index_table(indicators: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Every sector production index series month by month: ``value``, ``change_yoy`` (against
    the same month a year earlier) and ``change_1m``, each a (series x months) frame whose
    index is the series key ``"<sector>|<region or *>"``. ``indicators``: the engine's
    indicators frame."""
    series = indicators[
        (indicators[schema.INDICATOR_NAME] == PRODUCTION_INDEX)
        & indicators[SECTOR].notna()
        & indicators[schema.INDICATOR_VALUE].notna()
    ]
    if series.empty:
        empty = pd.DataFrame(columns=pd.DatetimeIndex([]))
        return {"value": empty, "change_yoy": empty, "change_1m": empty}
    region = series[REGION].astype(object).where(series[REGION].notna(), "*")
    key = series[SECTOR].astype(str) + "|" + region.astype(str)
    periods = pd.DatetimeIndex(series[schema.PERIOD])
    value = pd.DataFrame(
        {"key": key.to_numpy(), "period": periods, "value": series[schema.INDICATOR_VALUE]}
    ).pivot_table(index="key", columns="period", values="value", aggfunc="last")
    value = value.reindex(columns=pd.date_range(periods.min(), periods.max(), freq="MS"))
    with np.errstate(invalid="ignore", divide="ignore"):
        change_yoy = value / value.shift(12, axis=1).where(lambda v: v != 0) - 1
        change_1m = value / value.shift(1, axis=1).where(lambda v: v != 0) - 1
    return {"value": value, "change_yoy": change_yoy, "change_1m": change_1m}


def _series_keys(keys: pd.DataFrame, available: Iterable[str]) -> pd.Series:
    """The production index series each row of ``keys`` (``sector_division``,
    ``sector_section``, ``region_code``) reads: the first of its division's regional and
    national series, its section's regional and national series, that ``available`` holds."""
    available = set(available)
    section = keys.get(schema.SECTOR_SECTION, pd.Series(None, index=keys.index))
    section = section.astype(object).where(section.notna(), "?").astype(str)
    sector = keys[SECTOR].astype(str)
    region = keys[REGION].astype(object).where(keys[REGION].notna(), "?").astype(str)
    chosen = pd.Series(None, index=keys.index, dtype=object)
    for candidate in (
        sector + "|" + region,
        sector + "|*",
        section + "|" + region,
        section + "|*",
    ):
        chosen = chosen.where(chosen.notna(), candidate.where(candidate.isin(available)))
    return chosen.where(chosen.notna(), None)


def production_index_latest(
    indicators: pd.DataFrame, keys: pd.DataFrame, *, at: pd.Timestamp
) -> list[dict | None]:
    """For each row of ``keys`` (``sector_division``, ``sector_section``, ``region_code``): its
    sector production index (see :func:`_series_keys`) at its latest month up to ``at``, with
    its changes over 12 and over 1 month, the series read (``series_sector``,
    ``series_region``: None for a national series) — or None when there is none."""
    table = production_index_table(indicators)
    value = table["value"].loc[:, table["value"].columns <= at]
    value = value[value.notna().any(axis=1)]
    chosen = _series_keys(keys, value.index)
    out: list[dict | None] = [None] * len(keys)
    for key in chosen.dropna().unique():
        row = value.loc[key]
        last = row.last_valid_index()
        sector, region = key.split("|")
        found = {
            "name": PRODUCTION_INDEX,
            "period": last.date().isoformat(),
            "value": _num(row[last]),
            "change_yoy": _num(table["change_yoy"].at[key, last]),
            "change_1m": _num(table["change_1m"].at[key, last]),
            "series_sector": sector,
            "series_region": None if region == "*" else region,
        }
        for i in np.flatnonzero((chosen == key).to_numpy()):
            out[i] = dict(found)
    return out


def production_index_source(indicator: dict | None, *, sector: str, region: str) -> dict | None:
    """Where the production index shown for ``sector`` x ``region`` comes from (source, latest
    month, when received), for the series ``indicator`` names (advice stored before the series
    was recorded falls back to the division's own)."""
    if not indicator or not indicator.get("name"):
        return None
    return indicator_provenance(
        name=indicator["name"],
        sector=indicator.get("series_sector") or sector,
        region=indicator.get("series_region", region),
    )


def _num(value) -> float | None:
    if value is None:
        return None
    value = float(value)
    return None if not np.isfinite(value) else value


# ---------------------------------------------------------------------------- reading the registry


def _add_months(d: dt.date, months: int) -> dt.date:
    index = d.year * 12 + d.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _data_version() -> tuple:
    return (
        MonthlyRecord.objects.aggregate(v=Max("id"))["v"],
        DataImport.objects.aggregate(v=Max("id"))["v"],
        MarketIndicator.objects.aggregate(v=Max("id"))["v"],
        Business.objects.aggregate(v=Max("updated_at"))["v"],
    )


def _cached(name: str, compute: Callable[[], object], *parts) -> object:
    digest = hashlib.sha256(repr(_data_version()).encode()).hexdigest()[:16]
    # the language too: what is computed names sectors in it
    key = ":".join(["market", name, *map(str, parts), translation.get_language() or "", digest])
    found = cache.get(key)
    if found is None:
        found = compute()
        cache.set(key, found, CACHE_SECONDS)
    return found


def data_last_month() -> dt.date | None:
    """The registry's latest month with a record: the month every surface's trend is at."""
    return MonthlyRecord.objects.aggregate(m=Max("period"))["m"]


def _registry_trends(
    rows, *, months: list[dt.date], requester: disclosure.Requester, region_totals: bool = False
) -> pd.DataFrame:
    """:func:`panel_trends` over ``rows`` of (business, sector, region, period, sales)."""
    frame = pd.DataFrame.from_records(
        list(rows), columns=[schema.BUSINESS_ID, SECTOR, REGION, schema.PERIOD, schema.SALES]
    )
    frame[schema.PERIOD] = pd.to_datetime(frame[schema.PERIOD])
    frame[schema.SALES] = pd.to_numeric(frame[schema.SALES]).astype(float)
    return panel_trends(
        frame,
        frame[[schema.BUSINESS_ID, SECTOR, REGION]],
        months=months,
        requester=requester,
        region_totals=region_totals,
    )


def _region_rows(regions, *, since: dt.date | None = None, until: dt.date | None = None):
    """The contributing records of every sector of ``regions``: a sector's cells are protected
    together with the other sectors of their region."""
    rows = disclosure.contributing_records().filter(business__region_id__in=list(regions))
    if since is not None:
        rows = rows.filter(period__gte=since)
    if until is not None:
        rows = rows.filter(period__lte=until)
    return rows.order_by().values_list(
        "business_id", "business__sector_id", "business__region_id", "period", "sales"
    )


def _registry_index(*, sector: str, region: str, at: dt.date) -> tuple[pd.DataFrame, str | None]:
    """The production index table rows (value, changes) of the series ``sector`` x ``region``
    reads, and the series key; empty without one."""
    section = Sector.objects.filter(code=sector).values_list("section_id", flat=True).first()
    rows = MarketIndicator.objects.filter(
        Q(sector_id=sector) | Q(sector_id=section), name=PRODUCTION_INDEX, period__lte=at
    ).values_list("sector_id", "region_id", "period", "name", "value")
    ind = pd.DataFrame.from_records(
        list(rows),
        columns=[SECTOR, REGION, schema.PERIOD, schema.INDICATOR_NAME, schema.INDICATOR_VALUE],
    )
    ind[schema.PERIOD] = pd.to_datetime(ind[schema.PERIOD])
    ind[schema.INDICATOR_VALUE] = pd.to_numeric(ind[schema.INDICATOR_VALUE]).astype(float)
    table = production_index_table(ind)
    keys = pd.DataFrame({SECTOR: [sector], schema.SECTOR_SECTION: [section], REGION: [region]})
    key = _series_keys(keys, table["value"].index).iloc[0]
    if pd.isna(key):
        return pd.DataFrame(columns=["value", "change_yoy", "change_1m"]), None
    return pd.DataFrame({name: frame.loc[key] for name, frame in table.items()}), key


def sector_trend_rows(
    *, sector: str, region: str = "", requester: disclosure.Requester = disclosure.NOBODY
) -> list[dict]:
    """Month by month, the market figures of ``sector`` in ``region`` (each region of the
    sector when blank) with the sector production index of the month, ordered by region then
    month, up to the registry's latest month, as ``requester`` may see them (JSON-friendly:
    None for a withheld figure, named with its reason code in ``suppressed``)."""

    def compute() -> list[dict]:
        last = data_last_month()
        mine = disclosure.contributing_records().filter(business__sector_id=sector)
        if region:
            mine = mine.filter(business__region_id=region)
        first = mine.aggregate(m=Min("period"))["m"]
        if first is None or last is None:
            return []
        regions = (
            [region]
            if region
            else sorted(set(mine.values_list("business__region_id", flat=True).distinct()))
        )
        months = [_add_months(first, i) for i in range(_months_between(first, last) + 1)]
        trends = _registry_trends(
            _region_rows(regions, until=last), months=months, requester=requester
        )
        trends = trends[trends[SECTOR] == sector]
        out = []
        for reg, part in trends.groupby(REGION, sort=True):
            index, _key = _registry_index(sector=sector, region=str(reg), at=last)
            index = index.reindex(pd.DatetimeIndex(part[schema.PERIOD]))
            for row, value, change in zip(
                part.to_dict("records"),
                index["value"].to_numpy(dtype=float),
                index["change_yoy"].to_numpy(dtype=float),
                strict=True,
            ):
                out.append(
                    {
                        "sector": sector,
                        "region": str(reg),
                        "period": row[schema.PERIOD].date(),
                        **{name: _json(row[name]) for name in TREND_COLUMNS},
                        "suppressed": row["suppressed"],
                        "production_index": _num(value),
                        "production_index_yoy": _num(change),
                    }
                )
        return out

    return _cached("sector", compute, sector, region, requester.key)


def _json(value):
    if isinstance(value, (int, np.integer)):
        return int(value)
    return _num(value)


def _months_between(first: dt.date, last: dt.date) -> int:
    return (last.year - first.year) * 12 + last.month - first.month


# ---------------------------------------------------------------------------- the market page


def trend_regions(user) -> list[Region]:
    """The regions whose trends ``user`` sees (see the module docstring)."""
    if roles.sees_every_business(user):
        return list(Region.objects.order_by("name"))
    codes = Q(code__in=scoping.visible_businesses(user).values("region_id"))
    if roles.has_role(user, roles.SUPERVISOR):
        codes |= Q(code__in=user.supervised_regions.values("region_id"))
    return list(Region.objects.filter(codes).order_by("name"))


def _rebased(values: list[float | None]) -> list[float | None]:
    """``values`` as an index, 100 = the average of its first 12 known values; [] without."""
    base_values = [v for v in values if v is not None][:12]
    base = sum(base_values) / len(base_values) if base_values else None
    if not base:
        return []
    return [100 * v / base if v is not None else None for v in values]


def _page_series(trends: pd.DataFrame, months: list[dt.date]) -> list[dict]:
    """Month by month for the page: businesses reporting, their average sales and its index
    (levels), and the trend figures of :func:`panel_trends` at that month; ``withheld``: the
    reason text of each withheld figure (``average_sales``, ``yoy``, ``momentum``)."""
    by_month = {row[schema.PERIOD].date(): row for row in trends.to_dict("records")}
    series = []
    for m in months:
        row = by_month.get(m, {})
        reporting = int(row.get("businesses_reporting", 0))
        total = _num(row.get("sales_total"))
        series.append(
            {
                "period": m,
                "businesses": reporting,
                "average_sales": total / reporting if total is not None and reporting else None,
                "yoy": _num(row.get("yoy_growth_12m")),
                "momentum": _num(row.get("momentum_3m")),
                "businesses_12m": int(row.get("businesses_12m", 0)),
                "withheld": _withheld(
                    row.get("suppressed") or {},
                    average_sales="sales_total",
                    yoy="yoy_growth_12m",
                    momentum="momentum_3m",
                ),
            }
        )
    index = _rebased([s["average_sales"] for s in series]) or [None] * len(series)
    for s, value in zip(series, index, strict=True):
        s["index"] = value
    return series


def _withheld(suppressed: dict, **shown_as: str) -> dict[str, str]:
    """The reason text of each withheld figure, under the name the surface shows it by."""
    return {
        shown: disclosure.reason_text(suppressed[name])
        for shown, name in shown_as.items()
        if name in suppressed
    }


def market_trends(
    *, region: str, sector: str = "", requester: disclosure.Requester = disclosure.NOBODY
) -> dict:
    """Everything the market page shows for a region (and optionally one sector division), at
    the registry's latest month, as ``requester`` may see it; ``forecast_change`` of each
    ranked sector is left None for the caller to fill (forecasts are not the registry's)."""

    def compute() -> dict:
        last = data_last_month()
        result = {
            "last": last,
            "series": [],
            "ranking": [],
            "indicator": [],
            "indicator_source": None,
        }
        if last is None:
            return result
        months = [_add_months(last, i) for i in range(-MONTHS_SHOWN + 1, 1)]
        rows = _region_rows(
            [region], since=_add_months(months[0], -2 * (HISTORY_MONTHS - 1)), until=last
        )
        trends = _registry_trends(rows, months=months, requester=requester, region_totals=True)
        latest = trends[
            (trends[schema.PERIOD] == pd.Timestamp(last)) & (trends[SECTOR] != ALL_SECTORS)
        ]
        names = Sector.names(Sector.objects.filter(section__isnull=False))
        ranking = [
            {
                "sector": r[SECTOR],
                "name": names.get(r[SECTOR], r[SECTOR]),
                "businesses": int(r["businesses_12m"]),
                "yoy": _num(r["yoy_growth_12m"]),
                "momentum": _num(r["momentum_3m"]),
                "businesses_3m": int(r["businesses_3m"]),
                "forecast_change": None,
                "sales_12": _num(r["sales_12m"]),
                "withheld": _withheld(
                    r["suppressed"],
                    yoy="yoy_growth_12m",
                    momentum="momentum_3m",
                    sales_12="sales_12m",
                    forecast_change="sales_12m",
                ),
            }
            for r in latest.to_dict("records")
            if r["businesses_reporting"] or r["businesses_12m"]
        ]
        ranking.sort(key=lambda s: (s["yoy"] is None, -(s["yoy"] or 0), s["sector"]))
        chosen = trends[trends[SECTOR] == (sector or ALL_SECTORS)]
        result.update(ranking=ranking, series=_page_series(chosen, months))
        if sector:
            index, key = _registry_index(sector=sector, region=region, at=last)
            values = index["value"].reindex(pd.DatetimeIndex(months)).to_numpy(dtype=float)
            result["indicator"] = _rebased([_num(v) for v in values])
            if key is not None and result["indicator"]:
                series_sector, series_region = key.split("|")
                # where the index comes from and how recent it is (issue 9: data as data)
                result["indicator_source"] = indicator_provenance(
                    name=PRODUCTION_INDEX,
                    sector=series_sector,
                    region=None if series_region == "*" else series_region,
                )
        return result

    return _cached("page", compute, region, sector, requester.key)


def market_trend_context(
    request, *, forecast_changes: Callable[[str], dict[str, float | None]] | None = None
) -> dict:
    """The market page: the region (and sector) asked for, within the user's regions.
    ``forecast_changes(region)`` gives each sector's aggregate forecast change, if any; it is
    shown only where the sector's own sales are (it sets forecasts against them)."""
    regions = trend_regions(request.user)
    codes = {r.code for r in regions}
    region = request.GET.get("region") or (regions[0].code if regions else "")
    if region and region not in codes:
        raise Http404
    sector = request.GET.get("sector", "")
    divisions = Sector.objects.filter(section__isnull=False).order_by("code")
    sectors = list(Sector.names(divisions).items())
    if sector and sector not in {code for code, _name in sectors}:
        sector = ""
    requester = disclosure.requester_for(request.user)
    trends = market_trends(region=region, sector=sector, requester=requester) if region else {}
    ranking = trends.get("ranking", [])
    if ranking and forecast_changes is not None:
        changes = forecast_changes(region)
        for row in ranking:
            if "forecast_change" not in row["withheld"]:
                row["forecast_change"] = changes.get(row["sector"])
    region_obj = next((r for r in regions if r.code == region), None)
    selected = next((s for s in ranking if s["sector"] == sector), None)
    series = trends.get("series", [])
    return {
        "regions": regions,
        "region": region_obj,
        "sectors": sectors,
        "sector": sector,
        "sector_name": dict(sectors).get(sector, ""),
        "selected": selected,
        "sector_hidden": bool(sector) and all(s["average_sales"] is None for s in series),
        "min_businesses": disclosure.rules().min_contributors,
        "withheld_any": any(s["withheld"] for s in [*series, *ranking]),
        **trends,
    }


def market_trend_list(
    *,
    sector: str,
    region: str = "",
    period_from: dt.date | None = None,
    period_to: dt.date | None = None,
    requester: disclosure.Requester = disclosure.NOBODY,
) -> list[dict]:
    """Month-by-month trend rows of ``sector`` in ``region`` (every region of the sector when
    blank), ordered by region then month, as ``requester`` may see them: a withheld figure is
    None and named in ``suppressed`` (figure -> reason code)."""
    return [
        {**row, "period": f"{row['period']:%Y-%m}"}
        for row in sector_trend_rows(sector=sector, region=region, requester=requester)
        if not (period_from and row["period"] < period_from)
        and not (period_to and row["period"] > period_to)
    ]


def production_index_yoy_at(keys: pd.DataFrame, months: list[dt.date]) -> np.ndarray:
    """For each row of ``keys`` (``sector_division``, ``sector_section``, ``region_code``) and
    each of ``months``: the year-on-year change of the sector production index series it reads
    (:func:`_series_keys`, as the business page does), at the series' latest month up to that
    month (NaN without one). Reads the registry's market indicators (public series)."""
    out = np.full((len(keys), len(months)), np.nan)
    if not len(keys) or not months:
        return out
    rows = MarketIndicator.objects.filter(
        name=PRODUCTION_INDEX, sector__isnull=False, period__lte=max(months)
    ).values_list("sector_id", "region_id", "period", "name", "value")
    ind = pd.DataFrame.from_records(
        list(rows),
        columns=[SECTOR, REGION, schema.PERIOD, schema.INDICATOR_NAME, schema.INDICATOR_VALUE],
    )
    if ind.empty:
        return out
    ind[schema.PERIOD] = pd.to_datetime(ind[schema.PERIOD])
    ind[schema.INDICATOR_VALUE] = pd.to_numeric(ind[schema.INDICATOR_VALUE]).astype(float)
    table = production_index_table(ind)
    value, change = table["value"], table["change_yoy"]
    for j, month in enumerate(months):
        at = pd.Timestamp(month)
        seen = value.loc[:, value.columns <= at]
        seen = seen[seen.notna().any(axis=1)]
        if seen.empty:
            continue
        chosen = _series_keys(keys, seen.index)
        for key in chosen.dropna().unique():
            last = seen.loc[key].last_valid_index()
            out[(chosen == key).to_numpy(), j] = change.at[key, last]
    return out
