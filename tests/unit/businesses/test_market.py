"""The market trends page: sector x region index, year-on-year growth and momentum, sectors
ranked, the aggregate forecast; scoped to the user's regions; small groups hidden."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from businesses.market import market_trends, trend_regions
from businesses.models import MarketIndicator
from forecasting.models import LatestScore
from tests.factories import BusinessFactory, MonthlyRecordFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache(settings):
    # The trend definition, on groups of 3: disclosure control has its own tests
    # (test_disclosure.py).
    settings.DISCLOSURE_MIN_CONTRIBUTORS = 3
    cache.clear()
    yield
    cache.clear()


def month(i: int) -> dt.date:
    """Month ``i`` of a panel starting January 2022."""
    return dt.date(2022 + i // 12, i % 12 + 1, 1)


def panel(advisor, *, sector="47", region="15", n=3, months=36, start=1000, growth=0.0):
    """``n`` businesses whose sales grow by ``growth`` a year from ``start``, none of them
    ``advisor``'s (her own would not count for her): she gets one without records in the
    region, so that the market page shows it to her."""
    if not advisor.assigned_businesses.filter(region_id=region).exists():
        BusinessFactory(advisor=advisor, sector_id=sector, region_id=region, ubigeo=f"{region}0101")
    out = []
    for _ in range(n):
        b = BusinessFactory(
            advisor=None, sector_id=sector, region_id=region, ubigeo=f"{region}0101"
        )
        for i in range(months):
            sales = Decimal(start * (1 + growth) ** (i / 12)).quantize(Decimal("0.01"))
            MonthlyRecordFactory(business=b, period=month(i), sales=sales, costs=None)
        out.append(b)
    return out


def test_series_ranking_and_forecast(client, advisor):
    shops = panel(advisor, sector="47", growth=0.10)
    panel(advisor, sector="10", growth=-0.20)
    panel(advisor, sector="56", n=2)  # too few businesses: withheld
    panel(advisor, sector="01", start=200)  # the smallest sector: withheld with it (complement)
    for b in shops:
        LatestScore.objects.create(
            business=b, last_3_mean=100, next_3_mean=120, scored_at=timezone.now()
        )
    result = market_trends(region="15", sector="47")
    assert result["last"] == month(35)
    series = result["series"]
    assert len(series) == 36 and series[0]["period"] == month(0)
    # year on year needs MIN_MONTHS_FOR_GROWTH (6) reported months in the 12 before: month 17
    assert [s["yoy"] is None for s in series[:18]] == [True] * 17 + [False]
    assert sum(s["index"] for s in series[:12]) / 12 == pytest.approx(100)
    assert series[-1]["businesses"] == 3 and series[-1]["businesses_12m"] == 3
    assert series[-1]["yoy"] == pytest.approx(1.1 - 1)  # the 12-month means grow exactly 10 %
    assert series[-1]["momentum"] == pytest.approx(1.1 ** (3 / 12) - 1, rel=1e-3)  # cents
    ranking = [s["sector"] for s in result["ranking"]]
    assert ranking == ["47", "10", "01", "56"]  # withheld last, marked as such
    assert set(result["ranking"][2]["withheld"]) == {
        "yoy",
        "momentum",
        "sales_12",
        "forecast_change",
    }
    assert (
        result["ranking"][3]["sales_12"] is None and "sales_12" in result["ranking"][3]["withheld"]
    )
    shops_row = result["ranking"][0]
    assert shops_row["yoy"] == series[-1]["yoy"] and shops_row["momentum"] == series[-1]["momentum"]
    assert shops_row["businesses"] == 3
    assert result["ranking"][1]["yoy"] == pytest.approx(0.8 - 1, rel=1e-4)
    # the aggregate forecast comes from the latest scores, filled in by the page
    client.force_login(advisor)
    page = client.get(reverse("businesses:market_trends"), {"region": "15", "sector": "47"})
    assert page.context["selected"]["forecast_change"] == pytest.approx(0.20)
    assert page.context["ranking"][1]["forecast_change"] is None  # not scored


def test_production_index_is_rebased(advisor):
    panel(advisor, months=24)
    for i in range(24):
        MarketIndicator.objects.create(
            sector_id="47", period=month(i), name="sector_production_index", value=50 + i
        )
    result = market_trends(region="15", sector="47")
    values = [v for v in result["indicator"] if v is not None]
    assert len(values) == 24  # the 12 months shown before the series begins are empty
    assert sum(values[:12]) / 12 == pytest.approx(100)
    assert values[-1] / values[0] == pytest.approx(73 / 50)


def test_production_index_reads_region_then_national_then_the_ciiu_section(advisor):
    """The central bank publishes by CIIU section (retail is "G"): a division without a series
    of its own reads its section's, and a regional series wins over a national one."""
    from businesses.market import sector_trend_rows

    panel(advisor, months=24)
    for i in range(24):
        MarketIndicator.objects.create(
            sector_id="G", period=month(i), name="sector_production_index", value=100 + i
        )
    rows = sector_trend_rows(sector="47", region="15")
    assert rows[-1]["production_index"] == 123
    assert rows[-1]["production_index_yoy"] == pytest.approx(123 / 111 - 1)
    assert len([v for v in market_trends(region="15", sector="47")["indicator"] if v]) == 24
    for i in range(24):
        MarketIndicator.objects.create(
            sector_id="G", region_id="15", period=month(i), name="sector_production_index", value=1
        )
    cache.clear()
    assert sector_trend_rows(sector="47", region="15")[-1]["production_index_yoy"] == 0
    MarketIndicator.objects.create(
        sector_id="47", period=month(23), name="sector_production_index", value=7
    )
    assert sector_trend_rows(sector="47", region="15")[-1]["production_index"] == 7


def test_advisors_see_their_regions_supervisors_theirs(advisor, supervisor, steward):
    BusinessFactory(advisor=advisor, region_id="08", ubigeo="080101")
    assert [r.code for r in trend_regions(advisor)] == ["08"]
    assert "15" in [r.code for r in trend_regions(supervisor)]  # coordinated, even if empty
    assert len(trend_regions(steward)) == 25


def test_page_is_scoped_and_in_spanish(client, advisor):
    panel(advisor, region="08")
    client.force_login(advisor)
    url = reverse("businesses:market_trends")
    response = client.get(url, {"region": "08", "sector": "47"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Tendencias de mercado" in html and "<svg" in html and "Cusco" in html
    assert client.get(url, {"region": "15"}).status_code == 404  # not one of my regions
    assert client.get(url).context["region"].code == "08"


def test_small_groups_are_hidden(client, advisor):
    panel(advisor, region="08", n=2)
    client.force_login(advisor)
    response = client.get(reverse("businesses:market_trends"), {"region": "08", "sector": "47"})
    assert response.context["sector_hidden"]
    assert all(s["average_sales"] is None for s in response.context["series"])


def test_business_page_links_to_its_market(client, business, advisor):
    client.force_login(advisor)
    html = client.get(reverse("businesses:detail", args=[business.pk])).content.decode()
    assert f"{reverse('businesses:market_trends')}?region=15&amp;sector=47" in html


def test_query_count_does_not_grow(client, advisor, django_assert_max_num_queries):
    panel(advisor, n=3, months=30)
    client.force_login(advisor)
    url = reverse("businesses:market_trends")
    with django_assert_max_num_queries(20) as few:
        client.get(url, {"region": "15", "sector": "47"})
    panel(advisor, sector="10", n=6, months=30)
    cache.clear()
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url, {"region": "15", "sector": "47"}).status_code == 200


def _pulled_index(months: int = 24):
    """A production index for 47 x Lima delivered by a documented data source."""
    from businesses.models import DataSource

    source = DataSource.objects.create(
        name="BCRPData prueba", provider="Banco Central de Reserva del Perú", kind="manual"
    )
    for i in range(months):
        MarketIndicator.objects.create(
            sector_id="47",
            region_id="15",
            period=month(i),
            name="sector_production_index",
            value=100 + i,
            source=source,
            pulled_at=timezone.make_aware(dt.datetime(2024, 2, 3, 9, 0)),
        )
    return source


def test_the_market_page_names_the_index_source_and_its_latest_month(client, advisor):
    panel(advisor, months=24)
    _pulled_index()
    client.force_login(advisor)
    response = client.get(reverse("businesses:market_trends"), {"region": "15", "sector": "47"})
    html = response.content.decode()
    assert "BCRPData prueba (Banco Central de Reserva del Perú)" in html
    assert "12/2023" in html and "03/02/2024" in html  # latest month, when it was received


def test_the_business_page_names_the_source_of_its_market_index(client, business, advisor):
    from tests.unit.feedback.advice_data import ready_advice

    _pulled_index()
    advice = ready_advice(business, user=advisor)
    advice.market_trend = {
        **advice.market_trend,
        "indicator": {"name": "sector_production_index", "period": "2023-12-01", "change_yoy": 0.1},
    }
    advice.save(update_fields=["market_trend"])
    client.force_login(advisor)
    html = client.get(reverse("businesses:detail", args=[business.pk])).content.decode()
    assert "BCRPData prueba (Banco Central de Reserva del Perú)" in html and "12/2023" in html
