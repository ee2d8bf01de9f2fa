"""core.counters (shared fixed-window counters) and core.client_address (whose address)."""

import datetime as dt

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory
from django.utils import timezone
from redis.exceptions import ConnectionError as RedisConnectionError

from core import counters
from core.client_address import client_address
from core.counters import counter_hit, counter_read
from core.models import RateCounter


def test_a_window_counts_hits_until_it_ends(db):
    start = timezone.now()
    assert counter_hit("k", window=60, now=start).count == 1
    second = counter_hit("k", window=60, now=start + dt.timedelta(seconds=10))
    assert second.count == 2
    assert second.remaining == pytest.approx(50)
    assert counter_read("k", now=start + dt.timedelta(seconds=59)).count == 2
    assert counter_read("k", now=start + dt.timedelta(seconds=61)).count == 0
    # the next hit starts a new window
    later = counter_hit("k", window=60, now=start + dt.timedelta(seconds=61))
    assert (later.count, later.remaining) == (1, pytest.approx(60))
    assert RateCounter.objects.filter(key="k").count() == 1
    assert counter_hit("other", window=60, now=start).count == 1


def test_expired_rows_are_deleted_lazily(db):
    start = timezone.now()
    counter_hit("old", window=1, now=start)
    counter_hit("new", window=60, now=start + dt.timedelta(hours=2))
    assert not RateCounter.objects.filter(key="old").exists()


class _DeadRedis:
    def make_and_validate_key(self, key):
        return key

    @property
    def _cache(self):
        raise RedisConnectionError("Connection refused")


def test_with_redis_down_counting_goes_on_in_the_database(db, monkeypatch):
    monkeypatch.setattr(counters, "_redis", lambda: _DeadRedis())
    assert [counter_hit("k", window=60).count for _ in range(3)] == [1, 2, 3]
    assert RateCounter.objects.get(key="k").count == 3


def _request(remote: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_forwarded_for_is_ignored_without_trusted_proxies(settings):
    settings.TRUSTED_PROXIES = []
    assert client_address(_request("192.0.2.1", "198.51.100.1")) == "192.0.2.1"


def test_forwarded_for_is_ignored_from_an_untrusted_address(settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    assert client_address(_request("192.0.2.1", "198.51.100.1")) == "192.0.2.1"


@pytest.mark.parametrize(
    ("forwarded", "client"),
    [
        ("198.51.100.1", "198.51.100.1"),
        ("6.6.6.6, 198.51.100.1", "198.51.100.1"),  # the left part is the client's own claim
        ("198.51.100.1, 10.1.2.3", "198.51.100.1"),  # two proxies of ours
        ("not-an-address, 10.1.2.3", "10.1.2.3"),
        ("", "127.0.0.1"),
        (None, "127.0.0.1"),
        ("2001:db8::1", "2001:db8::1"),
    ],
)
def test_behind_trusted_proxies_the_first_untrusted_hop_from_the_right(settings, forwarded, client):
    settings.TRUSTED_PROXIES = ["127.0.0.1", "10.0.0.0/8"]
    assert client_address(_request("127.0.0.1", forwarded)) == client


def test_a_bad_trusted_proxy_names_itself(settings):
    settings.TRUSTED_PROXIES = ["nginx"]
    with pytest.raises(ImproperlyConfigured, match="'nginx'"):
        client_address(_request("127.0.0.1", "198.51.100.1"))
