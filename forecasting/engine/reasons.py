"""The reasons behind a growth probability: feature contributions grouped into facts.

A model sees one fact through several columns — the staff level, its yearly change and its trend
are three columns about one thing, the number of workers. Listed one by one, a one-person bodega
read "staff" four times among five reasons, none with a number. Here every feature column
belongs to one *family* (:data:`FAMILIES`): the contributions of a family's columns are added
up (TreeSHAP values are additive, so a family's sum is its share of the log-odds), the families
are ranked by that sum, those below :data:`MIN_CONTRIBUTION` are left out, and each reason
carries the raw values its sentence quotes (``facts``), read from the feature row that was
scored. The sentences themselves are said above the engine, in the reader's language
(``forecasting.reasons``), from these facts.

This module is the catalogue: a family's name in Spanish and English, what it covers, which
columns it quotes. :func:`family_of` puts any column in a family (an unknown column is its own).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from forecasting.engine import schema

# A reason is shown when its family's contributions add up to at least this much log-odds. At a
# probability near 50 % a contribution of 0.05 moves it by about 1.2 percentage points
# (dp = p (1 - p) dx): less than that is noise an advisor should not be asked to read.
MIN_CONTRIBUTION = 0.05

# Features computed from other businesses' sales (the sector, region and sector x region group
# means of engine.features, and a business's level against them): a value of one of these, put
# in words beside the business's own sales, can give away a small group's figures, so the
# product shows them only where the disclosure rules publish the group's statistics.
GROUP_FEATURE = re.compile(
    r"^(?:(?:sector_region|sector|region)_(?:growth|log_sales_mean|seasonal)|log_sales_vs_)"
)
PEER_FAMILIES = frozenset({"peers_growth", "peers_level"})
# The same floor for a random forest, whose contributions are probability changes (a feature
# set to its training median), and for the forecaster's, which are changes of log sales (1 %).
MIN_PROBABILITY_CHANGE = 0.0125
MIN_LOG_SALES_CHANGE = 0.01


@dataclass(frozen=True)
class Family:
    """A group of feature columns that say one fact, and the columns its sentence quotes."""

    code: str
    label_es: str
    label_en: str
    description: str
    facts: tuple[str, ...] = ()


FAMILIES: dict[str, Family] = {
    f.code: f
    for f in (
        Family(
            "staff", "Personal", "Staff",
            "Number of workers, its change over the year, its recent change and trend.",
            ("employees_last", "employees_growth_yoy", "employees_growth"),
        ),
        Family(
            "sales_yoy", "Ventas frente al año anterior", "Sales against the year before",
            "Sales of the latest months against the same months a year earlier, and of the "
            "last 12 months against the 12 before.",
            ("growth_yoy", "growth_12m"),
        ),
        Family(
            "sales_recent", "Ventas recientes", "Recent sales",
            "The latest months' sales against the year's average and the months before.",
            ("level_vs_mean_12", "kf_level_vs_mean_12", "growth_3m"),
        ),
        Family(
            "sales_trend", "Tendencia de las ventas", "Sales trend",
            "The monthly slope of sales over the last one or two years.",
            ("trend_sa_12", "trend_slope_12", "trend_sa_24"),
        ),
        Family(
            "sales_outlook", "Nivel actual y estacionalidad", "Current level and seasonality",
            "What the business's current level and its seasons point to for the next 12 months.",
            ("expected_growth_12",),
        ),
        Family(
            "sales_level", "Tamaño de las ventas", "Size of its sales",
            "How much the business sells a month.",
            ("sales_mean_12_raw",),
        ),
        Family(
            "volatility", "Variabilidad de las ventas", "Sales volatility",
            "How much sales move from month to month, unusual months included.",
            ("noise_sd",),
        ),
        Family(
            "seasonality", "Estacionalidad", "Seasonality",
            "How seasonal the business is and the calendar month of its latest data.",
            ("seasonal_amplitude",),
        ),
        Family(
            "history", "Historial de registros", "Record history",
            "How many months the business has reported, and how recently.",
            ("months_observed", "months_observed_12", "months_since_last"),
        ),
        Family(
            "zero_months", "Meses sin ventas", "Months without sales",
            "The share of recorded months with no sales.",
            ("share_zero_24", "share_zero"),
        ),
        Family(
            "margin", "Margen", "Margin",
            "Sales minus costs, as a share of sales, and whether costs are reported.",
            ("margin_mean_12", "reports_costs"),
        ),
        Family(
            "satisfaction", "Satisfacción de clientes", "Customer satisfaction",
            "Reported customer satisfaction (0 low, 1 medium, 2 high).",
            ("satisfaction_last", "satisfaction_mean_12"),
        ),
        Family(
            "age", "Antigüedad de la empresa", "Age of the business",
            "Months since the business was founded.",
            ("age_months",),
        ),
        Family(
            "women_led", "Liderazgo femenino", "Women's leadership",
            "Whether the business is led by women.",
            ("women_led",),
        ),
        Family(
            "online", "Venta por internet", "Online sales",
            "Whether the business sells online.",
            ("sells_online",),
        ),
        Family(
            "peers_growth", "Crecimiento de su sector", "Growth of its sector",
            "Sales growth of the businesses of its sector and region.",
            ("sector_region_growth_yoy", "sector_growth_yoy"),
        ),
        Family(
            "peers_level", "Ventas frente a sus pares", "Sales against its peers",
            "Its sales against the average business of its sector and region.",
            ("log_sales_vs_sector_region", "log_sales_vs_sector"),
        ),
        Family(
            "market", "Mercado de su sector", "Its sector's market",
            "Market indicators of its sector and region (production index and others).",
            (),  # the indicators' 12-month changes: see fact_columns
        ),
        Family(
            "activity", "Actividad y región", "Activity and region",
            "Its activity (CIIU) and region as such.",
            (schema.SECTOR_DIVISION, schema.REGION_CODE),
        ),
    )
}  # fmt: skip

# Known market indicators, in words (others are named by their own name).
INDICATOR_WORDS = {
    schema.PRODUCTION_INDEX: ("índice de producción de su sector", "its sector's production index"),
    "national_activity_index": (
        "índice de actividad económica nacional",
        "national activity index",
    ),
    "regional_activity_index": ("índice de actividad de su región", "its region's activity index"),
}


def indicator_words(indicator: str) -> tuple[str, str]:
    """An indicator's name in Spanish and English: the catalogue's, else its series name made
    readable (a steward's series code, underscores as spaces) — never a bare column code."""
    if indicator in INDICATOR_WORDS:
        return INDICATOR_WORDS[indicator]
    readable = indicator.replace("_", " ").strip()
    return readable, readable


_EXACT = {
    "employees_last": "staff", "employees_growth": "staff", "employees_growth_yoy": "staff",
    "employees_trend_12": "staff",
    "growth_yoy": "sales_yoy", "growth_12m": "sales_yoy", "growth_sa_yoy": "sales_yoy",
    "growth_mom": "sales_recent", "growth_3m": "sales_recent", "level_vs_mean_12": "sales_recent",
    "last_vs_mean_12": "sales_recent", "ewm_level_vs_mean_12": "sales_recent",
    "kf_level_vs_mean_12": "sales_recent", "level_sa_gap_12": "sales_recent",
    "level_sa_vs_mean_12": "sales_recent",
    "trend_slope_12": "sales_trend", "trend_sa_12": "sales_trend", "trend_sa_24": "sales_trend",
    "expected_growth_12": "sales_outlook",
    "log_sales_q1": "sales_level", "log_sales_q3": "sales_level", "log_sales_last": "sales_level",
    "kf_level": "sales_level", "level_sa": "sales_level", "sales_mean_12_raw": "sales_level",
    "level_sa_forecast": "sales_level",
    "noise_sd": "volatility", "kf_level_sd": "volatility", "outlier_effect_12": "volatility",
    "seasonal_amplitude": "seasonality", "seasonal_profile": "seasonality",
    "own_seasonal_change": "seasonality", "sector_seasonal_change": "seasonality",
    "sector_region_seasonal_change": "seasonality", "log_sales_same_month_ly": "seasonality",
    "log_sales_same_month_2y": "seasonality", "cutoff_month": "seasonality",
    "target_month": "seasonality", "horizon": "seasonality",
    "months_observed": "history", "months_observed_12": "history",
    "months_since_first": "history", "months_since_last": "history",
    "share_zero": "zero_months", "share_zero_24": "zero_months",
    "margin_last": "margin", "margin_mean_3": "margin", "margin_mean_12": "margin",
    "reports_costs": "margin",
    "satisfaction_last": "satisfaction", "satisfaction_mean_12": "satisfaction",
    "age_months": "age", "women_led": "women_led", "sells_online": "online",
    schema.SECTOR_SECTION: "activity", schema.SECTOR_DIVISION: "activity",
    schema.REGION_CODE: "activity",
}  # fmt: skip
_PATTERNS = (
    (re.compile(r"^log_sales_(lag|mean|std)_\d+$"), None),  # level or volatility: see below
    (re.compile(r"^log_sales_vs_"), "peers_level"),
    (re.compile(r"^(sector_region|sector|region)_log_sales_mean$"), "peers_level"),
    (re.compile(r"^(sector_region|sector|region)_growth_"), "peers_growth"),
    (re.compile(r"^mkt_"), "market"),
)


@lru_cache(maxsize=4096)
def family_of(feature: str) -> str:
    """The family code of a feature column (``staff`` for ``employees_growth_yoy``); a column
    the catalogue does not know is a family of its own, named by the column."""
    head, sep, tail = feature.rpartition("_h")
    base = head if sep and tail.isdigit() and head else feature
    if base in _EXACT:
        return _EXACT[base]
    for pattern, family in _PATTERNS:
        if pattern.search(base):
            if family is None:
                return "volatility" if base.startswith("log_sales_std_") else "sales_level"
            return family
    return base


def family_labels(code: str) -> tuple[str, str]:
    """``(label_es, label_en)`` of a family (the column's own name for an unknown one)."""
    family = FAMILIES.get(code)
    return (family.label_es, family.label_en) if family else (code, code)


def market_indicator(feature: str) -> str | None:
    """The indicator name of a market column (``mkt_<name>_chg_12`` -> ``<name>``)."""
    match = re.match(r"^mkt_(.+?)_(level|chg_\d+|trend_\d+|chg_12_ma)$", feature)
    return match.group(1) if match else None


def fact_columns(code: str, names: tuple[str, ...]) -> tuple[str, ...]:
    """The columns whose values a family's sentence quotes. For the market, the 12-month change
    of each indicator the model reads."""
    if code == "market":
        indicators = dict.fromkeys(i for n in names if (i := market_indicator(n)))
        return tuple(f"mkt_{i}_chg_12" for i in indicators)
    family = FAMILIES.get(code)
    return family.facts if family else (code,)


def _plain(value: Any) -> Any:
    if value is None:
        return None
    if type(value) is float:  # the common case, first
        return None if value != value else value
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if np.isnan(value) else float(value)
    return str(value)


@dataclass(frozen=True)
class _Grouping:
    codes: tuple[str, ...]
    membership: np.ndarray  # features x families, 1 where the feature belongs
    members: tuple[np.ndarray, ...]  # each family's feature positions
    facts: tuple[tuple[str, ...], ...]  # each family's fact columns


@lru_cache(maxsize=64)
def _grouping(names: tuple[str, ...]) -> _Grouping:
    codes = tuple(dict.fromkeys(family_of(n) for n in names))
    where = {c: j for j, c in enumerate(codes)}
    membership = np.zeros((len(names), len(codes)))
    for i, name in enumerate(names):
        membership[i, where[family_of(name)]] = 1.0
    members = tuple(np.flatnonzero(membership[:, j]) for j in range(len(codes)))
    facts = tuple(fact_columns(code, names) for code in codes)
    return _Grouping(codes, membership, members, facts)


def grouped_reasons(
    contrib: np.ndarray,
    names: list[str] | tuple[str, ...],
    value_of,
    *,
    top: int = 5,
    min_contribution: float = MIN_CONTRIBUTION,
) -> list[list[dict]]:
    """The reasons of each row of ``contrib`` (rows x features, in ``names`` order, no bias).

    Families ranked by the absolute sum of their columns' contributions, largest first, at most
    ``top``, none below ``min_contribution``. Each reason: ``family``, ``label_es``,
    ``label_en``, ``contribution`` (the sum), ``direction`` (``up``/``down``), ``feature`` (the
    column that weighs most in it) with its ``value``, ``features`` (its columns with a
    non-zero contribution, largest first) and ``facts`` (``{column: value}`` of
    :func:`fact_columns`, missing values as ``None``). ``value_of(row, column)`` reads a value
    of the scored feature row (``None`` when the row has no such column).
    """
    names = tuple(str(n) for n in names)
    grouping = _grouping(names)
    contrib = np.asarray(contrib, dtype=float)
    sums = contrib @ grouping.membership
    orders = np.argsort(-np.abs(sums), axis=1, kind="stable")[:, :top].tolist()
    out = []
    for r in range(contrib.shape[0]):
        reasons = []
        for j in orders[r]:
            total = float(sums[r, j])
            if abs(total) < min_contribution:
                break
            code = grouping.codes[j]
            idx = grouping.members[j]
            weights = contrib[r, idx]
            ranked = np.argsort(-np.abs(weights), kind="stable")
            members = idx[ranked][weights[ranked] != 0.0].tolist()
            lead = names[members[0]] if members else names[int(idx[0])]
            label_es, label_en = family_labels(code)
            reasons.append(
                {
                    "family": code,
                    "feature": lead,
                    "label_es": label_es,
                    "label_en": label_en,
                    "value": _plain(value_of(r, lead)),
                    "contribution": total,
                    "direction": "up" if total > 0 else "down",
                    "features": [names[i] for i in members],
                    "facts": {c: _plain(value_of(r, c)) for c in grouping.facts[j]},
                }
            )
        out.append(reasons)
    return out


def aggregate_reasons(driver_lists: list[list[dict]]) -> list[dict]:
    """The reasons of many businesses' growth probabilities taken together (a region, a
    sector): for each family, over the ``n`` businesses whose reasons are given (each a list
    as :func:`grouped_reasons` makes it, or an older one per feature column, grouped here by
    :func:`family_of`), the ``mean`` contribution (log-odds; a business whose reasons leave the
    family out counts as 0: its contribution was below the floor or outside its top reasons),
    how many businesses it raises (``up``) and lowers (``down``).

    Families ordered by mean contribution, largest first: the first ones are what drives the
    group's growth, the last ones what holds it back. Contributions are log-odds and add up
    (TreeSHAP), so a mean is a fair summary; a family's sentence of one business's own figures
    (``facts``) is not carried: a group has no such single figure."""
    n = len(driver_lists)
    if not n:
        return []
    totals: dict[str, list[float]] = {}
    for drivers in driver_lists:
        per_family: dict[str, float] = {}
        for d in drivers or []:
            code = d.get("family") or family_of(str(d.get("feature", "")))
            per_family[code] = per_family.get(code, 0.0) + float(d.get("contribution") or 0.0)
        for code, value in per_family.items():
            totals.setdefault(code, []).append(value)
    out = []
    for code, values in totals.items():
        label_es, label_en = family_labels(code)
        values_arr = np.asarray(values, dtype=float)
        out.append(
            {
                "family": code,
                "label_es": label_es,
                "label_en": label_en,
                "mean": float(values_arr.sum() / n),
                "up": int((values_arr > 0).sum()),
                "down": int((values_arr < 0).sum()),
                "n": n,
            }
        )
    return sorted(out, key=lambda r: (-r["mean"], r["family"]))
