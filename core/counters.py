"""Counters shared by every process of the site: failed API keys per client, requests per key.

A counter counts hits in a fixed window that starts with its first hit. It lives in Redis when
the cache is Redis (one atomic round trip), and in the database (:class:`core.models.RateCounter`)
when there is no Redis or while Redis does not answer — never in one process's memory, where
each gunicorn worker would count on its own and a limit would be multiplied by their number.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

_PREFIX = "counter:"
_KEEP_EXPIRED = dt.timedelta(hours=1)  # expired rows are deleted after this, lazily
_LOG_EVERY_SECONDS = 60.0
_last_logged = 0.0


@dataclass(frozen=True)
class Count:
    """Hits counted in the current window, and seconds until that window ends."""

    count: int
    remaining: float


def _redis() -> RedisCache | None:
    backend = caches["default"]
    return backend if isinstance(backend, RedisCache) else None


def _redis_failed(error: Exception) -> None:
    global _last_logged
    now = time.monotonic()
    if now - _last_logged > _LOG_EVERY_SECONDS:
        _last_logged = now
        logger.warning("counters: Redis unavailable (%s); counting in the database", error)


def _redis_pipeline(backend: RedisCache, key: str):
    name = backend.make_and_validate_key(_PREFIX + key)
    return name, backend._cache.get_client(name, write=True).pipeline(transaction=True)


def counter_hit(key: str, *, window: int, now: dt.datetime | None = None) -> Count:
    """Count one hit on ``key``; a new window of ``window`` seconds starts when there is none."""
    backend = _redis()
    if backend is not None:
        try:
            name, pipe = _redis_pipeline(backend, key)
            pipe.set(name, 0, ex=window, nx=True)
            pipe.incr(name)
            pipe.pttl(name)
            _created, count, pttl = pipe.execute()
            return Count(int(count), max(int(pttl), 0) / 1000)
        except RedisError as error:
            _redis_failed(error)
    return _db_hit(key, window=window, now=now or timezone.now())


def counter_read(key: str, *, now: dt.datetime | None = None) -> Count:
    """The hits on ``key`` in its current window (0 when there is none)."""
    backend = _redis()
    if backend is not None:
        try:
            name, pipe = _redis_pipeline(backend, key)
            pipe.get(name)
            pipe.pttl(name)
            value, pttl = pipe.execute()
            return Count(int(value or 0), max(int(pttl), 0) / 1000)
        except RedisError as error:
            _redis_failed(error)
    return _db_read(key, now=now or timezone.now())


def _db_read(key: str, *, now: dt.datetime) -> Count:
    from core.models import RateCounter

    row = RateCounter.objects.filter(key=key, expires_at__gt=now).values_list("count", "expires_at")
    for count, expires_at in row:
        return Count(count, (expires_at - now).total_seconds())
    return Count(0, 0.0)


def _db_hit(key: str, *, window: int, now: dt.datetime) -> Count:
    from core.models import RateCounter

    expires_at = now + dt.timedelta(seconds=window)
    for _attempt in range(3):
        try:
            with transaction.atomic():
                current = RateCounter.objects.filter(key=key, expires_at__gt=now)
                if current.update(count=F("count") + 1):
                    break
                # none, or an expired window: start a new one (guarded, so two processes that
                # both saw it expire do not both reset it)
                expired = RateCounter.objects.filter(key=key, expires_at__lte=now)
                if expired.update(count=1, expires_at=expires_at):
                    break
                RateCounter.objects.create(key=key, count=1, expires_at=expires_at)
                RateCounter.objects.filter(expires_at__lt=now - _KEEP_EXPIRED).delete()
                break
        except IntegrityError:  # another process created it meanwhile: count on that row
            continue
    return _db_read(key, now=now)
