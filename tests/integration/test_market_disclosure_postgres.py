"""Disclosure control of the market statistics on PostgreSQL: the attacks of the security issue
(padding through the partner API, subtraction by an advisor, a withheld sector's complement)
run against the real database, whose queries (the untrusted businesses' subqueries, the
region's records) differ from SQLite's."""

import pytest

from tests.unit.api.conftest import partner_a as partner_a  # the fixture
from tests.unit.businesses import test_disclosure as attacks

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def test_padding_through_the_partner_api(partner_a):
    attacks.test_padding_through_the_partner_api(partner_a)


def test_subtraction_by_an_advisor(client, advisor, other_advisor):
    attacks.test_subtraction_by_an_advisor_on_the_market_page(client, advisor, other_advisor)


def test_the_complement_of_a_withheld_sector():
    attacks.test_the_complement_of_a_withheld_sector_is_withheld_too()
