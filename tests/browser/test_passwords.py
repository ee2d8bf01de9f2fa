"""Password change and reset from the browser (the demo writes mail to files under the data
folder: the reset link is read from there, as an advisor would open it from their inbox)."""

import re

from playwright.sync_api import expect

from tests.browser.conftest import PASSWORD, login

NEW = "Cusco-Piura-2026!"


def test_an_advisor_changes_their_password_and_logs_in_with_the_new_one(site, new_page):
    page = new_page()
    login(page, "asesor.norte")
    page.get_by_role("link", name="Contraseña").click()
    expect(page).to_have_url(re.compile(r"/password/$"))
    page.locator("#id_old_password").fill(PASSWORD)
    page.locator("#id_new_password1").fill(NEW)
    page.locator("#id_new_password2").fill(NEW)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/password/changed/$"))
    page.get_by_role("button", name="Cerrar sesión").click()

    # The old password no longer opens the account; the new one does.
    again = new_page()
    again.goto("/login/")
    again.get_by_label("Usuario").fill("asesor.norte")
    again.get_by_label("Contraseña").fill(PASSWORD)
    again.get_by_role("button", name="Iniciar sesión").click()
    expect(again.locator(".error")).to_be_visible()
    login(again, "asesor.norte", NEW)
    expect(again.get_by_role("heading", name="Mis empresas")).to_be_visible()


def test_a_wrong_current_password_is_refused_with_the_reason(site, page):
    login(page, "asesora.arequipa")
    page.goto("/password/")
    page.locator("#id_old_password").fill("not-my-password")
    page.locator("#id_new_password1").fill(NEW)
    page.locator("#id_new_password2").fill(NEW)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/password/$"))
    expect(page.locator("main [role=alert]").first).to_be_visible()
    # Nothing changed: the current password still opens the account.
    again = page.context.browser.new_context(base_url=site.url, locale="es-PE")
    try:
        other = again.new_page()
        login(other, "asesora.arequipa")
        expect(other.get_by_role("heading", name="Mis empresas")).to_be_visible()
    finally:
        again.close()


def test_a_forgotten_password_is_reset_through_the_emailed_link(site, new_page):
    page = new_page()
    page.goto("/login/")
    page.locator("main a[href$='/password/reset/']").click()
    expect(page).to_have_url(re.compile(r"/password/reset/$"))
    page.locator("#id_email").fill("asesor.oriente@demo.pe")
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/password/reset/sent/$"))

    mails = sorted((site.data_dir / "mail").glob("*.log"))
    assert mails, "no reset email was written"
    text = "\n".join(m.read_text() for m in mails)
    links = re.findall(r"http://[^\s]+/password/reset/[^\s]+/[^\s]+/", text)
    assert links, text[-2000:]
    assert "asesor.oriente" in text

    page.goto(links[-1])
    page.locator("#id_new_password1").fill(NEW)
    page.locator("#id_new_password2").fill(NEW)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/password/reset/done/$"))
    login(page, "asesor.oriente", NEW)
    expect(page.get_by_role("heading", name="Mis empresas")).to_be_visible()

    # The link works once.
    used = new_page()
    used.goto(links[-1])
    expect(used.locator("main [role=alert]")).to_be_visible()
