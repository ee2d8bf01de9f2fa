"""The opportunity map's drill-down: a region or a sector of it opened from the map or the
table, with the one market trend, the sum of its businesses' stored forecasts with the band of
a sum, and its businesses' reasons averaged in words; every part through the disclosure rules
(withheld with its reason, never recoverable by subtracting published sums); its figures and
the table's as xlsx, read back here."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from forecasting import market_drill
from forecasting.engine.bands import sum_band
from forecasting.models import Advice, LatestScore
from tests.factories import BusinessFactory, MonthlyRecordFactory

pytestmark = pytest.mark.django_db

LAST = dt.date(2024, 12, 1)
DRIVERS = [
    {"family": "staff", "contribution": 0.3, "label_es": "Personal", "label_en": "Staff"},
    {"family": "volatility", "contribution": -0.2},
]


def _business(*, mean=1000.0, p10=600.0, p90=1500.0, drivers=DRIVERS, scored=True, **kwargs):
    b = BusinessFactory(**kwargs)
    MonthlyRecordFactory(business=b, period=LAST, sales=Decimal("1000"))
    if not scored:
        return b
    months = [
        {"horizon": h, "period": f"2025-{h:02d}-01", "mean": mean, "p10": p10, "p50": mean,
         "p90": p90}
        for h in range(1, 7)
    ]  # fmt: skip
    advice = Advice.objects.create(
        business=b, status=Advice.Status.READY, cutoff=LAST, forecast=months, drivers=drivers
    )
    LatestScore.objects.create(
        business=b,
        growth_probability=0.5,
        scored_at=timezone.now(),
        source=LatestScore.Source.ADVICE,
        advice=advice,
        cutoff=LAST,
    )
    return b


def test_a_region_drill_down_sums_the_forecasts_with_the_band_of_a_sum(client, analyst):
    means = [1000.0, 2000.0, 1500.0, 800.0, 1200.0, 900.0]
    for m in means:
        _business(mean=m, p10=0.6 * m, p90=1.5 * m, region_id="15", sector_id="47")
    client.force_login(analyst)
    # the map links the region to its drill-down
    page = client.get("/opportunities/").content.decode()
    assert 'href="/opportunities/region/15/?measure=businesses"' in page
    r = client.get("/opportunities/region/15/")
    assert r.status_code == 200
    forecast = r.context["forecast"]
    assert forecast["n"] == 6
    assert forecast["total"]["mean"] == pytest.approx(6 * sum(means))
    expected = sum_band(
        [[m] * 6 for m in means], [[0.6 * m] * 6 for m in means], [[1.5 * m] * 6 for m in means]
    )
    assert forecast["total"]["p10"] == pytest.approx(expected["total_p10"])
    # not the sum of the p10s: the band of a sum of independent businesses is narrower
    assert 6 * 0.6 * sum(means) < forecast["total"]["p10"] < forecast["total"]["mean"]
    assert [m["period"] for m in forecast["months"]] == [dt.date(2025, m, 1) for m in range(1, 7)]
    html = r.content.decode()
    assert "<svg" in html and 'id="forecast-table"' in html  # the chart and its table
    assert r.context["trend"]["series"]  # the one market trend of the region
    drivers = r.context["drivers"]
    assert drivers["up"][0]["family"] == "staff" and drivers["down"][0]["family"] == "volatility"
    assert "6" in drivers["up"][0]["text"]


def test_a_small_cell_is_withheld_with_its_reason(client, analyst):
    for _ in range(6):
        _business(region_id="15", sector_id="47")
    for _ in range(2):
        _business(region_id="15", sector_id="10")
    client.force_login(analyst)
    r = client.get("/opportunities/region/15/", {"sector": "C"})
    assert r.status_code == 200
    assert r.context["withheld"] and r.context["forecast"] is None
    assert r.context["drivers"] is None
    assert "withheld" in r.content.decode().lower() or "retenido" in r.content.decode().lower()


def test_a_dominated_forecast_is_withheld_and_its_complement_too():
    """One business makes up most of G's expected sales: G's sum is withheld, and so is I's,
    since the region's total minus I would give G."""
    _business(mean=1_000_000.0, p10=500_000.0, p90=2_000_000.0, region_id="04", sector_id="47")
    for _ in range(5):
        _business(mean=1000.0, region_id="04", sector_id="47")
    for _ in range(6):
        _business(mean=1000.0, region_id="04", sector_id="56")
    cells = market_drill.forecast_cells(market_drill.disclosure.NOBODY)
    g = cells[("section", "G", "04", "*")]
    i = cells[("section", "I", "04", "*")]
    total = cells[("total", "*", "04", "*")]
    assert g[0] and (i[0] or total[0])
    drill = market_drill.drill_down(("section", "I", "04", "*"))
    assert not drill.withheld  # I's count is published ...
    assert isinstance(drill.forecast, market_drill.Withheld) or total[0]  # ... its sum is not


def test_drivers_need_enough_businesses_with_reasons(client, analyst):
    for _ in range(3):
        _business(region_id="15", sector_id="47")
    for _ in range(4):
        _business(region_id="15", sector_id="47", drivers=[])
    client.force_login(analyst)
    r = client.get("/opportunities/region/15/")
    assert r.context["forecast"]["n"] == 7
    assert r.context["drivers"] is None and r.context["drivers_withheld"]


def test_the_table_and_the_drill_down_as_xlsx_with_the_disclosure_note(client, analyst):
    for _ in range(6):
        _business(region_id="15", sector_id="47")
    BusinessFactory(region_id="15", sector_id="47", legal_name="=HYPERLINK(1)")
    client.force_login(analyst)
    r = client.get("/opportunities/map.xlsx", {"measure": "businesses"})
    assert r.status_code == 200 and r["Content-Type"].endswith("spreadsheetml.sheet")
    rows = list(load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True))
    csv = client.get("/opportunities/map.csv", {"measure": "businesses"})
    csv_text = b"".join(csv.streaming_content).decode("utf-8-sig")
    assert len([r for r in rows if r[0] and str(r[0]).isdigit()]) == 25
    lima = next(r for r in rows if r[0] == "15")
    assert lima[2] == 7 and lima[3] == 7  # numbers stay numbers
    assert f"{lima[2]},{lima[3]}" in csv_text  # the same figures as the CSV
    notes = " ".join(str(c) for r in rows for c in r if c)
    assert "Control de divulgación" in notes or "Disclosure control" in notes

    r = client.get("/opportunities/region/15/drill.xlsx")
    rows = list(load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True))
    months = [r for r in rows if r[1] and r[1].startswith("2025-")]
    assert [r[1] for r in months] == [f"2025-{m:02d}" for m in range(1, 7)]
    assert all(r[2] == pytest.approx(6 * 1000.0) and r[3] < r[2] < r[4] for r in months)
    total = next(r for r in rows if r[1] is None and r[3] is not None)
    assert total[2] == pytest.approx(6 * 6 * 1000.0) and total[5]  # with its method
    text = " ".join(str(c) for r in rows for c in r if c)
    assert "Control de divulgación" in text or "Disclosure control" in text
    assert not any(str(c).startswith(("=", "+", "@")) for r in rows for c in r if c)


def test_coordinators_open_their_regions_only(client, supervisor, advisor):
    for _ in range(6):
        _business(region_id="15", sector_id="47")
        _business(region_id="04", sector_id="47")
    client.force_login(supervisor)
    assert client.get("/opportunities/region/15/").status_code == 200
    assert client.get("/opportunities/region/04/").status_code == 404
    assert client.get("/opportunities/region/15/", {"sector": "ZZ"}).status_code == 404
    client.force_login(advisor)
    assert client.get("/opportunities/region/15/").status_code == 403


def test_no_additive_relation_of_the_forecast_sums_has_a_single_withheld_member():
    """Across every relation the page can show (a region and its sections, a section and its
    divisions, all sizes and each size class), never exactly one withheld sum: subtracting
    the published ones would give it."""
    import random

    rng = random.Random(11)
    for _ in range(40):
        mean = rng.choice([800.0, 1200.0, 3000.0, 250_000.0])
        _business(
            mean=mean,
            p10=0.5 * mean,
            p90=2 * mean,
            region_id=rng.choice(["15", "04"]),
            sector_id=rng.choice(["47", "46", "10", "56"]),
            size_class=rng.choice(["micro", "small"]),
        )
    cells = market_drill.forecast_cells(market_drill.disclosure.NOBODY)
    assert any(code for code, _n, _t in cells.values())  # something is withheld
    assert any(not code for code, _n, _t in cells.values())  # something is published
    sections = {"47": "G", "46": "G", "10": "C", "56": "I"}
    relations = []
    for region in ("15", "04"):
        for size in ("*", "micro", "small"):
            relations.append(
                [("total", "*", region, size)]
                + [("section", s, region, size) for s in ("G", "C", "I")]
            )
            for section in ("G", "C", "I"):
                relations.append(
                    [("section", section, region, size)]
                    + [("division", d, region, size) for d, s in sections.items() if s == section]
                )
        for level, row in [("total", "*")] + [("section", s) for s in "GCI"]:
            relations.append([(level, row, region, size) for size in ("*", "micro", "small")])
    for relation in relations:
        present = [cells[k] for k in relation if k in cells]
        withheld = [code for code, n, _t in present if code and n]
        assert len(withheld) != 1, relation


def test_the_map_links_carry_the_sector_and_size_the_drill_down_takes(client, analyst):
    for _ in range(6):
        _business(region_id="15", sector_id="47", size_class="micro")
    client.force_login(analyst)
    query = {"measure": "businesses", "section": "G", "size": "micro", "women": "no"}
    page = client.get("/opportunities/", query).content.decode()
    # the region's total in a section view is the section's; its columns are divisions
    assert 'href="/opportunities/region/15/?measure=businesses&amp;sector=G&amp;size=micro"' in page
    assert (
        'href="/opportunities/region/15/?measure=businesses&amp;sector=47&amp;size=micro"' in page
    )
    # a division view (no section chosen): its total is the division's section
    page = client.get("/opportunities/", {"division": "47"}).content.decode()
    assert 'href="/opportunities/region/15/?measure=businesses&amp;sector=G"' in page
    r = client.get("/opportunities/region/15/", {"sector": "47", "size": "micro"})
    assert r.status_code == 200 and r.context["key"] == ("division", "47", "15", "micro")
    assert r.context["forecast"]["n"] == 6
