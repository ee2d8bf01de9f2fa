"""Password change and reset with our templates; the reset mail goes through the configured
backend (locmem under tests: ``mail.outbox``)."""

import re

import pytest
from django.core import mail
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_change_password(client, advisor):
    client.force_login(advisor)
    page = client.get(reverse("password_change"))
    assert page.status_code == 200 and "Cambiar contraseña" in page.content.decode()
    wrong = client.post(
        reverse("password_change"),
        {
            "old_password": "mala",
            "new_password1": "Quipu-Andino-77",
            "new_password2": "Quipu-Andino-77",
        },
    )
    assert wrong.status_code == 200  # the form again, with the error
    response = client.post(
        reverse("password_change"),
        {
            "old_password": "clave-segura-123",
            "new_password1": "Quipu-Andino-77",
            "new_password2": "Quipu-Andino-77",
        },
    )
    assert response.status_code == 302 and response.url == reverse("password_change_done")
    advisor.refresh_from_db()
    assert advisor.check_password("Quipu-Andino-77")
    assert "Contraseña cambiada" in client.get(response.url).content.decode()


def test_change_password_needs_login(client):
    response = client.get(reverse("password_change"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_reset_password_by_mail(client, advisor):
    login = client.get(reverse("login")).content.decode()
    assert reverse("password_reset") in login  # the login page offers it
    response = client.post(reverse("password_reset"), {"email": advisor.email})
    assert response.status_code == 302 and response.url == reverse("password_reset_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [advisor.email]
    assert "contraseña" in message.subject
    assert advisor.username in message.body
    link = re.search(r"https?://[^/]+(/password/reset/[^\s]+/)", message.body).group(1)
    form = client.get(link, follow=True)
    assert form.status_code == 200 and "Elija una nueva contraseña" in form.content.decode()
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "Llama-Cusco-2027", "new_password2": "Llama-Cusco-2027"},
    )
    assert done.status_code == 302 and done.url == reverse("password_reset_complete")
    advisor.refresh_from_db()
    assert advisor.check_password("Llama-Cusco-2027")
    again = client.get(link, follow=True)  # a used link does not work twice
    assert "ya no es válido" in again.content.decode()


def test_reset_for_an_unknown_address_sends_nothing_and_says_the_same(client):
    response = client.post(reverse("password_reset"), {"email": "nadie@example.pe"})
    assert response.status_code == 302 and response.url == reverse("password_reset_done")
    assert mail.outbox == []


def test_navigation_follows_the_role(client, advisor, supervisor):
    client.force_login(advisor)
    html = client.get(reverse("businesses:caseload")).content.decode()
    assert reverse("businesses:market_trends") in html
    assert reverse("supervision:dashboard") not in html
    assert reverse("password_change") in html
    client.force_login(supervisor)
    assert client.get(reverse("home")).url == reverse("supervision:dashboard")
    html = client.get(reverse("businesses:caseload")).content.decode()
    assert reverse("supervision:dashboard") in html
