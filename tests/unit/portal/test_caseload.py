"""The caseload: search, filters, sorting, pagination and alerts, always within the user's
scope, in a number of queries that does not grow with the rows."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from feedback.models import Visit
from forecasting.models import Advice, LatestScore
from portal.caseload import CaseloadQuery, caseload_alerts, caseload_list
from tests.factories import BusinessFactory, MonthlyRecordFactory, valid_ruc

pytestmark = pytest.mark.django_db


def scored(business, probability=None, change=None, *, uncertain=False):
    LatestScore.objects.create(
        business=business,
        growth_probability=probability,
        forecast_change=change,
        scored_at=timezone.now(),
        uncertain=uncertain,
    )
    return business


def names(qs):
    return [b.trade_name for b in qs]


def test_search_by_ruc_prefix_or_name(advisor):
    a = BusinessFactory(advisor=advisor, ruc=valid_ruc(55_555_001), trade_name="Panadería Sol")
    BusinessFactory(advisor=advisor, ruc=valid_ruc(66_666_001), trade_name="Ferretería Luna")
    assert list(caseload_list(user=advisor, query=CaseloadQuery(search="2055555"))) == [a]
    assert list(caseload_list(user=advisor, query=CaseloadQuery(search="panad"))) == [a]


def found(advisor, search):
    return {b.pk for b in caseload_list(user=advisor, query=CaseloadQuery(search=search))}


def test_search_ignores_accents_and_case(advisor):
    bakeries = {
        BusinessFactory(advisor=advisor, trade_name="Panadería Sol").pk,
        BusinessFactory(advisor=advisor, trade_name="PANADERÍA LUNA").pk,
    }
    garcias = {
        BusinessFactory(advisor=advisor, legal_name=f"GARCÍA QUISPE ROSA {i}").pk for i in range(9)
    }
    BusinessFactory(advisor=advisor, trade_name="Ferretería Garza", legal_name="Gar Cía S.A.C.")
    assert found(advisor, "panaderia") == found(advisor, "Panadería") == bakeries
    for typed in ("García", "garcía", "Garcia", "GARCÍA"):
        assert found(advisor, typed) == garcias, typed


def test_search_finds_an_enye_name_typed_without_it(advisor):
    nunez = BusinessFactory(advisor=advisor, trade_name="Bodega Doña Peña", legal_name="NÚÑEZ")
    BusinessFactory(advisor=advisor, trade_name="Bodega Dona", legal_name="DONATO")
    assert found(advisor, "pena") == {nunez.pk}
    assert found(advisor, "nunez") == found(advisor, "NUÑEZ") == {nunez.pk}


def test_search_matches_every_word_in_any_order(advisor):
    rosa = BusinessFactory(advisor=advisor, trade_name="Panadería Rosa", legal_name="García SAC")
    BusinessFactory(advisor=advisor, trade_name="Panadería Sol", legal_name="García SAC")
    BusinessFactory(advisor=advisor, trade_name="Florería Rosa", legal_name="Quispe EIRL")
    assert found(advisor, "rosa panaderia") == {rosa.pk}
    assert found(advisor, "  GARCIA   rosa ") == {rosa.pk}
    assert found(advisor, "garcia rosa quispe") == set()
    assert found(advisor, f"rosa {rosa.ruc}") == {rosa.pk}  # a RUC among the words


def test_search_by_ruc_prefix_still_finds_only_that_prefix(advisor):
    a = BusinessFactory(advisor=advisor, ruc=valid_ruc(12_345_001))
    BusinessFactory(advisor=advisor, ruc=valid_ruc(99_123_451))  # "12345" inside, not a prefix
    assert found(advisor, a.ruc[:7]) == {a.pk}


def test_sorting_by_name_follows_the_name_shown(advisor):
    # legal names in the opposite order, so a sort by legal name fails
    BusinessFactory(advisor=advisor, trade_name="Ñandú Sport", legal_name="A Uno")
    BusinessFactory(advisor=advisor, trade_name="", legal_name="álamo Textil")
    BusinessFactory(advisor=advisor, trade_name="bodega Centro", legal_name="Z Tres")
    BusinessFactory(advisor=advisor, trade_name="Cevichería Mar", legal_name="M Dos")
    first = BusinessFactory(advisor=advisor, trade_name="Zapatería", legal_name="Y Uno")
    second = BusinessFactory(advisor=advisor, trade_name="ZAPATERÍA", legal_name="B Dos")

    def shown(sort):
        return [str(b) for b in caseload_list(user=advisor, query=CaseloadQuery(sort=sort))]

    ascending = ["álamo Textil", "bodega Centro", "Cevichería Mar", "Ñandú Sport"]
    assert shown("name") == [*ascending, "Zapatería", "ZAPATERÍA"]
    assert shown("-name") == ["Zapatería", "ZAPATERÍA", *reversed(ascending)]
    ties = [b.pk for b in caseload_list(user=advisor, query=CaseloadQuery(sort="-name"))][:2]
    assert ties == [first.pk, second.pk]  # equal names keep the order they were registered in


def test_filters_by_sector_region_size_and_growth_band(advisor):
    scored(
        BusinessFactory(advisor=advisor, trade_name="food", sector_id="10", region_id="08"),
        probability=0.82,
    )
    shop = scored(BusinessFactory(advisor=advisor, trade_name="shop", sector_id="47"), 0.55)
    low = scored(BusinessFactory(advisor=advisor, trade_name="low", sector_id="47"), 0.10)
    unscored = BusinessFactory(advisor=advisor, trade_name="none", sector_id="47")
    for b in (shop, low):
        b.size_class = "small"
        b.save()

    def q(**kw):
        return set(names(caseload_list(user=advisor, query=CaseloadQuery(**kw))))

    assert q(sector="10") == {"food"}
    assert q(sector="C") == {"food"}  # a CIIU section covers its divisions (10 is in C)
    assert q(region="08") == {"food"}
    assert q(size_class="small") == {"shop", "low"}
    assert q(growth_band="high") == {"food"}
    assert q(growth_band="medium") == {"shop"}
    assert q(growth_band="low") == {"low"}
    assert q(growth_band="none") == {unscored.trade_name}


def test_sorting_puts_missing_values_last(advisor):
    a = scored(BusinessFactory(advisor=advisor, trade_name="a", legal_name="A"), 0.3, -0.4)
    b = scored(BusinessFactory(advisor=advisor, trade_name="b", legal_name="B"), 0.9, 0.2)
    BusinessFactory(advisor=advisor, trade_name="c", legal_name="C")
    MonthlyRecordFactory(business=a, period=dt.date(2024, 5, 1), sales=Decimal("900"))
    MonthlyRecordFactory(business=a, period=dt.date(2024, 6, 1), sales=Decimal("100"))
    MonthlyRecordFactory(business=b, period=dt.date(2024, 6, 1), sales=Decimal("500"))
    Advice.objects.create(business=b, requested_by=advisor)

    def order(sort):
        return names(caseload_list(user=advisor, query=CaseloadQuery(sort=sort)))

    assert order("name") == ["a", "b", "c"]
    assert order("-name") == ["c", "b", "a"]
    assert order("-growth") == ["b", "a", "c"]
    assert order("growth") == ["a", "b", "c"]
    assert order("change") == ["a", "b", "c"]  # the steepest fall first
    assert order("-last_sales") == ["b", "a", "c"]  # the latest month counts, not the largest
    assert order("-last_advice") == ["b", "a", "c"]
    assert order("nonsense") == ["a", "b", "c"]


def test_page_filters_sorts_and_paginates(client, advisor, settings):
    settings.CASELOAD_PAGE_SIZE = 2
    for i, p in enumerate([0.1, 0.9, 0.5]):
        scored(BusinessFactory(advisor=advisor, trade_name=f"Bodega {i}"), p)
    client.force_login(advisor)
    url = reverse("businesses:caseload")
    first = client.get(url, {"sort": "-growth"})
    assert first.status_code == 200
    assert names(first.context["page"]) == ["Bodega 1", "Bodega 2"]
    assert "sort=-growth&amp;page=2" in first.content.decode()  # pages keep the sort
    second = client.get(url, {"sort": "-growth", "page": 2})
    assert names(second.context["page"]) == ["Bodega 0"]
    filtered = client.get(url, {"growth": "high"})
    assert names(filtered.context["page"]) == ["Bodega 1"]
    bad = client.get(url, {"growth": "<script>", "sector": "zz", "sort": "evil"})
    assert bad.status_code == 200 and bad.context["page"].paginator.count == 3


def test_alerts(advisor, other_advisor, settings):
    settings.ALERT_NO_ADVICE_DAYS = 30
    settings.ALERT_NO_VISIT_DAYS = 30
    falling = scored(BusinessFactory(advisor=advisor, trade_name="falling"), 0.2, -0.35)
    rising = scored(BusinessFactory(advisor=advisor, trade_name="rising"), 0.85, 0.05)
    quiet = scored(BusinessFactory(advisor=advisor, trade_name="quiet"), 0.5, -0.05)
    scored(BusinessFactory(advisor=other_advisor, trade_name="theirs"), 0.95, -0.9)
    # an intermittent series' forecast swings: shown, but it raises no alert
    scored(BusinessFactory(advisor=advisor, trade_name="intermittent"), 0.2, -0.9, uncertain=True)
    Advice.objects.create(business=falling, requested_by=advisor)
    Advice.objects.create(business=rising, requested_by=advisor)
    old = Advice.objects.create(business=quiet, requested_by=advisor)
    Advice.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=40))
    Visit.objects.create(business=rising, date=timezone.localdate(), created_by=advisor)
    Visit.objects.create(
        business=quiet, date=timezone.localdate() - dt.timedelta(days=31), created_by=advisor
    )

    alerts = {a.code: a for a in caseload_alerts(user=advisor)}
    assert alerts["falling"].count == 1 and names(alerts["falling"].examples) == ["falling"]
    assert alerts["growth"].count == 1 and names(alerts["growth"].examples) == ["rising"]
    assert alerts["no_advice"].count == 2 and alerts["no_visit"].count == 3
    only = caseload_list(user=advisor, query=CaseloadQuery(alert="no_advice"))
    assert set(names(only)) == {"intermittent", "quiet"}

    settings.ALERT_NO_ADVICE_DAYS = 60  # configurable: the 40-day-old advice is recent enough
    later = {a.code: a.count for a in caseload_alerts(user=advisor)}
    assert later["no_advice"] == 1  # only the business that never had advice
    only = caseload_list(user=advisor, query=CaseloadQuery(alert="no_visit"))
    assert set(names(only)) == {"falling", "quiet", "intermittent"}


def test_alerts_are_shown_on_the_page_in_spanish(client, advisor):
    scored(BusinessFactory(advisor=advisor, trade_name="Cae"), 0.2, -0.35)
    client.force_login(advisor)
    html = client.get(reverse("businesses:caseload")).content.decode()
    assert 'data-alert="falling"' in html
    assert "cuyo pronóstico cae" in html
    assert "−35.0 %" in html


def test_caseload_never_shows_another_advisors_business(client, advisor, other_advisor):
    scored(BusinessFactory(advisor=other_advisor, trade_name="Ajena"), 0.99, -0.9)
    mine = BusinessFactory(advisor=advisor, trade_name="Mía")
    client.force_login(advisor)
    response = client.get(reverse("businesses:caseload"), {"q": "Aj"})
    assert response.context["page"].paginator.count == 0
    assert "Ajena" not in response.content.decode()
    everything = client.get(reverse("businesses:caseload"), {"sort": "-growth"})
    assert names(everything.context["page"]) == [mine.trade_name]
    assert "Ajena" not in everything.content.decode()


def _fill(advisor, n):
    for _ in range(n):
        b = scored(BusinessFactory(advisor=advisor), 0.8, -0.3)
        MonthlyRecordFactory(business=b, period=dt.date(2024, 6, 1))
        Advice.objects.create(business=b, requested_by=advisor)
        Visit.objects.create(business=b, date=dt.date(2024, 6, 2), created_by=advisor)


@pytest.mark.parametrize("who", ["advisor", "supervisor"])
def test_query_count_does_not_grow_with_rows(
    client, advisor, supervisor, who, django_assert_max_num_queries
):
    user = {"advisor": advisor, "supervisor": supervisor}[who]
    _fill(advisor, 3)
    client.force_login(user)
    url = reverse("businesses:caseload")
    client.get(url)
    with django_assert_max_num_queries(20) as few:
        assert client.get(url, {"sort": "-growth"}).status_code == 200
    _fill(advisor, 40)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url, {"sort": "-growth"})
    assert response.context["page"].paginator.count == 43


def test_caseload_in_english(client, advisor):
    scored(BusinessFactory(advisor=advisor, trade_name="Falls"), 0.9, -0.5)
    client.force_login(advisor)
    client.cookies["django_language"] = "en"
    html = client.get(reverse("businesses:caseload")).content.decode()
    assert "1 business whose forecast falls" in html and "1 strong growth opportunity" in html
    assert "Growth probability" in html and "90 %" in html


def test_download_the_filtered_caseload(client, advisor, other_advisor):
    BusinessFactory(advisor=advisor, trade_name="Panadería Sol", region_id="08", ubigeo="080101")
    BusinessFactory(advisor=advisor, trade_name="Bodega Lima")
    BusinessFactory(advisor=other_advisor, trade_name="Panadería Ajena")
    client.force_login(advisor)
    response = client.get(reverse("businesses:caseload_export", args=["csv"]), {"q": "Panad"})
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode()
    assert "Panadería Sol" in body
    assert "Bodega Lima" not in body and "Ajena" not in body
    assert client.get(reverse("businesses:caseload_export", args=["pdf"])).status_code == 404
    xlsx = client.get(reverse("businesses:caseload_export", args=["xlsx"]))
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd.openxml")


def test_a_business_without_a_score_says_so_without_a_computed_date(client, advisor):
    BusinessFactory(advisor=advisor, trade_name="Sin puntaje")
    scored(BusinessFactory(advisor=advisor, trade_name="Con puntaje"), 0.42)
    client.force_login(advisor)
    rows = client.get(reverse("businesses:caseload")).content.decode().split("<tr")
    unscored = next(r for r in rows if "Sin puntaje" in r)
    with_score = next(r for r in rows if "Con puntaje" in r)
    assert "data-growth-probability" not in unscored
    assert "calculado" not in unscored and "computed" not in unscored
    assert "42 %" in with_score and "calculado" in with_score


def test_stale_businesses_have_an_alert_a_filter_and_a_mark(client, advisor, other_advisor):
    """Issue 16, item 1: businesses whose records stopped ASESOR_STALE_AFTER_MONTHS or more
    before the registry's latest month are "sin datos recientes" in the caseload."""
    current = BusinessFactory(advisor=advisor, trade_name="Al día")
    silent = BusinessFactory(advisor=advisor, trade_name="Callada")
    BusinessFactory(advisor=advisor, trade_name="Sin registros")  # no data: not stale
    theirs = BusinessFactory(advisor=other_advisor, trade_name="Ajena callada")
    MonthlyRecordFactory(business=current, period=dt.date(2026, 6, 1))
    MonthlyRecordFactory(business=silent, period=dt.date(2025, 12, 1))  # 6 months before
    MonthlyRecordFactory(business=theirs, period=dt.date(2024, 1, 1))
    alerts = {a.code: a for a in caseload_alerts(user=advisor)}
    assert alerts["stale"].count == 1
    assert names(caseload_list(user=advisor, query=CaseloadQuery(alert="stale"))) == ["Callada"]
    client.force_login(advisor)
    html = client.get(reverse("businesses:caseload")).content.decode()
    assert 'data-alert="stale"' in html and "1 empresa sin datos recientes" in html
    assert html.count("data-stale") == 1  # the silent business's row only
    assert '<option value="stale">Sin datos recientes</option>' in html  # the filter
    only = client.get(reverse("businesses:caseload"), {"alert": "stale"}).content.decode()
    assert "Callada" in only and "Al día" not in only and "Ajena" not in only
