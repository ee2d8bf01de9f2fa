"""The opportunity map's figures — the one home of the market analysts' statistics, read by the
page, its CSV, its tile map and ``GET /api/v1/statistics/`` — per sector x region (and per
region, per sector, and Peru), through the disclosure rules of :mod:`businesses.disclosure`.

Measures (:data:`MEASURES`):

- ``businesses``: the businesses the programme follows (in the registry) in the cell. At a
  month of the time selector, those followed by the end of that month: a business is followed
  from its first monthly record (or from when it was registered, when it has none).
- ``opportunity_share``: the share of the cell's scored businesses whose current growth
  probability (:func:`forecasting.scoring.selectors.current_growth_probabilities`, the figure
  every surface shows, never recomputed) is at least
  :data:`forecasting.advice.rules.GROWTH_OPPORTUNITY_PROBABILITY` — what the advice calls a
  growth opportunity. Contributors: the scored businesses with recent data.
- ``expected_growth``: the sum of the businesses' expected sales over the next six months
  (their stored current forecast, :func:`forecasting.scoring.selectors.current_forecast_sums`)
  against the sum of the same businesses' actual sales in the six months up to their
  forecast's cut-off, minus 1. Contributors: businesses with both (all six months reported,
  positive sales) and recent data; a stale business (``businesses.freshness``) is withheld
  here as everywhere.
- ``production_index_yoy``: the year-on-year change of the sector production index (a public
  series, :func:`businesses.market.production_index_yoy_at`: the series the business page
  reads for each sector x region) averaged over the cell's businesses followed then, so a
  section or region weighs its divisions by the businesses the programme follows in them.

``businesses`` and ``production_index_yoy`` have a history (:data:`HISTORICAL`): the last
:data:`HISTORY_MONTHS` months up to the registry's latest month, and the current cut-off. The
forecast-based measures are for the current cut-off only: past scores are not kept for every
business at every cut-off (a prediction job keeps the results of the businesses it scored).

Disclosure. Contributors are trusted businesses only (nothing a partner created or fed). Every
cell of every view the page and the API offer is computed at once, as one table of groups:
(all sectors, every section, every division) x (every region, Peru) x (each size class, all)
x (women-led, not, all) x (sells online, not, all), at each time column. Each figure is made of
components that are judged separately by the rules: a ratio's numerator and denominator
(expected and actual sales; growth opportunities and scored businesses), a count's
contributors; the production index, a public series, only by its contributors. A cell is
published when every component has at least ``ASESOR_DISCLOSURE_MIN_CONTRIBUTORS``
contributors outside the reader's control (:func:`businesses.disclosure.requester_for`) and no
dominant one (the (2, k) and p % rules on the sales), and the additive relations between the
cells protect each other (:func:`businesses.disclosure.protect_totals`, repeated until nothing
changes): all sectors and its sections, a section and its divisions, Peru and its regions, all
sizes and each size class, both values of women-led and of sells online and their total. Over
time, the businesses that differ between two published months of a cell (the difference an
analyst could take) are none or at least the threshold. So no filter, time or ``by``
combination lets a withheld cell, or one business's figure, be worked out by subtracting
published ones. A withheld cell carries its reason code; it is never blank or zero.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from django.core.cache import cache
from django.db.models import Max, Min
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from businesses import disclosure
from businesses.freshness import month_before, stale_flags
from businesses.market import production_index_yoy_at
from businesses.models import Business, MarketIndicator, MonthlyRecord, Region, Sector, SizeClass
from businesses.scoping import supervised_region_codes
from core import roles
from forecasting.advice.rules import GROWTH_OPPORTUNITY_PROBABILITY
from forecasting.models import LatestScore
from forecasting.scoring.selectors import current_forecast_sums, current_growth_probabilities

BUSINESSES, OPPORTUNITY_SHARE = "businesses", "opportunity_share"
EXPECTED_GROWTH, PRODUCTION_INDEX_YOY = "expected_growth", "production_index_yoy"
MEASURES = {
    BUSINESSES: _("Businesses followed"),
    OPPORTUNITY_SHARE: _("Share scored as growth opportunities"),
    EXPECTED_GROWTH: _("Expected sales growth, next 6 months"),
    PRODUCTION_INDEX_YOY: _("Sector production index, change over 12 months"),
}
HISTORICAL = frozenset({BUSINESSES, PRODUCTION_INDEX_YOY})
RATIOS = frozenset({OPPORTUNITY_SHARE, EXPECTED_GROWTH, PRODUCTION_INDEX_YOY})
TOTAL, SECTION, DIVISION = "total", "section", "division"
ALL = "*"
YES, NO = "yes", "no"
CURRENT = "current"
HISTORY_MONTHS = 24
FORECAST_MONTHS = 6
CACHE_SECONDS = 86400  # the key carries the data version: a change of data is a new key
KEY_COLUMNS = ("level", "row", "region", "size", "women", "online")


@dataclass
class Cell:
    value: float | None  # None: withheld (``reason``) or no contributor (``n == 0``)
    n: int | None  # contributors; None when withheld (the count itself would tell)
    reason: str = ""  # disclosure reason code when withheld


@dataclass
class MapTable:
    """Every cell of one measure for one reader: groups (keys ``KEY_COLUMNS``) x time columns
    (``columns``: ``yyyy-mm`` months, then :data:`CURRENT`)."""

    measure: str
    columns: list[str] = field(default_factory=lambda: [CURRENT])
    keys: list[tuple] = field(default_factory=list)
    value: np.ndarray = field(default_factory=lambda: np.zeros((0, 1)))
    n: np.ndarray = field(default_factory=lambda: np.zeros((0, 1)))
    status: np.ndarray = field(default_factory=lambda: np.zeros((0, 1), dtype=np.int8))
    _index: dict = field(default_factory=dict, repr=False)

    def __post_init__(self):
        self._index = {k: i for i, k in enumerate(self.keys)}

    def cell(
        self,
        level: str,
        row: str,
        region: str,
        size: str = ALL,
        women: str = ALL,
        online: str = ALL,
        month: str = CURRENT,
    ) -> Cell:
        i = self._index.get((level, row, region, size, women, online))
        if i is None or month not in self.columns:
            return Cell(value=None, n=0)
        j = self.columns.index(month)
        code = int(self.status[i, j])
        if code:
            return Cell(value=None, n=None, reason=disclosure.code_name(code))
        n = int(self.n[i, j])
        if not n or not np.isfinite(self.value[i, j]):
            return Cell(value=None, n=0)
        return Cell(value=float(self.value[i, j]), n=n)

    @property
    def cells(self) -> dict[tuple, Cell]:
        """Every group's cell at the current cut-off (keys: ``KEY_COLUMNS``)."""
        return {k: self.cell(*k) for k in self.keys}


@dataclass
class _Components:
    """A measure's per-business inputs, businesses x time columns: who contributes
    (``present``), the components judged by the rules, and the figure's numerator and
    denominator (None: the figure is the numerator's sum)."""

    present: np.ndarray
    judged: list[np.ndarray]
    numerator: np.ndarray
    denominator: np.ndarray | None = None
    minus_one: bool = False


def _month_start(value) -> dt.date:
    return dt.date(value.year, value.month, 1)


def history_months() -> list[dt.date]:
    """The months of the time selector: the last :data:`HISTORY_MONTHS` up to the registry's
    latest month (none without records)."""
    latest = MonthlyRecord.objects.aggregate(m=Max("period"))["m"]
    if latest is None:
        return []
    return [month_before(latest, k) for k in range(HISTORY_MONTHS - 1, -1, -1)]


def _businesses() -> pd.DataFrame:
    rows = (
        Business.objects.exclude(pk__in=disclosure.untrusted_businesses())
        .filter(sector__isnull=False, region__isnull=False)
        .order_by()
        .values_list(
            "pk",
            "sector_id",
            "sector__section_id",
            "region_id",
            "size_class",
            "women_led",
            "sells_online",
            "created_at",
        )
    )
    frame = pd.DataFrame.from_records(
        list(rows),
        columns=["id", "division", "section", "region", "size", "women", "online", "created"],
    )
    frame["section"] = frame["section"].fillna(frame["division"])
    frame["size"] = frame["size"].fillna(SizeClass.UNKNOWN)
    frame["women"] = np.where(frame["women"].astype(bool), YES, NO)
    frame["online"] = np.where(frame["online"].astype(bool), YES, NO)
    return frame


def _record_spans(ids: list[int]) -> pd.DataFrame:
    spans = (
        MonthlyRecord.objects.filter(business_id__in=ids)
        .order_by()
        .values("business_id")
        .annotate(first=Min("period"), last=Max("period"))
        .values_list("business_id", "first", "last")
    )
    return pd.DataFrame.from_records(list(spans), columns=["id", "first", "last"]).set_index("id")


def _recent(frame: pd.DataFrame) -> np.ndarray:
    """Which businesses are not stale against the registry's latest month (the one rule of
    :mod:`businesses.freshness`: a business without records is not stale)."""
    spans = _record_spans(frame["id"].tolist())
    latest = MonthlyRecord.objects.aggregate(m=Max("period"))["m"]
    last = frame["id"].map(spans["last"]) if len(spans) else pd.Series(None, index=frame.index)
    return ~stale_flags(last.to_numpy(dtype=object), latest)


def _components(measure: str, frame: pd.DataFrame, columns: list[str]) -> _Components:
    n, t = len(frame), len(columns)
    ones = np.ones((n, t))
    ids = frame["id"].tolist()
    if measure in HISTORICAL:
        spans = _record_spans(ids)
        first = (
            frame["id"].map(spans["first"]) if len(spans) else pd.Series(None, index=frame.index)
        )
        created = frame["created"].map(lambda d: _month_start(timezone.localtime(d)))
        joined = first.where(first.notna(), created).map(_month_start)
        joined_i = np.array([d.year * 12 + d.month for d in joined], dtype=float)
        ends = [
            dt.date.fromisoformat(c + "-01") if c != CURRENT else timezone.localdate()
            for c in columns
        ]
        end_i = np.array([d.year * 12 + d.month for d in ends], dtype=float)
        present = joined_i[:, None] <= end_i[None, :]
        if measure == BUSINESSES:
            return _Components(present, [ones], ones)
        latest = MonthlyRecord.objects.aggregate(m=Max("period"))["m"] or timezone.localdate()
        at = [
            e if c != CURRENT else _month_start(latest) for c, e in zip(columns, ends, strict=True)
        ]
        keys = frame.rename(
            columns={
                "division": "sector_division",
                "section": "sector_section",
                "region": "region_code",
            }
        )
        yoy = production_index_yoy_at(keys, at)
        present &= np.isfinite(yoy)
        return _Components(present, [ones], np.where(present, yoy, 0.0), ones)
    recent = _recent(frame)
    if measure == OPPORTUNITY_SHARE:
        probability = current_growth_probabilities(ids)
        scored = np.array([i in probability for i in ids]) & recent
        hit = np.array([probability.get(i, 0.0) >= GROWTH_OPPORTUNITY_PROBABILITY for i in ids])
        numerator = (hit & scored).astype(float)[:, None]
        return _Components(scored[:, None], [numerator, ones], numerator, ones)
    # expected growth: the stored forecast's six months against the six before its cut-off
    forecasts = current_forecast_sums(ids)
    expected = np.array([forecasts[i][1] if i in forecasts else np.nan for i in ids])
    actual = _actual_before_cutoff(forecasts)
    actual_v = np.array([actual.get(i, np.nan) for i in ids])
    present = recent & np.isfinite(expected) & np.isfinite(actual_v) & (actual_v > 0)
    present &= expected >= 0
    exp_v = np.where(present, expected, 0.0)[:, None]
    act_v = np.where(present, actual_v, 0.0)[:, None]
    return _Components(present[:, None], [exp_v, act_v], exp_v, act_v, minus_one=True)


def _actual_before_cutoff(forecasts: dict[int, tuple[dt.date, float]]) -> dict[int, float]:
    """Business id -> its sales in the six months up to its forecast's cut-off, for those that
    reported all six (a month not reported is unknown, not zero)."""
    if not forecasts:
        return {}
    earliest = month_before(min(c for c, _s in forecasts.values()), FORECAST_MONTHS - 1)
    rows = (
        MonthlyRecord.objects.filter(business_id__in=list(forecasts), period__gte=earliest)
        .order_by()
        .values_list("business_id", "period", "sales")
    )
    sums: dict[int, list[float]] = {}
    for business, period, sales in rows:
        cutoff = forecasts[business][0]
        if month_before(cutoff, FORECAST_MONTHS - 1) <= period <= cutoff and sales is not None:
            sums.setdefault(business, []).append(float(sales))
    return {b: sum(v) for b, v in sums.items() if len(v) == FORECAST_MONTHS}


def _data_version() -> str:
    parts = (
        Business.objects.aggregate(v=Max("updated_at"), n=Max("id")),
        MonthlyRecord.objects.aggregate(v=Max("id"), m=Max("period")),
        LatestScore.objects.aggregate(v=Max("scored_at"))["v"],
        MarketIndicator.objects.aggregate(v=Max("id"))["v"],
        disclosure.rules(),
        timezone.localdate().isoformat(),
    )
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


def time_columns(measure: str) -> list[str]:
    """The time columns of ``measure``: the history's months then :data:`CURRENT`, or only the
    current cut-off for the forecast-based measures."""
    if measure not in HISTORICAL:
        return [CURRENT]
    return [f"{m:%Y-%m}" for m in history_months()] + [CURRENT]


def map_table(measure: str, requester: disclosure.Requester = disclosure.NOBODY) -> MapTable:
    """Every cell the page and the API can show of ``measure`` for ``requester`` (cached per
    data version and requester): the one function behind the map, the table, the CSV and the
    statistics API."""
    if measure not in MEASURES:
        raise ValueError(f"unknown measure {measure!r}")
    key = f"market-map:v2:{measure}:{requester.key}:{_data_version()}"
    table = cache.get(key)
    if table is None:
        table = _compute(measure, requester)
        cache.set(key, table, CACHE_SECONDS)
    return table


def _memberships(frame: pd.DataFrame) -> pd.DataFrame:
    """Every (business row, group key) pair: each business is in its division, its section and
    all sectors; its region and Peru; its size class and all sizes; and so on."""
    base = pd.DataFrame(
        {
            "b": np.arange(len(frame)),
            "region": frame["region"].astype(str).to_numpy(),
            "size": frame["size"].astype(str).to_numpy(),
            "women": frame["women"].to_numpy(),
            "online": frame["online"].to_numpy(),
        }
    )
    parts = []
    for level, column in ((TOTAL, None), (SECTION, "section"), (DIVISION, "division")):
        part = base.copy()
        part.insert(1, "level", level)
        part.insert(2, "row", ALL if column is None else frame[column].astype(str).to_numpy())
        parts.append(part)
    members = pd.concat(parts, ignore_index=True)
    for column in ("region", "size", "women", "online"):
        every = members.copy()
        every[column] = ALL
        members = pd.concat([members, every], ignore_index=True)
    return members


def _families(keys: list[tuple], divisions_of: dict[str, str]) -> list[dict[int, list[int]]]:
    """The additive relations between the groups: per relation, total -> its parts."""
    index = {k: i for i, k in enumerate(keys)}
    families: list[dict[int, list[int]]] = [{} for _f in range(6)]
    for i, (level, row, region, size, women, online) in enumerate(keys):
        rest = (region, size, women, online)
        if level == SECTION:  # all sectors is the sum of the sections
            families[0].setdefault(index[(TOTAL, ALL, *rest)], []).append(i)
        elif level == DIVISION:  # a section is the sum of its divisions
            families[1].setdefault(index[(SECTION, divisions_of[row], *rest)], []).append(i)
        for f, position in ((2, 2), (3, 3), (4, 4), (5, 5)):  # Peru, all sizes, women, online
            key = keys[i]
            if key[position] != ALL:
                parent = (*key[:position], ALL, *key[position + 1 :])
                families[f].setdefault(index[parent], []).append(i)
    return families


def _compute(measure: str, requester: disclosure.Requester) -> MapTable:
    frame = _businesses()
    columns = time_columns(measure)
    if frame.empty:
        return MapTable(measure=measure, columns=columns)
    comp = _components(measure, frame, columns)
    keys, groups, stats, status = _judge(frame, comp, len(columns), requester)
    numerator = groups.sum(np.where(comp.present, comp.numerator, 0.0))
    n = stats.n[:, : len(columns)]
    with np.errstate(invalid="ignore", divide="ignore"):
        value = numerator
        if comp.denominator is not None:
            value = numerator / groups.sum(np.where(comp.present, comp.denominator, 0.0))
        if comp.minus_one:
            value = value - 1
    table = MapTable(measure=measure, columns=columns, keys=keys)
    table.value, table.n, table.status = value, n, status[:, : len(columns)]
    return table


def _judge(
    frame: pd.DataFrame, comp: _Components, t: int, requester: disclosure.Requester
) -> tuple[list[tuple], disclosure.Groups, disclosure.CellStats, np.ndarray]:
    """The disclosure control of the page's table of groups (see the module docstring) over
    ``frame`` (rows of :func:`_businesses`) and a figure's components at ``t`` time columns:
    the groups' keys (``KEY_COLUMNS``), the groups, every component's statistics and the
    status (disclosure code, 0 when published) of each group x component x time column, after
    the threshold and dominance rules, secondary suppression over every additive relation and
    the time-differencing protection."""
    members = _memberships(frame)
    key_frame = members[list(KEY_COLUMNS)]
    codes = key_frame.groupby(list(KEY_COLUMNS), sort=False).ngroup().to_numpy()
    first = pd.Series(np.arange(len(codes))).groupby(codes).first().to_numpy()
    keys = [tuple(r) for r in key_frame.iloc[first].itertuples(index=False, name=None)]
    groups = disclosure.Groups(members["b"].to_numpy(), codes, len(keys))

    k = len(comp.judged)
    controlled = frame["id"].isin(requester.controlled).to_numpy()
    holders = [
        np.array([labels.get(int(i), -1) for i in frame["id"]], dtype=np.int64)
        for labels in requester.holders
    ]
    values = np.hstack(comp.judged)
    present = np.tile(comp.present, (1, k))
    stats = disclosure.cell_stats(values, present, groups, controlled, holders)
    rule = disclosure.rules()
    status = _together(disclosure.sensitive(stats, rule), t, k)

    divisions_of = dict(frame[["division", "section"]].drop_duplicates().to_numpy())
    families = _families(keys, divisions_of)
    differences = _time_differences(comp.present, controlled, groups) if t > 1 else None
    for _round in range(30):
        before = status.copy()
        for family in families:
            live = _live(family, status)
            status = disclosure.protect_totals(status, stats, live, rule)
            status = _withheld_totals_keep_a_part(status, stats, live)
        status = _together(status, t, k)
        if differences is not None:
            status = _protect_time(status, differences, rule, t, k)
        if np.array_equal(before, status):
            break
    return keys, groups, stats, status


def judged_cells(
    frame: pd.DataFrame, requester: disclosure.Requester, *, magnitude: bool = False
) -> dict[tuple, tuple[int, int, float]]:
    """Another figure of the same businesses judged as the map judges its own (the
    drill-down's forecast sums and drivers, :mod:`forecasting.market_drill`), at the current
    cut-off: ``frame`` holds rows of :func:`_businesses` (the contributors), with a ``value``
    column for a sum (none: each contributor counts 1). Returns every group of the page's
    table (keys ``KEY_COLUMNS``) -> (disclosure code, 0 when published; contributors; sum of
    ``value``). The threshold rule always applies; with ``magnitude`` the dominance rules
    judge the values too (a sum of sales, where one business can make up most of a cell).
    Secondary suppression over every additive relation of the table, as for the map's
    figures."""
    if frame.empty:
        return {}
    frame = frame.reset_index(drop=True)
    ones = np.ones((len(frame), 1))
    value = frame["value"].to_numpy(dtype=float)[:, None] if "value" in frame else ones
    judged = value if magnitude else ones
    comp = _Components(np.ones(value.shape, dtype=bool), [judged], value)
    keys, groups, stats, status = _judge(frame, comp, 1, requester)
    total = groups.sum(value)[:, 0]
    return {k: (int(status[i, 0]), int(stats.n[i, 0]), float(total[i])) for i, k in enumerate(keys)}


def _together(status: np.ndarray, t: int, k: int) -> np.ndarray:
    """A figure is withheld when any of its components is: the worst code of the ``k``
    components, for each of the ``t`` time columns, copied to every component."""
    worst = status.reshape(status.shape[0], k, t).max(axis=1)
    return np.tile(worst, (1, k)).astype(np.int8)


def _live(family: dict[int, list[int]], status: np.ndarray) -> dict[int, list[int]]:
    """The relations with something withheld (the only ones the protection can change)."""
    withheld = status.any(axis=1)
    return {
        total: parts
        for total, parts in family.items()
        if withheld[total] or any(withheld[p] for p in parts)
    }


def _time_differences(
    present: np.ndarray, controlled: np.ndarray, groups: disclosure.Groups
) -> np.ndarray:
    """Per group and pair of time columns (a, b): the contributors outside the reader's control
    that are in the group at one of them and not at the other."""
    t = present.shape[1]
    free = ~controlled
    out = np.zeros((groups.n, t, t))
    for a in range(t):
        for b in range(a + 1, t):
            diff = ((present[:, a] != present[:, b]) & free).astype(float)[:, None]
            out[:, a, b] = out[:, b, a] = groups.sum(diff)[:, 0]
    return out


def _protect_time(
    status: np.ndarray, differences: np.ndarray, rule: disclosure.Rules, t: int, k: int
) -> np.ndarray:
    """Between two published months of a cell, the businesses that differ (an analyst could
    subtract one from the other) are none or at least the threshold: walking the columns from
    the current cut-off back, a month whose difference with the last published one is a small
    group is withheld (complement) — the current figures first, the history gives way. A
    history's contributors only join over time (followed from a first record; a series, once
    it exists, stays), so the difference between any two published months is a union of such
    groups and passes too."""
    own = status[:, :t].copy()
    last = np.full(own.shape[0], -1)
    for m in range(t - 1, -1, -1):
        published = own[:, m] == 0
        rows = np.flatnonzero(published & (last >= 0))
        d = differences[rows, last[rows], m]
        bad = rows[(d > 0) & (d < rule.min_contributors)]
        own[bad, m] = disclosure.COMPLEMENT_CODE
        published[bad] = False
        last = np.where(published, m, last)
    return np.tile(own, (1, k)).astype(np.int8)


def _withheld_totals_keep_a_part(
    status: np.ndarray, stats: disclosure.CellStats, partition: dict[int, list[int]]
) -> np.ndarray:
    """The other direction of an additive relation: a withheld total whose parts are all
    published would be their sum, so its smallest part is withheld too (its reason: the
    complement). Together with :func:`businesses.disclosure.protect_totals`, no relation of
    the table has exactly one withheld member."""
    status = status.copy()
    for total, cells in partition.items():
        cols = np.flatnonzero(status[total] > 0)
        if not cells or not len(cols):
            continue
        cells = np.asarray(cells)
        present = stats.n[np.ix_(cells, cols)] > 0
        withheld = (status[np.ix_(cells, cols)] > 0) & present
        for j in np.flatnonzero(present.any(axis=0) & ~withheld.any(axis=0)):
            m = cols[j]
            parts = cells[present[:, j]]
            smallest = parts[np.lexsort((parts, stats.total[parts, m]))[0]]
            status[smallest, m] = disclosure.COMPLEMENT_CODE
    return status


def sections_with_businesses() -> list[tuple[str, str]]:
    """(code, name) of the CIIU sections that have a business, for the filter."""
    used = Business.objects.values("sector__section_id")
    return list(Sector.names(Sector.objects.filter(code__in=used).order_by("code")).items())


def divisions_of_section(section: str) -> list[tuple[str, str]]:
    used = Business.objects.values("sector_id")
    return list(
        Sector.names(
            Sector.objects.filter(section_id=section, code__in=used).order_by("code")
        ).items()
    )


def regions() -> list[Region]:
    return list(Region.objects.order_by("name"))


def all_divisions() -> list[tuple[str, str, str]]:
    """(code, name, section) of the CIIU divisions that have a business, for the filter."""
    used = Business.objects.values("sector_id")
    return list(
        Sector.objects.filter(code__in=used, section__isnull=False)
        .order_by("code")
        .values_list("code", "name", "section_id")
    )


@dataclass(frozen=True)
class Filters:
    """What the page's form and the API's query select besides the measure."""

    section: str = ""
    division: str = ""
    size: str = ALL
    women: str = ALL
    online: str = ALL
    month: str = CURRENT

    @property
    def groups(self) -> dict[str, str]:
        return {"size": self.size, "women": self.women, "online": self.online}


def sector_view(filters: Filters) -> tuple[str, list[tuple[str, str]], str, str]:
    """The sectors a view lists and its total: (level of the listed sectors, their (code,
    name), level of the total, the total's row code). A division: just it, its section the
    total; a section: its divisions; else the sections and all sectors."""
    if filters.division:
        name = Sector.objects.filter(code=filters.division).values_list("name", "section_id")
        found = name.first() or ("", filters.division)
        return DIVISION, [(filters.division, found[0])], SECTION, found[1] or filters.division
    if filters.section:
        return DIVISION, divisions_of_section(filters.section), SECTION, filters.section
    return SECTION, sections_with_businesses(), TOTAL, ALL


def readable_regions(user) -> list[str] | None:
    """The region codes ``user`` reads statistics of: None for every region (analysts,
    partners, superusers), else the regions a coordinator coordinates."""
    if (
        user.is_superuser
        or roles.has_role(user, roles.ANALYST)
        or roles.has_role(user, roles.PARTNER)
    ):
        return None
    return supervised_region_codes(user)


BY_REGION, BY_SECTOR, BY_REGION_SECTOR = "region", "sector", "region,sector"
BY = (BY_REGION, BY_SECTOR, BY_REGION_SECTOR)


def statistics(user, measure: str, filters: Filters, by: str) -> list[dict]:
    """The statistics API's cells: ``measure`` by region, by sector (Peru) or by region and
    sector, with ``filters``, as ``user`` may read them — from :func:`map_table`, as the page.
    Each cell: its keys, value, contributors, and whether and why it is withheld."""
    table = map_table(measure, disclosure.requester_for(user))
    level, sectors, total_level, total_row = sector_view(filters)
    mine = readable_regions(user)
    region_list = [r for r in regions() if mine is None or r.code in mine]
    if by == BY_REGION:
        wanted = [(r, (total_level, total_row, None)) for r in region_list]
    elif by == BY_SECTOR:
        wanted = [(None, (level, code, name)) for code, name in sectors]
    else:
        wanted = [(r, (level, code, name)) for r in region_list for code, name in sectors]
    out = []
    for region, (row_level, row, name) in wanted:
        cell = table.cell(
            row_level, row, region.code if region else ALL, month=filters.month, **filters.groups
        )
        entry = {}
        if region is not None:
            entry["region"] = {"code": region.code, "name": region.name}
        if by != BY_REGION:
            entry["sector"] = {"level": row_level, "code": row, "name": name}
        entry.update(
            value=cell.value,
            contributors=cell.n,
            suppressed=bool(cell.reason),
            reason=cell.reason or None,
            reason_text=disclosure.reason_text(cell.reason) if cell.reason else None,
        )
        out.append(entry)
    return out
