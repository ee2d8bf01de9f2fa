"""Reading what the owner's report shows: the business's latest ready advice put in plain words
for an owner who is not an analyst, and the reports already produced (the audit trail).

Everything is computed in the active language: the caller wraps it in
``translation.override(language)``. Numbers use the same filters as the business page
(:mod:`core.templatetags.asesor_format`), so the report quotes the page's figures exactly.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from businesses.models import Business
from businesses.selectors import business_records
from core.templatetags.asesor_format import month, percent, soles
from feedback.models import RecommendationFeedback
from forecasting.engine.schema import DEFAULT_GROWTH_RATE
from forecasting.models import Advice
from forecasting.reasons import reasons_in_words
from forecasting.scoring.selectors import current_score, score_figures
from portal.advice_presenter import advice_recommendations

REPORT_MONTHS = 12  # months of history on the report's chart
MIN_CHART_MONTHS = 6  # below this, the report says the history is too short instead of a chart
REPORT_REASONS = 3
# Growth probability → words. Thresholds on the calibrated probability of growing at least
# DEFAULT_GROWTH_RATE over the next 12 months.
HIGH_GROWTH, LOW_GROWTH = 0.6, 0.4
PRINTED_VERDICTS = (RecommendationFeedback.Action.ACCEPTED, RecommendationFeedback.Action.EDITED)


@dataclass(frozen=True)
class ForecastRow:
    month: str
    expected: str
    low: str
    high: str


def _period_text(value) -> str:
    text = str(value)[:10]
    return f"{text[5:7]}/{text[:4]}"


def _months_between(earlier: dt.date, later: dt.date) -> int:
    return (later.year - earlier.year) * 12 + later.month - earlier.month


def _growth_words(probability: float) -> str:
    if probability >= HIGH_GROWTH:
        return _("high probability of growing")
    if probability >= LOW_GROWTH:
        return _("moderate probability of growing")
    return _("low probability of growing")


def _reasons(advice: Advice) -> list[str]:
    """The three reasons that weigh most, as the business page says them, each with whether it
    raises or lowers the chances of growing."""
    reasons = []
    for reason in reasons_in_words(advice.drivers, top=REPORT_REASONS):
        what = {"what": reason["text"].rstrip(".")}
        if reason["direction"] == "up":
            reasons.append(_("%(what)s — raises its chances of growing.") % what)
        else:
            reasons.append(_("%(what)s — lowers its chances of growing.") % what)
    return reasons


def _peer_group(benchmarks: dict) -> str:
    n = int(benchmarks.get("peers") or 0)
    group = benchmarks.get("group")
    if group == "sector_region_size":
        return ngettext(
            "%(n)d business of the same sector, region and size",
            "%(n)d businesses of the same sector, region and size",
            n,
        ) % {"n": n}
    if group == "sector_region":
        return ngettext(
            "%(n)d business of the same sector and region",
            "%(n)d businesses of the same sector and region",
            n,
        ) % {"n": n}
    return ngettext(
        "%(n)d business of the same sector (all regions)",
        "%(n)d businesses of the same sector (all regions)",
        n,
    ) % {"n": n}


def _benchmark_sentences(business: Business, advice: Advice) -> list[str]:
    """Two or three comparisons with similar businesses, as simple sentences."""
    b = advice.benchmarks or {}
    if not b.get("peers"):
        return []
    sentences = []
    peers = _peer_group(b)
    growth = b.get("yoy_growth") or {}
    if growth.get("value") is not None and growth.get("p50") is not None:
        sentence = _(
            "Its sales changed %(value)s over the last year; among %(peers)s, the typical one "
            "changed %(median)s."
        ) % {"value": percent(growth["value"]), "peers": peers, "median": percent(growth["p50"])}
        if growth.get("rank") is not None:
            sentence += " " + _("It did better than %(share)s of them.") % {
                "share": percent(growth["rank"] / 100, 0)
            }
        sentences.append(sentence)
    margin = b.get("margin") or {}
    if margin.get("value") is not None and margin.get("p50") is not None:
        sentence = _(
            "Its margin over the last 12 months is %(value)s; the typical similar business has "
            "%(median)s."
        ) % {"value": percent(margin["value"]), "median": percent(margin["p50"])}
        if margin.get("rank") is not None:
            sentence += " " + _("%(share)s of them have a lower margin.") % {
                "share": percent(margin["rank"] / 100, 0)
            }
        sentences.append(sentence)
    if b.get("online_share") is not None:
        share = percent(b["online_share"], 0)
        if business.sells_online:
            sentences.append(
                _("%(share)s of similar businesses sell online, as this one does.")
                % {"share": share}
            )
        else:
            sentences.append(
                _("%(share)s of similar businesses sell online; this one does not yet.")
                % {"share": share}
            )
    return sentences[:3]


def _printed_recommendations(advice: Advice) -> list:
    """The recommendations the advisor accepted or edited (latest verdict), with the text on
    display: an edit replaces the original. Rejected and undecided ones are left out."""
    return [
        rec
        for rec in advice_recommendations(advice=advice)
        if rec.latest_feedback is not None and rec.latest_feedback.action in PRINTED_VERDICTS
    ]


def owner_report_context(*, business: Business, user, today: dt.date | None = None) -> dict:
    """What the owner's report of ``business`` (already loaded through the user's scope) shows:
    a chart of the last 12 months and the 6-month forecast and the growth opportunity in words
    from the business's current score (``score``: the latest scoring run or advice, with when
    it was computed, as the business page shows it), and from its latest ready advice the main
    reasons, comparisons with similar businesses and the recommendations the advisor accepted
    or edited. A business without advice, or with too short a history for a chart, gets the
    plain sentence that says so instead."""
    advice = (
        Advice.objects.filter(business=business, status=Advice.Status.READY)
        .select_related("forecaster_version", "growth_version")
        .order_by("-created_at", "-pk")
        .first()
    )
    records = business_records(business=business, months=REPORT_MONTHS)
    months_recorded = business.records.count()
    context = {
        "business": business,
        "advice": advice,
        "prepared_by": (user.get_full_name() or user.get_username()) if user else "",
        "today": today or timezone.localdate(),
        "months_recorded": months_recorded,
        "records": records,
        "last_12_sales": soles(sum(float(r.sales) for r in records)) if records else "—",
        "show_chart": False,
        "short_history": False,
        "forecast_rows": [],
        "expected_6": "—",
        "growth": None,
        "reasons": [],
        "benchmarks": [],
        "recommendations": [],
        "growth_rate": percent(DEFAULT_GROWTH_RATE, 0),
        "last_recorded": None,
        "score": None,
    }
    if advice is None:
        return context
    score = context["score"] = score_figures(current_score(business=business), advice)
    forecast = [f for f in score["forecast"] or [] if f.get("mean") is not None]
    context["short_history"] = months_recorded < 12 or any(f.get("short_history") for f in forecast)
    if records and score["cutoff"] and _months_between(records[-1].period, score["cutoff"]) >= 3:
        # Old records only: the forecast starts long after the last month the owner reported.
        context["last_recorded"] = month(records[-1].period)
    context["show_chart"] = bool(forecast) and months_recorded >= MIN_CHART_MONTHS
    if context["show_chart"]:
        context["forecast"] = forecast
        context["forecast_rows"] = [
            ForecastRow(
                _period_text(f["period"]), soles(f["mean"]), soles(f["p10"]), soles(f["p90"])
            )
            for f in forecast
        ]
        context["expected_6"] = soles(sum(f["mean"] for f in forecast))
        context["first_month"] = _period_text(forecast[0]["period"])
        context["last_month"] = _period_text(forecast[-1]["period"])
    if score["growth_probability"] is not None:
        context["growth"] = {
            "words": _growth_words(score["growth_probability"]),
            "probability": percent(score["growth_probability"], 0),
        }
        context["reasons"] = _reasons(advice)
    context["benchmarks"] = _benchmark_sentences(business, advice)
    context["recommendations"] = _printed_recommendations(advice)
    context["cutoff"] = month(score["cutoff"])
    return context
