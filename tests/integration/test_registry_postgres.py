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


def test_deregistered_flags_read_the_ids_as_one_array_on_postgres():
    """SUNAT's deregistrations for a list of ids (a scoring chunk's, sent as one array): the
    flags follow the list's order, with ids out of order, repeated and unknown."""
    from businesses.freshness import deregistered_flags
    from businesses.models import SunatPadronRun, SunatStatus
    from tests.factories import BusinessFactory

    seen = dt.date(2026, 6, 1)
    run = SunatPadronRun.objects.create(sha256="b" * 64, seen_on=seen, status="succeeded")
    gone, active, unread = BusinessFactory(), BusinessFactory(), BusinessFactory()
    for business, status in ((gone, "BAJA DE OFICIO"), (active, "ACTIVO")):
        SunatStatus.objects.create(
            business=business,
            status=status,
            status_since=seen,
            condition="HABIDO",
            condition_since=seen,
            seen_on=seen,
            run=run,
        )
    ids = [active.pk, gone.pk, unread.pk, 10**12, gone.pk]
    assert deregistered_flags(ids).tolist() == [False, True, False, False, True]
    assert deregistered_flags([]).tolist() == []
