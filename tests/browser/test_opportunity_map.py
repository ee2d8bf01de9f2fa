"""The opportunity map in the browser: the demo analyst lands on it, switches the measure,
sorts the table, opens a region's drill-down from the map, downloads the table (CSV and
xlsx), and reaches no business; a coordinator sees her regions and opens only those."""

import csv
import io
import re

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.browser.conftest import login


def test_the_analyst_uses_the_opportunity_map(site, page):
    login(page, "analista.mercado")
    expect(page).to_have_url(re.compile(r"/opportunities/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Mapa de oportunidades")
    tiles = page.locator("main svg g.tile")
    expect(tiles).to_have_count(25)
    rows = page.locator("main table.heat tbody tr")
    expect(rows).to_have_count(25)
    # every cell: a number, "—" (no business) or "retenido" with its reason on hover
    for text in rows.locator("td").all_inner_texts():
        assert re.fullmatch(r"[\d.,]+( %)?( \(n=\d+\))?|—|retenido", text.strip()), text
    marks = page.locator("main table.heat abbr.withheld")
    if marks.count():
        expect(marks.first).to_have_attribute("title", re.compile(r"^Retenido: .+"))

    # sort by the regions' totals, largest first: a link, no script needed
    page.locator("main table.heat thead th").nth(1).get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"sort=-total"))
    totals = [
        int(t.replace(",", "").replace(".", ""))
        for t in page.locator("main table.heat tbody tr td:nth-of-type(1)").all_inner_texts()
        if t.strip()[:1].isdigit()
    ]
    assert totals == sorted(totals, reverse=True) and totals

    # colour by the other measure
    page.locator("#map-measure").select_option("opportunity_share")
    page.locator("main form.filters button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"measure=opportunity_share"))
    expect(page.locator("#map-title")).to_contain_text("oportunidad")
    expect(tiles).to_have_count(25)

    # download exactly the table shown
    with page.expect_download() as download:
        page.get_by_role("link", name="Descargar esta tabla (CSV)").click()
    text = download.value.path().read_text(encoding="utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))
    assert lines[0][:2] == ["Código de región", "Región"]
    assert len([r for r in lines[1:] if r and re.fullmatch(r"\d\d", r[0])]) == 25
    assert any("Control de divulgación" in " ".join(r) for r in lines)
    # and as xlsx: the same regions and figures, numbers as numbers, the note inside
    with page.expect_download() as download:
        page.get_by_role("link", name="Descargar esta tabla (xlsx)").click()
    book = load_workbook(io.BytesIO(download.value.path().read_bytes()))
    sheet = list(book.active.iter_rows(values_only=True))
    assert list(sheet[0][:2]) == lines[0][:2]
    regions = [r for r in sheet[1:] if r[0] and re.fullmatch(r"\d\d", str(r[0]))]
    assert [r[0] for r in regions] == [r[0] for r in lines[1:26]]
    csv_lima = next(r for r in lines if r[:1] == ["15"])
    xlsx_lima = next(r for r in regions if r[0] == "15")
    for x, c in zip(xlsx_lima[2:], csv_lima[2:], strict=True):
        if isinstance(x, (int, float)):
            assert float(c) == pytest.approx(x)
        else:
            assert (x or "") == c
    assert any("Control de divulgación" in str(c) for r in sheet for c in r if c)

    # open Lima from the map: its drill-down, on a page of its own
    page.locator('main svg g.tile[data-region="15"]').click()
    expect(page).to_have_url(re.compile(r"/opportunities/region/15/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Lima")
    expect(page.get_by_role("heading", name="Tendencia del mercado")).to_be_visible()
    expect(page.locator("main svg.market-chart")).to_have_count(1)
    # the forecast of the sum, its chart and the same figures as a table
    expect(page.locator("main svg.sales-chart:not(.market-chart)")).to_have_count(1)
    expect(page.locator("#forecast-table tbody tr")).to_have_count(6)
    expect(page.locator("main")).to_contain_text("independientes")  # the band's method
    expect(page.locator("main ul.reasons li").first).to_contain_text("probabilidad")
    with page.expect_download() as download:
        page.get_by_role("link", name="Descargar estas cifras (xlsx)").click()
    drill = list(load_workbook(io.BytesIO(download.value.path().read_bytes())).active.values)
    assert any("Control de divulgación" in str(c) for r in drill for c in r if c)
    page.go_back()
    expect(page).to_have_url(re.compile(r"/opportunities/\?"))

    # never a business: pages 404, the API's business endpoints 403, no admin
    business = site.query("SELECT id FROM businesses_business ORDER BY id LIMIT 1")[0][0]
    assert page.goto(f"/businesses/{business}/").status == 404
    assert page.goto("/businesses/").status == 404
    assert page.goto("/api/v1/businesses/").status == 403
    assert page.goto("/admin/").status == 404


def test_a_coordinator_sees_the_map_of_her_regions(site, page):
    login(page, "coordinadora.lima")  # Lima and Callao
    page.get_by_role("navigation").get_by_role("link", name="Mapa de oportunidades").click()
    expect(page).to_have_url(re.compile(r"/opportunities/"))
    regions = page.locator("main table.heat tbody th").all_inner_texts()
    assert sorted(regions) == ["Callao", "Lima"]
    expect(page.locator("main svg g.tile")).to_have_count(25)  # the others, not hers: greyed
    expect(page.locator("main svg g.tile title").first).to_be_attached()
    # her regions open from the table; another region's drill-down is not hers
    page.locator("main table.heat tbody th").get_by_role("link", name="Lima").click()
    expect(page).to_have_url(re.compile(r"/opportunities/region/15/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Lima")
    assert page.goto("/opportunities/region/04/").status == 404


def test_the_map_and_a_drill_down_are_accessible(site, page):
    """Every control named, text contrast AA (the heat table's colours included), and each
    chart an SVG with a title whose figures are also a table."""
    from tests.browser.test_accessibility import _check

    login(page, "analista.mercado")
    _check(page)
    expect(page.locator("main figure.tilemap svg > title")).to_have_count(1)
    page.locator("main table.heat tbody th").get_by_role("link", name="Lima").click()
    expect(page).to_have_url(re.compile(r"/opportunities/region/15/"))
    _check(page)
    for chart in page.locator("main svg.sales-chart").all():
        expect(chart).to_have_attribute("role", "img")
        expect(chart.locator("title")).not_to_have_count(0)
    expect(page.locator("#trend-table tbody tr")).not_to_have_count(0)
    expect(page.locator("#forecast-table tbody tr")).to_have_count(6)
