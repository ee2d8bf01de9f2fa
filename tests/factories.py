"""factory_boy factories for the registry."""

import datetime as dt
import random
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from businesses.models import Business, MonthlyRecord
from businesses.validators import ruc_check_digit


def valid_ruc(n: int, prefix: str = "20") -> str:
    body = f"{prefix}{n:08d}"
    return body + str(ruc_check_digit(body))


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.pe")
    password = factory.django.Password("clave-segura-123")


class BusinessFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Business

    ruc = factory.Sequence(lambda n: valid_ruc(10_000 + n))
    legal_name = factory.Sequence(lambda n: f"Comercial Andina {n} S.A.C.")
    trade_name = factory.Sequence(lambda n: f"Bodega {n}")
    sector_id = "47"
    region_id = "15"
    ubigeo = factory.LazyAttribute(lambda b: f"{b.region_id}0101")
    founded = dt.date(2015, 3, 1)
    employees = 3


class MonthlyRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MonthlyRecord

    business = factory.SubFactory(BusinessFactory)
    period = dt.date(2024, 1, 1)
    sales = factory.LazyFunction(lambda: Decimal(random.randint(5_000, 20_000)))
    costs = factory.LazyAttribute(lambda r: (r.sales * Decimal("0.7")).quantize(Decimal("0.01")))
    employees = 3
    satisfaction = "medium"
