"""The OpenAPI schema says exactly what the API accepts (issue 19, item 6): empty query values,
pages and page sizes, RUC, sector, ubigeo and periods are described as validated, and validated
as described. schemathesis holds the whole API to it (test_schemathesis.py); these are the cases
the issue found, by hand."""

import pytest
from django.test import Client

from tests.unit.api.conftest import key_client


@pytest.fixture
def schema(db):
    return Client().get("/api/v1/schema/?format=json").json()


def _parameter(schema, path, method, name):
    operation = schema["paths"][path][method]
    return next(p for p in operation["parameters"] if p["name"] == name)["schema"]


def _component(schema, name):
    return schema["components"]["schemas"][name]


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("/api/v1/businesses/?size_class=", "size_class"),
        ("/api/v1/businesses/?sector=", "sector"),
        ("/api/v1/model-versions/?status=", "status"),
        ("/api/v1/market-indicators/?period_to=", "period_to"),
        ("/api/v1/businesses/?page_size=", "page_size"),
        ("/api/v1/businesses/?page_size=null", "page_size"),
        ("/api/v1/businesses/?page=0", "page"),
    ],
)
def test_empty_or_malformed_query_values_are_refused_naming_the_parameter(
    client_a, world, url, name
):
    response = client_a.get(url)
    assert response.status_code == 400, response.content
    details = response.json()["error"]["details"]
    assert [d["field"] for d in details] == [name]


def test_the_refusal_is_said_in_both_languages(partner_a, world):
    english = key_client(partner_a.key, "en").get("/api/v1/businesses/?size_class=")
    spanish = key_client(partner_a.key, "es").get("/api/v1/businesses/?size_class=")
    assert "leave the parameter out" in english.json()["error"]["details"][0]["message"]
    assert "omita el parámetro" in spanish.json()["error"]["details"][0]["message"]


def test_an_empty_wait_is_refused_before_anything_is_queued(client_a, world):
    response = client_a.post(f"/api/v1/businesses/{world.of_partner_a.ruc}/advice/?wait=")
    assert response.status_code == 400
    assert response.json()["error"]["details"][0]["field"] == "wait"


def test_a_search_box_may_be_empty(client_a, world):
    assert client_a.get("/api/v1/businesses/?search=").status_code == 200


def test_the_schema_states_the_rules(schema):
    ruc = _parameter(schema, "/api/v1/businesses/{ruc}/", "get", "ruc")
    assert ruc["pattern"] == r"^(10|15|16|17|20)\d{9}$"
    create = _component(schema, "BusinessCreateRequest")["properties"]
    assert (
        create["ruc"]["format"] == "ruc" and "5,4,3,2,7,6,5,4,3,2" in create["ruc"]["description"]
    )
    divisions = _component(schema, create["sector"]["allOf"][0]["$ref"].split("/")[-1])["enum"]
    assert "47" in divisions and "00" not in divisions and len(divisions) == 88
    assert create["ubigeo"]["pattern"] == r"^(0[1-9]|1\d|2[0-5])\d{4}$"
    assert create["legal_name"]["pattern"] == "^[^\\x00]*$"  # DRF refuses NUL characters
    page = _parameter(schema, "/api/v1/businesses/", "get", "page")
    assert page == {"type": "integer", "minimum": 1}
    period = _parameter(schema, "/api/v1/market-indicators/", "get", "period_to")
    assert period["pattern"] == r"^(19|20)\d{2}-(0[1-9]|1[0-2])(-01)?$"
    rows = _component(schema, "MonthlyRecordBulkRequestRequest")["properties"]["rows"]
    assert rows["minItems"] == 1 and rows["maxItems"] == 5000


@pytest.mark.parametrize("period", ["0000-09", "1899-12", "2024-03\n", "2024-3"])
def test_periods_outside_the_pattern_are_refused(client_a, world, period):
    response = client_a.get("/api/v1/market-indicators/", {"period_to": period})
    assert response.status_code == 400
