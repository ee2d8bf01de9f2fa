"""The supervisor's pages and the market trends page, in the browser: who reaches them, and
that their filters and chart work."""

import re

from playwright.sync_api import expect

from tests.browser.conftest import login


def test_a_supervisor_sees_the_advisors_of_their_regions(site, page):
    login(page, "coordinadora.lima")
    nav = page.get_by_role("navigation")
    nav.get_by_role("link", name="Supervisión").click()
    expect(page).to_have_url(re.compile(r"/supervision/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Supervisión")
    advisors = page.locator("#advisors tbody tr")
    # asesora.lima (Lima) and asesor.lima (Lima and Callao) work in her regions; others do not
    expect(advisors.filter(has_text="Rosa Quispe")).to_have_count(1)
    expect(advisors.filter(has_text="Jorge Huamán")).to_have_count(1)
    expect(advisors.filter(has_text="Lucía Mamani")).to_have_count(0)
    # Her caseload lists every business of her regions, with the advisor column to reassign.
    page.goto("/businesses/")
    expect(page.locator("table.list tbody tr").first).to_be_visible()
    expect(page.locator("table.list tbody input[type=checkbox]").first).to_be_visible()


def test_an_advisor_has_no_supervision_page(site, page):
    login(page, "asesora.lima")
    expect(page.get_by_role("navigation").get_by_role("link", name="Supervisión")).to_have_count(0)
    assert page.goto("/supervision/").status == 403


def test_the_market_trends_page_filters_by_region_and_draws_its_chart(site, page):
    login(page, "coordinadora.lima")  # Lima and Callao: two regions to choose from
    page.get_by_role("navigation").get_by_role("link", name="Tendencias de mercado").click()
    expect(page).to_have_url(re.compile(r"/businesses/market/"))
    expect(page.locator("html")).to_have_attribute("lang", re.compile("^es"))
    expect(page.locator("main svg").first).to_be_visible()
    region = page.locator("#market-region")
    options = region.locator("option").evaluate_all("els => els.map(e => e.value)")
    choice = next(v for v in options if v and v != region.input_value())
    region.select_option(choice)
    page.locator("main form.filters button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"region={choice}"))
    expect(page.locator("#market-region")).to_have_value(choice)
    expect(page.locator("main svg").first).to_be_visible()


def test_withheld_market_figures_are_marked_with_their_reason(site, page):
    """Statistical disclosure control: a figure the advisor may not see is shown as withheld,
    with its reason on hover — never as a blank or a zero."""
    login(page, "asesora.lima")
    page.goto("/businesses/market/?region=15")
    ranking = page.locator("main table.list").last
    rows = ranking.locator("tbody tr")
    expect(rows.first).to_be_visible()
    marks = ranking.locator("abbr.withheld")
    expect(marks.first).to_be_visible()
    expect(marks.first).to_have_text("retenido")
    expect(marks.first).to_have_attribute("title", re.compile(r"^Retenido: .+"))
    for i in range(rows.count()):  # every sales cell of the ranking: an amount or "retenido"
        cell = rows.nth(i).locator("td").last
        assert re.search(r"S/\s*[\d,.]+|retenido", cell.inner_text()), cell.inner_text()
