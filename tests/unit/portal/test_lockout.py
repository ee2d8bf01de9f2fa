"""Too many wrong passwords: the warning on the last attempt, the portal's own lockout page in
the user's language (how long to wait, the way out through password reset), and a completed
reset that lifts the lock. django-axes counts per username and IP (config/settings.py)."""

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

pytestmark = pytest.mark.django_db

PASSWORD = "clave-segura-123"  # tests.factories.UserFactory


def _fail(client, username, times, **headers):
    response = None
    for _ in range(times):
        response = client.post(
            reverse("login"), {"username": username, "password": "mala"}, headers=headers
        )
    return response


def _text(response) -> str:
    return response.content.decode().replace("\xa0", " ")


def test_the_attempt_before_the_lock_warns_in_spanish(client, advisor):
    response = _fail(client, advisor.username, 4)
    assert response.status_code == 200
    assert "Le queda un intento" in _text(response)
    assert "30 minutos" in _text(response)


def test_earlier_failures_do_not_warn(client, advisor):
    response = _fail(client, advisor.username, 3)
    assert "Le queda un intento" not in _text(response)


def test_the_attempt_before_the_lock_warns_in_english(client, advisor):
    response = _fail(client, advisor.username, 4, accept_language="en")
    assert "One attempt left" in _text(response)
    assert "30 minutes" in _text(response)


def test_the_fifth_failure_shows_the_portals_lockout_page_in_spanish(client, advisor):
    response = _fail(client, advisor.username, 5)
    assert response.status_code == 429
    assert "registration/locked_out.html" in [t.name for t in response.templates]
    assert "base.html" in [t.name for t in response.templates]
    text = _text(response)
    assert "Cuenta bloqueada temporalmente" in text
    assert "Espere 30 minutos" in text
    assert f'href="{reverse("password_reset")}"' in text
    assert "too many login attempts" not in text


def test_the_lockout_page_in_english_with_the_configured_wait(client, advisor, settings):
    settings.AXES_COOLOFF_TIME = 1.5
    response = _fail(client, advisor.username, 5, accept_language="en")
    assert response.status_code == 429
    text = _text(response)
    assert "Account temporarily locked" in text
    assert "Wait 1 hour, 30 minutes" in text
    assert 'href="/password/reset/"' in text


def test_a_locked_account_stays_locked_for_the_right_password(client, advisor):
    _fail(client, advisor.username, 5)
    response = client.post(reverse("login"), {"username": advisor.username, "password": PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_completed_password_reset_lifts_the_lock(client, advisor):
    _fail(client, advisor.username, 5)
    uid = urlsafe_base64_encode(force_bytes(advisor.pk))
    token = default_token_generator.make_token(advisor)
    link = reverse("password_reset_confirm", args=[uid, token])
    form = client.get(link, follow=True)
    assert form.status_code == 200
    new = "Cusco-Piura-2026!"
    done = client.post(
        form.redirect_chain[-1][0], {"new_password1": new, "new_password2": new}, follow=True
    )
    assert done.redirect_chain[-1][0] == reverse("password_reset_complete")

    response = client.post(reverse("login"), {"username": advisor.username, "password": new})
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == advisor.pk


def test_an_abandoned_reset_does_not_lift_the_lock(client, advisor):
    _fail(client, advisor.username, 5)
    client.post(reverse("password_reset"), {"email": advisor.email})
    response = client.post(reverse("login"), {"username": advisor.username, "password": PASSWORD})
    assert response.status_code == 429
