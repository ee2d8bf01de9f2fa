"""Counters shared by every process of the site: failed API keys per client, requests per key.

A counter counts hits in a fixed window that starts with its first hit. It lives in Redis when
the cache is Redis (one atomic round trip), and in the database (:class:`core.models.RateCounter`,
one atomic upsert) when there is no Redis or while Redis does not answer — never in one process's
memory, where each gunicorn worker would count on its own and a limit would be multiplied by
their number.
"""

from __future__ import annotations

import logging
import random
import time
from dataclasses import dataclass

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db import connection
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

_PREFIX = "counter:"
_KEEP_EXPIRED_SECONDS = 3600  # expired rows are deleted after this, now and then
_PURGE_CHANCE = 0.01
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


def counter_hit(key: str, *, window: int, now: float | None = None) -> Count:
    """Count one hit on ``key``; a new window of ``window`` seconds starts when there is none.
    ``now`` (Unix time) is for tests of the database store."""
    backend = _redis()
    if backend is not None and now is None:
        try:
            name, pipe = _redis_pipeline(backend, key)
            pipe.set(name, 0, ex=window, nx=True)
            pipe.incr(name)
            pipe.pttl(name)
            _created, count, pttl = pipe.execute()
            return Count(int(count), max(int(pttl), 0) / 1000)
        except RedisError as error:
            _redis_failed(error)
    return _db_hit(key, window=window, now=time.time() if now is None else now)


def counter_read(key: str, *, now: float | None = None) -> Count:
    """The hits on ``key`` in its current window (0 when there is none)."""
    backend = _redis()
    if backend is not None and now is None:
        try:
            name, pipe = _redis_pipeline(backend, key)
            pipe.get(name)
            pipe.pttl(name)
            value, pttl = pipe.execute()
            return Count(int(value or 0), max(int(pttl), 0) / 1000)
        except RedisError as error:
            _redis_failed(error)
    from core.models import RateCounter

    now = time.time() if now is None else now
    for count, expires in RateCounter.objects.filter(key=key, expires__gt=now).values_list(
        "count", "expires"
    ):
        return Count(count, expires - now)
    return Count(0, 0.0)


def counters_purge(*, now: float | None = None) -> int:
    """Delete the rows of windows that ended over an hour ago; returns how many."""
    from core.models import RateCounter

    now = time.time() if now is None else now
    deleted, _per_model = RateCounter.objects.filter(
        expires__lt=now - _KEEP_EXPIRED_SECONDS
    ).delete()
    return deleted


def _db_hit(key: str, *, window: int, now: float) -> Count:
    """One statement, atomic on SQLite and PostgreSQL alike: insert the key's row, or count on
    it, or start a new window on it if its window has ended."""
    from core.models import RateCounter

    table = connection.ops.quote_name(RateCounter._meta.db_table)
    key_, count, expires = (connection.ops.quote_name(c) for c in ("key", "count", "expires"))
    # identifiers from the model, quoted; every value is a parameter
    sql = (
        f"INSERT INTO {table} ({key_}, {count}, {expires}) VALUES (%s, 1, %s) "  # noqa: S608
        f"ON CONFLICT ({key_}) DO UPDATE SET "
        f"{count} = CASE WHEN {table}.{expires} > %s THEN {table}.{count} + 1 ELSE 1 END, "
        f"{expires} = CASE WHEN {table}.{expires} > %s THEN {table}.{expires} "
        f"ELSE excluded.{expires} END "
        f"RETURNING {count}, {expires}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [key, now + window, now, now])
        hits, ends = cursor.fetchone()
    if random.random() < _PURGE_CHANCE:  # housekeeping, not security
        counters_purge(now=now)
    return Count(int(hits), float(ends) - now)
