import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from businesses.models import MarketIndicator, MonthlyRecord
from tests.factories import BusinessFactory, MonthlyRecordFactory

pytestmark = pytest.mark.django_db


def test_one_record_per_business_and_month():
    record = MonthlyRecordFactory(period=dt.date(2024, 5, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        MonthlyRecord.objects.create(
            business=record.business, period=dt.date(2024, 5, 1), sales=Decimal(1)
        )


def test_negative_sales_are_refused_by_validation_and_by_the_database():
    record = MonthlyRecordFactory.build(business=BusinessFactory(), sales=Decimal("-1"))
    with pytest.raises(ValidationError) as error:
        record.full_clean()
    assert "sales" in error.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        record.save()


def test_a_period_must_be_a_month_that_has_started():
    today = timezone.localdate()
    next_month = (today.replace(day=28) + dt.timedelta(days=5)).replace(day=1)
    future = MonthlyRecordFactory.build(business=BusinessFactory(), period=next_month)
    with translation.override("es"), pytest.raises(ValidationError) as error:
        future.full_clean()
    assert "futuro" in error.value.message_dict["period"][0]
    mid_month = MonthlyRecordFactory.build(business=BusinessFactory(), period=dt.date(2024, 5, 15))
    with pytest.raises(ValidationError) as error:
        mid_month.full_clean()
    assert "period" in error.value.message_dict


def test_ubigeo_must_lie_in_the_business_region():
    business = BusinessFactory.build(region_id="04", ubigeo="150101")
    with translation.override("en"):
        with pytest.raises(ValidationError) as error:
            business.full_clean()
        assert "not in region 04" in error.value.message_dict["ubigeo"][0]


def test_a_business_belongs_to_a_division_not_a_section():
    business = BusinessFactory.build(sector_id="G")
    with pytest.raises(ValidationError) as error:
        business.full_clean()
    assert "sector" in error.value.message_dict


def test_a_national_indicator_has_one_value_per_month():
    MarketIndicator.objects.create(name="idx", period=dt.date(2024, 1, 1), value=100)
    with pytest.raises(IntegrityError), transaction.atomic():
        MarketIndicator.objects.create(name="idx", period=dt.date(2024, 1, 1), value=101)
    # Another region is another series.
    MarketIndicator.objects.create(name="idx", region_id="15", period=dt.date(2024, 1, 1), value=9)


def test_reference_data_is_loaded():
    from businesses.models import Region, Sector, UITValue

    assert Region.objects.count() == 25
    assert Region.objects.get(code="07").name == "Callao"
    assert Sector.objects.filter(section__isnull=True).count() == 21  # sections A-U
    assert Sector.objects.get(code="47").section_id == "G"
    assert UITValue.objects.get(year=2024).value == Decimal("5150")
