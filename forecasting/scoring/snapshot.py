"""Scoring one business fast, with the production models, against the whole panel.

The engine's features of one business read sector, region and sector x region aggregates of
*all* businesses, so a business cannot be featurised alone. Each process therefore keeps one
*scoring snapshot*: the feature frame of every business at the latest month of the data (built
once with the production forecaster's horizons), every business's forecast and growth
probability (one call of the serving path, :meth:`forecasting.engine.serving.ServingModels.predict`:
the same code, and so the same numbers, as prediction jobs and the API), the business figures
the advice rules and the benchmarks read (recent sales, year-on-year growth, margin, peers'
groups) and the market trend of every sector x region. Scoring a business is then a row lookup
plus one call of the serving path for its drivers (:meth:`ServingModels.explain`).

The snapshot is keyed by the production model versions and a cheap data signature (latest
succeeded import, count and largest id of monthly records, businesses and market indicators,
latest change to a business): one small query, made at most every
``SCORING_SNAPSHOT_REFRESH_SECONDS`` (setting, default 5 s) per process, tells whether the data
moved; if it did, the next call rebuilds the snapshot under a lock (other threads wait for the
fresh one). Counting monthly records is a scan in PostgreSQL, hence the throttle.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property, partial
from typing import Any

import numpy as np
import pandas as pd
from django.conf import settings
from django.db import connection

from businesses import disclosure
from businesses.freshness import Freshness, business_sunat, freshness, sunat_statuses
from businesses.market import (
    MIN_MONTHS_FOR_GROWTH,
    panel_trends,
    production_index_latest,
)
from businesses.models import Business, DataImport, MarketIndicator, MonthlyRecord, SunatStatus
from forecasting.engine import schema
from forecasting.engine.features import build_features, build_panel
from forecasting.engine.serving import ServingModels, ServingResult, serving_key, serving_models
from forecasting.history import businesses_frame, indicators_frame, records_frame
from forecasting.lifecycle.registry import NoProductionModelError, production_pair
from forecasting.models import ModelVersion
from forecasting.reasons import without_peer_figures

logger = logging.getLogger(__name__)

MIN_PEERS = 10  # a peer group smaller than this falls back to a wider one
PEER_LEVELS = (
    ("sector_region_size", (schema.SECTOR_DIVISION, schema.REGION_CODE, "size_class")),
    ("sector_region", (schema.SECTOR_DIVISION, schema.REGION_CODE)),
    ("sector", (schema.SECTOR_DIVISION,)),
)


# There is no production model to score with: the registry's error, under the name the
# advice and the API catch.
ScoringUnavailableError = NoProductionModelError


@dataclass
class BusinessScore:
    """Everything the advice rules read about one business, in plain JSON-friendly types."""

    business_id: int
    cutoff: dt.date | None = None
    has_records: bool = True
    forecaster_version: ModelVersion | None = None
    growth_version: ModelVersion | None = None
    forecast: list[dict] = field(default_factory=list)
    growth_probability: float | None = None
    drivers: list[dict] = field(default_factory=list)
    benchmarks: dict = field(default_factory=dict)
    market_trend: dict = field(default_factory=dict)
    profile: dict = field(default_factory=dict)
    # How current its data is (businesses.freshness): a stale business's forecast, growth
    # probability and drivers are withheld, and the advice says why.
    freshness: Freshness | None = None
    # What SUNAT's padrón last said of it (None if never read): the advice rules read it.
    sunat: SunatStatus | None = None

    @property
    def stale(self) -> bool:
        return bool(self.freshness and self.freshness.stale)


@dataclass
class ScoringSnapshot:
    """Everything scored at the latest month, for every business; rows follow ``features``."""

    key: tuple  # (data signature, forecaster version id, growth classifier version id)
    cutoff: pd.Timestamp | None
    features: pd.DataFrame
    feature_row: dict[int, int]
    figures: pd.DataFrame  # one row per business of the features, same order
    groups: dict[str, dict[tuple, np.ndarray]]
    market: dict[tuple[str, str], dict]
    indicators: dict[tuple[str, str | None], dict]
    horizons: tuple[int, ...] = ()
    # Every row's forecast and growth probability from the serving path (``explain=False``),
    # and the serving models that predicted them (one business's drivers come from them too).
    served: ServingResult | None = None
    server: ServingModels | None = None
    # The features column by column as NumPy arrays: one business's row for the serving path is
    # then a few hundred array slices (~0.1 ms), where a one-row DataFrame costs milliseconds.
    feature_arrays: dict[str, np.ndarray] = field(default_factory=dict)
    build_seconds: float = 0.0

    @cached_property
    def figure_columns(self) -> dict[str, Any]:
        """``figures`` column by column (pandas arrays): one business's figures are then a
        lookup per column, the same values and types as the frame's row, where selecting the
        row of a frame of mixed types cost ~0.5 ms each time an advice read it."""
        return {str(c): self.figures[c].array for c in self.figures.columns}

    def figures_at(self, row: int) -> dict[str, Any]:
        """The figures of the business at ``row`` (as ``figures.iloc[row]`` would give them)."""
        return {c: values[row] for c, values in self.figure_columns.items()}


def _num(value: Any) -> float | None:
    """A float for JSON, or None for a missing value."""
    if value is None:
        return None
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return None if np.isnan(value) or np.isinf(value) else value


# ---------------------------------------------------------------------------- the snapshot


def data_signature() -> tuple:
    """What changes whenever the data a snapshot was built from changes: one query.

    On PostgreSQL the monthly records are not counted (a scan of millions of rows, ~0.2 s at
    100k businesses, in every process every few seconds): new records move their largest id,
    records deleted with their business move the business count, and the table's update and
    delete counters (``pg_stat_user_tables``, published within a second or so) catch records
    changed or deleted in place, which a count would miss anyway."""
    q = connection.ops.quote_name
    imports, records = q(DataImport._meta.db_table), q(MonthlyRecord._meta.db_table)
    businesses, indicators = q(Business._meta.db_table), q(MarketIndicator._meta.db_table)
    if connection.vendor == "postgresql":
        record_part = (
            "(SELECT COALESCE(n_tup_upd + n_tup_del, 0) FROM pg_stat_user_tables"  # noqa: S608
            f" WHERE relid = '{records}'::regclass)"
        )
    else:
        record_part = f"(SELECT COUNT(*) FROM {records})"  # noqa: S608 - fixed names
    sql = (
        f"SELECT (SELECT MAX(id) FROM {imports} WHERE status = %s),"  # noqa: S608 - fixed names
        f" {record_part}, (SELECT MAX(id) FROM {records}),"
        f" (SELECT COUNT(*) FROM {businesses}), (SELECT MAX(updated_at) FROM {businesses}),"
        f" (SELECT COUNT(*) FROM {indicators}), (SELECT MAX(id) FROM {indicators})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [DataImport.Status.SUCCEEDED])
        return tuple(str(v) for v in cursor.fetchone())


def _window_means(records: pd.DataFrame, cutoff: pd.Timestamp) -> pd.DataFrame:
    """Per business: mean monthly sales over the last 3 / previous 3 / last 12 / previous 12
    observed months before ``cutoff`` (missing months are unknown, not zero), their counts, and
    the margin over the last 12 months where costs were reported."""
    periods = pd.DatetimeIndex(records[schema.PERIOD])
    age = (cutoff.year - periods.year) * 12 + (cutoff.month - periods.month)
    recent = records.loc[(age >= 0) & (age < 24)].copy()
    recent["age"] = np.asarray(age[(age >= 0) & (age < 24)])
    out = pd.DataFrame(index=pd.Index(records[schema.BUSINESS_ID].unique(), name="business_id"))
    windows = {"last_3": (0, 3), "prev_3": (3, 6), "last_12": (0, 12), "prev_12": (12, 24)}
    for name, (lo, hi) in windows.items():
        part = recent[(recent["age"] >= lo) & (recent["age"] < hi)]
        grouped = part.groupby(schema.BUSINESS_ID)[schema.SALES]
        out[f"{name}_mean"] = grouped.mean()
        out[f"{name}_months"] = grouped.count()
    last12 = recent[(recent["age"] < 12) & recent[schema.COSTS].notna()]
    sums = last12.groupby(schema.BUSINESS_ID)[[schema.SALES, schema.COSTS]].sum()
    out["margin_12"] = (sums[schema.SALES] - sums[schema.COSTS]) / sums[schema.SALES].where(
        sums[schema.SALES] > 0
    )
    out = out.fillna({f"{n}_months": 0 for n in windows})
    enough = (out["last_12_months"] >= MIN_MONTHS_FOR_GROWTH) & (
        out["prev_12_months"] >= MIN_MONTHS_FOR_GROWTH
    )
    out["yoy_growth"] = (
        out["last_12_mean"] / out["prev_12_mean"].where(enough & (out["prev_12_mean"] > 0))
    ) - 1
    last_period = records.groupby(schema.BUSINESS_ID)[schema.PERIOD].max()
    out["last_period"] = last_period
    return out


def _market(
    records: pd.DataFrame,
    businesses: pd.DataFrame,
    indicators: pd.DataFrame,
    cutoff: pd.Timestamp,
    untrusted: set[int],
) -> tuple[dict[tuple[str, str], dict], dict[tuple[str, str], dict | None]]:
    """Every sector x region's market trend and production index at ``cutoff``, as
    :mod:`businesses.market` defines them (the market page and the API read the same), keyed by
    (sector, region). Stored in each advice and shown to whoever sees its business, the trend is
    computed from the trusted contributors only and withheld unless it is safe against every
    advisor's caseload and every partner's scope (:mod:`businesses.disclosure`)."""
    trusted = records[~records[schema.BUSINESS_ID].isin(untrusted)]
    trends = panel_trends(
        trusted, businesses, months=[cutoff], requester=disclosure.viewers_of_any_business()
    )
    market = {
        (row[schema.SECTOR_DIVISION], row[schema.REGION_CODE]): {
            "yoy_growth": _num(row["yoy_growth_12m"]),
            "momentum_3m": _num(row["momentum_3m"]),
            "businesses": int(row["businesses_12m"]),
            "businesses_3m": int(row["businesses_3m"]),
            "suppressed": {
                shown: row["suppressed"][name]
                for shown, name in (
                    ("yoy_growth", "yoy_growth_12m"),
                    ("momentum_3m", "momentum_3m"),
                )
                if name in row["suppressed"]
            },
        }
        for row in trends.to_dict("records")
    }
    keys = businesses[[schema.SECTOR_DIVISION, schema.SECTOR_SECTION, schema.REGION_CODE]]
    keys = keys.dropna(subset=[schema.SECTOR_DIVISION, schema.REGION_CODE]).drop_duplicates(
        ignore_index=True
    )
    latest = production_index_latest(indicators, keys, at=cutoff)
    index = {
        (sector, region): found
        for sector, region, found in zip(
            keys[schema.SECTOR_DIVISION], keys[schema.REGION_CODE], latest, strict=True
        )
    }
    return market, index


def forecast_period(cutoff: dt.date, horizon: int) -> str:
    """The first day of the month ``horizon`` months after ``cutoff`` (``YYYY-MM-DD``)."""
    month = cutoff.year * 12 + cutoff.month - 1 + int(horizon)
    return f"{month // 12:04d}-{month % 12 + 1:02d}-01"


def forecast_of(served: ServingResult, row: int, cutoff: dt.date) -> list[dict]:
    """One row of the serving path's result as the six months an advice and the latest score
    store: expected sales (``mean``), p10 / p50 / p90 and the history flags."""
    flags = served.flags
    disagree = served.forecast.get("models_disagree")  # the serving path always gives it
    return [
        {
            "horizon": int(h),
            "period": forecast_period(cutoff, h),
            "mean": _num(served.forecast["mean"][j, row]),
            "p10": _num(served.forecast["p10"][j, row]),
            "p50": _num(served.forecast["p50"][j, row]),
            "p90": _num(served.forecast["p90"][j, row]),
            "short_history": bool(flags["short_history"][row]),
            "reason": str(flags["reason"][row]),
            "intermittent": bool(flags["intermittent"][row]),
            "models_disagree": bool(disagree[j, row]) if disagree is not None else False,
        }
        for j, h in enumerate(served.horizons)
    ]


def snapshot_build(
    *,
    key: tuple,
    forecaster: Any,
    classifier: Any,
    serving: Callable[[], ServingModels] | None = None,
) -> ScoringSnapshot:
    """Read the whole panel, build the feature frame at its last month and score every
    business through the serving path in one vectorised call, with the figures, peer groups,
    market trends and indicator changes the advice reads."""
    started = time.perf_counter()
    horizons = tuple(forecaster.horizons)
    records = records_frame()
    businesses = businesses_frame()
    indicators = indicators_frame()
    if records.empty:
        empty = pd.DataFrame()
        return ScoringSnapshot(key, None, empty, {}, empty, {}, {}, {}, horizons)
    cutoff = pd.Timestamp(records[schema.PERIOD].max())
    panel = build_panel(records)
    features = build_features(
        records, businesses, indicators, [cutoff], horizons=horizons, panel=panel
    ).reset_index(drop=True)
    # pandas deep-copies ``attrs`` into every slice and column it hands out (xgboost reads a
    # one-row frame column by column): 100+ ms per advice with the preprocessing record there.
    features.attrs = {}
    ids = features[schema.BUSINESS_ID].to_numpy()
    static = businesses.set_index(schema.BUSINESS_ID).reindex(ids)
    sizes = dict(Business.objects.values_list("pk", "size_class"))
    figures = _window_means(records, cutoff).reindex(ids)
    figures[schema.SECTOR_DIVISION] = static[schema.SECTOR_DIVISION].astype(str).to_numpy()
    figures[schema.REGION_CODE] = static[schema.REGION_CODE].astype(str).to_numpy()
    figures["size_class"] = [sizes.get(int(i), "unknown") for i in ids]
    figures["sells_online"] = static[schema.SELLS_ONLINE].fillna(False).astype(bool).to_numpy()
    figures["founded"] = pd.to_datetime(static[schema.FOUNDED]).to_numpy()
    for col in ("satisfaction_last", "satisfaction_mean_12", "months_observed"):
        figures[col] = features[col].to_numpy(dtype=float) if col in features else np.nan
    figures = figures.reset_index()
    # Market trends and peers come from the trusted contributors only (the disclosure rules'
    # own list): a business a partner created or fed cannot pad a cell or a peer group.
    untrusted = set(disclosure.untrusted_businesses().values_list("pk", flat=True))
    market, index = _market(records, businesses, indicators, cutoff, untrusted)
    trusted_rows = np.flatnonzero(~np.isin(ids, list(untrusted)))
    trusted = figures.iloc[trusted_rows]
    groups = {
        level: {
            (key if isinstance(key, tuple) else (key,)): trusted_rows[np.asarray(rows)]
            for key, rows in trusted.groupby(list(cols), observed=True).indices.items()
        }
        for level, cols in PEER_LEVELS
    }
    # Everyone's forecast and growth probability in one call: a row lookup per advice
    # afterwards (and the totals a sector or region page needs are sums of these means).
    # the process's serving form of these models (its fused booster built once, at start)
    server = serving() if serving is not None else ServingModels(forecaster, classifier)
    return ScoringSnapshot(
        key=key,
        horizons=horizons,
        served=server.predict(features, explain=False),
        server=server,
        feature_arrays={str(c): features[c].to_numpy() for c in features.columns},
        cutoff=cutoff,
        features=features,
        feature_row={int(b): i for i, b in enumerate(ids)},
        figures=figures,
        groups=groups,
        market=market,
        indicators=index,
        build_seconds=time.perf_counter() - started,
    )


class _SnapshotCache:
    """One snapshot per process, rebuilt when the data signature changes.

    The first snapshot is built on the caller's thread (or at worker start, by
    :func:`scoring_warm`). Afterwards, when the data check is due, the caller is answered with
    the snapshot in hand and a background thread checks the signature and, if the data moved,
    builds the new snapshot and swaps it in: at 100k businesses the check scans the monthly
    records (~0.2 s on PostgreSQL) and a build takes tens of seconds, neither of which a
    request should wait for. With ``SCORING_SNAPSHOT_REFRESH_SECONDS = 0`` (tests) every call
    checks and rebuilds on the caller's thread, as before.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._refreshing = threading.Lock()
        self._snapshot: ScoringSnapshot | None = None
        self._checked_at = -1e9
        self._signature: tuple | None = None

    def get(self, *, f_version, forecaster, g_version, classifier) -> ScoringSnapshot:
        refresh = getattr(settings, "SCORING_SNAPSHOT_REFRESH_SECONDS", 5)
        now = time.monotonic()
        snap = self._snapshot
        due = self._signature is None or now - self._checked_at > refresh
        models = (f_version.pk, g_version.pk)
        if due and refresh > 0 and snap is not None and snap.key[1:] == models:
            self._checked_at = now
            if not self._refreshing.locked():
                threading.Thread(
                    target=self._refresh,
                    kwargs={
                        "f_version": f_version,
                        "forecaster": forecaster,
                        "g_version": g_version,
                        "classifier": classifier,
                    },
                    name="scoring-snapshot-refresh",
                    daemon=True,
                ).start()
            return snap
        if due:
            self._signature = data_signature()
            self._checked_at = now
        key = (self._signature, *models)
        if snap is not None and snap.key == key:
            return snap
        with self._lock:
            snap = self._snapshot
            if snap is None or snap.key != key:
                snap = snapshot_build(
                    key=key,
                    forecaster=forecaster,
                    classifier=classifier,
                    serving=partial(_served, f_version, forecaster, g_version, classifier),
                )
                logger.info("scoring snapshot built in %.2f s", snap.build_seconds)
                self._snapshot = snap
        return snap

    def _refresh(self, *, f_version, forecaster, g_version, classifier) -> None:
        """Background: check the data and rebuild the snapshot if it moved. The new signature
        is published only with the new snapshot, so callers keep the old one meanwhile."""
        if not self._refreshing.acquire(blocking=False):
            return
        try:
            signature = data_signature()
            key = (signature, f_version.pk, g_version.pk)
            snap = self._snapshot
            if snap is None or snap.key != key:
                with self._lock:
                    built = snapshot_build(
                        key=key,
                        forecaster=forecaster,
                        classifier=classifier,
                        serving=partial(_served, f_version, forecaster, g_version, classifier),
                    )
                    logger.info("scoring snapshot rebuilt in %.2f s", built.build_seconds)
                    self._snapshot = built
            self._signature = signature
        except Exception:  # the next due check tries again; requests keep the snapshot in hand
            logger.exception("refreshing the scoring snapshot failed")
        finally:
            connection.close()  # this thread's own database connection
            self._refreshing.release()

    def clear(self) -> None:
        with self._lock:
            self._snapshot, self._signature, self._checked_at = None, None, -1e9


scoring_snapshots = _SnapshotCache()


# ---------------------------------------------------------------------------- one business


def _distribution(values: np.ndarray, own: float | None) -> dict:
    """The peers' quartiles and the business's percentile among them; withheld (``None``, with
    ``withheld=True``) when fewer than :data:`MIN_PEERS` peers have the figure, so that no
    quartile or rank can stand for one other business's figure."""
    values = values[~np.isnan(values)]
    if len(values) < MIN_PEERS:
        return {
            "p25": None,
            "p50": None,
            "p75": None,
            "rank": None,
            "value": own,
            "n": len(values),
            "withheld": bool(len(values)),
        }
    p25, p50, p75 = np.percentile(values, [25, 50, 75])
    rank = None
    if own is not None:
        rank = float((np.sum(values < own) + 0.5 * np.sum(values == own)) / len(values) * 100)
    return {
        "p25": _num(p25),
        "p50": _num(p50),
        "p75": _num(p75),
        "rank": rank,
        "value": own,
        "n": len(values),
    }


def peer_benchmarks(snap: ScoringSnapshot, row: int) -> dict:
    """Percentiles of year-on-year growth and margin among the business's peers (itself
    included): same sector division, region and size class, widened to sector x region and
    then to the sector when the group has fewer than :data:`MIN_PEERS` members. Peers are
    trusted contributors only; a group still smaller than :data:`MIN_PEERS` at the sector
    level has its figures withheld (``withheld``), never shown for a handful of businesses."""
    me = snap.figures_at(row)
    members = np.array([row])
    level = PEER_LEVELS[-1][0]
    for level, cols in PEER_LEVELS:
        key = tuple(me[c] for c in cols)
        members = np.union1d(snap.groups[level].get(key, members), [row])
        if len(members) >= MIN_PEERS:
            break
    figures = snap.figure_columns  # column by column: a frame's row selection costs ~1 ms here
    few = len(members) < MIN_PEERS
    return {
        "group": level,
        "peers": len(members),
        "sector": me[schema.SECTOR_DIVISION],
        "region": me[schema.REGION_CODE],
        "size_class": me["size_class"],
        "yoy_growth": _distribution(
            np.asarray(figures["yoy_growth"], dtype=float)[members], _num(me["yoy_growth"])
        ),
        "margin": _distribution(
            np.asarray(figures["margin_12"], dtype=float)[members], _num(me["margin_12"])
        ),
        "online_share": None if few else _num(np.asarray(figures["sells_online"])[members].mean()),
        "withheld": few,
        "min_peers": MIN_PEERS,
    }


def market_trend(snap: ScoringSnapshot, row: int) -> dict:
    """The trend of the business's sector in its region, and the sector's production index."""
    me = snap.figures_at(row)
    sector, region = me[schema.SECTOR_DIVISION], me[schema.REGION_CODE]
    trend = dict(snap.market.get((sector, region), {}))
    trend.update({"sector": sector, "region": region})
    trend["indicator"] = snap.indicators.get((sector, region))
    return trend


def _profile(snap: ScoringSnapshot, row: int) -> dict:
    me = snap.figures_at(row)
    last_period, founded = me["last_period"], me["founded"]
    return {
        "last_3_mean": _num(me["last_3_mean"]),
        "prev_3_mean": _num(me["prev_3_mean"]),
        "last_12_mean": _num(me["last_12_mean"]),
        "prev_12_mean": _num(me["prev_12_mean"]),
        "last_12_months": int(me["last_12_months"]),
        "yoy_growth": _num(me["yoy_growth"]),
        "margin_12": _num(me["margin_12"]),
        "satisfaction_last": _num(me["satisfaction_last"]),
        "satisfaction_mean_12": _num(me["satisfaction_mean_12"]),
        "sells_online": bool(me["sells_online"]),
        "months_observed": int(_num(me["months_observed"]) or 0),
        "last_period": None if pd.isna(last_period) else last_period.date().isoformat(),
        "founded": None if pd.isna(founded) else pd.Timestamp(founded).date().isoformat(),
        "same_month_last_year": _same_month_last_year(snap, row),
    }


def _same_month_last_year(snap: ScoringSnapshot, row: int) -> list[float | None]:
    """Sales in each forecast month's calendar month one year earlier (outliers capped, as the
    features cap them), aligned with the forecast: the seasonal evidence the peak rule reads."""
    values: list[float | None] = []
    for h in snap.horizons:
        column = snap.feature_arrays.get(f"log_sales_same_month_ly_h{int(h)}")
        value = _num(column[row]) if column is not None else None
        values.append(None if value is None else float(np.expm1(value)))
    return values


def score_business(business: Business | int) -> BusinessScore:
    """Forecast, growth probability and drivers, peer benchmarks and market trend of one
    business (the business, or its id) with the production models. Raises
    :class:`ScoringUnavailableError` when there is no production model; a business without
    records gets ``has_records=False``. A business loaded with its SUNAT status
    (``select_related("sunat")``) is scored with it, without asking for it again.

    The forecast and probability are the snapshot's (the serving path over every business, as
    a prediction job's are), the drivers the serving path's on the business's row."""
    f_version, forecaster, g_version, classifier = production_pair()
    snap = scoring_snapshots.get(
        f_version=f_version, forecaster=forecaster, g_version=g_version, classifier=classifier
    )
    business_id = business.pk if isinstance(business, Business) else int(business)
    row = snap.feature_row.get(business_id)
    score = BusinessScore(
        business_id=business_id,
        forecaster_version=f_version,
        growth_version=g_version,
        cutoff=snap.cutoff.date() if snap.cutoff is not None else None,
        sunat=business_sunat(business if isinstance(business, Business) else business_id),
    )
    if row is None:
        score.has_records = False
        score.freshness = freshness(None, score.cutoff, score.sunat)
        return score
    row_features = {c: values[row : row + 1] for c, values in snap.feature_arrays.items()}
    return _scored(snap, score, row, drivers=lambda: snap.server.explain(row_features)[0])


def _scored(snap: ScoringSnapshot, score: BusinessScore, row: int, *, drivers) -> BusinessScore:
    """``score`` filled from the snapshot's ``row``; ``drivers()`` gives the row's drivers
    (called only when the forecast is not withheld)."""
    last = snap.figure_columns["last_period"][row]
    score.freshness = freshness(None if pd.isna(last) else last.date(), score.cutoff, score.sunat)
    score.benchmarks = peer_benchmarks(snap, row)
    score.market_trend = market_trend(snap, row)
    score.profile = _profile(snap, row)
    if score.stale:  # too old to forecast from: withheld, not presented as if trading
        return score
    score.forecast = forecast_of(snap.served, row, score.cutoff)
    score.growth_probability = _num(snap.served.probability[row])
    trend = score.market_trend
    published = trend.get("yoy_growth") is not None and not trend.get("suppressed")
    score.drivers = drivers() if published else without_peer_figures(drivers())
    return score


def scores_all(business_ids: list[int] | None = None) -> list[BusinessScore]:
    """:func:`score_business` of many businesses at once (the batch advice): the snapshot's
    rows, with every row's drivers from one vectorised call of the serving path. Businesses
    without records come back with ``has_records=False``."""
    f_version, forecaster, g_version, classifier = production_pair()
    snap = scoring_snapshots.get(
        f_version=f_version, forecaster=forecaster, g_version=g_version, classifier=classifier
    )
    cutoff = snap.cutoff.date() if snap.cutoff is not None else None
    if business_ids is None:
        business_ids = list(snap.feature_row)
    rows = [snap.feature_row.get(int(b)) for b in business_ids]
    scored_rows = sorted({r for r in rows if r is not None})
    explained: dict[int, list[dict]] = {}
    if scored_rows:
        take = np.asarray(scored_rows)
        subset = {c: values[take] for c, values in snap.feature_arrays.items()}
        explained = dict(zip(scored_rows, snap.server.explain(subset), strict=True))
    out = []
    sunat = sunat_statuses(business_ids)
    for business_id, row in zip(business_ids, rows, strict=True):
        score = BusinessScore(
            business_id=int(business_id),
            forecaster_version=f_version,
            growth_version=g_version,
            cutoff=cutoff,
            sunat=sunat.get(int(business_id)),
        )
        if row is None:
            score.has_records = False
            score.freshness = freshness(None, cutoff, score.sunat)
        else:
            _scored(snap, score, row, drivers=lambda row=row: explained[row])
        out.append(score)
    return out


def _served(f_version, forecaster, g_version, classifier) -> ServingModels:
    return serving_models(
        key=serving_key(f_version, g_version), forecaster=forecaster, classifier=classifier
    )


def scoring_warm() -> ScoringSnapshot | None:
    """Load the production models and build this process's scoring snapshot now, so that the
    first advice a worker computes does not wait for it (seconds at 100k businesses). Called
    when a worker process starts; ``None`` when there is no production model yet."""
    try:
        f_version, forecaster, g_version, classifier = production_pair()
    except ScoringUnavailableError:
        return None
    return scoring_snapshots.get(
        f_version=f_version, forecaster=forecaster, g_version=g_version, classifier=classifier
    )
