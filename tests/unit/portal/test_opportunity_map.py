"""The opportunity map: the analyst's home page, coordinators' for their regions; figures
through the disclosure rules (withheld cells marked with their reason, never blank or zero,
and never recoverable by subtracting published ones across the filters); the share of growth
opportunities read from the current scores; a CSV of exactly what is shown."""

import csv
import io

import pytest
from django.utils import timezone

from businesses.models import Business, Source, SupervisedRegion
from forecasting import market_map
from forecasting.models import LatestScore
from tests.factories import BusinessFactory

pytestmark = pytest.mark.django_db


def _many(n, **kwargs):
    return [BusinessFactory(**kwargs) for _ in range(n)]


def _score(business, p):
    LatestScore.objects.create(business=business, growth_probability=p, scored_at=timezone.now())


def test_analyst_lands_on_the_map_with_every_region(client, analyst):
    _many(6, region_id="15", sector_id="47")
    client.force_login(analyst)
    r = client.get("/", follow=True)
    assert r.status_code == 200
    assert r.redirect_chain[-1][0] == "/opportunities/"
    page = r.content.decode()
    assert "<svg" in page
    for name in ("Lima", "Loreto", "Tacna", "Callao", "Madre de Dios"):
        assert name in page


def test_cells_below_the_threshold_are_withheld_with_their_reason(client, analyst):
    _many(6, region_id="15", sector_id="47")  # G: 6 businesses
    _many(2, region_id="15", sector_id="10")  # C: 2 businesses -> few
    table = market_map.map_table(market_map.BUSINESSES)
    assert table.cell("total", "*", "15", "*").value == 8
    few = table.cell("section", "C", "15", "*")
    assert few.value is None and few.n is None and few.reason == "few"
    # the region's total minus G would be C: G is withheld too, as its complement
    assert table.cell("section", "G", "15", "*").reason == "complement"
    # and so is each way of reaching G: its division, its only size class
    for key in [("division", "47", "15", "*"), ("section", "G", "15", "unknown")]:
        assert table.cell(*key).value is None, key
    client.force_login(analyst)
    page = client.get("/opportunities/").content.decode()
    assert page.count('class="withheld"') >= 2  # C and G, each with its reason on hover


def test_no_filter_combination_reveals_a_withheld_cell():
    """Size classes and all sizes protect each other: publishing all sizes and every size
    class but one would give that one away."""
    _many(6, region_id="04", sector_id="47", size_class="micro")
    _many(2, region_id="04", sector_id="47", size_class="small")
    _many(6, region_id="04", sector_id="56", size_class="micro")
    table = market_map.map_table(market_map.BUSINESSES)
    for level, row in (("section", "G"), ("division", "47"), ("total", "*")):
        small = table.cell(level, row, "04", "small")
        assert small.reason == "few"
        every = table.cell(level, row, "04", "*")
        micro = table.cell(level, row, "04", "micro")
        assert every.reason or micro.reason, level
    # within the region, sections and total: total(04, micro) - G(micro) = I(micro) is fine,
    # but nothing published adds up to the 2 small businesses
    published = {k: c.value for k, c in table.cells.items() if k[2] == "04" and c.value is not None}
    assert all(v != 2 for v in published.values())


def test_partner_fed_businesses_never_contribute():
    _many(6, region_id="15", sector_id="47")
    _many(3, region_id="15", sector_id="47", source=Source.API)
    assert market_map.map_table(market_map.BUSINESSES).cell("section", "G", "15", "*").value == 6


def test_share_of_growth_opportunities_reads_the_current_scores(client, analyst):
    scored = _many(10, region_id="15", sector_id="47")
    _many(3, region_id="15", sector_id="47")  # not scored: not contributors
    for b, p in zip(scored, [0.9, 0.75, 0.7, 0.2, 0.1, 0.5, 0.69, 0.3, 0.4, 0.95], strict=True):
        _score(b, p)
    cell = market_map.map_table(market_map.OPPORTUNITY_SHARE).cell("section", "G", "15", "*")
    assert cell.n == 10 and cell.value == pytest.approx(0.4)
    client.force_login(analyst)
    page = client.get("/opportunities/?measure=opportunity_share").content.decode()
    assert "40 %" in page and "n=10" in page


def test_the_csv_is_what_is_shown_and_formula_safe(client, analyst):
    _many(9, region_id="15", sector_id="47")
    _many(6, region_id="15", sector_id="56")  # withheld with C: C + I pass the rules
    _many(2, region_id="15", sector_id="10")
    client.force_login(analyst)
    r = client.get("/opportunities/map.csv?measure=businesses")
    assert r.status_code == 200 and r["Content-Type"].startswith("text/csv")
    text = b"".join(r.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    lima = next(row for row in rows if row[:1] == ["15"])
    header = rows[0]
    g = header.index(next(h for h in header if h.startswith("G ")))
    c = header.index(next(h for h in header if h.startswith("C ")))
    assert lima[g] == "9" and lima[g + 1] == "9"
    assert lima[c].startswith("withheld") or lima[c].startswith("retenido")
    notes = [" ".join(row) for row in rows if row and "5" in " ".join(row)]
    assert any("Control de divulgación" in n or "Disclosure control" in n for n in notes)
    assert not any(cell[:1] in "=+-@" and cell for row in rows for cell in row)


def test_coordinators_see_their_regions_only(client, supervisor, advisor):
    _many(6, region_id="15", sector_id="47")
    _many(6, region_id="04", sector_id="47")
    client.force_login(supervisor)
    r = client.get("/opportunities/")
    assert r.status_code == 200
    rows = r.context["rows"]
    assert [row["region"].code for row in rows] == ["15"]
    client.force_login(advisor)
    assert client.get("/opportunities/").status_code == 403


def test_sorting_by_a_column(client, analyst):
    _many(6, region_id="15", sector_id="47")
    _many(9, region_id="04", sector_id="47")
    client.force_login(analyst)
    rows = client.get("/opportunities/?sort=-G").context["rows"]
    assert [row["region"].code for row in rows[:2]] == ["04", "15"]
    rows = client.get("/opportunities/?sort=G").context["rows"]
    assert [row["region"].code for row in rows[:2]] == ["15", "04"]
    assert Business.objects.count() == 15
    assert SupervisedRegion.objects.count() == 0
