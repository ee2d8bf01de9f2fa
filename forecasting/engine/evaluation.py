"""Rolling-origin backtest of the forecaster and the growth classifier, and the entry points
the Django side calls to train production models and to score a fitted model.

Protocol (``evaluate``), for a panel whose months are ``0 .. T-1``:

* Forecaster. The held-out months are the last ``holdout_months`` (default 6): ``T-6 .. T-1``.
  The model is fitted on the records up to month ``T-7`` only (so every training target lies
  before the held-out months; its conformal intervals are calibrated on the last months of
  that training data). It is then evaluated, without refitting, at the rolling origins
  ``T-7 .. T-2``: at origin ``o`` its features use the records up to ``o`` (known then) and each
  horizon ``h`` with ``o + h <= T-1`` is scored against the recorded ``log1p(sales)``. Horizon 1
  is scored on 6 origins, horizon 6 on one. Baselines and the oracle are scored on exactly the
  same rows.
* Growth classifier. The held-out cut-off is ``c* = T-13``, the latest with a full 12-month
  future. The classifier is fitted on the records up to ``c*`` only (its latest training label
  ends at ``c*``) and scored on the labels at ``c*``; the oracle's probability is scored on the
  same rows. ``brier_base_rate`` predicts the held-out labels' own rate for everyone (a stronger
  reference than the training rate, which is also reported).
* Short histories (13 to 24 months). The forecaster's protocol needs 8 months (it is measured on
  the horizons whose targets the held-out months hold). The growth classifier's held-out cut-off
  needs a full 12-month future and, before it, labelled training cut-offs; when the history is
  too short for that (fewer than ``12 + 2 * min_months`` months), the held-out cut-off moves to
  ``T-1-min_months`` and both its labels and the training labels read the partial future windows
  the label rule allows (:mod:`labels`); the result says so (``label_months_ahead``,
  ``partial_windows``). Fewer than ``3 * min_months`` months (18 by default): the classifier is
  not measured, and ``measured`` is False with the reason; training still works from 13 months.
* Market data. When the ``indicators`` frame carries vintages (a ``known_from`` column, see
  :mod:`.schema`), every cut-off of the backtest — the training cut-offs of both fits and the
  scored origins — reads the market values as they were known at that cut-off: a value that
  arrived later is unknown there, a revised value is seen with its old value. Without them the
  values are taken as currently stored. ``result["market_data"]`` says which
  (:func:`~.features.market_data_record`).
* Segments (horizon 1 and all horizons pooled): short series (< 12 observed months at the
  origin), intermittent series (>= 20 % zero months in the last 24), sales-only series (no
  costs, employees or satisfaction ever recorded up to the origin) and spiky series (a month
  above 5 x the series' median month with sales, up to the origin).
"""

from __future__ import annotations

import time
from typing import Protocol

import numpy as np
import pandas as pd

from forecasting.engine import labels, metrics, schema
from forecasting.engine.baselines import BASELINES, baseline_forecasts
from forecasting.engine.explanations import named_importance
from forecasting.engine.features import (
    SHORT_HISTORY_MONTHS,
    build_features,
    build_panel,
    market_data_record,
)
from forecasting.engine.forecaster import SalesForecaster
from forecasting.engine.growth import GrowthClassifier
from forecasting.engine.jsontypes import to_json_types

KEYS = [schema.BUSINESS_ID, "cutoff", "horizon", schema.PERIOD]
# The held-out rows a backtest scored, kept when asked (``keep_predictions``): the forecast of
# each (business, origin, horizon) beside the recorded sales, and each held-out growth
# probability beside its label.
HELDOUT_FORECAST_COLUMNS = [
    *KEYS, "mean", "p10", "p50", "p90", "log_mean", schema.SALES, "actual",
]  # fmt: skip
HELDOUT_GROWTH_COLUMNS = [schema.BUSINESS_ID, "cutoff", "probability", "label"]


class Oracle(Protocol):
    """What an oracle offers (the synthetic generator's ``SyntheticPanel`` fits)."""

    def oracle_log_sales(self, cutoffs: object, horizons: object = ...) -> pd.DataFrame: ...

    def oracle_growth_probability(self, cutoffs: object, rate: float = ...) -> pd.DataFrame: ...


def _until(records: pd.DataFrame, last: pd.Timestamp) -> pd.DataFrame:
    return records[records[schema.PERIOD] <= last]


def _clean(value: float) -> float | None:
    return None if value is None or not np.isfinite(value) else round(float(value), 6)


# --------------------------------------------------------------------------- training entry points


def fit_forecaster(
    records: pd.DataFrame,
    businesses: pd.DataFrame | None = None,
    indicators: pd.DataFrame | None = None,
    **params: object,
) -> SalesForecaster:
    """Train a production forecaster on all the data given (``params`` go to the class)."""
    return SalesForecaster(**params).fit(records, businesses, indicators)


def fit_growth(
    records: pd.DataFrame,
    businesses: pd.DataFrame | None = None,
    indicators: pd.DataFrame | None = None,
    *,
    label_overrides: pd.DataFrame | None = None,
    **params: object,
) -> GrowthClassifier:
    """Train a production growth classifier on all the data given, advisors' overrides
    included (``params`` go to the class)."""
    return GrowthClassifier(**params).fit(
        records, businesses, indicators, label_overrides=label_overrides
    )


# --------------------------------------------------------------------------- scoring fitted models


SPIKE_RATIO = 5.0  # a spiky series: a month above 5 x its median month with sales


def spiky_series(records: pd.DataFrame, cutoff: pd.Timestamp) -> pd.Series:
    """Per business (index), whether its history up to ``cutoff`` has a month above
    :data:`SPIKE_RATIO` times its median month with sales (the real-data set's definition)."""
    known = records.loc[records[schema.PERIOD] <= cutoff, [schema.BUSINESS_ID, schema.SALES]]
    by = known.groupby(schema.BUSINESS_ID)[schema.SALES]
    median_positive = known[known[schema.SALES] > 0].groupby(schema.BUSINESS_ID)[schema.SALES]
    median_positive = median_positive.median().reindex(by.max().index)
    return (by.max() > SPIKE_RATIO * median_positive).rename("spiky")


def _segments(frame: pd.DataFrame, panel_records: pd.DataFrame) -> pd.DataFrame:
    """Add short / intermittent / sales_only / spiky flags for each (business, cut-off) row."""
    seg = frame[[schema.BUSINESS_ID, "cutoff"]].drop_duplicates()
    spiky = [
        spiky_series(panel_records, pd.Timestamp(c)).reset_index().assign(cutoff=c)
        for c in seg["cutoff"].unique()
    ]
    seg = seg.merge(
        pd.concat(spiky, ignore_index=True), on=[schema.BUSINESS_ID, "cutoff"], how="left"
    )
    seg["spiky"] = seg["spiky"].fillna(False).astype(bool)
    recs = panel_records[[schema.BUSINESS_ID, schema.PERIOD, *schema.RECORD_COLUMNS[3:]]]
    has_other = recs[[schema.COSTS, schema.EMPLOYEES, schema.SATISFACTION]].notna().any(axis=1)
    first_other = (
        recs.loc[has_other].groupby(schema.BUSINESS_ID)[schema.PERIOD].min().rename("first_other")
    )
    seg = seg.merge(first_other, on=schema.BUSINESS_ID, how="left")
    seg["sales_only"] = ~(seg["first_other"] <= seg["cutoff"])
    return frame.merge(seg.drop(columns="first_other"), on=[schema.BUSINESS_ID, "cutoff"])


def score_forecaster(
    forecaster: SalesForecaster,
    records: pd.DataFrame,
    businesses: pd.DataFrame | None,
    indicators: pd.DataFrame | None,
    *,
    origins: list | pd.DatetimeIndex,
    oracle: Oracle | None = None,
    keep_predictions: bool = False,
) -> dict:
    """Metrics of a *fitted* forecaster at ``origins`` against the recorded months after them.

    For promotion decisions: pass origins at or after the model's ``training_end_`` so every
    scored month is one it never saw. Returns ``{"horizons": {"1": {...}, ...}, "segments":
    {...}, "rows": n}`` (the shape ``evaluate`` nests under ``"forecaster"``). With
    ``keep_predictions``, ``"predictions"`` holds the scored rows
    (:data:`HELDOUT_FORECAST_COLUMNS`).
    """
    origins = pd.DatetimeIndex(origins)
    panel = build_panel(records)
    feats = build_features(
        records, businesses, indicators, origins, horizons=forecaster.horizons, panel=panel
    )
    pred = forecaster.predict(records, features=feats)
    base = baseline_forecasts(records, origins, horizons=forecaster.horizons, panel=panel)
    actual = records[[schema.BUSINESS_ID, schema.PERIOD, schema.SALES]]
    df = pred.merge(base, on=KEYS).merge(actual, on=[schema.BUSINESS_ID, schema.PERIOD])
    if oracle is not None:
        orc = oracle.oracle_log_sales(origins, forecaster.horizons)
        df = df.merge(orc[[*KEYS, "expected_log1p_sales"]], on=KEYS, how="left")
    df["actual"] = np.log1p(df[schema.SALES].to_numpy())
    df = _segments(df, records)
    out: dict = {"horizons": {}, "segments": {}, "rows": len(df)}
    for h in forecaster.horizons:
        out["horizons"][str(h)] = _forecast_block(df[df["horizon"] == h], oracle is not None)
    segments = {
        "short_history": df["short_history"].to_numpy(),
        "long_history": ~df["short_history"].to_numpy(),
        "intermittent": df["intermittent"].to_numpy(),
        "sales_only": df["sales_only"].to_numpy(),
        "spiky": df["spiky"].to_numpy(),
    }
    for name, mask in segments.items():
        out["segments"][name] = {
            "all_horizons": _forecast_block(df[mask], oracle is not None),
            "horizon_1": _forecast_block(df[mask & (df["horizon"] == 1)], oracle is not None),
        }
    if keep_predictions:
        out["predictions"] = df[HELDOUT_FORECAST_COLUMNS].reset_index(drop=True)
    return out


def _forecast_block(d: pd.DataFrame, with_oracle: bool) -> dict:
    y = d["actual"].to_numpy()
    soles = d[schema.SALES].to_numpy()
    block = {
        "n": len(d),
        "rmse": _clean(metrics.rmse(y, d["log_mean"])),
        "mae": _clean(metrics.mae(y, d["log_mean"])),
        "wape": _clean(metrics.wape(soles, d["p50"])),
        "wape_mean": _clean(metrics.wape(soles, d["mean"])),
        "mase": _clean(metrics.mase(y, d["log_mean"], d["seasonal_naive"])),
        "coverage_p10_p90": _clean(metrics.coverage(y, d["log_p10"], d["log_p90"])),
        "interval_width_log": _clean(
            float(np.mean(d["log_p90"] - d["log_p10"])) if len(d) else np.nan
        ),
        "rmse_soles_mean": _clean(metrics.rmse(soles, d["mean"])),
        "rmse_soles_median": _clean(metrics.rmse(soles, d["p50"])),
        "bias_soles_mean": _clean(float(np.mean(d["mean"] - soles)) if len(d) else np.nan),
        "bias_soles_median": _clean(float(np.mean(d["p50"] - soles)) if len(d) else np.nan),
        "baselines": {},
    }
    for name in BASELINES:
        pred = d[name].to_numpy()
        block["baselines"][name] = {
            "rmse": _clean(metrics.rmse(y, pred)),
            "mae": _clean(metrics.mae(y, pred)),
            "wape": _clean(metrics.wape(soles, np.expm1(pred))),
        }
    if with_oracle and "expected_log1p_sales" in d:
        sel = d["expected_log1p_sales"].notna().to_numpy()
        block["oracle"] = {
            "rmse": _clean(metrics.rmse(y[sel], d["expected_log1p_sales"].to_numpy()[sel])),
            "mae": _clean(metrics.mae(y[sel], d["expected_log1p_sales"].to_numpy()[sel])),
            "model_rmse_same_rows": _clean(metrics.rmse(y[sel], d["log_mean"].to_numpy()[sel])),
            "n": int(sel.sum()),
        }
    return block


def score_classifier(
    classifier: GrowthClassifier,
    records: pd.DataFrame,
    businesses: pd.DataFrame | None,
    indicators: pd.DataFrame | None,
    *,
    cutoff: pd.Timestamp,
    oracle: Oracle | None = None,
    bins: int = 10,
    partial: bool = False,
    keep_predictions: bool = False,
) -> dict:
    """Metrics of a *fitted* classifier at ``cutoff``: its features use records up to the
    cut-off, its labels the 12 months after (which must be in ``records``; with ``partial``, the
    months of them that are, at least ``min_months``). With ``keep_predictions``,
    ``"predictions"`` holds the scored rows (:data:`HELDOUT_GROWTH_COLUMNS`)."""
    cutoff = pd.Timestamp(cutoff)
    known = _until(records, cutoff)
    prob = classifier.predict_proba(known, businesses, indicators, cutoffs=[cutoff])
    lab = labels.growth_labels(
        records, [cutoff], rate=classifier.rate, min_months=classifier.min_months, partial=partial
    )
    df = prob.merge(lab, on=[schema.BUSINESS_ID, "cutoff"])
    df = df[df["label"].notna()]
    y = df["label"].to_numpy()
    p = df["probability"].to_numpy()
    out = {
        "cutoff": cutoff.date().isoformat(),
        "rate": classifier.rate,
        "n": len(df),
        "positive_rate": _clean(float(np.mean(y)) if len(y) else np.nan),
        "roc_auc": _clean(metrics.roc_auc(y, p)),
        "pr_auc": _clean(metrics.pr_auc(y, p)),
        "brier": _clean(metrics.brier(y, p)),
        "brier_base_rate": _clean(metrics.brier_base_rate(y)),
        "brier_training_rate": _clean(metrics.brier_base_rate(y, classifier.base_rate_)),
        "raw_roc_auc": _clean(metrics.roc_auc(y, df["raw_score"].to_numpy())),
        "calibration": metrics.calibration_table(y, p, bins=bins),
        "ece": _clean(metrics.expected_calibration_error(y, p, bins=bins)),
        "model": classifier.family_,
    }
    if oracle is not None:
        orc = oracle.oracle_growth_probability([cutoff], classifier.rate)
        d = df.merge(orc, on=[schema.BUSINESS_ID, "cutoff"], suffixes=("", "_oracle"))
        d = d[d["probability_oracle"].notna()]
        out["oracle_roc_auc"] = _clean(metrics.roc_auc(d["label"], d["probability_oracle"]))
        out["oracle_pr_auc"] = _clean(metrics.pr_auc(d["label"], d["probability_oracle"]))
        out["oracle_brier"] = _clean(metrics.brier(d["label"], d["probability_oracle"]))
        out["roc_auc_same_rows"] = _clean(metrics.roc_auc(d["label"], d["probability"]))
        out["oracle_n"] = len(d)
    if keep_predictions:
        out["predictions"] = df[HELDOUT_GROWTH_COLUMNS].reset_index(drop=True)
    return out


# --------------------------------------------------------------------------- the backtest


def evaluate(
    records: pd.DataFrame,
    businesses: pd.DataFrame | None = None,
    indicators: pd.DataFrame | None = None,
    *,
    forecaster: SalesForecaster | None = None,
    classifier: GrowthClassifier | None = None,
    oracle: Oracle | None = None,
    holdout_months: int = 6,
    label_overrides: pd.DataFrame | None = None,
    run_forecaster: bool = True,
    run_classifier: bool = True,
    keep_predictions: bool = False,
) -> dict:
    """Backtest (see the module docstring for the protocol).

    ``forecaster`` / ``classifier`` are *unfitted* templates (their parameters are used; default
    parameters when None); they are fitted here on the truncated data. Returns
    ``{"forecaster": {"horizons": {"1": {...}, ...}, ...}, "growth": {...}, "protocol": {...}}``.
    With ``keep_predictions``, ``result["heldout_predictions"]`` holds the scored rows as
    DataFrames (``{"forecaster": ..., "growth": ...}``), kept out of the JSON-able metrics.
    """
    periods = pd.date_range(records[schema.PERIOD].min(), records[schema.PERIOD].max(), freq="MS")
    n_t = len(periods)
    result: dict = {
        "protocol": {"months": n_t, "first": str(periods[0].date())},
        "market_data": market_data_record(indicators),
    }
    kept: dict[str, pd.DataFrame] = {}
    if keep_predictions:
        result["heldout_predictions"] = kept
    if run_forecaster:
        template = forecaster if forecaster is not None else SalesForecaster()
        model = SalesForecaster(**template.get_params())
        train_end = periods[n_t - holdout_months - 1]
        origins = periods[n_t - holdout_months - 1 : n_t - 1]
        started = time.perf_counter()
        model.fit(_until(records, train_end), businesses, indicators)
        fit_seconds = time.perf_counter() - started
        scored = score_forecaster(
            model,
            records,
            businesses,
            indicators,
            origins=origins,
            oracle=oracle,
            keep_predictions=keep_predictions,
        )
        if keep_predictions:
            kept["forecaster"] = scored.pop("predictions")
        result["forecaster"] = {
            **scored,
            "training_end": str(train_end.date()),
            "origins": [str(o.date()) for o in origins],
            "fit_seconds": round(fit_seconds, 2),
            "params": to_json_types(model.get_params()),
        }
        result["protocol"]["forecaster"] = (
            f"fit on months <= {train_end.date()}; rolling origins {origins[0].date()}.."
            f"{origins[-1].date()}; held-out months are the last {holdout_months}"
        )
    if run_classifier:
        template = classifier if classifier is not None else GrowthClassifier()
        model_g = GrowthClassifier(**template.get_params())
        min_months = model_g.min_months
        partial = n_t < labels.WINDOW + 2 * min_months
        if partial and n_t < 3 * min_months:
            reason = (
                f"{n_t} months of history: measuring the growth classifier needs "
                f"{3 * min_months} (a held-out cut-off with {min_months} months after it and "
                f"labelled cut-offs before it); it is trained, not measured"
            )
            result["growth"] = {
                "measured": False,
                "reason": reason,
                "months": n_t,
                "months_needed": 3 * min_months,
            }
            result["protocol"]["growth"] = reason
            return result
        c_star = n_t - 1 - (min_months if partial else labels.WINDOW)
        cutoff = periods[c_star]
        started = time.perf_counter()
        model_g.fit(
            _until(records, cutoff), businesses, indicators, label_overrides=label_overrides
        )
        fit_seconds = time.perf_counter() - started
        scored = score_classifier(
            model_g,
            records,
            businesses,
            indicators,
            cutoff=cutoff,
            oracle=oracle,
            partial=partial,
            keep_predictions=keep_predictions,
        )
        if keep_predictions:
            kept["growth"] = scored.pop("predictions")
        result["growth"] = {
            **scored,
            "measured": True,
            "partial_windows": partial,
            "label_months_ahead": labels.future_months_inside(n_t, c_star),
            "label_windows": model_g.label_windows_,
            "fit_seconds": round(fit_seconds, 2),
            "cv_results": model_g.cv_results_,
            "global_importance": named_importance(model_g.global_importance_, top=15),
        }
        ahead = labels.future_months_inside(n_t, c_star)
        result["protocol"]["growth"] = (
            f"fit on months <= {cutoff.date()} (labels of training cut-offs end by then); "
            f"held-out cut-off {cutoff.date()} labelled by the {ahead} months after"
            + (" (partial windows: a short history)" if partial else "")
        )
    return result


__all__ = [
    "SHORT_HISTORY_MONTHS",
    "evaluate",
    "fit_forecaster",
    "fit_growth",
    "score_classifier",
    "score_forecaster",
]
