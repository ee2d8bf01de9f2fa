"""Business list filters, search and pages; market indicators; model versions."""

import datetime as dt

from businesses.models import MarketIndicator
from businesses.partners import partner_grant_business
from forecasting.models import ModelVersion
from tests.factories import BusinessFactory, valid_ruc
from tests.unit.api.conftest import session_client


def _rucs(response) -> set[str]:
    assert response.status_code == 200, response.json()
    return {row["ruc"] for row in response.json()["results"]}


def test_filters_and_search(steward, world):
    client = session_client(steward)
    textiles = BusinessFactory(
        ruc=valid_ruc(700_001), legal_name="Tejidos Andinos", sector_id="13", region_id="08"
    )
    assert _rucs(client.get("/api/v1/businesses/?region=08")) == {textiles.ruc}
    assert _rucs(client.get("/api/v1/businesses/?sector=13")) == {textiles.ruc}
    assert _rucs(client.get("/api/v1/businesses/?sector=C")) == {
        textiles.ruc,
        world.of_partner_a.ruc,  # division 10, section C
    }
    assert _rucs(client.get("/api/v1/businesses/?search=tejidos")) == {textiles.ruc}
    assert _rucs(client.get(f"/api/v1/businesses/?search={textiles.ruc[:8]}")) == {textiles.ruc}
    assert _rucs(client.get("/api/v1/businesses/?size_class=large")) == set()


def test_pages(client_a, partner_a):
    for n in range(7):
        partner_grant_business(
            partner=partner_a.partner, business=BusinessFactory(ruc=valid_ruc(710_000 + n))
        )
    first = client_a.get("/api/v1/businesses/?page_size=5").json()
    assert first["count"] == 7 and len(first["results"]) == 5 and first["next"]
    second = client_a.get("/api/v1/businesses/?page_size=5&page=2").json()
    assert len(second["results"]) == 2
    assert client_a.get("/api/v1/businesses/?page=9").status_code == 404


def test_market_indicators_filter(client_a, db):
    for month in (1, 2, 3):
        MarketIndicator.objects.create(
            sector_id="47", region_id=None, period=dt.date(2024, month, 1), name="ipi", value=month
        )
    MarketIndicator.objects.create(period=dt.date(2024, 1, 1), name="pbi", value=1.5)
    response = client_a.get("/api/v1/market-indicators/?sector=47&period_from=2024-02")
    assert response.status_code == 200
    assert [(r["period"], r["value"]) for r in response.json()["results"]] == [
        ("2024-02", 2.0),
        ("2024-03", 3.0),
    ]
    assert client_a.get("/api/v1/market-indicators/?period_from=2024-13").status_code == 400


def test_model_versions_with_metrics(client_a, db):
    ModelVersion.objects.create(
        kind="forecaster",
        version=1,
        status="production",
        metrics={"wape": 0.21, "mase": None, "baselines": {"naive": {"wape": 0.3}}},
    )
    ModelVersion.objects.create(kind="growth", version=1, status="candidate")
    response = client_a.get("/api/v1/model-versions/?kind=forecaster")
    assert response.status_code == 200
    (version,) = response.json()["results"]
    assert version["status"] == "production"
    assert version["metrics"]["wape"] == 0.21
    assert version["metrics"]["baselines"]["naive"]["wape"] == 0.3
    assert client_a.get("/api/v1/model-versions/?status=nope").status_code == 400
