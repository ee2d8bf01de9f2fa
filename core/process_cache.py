"""Values a process has read from the database, reused for a few seconds: the one mechanism
behind the API keys' and the support programmes' per-process copies.

A value is kept for as many seconds as its setting says (read on every call, so a test or an
operator can change it; 0 turns the copy off) and forgotten at once by :meth:`clear`, which the
owners connect to the saves of what the value was read from. Other processes read a change when
their copy is that old. Not Django's local-memory cache: it pickles every value on the way in
and out, which costs about what the query saved. Values are shared by the callers of a
process: they read them, never change them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Any

from django.conf import settings


class ProcessCache:
    """Values by key for ``settings.<seconds_setting>`` seconds, at most ``max_entries``."""

    def __init__(self, seconds_setting: str, *, max_entries: int = 1024) -> None:
        self.seconds_setting = seconds_setting
        self.max_entries = max_entries
        self._values: dict[Hashable, tuple[Any, float]] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, load: Callable[[], Any]) -> Any:
        """The value kept for ``key`` while it is fresh, else ``load()`` (kept unless None)."""
        seconds = getattr(settings, self.seconds_setting)
        kept = self._values.get(key)
        if kept is not None and time.monotonic() - kept[1] < seconds:
            return kept[0]
        value = load()
        if value is not None and seconds > 0:
            with self._lock:
                if len(self._values) >= self.max_entries:
                    self._values.clear()
                self._values[key] = (value, time.monotonic())
        return value

    def clear(self, **_signal_kwargs) -> None:
        """Forget every value (a receiver: what they were read from changed here)."""
        with self._lock:
            self._values.clear()
