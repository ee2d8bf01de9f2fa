"""Role × endpoint × action: every caller sees exactly its own businesses, a foreign RUC is 404
on every endpoint that names one, and a request without credentials is 401."""

import pytest
from rest_framework.test import APIClient

from tests.factories import valid_ruc
from tests.unit.api.conftest import key_client, session_client

ROLES = ["partner_a", "partner_b", "advisor", "supervisor", "steward", "anonymous"]

# which businesses of the world each caller may see
SCOPE = {
    "partner_a": {"of_partner_a"},
    "partner_b": {"of_partner_b"},
    "advisor": {"of_advisor"},
    "supervisor": {"of_advisor"},  # region 15
    "steward": {"of_partner_a", "of_partner_b", "of_advisor", "of_nobody"},
    "anonymous": set(),
}
BUSINESSES = ["of_partner_a", "of_partner_b", "of_advisor", "of_nobody"]


@pytest.fixture
def callers(partner_a, partner_b, advisor, supervisor, steward):
    return {
        "partner_a": key_client(partner_a.key),
        "partner_b": key_client(partner_b.key),
        "advisor": session_client(advisor),
        "supervisor": session_client(supervisor),
        "steward": session_client(steward),
        "anonymous": APIClient(HTTP_ACCEPT_LANGUAGE="en"),
    }


def _update_body(business) -> dict:
    return {"legal_name": "Nuevo Nombre S.A.C.", "sector": "47", "ubigeo": business.ubigeo}


@pytest.mark.parametrize("role", ROLES)
def test_list_shows_exactly_the_callers_businesses(role, callers, world):
    response = callers[role].get("/api/v1/businesses/")
    if role == "anonymous":
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "not_authenticated"
        return
    assert response.status_code == 200
    listed = {row["ruc"] for row in response.json()["results"]}
    expected = {getattr(world, name).ruc for name in SCOPE[role]}
    assert listed == expected
    assert response.json()["count"] == len(expected)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", BUSINESSES)
def test_retrieve_and_records_are_404_outside_scope(role, name, callers, world):
    business = getattr(world, name)
    client = callers[role]
    for url in (
        f"/api/v1/businesses/{business.ruc}/",
        f"/api/v1/businesses/{business.ruc}/monthly-records/",
    ):
        response = client.get(url)
        if role == "anonymous":
            assert response.status_code == 401
        elif name in SCOPE[role]:
            assert response.status_code == 200, url
        else:
            assert response.status_code == 404, url
            assert response.json() == {
                "error": {"code": "not_found", "message": "Not found.", "details": []}
            }


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", BUSINESSES)
@pytest.mark.parametrize("method", ["put", "patch"])
def test_update_outside_scope_is_404_and_changes_nothing(role, name, method, callers, world):
    business = getattr(world, name)
    response = getattr(callers[role], method)(
        f"/api/v1/businesses/{business.ruc}/", _update_body(business), format="json"
    )
    business.refresh_from_db()
    if role == "anonymous":
        assert response.status_code == 401
    elif role == "advisor":
        assert response.status_code == 403  # advisors read; the same answer for every RUC
    elif name in SCOPE[role]:
        assert response.status_code == 200, response.json()
        assert business.legal_name == "Nuevo Nombre S.A.C."
        return
    else:
        assert response.status_code == 404
    assert business.legal_name != "Nuevo Nombre S.A.C."


@pytest.mark.parametrize("role", ROLES)
def test_bulk_upsert_never_writes_outside_scope(role, callers, world):
    rows = [
        {"ruc": getattr(world, name).ruc, "period": "2024-06", "sales": 1000} for name in BUSINESSES
    ]
    response = callers[role].post(
        "/api/v1/monthly-records/bulk/?partial=true", {"rows": rows}, format="json"
    )
    if role == "anonymous":
        assert response.status_code == 401
        return
    if role in ("advisor", "supervisor"):
        assert response.status_code == 403
        return
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["created"] == len(SCOPE[role])
    assert body["rejected"] == len(BUSINESSES) - len(SCOPE[role])
    for name in BUSINESSES:
        business = getattr(world, name)
        landed = business.records.filter(period="2024-06-01").exists()
        assert landed == (name in SCOPE[role])
    for problem in body["rejected_rows"]:
        assert problem["field"] == "ruc"
        assert "in your scope" in problem["message"]


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/businesses/",
        "/api/v1/market-indicators/",
        "/api/v1/model-versions/",
        "/api/v1/businesses/20100000001/monthly-records/",
    ],
)
def test_every_endpoint_needs_credentials(url, db):
    response = APIClient().get(url)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Api-Key"


def test_partner_creating_a_business_gets_it_in_scope(client_a, client_b, world):
    ruc = valid_ruc(600_001)
    body = {"ruc": ruc, "legal_name": "Textiles Piura", "sector": "13", "ubigeo": "200101"}
    response = client_a.post("/api/v1/businesses/", body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["region"] == "20"
    assert response.json()["source"] == "api"
    assert client_a.get(f"/api/v1/businesses/{body['ruc']}/").status_code == 200
    assert client_b.get(f"/api/v1/businesses/{body['ruc']}/").status_code == 404


def test_a_founding_month_without_its_day_is_accepted(client_a, world):
    body = {"ruc": valid_ruc(600_002), "legal_name": "Textiles Sullana", "sector": "13",
            "ubigeo": "200101", "founded": "2019-01"}  # fmt: skip
    response = client_a.post("/api/v1/businesses/", body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["founded"] == "2019-01-01"
    bad = client_a.post("/api/v1/businesses/", {**body, "founded": "2019-13"}, format="json")
    assert bad.status_code == 400


def test_the_api_remembers_a_founding_month_as_a_month(client_a, world):
    body = {"ruc": valid_ruc(600_003), "legal_name": "Textiles Paita", "sector": "13",
            "ubigeo": "200101", "founded": "06/2012"}  # fmt: skip
    created = client_a.post("/api/v1/businesses/", body, format="json").json()
    assert (created["founded"], created["founded_precision"]) == ("2012-06-01", "month")
    url = f"/api/v1/businesses/{body['ruc']}/"
    changed = client_a.patch(url, {"founded": "2012-06-18"}, format="json").json()
    assert (changed["founded"], changed["founded_precision"]) == ("2012-06-18", "day")
    bad = client_a.patch(url, {"founded": "junio"}, format="json")
    assert bad.status_code == 400
    assert "founded" in str(bad.json())


def test_creating_a_registered_ruc_says_the_same_in_or_out_of_scope(client_a, world):
    own = client_a.post(
        "/api/v1/businesses/",
        {"ruc": world.of_partner_a.ruc, "legal_name": "X", "sector": "47", "ubigeo": "200101"},
        format="json",
    )
    foreign = client_a.post(
        "/api/v1/businesses/",
        {"ruc": world.of_nobody.ruc, "legal_name": "X", "sector": "47", "ubigeo": "200101"},
        format="json",
    )
    assert own.status_code == foreign.status_code == 400
    own_message = own.json()["error"]["details"][0]["message"]
    foreign_message = foreign.json()["error"]["details"][0]["message"]
    assert own_message.replace(world.of_partner_a.ruc, "?") == foreign_message.replace(
        world.of_nobody.ruc, "?"
    )


def test_advisor_and_supervisor_cannot_create(advisor, supervisor, world):
    body = {"ruc": "20600000001", "legal_name": "X", "sector": "47", "ubigeo": "150101"}
    for user in (advisor, supervisor):
        assert session_client(user).post("/api/v1/businesses/", body).status_code == 403


def test_supervisor_cannot_move_a_business_out_of_their_region(supervisor, world):
    business = world.of_advisor
    response = session_client(supervisor).patch(
        f"/api/v1/businesses/{business.ruc}/", {"ubigeo": "040101"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["details"][0]["path"] == "ubigeo"
    business.refresh_from_db()
    assert business.region_id == "15"


def test_inactive_partner_sees_nothing(client_a, partner_a, world):
    partner_a.partner.active = False
    partner_a.partner.save()
    assert client_a.get("/api/v1/businesses/").status_code == 401


def test_list_query_count_does_not_grow(client_a, partner_a, django_assert_max_num_queries):
    from businesses.partners import partner_grant_business
    from tests.factories import BusinessFactory

    for _ in range(30):
        partner_grant_business(partner=partner_a.partner, business=BusinessFactory())
    with django_assert_max_num_queries(5):
        response = client_a.get("/api/v1/businesses/")
    assert response.json()["count"] == 30
