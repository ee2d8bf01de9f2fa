"""The steward's second factor from the browser (the site runs with two-factor on, as in
production): after the password, gestor.datos is sent to enrol an authenticator app before any
page, confirms it with a code computed from the secret the page shows, and later sessions are
asked for the code before the caseload or its export — a throttled code is called throttled,
with the wait, not wrong."""

import base64
import re
import time

from django_otp.oath import totp
from playwright.sync_api import expect

from tests.browser.conftest import login

STEWARD = "gestor.datos"


def _code(secret: str, steps_ahead: int = 0) -> str:
    """The code an authenticator app shows for ``secret`` (``steps_ahead`` 30-second steps on:
    django-otp accepts one step of drift and refuses a step it already used)."""
    return f"{totp(base64.b32decode(secret), drift=steps_ahead):06d}"


def test_a_steward_enrols_then_every_session_asks_for_the_code(site, new_page):
    page = new_page()
    login(page, STEWARD)
    # before any page: enrolment, with a QR code drawn here and the secret to type
    expect(page).to_have_url(re.compile(r"/account/two-factor/setup/\?next="))
    expect(page.locator("main svg")).to_be_visible()
    secret = page.locator("main code").inner_text().strip()
    page.get_by_label("Código de su aplicación autenticadora").fill(_code(secret))
    page.get_by_role("button", name="Confirmar").click()
    expect(page.get_by_role("heading", name="Mis empresas")).to_be_visible()
    assert page.context.request.get("/businesses/export.csv").status == 200

    # a new session with the password alone: the caseload's export sends it to the code page
    other = new_page()
    login(other, STEWARD)
    refused = other.context.request.get("/businesses/export.csv", max_redirects=0)
    assert refused.status == 302 and "/account/two-factor/" in refused.headers["location"]
    api = other.context.request.get("/api/v1/businesses/", headers={"Accept-Language": "es"})
    assert api.status == 403 and "segundo factor" in api.json()["error"]["message"]
    other.goto("/businesses/?q=a")
    expect(other).to_have_url(re.compile(r"/account/two-factor/\?next=%2Fbusinesses%2F%3Fq%3Da"))
    expect(other.get_by_role("heading", name="Autenticación de doble factor")).to_be_visible()

    # wrong codes until django-otp throttles: the form then says so, and for how long
    field = other.get_by_label("Código de su aplicación autenticadora")
    wrong = "000000" if _code(secret, 1) != "000000" else "111111"
    message = None
    for _attempt in range(5):
        field.fill(wrong)
        other.get_by_role("button", name="Verificar").click()
        error = other.locator("main .error").inner_text()
        found = re.search(r"Vuelva a intentarlo en (\d+) segundos?", error)
        if found:
            message = found
            break
        assert "Ese código es incorrecto o ha vencido" in error
    assert message, "never told that codes are throttled"
    assert "Demasiados códigos incorrectos" in error

    time.sleep(int(message.group(1)) + 1)
    other.get_by_label("Código de su aplicación autenticadora").fill(_code(secret, 1))
    other.get_by_role("button", name="Verificar").click()
    expect(other).to_have_url(re.compile(r"/businesses/\?q=a$"))
    assert other.context.request.get("/businesses/export.csv").status == 200
