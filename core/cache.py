"""A Redis cache that degrades instead of failing when Redis is down.

The cache holds only throttle counters, failed-API-key counters and short-lived memoised
figures — nothing a request cannot do without. With Django's plain RedisCache a stopped Redis
turns every API call (throttling reads the cache first) and every market page into a 500,
although PostgreSQL and the stored advice are fine. This backend logs the failure and answers
as an empty cache would: reads miss, writes are dropped, counters start again. Short socket
timeouts (settings) keep a dead Redis from holding a request for long.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

_LOG_EVERY_SECONDS = 60.0


class ResilientRedisCache(RedisCache):
    """RedisCache whose operations never raise because Redis is unreachable."""

    _last_logged = 0.0

    def _failed(self, operation: str, error: Exception, default: Any = None) -> Any:
        now = time.monotonic()
        if now - ResilientRedisCache._last_logged > _LOG_EVERY_SECONDS:
            ResilientRedisCache._last_logged = now
            logger.warning("cache unavailable (%s): %s; serving without it", operation, error)
        return default

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None) -> bool:
        try:
            return super().add(key, value, timeout, version)
        except RedisError as error:
            return self._failed("add", error, False)

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except RedisError as error:
            return self._failed("get", error, default)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None) -> None:
        try:
            super().set(key, value, timeout, version)
        except RedisError as error:
            self._failed("set", error)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None) -> bool:
        try:
            return super().touch(key, timeout, version)
        except RedisError as error:
            return self._failed("touch", error, False)

    def delete(self, key, version=None) -> bool:
        try:
            return super().delete(key, version)
        except RedisError as error:
            return self._failed("delete", error, False)

    def get_many(self, keys, version=None) -> dict:
        try:
            return super().get_many(keys, version)
        except RedisError as error:
            return self._failed("get_many", error, {})

    def has_key(self, key, version=None) -> bool:
        try:
            return super().has_key(key, version)
        except RedisError as error:
            return self._failed("has_key", error, False)

    def incr(self, key, delta=1, version=None):
        try:
            return super().incr(key, delta, version)
        except RedisError as error:
            return self._failed("incr", error, delta)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None) -> list:
        try:
            return super().set_many(data, timeout, version)
        except RedisError as error:
            return self._failed("set_many", error, [])

    def delete_many(self, keys, version=None) -> None:
        try:
            super().delete_many(keys, version)
        except RedisError as error:
            self._failed("delete_many", error)

    def clear(self) -> bool:
        try:
            return super().clear()
        except RedisError as error:
            return self._failed("clear", error, False)
