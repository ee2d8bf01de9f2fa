"""The reasons behind a growth probability, said in the reader's language.

The engine groups the contributions of a family of features into one reason and hands over the
raw values the reason quotes (:mod:`forecasting.engine.reasons`); this module turns each reason
into one sentence with its numbers ("Staff: 4 workers now; the year's average headcount is
60.0 % above the year before."). It is the one place the business page, the API's ``drivers``
and the owner's PDF take their reasons from (:func:`reasons_in_words`).

Advice stored before the grouping has one driver per feature column: :func:`reasons_in_words`
groups those by family as well, so an old advice reads as a new one.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

from django.utils.text import capfirst
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from core.templatetags.asesor_format import percent, soles
from forecasting.engine import reasons as catalogue

STEADY = 0.005  # a change smaller than half a percent is said as "unchanged"


def _english() -> bool:
    return (get_language() or "es").startswith("en")


def _num(value) -> float | None:
    if value is None or isinstance(value, (str, bool)):
        return None
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(value) else value


def _change(log_ratio: float | None) -> float | None:
    return None if log_ratio is None else math.expm1(log_ratio)


def _workers(n: float) -> str:
    count = round(n)
    return ngettext("%(n)d worker", "%(n)d workers", count) % {"n": count}


# The headcount 12 months before the latest: not a feature column yet (the feature row has the
# latest headcount and the change of the yearly averages only). Once the engine's feature row
# and the staff family's facts carry it under this name, the reason says "went from 2 to 4".
STAFF_A_YEAR_EARLIER = "employees_12m_ago"


def _staff(f: dict) -> str | None:
    now = _num(f.get("employees_last"))
    change = _change(_num(f.get("employees_growth_yoy")))
    if now is None:
        return _("It has not reported its staff in the last 12 months.")
    before = _num(f.get(STAFF_A_YEAR_EARLIER))
    if before is not None and round(before) != round(now):
        return ngettext(
            "Staff went from %(before)d to %(now)d worker over the last 12 months.",
            "Staff went from %(before)d to %(now)d workers over the last 12 months.",
            round(now),
        ) % {"before": round(before), "now": round(now)}
    if change is None:
        return _("Staff: %(workers)s.") % {"workers": _workers(now)}
    if abs(change) < STEADY:
        return _("Staff unchanged over the last two years: %(workers)s.") % {
            "workers": _workers(now)
        }
    words = {"workers": _workers(now), "change": percent(abs(change))}
    if change > 0:
        return (
            _(
                "Staff: %(workers)s now; the last 12 months' average headcount is %(change)s above "
                "that of the 12 months before."
            )
            % words
        )
    return (
        _(
            "Staff: %(workers)s now; the last 12 months' average headcount is %(change)s below "
            "that of the 12 months before."
        )
        % words
    )


def _above_below(change: float, above: str, below: str, same: str) -> str:
    if abs(change) < STEADY:
        return same
    return (above if change > 0 else below) % {"change": percent(abs(change))}


def _sales_yoy(f: dict) -> str | None:
    change = _change(_num(f.get("growth_yoy")))
    if change is not None:
        return _above_below(
            change,
            _("Sales of the last 3 months are %(change)s above the same months a year earlier."),
            _("Sales of the last 3 months are %(change)s below the same months a year earlier."),
            _("Sales of the last 3 months are the same as in the same months a year earlier."),
        )
    change = _change(_num(f.get("growth_12m")))
    if change is not None:
        return _above_below(
            change,
            _("Sales of the last 12 months are %(change)s above the 12 months before."),
            _("Sales of the last 12 months are %(change)s below the 12 months before."),
            _("Sales of the last 12 months are the same as in the 12 months before."),
        )
    return None


def _sales_recent(f: dict) -> str | None:
    change = _change(_num(f.get("level_vs_mean_12")))
    if change is None:
        change = _change(_num(f.get("kf_level_vs_mean_12")))
    if change is not None:
        return _above_below(
            change,
            _("Sales of the last 3 months are %(change)s above its monthly average of the year."),
            _("Sales of the last 3 months are %(change)s below its monthly average of the year."),
            _("Sales of the last 3 months are at its monthly average of the year."),
        )
    change = _change(_num(f.get("growth_3m")))
    if change is not None:
        return _above_below(
            change,
            _("Sales of the last 3 months are %(change)s above the 3 months before."),
            _("Sales of the last 3 months are %(change)s below the 3 months before."),
            _("Sales of the last 3 months are the same as in the 3 months before."),
        )
    return None


def _sales_trend(f: dict) -> str | None:
    slope = _num(f.get("trend_sa_12"))
    if slope is None:
        slope = _num(f.get("trend_slope_12"))
    if slope is None:
        slope = _num(f.get("trend_sa_24"))
        if slope is None:
            return None
        return _above_below(
            math.expm1(slope),
            _("Over the last 24 months its sales rose about %(change)s a month."),
            _("Over the last 24 months its sales fell about %(change)s a month."),
            _("Over the last 24 months its sales held steady, seasons aside."),
        )
    return _above_below(
        math.expm1(slope),
        _("Over the last 12 months its sales rose about %(change)s a month."),
        _("Over the last 12 months its sales fell about %(change)s a month."),
        _("Over the last 12 months its sales held steady, seasons aside."),
    )


def _sales_outlook(f: dict) -> str | None:
    change = _change(_num(f.get("expected_growth_12")))
    if change is None:
        return None
    return _above_below(
        change,
        _("Its current level and its seasons point to sales %(change)s above the last 12 months'."),
        _("Its current level and its seasons point to sales %(change)s below the last 12 months'."),
        _("Its current level and its seasons point to sales like the last 12 months'."),
    )


def _sales_level(f: dict) -> str | None:
    level = _num(f.get("sales_mean_12_raw"))
    if level is None:
        return None
    return _("It sells %(amount)s a month on average (last 12 months).") % {
        "amount": soles(math.expm1(level))
    }


def _volatility(f: dict) -> str | None:
    sd = _num(f.get("noise_sd"))
    if sd is None:
        return None
    return _("Its sales move about %(change)s from one month to the next.") % {
        "change": percent(math.expm1(sd), 0)
    }


def _seasonality(f: dict) -> str | None:
    amplitude = _num(f.get("seasonal_amplitude"))
    if amplitude is None:
        return None
    return _("Its seasonal swings are %(share)s of those of its sector in its region.") % {
        "share": percent(amplitude, 0)
    }


def _history(f: dict) -> str | None:
    months = _num(f.get("months_observed"))
    if months is None:
        return None
    n, recent = round(months), round(_num(f.get("months_observed_12")) or 0)
    text = ngettext(
        "%(n)d month of records, %(recent)d of them in the last 12 months.",
        "%(n)d months of records, %(recent)d of them in the last 12 months.",
        n,
    ) % {"n": n, "recent": recent}
    since = round(_num(f.get("months_since_last")) or 0)
    if since > 0:
        text += " " + ngettext(
            "The latest report is %(k)d month old.", "The latest report is %(k)d months old.", since
        ) % {"k": since}
    return text


def _zero_months(f: dict) -> str | None:
    share = _num(f.get("share_zero_24"))
    if share is None:
        share = _num(f.get("share_zero"))
    if share is None:
        return None
    if share == 0:
        return _("It had sales in every month it recorded in the last two years.")
    return _("%(share)s of the months it recorded in the last two years had no sales.") % {
        "share": capfirst(percent(share, 0))
    }


def _margin(f: dict) -> str | None:
    margin = _num(f.get("margin_mean_12"))
    reports = _num(f.get("reports_costs"))
    if margin is None or reports == 0:
        return _("It does not report its costs, so its margin is unknown.")
    return _("Its average margin over the last 12 months is %(margin)s.") % {
        "margin": percent(margin)
    }


def _satisfaction(f: dict) -> str | None:
    last = _num(f.get("satisfaction_last"))
    mean = _num(f.get("satisfaction_mean_12"))
    if last is None and mean is None:
        return _("It does not report customer satisfaction.")
    levels = {0: _("low"), 1: _("medium"), 2: _("high")}
    level = levels.get(round(last), "—") if last is not None else "—"
    return _(
        "Latest customer satisfaction: %(level)s (average %(mean)s over the year, from 0 low to "
        "2 high)."
    ) % {"level": level, "mean": "—" if mean is None else f"{mean:.1f}"}


def _age(f: dict) -> str | None:
    months = _num(f.get("age_months"))
    if months is None:
        return None
    if months >= 24:
        years = int(months // 12)
        return ngettext("In business for %(n)d year.", "In business for %(n)d years.", years) % {
            "n": years
        }
    n = max(round(months), 0)
    return ngettext("In business for %(n)d month.", "In business for %(n)d months.", n) % {"n": n}


def _yes_no(value, yes: str, no: str) -> str | None:
    value = _num(value)
    return None if value is None else (yes if value >= 0.5 else no)


def _peers_growth(f: dict) -> str | None:
    change = _change(_num(f.get("sector_region_growth_yoy")))
    if change is not None:
        return _above_below(
            change,
            _("Businesses of its sector in its region sell %(change)s more than a year earlier."),
            _("Businesses of its sector in its region sell %(change)s less than a year earlier."),
            _("Businesses of its sector in its region sell as much as a year earlier."),
        )
    change = _change(_num(f.get("sector_growth_yoy")))
    if change is not None:
        return _above_below(
            change,
            _("Businesses of its sector sell %(change)s more than a year earlier."),
            _("Businesses of its sector sell %(change)s less than a year earlier."),
            _("Businesses of its sector sell as much as a year earlier."),
        )
    return None


def _peers_level(f: dict) -> str | None:
    ratio = _num(f.get("log_sales_vs_sector_region"))
    if ratio is not None:
        return _compared(
            math.exp(ratio),
            _(
                "It sells %(times)s times as much as the average business of its sector in its "
                "region."
            ),
            _("It sells %(change)s more than the average business of its sector in its region."),
            _("It sells %(change)s less than the average business of its sector in its region."),
            _("It sells as much as the average business of its sector in its region."),
        )
    ratio = _num(f.get("log_sales_vs_sector"))
    if ratio is None:
        return None
    return _compared(
        math.exp(ratio),
        _("It sells %(times)s times as much as the average business of its sector."),
        _("It sells %(change)s more than the average business of its sector."),
        _("It sells %(change)s less than the average business of its sector."),
        _("It sells as much as the average business of its sector."),
    )


def _compared(times: float, many: str, above: str, below: str, same: str) -> str:
    if times >= 2:
        return many % {"times": f"{times:.1f}"}
    return _above_below(times - 1, above, below, same)


def _market(f: dict) -> str | None:
    for column, value in f.items():
        change = _change(_num(value))
        indicator = catalogue.market_indicator(column)
        if change is None or indicator is None:
            continue
        es, en = catalogue.indicator_words(indicator)
        name = capfirst(en if _english() else es)
        words = {"indicator": name, "change": percent(abs(change))}
        if abs(change) < STEADY:
            return _("%(indicator)s: the same as a year earlier.") % words
        if change > 0:
            return _("%(indicator)s: %(change)s above a year earlier.") % words
        return _("%(indicator)s: %(change)s below a year earlier.") % words
    return None


def _activity(f: dict) -> str | None:
    division = f.get("sector_division")
    if not division:
        return None
    return _("Its activity (CIIU division %(division)s) and its region as such.") % {
        "division": division
    }


SENTENCES: dict[str, Callable[[dict], str | None]] = {
    "staff": _staff,
    "sales_yoy": _sales_yoy,
    "sales_recent": _sales_recent,
    "sales_trend": _sales_trend,
    "sales_outlook": _sales_outlook,
    "sales_level": _sales_level,
    "volatility": _volatility,
    "seasonality": _seasonality,
    "history": _history,
    "zero_months": _zero_months,
    "margin": _margin,
    "satisfaction": _satisfaction,
    "age": _age,
    "women_led": lambda f: _yes_no(f.get("women_led"), _("Led by women."), _("Not led by women.")),
    "online": lambda f: _yes_no(
        f.get("sells_online"), _("It sells online."), _("It does not sell online.")
    ),
    "peers_growth": _peers_growth,
    "peers_level": _peers_level,
    "market": _market,
    "activity": _activity,
}


def reason_label(reason: dict) -> str:
    """A reason's short name in the reader's language (its family's)."""
    return reason.get("label_en" if _english() else "label_es") or reason.get("feature", "")


def reason_text(reason: dict) -> str:
    """One reason as a sentence with its numbers, in the reader's language; its name alone when
    the values it quotes are missing."""
    say = SENTENCES.get(reason.get("family", ""))
    text = say(reason.get("facts") or {}) if say else None
    return text or capfirst(reason_label(reason))


def _grouped(drivers: Iterable[dict]) -> list[dict]:
    """Drivers of an advice stored before the grouping (one per column, no ``family``) grouped
    by family: contributions added, the values at hand kept as facts; grouped ones unchanged."""
    drivers = list(drivers)
    if all("family" in d for d in drivers):
        return drivers
    families: dict[str, dict] = {}
    for d in drivers:
        code = d.get("family") or catalogue.family_of(d.get("feature", ""))
        es, en = catalogue.family_labels(code)
        entry = families.setdefault(
            code,
            {
                "family": code,
                "feature": d.get("feature", ""),
                "label_es": es,
                "label_en": en,
                "value": d.get("value"),
                "contribution": 0.0,
                "features": [],
                "facts": {},
            },
        )
        entry["contribution"] += float(d.get("contribution") or 0.0)
        entry["features"].append(d.get("feature", ""))
        entry["facts"][d.get("feature", "")] = d.get("value")
        entry["facts"].update(d.get("facts") or {})
    out = [
        {**e, "direction": "up" if e["contribution"] > 0 else "down"}
        for e in families.values()
        if abs(e["contribution"]) >= catalogue.MIN_CONTRIBUTION
    ]
    return sorted(out, key=lambda e: -abs(e["contribution"]))


def without_peer_figures(drivers: list[dict] | None) -> list[dict]:
    """``drivers`` with every figure computed from other businesses' sales taken out (the
    value and facts of the peer families and any group feature's fact): their direction and
    contribution stay, their sentence falls back to the family's name. Applied wherever the
    group's statistics are not published under the disclosure rules (a withheld market trend,
    a forecast for a business outside the registry)."""
    out = []
    for d in drivers or []:
        peer = d.get("family") in catalogue.PEER_FAMILIES or catalogue.GROUP_FEATURE.match(
            d.get("feature") or ""
        )
        facts = {
            k: v for k, v in (d.get("facts") or {}).items() if not catalogue.GROUP_FEATURE.match(k)
        }
        out.append({**d, "facts": {} if peer else facts, **({"value": None} if peer else {})})
    return out


def reasons_in_words(drivers: Iterable[dict] | None, *, top: int | None = None) -> list[dict]:
    """The reasons of a growth probability as every surface shows them: each driver with its
    ``label`` and ``text`` (the sentence) in the reader's language, largest first."""
    reasons = _grouped(drivers or [])
    if top is not None:
        reasons = reasons[:top]
    return [{**r, "label": reason_label(r), "text": reason_text(r)} for r in reasons]


def group_reasons_in_words(
    driver_lists: Iterable[Iterable[dict] | None], *, top: int = 3, min_businesses: int = 1
) -> dict[str, list[dict]]:
    """The reasons behind many businesses' growth probabilities together (the opportunity map's
    drill-down), from :func:`forecasting.engine.reasons.aggregate_reasons`: ``up``, the ``top``
    families that raise the group's growth probabilities most on average, and ``down``, those
    that lower them most; each with its ``label`` and ``text`` in the reader's language. A
    family is said only when it moves more of the businesses its way than the other way, and
    at least ``min_businesses`` of them (the disclosure threshold: a group's reason is never one
    business's)."""
    reasons = catalogue.aggregate_reasons([list(d or []) for d in driver_lists])

    def worded(r: dict) -> dict:
        words = {"up": r["up"], "down": r["down"], "n": r["n"]}
        text = ngettext(
            "It raises the growth probability of %(up)d of %(n)d business and lowers that of "
            "%(down)d.",
            "It raises the growth probability of %(up)d of %(n)d businesses and lowers that of "
            "%(down)d.",
            r["n"],
        )
        return {**r, "label": capfirst(reason_label(r)), "text": text % words}

    up = [
        worded(r)
        for r in reasons
        if r["mean"] > 0 and r["up"] > r["down"] and r["up"] >= min_businesses
    ][:top]
    down = [
        worded(r)
        for r in reversed(reasons)
        if r["mean"] < 0 and r["down"] > r["up"] and r["down"] >= min_businesses
    ][:top]
    return {"up": up, "down": down}
