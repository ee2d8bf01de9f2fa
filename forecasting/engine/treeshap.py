"""TreeSHAP from tables built once per booster: the growth probability's drivers at any number
of rows, what XGBoost's ``predict(pred_contribs=True)`` gives up to float32 rounding (a unit
test holds the two within 2e-5 on rows with missing values and values on a split's threshold,
for trees of depth 1 to 6).

Why: one business's drivers cost ~0.3 ms through XGBoost (a one-row ``DMatrix`` and a walk of
every tree, both ends of it), about a tenth of serving one business (``bench/serving.py``);
here ~0.1 ms, and no slower than XGBoost's single thread at 100 or 12,500 rows.

How: a feature's TreeSHAP value is a sum over the tree's root-to-leaf paths (Lundberg et al.,
"From local explanations to global understanding with explainable AI for trees", 2020; the
path-wise form is GPUTreeShap's, Mitchell et al., 2022). Along one path, with the splits on the
same feature merged into one interval, each feature's part depends on the leaf's value, the
cover fractions of the path's splits (the share of training weight that took each branch) and,
of the row, only on which of the path's features it satisfies — one of ``2**k`` patterns for a
path of ``k`` distinct features. Every path's part for every pattern is computed once, when the
booster is loaded (:func:`path_tables`); a row's contributions are then its pattern on each path
(two comparisons per feature), a table lookup and a sum per feature. Paths of more than
:data:`MAX_PATH_FEATURES` distinct features, categorical splits, anything but a tree booster or
tables above :data:`MAX_TABLE_BYTES` are left to XGBoost (:func:`path_tables` returns None).
"""

from __future__ import annotations

import json
import math
import threading
import weakref
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import xgboost as xgb

# A path of k distinct features has 2**k patterns, each built with ~k**2 array operations when
# the booster loads: 6 covers the growth classifier's depths (3 to 6) in well under a second.
MAX_PATH_FEATURES = 6
MAX_TABLE_BYTES = 64 * 2**20
_CHUNK_CELLS = 2**18  # rows x paths x features evaluated at once (a few MB of temporaries)


@dataclass(frozen=True)
class PathTables:
    """One booster's root-to-leaf paths: ``features[p, e]`` the ``e``-th distinct feature of
    path ``p`` (``width``, a constant column, where the path has fewer), the interval
    ``lower <= x < upper`` its splits ask of it and whether a missing value follows the path
    (``missing_follows``); ``table[offsets[p] + pattern, e]`` that feature's contribution
    when the row satisfies the pattern's features; ``scatter`` adds each (path, feature) cell to
    its column (columns x cells); ``bias`` the model's expected margin (XGBoost's last column)."""

    width: int
    features: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    missing_follows: np.ndarray
    table: np.ndarray
    offsets: np.ndarray
    scatter: sp.csr_matrix
    bias: np.float32

    def contributions(self, x: np.ndarray) -> np.ndarray:
        """Each row's contributions (rows x (width + 1), float32, the last column the bias):
        what ``booster.predict(xgb.DMatrix(x), pred_contribs=True)`` gives for ``x`` (rows x
        width, NaN where missing)."""
        x = np.asarray(x, dtype=np.float32)
        rows = len(x)
        paths, depth = self.features.shape
        out = np.empty((rows, self.width + 1), dtype=np.float32)
        step = max(1, _CHUNK_CELLS // (paths * depth))
        for start in range(0, rows, step):
            part = x[start : start + step]
            padded = np.zeros((len(part), self.width + 1), dtype=np.float32)
            padded[:, : self.width] = part
            value = padded[:, self.features]  # rows x paths x features
            follows = (value >= self.lower) & (value < self.upper)
            missing = np.isnan(value)
            if missing.any():
                follows = np.where(missing, self.missing_follows, follows)
            pattern = np.packbits(follows, axis=-1, bitorder="little")[..., 0]
            cells = self.table[self.offsets + pattern].reshape(len(part), paths * depth)
            out[start : start + len(part)] = (self.scatter @ cells.T.astype(np.float64)).T
        out[:, self.width] = self.bias
        return out


def _paths(tree: dict) -> list[tuple[float, dict[int, list]]]:
    """A tree's root-to-leaf paths: ``(leaf value, {feature: [lower, upper, missing follows,
    cover fraction]})``, a feature's splits along the path merged (intervals intersected, the
    fractions multiplied)."""
    left, right = tree["left_children"], tree["right_children"]
    split, condition = tree["split_indices"], tree["split_conditions"]
    default_left, cover = tree["default_left"], tree["sum_hessian"]
    out, stack = [], [(0, {})]
    while stack:
        node, path = stack.pop()
        if left[node] == -1:  # a leaf: its value is the node's split condition
            out.append((float(np.float32(condition[node])), path))
            continue
        threshold = np.float32(condition[node])
        feature = split[node]
        for child, lower, upper, goes_left in (
            (left[node], -np.inf, threshold, True),
            (right[node], threshold, np.inf, False),
        ):
            fraction = cover[child] / cover[node]
            follows = bool(default_left[node]) == goes_left
            merged = dict(path)
            if feature in merged:
                lo, hi, missing, before = merged[feature]
                merged[feature] = [max(lo, lower), min(hi, upper), missing and follows,
                                   before * fraction]  # fmt: skip
            else:
                merged[feature] = [lower, upper, follows, fraction]
            stack.append((child, merged))
    return out


def _shap_table(values: np.ndarray, zero: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Every path's TreeSHAP part for each pattern and feature (paths x 2**depth x depth).

    For path features ``U`` (``k`` of them) with cover fractions ``z``, leaf value ``v`` and a
    row satisfying the features ``O`` (its pattern), feature ``i`` gets
    ``v (o_i - z_i) sum over S subset of O - {i} of |S|! (k - 1 - |S|)! / k!
    prod over j in U - S - {i} of z_j``: the fractions of the features outside ``O`` multiply
    every term; those in ``O`` enter through the polynomial prod (t + z_j), whose coefficient
    of ``t**s`` sums the products over the subsets of size ``s``."""
    paths, depth = zero.shape
    k = valid.sum(axis=1)
    weight = np.zeros((paths, depth + 1))
    for s in range(depth):
        has = s <= k - 1
        weight[has, s] = [
            math.factorial(s) * math.factorial(int(n) - 1 - s) / math.factorial(int(n))
            for n in k[has]
        ]
    table = np.zeros((paths, 1 << depth, depth))
    for pattern in range(1 << depth):
        satisfied = valid & ((pattern >> np.arange(depth)) & 1).astype(bool)[None, :]
        for i in range(depth):
            poly = np.zeros((paths, depth + 1))
            poly[:, 0] = 1.0
            outside = np.ones(paths)
            for j in range(depth):
                if j == i:
                    continue
                outside = np.where(valid[:, j] & ~satisfied[:, j], outside * zero[:, j], outside)
                times = np.zeros_like(poly)
                times[:, 1:] = poly[:, :-1]
                times += zero[:, j, None] * poly
                poly = np.where(satisfied[:, j, None], times, poly)
            own = satisfied[:, i].astype(float) - zero[:, i]
            part = values * own * outside * (weight * poly).sum(axis=1)
            table[:, pattern, i] = np.where(valid[:, i], part, 0.0)
    return table


def path_tables(booster: xgb.Booster) -> PathTables | None:
    """``booster``'s TreeSHAP tables, or None where they do not apply (see the module)."""
    model = json.loads(booster.save_raw("json"))
    learner = model["learner"]
    gbtree = learner["gradient_booster"]
    if gbtree.get("name") != "gbtree":
        return None
    trees = gbtree["model"]["trees"]
    if not trees or any(any(t.get("split_type", [])) for t in trees):
        return None
    if int(learner["learner_model_param"].get("num_class", "0") or 0) > 1:
        return None  # one output per class: several contribution sets
    paths = [p for tree in trees for p in _paths(tree)]
    depth = max(1, max(len(p[1]) for p in paths))
    if depth > MAX_PATH_FEATURES or len(paths) * (depth << depth) * 4 > MAX_TABLE_BYTES:
        return None
    width = int(learner["learner_model_param"]["num_feature"])
    n = len(paths)
    features = np.full((n, depth), width, dtype=np.intp)
    lower = np.full((n, depth), np.inf, dtype=np.float32)  # padding: never satisfied
    upper = np.full((n, depth), np.inf, dtype=np.float32)
    missing = np.zeros((n, depth), dtype=bool)
    zero = np.ones((n, depth))
    values = np.zeros(n)
    for p, (value, splits) in enumerate(paths):
        values[p] = value
        for e, (feature, (lo, hi, follows, fraction)) in enumerate(sorted(splits.items())):
            features[p, e], lower[p, e], upper[p, e] = feature, lo, hi
            missing[p, e], zero[p, e] = follows, fraction
    valid = features < width
    table = _shap_table(values, zero, valid).astype(np.float32)
    cells = np.arange(n * depth)
    scatter = sp.csr_matrix(
        (np.ones(n * depth), (features.ravel(), cells)), shape=(width + 1, n * depth)
    )
    # the expected margin (base score and every tree's cover-weighted mean): XGBoost's own
    nothing = xgb.DMatrix(np.full((1, width), np.nan, dtype=np.float32), nthread=1)
    bias = np.float32(booster.predict(nothing, pred_contribs=True, validate_features=False)[0, -1])
    return PathTables(
        width=width,
        features=features,
        lower=lower,
        upper=upper,
        missing_follows=missing,
        table=table.reshape(n << depth, depth),
        offsets=np.arange(n, dtype=np.intp) << depth,
        scatter=scatter,
        bias=bias,
    )


_TABLES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()
_NONE = object()  # tables that do not apply, remembered as such


def booster_tables(booster: xgb.Booster) -> PathTables | None:
    """:func:`path_tables` of ``booster``, built once per booster object (the serving models
    build them when they load, so no request waits for them)."""
    with _LOCK:
        tables = _TABLES.get(booster)
    if tables is None:
        tables = path_tables(booster) or _NONE
        with _LOCK:
            _TABLES[booster] = tables
    return None if tables is _NONE else tables


def tree_contributions(booster: xgb.Booster, x: np.ndarray) -> np.ndarray:
    """TreeSHAP contributions of ``booster`` for the rows of ``x`` (rows x features, float32,
    NaN where missing), the bias last, as ``predict(pred_contribs=True)`` gives them: from the
    booster's tables, or from XGBoost itself (one thread) where they do not apply."""
    tables = booster_tables(booster)
    if tables is not None:
        return tables.contributions(x)
    matrix = xgb.DMatrix(np.ascontiguousarray(x, dtype=np.float32), nthread=1)
    return booster.predict(matrix, pred_contribs=True, validate_features=False)
