"""Issue 16, items 1 and 2 on the business page: a business whose records stopped says so
plainly and shows no forecast or growth probability as if it were trading; one without records
never says "data up to"; a month whose two models disagreed carries a note."""

import datetime as dt

import pytest
from django.urls import reverse

from forecasting.models import Advice
from tests.factories import BusinessFactory, MonthlyRecordFactory
from tests.unit.feedback.advice_data import FORECAST, ready_advice

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry_now(advisor):
    """Another business reporting up to 06/2026: the registry's latest month."""
    other = BusinessFactory(advisor=advisor, region_id="15", ubigeo="150101")
    MonthlyRecordFactory(business=other, period=dt.date(2026, 6, 1))
    return other


def _page(client, user, business) -> str:
    client.force_login(user)
    response = client.get(reverse("businesses:detail", kwargs={"pk": business.pk}))
    assert response.status_code == 200
    return response.content.decode()


def test_a_stale_business_says_so_and_withholds_its_forecast(
    client, business, advisor, registry_now
):
    ready_advice(business, user=advisor)  # computed when its data was current
    html = _page(client, advisor, business)  # its last record: 12/2024, 18 months before
    assert "Sin datos recientes: no reporta desde 12/2024 (18 meses)" in html
    assert "data-forecast-withheld" in html and 'data-stale="18"' in html
    assert "S/ 10,500.00" not in html  # no forecast month presented as if it were trading
    assert "data-growth-probability" not in html  # nor its growth probability
    assert "Probabilidad de crecimiento retenida" in html
    assert "aún no tiene asesoría" not in html  # the advice is there, with the caveat


def test_a_current_business_has_no_stale_warning(client, business, advisor):
    ready_advice(business, user=advisor)
    html = _page(client, advisor, business)
    assert "Sin datos recientes" not in html and "data-stale" not in html
    assert "S/ 10,500.00" in html and "42 %" in html


def test_the_threshold_is_a_setting(client, business, advisor, registry_now, settings):
    ready_advice(business, user=advisor)
    settings.STALE_AFTER_MONTHS = 24
    assert "Sin datos recientes" not in _page(client, advisor, business)


def test_a_business_without_records_never_says_data_up_to(client, advisor, registry_now):
    empty = BusinessFactory(advisor=advisor, region_id="15", ubigeo="150101")
    Advice.objects.create(
        business=empty, status=Advice.Status.READY, cutoff=dt.date(2026, 6, 1), forecast=[]
    )
    html = _page(client, advisor, empty)
    assert "no tiene registros mensuales" in html
    assert "datos hasta" not in html.lower() and "06/2026" not in html


def test_a_month_whose_models_disagree_carries_a_note(client, business, advisor):
    advice = ready_advice(business, user=advisor)
    advice.forecast = [{**m, "models_disagree": m["horizon"] == 2} for m in FORECAST]
    advice.save()
    html = _page(client, advisor, business)
    assert html.count("data-models-disagree") == 2  # the month's row and the note
    assert "discreparon" in html
