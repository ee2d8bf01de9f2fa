"""The registry's admin pages answer with a number of queries that does not grow with rows."""

import datetime as dt

import pytest
from django.urls import reverse

from tests.factories import BusinessFactory, MonthlyRecordFactory

pytestmark = pytest.mark.django_db

PAGES = [
    "admin:businesses_business_changelist",
    "admin:businesses_monthlyrecord_changelist",
    "admin:businesses_marketindicator_changelist",
    "admin:businesses_dataimport_changelist",
    "admin:businesses_sector_changelist",
    "admin:forecasting_advice_changelist",
    "admin:forecasting_modelversion_changelist",
]


def _grow(advisor, n):
    for _ in range(n):
        b = BusinessFactory(advisor=advisor)
        MonthlyRecordFactory(business=b, period=dt.date(2024, 1, 1))


@pytest.mark.parametrize("page", PAGES)
def test_admin_list_query_count_does_not_grow(
    admin_client, advisor, page, django_assert_max_num_queries
):
    _grow(advisor, 2)
    url = reverse(page)
    with django_assert_max_num_queries(40) as first:
        assert admin_client.get(url).status_code == 200
    _grow(advisor, 20)
    with django_assert_max_num_queries(len(first.captured_queries)):
        assert admin_client.get(url).status_code == 200


def test_admin_finds_a_business_by_ruc(admin_client, business):
    response = admin_client.get(
        reverse("admin:businesses_business_changelist"), {"q": business.ruc}
    )
    assert list(response.context["cl"].result_list) == [business]


def test_steward_reaches_the_admin_but_an_advisor_does_not(client, steward, advisor):
    client.force_login(steward)
    assert client.get(reverse("admin:businesses_business_changelist")).status_code == 200
    client.force_login(advisor)
    assert client.get(reverse("admin:businesses_business_changelist")).status_code == 302
