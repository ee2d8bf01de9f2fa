"""Reading model versions for the stewards' pages: measurements against the baselines, the
search and its cross-validation, importance, and the advisors' feedback on each version.

Everything here reads what :mod:`forecasting.lifecycle.training` stored (``metrics``,
``search_results``, ``features``, ``preprocessing``, …) and tolerates versions stored before a
key existed: a missing number is shown as missing, never as a failure.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from forecasting.engine.baselines import BASELINES
from forecasting.models import ModelKind, ModelVersion

BASELINE_LABELS = {
    "last_value": _("last value"),
    "seasonal_naive": _("seasonal naive (t-12)"),
    "mean_3": _("mean of last 3"),
}

# Training presets a steward picks when starting a run: parameters over the configured ones.
TRAINING_PRESETS: dict[str, tuple] = {
    "standard": (_("Standard: the configured parameters"), {}),
    "quick": (
        _("Quick check: fewer trees and a smaller search (minutes, lower quality)"),
        {
            "forecaster": {"n_estimators": 80, "max_cutoffs": 12},
            "growth": {"n_iter": 2, "max_cutoffs": 12, "importance_rows": 1000},
        },
    ),
    "thorough": (
        _("Thorough: a wider search and more trees (slower)"),
        {"forecaster": {"n_estimators": 400}, "growth": {"n_iter": 10}},
    ),
}


def preset_parameters(preset: str, kind: str) -> dict:
    """The run parameters (``{kind: {...}}``) of ``preset`` for a run of ``kind``."""
    parameters = TRAINING_PRESETS[preset][1]
    kinds = [ModelKind.FORECASTER, ModelKind.GROWTH] if kind == "all" else [kind]
    return {str(k): dict(parameters[k]) for k in kinds if k in parameters}


def _get(d: dict | None, *keys):
    for key in keys:
        if not isinstance(d, dict):
            return None
        d = d.get(key)
    return d


@dataclass
class HorizonRow:
    horizon: int
    n: int | None
    rmse: float | None
    mae: float | None
    wape: float | None
    mase: float | None
    coverage: float | None
    baselines: dict[str, float | None]
    best_baseline: float | None
    skill: float | None  # 1 - RMSE / seasonal naive's RMSE


def horizon_rows(version: ModelVersion | None) -> list[HorizonRow]:
    """The forecaster's held-out errors by horizon, with the baselines' RMSE beside them."""
    if version is None:
        return []
    horizons = _get(version.metrics, "horizons") or {}
    rows = []
    for key in sorted(horizons, key=lambda k: int(k)):
        block = horizons[key] or {}
        baselines = {name: _get(block, "baselines", name, "rmse") for name in BASELINES}
        known = [v for v in baselines.values() if v is not None]
        naive = baselines.get("seasonal_naive")
        rmse = block.get("rmse")
        rows.append(
            HorizonRow(
                horizon=int(key),
                n=block.get("n"),
                rmse=rmse,
                mae=block.get("mae"),
                wape=block.get("wape"),
                mase=block.get("mase"),
                coverage=block.get("coverage_p10_p90"),
                baselines=baselines,
                best_baseline=min(known) if known else None,
                skill=(1 - rmse / naive) if rmse is not None and naive else None,
            )
        )
    return rows


def growth_scores(version: ModelVersion | None) -> list[tuple[str, float | None, float | None]]:
    """``(name, model, reference)`` rows of the growth classifier's held-out scores: ROC-AUC
    and PR-AUC against chance (0.5 and the positive rate), Brier against the base rate's."""
    if version is None:
        return []
    m = version.metrics or {}
    return [
        (str(_("ROC-AUC (chance: 0.5)")), m.get("roc_auc"), 0.5),
        (str(_("PR-AUC (chance: the positive rate)")), m.get("pr_auc"), m.get("positive_rate")),
        (str(_("Brier score (lower is better; reference: the base rate)")), m.get("brier"),
         m.get("brier_base_rate")),
        (str(_("ROC-AUC before calibration")), m.get("raw_roc_auc"), None),
        (str(_("Expected calibration error, 10 bins (lower is better)")), m.get("ece"), None),
    ]  # fmt: skip


def growth_not_measured(version: ModelVersion | None) -> str | None:
    """Why a growth version has no held-out scores (a history too short to hold a cut-off out),
    in words; None when it was measured."""
    m = (version.metrics or {}) if version else {}
    if m.get("measured", True):
        return None
    return str(
        _(
            "Not measured: %(months)d months of history; holding out a cut-off with the months "
            "after it and labelled cut-offs before it needs %(needed)d. The model was trained "
            "on the labels the history allows."
        )
        % {"months": m.get("months") or 0, "needed": m.get("months_needed") or 18}
    )


SEGMENT_LABELS = {
    "short_history": _("short history (< 12 months)"),
    "long_history": _("long history (12 months or more)"),
    "intermittent": _("intermittent (>= 20 % zero months)"),
    "spiky": _("spiky (a month above 5 x the median month with sales)"),
    "sales_only": _("sales only (no costs, employees or satisfaction)"),
}


def segment_rows(version: ModelVersion | None) -> list[dict]:
    """The forecaster's held-out errors by kind of series (horizon 1 and all horizons)."""
    segments = _get(version.metrics if version else None, "segments") or {}
    rows = []
    for key, label in SEGMENT_LABELS.items():
        block = segments.get(key)
        if not isinstance(block, dict):
            continue
        h1, every = block.get("horizon_1") or {}, block.get("all_horizons") or {}
        rows.append(
            {
                "label": str(label),
                "n": h1.get("n"),
                "rmse_1": h1.get("rmse"),
                "rmse_all": every.get("rmse"),
                "coverage": every.get("coverage_p10_p90"),
            }
        )
    return rows


def market_data_note(version: ModelVersion | None) -> str | None:
    """Which market values the held-out measurement used, in words: as known at each cut-off
    (rebuilt from the pulls' and imports' history) or as currently stored. None for versions
    trained before the evaluation recorded it."""
    record = _get(version.metrics if version else None, "market_data")
    if not isinstance(record, dict):
        return None
    if not record.get("as_known_at_cutoff"):
        return str(
            _(
                "As currently stored: there is no pull or import history to rebuild what was "
                "known at each cut-off."
            )
        )
    return str(
        _(
            "As known at each cut-off (values received by the end of the cut-off month plus "
            "%(lag)d days, %(tz)s time). Series with a history: %(series)d; revised values "
            "seen with their old value until the revision: %(revisions)d; values left out "
            "until they arrived: %(later)d."
        )
        % {
            "lag": record.get("cutoff_lag_days") or 0,
            "tz": record.get("time_zone") or "",
            "series": record.get("series_with_history") or 0,
            "revisions": record.get("revisions_applied") or 0,
            "later": record.get("values_arrived_later") or 0,
        }
    )


def cross_validation(version: ModelVersion | None, top: int = 5) -> list[dict]:
    """Per model family of the search: best mean score, its parameters, and the best
    ``top`` candidates (mean ± std over the time-ordered folds)."""
    if version is None:
        return []
    families = _get(version.search_results, "families") or {}
    chosen = _get(version.search_results, "chosen")
    out = []
    for name, block in families.items():
        candidates = sorted(block.get("candidates", []), key=lambda c: c.get("rank") or 10**6)[:top]
        out.append(
            {
                "family": name,
                "chosen": name == chosen,
                "best_score": block.get("best_score"),
                "best_params": block.get("best_params") or {},
                "candidates": candidates,
                "n_candidates": len(block.get("candidates", [])),
            }
        )
    return out


def importance_bars(version: ModelVersion | None, top: int = 12) -> list[dict]:
    """The global importance as bars: label in the reader's language, value, width in % of
    the largest (for an inline SVG chart)."""
    if version is None:
        return []
    items = _get(version.metrics, "global_importance") or []
    items = [i for i in items if isinstance(i, dict) and i.get("importance") is not None][:top]
    if not items:
        return []
    largest = max(abs(float(i["importance"])) for i in items) or 1.0
    english = (get_language() or "es").startswith("en")
    return [
        {
            "label": (i.get("label_en") if english else i.get("label_es")) or i.get("feature"),
            "feature": i.get("feature"),
            "value": float(i["importance"]),
            "width": max(0.0, 100.0 * float(i["importance"]) / largest),
            "y": n * 22,
        }
        for n, i in enumerate(items)
    ]


def config_rows(data: dict | None, *, short: int = 200) -> list[tuple[str, str, str | None]]:
    """``(key, text, full)`` rows of a stored JSON record (parameters, preprocessing, …): a
    long value is cut to a line, with its full indented JSON for a collapsible block."""
    rows = []
    for key, value in (data or {}).items():
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        if len(text) <= short:
            rows.append((str(key), text, None))
        else:
            full = json.dumps(value, ensure_ascii=False, indent=2)
            rows.append((str(key), text[: short - 40] + " …", full))
    return rows


def score_of(version: ModelVersion | None) -> float | None:
    """The number promotion compares (``forecasting.lifecycle.training.primary_score``)."""
    if version is None:
        return None
    from forecasting.lifecycle.training import (
        primary_score,  # the ML stack loads only when a page needs it
    )

    return primary_score(version.kind, version.metrics or {})


def production_version(kind: str) -> ModelVersion | None:
    return ModelVersion.objects.filter(kind=kind, status=ModelVersion.Status.PRODUCTION).first()


@dataclass
class Comparison:
    candidate: ModelVersion
    production: ModelVersion | None
    candidate_score: float | None
    production_score: float | None
    horizons: list[tuple] = field(default_factory=list)  # (h, cand row, prod row)
    scores: list[tuple] = field(default_factory=list)  # (name, cand, prod, reference)

    @property
    def difference(self) -> float | None:
        if self.candidate_score is None or self.production_score is None:
            return None
        return self.candidate_score - self.production_score


def compare(candidate: ModelVersion, production: ModelVersion | None) -> Comparison:
    """A candidate and the production version of its kind, side by side."""
    result = Comparison(
        candidate=candidate,
        production=production,
        candidate_score=score_of(candidate),
        production_score=score_of(production),
    )
    if candidate.kind == ModelKind.FORECASTER:
        prod_rows = {r.horizon: r for r in horizon_rows(production)}
        result.horizons = [
            (r.horizon, r, prod_rows.get(r.horizon)) for r in horizon_rows(candidate)
        ]
    else:
        prod_scores = {name: value for name, value, _ref in growth_scores(production)}
        result.scores = [
            (name, value, prod_scores.get(name), reference)
            for name, value, reference in growth_scores(candidate)
        ]
    return result


# Sections other apps add to a model version's report (the feedback app: advisors' verdicts
# per recommendation code, growth-label overrides), registered when Django starts so that this
# app needs no import of the apps above it. name -> function(version) -> the section's rows.
REPORT_SECTIONS: dict[str, Callable[[ModelVersion], Any]] = {}


def model_report_section_register(name: str, rows: Callable[[ModelVersion], Any]) -> None:
    """Add a section ``name`` (a template variable of the report) computed by ``rows``."""
    REPORT_SECTIONS[name] = rows


def report_sections(version: ModelVersion) -> dict[str, Any]:
    """Every registered section's rows for ``version``."""
    return {name: rows(version) for name, rows in REPORT_SECTIONS.items()}
