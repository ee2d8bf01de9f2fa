"""With DEBUG off, 404, 403 and 500 outside /api/ are the portal's own pages (templates/) in
the user's language; under /api/ they stay JSON (core.api_errors)."""

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_debug(settings):
    settings.DEBUG = False


def _names(response) -> list[str]:
    return [t.name for t in response.templates]


def test_an_unknown_page_is_the_portals_404_in_spanish(client, advisor):
    client.force_login(advisor)
    response = client.get("/no-existe/")
    assert response.status_code == 404
    assert "404.html" in _names(response) and "base.html" in _names(response)
    assert "Página no encontrada" in response.content.decode()
    assert b"urlpatterns" not in response.content and b"Using the URLconf" not in response.content


def test_another_advisors_business_is_the_portals_404_in_english(client, business, other_advisor):
    client.force_login(other_advisor)
    response = client.get(
        reverse("businesses:detail", args=[business.pk]), headers={"accept-language": "en"}
    )
    assert response.status_code == 404
    assert "404.html" in _names(response)
    assert "Page not found" in response.content.decode()
    assert business.ruc not in response.content.decode()


def test_a_page_for_another_role_is_the_portals_403_in_both_languages(client, advisor):
    client.force_login(advisor)
    spanish = client.get(reverse("supervision:dashboard"))
    english = client.get(reverse("supervision:dashboard"), headers={"accept-language": "en"})
    assert spanish.status_code == english.status_code == 403
    assert "403.html" in _names(spanish)
    assert "No corresponde a su rol" in spanish.content.decode()
    assert "Not for your role" in english.content.decode()


@pytest.fixture
def crashing(settings):
    settings.ROOT_URLCONF = "tests.unit.core.crash_urls"
    return Client(raise_request_exception=False)


def test_a_crash_is_the_portals_500_in_spanish(crashing):
    response = crashing.get("/crash/")
    assert response.status_code == 500
    assert "500.html" in _names(response) and "base.html" in _names(response)
    text = response.content.decode()
    assert "Algo salió mal" in text
    assert "Server Error (500)" not in text


def test_a_crash_is_the_portals_500_in_english(crashing):
    response = crashing.get("/crash/", headers={"accept-language": "en"})
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()


def test_a_crash_under_the_api_stays_json(crashing):
    response = crashing.get("/api/v1/crash/")
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "server_error"


def test_permission_denied_under_the_api_outside_drf_is_json(rf):
    from django.core.exceptions import PermissionDenied

    from core.api_errors import permission_denied

    response = permission_denied(rf.get("/api/v1/anything/"), PermissionDenied())
    assert response.status_code == 403
    assert response["Content-Type"].startswith("application/json")
