"""The engine's one inference path: the production models applied to any number of businesses'
features (one business's advice or API request, an API batch of 100, a prediction job's chunk
of 12,500) through NumPy and one XGBoost call, without the per-horizon DataFrames of
:meth:`SalesForecaster.predict`.

The features (a DataFrame, or the plain ``{column: array}`` mapping of
:func:`engine.features.feature_columns`) become one float32 matrix; every model (the six
horizons' log models, their expected-value models and the growth classifier) is evaluated by
one fused booster (:func:`fused_booster`: XGBoost's multi-target form, each model's trees
adding to its own output column) in one ``inplace_predict``. On one row the trees cost
microseconds and each booster call ~0.2 ms of overhead, so thirteen calls were most of a
request; on 12,500 rows it is the same trees. Up to :data:`WALK_MAX_ROWS` rows the same fused
trees are walked level by level in NumPy (:mod:`engine.treewalk`: XGBoost's walk of ~2,600
trees misses the cache on one row, 2-2.6 ms against ~0.2 ms), to the bit what XGBoost gives, so
a business gets the same figures alone and in a batch (unit tests). The numbers are each
model's own to the bit (a unit test), and the interval and blend arithmetic is
:meth:`SalesForecaster.from_log_predictions` itself, all horizons in one call (unit tests hold
forecasts and probabilities to those of ``predict`` / ``predict_proba``).

Drivers of the growth probability are XGBoost's TreeSHAP contributions (log-odds), the same
kind as the advice's, grouped into reasons by :mod:`engine.reasons`, computed only where asked
for (``explain``): on a batch they cost more than the forecast. A random-forest classifier goes
through its own (slower) ``predict_proba`` and ``explain``.
"""

from __future__ import annotations

import json
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

from forecasting.engine.features import CATEGORICAL_COLUMNS, KEY_COLUMNS, horizon_feature_bases
from forecasting.engine.forecaster import mean_scale
from forecasting.engine.jsontypes import to_json_types
from forecasting.engine.reasons import grouped_reasons
from forecasting.engine.treeshap import booster_tables, tree_contributions
from forecasting.engine.treewalk import level_forest

Features = pd.DataFrame | Mapping[str, Any]  # column name -> values, one per row
# Up to this many rows the fused trees are walked level by level in NumPy (engine.treewalk: the
# same numbers to the bit); past it XGBoost's own walk is cheaper per row.
WALK_MAX_ROWS = 8


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


_LINKS = {"reg:squarederror": "identity", "reg:tweedie": "log", "binary:logistic": "logit"}


def _margin(booster: xgb.Booster) -> tuple[np.float32, str]:
    """A booster's base score as the margin XGBoost starts each prediction from (float32) and
    its link. The margin is XGBoost's own: the model cut to its first tree with every leaf
    at zero, evaluated on one row (recomputing the link's inverse in NumPy can differ from
    XGBoost's in the last bit)."""
    model = json.loads(booster.save_raw("json"))
    learner = model["learner"]
    link = _LINKS.get(learner["objective"]["name"])
    if link is None:
        raise ValueError(f"no fused serving for objective {learner['objective']['name']!r}")
    gbtree = learner["gradient_booster"]["model"]
    tree = gbtree["trees"][0]
    leaves = np.asarray(tree["left_children"]) == -1
    tree["split_conditions"] = np.where(leaves, 0.0, tree["split_conditions"]).tolist()
    tree["base_weights"] = np.where(leaves, 0.0, tree["base_weights"]).tolist()
    gbtree.update(trees=[tree], tree_info=[0], iteration_indptr=[0, 1])
    gbtree["gbtree_model_param"]["num_trees"] = "1"
    learner["feature_names"], learner["feature_types"] = [], []
    zero = xgb.Booster()
    zero.load_model(bytearray(json.dumps(model), "utf-8"))
    row = np.full((1, int(learner["learner_model_param"]["num_feature"])), np.nan, np.float32)
    return np.float32(zero.inplace_predict(row, predict_type="margin").ravel()[0]), link


def fused_booster(parts: list[tuple[xgb.Booster, np.ndarray]], width: int):
    """One booster evaluating every model of ``parts`` in one call: model ``k`` of
    ``(booster, inputs)`` reads column ``inputs[i]`` of a ``width``-column matrix as its
    feature ``i``, and its margin is output column ``k`` (XGBoost's multi-target form, one
    output per tree: each tree adds its leaf to its own model's column, in the model's order,
    from the model's own base score, so each column is that model's margin). Returns the
    booster and each model's link (``identity``, ``log``, ``logit``).

    Thirteen calls of ``inplace_predict`` on one row cost ~3 ms of per-call overhead for
    microseconds of trees; one call costs one overhead."""
    trees, info, margins, links = [], [], [], []
    template = None
    for k, (booster, inputs) in enumerate(parts):
        model = json.loads(booster.save_raw("json"))
        template = template or model
        margin, link = _margin(booster)
        margins.append(margin)
        links.append(link)
        inputs = np.asarray(inputs, dtype=int)
        for tree in model["learner"]["gradient_booster"]["model"]["trees"]:
            tree["split_indices"] = inputs[np.asarray(tree["split_indices"], dtype=int)].tolist()
            tree["id"] = len(trees)
            tree["tree_param"]["num_feature"] = str(width)
            trees.append(tree)
            info.append(k)
    learner = template["learner"]
    learner["feature_names"], learner["feature_types"] = [], []
    learner["objective"] = {"name": "reg:squarederror", "reg_loss_param": {"scale_pos_weight": "1"}}
    learner["learner_model_param"].update(
        base_score="[" + ",".join(f"{m:.9E}" for m in margins) + "]",
        num_feature=str(width),
        num_target=str(len(parts)),
        boost_from_average="0",
    )
    gbtree = learner["gradient_booster"]["model"]
    gbtree.update(trees=trees, tree_info=info, iteration_indptr=[0, len(trees)])
    gbtree["gbtree_model_param"]["num_trees"] = str(len(trees))
    fused = xgb.Booster()
    fused.load_model(bytearray(json.dumps(template), "utf-8"))
    fused.set_param({"nthread": 1})
    return fused, links


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
        self._means = {
            key: _booster(m) for key, m in getattr(forecaster, "mean_models_", {}).items()
        }
        self._growth_booster = (
            _booster(classifier.model_) if getattr(classifier, "family_", "") == "xgboost" else None
        )
        # One thread per prediction: web workers already use every core, and OpenMP threads
        # of two workers fighting over two cores cost ten times (DESIGN: serving facts).
        for booster in (*self._boosters.values(), *self._means.values(), self._growth_booster):
            if booster is not None:
                booster.set_param({"nthread": 1})
        self._codes = {
            "f": _level_codes(forecaster.categories_),
            "g": _level_codes(getattr(classifier, "categories_", {})),
        }
        self._lock = threading.Lock()
        calibrator = getattr(classifier, "calibrator_", None)
        self._calibrations = [
            _calibration(c.calibrators[0])
            for c in getattr(calibrator, "calibrated_classifiers_", [])
        ]
        self._sources: dict[tuple, dict] = {}  # frame columns -> where each input comes from
        self.layout = self._layout()
        if self._growth_booster is not None:
            booster_tables(self._growth_booster)  # the drivers' TreeSHAP tables, built now

    # ------------------------------------------------------------------ layout

    def _layout(self) -> dict:
        """The one float32 matrix every model reads and the fused booster reading it, from the
        models alone: built once, when the models are loaded (a web or Celery worker builds it
        at start, see ``forecasting.warm``), so no request waits for it.

        Each matrix column is an input ``spec``: ``("num", name)`` the frame's column ``name``
        (NaN when the frame lacks it), ``("cat", "f" | "g", name)`` a categorical column coded
        by the forecaster's or the growth classifier's levels, ``("const", h)`` the horizon of
        the pooled strategy's ``horizon`` input. A forecaster input ``x`` at horizon ``h``
        reads the frame's ``x_h{h}`` when ``x`` is one of the horizon-specific features
        (:func:`features.horizon_feature_bases`), else ``x``; the models' common inputs share
        one column."""
        f = self.forecaster
        specs: list[tuple] = []
        index: dict[tuple, int] = {}

        def column(spec: tuple) -> int:
            if spec not in index:
                index[spec] = len(specs)
                specs.append(spec)
            return index[spec]

        by_horizon = horizon_feature_bases()

        def source(name: str, model: str, h: int | None) -> int:
            if name in CATEGORICAL_COLUMNS:
                return column(("cat", model, name))
            return column(("num", f"{name}_h{h}" if h is not None and name in by_horizon else name))

        parts, outputs = [], {}
        for h in self.horizons:
            idx = [
                column(("const", h)) if name == "horizon" else source(name, "f", h)
                for name in f.feature_names_
            ]
            key = h if f.strategy == "direct" else 0
            outputs[("log", h)] = len(parts)
            parts.append((self._boosters[key], idx))
            if self._means.get(key) is not None:
                outputs[("mean", h)] = len(parts)
                parts.append((self._means[key], idx))
        growth = [source(name, "g", None) for name in self.classifier.feature_names_]
        if self._growth_booster is not None:
            outputs[("growth", 0)] = len(parts)
            parts.append((self._growth_booster, growth))
        booster, links = fused_booster(parts, len(specs))
        return {
            "walk": level_forest(booster),
            "specs": specs,
            "width": len(specs),
            "growth": np.asarray(growth),
            "booster": booster,
            "links": links,
            "outputs": outputs,
        }

    def _where(self, features: Features) -> dict:
        """Where each matrix column comes from in frames with these columns (cached: the
        frames of one deployment have the same columns): the numeric columns' positions and
        source names, the categorical ones' positions, names and codes, the constants."""
        columns = tuple(features)
        where = self._sources.get(columns)
        if where is not None:
            return where
        present = set(columns)
        numeric, names, categorical, constant = [], [], [], []
        for j, spec in enumerate(self.layout["specs"]):
            if spec[0] == "num":
                if spec[1] in present:
                    numeric.append(j)
                    names.append(spec[1])
            elif spec[0] == "cat":
                if spec[2] in present:
                    categorical.append((j, spec[2], self._codes[spec[1]].get(spec[2], {})))
            else:
                constant.append((j, spec[1]))
        where = {
            "numeric": np.asarray(numeric, dtype=int),
            "names": names,
            "categorical": categorical,
            "constant": constant,
        }
        with self._lock:
            self._sources[columns] = where
        return where

    def _matrix(self, features: Features) -> np.ndarray:
        """The features as the layout's one float32 matrix (what XGBoost reads)."""
        where = self._where(features)
        rows = _rows(features)
        out = np.full((rows, self.layout["width"]), np.nan, dtype=np.float32)
        if where["names"]:
            values = np.empty((len(where["names"]), rows), dtype=np.float32)
            for i, name in enumerate(where["names"]):
                values[i] = np.asarray(features[name], dtype=float)
            out[:, where["numeric"]] = values.T
        for j, name, mapping in where["categorical"]:
            out[:, j] = _category_codes(features[name], mapping)
        for j, h in where["constant"]:
            out[:, j] = h
        return out

    def _outputs(self, x: np.ndarray, layout: dict) -> np.ndarray:
        """Every model's output for every row (rows x models), in one booster call, each
        through its own link as XGBoost applies it (float32)."""
        walk = layout.get("walk")
        if walk is not None and len(x) <= WALK_MAX_ROWS:
            margins = walk.margins(x)  # the same trees, cache-friendly on a few rows
        else:
            margins = layout["booster"].inplace_predict(x, predict_type="margin")
        margins = np.asarray(margins, dtype=np.float32).reshape(len(x), len(layout["links"]))
        out = margins.copy()
        for k, link in enumerate(layout["links"]):
            # XGBoost's C++ expf, correctly rounded: exp in double rounded to float32 (NumPy's
            # float32 exp can be one bit off, and the prediction jobs hold the engine's numbers
            # to the last digit)
            if link == "log":
                out[:, k] = np.exp(margins[:, k].astype(float)).astype(np.float32)
            elif link == "logit":
                e = np.exp(-margins[:, k].astype(float)).astype(np.float32)
                out[:, k] = np.float32(1) / (np.float32(1) + e)
        return out

    # ------------------------------------------------------------------ predict

    def predict(self, features: Features, *, top: int = 5, explain: bool = True) -> ServingResult:
        """Forecast (6 horizons, intervals, expected value), growth probability and its
        ``top`` drivers (none unless ``explain``: TreeSHAP is most of the cost of a small
        request) for every row of ``features`` (from :func:`build_features` or
        :func:`feature_columns` with the forecaster's horizons): one matrix, one booster
        call, whatever the number of rows."""
        layout = self.layout
        f = self.forecaster
        x = self._matrix(features)
        outputs = self._outputs(x, layout)
        where = layout["outputs"]
        flags = f.history_flags(features)
        scale = mean_scale(features)
        ratios, mus = [], []
        for h in self.horizons:
            key = h if f.strategy == "direct" else 0
            ratio = outputs[:, where[("mean", h)]] if ("mean", h) in where else None
            ratios.append(f.expected_sales(key, None, features, scale=scale, ratio=ratio))
            mus.append(outputs[:, where[("log", h)]])
        out = f.from_log_predictions(np.stack(mus), flags["bucket"], self.horizons, mean=ratios)
        forecast = {name: out[name] for name in ("mean", "p10", "p50", "p90", "models_disagree")}
        if self._growth_booster is None:
            probability, drivers = self._other_growth(features, top=top, explain=explain)
        else:
            probability = self._calibrated(
                np.asarray(outputs[:, where[("growth", 0)]], dtype=float)
            )
            drivers = (
                self._drivers(features, x, layout, top=top)
                if explain
                else [[] for _ in range(len(x))]
            )
        return ServingResult(self.horizons, forecast, flags, probability, drivers)

    def explain(self, features: Features, *, top: int = 5) -> list[list[dict]]:
        """The ``top`` drivers of each row's growth probability, as :meth:`predict` gives them
        with ``explain=True``, without the forecast (one business's advice, whose forecast and
        probability were predicted with everyone's)."""
        if self._growth_booster is None:
            return self._other_growth(features, top=top, explain=True)[1]
        return self._drivers(features, self._matrix(features), self.layout, top=top)

    def _drivers(self, features: Features, x: np.ndarray, layout: dict, *, top: int):
        """TreeSHAP contributions of the growth model (log-odds), grouped into reasons."""
        names = list(self.classifier.feature_names_)
        values = np.ascontiguousarray(x[:, layout["growth"]])
        # Columns by position (the layout put them in the model's order): the booster's
        # TreeSHAP tables, built when the models loaded (engine.treeshap)
        contrib = tree_contributions(self._growth_booster, values)[:, :-1]  # the last: bias
        return self._top_drivers(contrib, names, _reader(features), top=top)

    def _other_growth(self, features: Features, *, top: int, explain: bool):
        """A classifier that is not XGBoost (a random forest): its own predict and explain."""
        g = self.classifier
        if not isinstance(features, pd.DataFrame):
            features = pd.DataFrame(dict(features))
        proba = g.predict_proba(None, features=features)["probability"].to_numpy()
        if not explain:
            return proba, [[] for _ in range(len(proba))]
        return proba, [e["drivers"] for e in g.explain(features, top=top)]

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
    the values a reason quotes, categorical ones as their own text. Each column asked for is
    looked up once; numeric ones are read as NumPy arrays and come back as Python numbers (NaN
    as None) without the general conversion's type checks (a batch's reasons quote ~16
    values per row: ~0.1 ms per row through it); others as before (:func:`_value`)."""
    columns: dict[str, Callable[[int], Any] | None] = {}

    def value_of(row: int, column: str) -> Any:
        read = columns.get(column, False)
        if read is False:
            read = columns[column] = _column_reader(features, column)
        return None if read is None else read(row)

    return value_of


def _float_or_none(value: Any) -> float | None:
    value = float(value)
    return None if value != value else value


_CONVERTERS = {"f": _float_or_none, "b": bool, "i": int, "u": int}


def _column_reader(features: Features, column: str) -> Callable[[int], Any] | None:
    """How to read one row's value of ``column`` (None when the features lack it)."""
    if column not in features:
        return None
    values = features[column]
    array = values.to_numpy() if isinstance(values, pd.Series) else np.asarray(values)
    convert = _CONVERTERS.get(array.dtype.kind)
    if convert is not None:
        return lambda row: convert(array[row])
    if isinstance(values, pd.Series):
        return lambda row: _value(values.iat[row])
    return lambda row: _value(values[row])


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
