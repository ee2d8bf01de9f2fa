import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_login_page_is_in_spanish_by_default(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert response.headers["Content-Language"] == "es"
    assert "Iniciar sesión".encode() in response.content or b"Ingresar" in response.content


def test_login_page_in_english_on_request(client):
    response = client.get(reverse("login"), headers={"accept-language": "en"})
    assert b"Log in" in response.content


def test_advisor_logs_in_and_lands_on_the_caseload(client, business):
    response = client.post(
        reverse("login"),
        {"username": business.advisor.username, "password": "clave-segura-123"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("businesses:caseload")
    assert str(business).encode() in response.content


def test_pages_need_login(client, business):
    response = client.get(reverse("businesses:detail", args=[business.pk]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_repeated_failed_logins_lock_the_account_out(client, advisor, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        client.post(reverse("login"), {"username": advisor.username, "password": "mala"})
    response = client.post(
        reverse("login"), {"username": advisor.username, "password": "clave-segura-123"}
    )
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
