"""Advice rules: from a business's score (forecast, growth probability, drivers, benchmarks,
market trend, own figures) to recommendations an advisor can act on.

Each rule is a plain function of a :class:`~forecasting.scoring.snapshot.BusinessScore` that returns
a :class:`Draft` or ``None``. A draft keeps its numbers in ``params``; :func:`recommendation_text`
turns them into a title and a rationale in the active language, so a stored recommendation can
be said again in the reader's language. Thresholds are the module constants below.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from businesses.models import sunat_flag_text
from core.templatetags.asesor_format import month, percent, soles
from forecasting.engine import schema
from forecasting.scoring.latest import forecast_uncertain
from forecasting.scoring.snapshot import BusinessScore

FALLING_FORECAST_DROP = 0.10  # next 3 months' mean below the last 3 months' by more than this
GROWTH_OPPORTUNITY_PROBABILITY = 0.70  # growth probability from which expansion is advised
LOW_SATISFACTION_MEAN = 1.0  # below "medium" (0 low, 1 medium, 2 high) on average
SLOWER_THAN_SECTOR_POINTS = 0.10  # yoy growth below the sector x region trend by more than this
SEASONAL_PEAK_RATIO = 0.25  # a forecast month this much above the last 12 months' mean …
SEASONAL_PEAK_STANDOUT = 0.15  # … and this much above the median of the 6 forecast months
ONLINE_PEER_SHARE = 0.30  # share of peers selling online from which going online is advised
SHORT_HISTORY_MONTHS = 12  # fewer observed months than this: ask for more records

HIGH, MEDIUM, LOW = 1, 2, 3

PROGRAMME_FOR = {
    "falling_forecast": "compras-a-myperu",
    "growth_opportunity": "tu-empresa-financiamiento",
    "growth_with_dip": "tu-empresa-financiamiento",
    "margin_below_peers": "cite-asistencia",
    "low_satisfaction": "cite-asistencia",
    "slower_than_sector": "cde-articulacion",
    "go_online": "tu-empresa",
    "sunat_not_located": "tu-empresa",  # PRODUCE's formalisation programme
}


@dataclass
class Draft:
    """A recommendation before it is stored."""

    code: str
    priority: int
    params: dict = field(default_factory=dict)

    @property
    def programme_code(self) -> str | None:
        return PROGRAMME_FOR.get(self.code)

    @property
    def title(self) -> str:
        return recommendation_text(self.code, self.params)[0]

    @property
    def rationale(self) -> str:
        return recommendation_text(self.code, self.params)[1]


def _mean(values: list[float]) -> float | None:
    values = [v for v in values if v is not None]
    return sum(values) / len(values) if values else None


def _points(value: float) -> str:
    return f"{value * 100:.1f}"


# ---------------------------------------------------------------------------- the rules


def rule_falling_forecast(score: BusinessScore) -> Draft | None:
    """The next 3 months' forecast mean is below the last 3 months' mean sales by more than
    :data:`FALLING_FORECAST_DROP`, on a forecast that is not uncertain (the caseload's rule,
    :func:`forecasting.scoring.latest.forecast_uncertain`: a short or intermittent history, or
    the two models disagreeing, swings without meaning a fall — the caseload raises no alert
    for it, and the advice does not either)."""
    if forecast_uncertain(score.forecast):
        return None
    last = score.profile.get("last_3_mean")
    upcoming = _mean([f.get("mean") for f in score.forecast[:3]])
    if not last or upcoming is None:
        return None
    drop = 1 - upcoming / last
    if drop <= FALLING_FORECAST_DROP:
        return None
    return Draft(
        "falling_forecast", HIGH, {"next_3_mean": upcoming, "last_3_mean": last, "drop": drop}
    )


def rule_growth_opportunity(score: BusinessScore) -> Draft | None:
    """A growth probability of at least :data:`GROWTH_OPPORTUNITY_PROBABILITY`: ready for
    financing or expansion programmes."""
    p = score.growth_probability
    if p is None or p < GROWTH_OPPORTUNITY_PROBABILITY:
        return None
    # the reason that raises the probability most (drivers come largest first, either way)
    top = next((d for d in score.drivers if d.get("direction") == "up"), {})
    return Draft(
        "growth_opportunity",
        HIGH,
        {
            "probability": p,
            "driver_es": top.get("label_es", ""),
            "driver_en": top.get("label_en", ""),
        },
    )


def rule_margin_below_peers(score: BusinessScore) -> Draft | None:
    """The margin of the last 12 months is below the peers' 25th percentile."""
    margin = score.benchmarks.get("margin") or {}
    own, p25 = margin.get("value"), margin.get("p25")
    if own is None or p25 is None or own >= p25:
        return None
    return Draft(
        "margin_below_peers",
        MEDIUM,
        {"margin": own, "p25": p25, "p50": margin.get("p50"), "peers": margin.get("n")},
    )


def rule_low_satisfaction(score: BusinessScore) -> Draft | None:
    """The latest customer satisfaction is low, or its 12-month mean is below medium."""
    last = score.profile.get("satisfaction_last")
    mean = score.profile.get("satisfaction_mean_12")
    if not (
        (last is not None and last < 0.5) or (mean is not None and mean < LOW_SATISFACTION_MEAN)
    ):
        return None
    return Draft("low_satisfaction", MEDIUM, {"last": last, "mean": mean})


def rule_slower_than_sector(score: BusinessScore) -> Draft | None:
    """Year-on-year growth below the sector x region trend by more than
    :data:`SLOWER_THAN_SECTOR_POINTS`."""
    own = score.profile.get("yoy_growth")
    sector = score.market_trend.get("yoy_growth")
    if own is None or sector is None or sector - own <= SLOWER_THAN_SECTOR_POINTS:
        return None
    return Draft(
        "slower_than_sector", MEDIUM, {"growth": own, "sector_growth": sector, "gap": sector - own}
    )


def rule_seasonal_peak(score: BusinessScore) -> Draft | None:
    """A real seasonal peak ahead: the forecast month with the highest expected sales is

    - at least :data:`SEASONAL_PEAK_RATIO` above the mean of the last 12 months,
    - at least :data:`SEASONAL_PEAK_STANDOUT` above the median of the forecast months (a peak
      stands out from the months around it; a forecast that is simply higher than the past —
      growth, or the upward bias of an expected value over a wide band — is not a peak),
    - and the same calendar month last year was also that far above the 12-month mean (the
      business's own history shows the season),

    for a business with at least a year of regular records (no short or intermittent series,
    whose forecasts swing without any season). On the demo panel the old test (any forecast
    month 20 % above the 12-month mean) fired for 65 % of businesses; this one for about 16 %,
    nearly all of them at December.
    """
    base = score.profile.get("last_12_mean")
    forecast = [f for f in score.forecast if f.get("mean") is not None]
    if not base or len(forecast) < 3 or score.profile.get("months_observed", 0) < 12:
        return None
    if any(f.get("short_history") or f.get("intermittent") for f in forecast):
        return None
    median = statistics.median(f["mean"] for f in forecast)
    index, peak = max(enumerate(forecast), key=lambda item: item[1]["mean"])
    if peak["mean"] < (1 + SEASONAL_PEAK_RATIO) * base:
        return None
    if peak["mean"] < (1 + SEASONAL_PEAK_STANDOUT) * median:
        return None
    last_year = score.profile.get("same_month_last_year") or []
    previous = last_year[index] if index < len(last_year) else None
    if previous is None or previous < (1 + SEASONAL_PEAK_RATIO) * base:
        return None
    return Draft(
        "seasonal_peak",
        MEDIUM,
        {
            "period": peak["period"],
            "mean": peak["mean"],
            "base": base,
            "rise": peak["mean"] / base - 1,
            "last_year": previous,
        },
    )


def rule_go_online(score: BusinessScore) -> Draft | None:
    """No online sales while at least :data:`ONLINE_PEER_SHARE` of its peers sell online."""
    share = score.benchmarks.get("online_share")
    if score.profile.get("sells_online", True) or share is None or share < ONLINE_PEER_SHARE:
        return None
    return Draft("go_online", LOW, {"share": share, "peers": score.benchmarks.get("peers")})


def _months_trading(founded: str | None, cutoff) -> int | None:
    """Months from the founding month to the cut-off's, both counted; None when unknown."""
    if not founded or cutoff is None:
        return None
    start = dt.date.fromisoformat(founded)
    return (cutoff.year - start.year) * 12 + cutoff.month - start.month + 1


def rule_short_history(score: BusinessScore) -> Draft | None:
    """Fewer than :data:`SHORT_HISTORY_MONTHS` observed months (or none): ask for more records
    — or, for a business younger than that, which has no earlier months to give, say that its
    forecasts firm up as it keeps recording."""
    months = score.profile.get("months_observed", 0) if score.has_records else 0
    short = any(f.get("short_history") for f in score.forecast)
    if score.has_records and not short and months >= SHORT_HISTORY_MONTHS:
        return None
    founded = score.profile.get("founded")
    trading = _months_trading(founded, score.cutoff)
    if trading is not None and trading < SHORT_HISTORY_MONTHS and months >= trading - 1:
        return Draft("new_business", LOW, {"months": int(months), "founded": founded})
    return Draft("short_history", LOW if score.has_records else HIGH, {"months": int(months)})


def rule_stale_data(score: BusinessScore) -> Draft | None:
    """No record for too long (``businesses.freshness``): its forecast is withheld, and the
    first thing to do is to bring its records up to date."""
    if not score.stale:
        return None
    fresh = score.freshness
    return Draft(
        "stale_data",
        HIGH,
        {"last_period": fresh.last_period.isoformat(), "months": int(fresh.months_silent)},
    )


def rule_sunat(score: BusinessScore) -> Draft | None:
    """What SUNAT's padrón reducido says of the business (``score.sunat``): deregistered (BAJA
    DE OFICIO, BAJA PROV. POR OFICIO, BAJA DEFINITIVA…) — check its situation before anything
    else, no programme (:meth:`SupportProgramme.offered_to`); not located at its fiscal address
    (NO HABIDO, NO HALLADO) — formalise it: PRODUCE's Tu Empresa. The one home of both."""
    sunat = score.sunat
    if sunat is None:
        return None
    if sunat.deregistered:
        code = "sunat_deregistered"
    elif sunat.not_located:
        code = "sunat_not_located"
    else:
        return None
    since = sunat.flag_since.isoformat()  # as the badge says it
    return Draft(code, HIGH, {"status": sunat.status, "condition": sunat.condition, "since": since})


RULES: list[Callable[[BusinessScore], Draft | None]] = [
    rule_falling_forecast,
    rule_growth_opportunity,
    rule_margin_below_peers,
    rule_low_satisfaction,
    rule_slower_than_sector,
    rule_seasonal_peak,
    rule_go_online,
    rule_short_history,
    rule_sunat,
]


def eligible_programmes(drafts: list[Draft], business) -> dict:
    """``{programme code: SupportProgramme}`` for the drafts' programmes that are active and
    whose eligibility (sector, size class, region: ``SupportProgramme.is_eligible``)
    ``business`` meets; a recommendation whose programme does not fit is kept, without the
    link; so is every programme for a business SUNAT has deregistered
    (:meth:`SupportProgramme.offered_to`). The programmes come from
    :func:`businesses.programmes.active_programmes` (no query while this process's copy is
    fresh; the business loaded with its sector and SUNAT status)."""
    from businesses.programmes import active_programmes

    codes = {d.programme_code for d in drafts if d.programme_code}
    if not codes:
        return {}
    return {p.code: p for p in active_programmes(codes) if p.is_eligible(business)}


def _growth_with_dip(falling: Draft, growth: Draft) -> Draft:
    """A forecast that falls over the next 3 months and a high probability of growing over the
    next 12 are not a contradiction: the first is the next quarter against the last one, the
    second the coming year against the past one — a dip (often seasonal) in a business that is
    growing. Side by side, "look for new buyers" and "ready for financing" read as two opposite
    verdicts; one recommendation says both numbers and what to do first."""
    return Draft("growth_with_dip", HIGH, {**falling.params, **growth.params})


# Recommendations that must not stand side by side: the pair of codes and the one recommendation
# that replaces them (in the place of the first).
RECONCILED: dict[tuple[str, str], Callable[[Draft, Draft], Draft]] = {
    ("falling_forecast", "growth_opportunity"): _growth_with_dip,
}


def _reconciled(drafts: list[Draft]) -> list[Draft]:
    by_code = {d.code: d for d in drafts}
    for (first, second), merge in RECONCILED.items():
        if first in by_code and second in by_code:
            merged = merge(by_code[first], by_code[second])
            drafts = [merged if d.code == first else d for d in drafts if d.code != second]
            by_code = {d.code: d for d in drafts}
    return drafts


def recommendations_for(score: BusinessScore) -> list[Draft]:
    """Every rule that fires, contradictory signals reconciled into one recommendation
    (:data:`RECONCILED`), most urgent first (rule order breaks ties). A business SUNAT has
    deregistered gets one: check its situation (:func:`rule_sunat`). A stale business gets
    one: bring its records up to date (its other figures are too old to act on) — and SUNAT's,
    if SUNAT cannot find it."""
    sunat = rule_sunat(score)
    if sunat is not None and sunat.code == "sunat_deregistered":
        return [sunat]
    if score.stale:
        return [rule_stale_data(score), *([sunat] if sunat else [])]
    drafts = [draft for rule in RULES if (draft := rule(score)) is not None]
    return sorted(_reconciled(drafts), key=lambda d: d.priority)


# ---------------------------------------------------------------------------- the words


# What each recommendation is, in words: its title wherever a person reads it (the business page,
# the owner's PDF, exports, the supervision dashboard, the model report), never its code.
RECOMMENDATION_TITLES = {
    "falling_forecast": gettext_lazy("Sales are forecast to fall"),
    "growth_opportunity": gettext_lazy("Strong growth opportunity"),
    "growth_with_dip": gettext_lazy("A growing business with a dip ahead"),
    "margin_below_peers": gettext_lazy("Margin below its peers"),
    "low_satisfaction": gettext_lazy("Low customer satisfaction"),
    "slower_than_sector": gettext_lazy("Growing slower than its sector"),
    "seasonal_peak": gettext_lazy("Seasonal peak ahead"),
    "go_online": gettext_lazy("Start selling online"),
    "short_history": gettext_lazy("Ask for more months of records"),
    "new_business": gettext_lazy("A young business: record every month"),
    "stale_data": gettext_lazy("Bring its records up to date"),
    "sunat_deregistered": gettext_lazy("Verify the business's situation"),
    "sunat_not_located": gettext_lazy("Formalise its fiscal address"),
}


def recommendation_title(code: str) -> str:
    """The title of a recommendation of kind ``code`` in the active language."""
    return str(RECOMMENDATION_TITLES.get(code, code))


def recommendation_text(code: str, p: dict) -> tuple[str, str]:
    """``(title, rationale)`` of a recommendation in the active language, quoting its numbers."""
    if code == "falling_forecast":
        return recommendation_title(code), _(
            "The next three months are forecast at %(next)s a month on average, %(drop)s below "
            "the last three months (%(last)s a month). Look for new buyers before it happens."
        ) % {
            "next": soles(p["next_3_mean"]),
            "drop": percent(p["drop"]),
            "last": soles(p["last_3_mean"]),
        }
    if code == "growth_opportunity":
        from django.utils.translation import get_language

        driver = (
            p.get("driver_en") if (get_language() or "es").startswith("en") else p.get("driver_es")
        )
        text = _(
            "The model gives a %(p)s probability that sales grow at least %(rate)s over the next "
            "12 months: the business is ready for financing or expansion programmes."
        ) % {"p": percent(p["probability"], 0), "rate": percent(schema.DEFAULT_GROWTH_RATE, 0)}
        if driver:
            text += " " + _("Main driver: %(driver)s.") % {"driver": driver}
        return recommendation_title(code), text
    if code == "growth_with_dip":
        return recommendation_title(code), _(
            "The next three months are forecast at %(next)s a month on average, %(drop)s below "
            "the last three months (%(last)s a month), yet the model gives a %(p)s probability "
            "that the next 12 months sell at least %(rate)s more than the last 12: a dip in a "
            "growing business, not a decline. Plan cash and stock for the coming months first; "
            "financing for expansion fits once the dip is behind."
        ) % {
            "next": soles(p["next_3_mean"]),
            "drop": percent(p["drop"]),
            "last": soles(p["last_3_mean"]),
            "p": percent(p["probability"], 0),
            "rate": percent(schema.DEFAULT_GROWTH_RATE, 0),
        }
    if code == "margin_below_peers":
        return recommendation_title(code), _(
            "Its margin over the last 12 months is %(margin)s, below the 25th percentile of its "
            "peers (%(p25)s; median %(p50)s). Review costs and prices."
        ) % {"margin": percent(p["margin"]), "p25": percent(p["p25"]), "p50": percent(p.get("p50"))}
    if code == "low_satisfaction":
        levels = {0.0: _("low"), 1.0: _("medium"), 2.0: _("high")}
        last = levels.get(p.get("last"), "—") if p.get("last") is not None else "—"
        mean = "—" if p.get("mean") is None else f"{p['mean']:.1f}"
        return recommendation_title(code), _(
            "The latest customer satisfaction is %(last)s and its 12-month average is %(mean)s "
            "on a scale of 0 (low) to 2 (high). Work on service quality."
        ) % {"last": last, "mean": mean}
    if code == "slower_than_sector":
        return recommendation_title(code), _(
            "Its sales changed %(growth)s year on year while its sector in its region changed "
            "%(sector)s: %(gap)s points behind."
        ) % {
            "growth": percent(p["growth"]),
            "sector": percent(p["sector_growth"]),
            "gap": _points(p["gap"]),
        }
    if code == "seasonal_peak":
        text = _(
            "Sales of %(mean)s are forecast for %(period)s, %(rise)s above the average of the last "
            "12 months (%(base)s). Prepare stock, staff and working capital."
        ) % {
            "mean": soles(p["mean"]),
            "period": f"{p['period'][5:7]}/{p['period'][:4]}",
            "rise": percent(p["rise"]),
            "base": soles(p["base"]),
        }
        if p.get("last_year") is not None:
            text += " " + _("The same month last year it sold %(last)s.") % {
                "last": soles(p["last_year"])
            }
        return recommendation_title(code), text
    if code == "go_online":
        return recommendation_title(code), _(
            "It does not sell online, while %(share)s of its peers do. Digital tools can help it "
            "reach their customers."
        ) % {"share": percent(p["share"], 0)}
    if code == "short_history":
        months = int(p.get("months", 0))
        return recommendation_title(code), ngettext(
            "Only %(months)d month of records: forecasts become reliable with 12 months or more. "
            "Ask the business for its earlier months.",
            "Only %(months)d months of records: forecasts become reliable with 12 months or more. "
            "Ask the business for its earlier months.",
            months,
        ) % {"months": months}
    if code == "new_business":
        months = int(p.get("months", 0))
        started = dt.date.fromisoformat(p["founded"])
        return recommendation_title(code), ngettext(
            "It started trading in %(started)s and has %(months)d month of records: there are no "
            "earlier months to ask for. Forecasts become reliable with 12 months; record every "
            "month until then.",
            "It started trading in %(started)s and has %(months)d months of records: there are "
            "no earlier months to ask for. Forecasts become reliable with 12 months; record every "
            "month until then.",
            months,
        ) % {"started": month(started), "months": months}
    if code == "stale_data":
        months = int(p.get("months", 0))
        since = month(dt.date.fromisoformat(p["last_period"]))
        return recommendation_title(code), ngettext(
            "No record since %(since)s (%(months)d month): its forecast and growth probability "
            "are withheld. Visit or call the business to learn whether it still trades, and "
            "record its missing months.",
            "No record since %(since)s (%(months)d months): its forecast and growth probability "
            "are withheld. Visit or call the business to learn whether it still trades, and "
            "record its missing months.",
            months,
        ) % {"since": since, "months": months}
    if code in ("sunat_deregistered", "sunat_not_located"):
        said = sunat_flag_text(p["status"], p["condition"], dt.date.fromisoformat(p["since"]))
        if code == "sunat_deregistered":
            return recommendation_title(code), said + ". " + _(
                "SUNAT has deregistered it: its forecast is withheld and no financing programme "
                "applies. Visit or call the business to learn whether it still trades; if it "
                "does, help it reactivate its RUC with SUNAT before anything else."
            )
        return recommendation_title(code), said + ". " + _(
            "SUNAT cannot find the business at its fiscal address. Help it update its address "
            "with SUNAT and formalise: PRODUCE's Tu Empresa programme advises on it for free."
        )
    return recommendation_title(code), ""
