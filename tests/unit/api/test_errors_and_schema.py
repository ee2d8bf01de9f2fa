"""One error shape everywhere, in the request's language; the OpenAPI schema is valid and
served; the docs page uses only local static files."""

import re

import pytest
import yaml
from django.test import Client
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient

from tests.unit.api.conftest import key_client


def _is_error(body: dict) -> bool:
    return set(body) == {"error"} and {"code", "message", "details"} <= set(body["error"])


@pytest.mark.parametrize(("language", "message"), [("en", "Not found."), ("es", "No encontrado.")])
def test_404_is_in_the_request_language(partner_a, world, language, message):
    response = key_client(partner_a.key, language).get(f"/api/v1/businesses/{world.of_nobody.ruc}/")
    assert response.status_code == 404
    assert response.json()["error"]["message"] == message


@pytest.mark.parametrize("language", ["en", "es"])
def test_401_is_in_the_error_shape(db, language):
    response = APIClient(HTTP_ACCEPT_LANGUAGE=language).get("/api/v1/businesses/")
    assert response.status_code == 401
    assert _is_error(response.json())
    assert response.json()["error"]["code"] == "not_authenticated"


def test_validation_errors_carry_field_paths(client_a, db):
    response = client_a.post(
        "/api/v1/businesses/",
        {"ruc": "20123456780", "legal_name": "", "sector": "ZZ", "ubigeo": "999999"},
        format="json",
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert {d["path"] for d in error["details"]} == {"ruc", "legal_name", "sector", "ubigeo"}
    ruc = next(d for d in error["details"] if d["path"] == "ruc")
    assert "check digit" in ruc["message"]


def test_validation_errors_in_spanish(partner_a, db):
    response = key_client(partner_a.key, "es").post(
        "/api/v1/businesses/", {"ruc": "20123456780"}, format="json"
    )
    details = {d["path"]: d["message"] for d in response.json()["error"]["details"]}
    assert details["legal_name"] == "Este campo es requerido."
    assert details["ruc"] == "El RUC «20123456780» no cumple su dígito verificador."


def test_invalid_filters_are_400(client_a, db):
    response = client_a.get("/api/v1/businesses/?size_class=huge&region=Lima")
    assert response.status_code == 400
    assert {d["path"] for d in response.json()["error"]["details"]} == {"size_class", "region"}


def test_unknown_api_url_is_a_json_404(client_a, db):
    response = client_a.get("/api/v1/nothing-here/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_method_not_allowed_is_in_the_error_shape(client_a, world):
    response = client_a.delete(f"/api/v1/businesses/{world.of_partner_a.ruc}/")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_portal_404_pages_stay_html(db):
    response = Client().get("/no-such-page/")
    assert response.status_code == 404
    assert "application/json" not in response["Content-Type"]


def test_a_crash_is_a_json_500_that_changed_nothing(client_a, world, monkeypatch):
    from businesses import api

    def boom(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(api, "business_list", boom)
    client_a.raise_request_exception = False
    response = client_a.get("/api/v1/businesses/")
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "server_error"


# --- Schema and docs ---------------------------------------------------------------------------


def test_schema_is_served_and_valid(db):
    response = Client().get("/api/v1/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    validate_schema(schema)
    paths = set(schema["paths"])
    assert {
        "/api/v1/businesses/",
        "/api/v1/businesses/{ruc}/",
        "/api/v1/businesses/{ruc}/monthly-records/",
        "/api/v1/monthly-records/bulk/",
        "/api/v1/market-indicators/",
        "/api/v1/model-versions/",
    } <= paths
    assert "ApiKeyAuth" in schema["components"]["securitySchemes"]
    bulk = schema["paths"]["/api/v1/monthly-records/bulk/"]["post"]["responses"]
    assert {"200", "400", "401", "413", "429"} <= set(bulk)


def test_schema_as_json(db):
    response = Client().get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    assert response.json()["openapi"].startswith("3.")


def test_docs_page_uses_only_local_assets(db):
    response = Client().get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    urls = re.findall(r"""(?:src|href)=["']([^"']+)["']""", html)
    assert urls, html
    for url in urls:
        assert url.startswith(("/static/", "/api/v1/")), url
    assert "http://" not in html and "https://" not in html and "//cdn" not in html
    # the referenced files are really there
    for url in urls:
        if url.startswith("/static/"):
            from django.contrib.staticfiles import finders

            assert finders.find(url.removeprefix("/static/")), url
