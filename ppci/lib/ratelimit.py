"""Counting a client's actions per hour: in the shared cache, and in the process while the
cache cannot be reached (a limit per worker is looser, but never none)."""

import threading
import time

from django.core.cache import cache

_local = {}
_lock = threading.Lock()


def _cache_available():
    return getattr(cache, "available", True)


def _local_count(key, window, add):
    now = time.monotonic()
    with _lock:
        started, count = _local.get(key, (now, 0))
        if now - started >= window:
            started, count = now, 0
        count += add
        _local[key] = (started, count)
        if len(_local) > 10_000:  # forget the oldest clients rather than grow without end
            for stale in sorted(_local, key=lambda k: _local[k][0])[:5_000]:
                del _local[stale]
        return count


def current(key, window=3600):
    """How many times ``key`` was counted in the window."""
    value = cache.get(key)
    if value is None and not _cache_available():
        return _local_count(key, window, 0)
    return value or 0


def count(key, window=3600):
    """Count one more for ``key``."""
    cache.add(key, 0, timeout=window)
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=window)
    if not _cache_available():
        _local_count(key, window, 1)


class HourlyLimit:
    """At most ``per_hour`` accepted actions of one kind (``name``) per client key."""

    def __init__(self, name, per_hour):
        self.name = name
        self.per_hour = per_hour

    def reached(self, key):
        return current(f"{self.name}:{key}") >= self.per_hour

    def count(self, key):
        count(f"{self.name}:{key}")
