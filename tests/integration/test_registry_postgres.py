import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from businesses.models import Business, MarketIndicator, MonthlyRecord
from businesses.scoping import visible_businesses

pytestmark = pytest.mark.django_db


def test_demo_seed_loads_through_copy_on_postgres():
    from businesses.demo import demo_data_load

    load = demo_data_load(businesses=40, months=24, seed=5)
    assert Business.objects.count() == load.businesses == 40
    assert MonthlyRecord.objects.count() == load.records > 40 * 6
    assert MarketIndicator.objects.count() == load.indicators > 0
    # Unique (business, period) holds on the COPY path too.
    record = MonthlyRecord.objects.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        MonthlyRecord.objects.create(business=record.business, period=record.period, sales=1)


def test_national_indicator_is_unique_per_month_on_postgres():
    MarketIndicator.objects.create(name="idx", period=dt.date(2024, 1, 1), value=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        MarketIndicator.objects.create(name="idx", period=dt.date(2024, 1, 1), value=2)


def test_supervisor_scope_on_postgres(supervisor, advisor):
    from tests.factories import BusinessFactory

    lima = BusinessFactory(region_id="15", ubigeo="150101")
    BusinessFactory(region_id="04", ubigeo="040101")
    assert list(visible_businesses(supervisor)) == [lima]
