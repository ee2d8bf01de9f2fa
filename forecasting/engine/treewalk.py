"""XGBoost's trees laid out level by level, walked with NumPy: the serving path's evaluator for a
handful of rows (one business's advice or API request), equal to the bit to XGBoost's own
``inplace_predict`` (a unit test holds it on every row, missing values included).

Why: the serving path's fused booster (:func:`engine.serving.fused_booster`) holds every
production model's trees, ~2,600 trees of depth 3 to 6 (~100,000 nodes, ~2 MB). XGBoost walks
them tree by tree through each tree's own node array, so a row touches ~6 scattered nodes per
tree; after a request's other work has pushed the trees out of the core's cache those are
~15,000 cache misses, and the call costs 2-2.6 ms on one row where it costs 0.7 ms when the
trees are cached (``bench/serving.py``; the trees' arithmetic is microseconds). Here level
``d`` of every tree is one array of ``2**d`` slots per tree, so the walk reads each level in
tree order, a few NumPy operations per level for all trees at once: ~0.2 ms per row, cached or
not. Past a few rows XGBoost's own walk is cheaper per row, and the serving path calls it
(:data:`engine.serving.WALK_MAX_ROWS`).

Exactness: a split sends a value ``v`` left when ``v < threshold`` (float32, as XGBoost) and a
missing value (NaN) to the split's default side; the margin of each output is its base score
plus its trees' leaves added one by one in float32, in the trees' order, as XGBoost adds them.
Only numerical splits of a tree booster (``gbtree``) of depth at most :data:`MAX_DEPTH` are
laid out (a deeper tree needs ``2**depth`` slots per tree); anything else is left to XGBoost
(:func:`level_forest` returns None).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import xgboost as xgb

MAX_DEPTH = 8


@dataclass(frozen=True)
class LevelForest:
    """The trees of one booster, level by level. ``features[d]``, ``thresholds[d]`` and
    ``default_left[d]`` hold level ``d``'s split of each tree's ``2**d`` slots (tree-major);
    ``leaves`` each tree's ``2**depth`` leaf values (a leaf above the last level fills every
    slot beneath it; a slot under such a leaf splits on the constant column ``width`` (0.0)
    against +inf, so it always goes left). ``slots`` places tree ``t``'s leaf in the
    ``targets x (1 + most trees of one target)`` sum table, whose first column is each
    target's base score."""

    depth: int
    width: int
    features: tuple[np.ndarray, ...]
    thresholds: tuple[np.ndarray, ...]
    default_left: tuple[np.ndarray, ...]
    leaves: np.ndarray
    base: np.ndarray
    slots: np.ndarray
    columns: int

    def margins(self, x: np.ndarray) -> np.ndarray:
        """Each row's margin for each target (rows x targets, float32): what
        ``booster.inplace_predict(x, predict_type="margin")`` gives for ``x`` (rows x width,
        float32, NaN where missing)."""
        x = np.asarray(x, dtype=np.float32)
        rows, trees = len(x), len(self.slots)
        padded = np.zeros((rows, self.width + 1), dtype=np.float32)
        padded[:, : self.width] = x
        row = np.arange(rows)[:, None]
        tree = np.arange(trees)
        pos = np.zeros((rows, trees), dtype=np.intp)
        for d in range(self.depth):
            i = (tree << d) + pos
            value = padded[row, self.features[d][i]]
            right = ~(value < self.thresholds[d][i])
            missing = np.isnan(value)
            if missing.any():
                right = np.where(missing, ~self.default_left[d][i], right)
            pos = 2 * pos + right
        leaf = self.leaves[(tree << self.depth) + pos]
        table = np.zeros((rows, len(self.base) * self.columns), dtype=np.float32)
        table[:, :: self.columns] = self.base
        table[:, self.slots] = leaf
        table = table.reshape(rows, len(self.base), self.columns)
        # one by one in float32, as XGBoost adds them (a pairwise sum could differ in the last bit)
        return np.cumsum(table, axis=2, dtype=np.float32)[:, :, -1]


def _depth(left: list[int], right: list[int]) -> int:
    depth, level = 0, [0]
    while True:
        level = [c for n in level for c in (left[n], right[n]) if left[n] != -1]
        if not level:
            return depth
        depth += 1


def level_forest(booster: xgb.Booster) -> LevelForest | None:
    """``booster``'s trees level by level, or None where the layout does not apply (not a
    tree booster with an identity link (``reg:squarederror``, whose base score is its margin:
    the fused booster's form), a categorical split, a tree deeper than :data:`MAX_DEPTH`)."""
    model = json.loads(booster.save_raw("json"))
    learner = model["learner"]
    gbtree = learner["gradient_booster"]
    if gbtree.get("name") != "gbtree" or learner["objective"]["name"] != "reg:squarederror":
        return None
    trees = gbtree["model"]["trees"]
    if not trees or any(any(t.get("split_type", [])) for t in trees):
        return None
    depth = max(_depth(t["left_children"], t["right_children"]) for t in trees)
    if depth > MAX_DEPTH:
        return None
    width = int(learner["learner_model_param"]["num_feature"])
    n = len(trees)
    features = [np.full(n << d, width, dtype=np.int32) for d in range(depth)]
    thresholds = [np.full(n << d, np.inf, dtype=np.float32) for d in range(depth)]
    default_left = [np.ones(n << d, dtype=bool) for d in range(depth)]
    leaves = np.zeros(n << depth, dtype=np.float32)
    for t, tree in enumerate(trees):
        left, right = tree["left_children"], tree["right_children"]
        split, condition = tree["split_indices"], tree["split_conditions"]
        default = tree["default_left"]
        stack = [(0, 0, 0)]  # node, level, slot within the level
        while stack:
            node, d, slot = stack.pop()
            if left[node] == -1:  # a leaf: its value is the node's split condition
                span = 1 << (depth - d)
                start = (t << depth) + slot * span
                leaves[start : start + span] = np.float32(condition[node])
                continue
            i = (t << d) + slot
            features[d][i] = split[node]
            thresholds[d][i] = np.float32(condition[node])
            default_left[d][i] = bool(default[node])
            stack.append((left[node], d + 1, 2 * slot))
            stack.append((right[node], d + 1, 2 * slot + 1))
    base_text = learner["learner_model_param"]["base_score"].strip("[]")
    base = np.array([np.float32(v) for v in base_text.split(",")], dtype=np.float32)
    info = np.asarray(gbtree["model"]["tree_info"], dtype=int)
    if info.max() >= len(base):
        return None  # one base score for several outputs: not this layout
    columns = 1 + int(np.bincount(info, minlength=len(base)).max())
    slots = np.empty(n, dtype=np.intp)
    for k in range(len(base)):
        mine = np.flatnonzero(info == k)
        slots[mine] = k * columns + 1 + np.arange(len(mine))
    return LevelForest(
        depth=depth,
        width=width,
        features=tuple(features),
        thresholds=tuple(thresholds),
        default_left=tuple(default_left),
        leaves=leaves,
        base=base,
        slots=slots,
        columns=columns,
    )
