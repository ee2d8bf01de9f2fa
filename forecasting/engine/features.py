"""Feature builders: pure, vectorised functions from the schema's long frames to one row per
(business, cut-off).

Everything a row holds is known at its cut-off: the cut-off is the last month whose records
are known, and no value from a later month enters any column (a property test checks this).
Work happens on a dense (business x month) matrix built once (:func:`build_panel`); each
cut-off reads a fixed window of past columns from it, so the cost is one pass over
``n_businesses x window`` per cut-off, never a Python loop per business.

Conventions
-----------
* ``log_sales`` is ``log1p(sales)`` in soles. Missing months stay NaN, never zero; a month
  recorded with zero sales is a real zero.
* ``log_sales_lag_k`` is the value ``k - 1`` months before the cut-off: ``lag_1`` is the
  cut-off month itself (the latest known month), ``lag_12`` the same calendar month as the
  cut-off one year earlier.
* Horizon-specific columns end in ``_h{h}``: for a target ``h`` months after the cut-off,
  ``log_sales_same_month_ly_h{h}`` is the target's calendar month one year earlier (the
  seasonal reference: 11 months before the cut-off for ``h = 1``). :func:`horizon_view` picks
  one horizon and drops the suffix.
* Outliers: a recorded rule (:data:`OUTLIER_RULE`) caps positive log sales of each business at
  ``[q1 - k * IQR, q3 + k * IQR]``, quartiles computed from that business's own positive months
  inside the window ending at the cut-off (so from known data only). Zero months are kept:
  they are intermittency, not outliers. Targets are never capped for evaluation.
* Every output column is described in :func:`feature_catalogue` (plain Spanish and English
  names) which the explanations use.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from forecasting.engine import schema
from forecasting.engine.reasons import INDICATOR_WORDS

LAGS = (1, 2, 3, 6, 12)
ROLLING_WINDOWS = (3, 6, 12)
WINDOW = 36  # months of history read per cut-off (enough for 24-month seasonal references)
GROUP_SHRINK = 5.0  # pseudo-count pulling small sector/region groups towards the national mean
INTERMITTENT_SHARE = 0.2  # share of zero months (among observed, last 24) that flags a series
SHORT_HISTORY_MONTHS = 12
KALMAN_LEVEL_VAR = 0.01  # monthly variance of the underlying level (sd 10 %), chosen by measurement
MARKET_PUBLICATION_LAG = 3  # months a market series' latest value may trail the cut-off

OUTLIER_RULE: dict = {
    "name": "per_business_iqr_cap_on_log_sales",
    "description": (
        "Positive log1p(sales) values of each business are capped at [q1 - k*IQR, q3 + k*IQR], "
        "quartiles from the business's own positive months in the window ending at the cut-off "
        "(known data only); the IQR is floored at min_iqr; series with fewer than "
        "min_positive_months positive months are left as they are; zero months are kept."
    ),
    "k": 3.0,
    "min_iqr": 0.5,
    "min_positive_months": 6,
    "window_months": WINDOW,
    "applies_to": "features only (evaluation targets are never capped)",
}

CATEGORICAL_COLUMNS = (schema.SECTOR_SECTION, schema.SECTOR_DIVISION, schema.REGION_CODE)
GROUPS = ("sector", "region", "sector_region")
KEY_COLUMNS = (schema.BUSINESS_ID, "cutoff")


@dataclass(frozen=True)
class Panel:
    """Dense monthly matrices of one set of records (rows: businesses, columns: months).

    ``periods`` is contiguous (every month between the first and the last record); a month
    without a record is NaN in every matrix.
    """

    business_ids: np.ndarray
    periods: pd.DatetimeIndex
    sales: np.ndarray
    costs: np.ndarray
    employees: np.ndarray
    satisfaction: np.ndarray
    observed_cum: np.ndarray = field(repr=False)
    zero_cum: np.ndarray = field(repr=False)
    first_index: np.ndarray = field(repr=False)

    @property
    def log_sales(self) -> np.ndarray:
        """``log1p(sales)`` with NaN for unknown months (computed on demand)."""
        return np.log1p(self.sales)

    @cached_property
    def first_month(self) -> int:
        """Month number (``_month_number``) of the first column."""
        return int(_month_number(self.periods[:1])[0])

    def period_index(self, cutoffs: list | pd.DatetimeIndex) -> np.ndarray:
        """Column index of each cut-off month (may fall outside ``0..T-1``)."""
        return _month_number(cutoffs) - self.first_month


def _month_number(values: pd.DatetimeIndex | pd.Series | np.ndarray) -> np.ndarray:
    arr = np.asarray(values, dtype="datetime64[ns]").astype("datetime64[M]")
    return arr.astype(np.int64)


def _sorted_codes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(values, return_inverse=True)`` through a hash table: sorting millions of
    record rows cost more than the rest of the pivot; only the distinct ids are sorted."""
    codes, uniques = pd.factorize(values, sort=False)
    order = np.argsort(uniques, kind="stable")
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return np.asarray(uniques)[order], rank[codes]


def _floats(values) -> np.ndarray:
    """A column (pandas, with its own missing values, or a NumPy array) as floats, NaN missing."""
    if hasattr(values, "to_numpy"):
        return values.to_numpy(dtype=float, na_value=np.nan)
    return np.asarray(values, dtype=float)


def build_panel(
    records: pd.DataFrame | dict[str, np.ndarray], *, periods: pd.DatetimeIndex | None = None
) -> Panel:
    """Pivot long ``records`` (a frame, or ``{column: array}``) into dense (business x month)
    matrices, once.

    ``periods`` fixes the month axis (default: first to last recorded month). Records outside
    it are dropped. Duplicated (business, month) rows keep the last one.
    """
    months = _month_number(np.asarray(records[schema.PERIOD]))
    if periods is None:
        if len(months) == 0:
            raise ValueError("no records")
        start = np.datetime64(int(months.min()), "M")
        end = np.datetime64(int(months.max()), "M")
        periods = pd.date_range(pd.Timestamp(start), pd.Timestamp(end), freq="MS")
    periods = pd.DatetimeIndex(periods)
    col = months - _month_number(periods[:1])[0]
    keep = (col >= 0) & (col < len(periods))
    ids, row = _sorted_codes(np.asarray(records[schema.BUSINESS_ID])[keep])
    col = col[keep]
    shape = (len(ids), len(periods))

    def dense(name: str) -> np.ndarray:
        out = np.full(shape, np.nan)
        if name in records:
            out[row, col] = _floats(records[name])[keep]
        return out

    sales = dense(schema.SALES)
    observed = ~np.isnan(sales)
    observed_cum = np.cumsum(observed, axis=1, dtype=np.int32)
    zero_cum = np.cumsum(sales == 0, axis=1, dtype=np.int32)
    first_index = np.where(observed.any(axis=1), observed.argmax(axis=1), shape[1])
    return Panel(
        business_ids=ids,
        periods=periods,
        sales=sales,
        costs=dense(schema.COSTS),
        employees=dense(schema.EMPLOYEES),
        satisfaction=dense(schema.SATISFACTION),
        observed_cum=observed_cum,
        zero_cum=zero_cum,
        first_index=first_index,
    )


# --------------------------------------------------------------------------- numeric kernels


def _window(matrix: np.ndarray, c: int, width: int) -> np.ndarray:
    """Columns ``c - width + 1 .. c`` of ``matrix`` (NaN where before the first column)."""
    out = np.full((matrix.shape[0], width), np.nan)
    lo = c - width + 1
    src = matrix[:, max(lo, 0) : c + 1]
    if src.shape[1]:
        out[:, width - src.shape[1] :] = src
    return out


# The kernels below run a few dozen times per cut-off on matrices of one row (a served business)
# to millions of cells (a scoring chunk): array methods rather than NumPy's module functions,
# whose dispatch costs more than the arithmetic on one row, and no warnings to silence.


def _count(x: np.ndarray) -> np.ndarray:
    return (x == x).sum(axis=1)  # NaN is the one value unequal to itself


def _nanmean(x: np.ndarray) -> np.ndarray:
    ok = x == x
    n = ok.sum(axis=1)
    s = np.where(ok, x, 0.0).sum(axis=1)
    return np.where(n > 0, s / np.maximum(n, 1), np.nan)


def _nanstd(x: np.ndarray) -> np.ndarray:
    ok = x == x
    n = ok.sum(axis=1)
    mean = np.where(n > 0, np.where(ok, x, 0.0).sum(axis=1) / np.maximum(n, 1), np.nan)
    dev = np.where(ok, x - mean[:, None], 0.0)
    return np.where(n > 1, np.sqrt((dev**2).sum(axis=1) / np.maximum(n - 1, 1)), np.nan)


def _last_valid(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Latest non-NaN value of each row and how many columns before the end it sits."""
    valid = ~np.isnan(x)
    back = valid[:, ::-1].argmax(axis=1)
    has = valid.any(axis=1)
    value = x[np.arange(x.shape[0]), x.shape[1] - 1 - back]
    return np.where(has, value, np.nan), np.where(has, back, np.nan)


def row_quantiles(x: np.ndarray, qs: tuple[float, ...]) -> list[np.ndarray]:
    """Linear-interpolated quantiles of each row ignoring NaN (fast ``nanquantile``)."""
    s = np.sort(x, axis=1)  # NaN sort last
    n = _count(x)
    rows = np.arange(x.shape[0])
    out = []
    for q in qs:
        pos = q * np.maximum(n - 1, 0)
        lo = np.floor(pos).astype(int)
        hi = np.minimum(lo + 1, np.maximum(n - 1, 0))
        frac = pos - lo
        v = s[rows, lo] * (1 - frac) + s[rows, hi] * frac
        out.append(np.where(n > 0, v, np.nan))
    return out


def _slope(y: np.ndarray) -> np.ndarray:
    """Least-squares slope per row over the observed points (NaN with fewer than 3)."""
    x = np.arange(y.shape[1], dtype=float)
    m = y == y
    n = m.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        xm = np.where(m, x, 0).sum(axis=1) / np.maximum(n, 1)
        ym = np.where(m, y, 0).sum(axis=1) / np.maximum(n, 1)
        dx = np.where(m, x - xm[:, None], 0)
        dy = np.where(m, y - ym[:, None], 0)
        slope = (dx * dy).sum(axis=1) / (dx**2).sum(axis=1)
    return np.where(n >= 3, slope, np.nan)


def _local_level(y: np.ndarray, noise_var: np.ndarray, level_var: float) -> tuple:
    """Kalman filter of a local-level model run along each row (NaN months skipped).

    Returns the filtered level at the last column and its variance (NaN when a row has no
    observation). Vectorised over rows; the loop is over the window's months only, a dozen
    in-place operations each (which rows start or update at each month is known in advance).
    """
    n, t = y.shape
    seen = y == y
    first = np.where(seen.any(axis=1), seen.argmax(axis=1), t)
    if n <= SCALAR_KALMAN_ROWS:
        return _local_level_rows(y, first, noise_var, level_var)
    months = np.arange(t)
    starts = np.ascontiguousarray((months[None, :] == first[:, None]).T)
    updates = np.ascontiguousarray((seen & (months[None, :] > first[:, None])).T)
    observed = np.ascontiguousarray(y.T)
    starting = starts.any(axis=1).tolist()
    level = np.full(n, np.nan)
    var = np.full(n, np.nan)
    for j in range(t):
        obs = observed[j]
        if starting[j]:
            np.copyto(level, obs, where=starts[j])
            np.copyto(var, noise_var, where=starts[j])
        var += level_var
        gain = var / (var + noise_var)
        np.copyto(level, level + gain * (obs - level), where=updates[j])
        np.copyto(var, (1.0 - gain) * var, where=updates[j])
    return level, var


# Up to this many rows (one business's advice or API request) the Kalman filter runs row by row
# on Python floats: the vectorised loop's ~400 NumPy calls on one-element arrays cost ~0.3 ms,
# the same arithmetic on floats ~20 us. The same operations in the same order on IEEE doubles:
# the same numbers to the bit (a unit test).
SCALAR_KALMAN_ROWS = 8


def _local_level_rows(y: np.ndarray, first: np.ndarray, noise_var: np.ndarray, level_var: float):
    """:func:`_local_level`, row by row (``first``: each row's first observed column)."""
    n, t = y.shape
    level, var = np.full(n, np.nan), np.full(n, np.nan)
    for i in range(n):
        obs, start, nv = y[i].tolist(), int(first[i]), float(noise_var[i])
        lv = v = float("nan")
        for j in range(t):
            if j == start:
                lv, v = obs[j], nv
            v += level_var
            gain = v / (v + nv)
            if j > start and obs[j] == obs[j]:
                lv = lv + gain * (obs[j] - lv)
                v = (1.0 - gain) * v
        level[i], var[i] = lv, v
    return level, var


def _group_mean(
    codes: np.ndarray, values: np.ndarray, n_groups: int, *, prior: np.ndarray | None = None
) -> np.ndarray:
    """Group mean of ``values`` (NaN ignored) mapped back to each row, shrunk towards the
    overall mean (or towards each row's ``prior``, e.g. a coarser group's mean)."""
    ok = (codes >= 0) & ~np.isnan(values)
    if not ok.any():
        return np.full(len(values), np.nan) if prior is None else prior
    overall = values[ok].mean()
    sums = np.bincount(codes[ok], weights=values[ok], minlength=n_groups)
    counts = np.bincount(codes[ok], minlength=n_groups).astype(float)
    safe = np.maximum(codes, 0)
    if prior is None:
        means = (sums + GROUP_SHRINK * overall) / (counts + GROUP_SHRINK)
        return np.where(codes >= 0, means[safe], overall)
    prior = np.where(np.isnan(prior), overall, prior)
    out = (sums[safe] + GROUP_SHRINK * prior) / (counts[safe] + GROUP_SHRINK)
    return np.where(codes >= 0, out, prior)


class GroupStats:
    """Sums and counts, per group label, of the per-business quantities that the sector,
    region and sector x region features average (growth, level, seasonal deviations).

    A business's group features read *every* business of its groups, so features built for a
    part of the panel (a scoring chunk) need the groups' figures from the whole panel: collect
    them chunk by chunk with :func:`group_statistics`, :meth:`merge` the parts, and pass the
    result to :func:`build_features` (``group_stats=``). The group means are then the same as
    when the whole panel is featurised at once (up to floating-point summation order).
    Keys are ``(stat, group)``; values map a group label (sector division, region code, or
    ``"sector|region"``) to ``[sum, count]``.
    """

    def __init__(self, table: dict[tuple[str, str], dict[str, list[float]]] | None = None):
        self.table: dict[tuple[str, str], dict[str, list[float]]] = table or {}
        # read-only views, built on first use and dropped by add and merge: each group's labels
        # (over every statistic) and each statistic's sums, counts and means by label position
        self._index: dict[str, dict[str, int]] = {}
        self._dense: dict[tuple[str, str], tuple] = {}

    def _changed(self) -> None:
        self._index.clear()
        self._dense.clear()

    def add(self, stat: str, group: str, labels: np.ndarray, codes: np.ndarray, values) -> None:
        """Add the ``values`` of rows with group ``codes`` (indices into ``labels``)."""
        ok = (codes >= 0) & ~np.isnan(values)
        sums = np.bincount(codes[ok], weights=values[ok], minlength=len(labels))
        counts = np.bincount(codes[ok], minlength=len(labels))
        self._changed()
        part = self.table.setdefault((stat, group), {})
        for i in np.flatnonzero(counts):
            cell = part.setdefault(str(labels[i]), [0.0, 0])
            cell[0] += float(sums[i])
            cell[1] += int(counts[i])

    def merge(self, other: GroupStats) -> GroupStats:
        """Add another part's sums and counts into this one; returns self."""
        self._changed()
        for key, part in other.table.items():
            mine = self.table.setdefault(key, {})
            for label, (total, count) in part.items():
                cell = mine.setdefault(label, [0.0, 0])
                cell[0] += total
                cell[1] += count
        return self

    def positions(self, group: str, labels: np.ndarray, codes: np.ndarray) -> np.ndarray:
        """Each row's cell in this group's tables (:meth:`mean_at`): its label's position, ``L``
        for a label the statistics never saw, ``L + 1`` for a row without a group (code -1),
        ``L`` being the number of labels of the group. Computed once per request and group,
        then read by every statistic of the group."""
        index = self._index.get(group)
        if index is None:
            index = {}
            for (_, g), part in self.table.items():
                if g == group:
                    for label in part:
                        index.setdefault(label, len(index))
            self._index[group] = index
        unseen = len(index)
        cells = np.array([index.get(str(label), unseen) for label in labels] + [unseen + 1])
        return cells[np.where(codes >= 0, codes, len(labels))]

    def mean_at(self, stat: str, group: str, cells: np.ndarray, prior=None) -> np.ndarray:
        """The group mean of ``stat`` for rows in these ``cells`` (:meth:`positions`): the
        group's sum and count shrunk towards the national mean (or towards each row's
        ``prior``, e.g. a coarser group's mean); the national mean (or the prior) for a row
        without a group. What :func:`_group_mean` gives when these totals are the rows'."""
        dense = self._dense.get((stat, group))
        if dense is None:
            dense = self._dense[(stat, group)] = self._densify(stat, group)
        sums, counts, means, overall = dense
        if overall is None:
            return np.full(len(cells), np.nan) if prior is None else prior
        if prior is None:
            return means[cells]
        prior = np.where(np.isnan(prior), overall, prior)
        out = (sums[cells] + GROUP_SHRINK * prior) / (counts[cells] + GROUP_SHRINK)
        return np.where(cells == len(sums) - 1, prior, out)

    def means_at(self, stats: tuple[str, ...], group: str, cells: np.ndarray, prior=None):
        """:meth:`mean_at` of several statistics of one group at once: rows x statistics
        (``prior``: rows x statistics too, or None), one table lookup for all of them (a served
        request reads a dozen seasonal statistics per group). The same arithmetic element by
        element: the same numbers."""
        key = (stats, group)
        stacked = self._dense.get(key)
        if stacked is None:
            dense = [self._dense.get((s, group)) or self._densify(s, group) for s in stats]
            if any(d[3] is None for d in dense):
                stacked = None
            else:
                stacked = tuple(np.stack([d[k] for d in dense], axis=1) for k in range(3))
                stacked += (np.array([d[3] for d in dense]),)
            self._dense[key] = stacked or ()
        if not stacked:  # a statistic without any value: one by one
            return np.stack(
                [
                    self.mean_at(s, group, cells, prior=None if prior is None else prior[:, j])
                    for j, s in enumerate(stats)
                ],
                axis=1,
            )
        sums, counts, means, overall = stacked
        if prior is None:
            return means[cells]
        prior = np.where(np.isnan(prior), overall, prior)
        out = (sums[cells] + GROUP_SHRINK * prior) / (counts[cells] + GROUP_SHRINK)
        return np.where((cells == len(sums) - 1)[:, None], prior, out)

    def _densify(self, stat: str, group: str) -> tuple:
        """``stat`` by ``group`` as arrays over the group's label positions plus the two extra
        cells of :meth:`positions` (no sums there), the means without a prior, and the
        national mean (None: no value at all)."""
        part = self.table.get((stat, group))
        if part is None:
            raise KeyError(f"group statistics lack {stat!r} by {group!r}")
        self.positions(group, np.array([], dtype=str), np.array([], dtype=np.int64))
        index = self._index[group]
        sums = np.zeros(len(index) + 2)
        counts = np.zeros(len(index) + 2)
        for label, (total, count) in part.items():
            sums[index[label]] = total
            counts[index[label]] = float(count)
        total = sum(c[0] for c in part.values())
        count = sum(c[1] for c in part.values())
        if count == 0:
            return sums, counts, None, None
        overall = total / count
        means = (sums + GROUP_SHRINK * overall) / (counts + GROUP_SHRINK)
        means[-1] = overall
        return sums, counts, means, overall

    def to_json(self) -> dict:
        return {f"{stat}|{group}": part for (stat, group), part in self.table.items()}

    @classmethod
    def from_json(cls, data: dict) -> GroupStats:
        table = {}
        for key, part in data.items():
            stat, _, group = key.partition("|")
            table[(stat, group)] = {label: [float(s), int(c)] for label, (s, c) in part.items()}
        return cls(table)


SEASON_STATS = tuple(f"season_{p}" for p in range(12))


class _GroupMeans:
    """The group means of one cut-off: over the rows at hand (the default), or from
    ``stats`` gathered over a larger panel; with ``collect``, the rows' sums are added to it."""

    def __init__(
        self,
        codes: dict[str, tuple[np.ndarray, int]],
        labels: dict[str, np.ndarray],
        stats: GroupStats | None = None,
        collect: GroupStats | None = None,
    ) -> None:
        self.codes, self.labels, self.stats, self.collect = codes, labels, stats, collect
        self._cells: dict[tuple[str, int], np.ndarray] = {}  # (group, rows) -> cells in stats

    def __call__(self, stat: str, group: str, values: np.ndarray, prior=None) -> np.ndarray:
        if self.stats is not None and self.collect is None:
            return self.stats.mean_at(stat, group, self._cells_of(group, len(values)), prior=prior)
        code = self._code(group, len(values))
        if self.collect is not None:
            self.collect.add(stat, group, self.labels[group], code, values)
        if self.stats is not None:
            return self.stats.mean_at(
                stat, group, self.stats.positions(group, self.labels[group], code), prior=prior
            )
        return _group_mean(code, values, self.codes[group][1], prior=prior)

    def many(self, stats: tuple[str, ...], group: str, values: np.ndarray, prior=None):
        """This call for several statistics of one group (``values``, ``prior``: rows x
        statistics, in the order of ``stats``); rows x statistics back. From given statistics
        (a served request, a scoring chunk) in one lookup (:meth:`GroupStats.means_at`), else
        one statistic after the other."""
        if self.stats is not None and self.collect is None:
            return self.stats.means_at(
                stats, group, self._cells_of(group, len(values)), prior=prior
            )
        return np.stack(
            [
                self(s, group, values[:, j], prior=None if prior is None else prior[:, j])
                for j, s in enumerate(stats)
            ],
            axis=1,
        )

    def _cells_of(self, group: str, rows: int) -> np.ndarray:
        """The given statistics' cells of ``rows`` rows of ``group`` (looked up once)."""
        cells = self._cells.get((group, rows))
        if cells is None:
            cells = self._cells[(group, rows)] = self.stats.positions(
                group, self.labels[group], self._code(group, rows)
            )
        return cells

    def _code(self, group: str, rows: int) -> np.ndarray:
        code = self.codes[group][0]
        if rows != len(code):  # the seasonal profile stacks two years of rows
            code = np.tile(code, rows // len(code))
        return code


# --------------------------------------------------------------------------- static attributes

Static = dict[str, np.ndarray]  # schema.BUSINESS_COLUMNS -> one value per panel business


def _missing(value) -> bool:
    """None, NaN, NaT or pandas' NA (what ``pd.isna`` says of one value)."""
    return value is None or value is pd.NA or bool(value != value)


def _business_columns(panel: Panel, businesses: pd.DataFrame | dict | None) -> Static:
    """The static attributes of the panel's businesses as arrays in the panel's order (the last
    row of a business given twice; missing values for a business without a row): the sector,
    section and region as given (object arrays, None or NaN when missing), the founding month as
    a month number (float, NaN when unknown), the yes/no attributes as floats (NaN: unknown).

    Plain NumPy whatever the number of businesses (one served business, a scoring chunk, the
    panel a model is trained on): aligning a frame of one business through pandas cost more than
    that business's features."""
    n = len(panel.business_ids)
    out: Static = {schema.BUSINESS_ID: panel.business_ids}
    given = businesses is not None and len(businesses[schema.BUSINESS_ID]) > 0
    take = None
    if given:
        ids = np.asarray(businesses[schema.BUSINESS_ID])
        if not (len(ids) == n and np.array_equal(ids, panel.business_ids)):
            # the row of each panel business: the last of its rows (a stable sort keeps the
            # rows of one id in order; the last of a run is the one before the next id)
            order = np.argsort(ids, kind="stable")
            sorted_ids = ids[order]
            pos = np.searchsorted(sorted_ids, panel.business_ids, side="right") - 1
            found = pos >= 0
            found[found] = sorted_ids[pos[found]] == panel.business_ids[found]
            take = np.where(found, order[np.maximum(pos, 0)], -1)

    def column(name: str, missing) -> np.ndarray:
        if not given or name not in businesses:
            return np.full(n, missing, dtype=object)
        values = businesses[name]
        values = values.to_numpy() if hasattr(values, "to_numpy") else np.asarray(values)
        if take is None:
            return values
        out = np.full(n, missing, dtype=object if values.dtype.kind in "OUSb" else values.dtype)
        hit = take >= 0
        out[hit] = values[take[hit]]
        return out

    for col in (schema.SECTOR_SECTION, schema.SECTOR_DIVISION, schema.REGION_CODE):
        out[col] = column(col, np.nan).astype(object)
    founded = column(schema.FOUNDED, None)
    if founded.dtype.kind != "M":  # dates as objects (None, NaT, Timestamps, text)
        founded = np.array(
            [None if _missing(v) else v for v in founded.tolist()], dtype="datetime64[ns]"
        )
    months = _month_number(founded).astype(float)
    out[schema.FOUNDED] = np.where(np.isnat(founded), np.nan, months)
    for col in (schema.WOMEN_LED, schema.SELLS_ONLINE):
        values = column(col, np.nan)
        out[col] = np.array([np.nan if _missing(v) else float(v) for v in values.tolist()])
    return out


def _codes_and_labels(values: np.ndarray) -> tuple[np.ndarray, int, np.ndarray]:
    """Each value's code (its group, in order of first appearance; -1 when missing), the
    number of groups (at least 1) and each group's label as text."""
    index: dict = {}
    codes = np.fromiter(
        (-1 if _missing(v) else index.setdefault(v, len(index)) for v in values.tolist()),
        dtype=np.int64,
        count=len(values),
    )
    return codes, max(len(index), 1), np.array([str(v) for v in index], dtype=str)


# --------------------------------------------------------------------------- market indicators


@dataclass(frozen=True)
class MarketSeries:
    """One market indicator as each business sees it: ``chosen[i]`` is the row of the series
    matrix (series x month) that best matches business ``i`` (-1: none).

    The matrix is either fixed (``values``: the values as currently stored) or rebuilt at each
    cut-off from ``vintages`` (``key_row, col, value, known_from, known_until`` arrays, month
    indices on the panel's axis): a vintage is known at cut-offs ``known_from <= c <
    known_until``. Either way a cut-off reads a window of a few dozen series rows, then gathers
    the businesses' rows, so vintages cost one small scatter per cut-off, not a panel rebuild.
    """

    chosen: np.ndarray
    n_series: int
    n_months: int
    values: np.ndarray | None = None
    vintages: tuple[np.ndarray, ...] | None = None

    def known_at(self, c: int) -> np.ndarray:
        """The (series x month) matrix as known at cut-off column ``c``."""
        if self.vintages is None:
            return self.values
        key_row, col, value, known_from, known_until = self.vintages
        now = (known_from <= c) & (known_until > c) & (col <= c)
        series = np.full((self.n_series, self.n_months), np.nan)
        series[key_row[now], col[now]] = value[now]
        return series

    def window(self, c: int, width: int, *, publication_lag: int = 0) -> np.ndarray:
        """``width`` months for every business, as known at ``c``, ending at ``c`` or, with
        ``publication_lag``, at its series' latest value of the last ``publication_lag + 1``
        months: official statistics appear weeks after their month (the central bank's
        production indices about 45 days), so at a month's end the latest value is often one
        or two months old. A series without any value in those months ends at ``c``."""
        known = self.known_at(c)
        end = np.full(self.n_series, c)
        if publication_lag > 0 and self.n_series:
            first = max(c - publication_lag, 0)
            has = ~np.isnan(known[:, first : c + 1])
            last = has.shape[1] - 1 - np.argmax(has[:, ::-1], axis=1)
            end = np.where(has.any(axis=1), first + last, c)
        cols = end[:, None] - (width - 1) + np.arange(width)
        rows = np.where(
            cols >= 0,
            known[np.arange(self.n_series)[:, None], np.maximum(cols, 0)],
            np.nan,
        )
        out = np.full((len(self.chosen), width), np.nan)
        ok = self.chosen >= 0
        out[ok] = rows[self.chosen[ok]]
        return out


_NEVER = np.iinfo(np.int64).max // 2


def _vintage_arrays(
    key_row: np.ndarray, col: np.ndarray, value: np.ndarray, known_from: np.ndarray
) -> tuple[np.ndarray, ...]:
    """Sort the vintages of each (series, month) by ``known_from`` and give each the column at
    which the next one replaces it (``known_until``), so one cut-off selects one per month."""
    order = np.lexsort((np.arange(len(col)), known_from, col, key_row))
    key_row, col, value, known_from = key_row[order], col[order], value[order], known_from[order]
    same_next = (key_row[1:] == key_row[:-1]) & (col[1:] == col[:-1])
    known_until = np.full(len(col), _NEVER, dtype=np.int64)
    known_until[:-1][same_next] = known_from[1:][same_next]
    return key_row, col, value, known_from, known_until


def _indicator_blocks(
    indicators: pd.DataFrame | None, panel: Panel, static: Static
) -> dict[str, MarketSeries]:
    """For each indicator name, the best-matching series of every business.

    Matching goes from the most specific series to the least: (division, region), (division,
    any region), (section, region), (section, any region), (any sector, region), national. A
    series' sector may be a CIIU division ("47") or a section ("G"): official statistics such
    as the central bank's sector production indices are published by section. Which series
    exist is decided on all the rows given (every vintage), so a business reads the same
    series at every cut-off.

    With a ``known_from`` column (see :mod:`.schema`) each cut-off sees the values as known
    then; without it, the values as given.
    """
    if indicators is None or not len(indicators):
        return {}
    ind = indicators.copy()
    ind["_col"] = _month_number(ind[schema.PERIOD].to_numpy()) - _month_number(panel.periods[:1])[0]
    ind = ind[(ind["_col"] >= 0) & (ind["_col"] < len(panel.periods))]
    vintaged = schema.INDICATOR_KNOWN_FROM in ind.columns
    if vintaged:
        known = ind[schema.INDICATOR_KNOWN_FROM]
        months = _month_number(known.fillna(panel.periods[0]).to_numpy())
        ind["_known"] = np.where(
            known.isna().to_numpy(), -_NEVER, months - _month_number(panel.periods[:1])[0]
        )
    sec = ind[schema.SECTOR_DIVISION].astype(object).where(ind[schema.SECTOR_DIVISION].notna(), "*")
    reg = ind[schema.REGION_CODE].astype(object).where(ind[schema.REGION_CODE].notna(), "*")
    ind["_key"] = sec.astype(str) + "|" + reg.astype(str)
    b_sec, b_reg, b_section = (
        [("?" if _missing(v) else str(v)) for v in static[col].tolist()]
        for col in (schema.SECTOR_DIVISION, schema.REGION_CODE, schema.SECTOR_SECTION)
    )
    candidates = [
        [f"{s}|{r}" for s, r in zip(b_sec, b_reg, strict=True)],
        [f"{s}|*" for s in b_sec],
        [f"{s}|{r}" for s, r in zip(b_section, b_reg, strict=True)],
        [f"{s}|*" for s in b_section],
        [f"*|{r}" for r in b_reg],
        ["*|*"] * len(b_sec),
    ]
    blocks = {}
    for name, sub in ind.groupby(schema.INDICATOR_NAME, sort=True):
        keys, key_row = np.unique(sub["_key"].to_numpy(), return_inverse=True)
        lookup = {str(k): i for i, k in enumerate(keys.tolist())}
        chosen = np.full(len(b_sec), -1)
        for cand in candidates:
            hit = np.array([lookup.get(k, -1) for k in cand], dtype=np.int64)
            fill = (chosen < 0) & (hit >= 0)
            chosen[fill] = hit[fill]
        shape = {"chosen": chosen, "n_series": len(keys), "n_months": len(panel.periods)}
        col = sub["_col"].to_numpy()
        value = sub[schema.INDICATOR_VALUE].to_numpy(float)
        if vintaged:
            vintages = _vintage_arrays(key_row, col, value, sub["_known"].to_numpy(np.int64))
            blocks[str(name)] = MarketSeries(**shape, vintages=vintages)
        else:
            series = np.full((len(keys), len(panel.periods)), np.nan)
            series[key_row, col] = value
            blocks[str(name)] = MarketSeries(**shape, values=series)
    return blocks


def market_data_record(indicators: pd.DataFrame | None) -> dict:
    """What the market values of a backtest were: as known at each cut-off (the frame has
    vintages, see :mod:`.schema`) or as currently stored, with how many series had a history,
    how many values were revised after they first arrived and how many arrived after their
    series' first values (both seen by the cut-offs before they were known)."""
    column = schema.INDICATOR_KNOWN_FROM
    if indicators is None or column not in indicators or not indicators[column].notna().any():
        return {"as_known_at_cutoff": False, "series_with_history": 0, "revisions_applied": 0}
    series = [schema.INDICATOR_NAME, schema.SECTOR_DIVISION, schema.REGION_CODE]
    frame = indicators[[*series, schema.PERIOD, column]].copy()
    for key in series[1:]:
        frame[key] = frame[key].astype(object).where(frame[key].notna(), "*")
    frame = frame.sort_values([*series, schema.PERIOD, column], na_position="first", kind="stable")
    later = frame[column].notna()
    revision = frame.groupby([*series, schema.PERIOD], sort=False).cumcount() > 0
    return {
        "as_known_at_cutoff": True,
        "series_with_history": int(frame.loc[later, series].drop_duplicates().shape[0]),
        "revisions_applied": int((later & revision).sum()),
        "values_arrived_later": int((later & ~revision).sum()),
    }


# --------------------------------------------------------------------------- the builder


def _group_codes(static: Static) -> tuple[dict, dict]:
    """Each business's code in each group, and each group's labels (codes index them)."""
    sector, region = static[schema.SECTOR_DIVISION], static[schema.REGION_CODE]
    both = np.array([f"{s}|{r}" for s, r in zip(sector.tolist(), region.tolist(), strict=True)])
    coded = {
        "sector": _codes_and_labels(sector),
        "region": _codes_and_labels(region),
        "sector_region": _codes_and_labels(both),
    }
    codes = {name: (code, n) for name, (code, n, _) in coded.items()}
    return codes, {name: labels for name, (_, _, labels) in coded.items()}


def build_features(
    records: pd.DataFrame,
    businesses: pd.DataFrame | None,
    indicators: pd.DataFrame | None,
    cutoffs: list | pd.DatetimeIndex,
    *,
    horizons: tuple[int, ...] = schema.HORIZONS,
    panel: Panel | None = None,
    group_stats: GroupStats | None = None,
) -> pd.DataFrame:
    """The feature matrix: one row per (business, cut-off) with at least one month <= cut-off.

    ``cutoffs`` are month starts; each must lie inside the records' month range (the panel's),
    or it yields no rows. ``horizons`` decides which ``*_h{h}`` columns are built. Pass a
    prebuilt ``panel`` to reuse the dense matrices. Key columns are ``business_id`` and
    ``cutoff``; every other column is described in :func:`feature_catalogue`. The outlier rule's
    parameters and counts are in ``frame.attrs["preprocessing"]``.

    Group features (sector, region, sector x region means) average the rows given here, unless
    ``group_stats`` (:func:`group_statistics` of the whole panel at the one cut-off) says what
    the groups hold: then a part of the panel gets the features the whole panel would.
    """
    if group_stats is not None and len(pd.DatetimeIndex(cutoffs)) != 1:
        raise ValueError("group statistics describe one cut-off")
    prepared = _Prepared.of(records, businesses, indicators, panel, group_stats)
    panel = prepared.panel
    cutoffs = pd.DatetimeIndex(cutoffs)
    frames = []
    capped_total = 0
    for cutoff, c in zip(cutoffs, panel.period_index(cutoffs), strict=True):
        if c < 0 or c >= len(panel.periods):
            continue
        rows = panel.first_index <= c
        if not rows.any():
            continue
        columns, capped = prepared.at(int(c), horizons)
        for col in CATEGORICAL_COLUMNS:
            columns[col] = pd.Categorical(columns[col])
        frame = pd.DataFrame(columns)
        frame.insert(1, "cutoff", cutoff)
        frames.append(frame if rows.all() else frame[rows].reset_index(drop=True))
        capped_total += capped
    if len(frames) == 1:  # one cut-off (serving, scoring): no copy through concat
        out = frames[0]
    elif frames:
        out = pd.concat(frames, ignore_index=True)
    else:
        out = pd.DataFrame(columns=[*KEY_COLUMNS, *base_feature_names(horizons=horizons)])
    for col in CATEGORICAL_COLUMNS:
        if not isinstance(out[col].dtype, pd.CategoricalDtype):
            out[col] = out[col].astype("category")
    out.attrs["preprocessing"] = preprocessing_record(capped_values=capped_total)
    return out


def feature_columns(
    panel: Panel,
    businesses: pd.DataFrame | None,
    cutoff: pd.Timestamp,
    *,
    horizons: tuple[int, ...] = schema.HORIZONS,
    group_stats: GroupStats | None = None,
) -> dict[str, np.ndarray]:
    """:func:`build_features` at one ``cutoff`` inside the panel, without market indicators,
    as plain arrays: ``{column: values}`` over every business of the panel in its order, the
    categorical columns as object arrays, no ``cutoff`` column.

    For serving a few businesses, where building and reading back a DataFrame of ~150 columns
    costs as much as the features themselves; the numbers are :func:`build_features`' own (a
    unit test holds them equal)."""
    c = int(panel.period_index([cutoff])[0])
    if not 0 <= c < len(panel.periods):
        raise ValueError("the cut-off lies outside the panel")
    return _Prepared.of(None, businesses, None, panel, group_stats).at(c, horizons)[0]


@dataclass
class _Prepared:
    """What every cut-off of one :func:`build_features` call reads: the panel, the businesses'
    attributes in panel order, indicator blocks and group codes."""

    panel: Panel
    static: Static
    blocks: dict[str, MarketSeries]
    groups: _GroupMeans

    @classmethod
    def of(cls, records, businesses, indicators, panel, group_stats) -> _Prepared:
        if panel is None:
            panel = build_panel(records)
        static = _business_columns(panel, businesses)
        return cls(
            panel=panel,
            static=static,
            blocks=_indicator_blocks(indicators, panel, static),
            groups=_GroupMeans(*_group_codes(static), stats=group_stats),
        )

    def at(self, c: int, horizons: tuple[int, ...]) -> tuple[dict[str, np.ndarray], int]:
        return _features_at(self.panel, self.static, self.groups, self.blocks, c, horizons)


def group_statistics(
    records: pd.DataFrame,
    businesses: pd.DataFrame | None,
    cutoff: pd.Timestamp,
    *,
    horizons: tuple[int, ...] = schema.HORIZONS,
    panel: Panel | None = None,
) -> GroupStats:
    """The group sums and counts of these records' businesses at ``cutoff`` (one part of the
    panel): merge the parts' results and pass them to :func:`build_features`."""
    stats = GroupStats()
    if panel is None and len(records):
        first = pd.Timestamp(records[schema.PERIOD].min())
        panel = build_panel(records, periods=pd.date_range(first, cutoff, freq="MS"))
    if panel is None:
        return stats
    c = int(panel.period_index([cutoff])[0])
    if c < 0 or c >= len(panel.periods):
        return stats
    groups = _GroupMeans(*_group_codes(_business_columns(panel, businesses)), collect=stats)
    log = _capped_log(panel, c)[1]
    for stat, group, values in _group_inputs(log, horizons):
        groups.collect.add(stat, group, groups.labels[group], _tiled(groups, group, values), values)
    return stats


def _tiled(groups: _GroupMeans, group: str, values: np.ndarray) -> np.ndarray:
    code = groups.codes[group][0]
    return np.tile(code, len(values) // len(code)) if len(values) != len(code) else code


def _capped_log(panel: Panel, c: int) -> tuple[np.ndarray, ...]:
    """The window's log sales as recorded and with :data:`OUTLIER_RULE` applied, and the
    quartiles the rule used: ``(raw, log, q1, q3)``."""
    rule = OUTLIER_RULE
    raw = np.log1p(_window(panel.sales, c, WINDOW))
    positive = np.where(raw > 0, raw, np.nan)
    q1, q3 = row_quantiles(positive, (0.25, 0.75))
    iqr = np.maximum(q3 - q1, rule["min_iqr"])
    enough = _count(positive) >= rule["min_positive_months"]
    lo = np.where(enough, q1 - rule["k"] * iqr, -np.inf)
    hi = np.where(enough, q3 + rule["k"] * iqr, np.inf)
    log = np.where(raw > 0, np.clip(raw, lo[:, None], hi[:, None]), raw)
    return raw, log, q1, q3


def _yearly_deviations(log: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The window's last 24 months, each month's deviation from its year's mean (NaN for a
    year with fewer than 8 months), and the two years' deviations stacked as rows (businesses
    then businesses again) for the seasonal profile's group means."""
    last24 = log[:, WINDOW - 24 :]
    dev = np.full_like(last24, np.nan)
    for lo_col in (0, 12):
        block = last24[:, lo_col : lo_col + 12]
        ok = _count(block) >= 8
        dev[:, lo_col : lo_col + 12] = np.where(
            ok[:, None], block - _nanmean(block)[:, None], np.nan
        )
    return last24, dev, np.concatenate([dev[:, :12], dev[:, 12:]], axis=0)


def _group_inputs(log: np.ndarray, horizons: tuple[int, ...]) -> list[tuple[str, str, np.ndarray]]:
    """``(stat, group, values)`` of every group mean :func:`_features_at` takes, computed the
    same way from the capped log window (a unit test holds the two to the same numbers), so the
    group statistics of a panel part cost a fraction of its features."""
    w = WINDOW
    mean_3 = _nanmean(log[:, w - 3 :])
    soles = np.expm1(log)
    inputs = {
        "growth_yoy": mean_3 - _nanmean(log[:, w - 15 : w - 12]),
        "growth_12m": np.log1p(_nanmean(soles[:, w - 12 :]))
        - np.log1p(_nanmean(soles[:, w - 24 : w - 12])),
        **{f"growth_mom_lag_{k}": log[:, w - k] - log[:, w - k - 1] for k in (1, 2, 3)},
        "log_sales_mean_3": mean_3,
    }
    out = [(stat, g, values) for g in GROUPS for stat, values in inputs.items()]
    stacked = _yearly_deviations(log)[2]
    for p in range(12):
        out += [(f"season_{p}", g, stacked[:, p]) for g in ("sector", "sector_region")]
    for h in horizons:
        own = log[:, w - 1 + h - 12] - log[:, w - 1 - 12]
        out += [(f"own_seasonal_change_h{h}", g, own) for g in ("sector", "sector_region")]
    return out


def _features_at(
    panel: Panel,
    static: Static,
    groups: _GroupMeans,
    blocks: dict[str, MarketSeries],
    c: int,
    horizons: tuple[int, ...],
) -> tuple[dict[str, np.ndarray], int]:
    """Every feature column at panel column ``c`` as arrays over all the panel's businesses,
    and the number of log-sales values the outlier rule capped."""
    raw, log, q1, q3 = _capped_log(panel, c)
    capped = int(np.sum((log != raw) & ~np.isnan(raw)))

    f: dict[str, np.ndarray] = {schema.BUSINESS_ID: panel.business_ids}
    w = WINDOW
    for k in LAGS:
        f[f"log_sales_lag_{k}"] = log[:, w - k]
    for k in ROLLING_WINDOWS:
        f[f"log_sales_mean_{k}"] = _nanmean(log[:, w - k :])
        f[f"log_sales_std_{k}"] = _nanstd(log[:, w - k :])
    f["log_sales_q1"] = q1
    f["log_sales_q3"] = q3
    last, since_last = _last_valid(log)
    f["log_sales_last"] = last
    f["growth_mom"] = log[:, w - 1] - log[:, w - 2]
    f["growth_3m"] = f["log_sales_mean_3"] - _nanmean(log[:, w - 6 : w - 3])
    f["growth_yoy"] = f["log_sales_mean_3"] - _nanmean(log[:, w - 15 : w - 12])
    soles = np.expm1(log)
    f["growth_12m"] = np.log1p(_nanmean(soles[:, w - 12 :])) - np.log1p(
        _nanmean(soles[:, w - 24 : w - 12])
    )
    f["trend_slope_12"] = _slope(log[:, w - 12 :])
    # The growth label compares raw soles means, typos included: expose that reference and how
    # far the robust recent level sits from it.
    raw_mean_12 = np.log1p(_nanmean(np.expm1(raw[:, w - 12 :])))
    f["sales_mean_12_raw"] = raw_mean_12
    f["outlier_effect_12"] = raw_mean_12 - np.log1p(_nanmean(soles[:, w - 12 :]))
    f["level_vs_mean_12"] = np.log1p(_nanmean(soles[:, w - 3 :])) - raw_mean_12
    f["last_vs_mean_12"] = log[:, w - 1] - raw_mean_12
    weights = 0.5 ** (np.arange(12)[::-1] / 3.0)  # half-life of 3 months
    recent12 = log[:, w - 12 :]
    wsum = np.where(np.isnan(recent12), 0.0, weights).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        ewm = np.where(np.isnan(recent12), 0.0, recent12 * weights).sum(axis=1) / wsum
    f["ewm_level_vs_mean_12"] = np.where(wsum > 0, ewm, np.nan) - _nanmean(recent12)
    f["months_observed"] = panel.observed_cum[:, c].astype(float)
    f["months_observed_12"] = _count(log[:, w - 12 :]).astype(float)
    f["months_since_first"] = (c - panel.first_index).astype(float)
    f["months_since_last"] = since_last
    zeros = panel.zero_cum[:, c]
    with np.errstate(invalid="ignore", divide="ignore"):
        f["share_zero"] = np.where(f["months_observed"] > 0, zeros / f["months_observed"], np.nan)
        recent = log[:, w - 24 :]
        f["share_zero_24"] = np.sum(recent == 0, axis=1) / np.maximum(_count(recent), 1)

    sales_w = _window(panel.sales, c, 12)
    costs_w = _window(panel.costs, c, 12)
    with np.errstate(invalid="ignore", divide="ignore"):
        margin = np.where(sales_w > 0, np.clip(1.0 - costs_w / sales_w, -2.0, 1.0), np.nan)
    f["margin_last"] = _last_valid(margin)[0]
    f["margin_mean_3"] = _nanmean(margin[:, -3:])
    f["margin_mean_12"] = _nanmean(margin)
    f["reports_costs"] = _count(costs_w) / 12.0
    sat_w = _window(panel.satisfaction, c, 12)
    f["satisfaction_last"] = _last_valid(sat_w)[0]
    f["satisfaction_mean_12"] = _nanmean(sat_w)
    emp_w = np.log(np.maximum(_window(panel.employees, c, 24), 1.0))
    f["employees_last"] = _last_valid(_window(panel.employees, c, 12))[0]
    # Headcount follows the business's underlying level without the sales noise or seasonality.
    f["employees_growth"] = _nanmean(emp_w[:, -3:]) - _nanmean(emp_w[:, -12:])
    f["employees_growth_yoy"] = _nanmean(emp_w[:, -12:]) - _nanmean(emp_w[:, :12])
    f["employees_trend_12"] = _slope(emp_w[:, -12:])

    cutoff_month = panel.first_month + c
    f["age_months"] = cutoff_month - static[schema.FOUNDED]
    f["women_led"] = static[schema.WOMEN_LED]
    f["sells_online"] = static[schema.SELLS_ONLINE]
    f["cutoff_month"] = np.full(len(log), cutoff_month % 12 + 1, dtype=float)

    # Seasonal adjustment: a sector-region seasonal profile (shrunk to the sector's) estimated
    # from the last two complete years up to the cut-off, scaled per business by a shrunken
    # amplitude; the adjusted series gives a cleaner level and trend than raw lags.
    last24, dev, stacked = _yearly_deviations(log)
    seasons = SEASON_STATS
    prior = groups.many(seasons, "sector", stacked)
    profile = groups.many(seasons, "sector_region", stacked, prior=prior)[: len(log)]
    profile = np.nan_to_num(profile - profile.mean(axis=1, keepdims=True))
    prof24 = np.concatenate([profile, profile], axis=1)
    num = np.nansum(np.where(np.isnan(dev), 0.0, dev * prof24), axis=1)
    den = np.sum(np.where(np.isnan(dev), 0.0, prof24**2), axis=1)
    amp = np.clip((num + 0.5) / (den + 0.5), 0.0, 3.0)
    adjusted = last24 - amp[:, None] * prof24
    recent_sa = adjusted[:, 12:]
    wsum = np.where(np.isnan(recent_sa), 0.0, weights).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        level_sa = np.where(np.isnan(recent_sa), 0.0, recent_sa * weights).sum(axis=1) / wsum
    level_sa = np.where(wsum > 0, level_sa, np.nan)
    # A local-level Kalman filter over the seasonally adjusted positive months of the window:
    # the current level with the month-to-month noise filtered out (zeros are intermittency,
    # handled by share_zero, not level).
    prof36 = amp[:, None] * np.tile(profile, (1, WINDOW // 12))
    adj36 = np.where(log > 0, log - prof36, np.nan)
    diffs = np.diff(adj36, axis=1)
    noise_var = np.clip(0.5 * _nanstd(diffs) ** 2, 0.005, 1.0)
    noise_var = np.where(np.isnan(noise_var), 0.06, noise_var)
    kf_level, kf_var = _local_level(adj36, noise_var, KALMAN_LEVEL_VAR)
    zero_12 = np.sum(log[:, w - 12 :] == 0, axis=1) / np.maximum(_count(log[:, w - 12 :]), 1)
    future_season = amp[:, None] * profile  # months cut-off + 1 .. + 12, in calendar order
    # expected mean monthly sales over the next 12 months (level + seasonality + noise), as a
    # log ratio to the last 12 months' recorded mean: what the growth label asks about
    steps = np.arange(1, 13)
    spread = kf_var[:, None] + steps[None, :] * KALMAN_LEVEL_VAR + noise_var[:, None]
    future_mean = np.log(
        np.mean(np.exp(kf_level[:, None] + future_season + 0.5 * spread), axis=1)
    ) + np.log(np.clip(1.0 - zero_12, 0.05, 1.0))
    f["kf_level"] = kf_level
    f["kf_level_sd"] = np.sqrt(kf_var)
    f["noise_sd"] = np.sqrt(noise_var)
    f["kf_level_vs_mean_12"] = kf_level - raw_mean_12
    f["expected_growth_12"] = future_mean - raw_mean_12
    f["seasonal_amplitude"] = amp
    f["level_sa"] = level_sa
    f["level_sa_gap_12"] = level_sa - _nanmean(recent_sa)
    f["level_sa_vs_mean_12"] = level_sa - raw_mean_12
    f["trend_sa_12"] = _slope(recent_sa)
    f["trend_sa_24"] = _slope(adjusted)
    f["growth_sa_yoy"] = _nanmean(adjusted[:, 18:]) - _nanmean(adjusted[:, 6:12])

    yoy = f["growth_yoy"]
    moms = [log[:, w - k] - log[:, w - k - 1] for k in (1, 2, 3)]
    for name in GROUPS:
        f[f"{name}_growth_yoy"] = groups("growth_yoy", name, yoy)
        f[f"{name}_growth_12m"] = groups("growth_12m", name, f["growth_12m"])
        for k, mom in zip((1, 2, 3), moms, strict=True):
            f[f"{name}_growth_mom_lag_{k}"] = groups(f"growth_mom_lag_{k}", name, mom)
        level = groups("log_sales_mean_3", name, f["log_sales_mean_3"])
        f[f"{name}_log_sales_mean"] = level
        f[f"log_sales_vs_{name}"] = f["log_sales_mean_3"] - level

    for name, block in blocks.items():
        # as of each series' latest published month (at most MARKET_PUBLICATION_LAG months
        # before the cut-off): with the values as known then, the cut-off's own month is
        # usually not out yet, and reading it would leave these features empty
        window = block.window(c, 36, publication_lag=MARKET_PUBLICATION_LAG)
        series = window[:, -13:]
        now = series[:, -1]
        f[f"mkt_{name}_level"] = now
        for k in (1, 3, 12):
            before = series[:, -1 - k]
            with np.errstate(invalid="ignore", divide="ignore"):
                ratio = np.log(np.where((now > 0) & (before > 0), now / before, np.nan))
            f[f"mkt_{name}_chg_{k}"] = ratio
        # The market's persistent growth shows in its longer trend, not in a noisy 12-month change.
        with np.errstate(invalid="ignore", divide="ignore"):
            log_index = np.log(np.where(window > 0, window, np.nan))
        f[f"mkt_{name}_trend_12"] = _slope(log_index[:, -12:])
        f[f"mkt_{name}_trend_36"] = _slope(log_index)
        f[f"mkt_{name}_chg_12_ma"] = _nanmean(log_index[:, -12:]) - _nanmean(log_index[:, -24:-12])

    for h in horizons:
        # column 23 of ``last24`` is the cut-off month, so the target sits at 23 + h
        season_h = amp * profile[:, (23 + h) % 12]
        f[f"seasonal_profile_h{h}"] = season_h
        f[f"level_sa_forecast_h{h}"] = level_sa + season_h
        ly = log[:, w - 1 + h - 12]
        f[f"target_month_h{h}"] = np.full(len(log), (cutoff_month + h) % 12 + 1, dtype=float)
        f[f"log_sales_same_month_ly_h{h}"] = ly
        f[f"log_sales_same_month_2y_h{h}"] = log[:, w - 1 + h - 24]
        own = ly - log[:, w - 1 - 12]
        f[f"own_seasonal_change_h{h}"] = own
        for name in ("sector", "sector_region"):
            f[f"{name}_seasonal_change_h{h}"] = groups(f"own_seasonal_change_h{h}", name, own)

    for col in CATEGORICAL_COLUMNS:
        f[col] = static[col]
    return f, capped


def preprocessing_record(**stats: object) -> dict:
    """The preprocessing record stored with a model: the outlier rule, missing-value policy,
    categorical handling and any data-dependent counts passed in ``stats``."""
    return {
        "outlier_rule": dict(OUTLIER_RULE),
        "missing_months": "kept as NaN (unknown), never zero; tree models route NaN natively",
        "log_transform": "log1p(sales) in soles",
        "categoricals": list(CATEGORICAL_COLUMNS),
        "group_mean_shrinkage": GROUP_SHRINK,
        "window_months": WINDOW,
        **stats,
    }


def horizon_view(features: pd.DataFrame, horizon: int) -> pd.DataFrame:
    """Base columns plus horizon ``h``'s ``*_h{h}`` columns renamed without the suffix."""
    suffix = f"_h{horizon}"
    keep = {}
    for col in features.columns:
        if _horizon_of(col) is None:
            keep[col] = col
        elif col.endswith(suffix):
            keep[col] = col[: -len(suffix)]
    return features[list(keep)].rename(columns=keep)


def _horizon_of(col: str) -> int | None:
    head, sep, tail = col.rpartition("_h")
    return int(tail) if sep and tail.isdigit() and head else None


def base_feature_names(*, horizons: tuple[int, ...] = ()) -> list[str]:
    """Names of the columns :func:`build_features` makes without market indicators."""
    names = [f"log_sales_lag_{k}" for k in LAGS]
    for k in ROLLING_WINDOWS:
        names += [f"log_sales_mean_{k}", f"log_sales_std_{k}"]
    names += [
        "log_sales_q1", "log_sales_q3", "log_sales_last", "growth_mom", "growth_3m",
        "growth_yoy", "growth_12m", "trend_slope_12", "sales_mean_12_raw", "outlier_effect_12",
        "level_vs_mean_12", "last_vs_mean_12", "ewm_level_vs_mean_12", "seasonal_amplitude",
        "kf_level", "kf_level_sd", "noise_sd", "kf_level_vs_mean_12", "expected_growth_12",
        "level_sa", "level_sa_gap_12", "level_sa_vs_mean_12", "trend_sa_12", "trend_sa_24",
        "growth_sa_yoy", "months_observed", "months_observed_12",
        "months_since_first", "months_since_last", "share_zero", "share_zero_24", "margin_last",
        "margin_mean_3", "margin_mean_12", "reports_costs", "satisfaction_last",
        "satisfaction_mean_12", "employees_last", "employees_growth",
        "employees_growth_yoy", "employees_trend_12", "age_months", "women_led", "sells_online",
        "cutoff_month",
    ]  # fmt: skip
    for g in GROUPS:
        names += [f"{g}_growth_yoy", f"{g}_growth_12m"]
        names += [f"{g}_growth_mom_lag_{k}" for k in (1, 2, 3)]
        names += [f"{g}_log_sales_mean", f"log_sales_vs_{g}"]
    for h in horizons:
        names += [
            f"target_month_h{h}", f"log_sales_same_month_ly_h{h}",
            f"log_sales_same_month_2y_h{h}", f"own_seasonal_change_h{h}",
            f"sector_seasonal_change_h{h}", f"sector_region_seasonal_change_h{h}",
            f"seasonal_profile_h{h}", f"level_sa_forecast_h{h}",
        ]  # fmt: skip
    return names + list(CATEGORICAL_COLUMNS)


def horizon_feature_bases() -> frozenset[str]:
    """The features built once per horizon (``{name}_h{h}`` columns, :func:`horizon_view`
    drops the suffix): what a model trained on one horizon's view reads as ``name``."""
    return frozenset(
        n.rpartition("_h")[0] for n in base_feature_names(horizons=(1,)) if _horizon_of(n) == 1
    )


def category_levels(features: pd.DataFrame) -> dict[str, list]:
    """The categories of each categorical column, to freeze a model's encoding at fit time."""
    return {
        col: [str(v) for v in pd.Series(features[col].dropna().unique()).astype(str).sort_values()]
        for col in CATEGORICAL_COLUMNS
        if col in features.columns
    }


def encode_categoricals(frame: pd.DataFrame, levels: dict[str, list]) -> pd.DataFrame:
    """Replace categorical columns by float codes of the frozen ``levels`` (NaN when missing or
    unseen). Trees split these codes directly; it is several times faster than XGBoost's native
    categorical splits at no measured cost, since sector and region also enter as group means."""
    out = frame.copy()
    for col, cats in levels.items():
        if col in out.columns:
            codes = pd.Categorical(out[col].astype(object).astype(str), categories=cats).codes
            out[col] = np.where(codes >= 0, codes, np.nan).astype(float)
    return out


def model_columns(features: pd.DataFrame) -> list[str]:
    """The columns a model reads: everything but the keys."""
    return [c for c in features.columns if c not in KEY_COLUMNS]


# --------------------------------------------------------------------------- the catalogue

_GROUP_WORDS = {
    "sector": ("su sector (división CIIU)", "its sector (ISIC division)"),
    "region": ("su región", "its region"),
    "sector_region": ("su sector en su región", "its sector in its region"),
}

_CATALOGUE: dict[str, tuple[str, str, str]] = {
    "log_sales_q1": (
        "Nivel bajo habitual de ventas", "Usual low level of sales",
        "First quartile of the business's positive log sales in the last 36 months.",
    ),
    "log_sales_q3": (
        "Nivel alto habitual de ventas", "Usual high level of sales",
        "Third quartile of the business's positive log sales in the last 36 months.",
    ),
    "log_sales_last": (
        "Ventas del último mes reportado", "Sales in the latest reported month",
        "log1p(sales) of the latest month with a record, however old.",
    ),
    "growth_mom": (
        "Variación de ventas respecto al mes anterior", "Sales change from the previous month",
        "Log change of sales between the cut-off month and the month before.",
    ),
    "growth_3m": (
        "Variación de ventas del último trimestre", "Sales change over the last quarter",
        "Mean log sales of the last 3 months minus that of the 3 months before.",
    ),
    "growth_yoy": (
        "Crecimiento de ventas frente al año anterior", "Sales growth on the same months last year",
        "Mean log sales of the last 3 months minus that of the same 3 months a year earlier.",
    ),
    "growth_12m": (
        "Crecimiento de ventas en los últimos 12 meses", "Sales growth over the last 12 months",
        "Log ratio of mean monthly sales in the last 12 months to the 12 months before.",
    ),
    "trend_slope_12": (
        "Tendencia de ventas del último año", "Sales trend over the last year",
        "Least-squares slope of log sales per month over the last 12 months.",
    ),
    "sales_mean_12_raw": (
        "Venta mensual promedio del último año", "Average monthly sales over the last year",
        "log1p of the mean recorded monthly sales (soles, uncapped) over the last 12 months: "
        "the reference the growth label compares the next 12 months with.",
    ),
    "outlier_effect_12": (
        "Efecto de meses atípicos en el último año", "Effect of unusual months in the last year",
        "How much capped outliers raise (or lower) the last 12 months' mean sales (log ratio).",
    ),
    "level_vs_mean_12": (
        "Ventas recientes frente al promedio anual", "Recent sales against the yearly average",
        "Log ratio of the last 3 months' mean sales to the last 12 months' mean sales.",
    ),
    "last_vs_mean_12": (
        "Último mes frente al promedio anual", "Latest month against the yearly average",
        "Log sales of the cut-off month minus log of the last 12 months' mean sales.",
    ),
    "ewm_level_vs_mean_12": (
        "Impulso reciente de ventas", "Recent sales momentum",
        "Exponentially weighted (half-life 3 months) mean log sales minus the plain 12-month "
        "mean log sales.",
    ),
    "seasonal_amplitude": (
        "Intensidad de la estacionalidad propia", "Strength of its own seasonality",
        "How strongly the business follows its sector-region seasonal profile (1 = as the "
        "group, 0 = not seasonal), shrunk towards 1.",
    ),
    "kf_level": (
        "Nivel actual de ventas (filtrado)", "Current sales level (filtered)",
        "Local-level Kalman filter estimate of the business's current seasonally adjusted log "
        "sales, month-to-month noise removed.",
    ),
    "kf_level_sd": (
        "Incertidumbre del nivel actual", "Uncertainty of the current level",
        "Standard deviation of the filtered level (larger with few or noisy months).",
    ),
    "noise_sd": (
        "Variabilidad mensual de ventas", "Month-to-month sales volatility",
        "Estimated standard deviation of monthly noise around the business's level (log).",
    ),
    "kf_level_vs_mean_12": (
        "Nivel actual frente a la venta promedio del año",
        "Current level against the year's mean sales",
        "Filtered current level minus log of the mean recorded monthly sales of the last 12 "
        "months.",
    ),
    "expected_growth_12": (
        "Crecimiento esperado para los próximos 12 meses",
        "Expected growth over the next 12 months",
        "Log ratio of the expected mean monthly sales of the next 12 months (filtered level, "
        "seasonality, share of months without sales) to the last 12 months' recorded mean.",
    ),
    "level_sa": (
        "Nivel actual de ventas sin estacionalidad", "Current seasonally adjusted sales level",
        "Exponentially weighted (half-life 3 months) mean of seasonally adjusted log sales "
        "over the last 12 months.",
    ),
    "level_sa_gap_12": (
        "Nivel actual frente al promedio del año", "Current level against the year's average",
        "Seasonally adjusted current level minus the mean adjusted log sales of the last 12 "
        "months.",
    ),
    "level_sa_vs_mean_12": (
        "Nivel actual frente a la venta promedio del año",
        "Current level against the year's mean sales",
        "Seasonally adjusted current level minus log of the mean recorded monthly sales of the "
        "last 12 months.",
    ),
    "trend_sa_12": (
        "Tendencia del último año (sin estacionalidad)",
        "Trend over the last year (seasonally adjusted)",
        "Least-squares slope per month of seasonally adjusted log sales, last 12 months.",
    ),
    "trend_sa_24": (
        "Tendencia de los últimos 2 años (sin estacionalidad)",
        "Trend over the last 2 years (seasonally adjusted)",
        "Least-squares slope per month of seasonally adjusted log sales, last 24 months.",
    ),
    "growth_sa_yoy": (
        "Crecimiento interanual sin estacionalidad", "Seasonally adjusted year-on-year growth",
        "Mean adjusted log sales of the last 6 months minus that of the same months a year "
        "earlier.",
    ),
    "seasonal_profile": (
        "Efecto estacional del mes pronosticado", "Seasonal effect of the forecast month",
        "The business's seasonal deviation (log) expected for the target's calendar month.",
    ),
    "level_sa_forecast": (
        "Pronóstico base (nivel + estacionalidad)", "Base forecast (level + seasonality)",
        "Seasonally adjusted current level plus the seasonal effect of the target month.",
    ),
    "months_observed": (
        "Meses con ventas reportadas", "Months with reported sales",
        "Number of months with a record up to the cut-off.",
    ),
    "months_observed_12": (
        "Meses reportados en el último año", "Months reported in the last year",
        "Number of months with a record among the last 12.",
    ),
    "months_since_first": (
        "Antigüedad del historial", "Length of the history",
        "Months from the first record to the cut-off.",
    ),
    "months_since_last": (
        "Meses desde el último reporte", "Months since the latest report",
        "Months between the latest record and the cut-off (0: the cut-off month is reported).",
    ),
    "share_zero": (
        "Proporción de meses sin ventas", "Share of months without sales",
        "Share of recorded months with zero sales, whole history up to the cut-off.",
    ),
    "share_zero_24": (
        "Meses sin ventas en los últimos 2 años", "Months without sales in the last 2 years",
        "Share of recorded months with zero sales among the last 24 months.",
    ),
    "margin_last": (
        "Margen del último mes", "Latest monthly margin",
        "1 - costs / sales of the latest month reporting both (capped to [-2, 1]).",
    ),
    "margin_mean_3": (
        "Margen promedio del último trimestre", "Average margin over the last quarter",
        "Mean of 1 - costs / sales over the last 3 months.",
    ),
    "margin_mean_12": (
        "Margen promedio del último año", "Average margin over the last year",
        "Mean of 1 - costs / sales over the last 12 months.",
    ),
    "reports_costs": (
        "Reporta costos", "Reports costs",
        "Share of the last 12 months with costs reported.",
    ),
    "satisfaction_last": (
        "Satisfacción de clientes más reciente", "Latest customer satisfaction",
        "Latest reported customer satisfaction (0 low, 1 medium, 2 high).",
    ),
    "satisfaction_mean_12": (
        "Satisfacción de clientes del último año", "Customer satisfaction over the last year",
        "Mean reported customer satisfaction over the last 12 months (0 to 2).",
    ),
    "employees_last": (
        "Número de trabajadores", "Number of employees",
        "Latest reported number of employees (last 12 months).",
    ),
    "employees_growth": (
        "Variación reciente del personal", "Recent change in staff",
        "Mean log employees of the last 3 months minus that of the last 12 months.",
    ),
    "employees_growth_yoy": (
        "Variación anual del personal", "Yearly change in staff",
        "Mean log employees of the last 12 months minus that of the 12 months before.",
    ),
    "employees_trend_12": (
        "Tendencia del personal", "Staff trend",
        "Least-squares slope per month of log employees over the last 12 months.",
    ),
    "age_months": (
        "Antigüedad de la empresa (meses)", "Age of the business (months)",
        "Months from the founding date to the cut-off.",
    ),
    "women_led": (
        "Empresa liderada por mujeres", "Women-led business", "1 if women-led, 0 if not.",
    ),
    "sells_online": (
        "Vende por internet", "Sells online", "1 if the business sells online, 0 if not.",
    ),
    "cutoff_month": (
        "Mes del último dato", "Month of the latest data", "Calendar month of the cut-off (1-12).",
    ),
    "target_month": (
        "Mes pronosticado", "Forecast month", "Calendar month of the forecast target (1-12).",
    ),
    "log_sales_same_month_ly": (
        "Ventas del mismo mes el año pasado", "Sales in the same month last year",
        "log1p(sales) of the target's calendar month one year earlier (seasonal reference).",
    ),
    "log_sales_same_month_2y": (
        "Ventas del mismo mes hace dos años", "Sales in the same month two years ago",
        "log1p(sales) of the target's calendar month two years earlier.",
    ),
    "own_seasonal_change": (
        "Estacionalidad propia del año pasado", "Own seasonal change last year",
        "Last year's log change from the cut-off's month to the target's month, this business.",
    ),
    "sector_seasonal_change": (
        "Estacionalidad de su sector", "Seasonality of its sector",
        "Mean (over the sector) of last year's log change from the cut-off's month to the "
        "target's month.",
    ),
    "sector_region_seasonal_change": (
        "Estacionalidad de su sector en su región", "Seasonality of its sector in its region",
        "Same as the sector seasonality, over the businesses of its sector and region.",
    ),
    schema.SECTOR_SECTION: (
        "Sección CIIU (actividad)", "ISIC section (activity)", "CIIU Rev.4 section letter.",
    ),
    schema.SECTOR_DIVISION: (
        "División CIIU (actividad)", "ISIC division (activity)", "CIIU Rev.4 two-digit division.",
    ),
    schema.REGION_CODE: ("Región", "Region", "First-level ubigeo (department) code."),
    "horizon": ("Meses de anticipación", "Months ahead", "Forecast horizon in months."),
}  # fmt: skip


def _catalogue_entry(name: str) -> tuple[str, str, str] | None:
    base = name
    h = _horizon_of(name)
    if h is not None:
        base = name.rpartition("_h")[0]
    if base in _CATALOGUE:
        return _CATALOGUE[base]
    if base.startswith("log_sales_lag_"):
        k = int(base.rsplit("_", 1)[1])
        if k == 1:
            return (
                "Ventas del último mes", "Sales in the latest month",
                "log1p(sales) of the cut-off month (NaN if not reported).",
            )  # fmt: skip
        if k == 2:
            return (
                "Ventas de hace 1 mes", "Sales 1 month earlier",
                "log1p(sales) 1 month before the cut-off month.",
            )  # fmt: skip
        return (
            f"Ventas de hace {k - 1} meses", f"Sales {k - 1} months earlier",
            f"log1p(sales) {k - 1} months before the cut-off month.",
        )  # fmt: skip
    for kind, es, en in (("mean", "promedio", "average"), ("std", "variabilidad", "volatility")):
        prefix = f"log_sales_{kind}_"
        if base.startswith(prefix):
            k = base[len(prefix) :]
            return (
                f"Ventas: {es} de los últimos {k} meses", f"Sales {en} over the last {k} months",
                f"{'Mean' if kind == 'mean' else 'Standard deviation'} of log1p(sales) over the "
                f"last {k} months (observed months only).",
            )  # fmt: skip
    for g, (g_es, g_en) in _GROUP_WORDS.items():
        if base == f"log_sales_vs_{g}":
            return (
                f"Ventas frente al promedio de {g_es}", f"Sales against the average of {g_en}",
                f"Own 3-month mean log sales minus the mean over {g_en}.",
            )  # fmt: skip
        if not base.startswith(f"{g}_"):
            continue
        rest = base[len(g) + 1 :]
        if rest.startswith("region_") and g == "sector":
            continue
        words = {
            "growth_yoy": ("Crecimiento interanual de", "Year-on-year growth of"),
            "growth_12m": ("Crecimiento en 12 meses de", "12-month growth of"),
            "log_sales_mean": ("Nivel de ventas promedio de", "Average sales level of"),
            "growth_mom_lag_1": ("Variación mensual reciente de", "Latest monthly change of"),
            "growth_mom_lag_2": (
                "Variación mensual de hace 1 mes de",
                "Monthly change 1 month ago of",
            ),
            "growth_mom_lag_3": (
                "Variación mensual de hace 2 meses de",
                "Monthly change 2 months ago of",
            ),
        }
        if rest in words:
            es, en = words[rest]
            return (
                f"{es} {g_es}",
                f"{en} {g_en}",
                f"Mean over the businesses of {g_en} of the matching own feature "
                f"(shrunk towards the national mean), at the cut-off.",
            )
    if base.startswith("mkt_"):
        return _market_entry(base)
    return None


def _market_entry(base: str) -> tuple[str, str, str] | None:
    """A market indicator's column in words: a known indicator by its name in words (the sector
    production index), any other by its own name in quotes."""

    def words(ind: str) -> tuple[str, str]:
        return INDICATOR_WORDS.get(ind, (f"indicador «{ind}»", f"indicator «{ind}»"))

    if base.endswith("_chg_12_ma"):
        ind = base[4 : -len("_chg_12_ma")]
        es, en = words(ind)
        return (
            f"Crecimiento anual promedio del {es}",
            f"Average yearly growth of {en}",
            f"Mean log {ind} of the last 12 months minus that of the 12 months before.",
        )
    name_part, _, kind = base[4:].rpartition("_")
    if name_part.endswith("_trend"):
        ind = name_part[: -len("_trend")]
        es, en = words(ind)
        return (
            f"Tendencia del {es} ({kind} meses)",
            f"Trend of {en} ({kind} months)",
            f"Least-squares slope per month of log {ind} over the last {kind} months.",
        )
    if kind == "level":
        ind = name_part
        es, en = words(ind)
        return (
            f"Valor del {es}", f"Value of {en}",
            f"Latest value of the market indicator {ind} for its sector/region.",
        )  # fmt: skip
    ind, _, _ = name_part.rpartition("_chg")
    if ind:
        es, en = words(ind)
        return (
            f"Variación del {es} en {kind} meses",
            f"Change of {en} over {kind} months",
            f"Log change of the market indicator {ind} over {kind} months (NaN unless both "
            "values are positive).",
        )
    return None


def feature_catalogue(columns: list[str] | pd.Index) -> dict[str, dict[str, str]]:
    """Plain names for each column: ``{name: {"label_es", "label_en", "description"}}``.

    Unknown columns get their own name as label (and the description says so), so an
    explanation never fails on a new column.
    """
    out = {}
    for col in columns:
        if col in KEY_COLUMNS:
            continue
        entry = _catalogue_entry(str(col))
        if entry is None:
            entry = (str(col), str(col), "Undocumented column.")
        es, en, desc = entry
        out[str(col)] = {"label_es": es, "label_en": en, "description": desc}
    return out


# Units of the columns, for the data scientists' feature catalogue. Checked in order; the first
# rule whose test matches the base name (horizon suffix dropped) gives the unit.
LOG_SOLES = "log1p(soles)"
_UNIT_EXACT: dict[str, str] = {
    schema.SECTOR_SECTION: "code (CIIU Rev.4 section)",
    schema.SECTOR_DIVISION: "code (CIIU Rev.4 division)",
    schema.REGION_CODE: "code (ubigeo department)",
    "women_led": "0/1",
    "sells_online": "0/1",
    "cutoff_month": "calendar month (1-12)",
    "target_month": "calendar month (1-12)",
    "horizon": "months",
    "sales_mean_12_raw": LOG_SOLES,
    "kf_level": LOG_SOLES,
    "level_sa": LOG_SOLES,
    "level_sa_forecast": LOG_SOLES,
    "kf_level_sd": "log1p(soles), standard deviation",
    "noise_sd": "log1p(soles), standard deviation",
    "seasonal_amplitude": "ratio (1 = as its sector-region group)",
    "seasonal_profile": "log ratio",
    "employees_last": "people",
    "reports_costs": "share (0-1)",
    "satisfaction_last": "level (0 low, 1 medium, 2 high)",
    "satisfaction_mean_12": "level (0 low, 1 medium, 2 high)",
}
_UNIT_RULES: tuple[tuple[str, str, str], ...] = (
    # (how: "prefix" | "suffix" | "contains", text, unit)
    ("prefix", "mkt_", ""),  # market columns: decided in feature_unit
    ("contains", "_std_", "log1p(soles), standard deviation"),
    ("contains", "trend", "log change per month"),
    ("prefix", "months_", "months"),
    ("prefix", "age_", "months"),
    ("prefix", "share_zero", "share (0-1)"),
    ("prefix", "margin_", "share of sales (1 - costs/sales)"),
    ("prefix", "employees_", "log ratio"),
    ("contains", "growth", "log ratio"),
    ("contains", "_vs_", "log ratio"),
    ("contains", "_gap_", "log ratio"),
    ("contains", "seasonal_change", "log ratio"),
    ("contains", "outlier_effect", "log ratio"),
    ("prefix", "log_sales", LOG_SOLES),
    ("suffix", "_log_sales_mean", LOG_SOLES),
)


def feature_unit(name: str) -> str:
    """The unit of a feature column (``"log1p(soles)"``, ``"months"``, ``"0/1"``…); an
    unknown column's unit is ``"see definition"``."""
    base = name.rpartition("_h")[0] if _horizon_of(name) is not None else name
    if base in _UNIT_EXACT:
        return _UNIT_EXACT[base]
    if base.startswith("mkt_"):
        if base.endswith("_level"):
            return "indicator's own unit (e.g. index points)"
        if "_trend_" in base:
            return "log change per month"
        return "log change"
    for how, text, unit in _UNIT_RULES:
        if (
            (how == "prefix" and base.startswith(text))
            or (how == "suffix" and base.endswith(text))
            or (how == "contains" and text in base)
        ):
            return unit
    return "see definition"
