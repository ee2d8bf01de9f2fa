"""One market trend everywhere: on an unbalanced panel (businesses entering and leaving the
data), the business page's "Its market", the market page and the API's latest month show the
same matched-panel figures, computed here by hand from the records."""

import datetime as dt
from decimal import Decimal

import numpy as np
import pytest
from django.core.cache import cache
from django.urls import reverse

from forecasting.advice.rules import rule_slower_than_sector
from forecasting.advice.services import advice_compute_now
from forecasting.engine.serving import ServingResult
from forecasting.models import Advice, ModelKind, ModelVersion
from forecasting.scoring import snapshot as scoring
from tests.factories import BusinessFactory, MonthlyRecordFactory
from tests.unit.api.conftest import session_client

pytestmark = pytest.mark.django_db

LAST = 35  # the cut-off: month 35 of a panel starting January 2022 (December 2024)


def month(i: int) -> dt.date:
    return dt.date(2022 + i // 12, i % 12 + 1, 1)


# business: {month: sales}. Three steady reporters, an entrant 6 months before the cut-off, a
# business that stopped a year before, one with exactly 6 months in the year before (counted)
# and one with 5 (not counted). The entrant and the leaver are large, so counting them would
# move the figures a lot.
SALES = {
    "steady": dict.fromkeys(range(36), 1000.0),
    "growing": {i: 2000.0 * 1.2 ** (i / 12) for i in range(36)},
    "falling": {i: 3000.0 * 0.9 ** (i / 12) + (i % 3) * 50 for i in range(36)},
    "entrant": {i: 50_000.0 + 100 * i for i in range(30, 36)},
    "leaver": dict.fromkeys(range(24), 30000.0),
    "six_before": {i: 4000.0 + 10 * i for i in range(18, 36)},
    "five_before": dict.fromkeys(range(19, 36), 40000.0),
}
SALES = {name: {i: round(v, 2) for i, v in sales.items()} for name, sales in SALES.items()}


def matched_growth(width: int, need: int) -> tuple[float, int]:
    """By hand: the businesses with ``need`` months in both windows, their summed means."""
    last = range(LAST - width + 1, LAST + 1)
    prev = range(LAST - 2 * width + 1, LAST - width + 1)
    now = before = n = 0
    for sales in SALES.values():
        a, b = [sales[m] for m in last if m in sales], [sales[m] for m in prev if m in sales]
        if len(a) >= need and len(b) >= need:
            now, before, n = now + np.mean(a), before + np.mean(b), n + 1
    return now / before - 1, n


class _Forecaster:
    """A stand-in production forecaster: the market figures do not depend on the models."""

    horizons = (1, 2, 3)


class _Classifier:
    family_ = "stand-in"


class _Serving:
    """Stands in for the serving path (forecasting.engine.serving.ServingModels): the same
    expected sales and probability for every business."""

    def __init__(self, forecaster, classifier):
        self.horizons = list(forecaster.horizons)

    def predict(self, features, *, top: int = 5, explain: bool = True) -> ServingResult:
        n, k = len(features), len(self.horizons)
        return ServingResult(
            horizons=self.horizons,
            forecast={stat: np.full((k, n), 1000.0) for stat in ("mean", "p10", "p50", "p90")},
            flags={
                "short_history": np.zeros(n, dtype=bool),
                "reason": np.full(n, "", dtype=object),
                "intermittent": np.zeros(n, dtype=bool),
            },
            probability=np.full(n, 0.5),
            drivers=[[] for _ in range(n)] if explain else [],
        )

    def explain(self, features, top: int = 5):
        return [[] for _ in range(len(features))]


@pytest.fixture
def stand_in_models(monkeypatch, settings):
    settings.SCORING_SNAPSHOT_REFRESH_SECONDS = 0
    versions = [
        ModelVersion.objects.create(kind=kind, version=1, status="production")
        for kind in (ModelKind.FORECASTER, ModelKind.GROWTH)
    ]
    models = (versions[0], _Forecaster(), versions[1], _Classifier())
    monkeypatch.setattr(scoring, "production_pair", lambda: models)
    monkeypatch.setattr(scoring, "ServingModels", _Serving)
    monkeypatch.setattr(scoring, "_served", lambda _fv, forecaster, _gv, c: _Serving(forecaster, c))
    scoring.scoring_snapshots.clear()
    cache.clear()
    yield
    scoring.scoring_snapshots.clear()
    cache.clear()


def test_every_surface_shows_the_same_matched_panel_trend(
    client, advisor, stand_in_models, settings
):
    # the one definition, with disclosure control out of the way (its own tests are in
    # test_disclosure.py): the advisor holds one business, which does not count for her
    settings.DISCLOSURE_MIN_CONTRIBUTORS = 1
    settings.DISCLOSURE_DOMINANCE_K = 100
    settings.DISCLOSURE_P_PERCENT = 0
    businesses = {}
    for name, sales in SALES.items():
        holder = advisor if name == "steady" else None
        b = BusinessFactory(advisor=holder, sector_id="47", region_id="15", ubigeo="150101")
        for i, value in sales.items():
            MonthlyRecordFactory(business=b, period=month(i), sales=Decimal(str(value)), costs=None)
        businesses[name] = b
    yoy, n12 = matched_growth(12, 6)
    momentum, _n3 = matched_growth(3, 2)
    assert n12 == 4  # steady, growing, falling, six_before: not the entrant, leaver, five_before
    # totals over whoever reported would say otherwise: entrants must not read as growth
    last_12 = sum(s[m] for s in SALES.values() for m in range(24, 36) if m in s)
    prev_12 = sum(s[m] for s in SALES.values() for m in range(12, 24) if m in s)
    assert abs((last_12 / prev_12 - 1) - yoy) > 0.2

    # the business page (through the advice computed with the scoring snapshot)
    advice = advice_compute_now(business=businesses["steady"], user=advisor)
    assert advice.status == Advice.Status.READY, advice.error
    client.force_login(advisor)
    detail = client.get(reverse("businesses:detail", args=[businesses["steady"].pk]))
    shown = detail.context["advice"].market_trend
    assert shown["yoy_growth"] == pytest.approx(yoy, rel=1e-6)
    assert shown["momentum_3m"] == pytest.approx(momentum, rel=1e-6)
    assert shown["businesses"] == n12
    html = detail.content.decode()
    assert "Empresas comparadas, interanual</dt><dd>4</dd>" in html

    # the advice rule compares a business (here one falling ~10 % a year) with the same figure
    score = scoring.score_business(businesses["falling"].pk)
    assert score.market_trend["yoy_growth"] == shown["yoy_growth"]
    assert rule_slower_than_sector(score).params["sector_growth"] == shown["yoy_growth"]

    # the market page
    page = client.get(reverse("businesses:market_trends"), {"region": "15", "sector": "47"})
    selected = page.context["selected"]
    assert page.context["last"] == month(LAST)
    assert (selected["yoy"], selected["momentum"], selected["businesses"]) == (
        shown["yoy_growth"],
        shown["momentum_3m"],
        shown["businesses"],
    )
    assert page.context["series"][-1]["yoy"] == shown["yoy_growth"]

    # the API's latest month
    rows = session_client(advisor, "es").get(
        "/api/v1/market-trends/", {"sector": "47", "region": "15", "page_size": 500}
    )
    assert rows.status_code == 200, rows.json()
    latest = rows.json()["results"][-1]
    assert latest["period"] == "2024-12"
    assert (latest["yoy_growth_12m"], latest["momentum_3m"], latest["businesses_12m"]) == (
        shown["yoy_growth"],
        shown["momentum_3m"],
        shown["businesses"],
    )
