"""What a person sees when something is not for them: the product's own 404 page (in
Spanish, styled, with a way back) for another advisor's business, and the lockout page after
too many wrong passwords."""

import re

from playwright.sync_api import expect

from tests.browser.conftest import login


def test_another_advisors_business_is_the_products_404_page_in_spanish(site, page):
    theirs = site.business_of("asesor.norte")
    login(page, "asesora.lima")
    response = page.goto(f"/businesses/{theirs}/")
    assert response.status == 404
    expect(page.get_by_role("heading", name="Página no encontrada")).to_be_visible()
    expect(page.get_by_role("link", name="Volver al portal")).to_be_visible()
    expect(page.get_by_role("link", name="Mis empresas")).to_be_visible()  # the portal's layout
    expect(page.locator("body")).not_to_contain_text("URLconf")
    assert page.evaluate("document.styleSheets[0].cssRules.length") > 0  # its stylesheet loaded


def test_five_wrong_passwords_show_the_lockout_page(site, page):
    # coordinador.sur: no other scenario logs in as him, so his lock harms none.
    page.goto("/login/")
    for attempt in range(1, 6):
        page.get_by_label("Usuario").fill("coordinador.sur")
        page.get_by_label("Contraseña").fill(f"no-es-la-clave-{attempt}")
        page.get_by_role("button", name="Iniciar sesión").click()
        if attempt == 4:
            expect(page.locator("main")).to_contain_text("Le queda un intento")
    expect(page.get_by_role("heading", name="Cuenta bloqueada temporalmente")).to_be_visible()
    expect(page.locator("main")).to_contain_text(re.compile(r"Espere 30\s+minutos"))
    page.get_by_role("link", name="Restablecer su contraseña").click()
    expect(page).to_have_url(re.compile(r"/password/reset/$"))
