"""Advice an advisor can act on, as the advisor and her supervisor see it in Chromium: the growth
reasons said as facts with their values (one per fact, only those that count), a falling
forecast and a growth opportunity reconciled into one recommendation with its programme in full,
and the supervisor's dashboard in words (no internal codes) that fits a 1366 px screen.

The advice is stored through the site's own code (``manage.py shell``): the reasons by the
engine's grouping of a known row of contributions, the recommendations by the rules on a score
that fires both a falling forecast and a growth opportunity — so the page is tested on known
facts rather than on whatever the small test models happen to say."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import _manage, _site_env, login

_SEED = """
import datetime as dt, math
from django.contrib.auth import get_user_model
from django.utils import timezone, translation
from businesses.models import Business, SupportProgramme
from feedback.models import RecommendationFeedback
from forecasting.advice.rules import recommendations_for
from forecasting.engine.reasons import grouped_reasons
from forecasting.models import Advice, Recommendation
from forecasting.scoring.snapshot import BusinessScore

owner = get_user_model().objects.get(username="asesora.lima")
business = Business.objects.filter(advisor=owner, region_id="15").order_by("-pk").first()
# requested and judged by her colleague: her own counts stay those of the advisor-day scenario
user = get_user_model().objects.get(username="asesor.lima")
names = ["employees_last", "employees_growth_yoy", "employees_trend_12", "employees_growth",
         "growth_yoy", "mkt_sector_production_index_chg_12", "women_led"]
row = {"employees_last": 4.0, "employees_growth_yoy": math.log(2.0), "employees_trend_12": 0.06,
       "employees_growth": 0.0, "growth_yoy": math.log(1.18),
       "mkt_sector_production_index_chg_12": math.log(0.95), "women_led": 1.0}
drivers = grouped_reasons([[0.2, 0.3, 0.15, 0.1, 0.4, -0.12, 0.002]], names,
                          lambda _r, c: row.get(c))[0]
forecast = [{"horizon": h, "period": f"2026-{11 + h:02d}-01" if h < 2 else f"2027-{h - 1:02d}-01",
             "mean": m, "p10": m * 0.7, "p50": m * 0.95, "p90": m * 1.4, "short_history": False,
             "reason": "", "intermittent": False}
            for h, m in enumerate([8500.0, 8700.0, 8800.0, 12000.0, 12500.0, 13000.0], start=1)]
profile = {"last_3_mean": 10000.0, "last_12_mean": 10000.0, "months_observed": 36,
           "sells_online": True}
score = BusinessScore(business_id=business.pk, forecast=forecast, growth_probability=0.78,
                      drivers=drivers, profile=profile)
advice = Advice.objects.create(
    business=business, requested_by=user, status="ready", cutoff=dt.date(2026, 11, 1),
    forecast=forecast, growth_probability=0.78, drivers=drivers, profile=profile,
    computed_at=timezone.now())
programmes = {p.code: p for p in SupportProgramme.objects.all()}
with translation.override("es"):
    for i, d in enumerate(recommendations_for(score)):
        rec = Recommendation.objects.create(
            advice=advice, code=d.code, priority=d.priority, title=d.title,
            rationale=d.rationale, params=d.params, position=i,
            programme=programmes.get(d.programme_code or ""))
        RecommendationFeedback.objects.create(recommendation=rec, action="rejected",
                                              created_by=user, comment="visto en campo")
print("SEEDED", business.pk)
"""


@pytest.fixture(scope="module")
def seeded(site) -> int:
    out = _manage(_site_env(site.data_dir), "shell", "-c", _SEED, log=site.logs["setup"])
    return int(out.split("SEEDED")[-1].strip())


def test_an_advisor_reads_reasons_as_facts_and_one_reconciled_recommendation(seeded, page):
    login(page, "asesora.lima")
    page.goto(f"/businesses/{seeded}/")
    reasons = page.locator("ul.drivers li")
    # staff seen through four columns is one fact; a 0.002 contribution is no reason
    expect(reasons).to_have_count(3)
    expect(reasons.nth(0)).to_contain_text(
        "Personal: 4 trabajadores ahora; el promedio de trabajadores de los últimos 12 meses "
        "está 100.0 % sobre el de los 12 meses anteriores."
    )
    expect(reasons.nth(1)).to_contain_text(
        "Las ventas de los últimos 3 meses están 18.0 % sobre las de los mismos meses del año "
        "anterior."
    )
    expect(reasons.nth(2)).to_contain_text(
        "Índice de producción de su sector: 5.0 % debajo del de hace un año."
    )
    for text in reasons.all_inner_texts():
        assert re.search(r"\d", text), text  # every reason says what happened, with its numbers
        assert "«" not in text and "_" not in text

    recs = page.locator("li.recommendation")
    titles = recs.locator(".rec-head strong").all_inner_texts()
    assert "Empresa en crecimiento con una baja próxima" in titles
    assert "Se pronostica una caída de las ventas" not in titles  # not side by side with …
    assert "Gran oportunidad de crecimiento" not in titles  # … a growth opportunity
    merged = recs.filter(has_text="Empresa en crecimiento con una baja próxima")
    expect(merged).to_contain_text("S/ 8,666.67")  # the dip …
    expect(merged).to_contain_text("78 %")  # … and the year's growth, in one message
    programme = merged.locator(".programme")
    expect(programme).to_contain_text("Tu Empresa: acceso a financiamiento")
    expect(programme).to_contain_text("PRODUCE — Programa Nacional Tu Empresa")  # who runs it
    expect(programme).to_contain_text("Pida orientación financiera en el CDE")  # how to apply


def test_a_supervisor_reads_words_not_codes_on_a_1366_px_screen(seeded, new_page):
    page = new_page()
    page.set_viewport_size({"width": 1366, "height": 768})
    login(page, "coordinadora.lima")
    page.goto("/supervision/")
    feed = page.locator("#activity tbody")
    expect(feed).to_contain_text("Rechazada: Empresa en crecimiento con una baja próxima")
    text = page.locator("main").inner_text()
    for code in (
        "growth_with_dip",
        "falling_forecast",
        "growth_opportunity",
        "short_history",
        "margin_below_peers",
        "go_online",
        "seasonal_peak",
        "low_satisfaction",
    ):
        assert code not in text, code
    # the tables fit the screen: no horizontal scrolling of the page or of any table
    overflow = page.evaluate(
        """() => {
            const out = [];
            const root = document.documentElement;
            if (root.scrollWidth > root.clientWidth) out.push(["page", root.scrollWidth,
                                                              root.clientWidth]);
            for (const el of document.querySelectorAll("main table, main .table-wrap")) {
                const box = el.closest(".table-wrap") || el.parentElement;
                if (box.scrollWidth > box.clientWidth)
                    out.push([box.closest("section")?.id, box.scrollWidth, box.clientWidth]);
            }
            return out;
        }"""
    )
    assert overflow == [], overflow
