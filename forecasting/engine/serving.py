"""Lean prediction for API requests: the production models applied to a few businesses'
features through NumPy and XGBoost's ``inplace_predict``, without the per-horizon DataFrames of
:meth:`SalesForecaster.predict`.

The engine's ``predict`` builds a view, an encoded copy and an output frame per horizon: right
for a panel of 100,000 businesses, but at one to a few hundred rows that pandas bookkeeping costs
ten times the trees. Here the features (a DataFrame, or the plain ``{column: array}`` mapping of
:func:`engine.features.feature_columns`) become one float matrix, each model reads its columns
by a precomputed index, and the outputs stay arrays. The numbers are the engine's: the
interval and smearing arithmetic is :meth:`SalesForecaster.from_log_prediction` itself, and a
unit test holds forecasts and probabilities to those of ``predict`` / ``predict_proba``.

Drivers of the growth probability are XGBoost's TreeSHAP contributions (log-odds), the same
kind as the advice's, grouped into reasons by :mod:`engine.reasons`; a random-forest classifier
goes through its own (slower) ``explain``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import xgboost as xgb
from scipy.special import expit
from sklearn.calibration import _SigmoidCalibration  # what CalibratedClassifierCV fits
from sklearn.isotonic import IsotonicRegression

from forecasting.engine.features import CATEGORICAL_COLUMNS, KEY_COLUMNS
from forecasting.engine.forecaster import mean_scale
from forecasting.engine.jsontypes import to_json_types
from forecasting.engine.reasons import grouped_reasons

Features = pd.DataFrame | Mapping[str, Any]  # column name -> values, one per row


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


def _calibration(calibrator: Any) -> Callable[[np.ndarray], np.ndarray]:
    """One fitted calibrator's ``predict`` as plain NumPy: scikit-learn's input checks cost
    more than the interpolation at a few rows. Isotonic regression (clipped to its range) is
    the linear interpolation between its thresholds; the sigmoid is ``expit(-(a x + b))``.
    Anything else keeps its own ``predict``. A unit test holds each form to ``predict``."""
    if isinstance(calibrator, IsotonicRegression) and calibrator.out_of_bounds == "clip":
        lo, hi = calibrator.X_min_, calibrator.X_max_
        xs, ys = calibrator.X_thresholds_, calibrator.y_thresholds_
        return lambda raw: np.interp(np.clip(raw, lo, hi), xs, ys)
    if isinstance(calibrator, _SigmoidCalibration):
        a, b = calibrator.a_, calibrator.b_
        return lambda raw: expit(-(a * raw + b))
    return calibrator.predict


def _category_codes(values: Any, mapping: dict[str, float]) -> np.ndarray:
    """A categorical column coded by ``mapping`` (NaN when missing or unseen): through its
    categories when it is a pandas categorical (a scoring chunk's thousands of rows), value by
    value otherwise (a request's few)."""
    if isinstance(values, pd.Series) and isinstance(values.dtype, pd.CategoricalDtype):
        lookup = np.array([mapping.get(str(c), np.nan) for c in values.cat.categories] + [np.nan])
        codes = values.cat.codes.to_numpy()
        return lookup[np.where(codes >= 0, codes, len(lookup) - 1)]
    return np.array(
        [mapping.get(str(v), np.nan) for v in np.asarray(values, dtype=object).tolist()],
        dtype=float,
    )


def _rows(features: Features) -> int:
    return len(features) if isinstance(features, pd.DataFrame) else len(features[KEY_COLUMNS[0]])


@dataclass
class ServingResult:
    """Arrays over the rows of the feature frame given (horizons x rows for the forecast:
    ``mean``, ``p10``, ``p50``, ``p90`` and the ``models_disagree`` flag of
    :func:`bands.coherent_forecast`)."""

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
        calibrator = getattr(classifier, "calibrator_", None)
        self._calibrations = [
            _calibration(c.calibrators[0])
            for c in getattr(calibrator, "calibrated_classifiers_", [])
        ]
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

    def _numeric(self, features: Features, data: list[str]) -> np.ndarray:
        """The features as one float matrix (categorical columns left NaN, one extra NaN
        column for inputs the features lack)."""
        out = np.full((_rows(features), len(data) + 1), np.nan)
        for j, col in enumerate(data):
            if col not in CATEGORICAL_COLUMNS:
                out[:, j] = np.asarray(features[col], dtype=float)
        return out

    def _with_categories(self, numeric: np.ndarray, features, data: list[str], codes: dict):
        """``numeric`` with the categorical columns coded by one model's frozen levels, as
        :func:`features.encode_categoricals` codes them (NaN when missing or unseen)."""
        out = numeric.copy()
        for j, col in enumerate(data):
            if col in CATEGORICAL_COLUMNS:
                out[:, j] = _category_codes(features[col], codes.get(col, {}))
        return out

    # ------------------------------------------------------------------ predict

    def predict(self, features: Features, *, top: int = 5, explain: bool = True) -> ServingResult:
        """Forecast (6 horizons, intervals, expected value), growth probability and its
        ``top`` drivers (none unless ``explain``) for every row of ``features`` (from
        :func:`build_features` or :func:`feature_columns` with the forecaster's horizons)."""
        layout = self._layout(tuple(features))
        f = self.forecaster
        numeric = self._numeric(features, layout["data"])
        matrix = self._with_categories(numeric, features, layout["data"], self._codes["f"])
        flags = f.history_flags(features)
        scale = mean_scale(features)
        names = ("mean", "p10", "p50", "p90")
        shape = (len(self.horizons), _rows(features))
        forecast = {name: np.empty(shape) for name in names}
        forecast["models_disagree"] = np.zeros(shape, dtype=bool)
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
            mean = f.expected_sales(key, x, features, scale=scale)
            out = f.from_log_prediction(np.asarray(mu, dtype=float), flags["bucket"], h, mean=mean)
            for name in (*names, "models_disagree"):
                forecast[name][j] = out[name]
        probability, drivers = self._growth(features, numeric, layout, top=top, explain=explain)
        return ServingResult(self.horizons, forecast, flags, probability, drivers)

    def explain(self, features: Features, *, top: int = 5) -> list[list[dict]]:
        """The ``top`` drivers of each row's growth probability, as :meth:`predict` gives them
        with ``explain=True``, without the forecast (one business's advice, whose forecast and
        probability were predicted with everyone's)."""
        layout = self._layout(tuple(features))
        numeric = self._numeric(features, layout["data"])
        return self._growth(features, numeric, layout, top=top, explain=True)[1]

    def _growth(self, features: Features, numeric, layout: dict, *, top: int, explain: bool):
        g = self.classifier
        if self._growth_booster is None:
            if not isinstance(features, pd.DataFrame):
                features = pd.DataFrame(dict(features))
            proba = g.predict_proba(None, features=features)["probability"].to_numpy()
            if not explain:
                return proba, [[] for _ in range(len(proba))]
            explained = g.explain(features, top=top)
            return proba, [e["drivers"] for e in explained]
        matrix = self._with_categories(numeric, features, layout["data"], self._codes["g"])
        values = matrix[:, layout["growth"]]
        x = np.ascontiguousarray(values, dtype=np.float32)
        raw = np.asarray(self._growth_booster.inplace_predict(x), dtype=float)
        proba = self._calibrated(raw)
        if not explain:
            return proba, [[] for _ in range(len(proba))]
        # nthread=1: a matrix built with XGBoost's default thread pool costs ~20 ms of thread
        # start-up at a few rows (one business's advice), with one thread well under 1 ms.
        contrib = self._growth_booster.predict(
            xgb.DMatrix(x, feature_names=list(g.feature_names_), nthread=1), pred_contribs=True
        )[:, :-1]  # the last column is the bias
        names = list(g.feature_names_)
        return proba, self._top_drivers(contrib, names, _reader(features), top=top)

    def _calibrated(self, raw: np.ndarray) -> np.ndarray:
        """The calibrator's probability from the frozen model's raw one, as
        ``CalibratedClassifierCV.predict_proba`` computes it (mean over its calibrations)."""
        parts = []
        for calibration in self._calibrations:
            p = np.asarray(calibration(raw), dtype=float)
            parts.append(np.clip(np.where(np.isnan(p), 0.5, p), 0.0, 1.0))
        return np.mean(parts, axis=0)

    @staticmethod
    def _top_drivers(contrib: np.ndarray, names: list[str], value_of, *, top: int):
        """The ``top`` reasons of each row: contributions grouped by family, largest first,
        in the shape of :func:`explanations.top_drivers` (:func:`reasons.grouped_reasons`)."""
        return grouped_reasons(contrib, names, value_of, top=top)


def _reader(features: Features) -> Callable[[int, str], Any]:
    """``value_of(row, column)`` over the scored features (a frame or ``{column: values}``):
    the values a reason quotes, categorical ones as their own text."""

    def value_of(row: int, column: str) -> Any:
        if column not in features:
            return None
        values = features[column]
        value = values.iat[row] if isinstance(values, pd.Series) else values[row]
        return _value(value)

    return value_of


_servers: dict[tuple, ServingModels] = {}
_servers_lock = threading.Lock()


def serving_key(forecaster_version: Any, growth_version: Any) -> tuple:
    """What identifies a pair of model versions for :func:`serving_models`: their ids and their
    artifacts' digests (a test database hands the same ids to other models)."""
    return tuple(
        (v.pk, getattr(v, "artifact_sha256", "")) for v in (forecaster_version, growth_version)
    )


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
