"""Issue 16, items 1 and 3 in the browser: the caseload's "sin datos recientes" alert and filter,
a stale business's page saying so plainly with its forecast withheld, and advice on the first
visit to every business page, as an advisor and a supervisor see them."""

import re

from playwright.sync_api import expect

from tests.browser.conftest import login

STALE_AFTER_MONTHS = 6  # the default of ASESOR_STALE_AFTER_MONTHS


def _month_index(period: str) -> int:
    return int(period[:4]) * 12 + int(period[5:7]) - 1


def _stale_businesses(site, regions: tuple[str, ...] = ("15",)) -> list[tuple[int, str, int]]:
    """(id, last month mm/yyyy, months silent) of the regions' stale businesses, from the site's
    database."""
    latest = _month_index(site.query("SELECT MAX(period) FROM businesses_monthlyrecord")[0][0])
    rows = site.query(
        "SELECT b.id, MAX(r.period) FROM businesses_business b"
        " JOIN businesses_monthlyrecord r ON r.business_id = b.id"
        f" WHERE b.region_id IN ({', '.join('?' for _ in regions)}) GROUP BY b.id ORDER BY b.id",
        regions,
    )
    out = []
    for pk, last in rows:
        silent = latest - _month_index(last)
        if silent >= STALE_AFTER_MONTHS:
            out.append((pk, f"{last[5:7]}/{last[:4]}", silent))
    return out


def test_a_supervisor_filters_the_stale_businesses_and_reads_why(site, page):
    stale = _stale_businesses(site, ("15", "07"))  # her regions: Lima and Callao
    assert stale, "the demo panel has businesses that stopped reporting"
    login(page, "coordinadora.lima")
    page.goto("/businesses/")
    alert = page.locator("[data-alert=stale]")
    expect(alert).to_contain_text(re.compile(rf"{len(stale)} empresas? sin datos recientes"))
    # the filter: only businesses with no recent data, each marked
    filters = page.locator("main form[role=search]")
    filters.locator("select[name=alert]").select_option(label="Sin datos recientes")
    filters.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"alert=stale"))
    rows = page.locator("table.list tbody tr")
    expect(rows).to_have_count(min(len(stale), 50))
    expect(rows.locator("[data-stale]")).to_have_count(min(len(stale), 50))
    # its page: said plainly, the forecast withheld, advice with the caveat
    pk, last, silent = stale[0]
    page.goto(f"/businesses/{pk}/")
    advice = page.locator("#advice")
    expect(advice.locator("[data-stale]")).to_contain_text(
        f"Sin datos recientes: no reporta desde {last} ({silent} meses)"
    )
    expect(advice.locator("[data-forecast-withheld]")).to_contain_text("Pronóstico retenido")
    expect(advice).not_to_contain_text("aún no tiene asesoría")
    expect(advice.locator("li.recommendation").first).to_contain_text("Ponga al día sus registros")
    expect(advice.locator("[data-growth-probability]")).to_have_count(0)


def test_an_advisor_finds_advice_on_the_first_visit_to_each_business(site, page):
    login(page, "asesora.lima")
    links = page.locator("table.list tbody tr td:nth-child(2) a")
    expect(links.first).to_be_visible()
    hrefs = [links.nth(i).get_attribute("href") for i in range(min(links.count(), 8))]
    stale = {pk for pk, _last, _n in _stale_businesses(site, ("15", "07"))}
    for href in hrefs:
        page.goto(href)
        advice = page.locator("#advice")
        expect(advice).not_to_contain_text("aún no tiene asesoría")
        expect(advice.locator("form.rating-form")).to_be_visible()  # an advice is shown
        pk = int(re.findall(r"\d+", href)[-1])
        if pk in stale:
            expect(advice.locator("[data-stale]")).to_be_visible()
        else:
            expect(advice.locator("[data-stale]")).to_have_count(0)
            expect(advice.locator("svg.sales-chart")).to_be_visible()
