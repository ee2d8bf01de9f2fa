import datetime as dt
from decimal import Decimal

import pytest

from businesses.models import Business, SizeClass, UITValue
from businesses.services import business_refresh_size_classes, size_class_for_sales
from tests.factories import BusinessFactory, MonthlyRecordFactory


@pytest.mark.parametrize(
    ("annual_uit", "expected"),
    [
        (150, SizeClass.MICRO),
        (150.01, SizeClass.SMALL),
        (1700, SizeClass.SMALL),
        (1700.5, SizeClass.MEDIUM),
        (2300, SizeClass.MEDIUM),
        (2301, SizeClass.LARGE),
    ],
)
def test_ley_30056_thresholds(annual_uit, expected):
    uit = Decimal("5000")
    assert size_class_for_sales(Decimal(str(annual_uit)) * uit, uit) == expected


def test_unknown_without_sales_or_uit():
    assert size_class_for_sales(None, Decimal(5000)) == SizeClass.UNKNOWN
    assert size_class_for_sales(Decimal(1), None) == SizeClass.UNKNOWN


@pytest.mark.django_db
def test_refresh_uses_the_last_12_months_and_that_years_uit():
    # 12 months of S/ 70,000 = S/ 840,000 a year. With the 2024 UIT (5,150) that is 163 UIT:
    # small. If stewards set the 2024 UIT to 6,000 it is 140 UIT: micro.
    business = BusinessFactory()
    old = MonthlyRecordFactory(business=business, period=dt.date(2022, 1, 1), sales=10**7)
    for month in range(1, 13):
        MonthlyRecordFactory(business=business, period=dt.date(2024, month, 1), sales=70_000)
    assert business_refresh_size_classes() == 1
    assert Business.objects.get(pk=business.pk).size_class == SizeClass.SMALL

    UITValue.objects.filter(year=2024).update(value=6000)
    business_refresh_size_classes()
    assert Business.objects.get(pk=business.pk).size_class == SizeClass.MICRO
    assert old.sales == 10**7  # the old month is outside the window and did not count


@pytest.mark.django_db
def test_a_business_without_records_is_unknown():
    business = BusinessFactory()
    business_refresh_size_classes()
    assert Business.objects.get(pk=business.pk).size_class == SizeClass.UNKNOWN
