"""Who may open what, seen from the browser: a business outside one's scope answers 404 (not
403, so its existence does not leak), the login page refuses a wrong password in Spanish, and
pages ask an anonymous visitor to log in first."""

import re

from playwright.sync_api import expect

from tests.browser.conftest import login


def test_an_advisor_cannot_open_another_advisors_business(site, page):
    mine, theirs = site.business_of("asesora.lima"), site.business_of("asesor.norte")
    login(page, "asesora.lima")
    assert page.goto(f"/businesses/{mine}/").status == 200
    for path in (f"/businesses/{theirs}/", f"/businesses/{theirs}/advice/status/"):
        response = page.goto(path)
        assert response.status == 404, path
        expect(page.locator("body")).not_to_contain_text(
            site.query("SELECT ruc FROM businesses_business WHERE id = ?", (theirs,))[0][0]
        )


def test_a_supervisor_opens_the_businesses_of_their_regions_only(site, page):
    lima = site.business_of("asesora.lima")  # region 15, coordinated by coordinadora.lima
    arequipa = site.business_of("asesora.arequipa")  # regions 04, 18, 23: not hers
    login(page, "coordinadora.lima")
    assert page.goto(f"/businesses/{lima}/").status == 200
    assert page.goto(f"/businesses/{arequipa}/").status == 404


def test_pages_ask_an_anonymous_visitor_to_log_in(site, page):
    pk = site.business_of("asesora.lima")
    page.goto(f"/businesses/{pk}/")
    expect(page).to_have_url(re.compile(rf"/login/\?next=/businesses/{pk}/"))
    expect(page.get_by_role("heading", name="Iniciar sesión")).to_be_visible()


def test_a_wrong_password_is_refused_in_spanish(site, page):
    login_page = page
    login_page.goto("/login/")
    login_page.get_by_label("Usuario").fill("asesora.sur")
    login_page.get_by_label("Contraseña").fill("not-the-password")
    login_page.get_by_role("button", name="Iniciar sesión").click()
    expect(login_page).to_have_url(re.compile(r"/login/"))
    expect(login_page.locator(".error")).to_contain_text("no coinciden")
    # The username stays filled in, the password does not.
    expect(login_page.get_by_label("Usuario")).to_have_value("asesora.sur")
    expect(login_page.get_by_label("Contraseña")).to_have_value("")
