"""The business page's advice section, shaped for its template: the current score, the latest
advice with its recommendations and the feedback given on them, drivers in words, past advice.
A fixed number of queries, whatever the number of recommendations, feedback rows or past
advice. The owner's report reads the same pieces (portal.owner_report)."""

from __future__ import annotations

import math

from django.db.models import Prefetch
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from businesses.freshness import business_freshness
from businesses.market import production_index_source
from businesses.models import Business
from core.templatetags.asesor_format import percent, soles
from feedback.models import AdviceRating, LabelOverride, Outcome, RecommendationFeedback
from forecasting.advice.rules import recommendation_text
from forecasting.advice.selectors import advice_history
from forecasting.models import Advice
from forecasting.scoring.selectors import (
    current_score,
    models_disagree_reason,
    score_figures,
)

# Features whose value is a difference of log sales (engine.features): shown as a percentage
# change. Only names whose scale is known are given a value in words; others show the label.
_LOG_CHANGES = {
    "growth_mom", "growth_3m", "growth_yoy", "growth_12m", "level_vs_mean_12", "last_vs_mean_12",
    "kf_level_vs_mean_12", "expected_growth_12", "level_sa_vs_mean_12",
    "sector_growth_yoy", "sector_growth_12m", "region_growth_yoy", "region_growth_12m",
    "sector_region_growth_yoy", "sector_region_growth_12m",
}  # fmt: skip
_LOG_LEVELS = {
    "log_sales_mean_3", "log_sales_mean_6", "log_sales_mean_12", "log_sales_last",
    "log_sales_q1", "log_sales_q3", "log_sales_lag_1",
}  # fmt: skip


def driver_value_text(feature: str, value) -> str:
    """A driver's value in words an advisor reads (``8.0 %``, ``S/ 12,345.67``, ``36 months``),
    or an empty string when its scale is not a plain one."""
    if value is None or isinstance(value, str):
        return ""
    try:
        value = float(value)
    except (TypeError, ValueError):
        return ""
    if math.isnan(value):
        return ""
    if feature.startswith("margin_"):
        return percent(value)
    if feature in _LOG_CHANGES:
        return percent(math.expm1(value))
    if feature in _LOG_LEVELS:
        return soles(math.expm1(value))
    if feature.startswith("satisfaction_"):
        return {0: _("low"), 1: _("medium"), 2: _("high")}.get(round(value), "")
    if feature in ("age_months", "months_observed", "months_since_first"):
        months = round(value)
        return ngettext("%(n)d month", "%(n)d months", months) % {"n": months}
    if feature in ("sells_online", "women_led"):
        return _("yes") if value >= 0.5 else _("no")
    return ""


def _english() -> bool:
    return (get_language() or "es").startswith("en")


def _recommendations(advice: Advice) -> list:
    feedback = RecommendationFeedback.objects.select_related("created_by").order_by(
        "-created_at", "-pk"
    )
    recs = list(
        advice.recommendations.select_related("programme").prefetch_related(
            Prefetch("feedback", queryset=feedback, to_attr="feedback_rows")
        )
    )
    for rec in recs:
        title, rationale = recommendation_text(rec.code, rec.params) if rec.params else ("", "")
        rec.original_title = title or rec.title
        rec.original_rationale = rationale or rec.rationale
        rec.latest_feedback = rec.feedback_rows[0] if rec.feedback_rows else None
        edits = [f for f in rec.feedback_rows if f.action == RecommendationFeedback.Action.EDITED]
        latest_edit = edits[0] if edits else None
        rec.display_title = (latest_edit and latest_edit.edited_title) or rec.original_title
        rec.display_rationale = (
            latest_edit and latest_edit.edited_rationale
        ) or rec.original_rationale
        rec.is_edited = latest_edit is not None
    return recs


def advice_recommendations(*, advice: Advice) -> list:
    """The advice's recommendations, each with ``latest_feedback`` and the text on display
    (``display_title``/``display_rationale``: the latest edit replaces the original), in a
    fixed number of queries. The owner's report reads them too."""
    return _recommendations(advice)


def business_advice_context(*, business: Business, user) -> dict:
    """What the advice section of the business page shows: the current score (forecast and
    growth probability, from the latest prediction job or advice, with when they were
    computed), the advice on display (latest ready: drivers, peers, market, recommendations),
    a newer request still waiting or failed, recommendations with their latest verdict, the
    user's rating, the latest label override, outcomes and past advice."""
    history = advice_history(business=business)
    newest = history[0] if history else None
    shown = next((a for a in history if a.status == Advice.Status.READY), None)
    pending = newest if newest and newest.status == Advice.Status.QUEUED else None
    failed = newest if newest and newest.status == Advice.Status.FAILED else None
    context = {
        "advice": shown,
        "pending": pending,
        "failed": failed,
        "history": history,
        "recommendations": [],
        "my_rating": None,
        "override": None,
        "drivers": [],
        "indicator_source": None,
        # how current its records are, now (not when the advice was computed)
        "freshness": business_freshness(business),
        "advice_outdated": False,
    }
    score = context["score"] = score_figures(
        current_score(business=business), shown, freshness=context["freshness"]
    )
    # a short note under the forecast where the two models behind a month disagreed
    context["models_disagree_note"] = next(
        (text for m in (score or {}).get("forecast") or [] if (text := models_disagree_reason(m))),
        "",
    )
    if shown is not None and score is not None:
        # the drivers, peers and recommendations are of other data or models than the figures
        versions = (score["forecaster_version"], score["growth_version"])
        context["advice_outdated"] = score["cutoff"] != shown.cutoff or [
            getattr(v, "pk", None) for v in versions
        ] != [shown.forecaster_version_id, shown.growth_version_id]
    if shown is not None:
        context["recommendations"] = _recommendations(shown)
        context["my_rating"] = AdviceRating.objects.filter(advice=shown, created_by=user).first()
        context["override"] = (
            LabelOverride.objects.filter(advice=shown)
            .select_related("created_by")
            .order_by("-created_at", "-pk")
            .first()
        )
        trend = shown.market_trend or {}
        if trend.get("sector"):
            # where the market section's production index comes from, and how recent it is
            context["indicator_source"] = production_index_source(
                trend.get("indicator"), sector=trend["sector"], region=trend.get("region")
            )
        english = _english()
        context["drivers"] = [
            {
                **d,
                "label": d.get("label_en") if english else d.get("label_es"),
                "value_text": driver_value_text(d.get("feature", ""), d.get("value")),
            }
            for d in (shown.drivers if not context["freshness"].stale else [])
        ]
    context["outcomes"] = list(
        Outcome.objects.filter(business=business)
        .select_related("created_by", "recommendation")
        .order_by("-date", "-pk")[:20]
    )
    return context
