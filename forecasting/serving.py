"""Lean prediction for API requests: the production models applied to a small feature frame
through NumPy and XGBoost's ``inplace_predict``, without the per-horizon DataFrames of
:meth:`SalesForecaster.predict`.

The engine's ``predict`` builds a view, an encoded copy and an output frame per horizon: right
for a panel of 100,000 businesses, but at one to a few hundred rows that pandas bookkeeping costs
ten times the trees. Here the feature frame becomes one float matrix, each model reads its
columns by a precomputed index, and the outputs stay arrays. The numbers are the engine's: the
interval and smearing arithmetic is :meth:`SalesForecaster.from_log_prediction` itself, and a
unit test holds forecasts and probabilities to those of ``predict`` / ``predict_proba``.

Drivers of the growth probability are XGBoost's TreeSHAP contributions (log-odds), the same
kind as the advice's; a random-forest classifier goes through its own (slower) ``explain``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
import xgboost as xgb

from .engine.features import CATEGORICAL_COLUMNS, KEY_COLUMNS, feature_catalogue
from .engine.jsontypes import to_json_types


@lru_cache(maxsize=4096)
def _labels(feature: str) -> tuple[str, str]:
    entry = feature_catalogue([feature])[feature]
    return entry["label_es"], entry["label_en"]


def _level_codes(levels: dict[str, list]) -> dict[str, dict[str, float]]:
    """Each categorical column's frozen levels as ``{text: code}`` (engine.features codes a
    value by its position among the levels, after ``str()``)."""
    return {col: {str(v): float(i) for i, v in enumerate(cats)} for col, cats in levels.items()}


def _value(value: Any) -> Any:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    return to_json_types(value) if not isinstance(value, str) else value


def _booster(model: Any) -> xgb.Booster | None:
    get = getattr(model, "get_booster", None)
    return get() if get is not None else None


@dataclass
class ServingResult:
    """Arrays over the rows of the feature frame given (horizons x rows for the forecast)."""

    horizons: list[int]
    forecast: dict[str, np.ndarray]
    flags: dict[str, np.ndarray]
    probability: np.ndarray
    drivers: list[list[dict]]


class ServingModels:
    """The production forecaster and growth classifier, ready for small requests."""

    def __init__(self, forecaster: Any, classifier: Any) -> None:
        self.forecaster = forecaster
        self.classifier = classifier
        self.horizons = [int(h) for h in forecaster.horizons]
        self._boosters = {key: _booster(m) for key, m in forecaster.models_.items()}
        self._growth_booster = (
            _booster(classifier.model_) if getattr(classifier, "family_", "") == "xgboost" else None
        )
        # One thread per prediction: web workers already use every core, and OpenMP threads
        # of two workers fighting over two cores cost ten times (DESIGN: serving facts).
        means = [m.get_booster() for m in getattr(forecaster, "mean_models_", {}).values()]
        for booster in (*self._boosters.values(), *means, self._growth_booster):
            if booster is not None:
                booster.set_param({"nthread": 1})
        self._codes = {
            "f": _level_codes(forecaster.categories_),
            "g": _level_codes(getattr(classifier, "categories_", {})),
        }
        self._layouts: dict[tuple, dict] = {}
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ layout

    def _layout(self, columns: tuple[str, ...]) -> dict:
        """Where each model's inputs sit in the matrix of a frame with these columns (computed
        once per column set: the frames of one deployment always have the same columns)."""
        layout = self._layouts.get(columns)
        if layout is not None:
            return layout
        data = [c for c in columns if c not in KEY_COLUMNS]
        where = {c: i for i, c in enumerate(data)}
        missing = len(data)  # a column of NaN for inputs the frame lacks
        f = self.forecaster
        per_horizon = {}
        for h in self.horizons:
            idx = []
            for name in f.feature_names_:
                if name == "horizon":
                    idx.append(-1)  # pooled strategy: filled with h below
                else:
                    idx.append(where.get(f"{name}_h{h}", where.get(name, missing)))
            per_horizon[h] = np.asarray(idx)
        growth_idx = np.asarray([where.get(n, missing) for n in self.classifier.feature_names_])
        layout = {"data": data, "per_horizon": per_horizon, "growth": growth_idx}
        with self._lock:
            self._layouts[columns] = layout
        return layout

    def _numeric(self, features: pd.DataFrame, data: list[str]) -> np.ndarray:
        """The frame as one float matrix (categorical columns left NaN, one extra NaN column
        for inputs the frame lacks)."""
        out = np.full((len(features), len(data) + 1), np.nan)
        numeric = [i for i, c in enumerate(data) if c not in CATEGORICAL_COLUMNS]
        out[:, numeric] = features[[data[i] for i in numeric]].to_numpy(
            dtype=float, na_value=np.nan
        )
        return out

    def _with_categories(self, numeric: np.ndarray, features, data: list[str], codes: dict):
        """``numeric`` with the categorical columns coded by one model's frozen levels, as
        :func:`features.encode_categoricals` codes them (NaN when missing or unseen)."""
        out = numeric.copy()
        for j, col in enumerate(data):
            if col in CATEGORICAL_COLUMNS:
                mapping = codes.get(col, {})
                values = features[col].astype(object).tolist()
                out[:, j] = [mapping.get(str(v), np.nan) for v in values]
        return out

    # ------------------------------------------------------------------ predict

    def predict(self, features: pd.DataFrame, *, top: int = 5) -> ServingResult:
        """Forecast (6 horizons, intervals, expected value), growth probability and its
        ``top`` drivers for every row of ``features`` (from :func:`build_features` with the
        forecaster's horizons)."""
        layout = self._layout(tuple(features.columns))
        f = self.forecaster
        numeric = self._numeric(features, layout["data"])
        matrix = self._with_categories(numeric, features, layout["data"], self._codes["f"])
        flags = f.history_flags(features)
        names = ("mean", "p10", "p50", "p90")
        forecast = {name: np.empty((len(self.horizons), len(features))) for name in names}
        for j, h in enumerate(self.horizons):
            idx = layout["per_horizon"][h]
            x = matrix[:, np.where(idx < 0, matrix.shape[1] - 1, idx)]
            if (idx < 0).any():
                x[:, idx < 0] = float(h)
            key = h if f.strategy == "direct" else 0
            booster = self._boosters.get(key)
            if booster is not None:
                mu = booster.inplace_predict(x)
            else:  # not an XGBoost model: its own predict on a frame
                mu = f.models_[key].predict(pd.DataFrame(x, columns=f.feature_names_))
            mean = f.expected_sales(key, x, features)
            out = f.from_log_prediction(np.asarray(mu, dtype=float), flags["bucket"], h, mean=mean)
            for name in names:
                forecast[name][j] = out[name]
        probability, drivers = self._growth(features, numeric, layout, top=top)
        return ServingResult(self.horizons, forecast, flags, probability, drivers)

    def _growth(self, features: pd.DataFrame, numeric, layout: dict, *, top: int) -> tuple:
        g = self.classifier
        if self._growth_booster is None:
            proba = g.predict_proba(None, features=features)["probability"].to_numpy()
            explained = g.explain(features, top=top)
            return proba, [e["drivers"] for e in explained]
        matrix = self._with_categories(numeric, features, layout["data"], self._codes["g"])
        values = matrix[:, layout["growth"]]
        x = np.ascontiguousarray(values, dtype=np.float32)
        raw = np.asarray(self._growth_booster.inplace_predict(x), dtype=float)
        proba = self._calibrated(raw)
        contrib = self._growth_booster.predict(
            xgb.DMatrix(x, feature_names=list(g.feature_names_)), pred_contribs=True
        )[:, :-1]  # the last column is the bias
        names = list(g.feature_names_)
        # a driver shows a categorical column's own value (e.g. the sector), not its code
        shown = values.astype(object)
        for j, name in enumerate(names):
            if name in CATEGORICAL_COLUMNS and name in features.columns:
                shown[:, j] = features[name].astype(object).to_numpy()
        return proba, self._top_drivers(contrib, shown, names, top=top)

    def _calibrated(self, raw: np.ndarray) -> np.ndarray:
        """The calibrator's probability from the frozen model's raw one, as
        ``CalibratedClassifierCV.predict_proba`` computes it (mean over its calibrations)."""
        parts = []
        for calibrated in self.classifier.calibrator_.calibrated_classifiers_:
            p = np.asarray(calibrated.calibrators[0].predict(raw), dtype=float)
            parts.append(np.clip(np.where(np.isnan(p), 0.5, p), 0.0, 1.0))
        return np.mean(parts, axis=0)

    @staticmethod
    def _top_drivers(contrib: np.ndarray, shown: np.ndarray, names: list[str], *, top: int):
        """The ``top`` largest absolute contributions of each row, largest first, in the shape
        of :func:`explanations.top_drivers` (zero contributions left out)."""
        k = min(top, contrib.shape[1])
        order = np.argsort(-np.abs(contrib), axis=1, kind="stable")[:, :k]
        out = []
        for i in range(len(contrib)):
            items = []
            for j in order[i]:
                c = float(contrib[i, j])
                if c == 0.0:
                    continue
                label_es, label_en = _labels(names[j])
                items.append(
                    {
                        "feature": names[j],
                        "label_es": label_es,
                        "label_en": label_en,
                        "value": _value(shown[i, j]),
                        "contribution": c,
                        "direction": "up" if c > 0 else "down",
                    }
                )
            out.append(items)
        return out


_servers: dict[tuple, ServingModels] = {}
_servers_lock = threading.Lock()


def serving_models(*, key: tuple, forecaster: Any, classifier: Any) -> ServingModels:
    """The :class:`ServingModels` of these model versions (``key``), built once per process."""
    server = _servers.get(key)
    if server is None:
        with _servers_lock:
            server = _servers.get(key)
            if server is None:
                _servers.clear()  # older versions are not served again
                server = _servers[key] = ServingModels(forecaster, classifier)
    return server
