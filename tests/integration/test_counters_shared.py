"""core.counters on the production stores: Redis (the cache here) and, when Redis is not there
or does not answer, PostgreSQL — one atomic upsert (issue 19, item 3)."""

import pytest
from django.core.cache import cache

from core import counters
from core.counters import counter_hit, counter_read
from core.models import RateCounter


@pytest.mark.django_db
def test_counts_in_redis(settings):
    key = "integration-test-counter"
    cache.delete(counters._PREFIX + key)
    assert [counter_hit(key, window=30).count for _ in range(3)] == [1, 2, 3]
    read = counter_read(key)
    assert read.count == 3 and 0 < read.remaining <= 30
    assert not RateCounter.objects.exists()  # Redis answered: nothing in the database


@pytest.mark.django_db
def test_counts_in_postgres_with_windows(monkeypatch):
    monkeypatch.setattr(counters, "_redis", lambda: None)
    start = 1_800_000_000.0
    hits = [counter_hit("k", window=60, now=start + i).count for i in range(3)]
    assert hits == [1, 2, 3]
    assert counter_read("k", now=start + 30).count == 3
    renewed = counter_hit("k", window=60, now=start + 61)
    assert (renewed.count, renewed.remaining) == (1, pytest.approx(60))
