"""The growth-opportunity classifier: P(next 12 months' sales >= (1 + rate) x last 12 months').

How it is trained
-----------------
* Rows: (business, cut-off) pairs whose label (:mod:`labels`, at ``rate``) is defined, i.e.
  cut-offs with a full 12-month future inside the data (the latest ``max_cutoffs``). A short
  registry has few or none of those: when fewer than ``min_label_cutoffs`` cut-offs have a full
  future, the cut-offs whose future window has at least ``min_months`` months inside the data
  label rows too (the label rule reads a window over the months it has;
  :func:`labels.growth_labels_from_matrix` with ``partial``), and ``label_windows_`` records how
  many cut-offs of each kind trained the model and the shortest future window used.
  Features: :func:`features.build_features` at the cut-off (known data only). Advisors'
  ``label_overrides`` replace computed labels (and add rows where the computed label was
  unknown). An override frame may carry ``weight`` (the row's sample weight in the final fit
  and the calibration, default 1) and ``source`` (its ``label_source``, default "override";
  an "outcome" row only fills a label the data cannot compute yet): the Django side passes
  advisors' overrides and recorded outcomes with their configured weights.
* Why businesses are split as well as time: a label looks 12 months ahead, so one business at
  neighbouring cut-offs shares most of its label window. A model validated on the same
  businesses at later cut-offs is rewarded for memorising them (measured: cross-validated
  ROC-AUC 0.86 that way against 0.70 on genuinely new months). So every validation below uses
  businesses the model did not train on, at cut-offs later than its training cut-offs.
* Blocks: businesses are hashed into ``calibration_groups`` groups; group 0 is held out. The
  *calibration block* is group 0 at the last ``calibration_cutoffs`` cut-offs; the *fit block*
  is the other businesses at cut-offs at least ``purge_months`` (>= 1) before it.
* With a single labelled cut-off there is no earlier block: the calibration block is group 0 at
  that cut-off and the fit block the other businesses; the search then validates on
  business-disjoint folds of the same cut-off (``cv_results_["folds"]`` says which).
* Search: a random forest (median imputation + one-hot encoding in a scikit-learn Pipeline)
  and XGBoost (NaN handled natively), each tuned by ``RandomizedSearchCV`` over ``n_iter``
  candidates with :class:`CutoffSplitter` folds (time-ordered, business-disjoint) on a sample
  of the fit block, scored by ROC-AUC. The family with the better mean CV score is refitted on
  the fit block (``cv_results_`` keeps every candidate's parameters and mean/std score).
* Calibration: ``CalibratedClassifierCV`` on the frozen model over the calibration block
  (isotonic with enough rows, sigmoid otherwise).
* Explanations: global permutation importance (ROC-AUC drop) on the calibration block, and
  per-business contributions — TreeSHAP (``pred_contribs``, log-odds of the uncalibrated model)
  when XGBoost won; when the forest won, local deltas: the change in probability when one
  feature is replaced by its training median (a cheap stand-in for SHAP, said in the output).
"""

from __future__ import annotations

import time
import warnings

import numpy as np
import pandas as pd
import xgboost as xgb
from scipy.stats import rankdata
from sklearn.base import BaseEstimator
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import RandomForestClassifier
from sklearn.frozen import FrozenEstimator
from sklearn.impute import SimpleImputer
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import RandomizedSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder

from forecasting.engine import labels, schema
from forecasting.engine.drift import reference_distribution
from forecasting.engine.explanations import top_drivers
from forecasting.engine.features import (
    CATEGORICAL_COLUMNS,
    Panel,
    build_features,
    build_panel,
    category_levels,
    encode_categoricals,
    model_columns,
)
from forecasting.engine.jsontypes import to_json_types
from forecasting.engine.reasons import MIN_CONTRIBUTION, MIN_PROBABILITY_CHANGE
from forecasting.engine.treeshap import tree_contributions

RF_GRID = {
    "model__n_estimators": [60, 100],
    "model__max_depth": [8, 12, 16],
    "model__min_samples_leaf": [20, 50, 100],
    "model__max_features": ["sqrt", 0.15],
}
XGB_GRID = {
    "n_estimators": [200, 300],
    "max_depth": [3, 4, 5, 6],
    "learning_rate": [0.05, 0.08],
    "min_child_weight": [20, 50, 100],
    "subsample": [0.8],
    "colsample_bytree": [0.5, 0.7],
}


# Columns of the training frame that are not features.
_LABEL_COLUMNS = ("label", "label_source", "sample_weight")


class CutoffSplitter:
    """Time-ordered, business-disjoint folds over the distinct cut-offs of the rows.

    The sorted cut-offs are cut into ``n_splits + 1`` contiguous blocks; fold ``i`` validates on
    block ``i + 1`` and trains on cut-offs at least ``purge`` months before that block's first
    cut-off. With ``businesses`` given, fold ``i`` also validates only on the businesses of
    group ``i`` (ids hashed into ``n_splits`` groups) and trains only on the others: a label
    looks 12 months ahead, so the same business at neighbouring cut-offs shares most of its
    label window, and without that separation a model that memorises businesses would score
    well in validation and poorly on new months.
    """

    def __init__(
        self,
        cutoffs: np.ndarray,
        *,
        n_splits: int = 3,
        purge: int = 12,
        businesses: np.ndarray | None = None,
    ) -> None:
        self.cutoffs = cutoffs
        self.n_splits = n_splits
        self.purge = purge
        self.businesses = businesses

    def split(self, x: object = None, y: object = None, groups: object = None):
        """Yield (train indices, validation indices) pairs, oldest fold first."""
        months = _months(self.cutoffs)
        unique = np.unique(months)
        blocks = np.array_split(unique, self.n_splits + 1)
        group = None
        if self.businesses is not None:
            group = _business_group(np.asarray(self.businesses), self.n_splits)
        for i, block in enumerate(blocks[1:]):
            if not len(block):
                continue
            val_mask = np.isin(months, block)
            train_mask = months <= block[0] - max(self.purge, 1)
            if group is not None:
                val_mask &= group == i
                train_mask &= group != i
            val, train = np.flatnonzero(val_mask), np.flatnonzero(train_mask)
            if len(train) and len(val):
                yield train, val

    def get_n_splits(self, x: object = None, y: object = None, groups: object = None) -> int:
        """Number of folds actually produced."""
        return sum(1 for _ in self.split())


def _business_group(ids: np.ndarray, n_groups: int) -> np.ndarray:
    """A stable pseudo-random group per business id (multiplicative hashing)."""
    return ((ids.astype(np.int64) * 2654435761) % 2**32) % n_groups


def _months(cutoffs: np.ndarray | pd.Series) -> np.ndarray:
    return np.asarray(cutoffs, dtype="datetime64[ns]").astype("datetime64[M]").astype(np.int64)


class GrowthClassifier(BaseEstimator):
    """Calibrated probability that a business grows at least ``rate`` over the next 12 months.

    Follows scikit-learn's estimator contract (parameters stored unchanged, learned attributes
    end in ``_``, ``random_state`` resolved in ``fit``). ``n_jobs`` bounds every thread pool.
    """

    def __init__(
        self,
        *,
        rate: float = schema.DEFAULT_GROWTH_RATE,
        min_months: int = labels.MIN_MONTHS,
        families: tuple[str, ...] = ("random_forest", "xgboost"),
        rf_grid: dict | None = None,
        xgb_grid: dict | None = None,
        n_iter: int = 4,
        cv_splits: int = 3,
        purge_months: int = 1,
        calibration_cutoffs: int = 3,
        calibration_groups: int = 5,
        max_cutoffs: int = 36,
        min_label_cutoffs: int = 6,
        max_search_rows: int = 30_000,
        max_fit_rows: int = 80_000,
        importance_rows: int = 2_000,
        random_state: int | None = 0,
        n_jobs: int = 2,
    ) -> None:
        self.rate = rate
        self.min_months = min_months
        self.families = families
        self.rf_grid = rf_grid
        self.xgb_grid = xgb_grid
        self.n_iter = n_iter
        self.cv_splits = cv_splits
        self.purge_months = purge_months
        self.calibration_cutoffs = calibration_cutoffs
        self.calibration_groups = calibration_groups
        self.max_cutoffs = max_cutoffs
        self.min_label_cutoffs = min_label_cutoffs
        self.max_search_rows = max_search_rows
        self.max_fit_rows = max_fit_rows
        self.importance_rows = importance_rows
        self.random_state = random_state
        self.n_jobs = n_jobs

    # ------------------------------------------------------------------ data

    def training_frame(
        self,
        records: pd.DataFrame,
        businesses: pd.DataFrame | None = None,
        indicators: pd.DataFrame | None = None,
        *,
        label_overrides: pd.DataFrame | None = None,
        panel: Panel | None = None,
    ) -> pd.DataFrame:
        """Features plus ``label`` (computed, then overridden) for every labelled cut-off,
        ``label_source`` ("computed", or the override's source: "override", "outcome") and
        ``sample_weight`` (1 for computed labels, the override's weight otherwise)."""
        panel = build_panel(records) if panel is None else panel
        n_t = len(panel.periods)
        cut_idx, partial = self.training_cutoff_indices(n_t)
        overrides = _clean_overrides(label_overrides)
        extra = []
        if overrides is not None:
            extra = [c for c in panel.period_index(overrides["cutoff"].unique()) if 0 <= c < n_t]
        cut_idx = sorted(set(cut_idx) | {int(c) for c in extra})
        if not cut_idx:
            return pd.DataFrame()
        feats = build_features(
            records, businesses, indicators, panel.periods[cut_idx], horizons=(), panel=panel
        )
        row = np.searchsorted(panel.business_ids, feats[schema.BUSINESS_ID].to_numpy())
        label = np.full(len(feats), np.nan)
        c_of_row = panel.period_index(feats["cutoff"])
        for c in np.unique(c_of_row):
            sel = c_of_row == c
            lab = labels.growth_labels_from_matrix(
                panel.sales, int(c), rate=self.rate, min_months=self.min_months, partial=partial
            )
            label[sel] = lab[row[sel]]
        feats["label"] = label
        feats["label_source"] = "computed"
        feats["sample_weight"] = 1.0
        if overrides is not None:
            merged = feats[[schema.BUSINESS_ID, "cutoff"]].merge(
                overrides, on=[schema.BUSINESS_ID, "cutoff"], how="left"
            )
            hit = merged["label"].notna().to_numpy()
            # an "outcome" (a reported result) only fills a label the data cannot compute
            # yet; where the 12 months are in the data, the data's label stands
            hit &= (merged["source"] != "outcome").to_numpy() | np.isnan(label)
            feats.loc[hit, "label"] = merged.loc[hit, "label"].to_numpy()
            feats.loc[hit, "label_source"] = merged.loc[hit, "source"].to_numpy()
            feats.loc[hit, "sample_weight"] = merged.loc[hit, "weight"].to_numpy()
        out = feats[feats["label"].notna()].reset_index(drop=True)
        out.attrs["preprocessing"] = feats.attrs.get("preprocessing", {})
        used = panel.period_index(out.loc[out["label_source"] == "computed", "cutoff"].unique())
        ahead = [labels.future_months_inside(n_t, int(c)) for c in used]
        out.attrs["label_windows"] = {
            "months_in_data": n_t,
            "full_window_cutoffs": int(sum(a == labels.WINDOW for a in ahead)),
            "partial_window_cutoffs": int(sum(a < labels.WINDOW for a in ahead)),
            "shortest_future_months": int(min(ahead)) if ahead else None,
            "partial_windows_allowed": bool(partial),
        }
        return out

    def training_cutoff_indices(self, n_months: int) -> tuple[list[int], bool]:
        """The panel columns of the cut-offs whose computed labels this classifier trains on,
        in a panel of ``n_months``, and whether their labels read partial future windows (a
        short registry: see :func:`labels.growth_labels_from_matrix`)."""
        first_allowed = self.min_months - 1  # a past window needs min_months observed months
        last_full = n_months - 1 - labels.WINDOW
        partial = last_full - first_allowed + 1 < self.min_label_cutoffs
        # a short registry: cut-offs whose future window is partly past the data label rows too
        last_c = n_months - 1 - self.min_months if partial else last_full
        first_c = max(first_allowed, last_c - self.max_cutoffs + 1)
        return list(range(first_c, last_c + 1)), bool(partial)

    # ------------------------------------------------------------------ fit

    def _rf(self, numeric: list[str], categorical: list[str], seed: int) -> Pipeline:
        pre = ColumnTransformer(
            [
                ("num", SimpleImputer(strategy="median", keep_empty_features=True), numeric),
                (
                    "cat",
                    Pipeline(
                        [
                            ("impute", SimpleImputer(strategy="constant", fill_value=-1.0)),
                            ("onehot", OneHotEncoder(handle_unknown="ignore", min_frequency=20)),
                        ]
                    ),
                    categorical,
                ),
            ]
        )
        model = RandomForestClassifier(
            n_estimators=100, max_samples=0.3, n_jobs=1, random_state=seed
        )
        return Pipeline([("prep", pre), ("model", model)])

    def _xgb(self, seed: int) -> xgb.XGBClassifier:
        return xgb.XGBClassifier(
            tree_method="hist", n_jobs=1, random_state=seed, eval_metric="logloss"
        )

    def fit(
        self,
        records: pd.DataFrame,
        businesses: pd.DataFrame | None = None,
        indicators: pd.DataFrame | None = None,
        *,
        label_overrides: pd.DataFrame | None = None,
    ) -> GrowthClassifier:
        """Search, fit and calibrate on every record given (the caller holds months out)."""
        rng = np.random.default_rng(self.random_state)
        seed = int(rng.integers(2**31 - 1))
        started = time.perf_counter()
        data = self.training_frame(records, businesses, indicators, label_overrides=label_overrides)
        self.timings_ = {"features": time.perf_counter() - started}
        if data.empty or data["label"].nunique() < 2:
            raise ValueError(
                "not enough labelled (business, cut-off) pairs to train: a growth label needs "
                f"{self.min_months} months before a cut-off and {self.min_months} after it "
                f"({2 * self.min_months + 1} months of history at least)"
            )
        self.label_windows_ = dict(data.attrs.get("label_windows", {}))
        self.categories_ = category_levels(data)
        self.feature_names_ = [c for c in model_columns(data) if c not in _LABEL_COLUMNS]
        # per-feature training distribution, for drift monitoring (engine.drift)
        self.reference_distribution_ = reference_distribution(data, self.feature_names_)
        x_all = encode_categoricals(data[self.feature_names_], self.categories_)
        y_all = data["label"].to_numpy().astype(int)
        months = _months(data["cutoff"])
        ids = data[schema.BUSINESS_ID].to_numpy()
        unique = np.unique(months)
        n_cal = min(self.calibration_cutoffs, max(1, len(unique) // 4))
        cal_start = unique[-n_cal]
        # Calibration: later cut-offs and businesses the model never saw (one group in
        # ``calibration_groups``); fitting: the other businesses, cut-offs before the block.
        held = _business_group(ids, self.calibration_groups) == 0
        cal = (months >= cal_start) & held
        fit_mask = (months <= cal_start - max(self.purge_months, 1)) & ~held
        if len(unique) == 1:  # one labelled cut-off: no earlier block, other businesses fit
            fit_mask = ~held
        # advisors' corrections always train the model, whatever their cut-off
        fit_mask |= (data["label_source"] != "computed").to_numpy() & ~cal
        weights = data["sample_weight"].to_numpy(dtype=float)
        if fit_mask.sum() == 0 or len(np.unique(y_all[fit_mask])) < 2:
            raise ValueError("not enough labelled history before the calibration block")
        fit_idx = np.flatnonzero(fit_mask)

        search_idx = fit_idx
        if len(search_idx) > self.max_search_rows:
            search_idx = np.sort(rng.choice(fit_idx, self.max_search_rows, replace=False))
        folds = list(
            CutoffSplitter(
                data["cutoff"].to_numpy()[search_idx],
                n_splits=self.cv_splits,
                purge=self.purge_months,
                businesses=ids[search_idx],
            ).split()
        )
        fold_kind = "time-ordered, business-disjoint"
        if not folds:
            # too few cut-offs to order in time (a short registry): business-disjoint folds
            group = _business_group(ids[search_idx], self.cv_splits)
            folds = [
                (np.flatnonzero(group != i), np.flatnonzero(group == i))
                for i in range(self.cv_splits)
                if (group == i).any() and (group != i).any()
            ]
            fold_kind = "business-disjoint (too few cut-offs to order in time)"
        if not folds:
            raise ValueError("too few labelled rows for cross-validation")
        categorical = [c for c in CATEGORICAL_COLUMNS if c in self.feature_names_]
        numeric = [c for c in self.feature_names_ if c not in categorical]
        candidates = {
            "random_forest": (self._rf(numeric, categorical, seed), self.rf_grid or RF_GRID),
            "xgboost": (self._xgb(seed), self.xgb_grid or XGB_GRID),
        }
        x_search = x_all.iloc[search_idx]
        y_search = y_all[search_idx]
        self.cv_results_: dict = {
            "scoring": "roc_auc",
            "n_folds": len(folds),
            "folds": fold_kind,
            "families": {},
        }
        best_family, best_score, best_params = None, -np.inf, None
        for family in self.families:
            estimator, grid = candidates[family]
            search = RandomizedSearchCV(
                estimator,
                grid,
                n_iter=self.n_iter,
                scoring="roc_auc",
                cv=folds,
                refit=False,
                random_state=seed,
                # candidates run in parallel processes, each model single-threaded: robust
                # when other processes compete for the cores (see forecaster.fit)
                n_jobs=self.n_jobs,
                error_score=np.nan,
            )
            search.fit(x_search, y_search)
            res = search.cv_results_
            rows = [
                {
                    "params": {k: to_json_types(v) for k, v in res["params"][i].items()},
                    "mean_score": to_json_types(res["mean_test_score"][i]),
                    "std_score": to_json_types(res["std_test_score"][i]),
                    "rank": int(res["rank_test_score"][i]),
                }
                for i in range(len(res["params"]))
            ]
            best_i = int(np.nanargmax(res["mean_test_score"]))
            self.cv_results_["families"][family] = {
                "candidates": rows,
                "best_params": rows[best_i]["params"],
                "best_score": rows[best_i]["mean_score"],
            }
            if res["mean_test_score"][best_i] > best_score:
                best_family = family
                best_score = float(res["mean_test_score"][best_i])
                best_params = res["params"][best_i]
        self.family_ = best_family
        self.cv_results_["chosen"] = best_family
        estimator = candidates[best_family][0]
        estimator.set_params(**best_params)
        if best_family == "random_forest":
            estimator.set_params(model__n_jobs=self.n_jobs)  # threads, no OpenMP barriers
        if len(fit_idx) > self.max_fit_rows:
            fit_idx = np.sort(rng.choice(fit_idx, self.max_fit_rows, replace=False))
        weight_key = "model__sample_weight" if best_family == "random_forest" else "sample_weight"
        estimator.fit(x_all.iloc[fit_idx], y_all[fit_idx], **{weight_key: weights[fit_idx]})
        self.model_ = estimator

        cal_idx = np.flatnonzero(cal)
        method = "isotonic" if len(cal_idx) >= 2000 else "sigmoid"
        self.calibrator_ = CalibratedClassifierCV(FrozenEstimator(estimator), method=method)
        with warnings.catch_warnings():
            # the model is frozen (already fitted, with the weights): scikit-learn warns that
            # the weights then reach the calibration only, which is exactly what is meant
            warnings.filterwarnings("ignore", message="Since FrozenEstimator", category=UserWarning)
            self.calibrator_.fit(
                x_all.iloc[cal_idx], y_all[cal_idx], sample_weight=weights[cal_idx]
            )
        self.calibration_method_ = method
        raw = estimator.predict_proba(x_all.iloc[cal_idx])[:, 1]
        self.calibration_block_auc_ = (
            float(roc_auc_score(y_all[cal_idx], raw))
            if len(np.unique(y_all[cal_idx])) == 2
            else None
        )

        imp_idx = cal_idx
        if len(imp_idx) > self.importance_rows:
            imp_idx = np.sort(rng.choice(cal_idx, self.importance_rows, replace=False))
        self.global_importance_ = batched_permutation_importance(
            estimator, x_all.iloc[imp_idx], y_all[imp_idx], rng=rng, n_repeats=2
        )
        self.reference_ = x_all.iloc[fit_idx].median(numeric_only=True)
        self.base_rate_ = float(y_all[fit_mask].mean())
        self.purge_used_ = self.purge_months
        self.n_training_rows_ = len(fit_idx)
        self.n_calibration_rows_ = len(cal_idx)
        self.n_overrides_ = int((data["label_source"] == "override").sum())
        self.n_outcome_labels_ = int((data["label_source"] == "outcome").sum())
        self.preprocessing_ = dict(data.attrs.get("preprocessing", {}))
        self.preprocessing_["label_windows"] = self.label_windows_
        self.preprocessing_["imputation"] = (
            "random forest: median (numeric), constant -1 then one-hot (categorical); "
            "xgboost: NaN routed natively"
        )
        self.timings_["total"] = time.perf_counter() - started
        return self

    # ------------------------------------------------------------------ predict and explain

    def _matrix(self, features: pd.DataFrame) -> pd.DataFrame:
        return encode_categoricals(features, self.categories_).reindex(columns=self.feature_names_)

    def features(
        self,
        records: pd.DataFrame,
        businesses: pd.DataFrame | None = None,
        indicators: pd.DataFrame | None = None,
        *,
        cutoffs: list | pd.DatetimeIndex | None = None,
    ) -> pd.DataFrame:
        """The feature rows this classifier reads at ``cutoffs`` (default: the last month)."""
        if cutoffs is None:
            cutoffs = [pd.Timestamp(records[schema.PERIOD].max())]
        return build_features(records, businesses, indicators, cutoffs, horizons=())

    def predict_proba(
        self,
        records: pd.DataFrame,
        businesses: pd.DataFrame | None = None,
        indicators: pd.DataFrame | None = None,
        *,
        cutoffs: list | pd.DatetimeIndex | None = None,
        features: pd.DataFrame | None = None,
    ) -> pd.DataFrame:
        """Calibrated growth probability per business and cut-off: columns ``business_id``,
        ``cutoff``, ``probability`` (and ``raw_score``, the uncalibrated model's)."""
        if features is None:
            features = self.features(records, businesses, indicators, cutoffs=cutoffs)
        if features.empty:
            return pd.DataFrame(columns=[schema.BUSINESS_ID, "cutoff", "probability", "raw_score"])
        x = self._matrix(features)
        return pd.DataFrame(
            {
                schema.BUSINESS_ID: features[schema.BUSINESS_ID].to_numpy(),
                "cutoff": features["cutoff"].to_numpy(),
                "probability": self.calibrator_.predict_proba(x)[:, 1],
                "raw_score": self.model_.predict_proba(x)[:, 1],
            }
        )

    def contributions(self, features: pd.DataFrame) -> tuple[pd.DataFrame, str]:
        """Per-row feature contributions and their kind.

        XGBoost: TreeSHAP values in log-odds (kind ``"treeshap_log_odds"``, with a ``bias``
        column). Random forest: probability change when the feature takes its training median
        (kind ``"median_replacement_delta"``).
        """
        x = self._matrix(features)
        if self.family_ == "xgboost":
            values = x.to_numpy(dtype=np.float32)  # the model's columns, in its order
            contrib = tree_contributions(self.model_.get_booster(), values)  # as serving does
            cols = [*self.feature_names_, "bias"]
            return pd.DataFrame(contrib, columns=cols, index=features.index), "treeshap_log_odds"
        base = self.model_.predict_proba(x)[:, 1]
        # one prediction call over every (row, feature) swap: far cheaper than a loop of calls
        n, k = len(x), len(self.feature_names_)
        stacked = np.tile(x.to_numpy(dtype=float), (k, 1))
        for j, col in enumerate(self.feature_names_):
            stacked[j * n : (j + 1) * n, j] = self.reference_.get(col, np.nan)
        stacked = pd.DataFrame(stacked, columns=x.columns)
        swapped = self.model_.predict_proba(stacked)[:, 1].reshape(k, n).T
        frame = pd.DataFrame(
            base[:, None] - swapped, columns=self.feature_names_, index=features.index
        )
        return frame, "median_replacement_delta"

    def explain(self, features: pd.DataFrame, *, top: int = 5) -> list[dict]:
        """Top drivers for each row of ``features``: ``[{business_id, cutoff, kind, drivers}]``
        where ``drivers`` is :func:`explanations.top_drivers`'s list."""
        contrib, kind = self.contributions(features)
        floor = MIN_CONTRIBUTION if kind == "treeshap_log_odds" else MIN_PROBABILITY_CHANGE
        out = []
        values = features.reset_index(drop=True)
        for i in range(len(features)):
            out.append(
                {
                    schema.BUSINESS_ID: to_json_types(values[schema.BUSINESS_ID].iloc[i]),
                    "cutoff": pd.Timestamp(values["cutoff"].iloc[i]).date().isoformat(),
                    "kind": kind,
                    "drivers": top_drivers(
                        contrib.iloc[i].drop("bias", errors="ignore"),
                        values.iloc[i],
                        top=top,
                        min_contribution=floor,
                    ),
                }
            )
        return out


def _fast_auc(y: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """ROC-AUC of each row of ``scores`` (Mann-Whitney U with average ranks for ties)."""
    ranks = rankdata(scores, axis=1)
    pos = y.astype(bool)
    n_pos, n_neg = pos.sum(), (~pos).sum()
    return (ranks[:, pos].sum(axis=1) - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


def batched_permutation_importance(
    model: object,
    x: pd.DataFrame,
    y: np.ndarray,
    *,
    rng: np.random.Generator,
    n_repeats: int = 2,
) -> list[dict]:
    """Permutation importance (drop in ROC-AUC when one column is shuffled), every shuffled copy
    scored in a single ``predict_proba`` call. Returns ``[{feature, importance, std}]`` sorted
    from most to least important; empty when ``y`` has one class."""
    if len(np.unique(y)) < 2:
        return []
    base = _fast_auc(y, model.predict_proba(x)[:, 1][None, :])[0]
    n, k = x.shape
    values = x.to_numpy(dtype=float)
    copies = np.tile(values, (n_repeats * k, 1))
    for r in range(n_repeats):
        for j in range(k):
            lo = (r * k + j) * n
            copies[lo : lo + n, j] = values[rng.permutation(n), j]
    scores = model.predict_proba(pd.DataFrame(copies, columns=x.columns))[:, 1]
    drops = base - _fast_auc(y, scores.reshape(n_repeats * k, n)).reshape(n_repeats, k)
    order = np.argsort(-drops.mean(axis=0))
    return [
        {
            "feature": str(x.columns[j]),
            "importance": float(drops[:, j].mean()),
            "std": float(drops[:, j].std()),
        }
        for j in order
    ]


def _clean_overrides(overrides: pd.DataFrame | None) -> pd.DataFrame | None:
    if overrides is None or not len(overrides):
        return None
    out = overrides[[schema.BUSINESS_ID, "cutoff", "label"]].copy()
    out["cutoff"] = pd.to_datetime(out["cutoff"]).dt.to_period("M").dt.to_timestamp()
    out["label"] = out["label"].astype(float)
    out["weight"] = overrides["weight"].astype(float) if "weight" in overrides else 1.0
    out["source"] = overrides["source"].astype(str) if "source" in overrides else "override"
    return out.drop_duplicates([schema.BUSINESS_ID, "cutoff"], keep="last")
