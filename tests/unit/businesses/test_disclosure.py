"""Statistical disclosure control of the market statistics (businesses/disclosure.py): each test
performs an attack of the security issue and checks that no business's sales come out."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.urls import reverse

from businesses import disclosure
from businesses.market import market_trend_list, market_trends
from businesses.models import MonthlyRecord
from tests.factories import BusinessFactory, MonthlyRecordFactory, valid_ruc
from tests.unit.api.conftest import key_client, session_client
from tests.unit.api.conftest import partner_a as partner_a  # the fixture

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def month(i: int) -> dt.date:
    return dt.date(2022 + i // 12, i % 12 + 1, 1)


def close(a, b) -> bool:
    return a is not None and abs(a - b) <= 0.005 * b


def shop(*, sector="47", region="15", advisor=None, sales=1000.0, months=range(36)):
    b = BusinessFactory(advisor=advisor, sector_id=sector, region_id=region, ubigeo=f"{region}0101")
    for i in months:
        value = sales(i) if callable(sales) else sales
        MonthlyRecordFactory(business=b, period=month(i), sales=Decimal(f"{value:.2f}"), costs=None)
    return b


def test_padding_through_the_partner_api(partner_a):
    """A partner creates two businesses beside a lone one, posts their sales and reads the
    trend: the fakes do not count and the lone business's sales do not come out."""
    victim = shop(region="08", sales=lambda i: 7000.0 + 37 * i)
    client = key_client(partner_a.key)
    fakes = [valid_ruc(777_001), valid_ruc(777_002)]
    for i, ruc in enumerate(fakes):
        body = {"ruc": ruc, "legal_name": f"PRUEBA {i} S.A.C.", "sector": "47", "ubigeo": "080101"}
        assert client.post("/api/v1/businesses/", body, format="json").status_code == 201
    own = {month(i): 15000.0 + 20000.0 for i in range(33, 36)}
    rows = [
        {"ruc": ruc, "period": f"{m:%Y-%m}", "sales": sales}
        for ruc, sales in zip(fakes, (15000.0, 20000.0), strict=True)
        for m in own
    ]
    assert (
        client.post("/api/v1/monthly-records/bulk/", {"rows": rows}, format="json").status_code
        == 200
    )
    answer = client.get(
        "/api/v1/market-trends/", {"sector": "47", "region": "08", "page_size": 500}
    )
    assert answer.status_code == 200
    results = {r["period"]: r for r in answer.json()["results"]}
    for m in own:
        row = results[f"{m:%Y-%m}"]
        truth = float(MonthlyRecord.objects.get(business=victim, period=m).sales)
        assert row["businesses_reporting"] == 1  # the partner's fakes are no contributors
        total = row["sales_total"]
        assert not any(close(v, truth) for v in (total, (total or 0) - own[m], (total or 0) / 3))
        assert row["suppressed"]["sales_total"]["reason"] == "few"
        assert row["suppressed"]["sales_total"]["message"]


def test_subtraction_by_an_advisor_on_the_market_page(client, advisor, other_advisor):
    """An advisor who holds all but one business of a group reads the market page: the other
    business's monthly and 12-month sales do not come out; the figures say why they are
    withheld."""
    mine = [shop(advisor=advisor, sales=1000.0 + 100 * k) for k in range(5)]
    hidden = shop(advisor=other_advisor, sales=lambda i: 4321.0 + 11 * i)
    for _ in range(6):  # the region's other sector
        shop(sector="10", advisor=other_advisor)
    client.force_login(advisor)
    page = client.get(reverse("businesses:market_trends"), {"region": "15", "sector": "47"})
    assert page.status_code == 200
    for s in page.context["series"]:
        i = (s["period"].year - 2022) * 12 + s["period"].month - 1
        truth = 4321.0 + 11 * i
        hers = sum(1000.0 + 100 * k for k in range(len(mine)))
        if s["average_sales"] is not None:
            assert not close(s["average_sales"] * s["businesses"] - hers, truth)
        else:
            assert s["withheld"]["average_sales"]
    row = next(r for r in page.context["ranking"] if r["sector"] == "47")
    assert row["sales_12"] is None and row["withheld"]["sales_12"]
    html = page.content.decode()
    assert "retenido" in html and "Retenido: " in html  # marked, with its reason, in Spanish
    assert hidden.pk  # (the business whose sales are protected)
    # a steward, who holds no business, sees the 6-business group (one truth per figure)
    assert market_trend_list(sector="47", region="15")[-1]["sales_total"] is not None


def test_the_complement_of_a_withheld_sector_is_withheld_too():
    """A region's total minus its published sectors must not give a withheld sector's sales:
    the next smallest sector is withheld with it (secondary suppression)."""
    for _ in range(6):
        shop(sector="47", sales=2000.0)
    for _ in range(8):
        shop(sector="56", sales=3000.0)
    lone = shop(sector="10", sales=lambda i: 5000.0 + 13 * i)
    whole = market_trends(region="15")["series"]
    cells = {s: market_trend_list(sector=s, region="15") for s in ("47", "56", "10")}
    for j, total in enumerate(whole):
        if total["average_sales"] is None:
            continue
        shown = [cells[s][j]["sales_total"] for s in cells]
        assert shown[2] is None  # the lone sector itself
        hidden = total["average_sales"] * total["businesses"] - sum(v for v in shown if v)
        truth = 5000.0 + 13 * j
        assert not close(hidden, truth), f"month {j}: {hidden} = the lone business's {truth}"
    assert cells["47"][-1]["suppressed"]["sales_total"] == disclosure.COMPLEMENT
    assert lone.pk


def test_a_month_with_and_without_one_business():
    """A business joins a group: the month's total minus the matched panel's (last year's total
    times the same businesses' growth) would be its sales; the growth is withheld."""
    for k in range(6):
        shop(sales=2000.0 + 50 * k)
    joiner = shop(sales=9876.0, months=range(30, 36))
    rows = {r["period"]: r for r in market_trend_list(sector="47", region="15")}
    for i in range(30, 36):
        now, before = rows[f"{month(i):%Y-%m}"], rows[f"{month(i - 12):%Y-%m}"]
        if now["sales_yoy"] is not None:
            derived = now["sales_total"] - before["sales_total"] * (1 + now["sales_yoy"])
            assert not close(derived, 9876.0)
        else:
            assert now["suppressed"]["sales_yoy"] == disclosure.COMPLEMENT
    assert joiner.pk


def test_a_dominant_business_is_withheld():
    for _ in range(5):
        shop(sales=100.0)
    shop(sales=50_000.0)
    row = market_trend_list(sector="47", region="15")[-1]
    assert row["sales_total"] is None and row["suppressed"]["sales_total"] == disclosure.DOMINANCE


def test_the_threshold_is_a_setting(settings):
    for _ in range(4):
        shop(sales=1000.0)
    assert market_trend_list(sector="47", region="15")[-1]["sales_total"] is None
    settings.DISCLOSURE_MIN_CONTRIBUTORS = 4
    cache.clear()
    assert market_trend_list(sector="47", region="15")[-1]["sales_total"] == 4000.0


def test_the_api_schema_documents_suppressed(advisor):
    schema = session_client(advisor).get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
    fields = schema["components"]["schemas"]["MarketTrend"]["properties"]
    assert "suppressed" in fields and "disclosure" in fields["suppressed"]["description"]
