"""An advisor's day in the browser, in Spanish: log in, find a business in the caseload, open
it, request fresh advice and watch it arrive without reloading the page, give a verdict on
each recommendation (accept, edit, reject, with comments), rate the advice, switch to English
and log out; then a supervisor of the region opens the same business and sees that feedback."""

import re

from playwright.sync_api import expect

from tests.browser.conftest import login

ADVICE_TIMEOUT = 90_000  # ms: the worker loads the models and builds its scoring snapshot once


SIZE_LABELS = {"micro": "Micro", "small": "Pequeña", "medium": "Mediana"}


def _business(site) -> tuple[int, str, str, str]:
    assert site.advice_business, "no business of asesora.lima yields three recommendations"
    ruc, trade, legal, size_class = site.query(
        "SELECT ruc, trade_name, legal_name, size_class FROM businesses_business WHERE id = ?",
        (site.advice_business,),
    )[0]
    return site.advice_business, ruc, trade or legal, size_class


def test_an_advisor_works_through_fresh_advice_and_a_supervisor_sees_it(site, new_page):
    pk, ruc, name, size_class = _business(site)
    size_label = SIZE_LABELS[size_class]
    page = new_page()

    # Log in: the login page speaks Spanish to a Peruvian browser.
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login/"))
    expect(page.locator("html")).to_have_attribute("lang", re.compile(r"^es"))
    expect(page.get_by_role("heading", name="Iniciar sesión")).to_be_visible()
    login(page, "asesora.lima")

    # The caseload, filtered by size class, then a search by RUC narrows it to the one business.
    expect(page.get_by_role("heading", name="Mis empresas")).to_be_visible()
    rows = page.locator("table.list tbody tr")
    expect(rows.first).to_be_visible()
    everyone = rows.count()
    assert everyone > 1
    filters = page.locator("main form[role=search]")
    filters.locator("select[name=size_class]").select_option(size_class)
    filters.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"size_class={size_class}"))
    expect(rows.first).to_be_visible()
    assert all(size_label in text for text in rows.all_inner_texts())
    filters.locator("input[name=q]").fill(ruc)
    filters.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"q={ruc}"))
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(ruc)

    # The business page: its profile, and advice already there on the first visit (the
    # scoring run's, issue 16 item 3): chart, growth score, recommendations.
    rows.first.get_by_role("link").first.click()
    expect(page).to_have_url(re.compile(rf"/businesses/{pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(name)
    chart = page.locator("#advice svg.sales-chart")
    expect(chart).to_be_visible()
    expect(page.locator("#advice")).not_to_contain_text("aún no tiene asesoría")
    expect(page.locator("li.recommendation").first).to_be_visible()
    past = page.locator("#advice h3:has-text('Asesorías anteriores') + table tbody tr")
    expect(past).to_have_count(1)

    # Fresh advice: queued, followed by the page, shown without a reload.
    page.evaluate("window.__sameDocument = 'yes'")
    page.get_by_role("button", name="Solicitar asesoría actualizada").click()
    expect(past).to_have_count(2)
    expect(page.locator("[data-advice-pending]")).to_have_count(0, timeout=ADVICE_TIMEOUT)
    expect(past.first).to_contain_text("Lista")
    expect(chart).to_be_visible()
    assert page.evaluate("window.__sameDocument") == "yes", "the page was reloaded"
    expect(chart.locator(".history")).to_have_count(1)
    expect(chart.locator(".forecast")).to_have_count(1)
    expect(chart.locator(".band")).to_have_count(1)
    expect(page.get_by_role("heading", name="Ventas y pronóstico")).to_be_visible()
    expect(page.locator("#advice .big")).to_contain_text("%")
    expect(page.locator("#advice table").first).to_contain_text("S/ ")
    recs = page.locator("li.recommendation")
    assert recs.count() >= 3
    first, second, third = (recs.nth(i).get_attribute("id") for i in range(3))

    # Accept the first with a comment.
    item = page.locator(f"#{first}")
    item.get_by_placeholder("Comentario (opcional)").fill("Lo conversamos en la visita")
    item.get_by_role("button", name="Aceptar").click()
    expect(page.get_by_text("Se guardó su decisión sobre la recomendación.")).to_be_visible()
    expect(page.locator(f"#{first} .verdict")).to_contain_text("Aceptada")

    # Edit the second: a new title, shown in place of the model's, with the original kept.
    item = page.locator(f"#{second}")
    item.locator("summary", has_text="Editar").click()
    item.get_by_label("Nuevo título").fill("Revisar precios con la dueña")
    item.locator("details form input[name=comment]").fill("Ajusté el texto a su caso")
    item.get_by_role("button", name="Guardar edición").click()
    item = page.locator(f"#{second}")
    expect(item.locator(".rec-head strong")).to_have_text("Revisar precios con la dueña")
    expect(item.locator(".verdict")).to_contain_text("Editada")
    expect(item.locator("details", has_text="Texto original")).to_have_count(1)

    # Reject the third.
    item = page.locator(f"#{third}")
    item.get_by_placeholder("Comentario (opcional)").fill("No aplica este año")
    item.get_by_role("button", name="Rechazar").click()
    expect(page.locator(f"#{third} .verdict")).to_be_visible()

    # Rate the whole advice.
    rating = page.locator("form.rating-form")
    rating.get_by_label("4").check()
    rating.get_by_label("Comentario").fill("Útil para la visita")
    rating.get_by_role("button", name="Guardar calificación").click()
    expect(page.locator("form.rating-form input[name=rating][value='4']")).to_be_checked()

    # Switch to English: the same page, in English, numbers still in soles.
    page.get_by_label("Idioma").select_option("en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(re.compile(rf"/businesses/{pk}/"))
    expect(page.get_by_role("heading", name="Sales and forecast")).to_be_visible()
    expect(page.locator(f"#{first} .verdict")).to_contain_text("Accepted")
    expect(page.get_by_role("button", name="Request fresh advice")).to_be_visible()

    # Log out: back at the login page; the business page now asks to log in again.
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/login/"))
    page.goto(f"/businesses/{pk}/")
    expect(page).to_have_url(re.compile(r"/login/\?next="))

    # The supervisor of Lima sees the advisor's verdicts, by whom, on the same business.
    boss = new_page()
    login(boss, "coordinadora.lima")
    boss.goto(f"/businesses/{pk}/")
    expect(boss.locator(f"#{first} .verdict")).to_contain_text("Aceptada")
    expect(boss.locator(f"#{first} .verdict")).to_contain_text("asesora.lima")
    expect(boss.locator(f"#{first} .verdict")).to_contain_text(re.compile(r"\d\d/\d\d/\d{4}"))
    expect(boss.locator(f"#{second} .rec-head strong")).to_have_text("Revisar precios con la dueña")
    expect(boss.locator(f"#{third} .verdict")).to_be_visible()

    # ... and on the supervision dashboard, the advisor's verdicts are counted.
    boss.get_by_role("link", name="Supervisión").click()
    expect(boss).to_have_url(re.compile(r"/supervision/$"))
    table = boss.locator("#advisors table")
    headers = [h.strip() for h in table.locator("thead th").all_inner_texts()]
    row = table.locator("tbody tr", has_text="Rosa Quispe")
    expect(row).to_have_count(1)
    cells = [c.strip() for c in row.locator("th, td").all_inner_texts()]
    counts = {
        verdict: cells[next(i for i, h in enumerate(headers) if h.startswith(prefix))]
        for verdict, prefix in (
            ("accepted", "Aceptad"),
            ("edited", "Editad"),
            ("rejected", "Rechazad"),
        )
    }
    assert counts == {"accepted": "1", "edited": "1", "rejected": "1"}, (headers, cells)
