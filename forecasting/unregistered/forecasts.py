"""Forecasts for businesses that are not in the registry, sent with their monthly sales
history and attributes, scored by the production models and stored nowhere.

A business's features read sector, region and sector x region figures of *all* businesses
(engine.features), so a business sent alone is featurised against the registry's market: the
group statistics of every registry business at a reference month (``group_statistics``), passed
to ``build_features(group_stats=…)``. Each business is thereby compared with the same market
whatever else came in its request, and a batch gives the answers its businesses would get one
by one. The reference month is the business's own last month when the registry has it, else the
registry's latest month of the same calendar month (the seasonal figures are by position in the
year), so a history ending after the registry's data reads the market of up to 11 months
earlier. References are computed once per process and data version (the first request for a
new month reads the registry's history; later ones are a dictionary lookup), and so are the
market-indicator features of each (month, sector, region), which are the same for every business
there.

Input validation is vectorised on the happy path (one pass per business over its history as
lists and NumPy arrays); only a request with an error is walked row by row, to name every
problem with its path, e.g. ``businesses[3].history[5].sales``.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
from django.conf import settings
from django.db.models import Max, Min
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError

from businesses.models import MonthlyRecord, Region, Sector
from forecasting.engine import schema
from forecasting.engine.features import (
    GroupStats,
    build_features,
    build_panel,
    feature_columns,
    group_statistics,
)
from forecasting.engine.serving import serving_key, serving_models
from forecasting.history import businesses_frame, indicators_frame, records_frame
from forecasting.lifecycle.registry import production_pair
from forecasting.reasons import without_peer_figures
from forecasting.scoring.selectors import MODELS_DISAGREE_REASON
from forecasting.scoring.snapshot import data_signature

MAX_HISTORY_MONTHS = 240  # 20 years: the features read at most the last 36 months anyway
PANEL_MONTHS = 48  # months of the panel the features are built on (WINDOW + indicator trends)
MAX_DETAILS = 100  # problems listed in one answer
FIRST_YEAR = 1900
_PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])(-01)?$")
_DIVISION = re.compile(r"^\d{2}$")
_UBIGEO = re.compile(r"^\d{6}$")
SATISFACTION = schema.SATISFACTION_LEVELS
_OPTIONAL_NUMBERS = ("costs", "employees")


# ---------------------------------------------------------------------------- input


@dataclass
class ForecastInput:
    """The validated businesses of one request as the engine's columns (``{column: array}``,
    the frames' columns without the frames: a request's few rows cost more to put in a
    DataFrame and read back than to featurise; ids 0..n-1)."""

    references: list[str | None]
    records: dict[str, np.ndarray]
    businesses: dict[str, np.ndarray]
    cutoffs: np.ndarray  # month number (year * 12 + month - 1) of each business's last month


@dataclass
class _Problems:
    """Validation problems as DRF's nested error detail (paths built by the error handler)."""

    detail: dict = field(default_factory=dict)
    count: int = 0

    def add(self, path: list, message: str) -> None:
        if self.count >= MAX_DETAILS:
            return
        self.count += 1
        node: Any = self.detail
        for step, nxt in zip(path, [*path[1:], None], strict=True):
            if isinstance(step, int):
                while len(node) <= step:
                    node.append({})
                if nxt is None:
                    node[step] = [message]
                    return
                node = node[step]
                continue
            if nxt is None:
                node.setdefault(step, []).append(message)
                return
            node = node.setdefault(step, [] if isinstance(nxt, int) else {})


def _reference_data() -> tuple[dict[str, str | None], set[str]]:
    """CIIU divisions with their section, and the region codes (reference data, cached)."""
    now = time.monotonic()
    cached = _reference_cache.get("data")
    if cached and now - cached[0] < 300:
        return cached[1]
    divisions = dict(Sector.objects.filter(section__isnull=False).values_list("code", "section_id"))
    regions = set(Region.objects.values_list("code", flat=True))
    _reference_cache["data"] = (now, (divisions, regions))
    return divisions, regions


_reference_cache: dict[str, tuple[float, Any]] = {}


def _is_number(value: Any) -> bool:
    return type(value) in (int, float) and value == value and abs(value) != float("inf")


def _month_number(text: Any) -> int | None:
    """``yyyy-mm`` (or ``yyyy-mm-01``) as year * 12 + month - 1; None if it is not one, or
    before 1900 (no MYPE reports sales from then; the engine's timestamps end in 1677)."""
    return _parse_month(text) if isinstance(text, str) else None


@lru_cache(maxsize=4096)  # a batch repeats the same few dozen months in every history
def _parse_month(text: str) -> int | None:
    match = _PERIOD.match(text)
    if match is None or int(match.group(1)) < FIRST_YEAR:
        return None
    return int(match.group(1)) * 12 + int(match.group(2)) - 1


def _attributes(item: dict, path: list, problems: _Problems, refs: tuple, today: int) -> dict:
    divisions, regions = refs
    out: dict[str, Any] = {}
    reference = item.get("reference")
    if reference is not None and (not isinstance(reference, str) or len(reference) > 64):
        problems.add([*path, "reference"], _("A text of at most 64 characters."))
    out["reference"] = reference if isinstance(reference, str) else None
    sector = item.get("sector")
    if sector is not None and not (isinstance(sector, str) and sector in divisions):
        problems.add(
            [*path, "sector"],
            _("“%(value)s” is not a CIIU Rev.4 division (two digits, e.g. 47).")
            % {"value": str(sector)[:20]},
        )
        sector = None
    out["sector"] = sector
    out["section"] = divisions.get(sector) if sector else None
    region = item.get("region")
    ubigeo = item.get("ubigeo")
    if ubigeo is not None:
        if not (isinstance(ubigeo, str) and _UBIGEO.match(ubigeo) and ubigeo[:2] in regions):
            problems.add(
                [*path, "ubigeo"],
                _("“%(value)s” is not a ubigeo (six digits of an existing department).")
                % {"value": str(ubigeo)[:20]},
            )
        elif region is None:
            region = ubigeo[:2]
        elif region != ubigeo[:2]:
            problems.add([*path, "region"], _("The region does not match the ubigeo."))
    if region is not None and not (isinstance(region, str) and region in regions):
        problems.add(
            [*path, "region"],
            _("“%(value)s” is not a region code (01 to 25).") % {"value": str(region)[:20]},
        )
        region = None
    out["region"] = region
    founded = item.get("founded")
    out["founded"] = None
    if founded is not None:
        month = _month_number(founded[:7] if isinstance(founded, str) else founded)
        if month is None or (isinstance(founded, str) and len(founded) not in (7, 10)):
            problems.add([*path, "founded"], _("A month (yyyy-mm) or a date (yyyy-mm-dd)."))
        elif month > today:
            problems.add([*path, "founded"], _("The founding date is in the future."))
        else:
            out["founded"] = month
    for name in ("women_led", "sells_online"):
        value = item.get(name, False)
        if value is None:
            value = False
        if not isinstance(value, bool):
            problems.add([*path, name], _("Must be true or false."))
            value = False
        out[name] = value
    return out


def _history_slow(history: list, path: list, problems: _Problems, today: int) -> None:
    """Every problem of a history, row by row (only run when the fast checks failed)."""
    seen: dict[int, int] = {}
    for i, row in enumerate(history):
        here = [*path, "history", i]
        if not isinstance(row, dict):
            problems.add(here, _("Each month is an object with period and sales."))
            continue
        month = _month_number(row.get("period"))
        if "period" not in row:
            problems.add([*here, "period"], _("This field is required."))
        elif month is None:
            problems.add(
                [*here, "period"],
                _("“%(value)s” is not a month: use yyyy-mm.") % {"value": str(row["period"])[:40]},
            )
        elif month > today:
            problems.add([*here, "period"], _("The month is in the future."))
        elif month in seen:
            problems.add(
                [*here, "period"],
                _("The same month is already in row %(row)d.") % {"row": seen[month]},
            )
        else:
            seen[month] = i
        if "sales" not in row:
            problems.add([*here, "sales"], _("This field is required."))
        elif not _is_number(row["sales"]) or row["sales"] < 0:
            problems.add([*here, "sales"], _("Sales must be a number, 0 or more (soles)."))
        for name in _OPTIONAL_NUMBERS:
            value = row.get(name)
            if value is not None and (not _is_number(value) or value < 0):
                problems.add([*here, name], _("Must be a number, 0 or more, or null."))
        level = row.get("customer_satisfaction")
        if level is not None and (not isinstance(level, str) or level not in SATISFACTION):
            problems.add([*here, "customer_satisfaction"], _("Must be low, medium, high or null."))


_NUMBER = {int, float}
_NUMBER_OR_NULL = {int, float, type(None)}
_LEVEL_OR_NULL = {*SATISFACTION, None}


def _numbers(values: list, *, nullable: bool) -> np.ndarray | None:
    """``values`` as floats (None as NaN) when every one is a finite number >= 0 (or None,
    if ``nullable``), else None. Types are checked as a set (``map(type, …)`` runs in C; a bool
    is not a number here, as JSON's ``true`` is not)."""
    if not set(map(type, values)) <= (_NUMBER_OR_NULL if nullable else _NUMBER):
        return None
    try:
        out = np.array(values, dtype=float)  # None becomes NaN
    except OverflowError:  # an integer beyond float range
        return None
    finite = np.isfinite(out)
    if nullable:  # NaN only where the value was None (orjson never decodes NaN)
        if (~finite).sum() != values.count(None) or (np.isinf(out)).any():
            return None
    elif not finite.all():
        return None
    return out if not (out < 0).any() else None


def _histories_fast(histories: list[list], today: int) -> dict | None:
    """All the histories' months as flat columns (in order, with ``business``: the index of
    each row's history), or None when anything is wrong anywhere (the slow pass says what).
    One pass over the batch: per-history NumPy calls would cost more than the checks."""
    flat = [row for history in histories for row in history]
    try:
        periods = [row["period"] for row in flat]
        sales = [row["sales"] for row in flat]
        costs = [row.get("costs") for row in flat]
        employees = [row.get("employees") for row in flat]
        levels = [row.get("customer_satisfaction") for row in flat]
        if set(map(type, periods)) != {str} or not set(levels) <= _LEVEL_OR_NULL:
            return None  # (a list or an object as a level is unhashable: TypeError)
    except (TypeError, KeyError, AttributeError):
        return None
    months = list(map(_parse_month, periods))
    if None in months:
        return None
    month = np.asarray(months, dtype=np.int64)
    business = np.repeat(np.arange(len(histories)), [len(h) for h in histories])
    if month.max() > today or len(np.unique(business * 100_000 + month)) != len(month):
        return None  # a future month, or a month twice in one history
    out = {"business": business, "month": month, "sales": _numbers(sales, nullable=False)}
    out["costs"] = _numbers(costs, nullable=True)
    out["employees"] = _numbers(employees, nullable=True)
    if any(out[name] is None for name in ("sales", "costs", "employees")):
        return None
    out["satisfaction"] = np.array(
        [np.nan if v is None else SATISFACTION[v] for v in levels], dtype=float
    )
    return out


def forecast_input_parse(items: Any, *, path_prefix: list | None = None) -> ForecastInput:
    """Validate a list of business objects into a :class:`ForecastInput`; raise DRF's
    ValidationError with every problem at its path (``businesses[3].history[5].sales``)."""
    prefix = path_prefix or []
    problems = _Problems()
    today = timezone.localdate().year * 12 + timezone.localdate().month - 1
    refs = _reference_data()
    attributes, histories, paths = [], [], []
    for b, item in enumerate(items):
        path = [*prefix, b] if prefix else []
        if not isinstance(item, dict):
            problems.add(path or ["non_field_errors"], _("Each business is a JSON object."))
            continue
        attributes.append(_attributes(item, path, problems, refs, today))
        history = item.get("history")
        if not isinstance(history, list) or not history:
            problems.add([*path, "history"], _("A non-empty list of months with their sales."))
            continue
        if len(history) > MAX_HISTORY_MONTHS:
            problems.add(
                [*path, "history"],
                _("At most %(max)d months of history per business.") % {"max": MAX_HISTORY_MONTHS},
            )
            continue
        histories.append(history)
        paths.append(path)
    columns = _histories_fast(histories, today) if not problems.count else None
    if columns is None:
        for history, path in zip(histories, paths, strict=True):
            _history_slow(history, path, problems, today)
        if not problems.count:  # the fast checks are stricter in no way; kept as a guard
            problems.add(prefix or ["non_field_errors"], _("The history could not be read."))
    if problems.count:
        raise ValidationError(problems.detail)
    ids = columns["business"]
    months = columns["month"]
    records = {
        schema.BUSINESS_ID: np.asarray(ids, dtype="int64"),
        schema.PERIOD: _datetimes(months),
        schema.SALES: np.asarray(columns["sales"], dtype=float),
        schema.COSTS: np.asarray(columns["costs"], dtype=float),
        schema.EMPLOYEES: np.asarray(columns["employees"], dtype=float),
        schema.SATISFACTION: np.asarray(columns["satisfaction"], dtype=float),
    }
    founded = np.array([a["founded"] if a["founded"] is not None else -1 for a in attributes])

    def objects(name: str) -> np.ndarray:
        out = np.empty(len(attributes), dtype=object)
        out[:] = [a[name] for a in attributes]
        return out

    businesses = {
        schema.BUSINESS_ID: np.arange(len(attributes), dtype="int64"),
        schema.SECTOR_SECTION: objects("section"),
        schema.SECTOR_DIVISION: objects("sector"),
        schema.REGION_CODE: objects("region"),
        schema.FOUNDED: np.where(founded < 0, np.datetime64("NaT", "ns"), _datetimes(founded)),
        schema.WOMEN_LED: objects("women_led"),
        schema.SELLS_ONLINE: objects("sells_online"),
    }
    starts = np.concatenate([[0], np.cumsum([len(h) for h in histories])[:-1]])
    cutoffs = np.maximum.reduceat(months, starts)
    return ForecastInput([a["reference"] for a in attributes], records, businesses, cutoffs)


def _datetimes(months: np.ndarray) -> np.ndarray:
    """Month numbers as the first instant of each month (``datetime64[ns]``)."""
    return (
        (np.asarray(months, dtype="int64") - (1970 * 12))
        .astype("datetime64[M]")
        .astype("datetime64[ns]")
    )


def _timestamps(months: np.ndarray, missing: np.ndarray | None = None) -> pd.DatetimeIndex:
    values = (np.asarray(months, dtype="int64") - (1970 * 12)).astype("datetime64[M]")
    out = pd.DatetimeIndex(values.astype("datetime64[ns]"))
    if missing is not None and missing.any():
        out = out.where(~missing, pd.NaT)
    return out


def _month_text(month: int) -> str:
    return f"{month // 12:04d}-{month % 12 + 1:02d}"


# ---------------------------------------------------------------------------- the market


@dataclass
class _MarketState:
    signature: tuple
    first: int | None
    last: int | None
    indicators: pd.DataFrame
    stats: dict[int, GroupStats | None] = field(default_factory=dict)
    # market-indicator features by (month, sector, region): the same for every business there
    market_features: dict[tuple, np.ndarray] = field(default_factory=dict)
    market_columns: dict[int, list[str]] = field(default_factory=dict)
    periods: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.periods = self.indicators[schema.PERIOD].to_numpy(dtype="datetime64[ns]")


class _MarketReferences:
    """The registry's group statistics by reference month, per process and data version."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._state: _MarketState | None = None
        self._checked_at = -1e9

    def _current(self) -> _MarketState:
        refresh = getattr(settings, "SCORING_SNAPSHOT_REFRESH_SECONDS", 5)
        now = time.monotonic()
        state = self._state
        if state is not None and now - self._checked_at <= refresh:
            return state
        signature = data_signature()
        self._checked_at = now
        if state is not None and state.signature == signature:
            return state
        with self._lock:
            if self._state is None or self._state.signature != signature:
                span = MonthlyRecord.objects.aggregate(first=Min("period"), last=Max("period"))
                first, last = (
                    (d.year * 12 + d.month - 1 if d else None)
                    for d in (span["first"], span["last"])
                )
                self._state = _MarketState(signature, first, last, indicators_frame())
            return self._state

    def reference_month(self, state: _MarketState, month: int) -> int | None:
        """The registry month whose market a business whose history ends in ``month`` reads."""
        if state.last is None:
            return None
        if state.first <= month <= state.last:
            return month
        same = state.last - ((state.last - month) % 12)
        return same if same >= state.first else state.last

    def get(self, month: int, horizons: tuple[int, ...]) -> tuple[int | None, GroupStats | None]:
        state = self._current()
        ref = self.reference_month(state, month)
        if ref is None:
            return None, None
        if ref not in state.stats:
            with self._lock:
                if ref not in state.stats:
                    records = records_frame()
                    stats = group_statistics(
                        records, businesses_frame(), _timestamps(np.array([ref]))[0],
                        horizons=horizons,
                    )  # fmt: skip
                    state.stats[ref] = stats if stats.table else None
        return ref, state.stats[ref]

    def state(self) -> _MarketState:
        return self._current()

    def clear(self) -> None:
        with self._lock:
            self._state, self._checked_at = None, -1e9


market_references = _MarketReferences()


def _market_features(
    state: _MarketState, businesses: pd.DataFrame, month: int
) -> dict[str, np.ndarray]:
    """The ``mkt_*`` feature columns of these businesses at ``month``, in their order.

    They depend only on the indicator series a business's sector and region match and on the
    month, so each (month, sector, region) is computed once per process by the engine itself —
    :func:`build_features` on one stand-in business of that sector and region over the whole
    market — and a request only looks them up (the engine's matching of series costs more than
    the rest of a batch's features)."""
    sectors, regions = (
        [v if isinstance(v, str) else None for v in businesses[col].tolist()]
        for col in (schema.SECTOR_DIVISION, schema.REGION_CODE)
    )
    keys = [(month, s, r) for s, r in zip(sectors, regions, strict=True)]
    missing = sorted({k for k in keys if k not in state.market_features}, key=str)
    if missing:
        cutoff = _timestamps(np.array([month]))[0]
        first = _timestamps(np.array([month - PANEL_MONTHS + 1]))[0]
        n = len(missing)
        stand_ins = pd.DataFrame(
            {
                schema.BUSINESS_ID: np.arange(n, dtype="int64"),
                schema.SECTOR_SECTION: None,
                schema.SECTOR_DIVISION: [k[1] for k in missing],
                schema.REGION_CODE: [k[2] for k in missing],
                schema.FOUNDED: pd.NaT,
                schema.WOMEN_LED: False,
                schema.SELLS_ONLINE: False,
            }
        )
        records = pd.DataFrame(
            {
                schema.BUSINESS_ID: np.arange(n, dtype="int64"),
                schema.PERIOD: cutoff,
                schema.SALES: 1.0,
            }
        )
        indicators = state.indicators
        if not indicators.empty:
            indicators = indicators.iloc[np.flatnonzero(state.periods >= np.datetime64(first))]
        panel = build_panel(records, periods=pd.date_range(first, cutoff, freq="MS"))
        feats = build_features(
            records, stand_ins, indicators, [cutoff], horizons=(), panel=panel
        ).sort_values(schema.BUSINESS_ID)
        columns = [c for c in feats.columns if c.startswith("mkt_")]
        values = feats[columns].to_numpy(dtype=float)
        if len(state.market_features) > 50_000:  # bounded: a long-running worker
            state.market_features.clear()
        state.market_columns[month] = columns
        for i, key in enumerate(missing):
            state.market_features[key] = values[i]
    columns = state.market_columns.get(month, [])
    if not columns:
        return {}
    matrix = np.vstack([state.market_features[k] for k in keys])
    return {name: matrix[:, j] for j, name in enumerate(columns)}


# ---------------------------------------------------------------------------- the forecast


@dataclass
class UnregisteredForecasts:
    """One result dict per input business, in order, and the model versions used."""

    results: list[dict]
    forecaster_version: Any
    growth_version: Any


def forecasts_compute(
    data: ForecastInput,
    *,
    words: Callable[[list[dict]], list[dict]] | None = None,
    drivers: bool = True,
) -> UnregisteredForecasts:
    """Forecast and growth probability of every business of ``data`` with the production
    models, and its drivers unless ``drivers`` is false (then not computed, and each result
    has no ``drivers``); ``words`` puts each business's drivers in the reader's words. Raises
    ``scoring.ScoringUnavailableError`` when there is no production model."""
    f_version, forecaster, g_version, classifier = production_pair()
    server = serving_models(
        key=serving_key(f_version, g_version), forecaster=forecaster, classifier=classifier
    )
    horizons = tuple(forecaster.horizons)
    results: list[dict | None] = [None] * len(data.references)
    ids = data.records[schema.BUSINESS_ID]
    for month in np.unique(data.cutoffs):
        members = np.flatnonzero(data.cutoffs == month)
        ref, stats = market_references.get(int(month), horizons)
        cutoff = _timestamps(np.array([month]))[0]
        if len(members) == len(data.references):
            records, businesses = data.records, data.businesses
        else:
            keep = np.isin(ids, members)
            records = {name: values[keep] for name, values in data.records.items()}
            businesses = {name: values[members] for name, values in data.businesses.items()}
        # at least PANEL_MONTHS months, and the whole history (months observed, its age)
        recorded = records[schema.PERIOD].astype("datetime64[M]").astype("int64") + 1970 * 12
        first = min(int(month) - PANEL_MONTHS + 1, int(recorded.min()))
        panel = build_panel(records, periods=_datetimes(np.arange(first, int(month) + 1)))
        # every business has a month <= its cut-off, so the columns hold them all, in the
        # order of ``businesses`` (ids ascending, as the panel's rows)
        features = feature_columns(panel, businesses, cutoff, horizons=horizons, group_stats=stats)
        features.update(_market_features(market_references.state(), businesses, int(month)))
        served = server.predict(features, explain=drivers)
        rows = features[schema.BUSINESS_ID].tolist()
        references = [data.references[b] for b in rows]
        answers = _results(served, int(month), ref, references, words, drivers=drivers)
        for b, answer in zip(rows, answers, strict=True):
            results[b] = answer
    return UnregisteredForecasts(results, f_version, g_version)


def _results(
    served, month: int, ref: int | None, references: list, words, *, drivers: bool = True
) -> list[dict]:
    """One answer per row of ``served`` (arrays turned into lists once, not per value)."""
    periods = [_month_text(month + h) for h in served.horizons]
    values = {name: served.forecast[name].T.tolist() for name in ("mean", "p10", "p50", "p90")}
    disagree = served.forecast["models_disagree"].T.tolist()
    said = str(MODELS_DISAGREE_REASON)  # once per answer, in the request's language
    short = served.flags["short_history"].tolist()
    reasons = served.flags["reason"].tolist()
    intermittent = served.flags["intermittent"].tolist()
    probability = served.probability.tolist()
    cutoff = _month_text(month)
    market_month = _month_text(ref) if ref is not None else None
    out = []
    for i, reference in enumerate(references):
        mean, p10, p50, p90 = (values[n][i] for n in ("mean", "p10", "p50", "p90"))
        answer = {
            "reference": reference,
            "cutoff": cutoff,
            "market_month": market_month,
            "short_history": bool(short[i]),
            "history_note": str(reasons[i]),
            "intermittent": bool(intermittent[i]),
            "forecast": [
                {
                    "horizon": h,
                    "period": periods[j],
                    "mean": mean[j],
                    "p10": p10[j],
                    "p50": p50[j],
                    "p90": p90[j],
                    "short_history": bool(short[i]),
                    "models_disagree": bool(disagree[i][j]),
                    "models_disagree_reason": said if disagree[i][j] else "",
                }
                for j, h in enumerate(served.horizons)
            ],
            "growth_probability": probability[i],
        }
        if drivers:
            # compared with the registry's groups, whose sizes the caller cannot see: the
            # figures from other businesses' sales never leave (forecasting.reasons)
            reasons_of = without_peer_figures(served.drivers[i])
            answer["drivers"] = words(reasons_of) if words is not None else reasons_of
        out.append(answer)
    return out
