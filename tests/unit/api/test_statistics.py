"""GET /api/v1/statistics/: the opportunity map's figures for analysts' tools — the same
function and disclosure control as the page; the measures read the stored scores; padding and
subtraction attacks recover no business's figure through the API, the page or the CSV."""

import datetime as dt
import itertools
import random
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from businesses.models import Business, MonthlyRecord, Source
from forecasting import market_map
from forecasting.models import Advice, LatestScore
from tests.factories import BusinessFactory

pytestmark = pytest.mark.django_db

CUTOFF = dt.date(2024, 12, 1)


def _records(business, sales, months=range(1, 13), year=2024):
    MonthlyRecord.objects.bulk_create(
        MonthlyRecord(business=business, period=dt.date(year, m, 1), sales=Decimal(sales))
        for m in months
    )


def _scored(business, *, next_mean, p=0.5, cutoff=CUTOFF):
    forecast = [{"horizon": h, "mean": float(next_mean)} for h in range(1, 7)]
    advice = Advice.objects.create(
        business=business, status=Advice.Status.READY, forecast=forecast, cutoff=cutoff
    )
    LatestScore.objects.create(
        business=business,
        cutoff=cutoff,
        advice=advice,
        growth_probability=p,
        scored_at=timezone.now(),
    )


def _business(*, sales=1000, next_mean=1100, p=0.5, **kwargs):
    b = BusinessFactory(**kwargs)
    _records(b, sales)
    _scored(b, next_mean=next_mean, p=p)
    return b


def _api(user, lang="en", **params):
    c = Client()
    c.force_login(user)
    return c.get("/api/v1/statistics/", params, HTTP_ACCEPT_LANGUAGE=lang)


def test_schema_documents_the_measure_enum_and_an_analyst_reads_it(analyst):
    _business(region_id="15")
    c = Client()
    c.force_login(analyst)
    spec = c.get("/api/v1/schema/", {"format": "json"}, HTTP_ACCEPT="application/json").json()
    params = spec["paths"]["/api/v1/statistics/"]["get"]["parameters"]
    enum = next(p["schema"]["enum"] for p in params if p["name"] == "measure")
    assert set(enum) == set(market_map.MEASURES)
    r = _api(analyst, measure=enum[0], by="region")
    assert r.status_code == 200
    assert {c["region"]["code"] for c in r.json()["cells"]} >= {"15", "04", "25"}


def test_expected_growth_reads_the_stored_forecasts_and_withholds_stale_businesses(analyst):
    for _i in range(6):
        _business(region_id="15", sales=1000, next_mean=1100)
    stale = BusinessFactory(region_id="15")
    _records(stale, 50_000, months=range(1, 4), year=2023)  # silent since 03/2023
    _scored(stale, next_mean=1, cutoff=dt.date(2023, 3, 1))
    cell = market_map.map_table(market_map.EXPECTED_GROWTH).cell("section", "G", "15")
    assert cell.n == 6 and cell.value == pytest.approx(0.1)
    body = _api(analyst, measure="expected_growth", by="region,sector").json()
    lima = next(c for c in body["cells"] if c["region"]["code"] == "15")
    assert lima["value"] == pytest.approx(0.1) and lima["contributors"] == 6
    assert lima["suppressed"] is False and lima["sector"]["code"] == "G"
    c = Client()
    c.force_login(analyst)
    page = c.get("/opportunities/?measure=expected_growth").content.decode()
    assert "+10" in page and "n=6" in page


def test_a_dominant_business_withholds_a_ratio_with_its_reason(analyst):
    for _i in range(5):
        _business(region_id="15", sales=100, next_mean=100)
    _business(region_id="15", sales=100_000, next_mean=90_000)
    body = _api(analyst, measure="expected_growth", by="region").json()
    lima = next(c for c in body["cells"] if c["region"]["code"] == "15")
    assert lima["suppressed"] and lima["reason"] == "dominance"
    assert lima["value"] is None and lima["contributors"] is None
    assert "most of it" in lima["reason_text"]
    es = _api(analyst, lang="es", measure="expected_growth", by="region").json()["cells"]
    assert next(c for c in es if c["region"]["code"] == "15")["reason_text"].startswith("Retenido")


def test_filters_and_errors_in_the_one_error_shape(analyst, advisor, supervisor):
    _business(region_id="15")
    r = _api(analyst, measure="nonsense")
    assert r.status_code == 400 and r.json()["error"]["details"][0]["field"] == "measure"
    r = _api(analyst, lang="es", measure="businesses", size_class="huge")
    assert r.status_code == 400 and r.json()["error"]["details"][0]["field"] == "size_class"
    # schema-valid questions without an answer: empty cells (no contributors) and why
    body = _api(analyst, measure="expected_growth", month="2024-06").json()
    assert "current cut-off" in body["note"]
    assert all(c["value"] is None and c["contributors"] == 0 for c in body["cells"])
    body = _api(analyst, lang="es", measure="businesses", month="2019-01").json()
    assert "2019-01" in body["note"] and "24 meses" in body["note"]
    body = _api(analyst, measure="businesses", division="99").json()
    assert body["note"] is None and all(c["contributors"] == 0 for c in body["cells"])
    cells = _api(analyst, measure="businesses", by="region,sector", division="47", section="C")
    lima = [c for c in cells.json()["cells"] if c["region"]["code"] == "15"]
    assert [c["sector"]["code"] for c in lima] == ["47"]  # the division wins
    assert lima[0]["suppressed"] and lima[0]["reason"] == "few"  # one business
    assert _api(advisor, measure="businesses").status_code == 403
    assert _api(supervisor, measure="businesses", by="sector").status_code == 403
    body = _api(supervisor, measure="businesses", by="region").json()
    assert [c["region"]["code"] for c in body["cells"]] == ["15"]


def test_women_led_and_online_filters_and_the_month(analyst):
    for i in range(12):
        b = _business(region_id="15", women_led=i < 6, sells_online=i % 2 == 0)
        if i >= 6:  # these joined in 2024-07
            MonthlyRecord.objects.filter(business=b, period__lt=dt.date(2024, 7, 1)).delete()
    table = market_map.map_table(market_map.BUSINESSES)
    assert table.cell("total", "*", "15", women="yes").value == 6
    assert table.cell("total", "*", "15", women="yes", month="2024-06").value == 6
    assert table.cell("total", "*", "15", month="2024-06").value == 6
    assert table.cell("total", "*", "15", month="2024-07").value == 12
    body = _api(analyst, measure="businesses", by="region", women_led="true").json()
    assert next(c for c in body["cells"] if c["region"]["code"] == "15")["value"] == 6


# ------------------------------------------------------------------------- attacks


def test_padding_a_lone_business_with_partner_businesses_reveals_nothing(client, analyst, partner):
    lone = _business(region_id="04", sector_id="10", sales=7777, next_mean=9999)
    for _i in range(8):  # the partner's own businesses, beside the lone one
        b = BusinessFactory(region_id="04", sector_id="10", source=Source.API)
        _records(b, 1000)
        _scored(b, next_mean=1000)
    assert Business.objects.filter(region_id="04").count() == 9
    for measure in market_map.MEASURES:
        if measure == market_map.PRODUCTION_INDEX_YOY:
            continue
        for user in (partner, analyst):
            for by in ("region", "sector", "region,sector"):
                cells = _api(user, measure=measure, by=by).json()["cells"]
                mine = [
                    c
                    for c in cells
                    if c.get("region", {"code": "04"})["code"] == "04"
                    and c.get("sector", {"code": "C"})["code"] in ("C", "10")
                ]
                assert mine and all(c["suppressed"] for c in mine), (measure, user, by)
    client.force_login(analyst)
    for measure in ("businesses", "expected_growth"):
        page = client.get(f"/opportunities/?measure={measure}").content.decode()
        csv_text = b"".join(
            client.get(f"/opportunities/map.csv?measure={measure}").streaming_content
        ).decode("utf-8-sig")
        for text in (page, csv_text):
            assert "9999" not in text and "7777" not in text and "28,6" not in text
    assert lone.pk


def _world(seed=3):
    """A small registry where most cells are small: every sort of business in two regions and
    three sectors, joining over 2024, some stale, most scored."""
    rng = random.Random(seed)
    people = []
    for i in range(46):
        b = BusinessFactory(
            region_id=rng.choice(["15", "04"]),
            sector_id=rng.choice(["47", "10", "56"]),
            size_class=rng.choice(["micro", "small"]),
            women_led=rng.random() < 0.5,
            sells_online=rng.random() < 0.5,
        )
        start = rng.choice([1, 1, 1, 3, 6, 9])
        stale = i % 9 == 0
        months = range(1, 4) if stale else range(start, 13)
        _records(b, rng.randint(800, 1500), months=months)
        if not stale or i % 2:
            _scored(b, next_mean=rng.randint(800, 1600), p=rng.random())
        people.append(b)
    return people


def _contributors(measure, table, people):
    """Ground truth, from the registry as the test built it: who contributes to each cell."""
    latest = CUTOFF
    info = {}
    for b in people:
        periods = sorted(MonthlyRecord.objects.filter(business=b).values_list("period", flat=True))
        score = LatestScore.objects.filter(business=b).first()
        recent = periods[-1] > dt.date(latest.year, latest.month - 6, 1)
        info[b.pk] = (b, periods, score, recent)
    out = {}
    for key in table.keys:
        level, row, region, size, women, online = key
        for j, col in enumerate(table.columns):
            members = set()
            for pk, (b, periods, score, recent) in info.items():
                sector = b.sector
                if level == "section" and sector.section_id != row:
                    continue
                if level == "division" and b.sector_id != row:
                    continue
                if region != "*" and b.region_id != region:
                    continue
                if size != "*" and b.size_class != size:
                    continue
                if women != "*" and b.women_led != (women == "yes"):
                    continue
                if online != "*" and b.sells_online != (online == "yes"):
                    continue
                if measure == market_map.BUSINESSES:
                    end = CUTOFF if col == "current" else dt.date.fromisoformat(col + "-01")
                    if periods[0] > end:
                        continue
                elif measure == market_map.OPPORTUNITY_SHARE:
                    if score is None or not recent:
                        continue
                elif score is None or not recent or dt.date(2024, 7, 1) not in periods:
                    continue
                members.add(pk)
            out[key, j] = members
    return out


@pytest.mark.parametrize(
    "measure",
    [market_map.BUSINESSES, market_map.OPPORTUNITY_SHARE, market_map.EXPECTED_GROWTH],
)
def test_no_subtraction_of_published_cells_isolates_fewer_than_the_threshold(measure):
    """Every published cell against every other: through the filters (sector level, region and
    Peru, size, women-led, sells online: a total minus its published parts), the ``by``
    groupings (Peru is the sum of its regions) and the months (a cell at two months), what is
    left is nobody or at least the threshold of businesses — never one business's figure."""
    people = _world()
    table = market_map.map_table(measure)
    threshold = 5
    truth = _contributors(measure, table, people)
    published = {}
    for (key, j), members in truth.items():
        cell = table.cell(*key, month=table.columns[j])
        if cell.reason:
            continue
        assert (cell.n or 0) == len(members), (key, table.columns[j])
        published[key, j] = members
    assert published and len(published) < len(truth)  # some withheld, some shown
    for j in range(len(table.columns)):
        for (key, jj), whole in published.items():
            if jj != j or not whole:
                continue
            for position in range(6):  # each dimension that splits the cell into parts
                parts = [
                    members
                    for (k2, j2), members in published.items()
                    if j2 == j and k2 != key and _is_part(key, k2, position)
                ]
                if not parts:
                    continue
                left = whole - set().union(*parts)
                assert not 0 < len(left) < threshold, (measure, key, position, left)
    if len(table.columns) > 1:  # the same cell at two months
        for key in table.keys:
            shown = [published[key, j] for j in range(len(table.columns)) if (key, j) in published]
            for a, b in itertools.combinations(shown, 2):
                assert not 0 < len(a ^ b) < threshold, (key, a ^ b)


def _is_part(total, part, position):
    """Whether ``part`` is one of the cells ``total`` splits into along ``position``."""
    if position == 0:  # sector level: all sectors -> sections -> divisions
        order = {"total": 0, "section": 1, "division": 2}
        if order[part[0]] != order[total[0]] + 1 or part[2:] != total[2:]:
            return False
        if total[0] == "section":
            from businesses.models import Sector

            return Sector.objects.get(code=part[1]).section_id == total[1]
        return True
    if position == 1:
        return False
    return (
        total[position] == "*"
        and part[position] != "*"
        and all(part[i] == total[i] for i in range(6) if i != position)
    )
