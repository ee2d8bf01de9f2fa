"""Counting events per key over a fixed window, in a store every process shares.

The cache when it is shared by processes (Redis: ``REDIS_URL``), else the database
(:class:`core.models.RateCounter`): a per-process memory cache would let each gunicorn worker
count on its own, multiplying the limit by the number of workers. Used for the password-reset
mail (``portal.forms.LimitedPasswordResetForm``).
"""

from __future__ import annotations

import datetime as dt
import hashlib

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

_PROCESS_LOCAL_CACHES = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
)


def _cache_is_shared() -> bool:
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    return backend not in _PROCESS_LOCAL_CACHES


def rate_key(scope: str, value: str) -> str:
    """A short key for ``value`` (an address, an id) that keeps no personal data in the store."""
    return f"rate:{scope}:{hashlib.sha256(value.encode()).hexdigest()[:32]}"


def rate_hit(*, key: str, limit: int, window: int) -> bool:
    """Count one event under ``key``; whether it is within ``limit`` events per ``window``
    seconds (the window starts at the first event)."""
    if _cache_is_shared():
        cache.add(key, 0, window)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, window)
            count = 1
        return count <= limit
    return _database_hit(key=key, limit=limit, window=window)


def _database_hit(*, key: str, limit: int, window: int) -> bool:
    from core.models import RateCounter

    now = timezone.now()
    with transaction.atomic():
        RateCounter.objects.filter(expires_at__lte=now).exclude(key=key).delete()
        counter, created = RateCounter.objects.select_for_update().get_or_create(
            key=key, defaults={"count": 1, "expires_at": now + dt.timedelta(seconds=window)}
        )
        if not created:
            if counter.expires_at <= now:
                counter.count = 1
                counter.expires_at = now + dt.timedelta(seconds=window)
            else:
                counter.count += 1
            counter.save(update_fields=["count", "expires_at"])
    return counter.count <= limit
