"""The business page's advice section, shaped for its template: the current score, the latest
advice with its recommendations and the feedback given on them, drivers in words, past advice.
A fixed number of queries, whatever the number of recommendations, feedback rows or past
advice. The owner's report reads the same pieces (portal.owner_report)."""

from __future__ import annotations

from django.db.models import Prefetch

from businesses.freshness import business_freshness
from businesses.market import production_index_source
from businesses.models import Business
from feedback.models import AdviceRating, LabelOverride, Outcome, RecommendationFeedback
from forecasting.advice.rules import recommendation_text
from forecasting.advice.selectors import advice_history
from forecasting.models import Advice
from forecasting.reasons import reasons_in_words
from forecasting.scoring.selectors import (
    current_score,
    models_disagree_reason,
    score_figures,
)


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
        # the verdicts given with a comment, newest first, from the rows already read (what
        # feedback.selectors.verdict_comment_list selects, for the supervision dashboard)
        rec.comments = [f for f in rec.feedback_rows if f.comment]
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
    """The advice's recommendations, each with ``latest_feedback``, the text on display
    (``display_title``/``display_rationale``: the latest edit replaces the original) and the
    verdicts given with a comment (``comments``, newest first), in a fixed number of queries.
    The owner's report reads them too."""
    return _recommendations(advice)


def business_advice_context(*, business: Business, user, records: list | None = None) -> dict:
    """What the advice section of the business page shows: the current score (forecast and
    growth probability, from the latest prediction job or advice, with when they were
    computed), the advice on display (latest ready: drivers, peers, market, recommendations),
    a newer request still waiting or failed, recommendations with their latest verdict, the
    user's rating, the latest label override, outcomes and past advice. ``records``: the
    business's latest records, oldest first, when the caller has read them (its freshness then
    reads its last month from them)."""
    history = advice_history(business=business)
    read = {} if records is None else {"last_period": records[-1].period if records else None}
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
        "freshness": business_freshness(business, **read),
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
        context["drivers"] = reasons_in_words(
            shown.drivers if not context["freshness"].stale else []
        )
    context["outcomes"] = list(
        Outcome.objects.filter(business=business)
        .select_related("created_by", "recommendation")
        .order_by("-date", "-pk")[:20]
    )
    return context
