"""Advice rules, one by one: each fires on its condition, stays quiet otherwise, and its
rationale quotes the numbers behind it."""

import pytest
from django.utils import translation

from forecasting.advice import rules as advice
from forecasting.scoring.snapshot import BusinessScore


def forecast(*means, short=False):
    return [
        {"horizon": h, "period": f"2025-{h:02d}-01", "mean": m, "p10": m * 0.7, "p50": m,
         "p90": m * 1.4, "short_history": short, "reason": "", "intermittent": False}
        for h, m in enumerate(means, start=1)
    ]  # fmt: skip


def score(**kwargs) -> BusinessScore:
    """A calm business: no rule fires."""
    base = {
        "business_id": 1,
        "forecast": forecast(10_000, 10_000, 10_000, 10_000, 10_000, 10_000),
        "growth_probability": 0.4,
        "benchmarks": {
            "peers": 20,
            "margin": {"value": 0.25, "p25": 0.18, "p50": 0.25, "n": 20},
            "online_share": 0.1,
        },
        "market_trend": {"yoy_growth": 0.05},
        "profile": {
            "last_3_mean": 10_000.0,
            "last_12_mean": 10_000.0,
            "yoy_growth": 0.04,
            "satisfaction_last": 2.0,
            "satisfaction_mean_12": 1.6,
            "sells_online": False,
            "months_observed": 36,
        },
    }
    for key, value in kwargs.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            base[key] = {**base[key], **value}
        else:
            base[key] = value
    return BusinessScore(**base)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def test_a_calm_business_gets_no_recommendation():
    assert advice.recommendations_for(score()) == []


def test_falling_forecast():
    falling = score(forecast=forecast(8_500, 8_700, 8_800, 9_000, 9_000, 9_000))
    draft = advice.rule_falling_forecast(falling)
    assert draft.code == "falling_forecast" and draft.priority == 1
    assert "S/ 8,666.67" in draft.rationale and "S/ 10,000.00" in draft.rationale
    assert "13.3 %" in draft.rationale
    assert draft.programme_code == "compras-a-myperu"
    # a 10 % drop is not "more than 10 %"
    assert advice.rule_falling_forecast(score(forecast=forecast(9_000, 9_000, 9_000))) is None


@pytest.mark.parametrize("flag", ["short_history", "intermittent", "models_disagree"])
def test_an_uncertain_forecast_is_not_called_a_fall(flag):
    """A fall of 60 % on a forecast the caseload calls uncertain (short or intermittent history,
    or the two models more than a factor of two apart in one of the first three months): the
    caseload raises no alert for it, and the advice says nothing of a fall either."""
    months = forecast(4_000, 4_000, 4_000, 9_000, 9_000, 9_000)
    months[2][flag] = True
    assert advice.rule_falling_forecast(score(forecast=months)) is None
    assert "falling_forecast" not in [
        d.code for d in advice.recommendations_for(score(forecast=months))
    ]
    later = forecast(4_000, 4_000, 4_000, 9_000, 9_000, 9_000)
    later[3][flag] = True  # the fourth month is not the first three's
    assert advice.rule_falling_forecast(score(forecast=later)).code == "falling_forecast"


def test_growth_opportunity():
    drivers = [{"label_es": "ventas en alza", "label_en": "rising sales", "direction": "up"}]
    draft = advice.rule_growth_opportunity(score(growth_probability=0.74, drivers=drivers))
    assert draft.code == "growth_opportunity" and draft.priority == 1
    assert "74 %" in draft.rationale and "rising sales" in draft.rationale
    assert draft.programme_code == "tu-empresa-financiamiento"
    with translation.override("es"):
        assert "ventas en alza" in draft.rationale
    assert advice.rule_growth_opportunity(score(growth_probability=0.69)) is None
    assert advice.rule_growth_opportunity(score(growth_probability=None)) is None


def test_a_falling_forecast_in_a_likely_grower_is_one_recommendation_with_both_numbers():
    # the next quarter falls 13 % while the coming year is 78 % likely to grow: side by side,
    # "look for new buyers" and "ready for financing" contradicted each other
    both = score(
        forecast=forecast(8_500, 8_700, 8_800, 12_000, 12_500, 13_000),
        growth_probability=0.78,
        drivers=[{"label_es": "ventas", "label_en": "sales", "direction": "up"}],
    )
    assert advice.rule_falling_forecast(both) and advice.rule_growth_opportunity(both)
    drafts = advice.recommendations_for(both)
    codes = [d.code for d in drafts]
    assert "falling_forecast" not in codes and "growth_opportunity" not in codes
    assert codes.count("growth_with_dip") == 1
    (draft,) = [d for d in drafts if d.code == "growth_with_dip"]
    assert draft.priority == advice.HIGH and draft.title == "A growing business with a dip ahead"
    assert "S/ 8,666.67" in draft.rationale and "13.3 %" in draft.rationale  # the dip
    assert "78 %" in draft.rationale and "10 %" in draft.rationale  # the year's growth
    assert draft.programme_code == "tu-empresa-financiamiento"
    with translation.override("es"):
        assert advice.recommendation_title("growth_with_dip") == (
            "Empresa en crecimiento con una baja próxima"
        )
        assert "es una baja en una empresa que crece" in draft.rationale
    # either signal alone stays as it was
    alone = [d.code for d in advice.recommendations_for(score(growth_probability=0.78))]
    assert alone == ["growth_opportunity"]


def test_margin_below_peers():
    low = score(benchmarks={"margin": {"value": 0.08, "p25": 0.18, "p50": 0.25, "n": 20}})
    draft = advice.rule_margin_below_peers(low)
    assert draft.code == "margin_below_peers"
    assert "8.0 %" in draft.rationale and "18.0 %" in draft.rationale
    assert advice.rule_margin_below_peers(score()) is None
    no_costs = score(benchmarks={"margin": {"value": None, "p25": 0.18, "n": 20}})
    assert advice.rule_margin_below_peers(no_costs) is None


def test_low_satisfaction():
    latest_low = advice.rule_low_satisfaction(score(profile={"satisfaction_last": 0.0}))
    assert latest_low.code == "low_satisfaction" and "low" in latest_low.rationale
    mean_low = advice.rule_low_satisfaction(
        score(profile={"satisfaction_last": 1.0, "satisfaction_mean_12": 0.8})
    )
    assert mean_low is not None and "0.8" in mean_low.rationale
    assert advice.rule_low_satisfaction(score()) is None
    unknown = score(profile={"satisfaction_last": None, "satisfaction_mean_12": None})
    assert advice.rule_low_satisfaction(unknown) is None


def test_slower_than_sector():
    slow = score(profile={"yoy_growth": -0.02}, market_trend={"yoy_growth": 0.12})
    draft = advice.rule_slower_than_sector(slow)
    assert draft.code == "slower_than_sector"
    assert "-2.0 %" in draft.rationale and "12.0 %" in draft.rationale and "14.0" in draft.rationale
    close = score(profile={"yoy_growth": 0.03}, market_trend={"yoy_growth": 0.12})
    assert advice.rule_slower_than_sector(close) is None
    assert advice.rule_slower_than_sector(score(market_trend={"yoy_growth": None})) is None


def _last_year(*values):
    return {"same_month_last_year": list(values)}


def test_seasonal_peak_fires_for_a_peak_the_business_had_last_year_too():
    peak = score(
        forecast=forecast(10_000, 10_000, 10_000, 13_000, 10_000, 10_000),
        profile=_last_year(9_500, 10_200, 9_800, 13_400, 9_900, 10_100),
    )
    draft = advice.rule_seasonal_peak(peak)
    assert draft.code == "seasonal_peak" and draft.params["period"] == "2025-04-01"
    assert "S/ 13,000.00" in draft.rationale and "04/2025" in draft.rationale
    assert "30.0 %" in draft.rationale  # above the 12-month mean of S/ 10,000
    assert "S/ 13,400.00" in draft.rationale  # the same month last year


def test_seasonal_peak_needs_the_same_month_last_year_to_have_peaked():
    # The forecast has a bump, but last year that month was ordinary: no season to prepare for.
    no_history = score(
        forecast=forecast(10_000, 10_000, 10_000, 13_000, 10_000, 10_000),
        profile=_last_year(9_500, 10_200, 9_800, 10_300, 9_900, 10_100),
    )
    assert advice.rule_seasonal_peak(no_history) is None
    unknown = score(
        forecast=forecast(10_000, 10_000, 10_000, 13_000, 10_000, 10_000),
        profile=_last_year(None, None, None, None, None, None),
    )
    assert advice.rule_seasonal_peak(unknown) is None


def test_a_forecast_that_is_higher_everywhere_is_growth_not_a_peak():
    # Every month 30 % above the past year's mean (growth, or an expected value's upward
    # bias): the old rule fired on this; nothing stands out, so it is not a seasonal peak.
    higher = score(
        forecast=forecast(13_000, 13_200, 13_100, 13_400, 13_000, 13_300),
        profile=_last_year(13_500, 13_000, 13_600, 13_900, 13_000, 13_200),
    )
    assert advice.rule_seasonal_peak(higher) is None


def test_seasonal_peak_thresholds():
    just_below = score(
        forecast=forecast(10_000, 10_000, 10_000, 12_400, 10_000, 10_000),
        profile=_last_year(10_000, 10_000, 10_000, 13_000, 10_000, 10_000),
    )
    assert advice.rule_seasonal_peak(just_below) is None  # 24 % < 25 % above the mean
    short = score(
        forecast=forecast(10_000, 10_000, 10_000, 13_000, 10_000, 10_000, short=True),
        profile=_last_year(10_000, 10_000, 10_000, 13_000, 10_000, 10_000),
    )
    assert advice.rule_seasonal_peak(short) is None  # a short history has no season to read
    young = score(
        forecast=forecast(10_000, 10_000, 10_000, 13_000, 10_000, 10_000),
        profile={
            **_last_year(10_000, 10_000, 10_000, 13_000, 10_000, 10_000),
            "months_observed": 9,
        },
    )
    assert advice.rule_seasonal_peak(young) is None


def test_go_online():
    draft = advice.rule_go_online(score(benchmarks={"online_share": 0.45}))
    assert draft.code == "go_online" and "45 %" in draft.rationale
    assert draft.programme_code == "tu-empresa"
    assert advice.rule_go_online(score(benchmarks={"online_share": 0.29})) is None
    already = score(benchmarks={"online_share": 0.6}, profile={"sells_online": True})
    assert advice.rule_go_online(already) is None


def test_short_history():
    short = score(forecast=forecast(100, 100, 100, short=True), profile={"months_observed": 5})
    draft = advice.rule_short_history(short)
    assert draft.code == "short_history" and draft.priority == 3
    assert "Only 5 months" in draft.rationale
    one = advice.rule_short_history(score(profile={"months_observed": 1}))
    assert "Only 1 month of" in one.rationale
    none = advice.rule_short_history(BusinessScore(business_id=1, has_records=False))
    assert none.priority == 1 and "Only 0 months" in none.rationale
    assert advice.rule_short_history(score()) is None


def test_a_young_business_is_not_asked_for_months_it_never_had():
    import datetime as dt

    young = score(
        cutoff=dt.date(2026, 11, 1),
        forecast=forecast(100, 100, 100, short=True),
        profile={"months_observed": 4, "founded": "2026-08-01"},
    )
    draft = advice.rule_short_history(young)
    assert draft.code == "new_business"
    assert "08/2026" in draft.rationale and "no earlier months to ask for" in draft.rationale
    with translation.override("es"):
        assert "Pida" not in draft.title + draft.rationale
    # an older business with gaps is still asked for its earlier months
    older = score(
        cutoff=dt.date(2026, 11, 1),
        forecast=forecast(100, 100, 100, short=True),
        profile={"months_observed": 4, "founded": "2015-03-01"},
    )
    assert advice.rule_short_history(older).code == "short_history"


def test_recommendations_are_ordered_by_priority_and_spoken_in_spanish():
    busy = score(
        growth_probability=0.8,
        benchmarks={"online_share": 0.5},
        profile={"satisfaction_last": 0.0},
        forecast=forecast(8_000, 8_000, 8_000),
    )
    drafts = advice.recommendations_for(busy)
    assert [d.code for d in drafts] == [
        "growth_with_dip",  # a falling forecast and a growth opportunity, reconciled
        "low_satisfaction",
        "go_online",
    ]
    with translation.override("es"):
        assert "S/ 8,000.00" in drafts[0].rationale


def test_a_young_business_is_told_so_in_spanish():
    import datetime as dt

    young = score(
        cutoff=dt.date(2026, 11, 1),
        forecast=forecast(100, 100, 100, short=True),
        profile={"months_observed": 4, "founded": "2026-08-01"},
    )
    with translation.override("es"):
        title, rationale = advice.recommendation_text(
            "new_business", advice.rule_short_history(young).params
        )
    assert title == "Una empresa joven: registre cada mes"
    assert "Empezó a operar en 08/2026 y tiene 4 meses registrados" in rationale
