"""A Redis cache that may fail without the site failing.

Django's Redis backend raises on any error: refused, timed out, out of memory. Behind this
one, every error is logged and the call answers as a miss (``get`` gives the default, ``set``
and ``add`` keep nothing), so the page is served uncached. Short socket timeouts bound how
long a silent server can hold a request, and after a failure a breaker stops trying for
``BREAKER_SECONDS``, so that a down cache costs each request nothing at all.

While the cache is down, ``available`` is false: the page cache then owes the cache an
invalidation (see ``ppci.lib.pagecache``), and rate limits count in the process.
Functions registered with ``on_recovery`` run at the first success after a failure.
"""

import functools
import logging
import threading
import time

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.db import close_old_connections

logger = logging.getLogger("ppci.cache")

BREAKER_SECONDS = 5.0
_recovery_hooks = []


def on_recovery(function):
    """Run ``function(cache)`` at the first successful call after the cache failed."""
    _recovery_hooks.append(function)
    return function


class KeptClient(RedisCacheClient):
    """Django's client makes a new ``redis.Redis`` at every call, and redis-py fills a table
    of some 340 reply handlers in each: about a quarter of a millisecond, twice for a page
    served from the cache. One per connection pool is kept instead: a ``redis.Redis`` takes
    a connection from its pool for each command, so threads may share it."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params):
        options = params.setdefault("OPTIONS", {})
        options.setdefault("socket_connect_timeout", 0.25)
        options.setdefault("socket_timeout", 0.25)
        options.setdefault("retry_on_timeout", False)
        options.setdefault("health_check_interval", 0)
        self.breaker_seconds = float(options.pop("breaker_seconds", BREAKER_SECONDS))
        super().__init__(server, params)
        self._class = KeptClient
        self._state = _shared_state(self._servers[0] if self._servers else "")

    @property
    def available(self):
        return self._state["failed_at"] is None

    def _guarded(self, name, default, call):
        state = self._state
        failed_at = state["failed_at"]
        if failed_at is not None and time.monotonic() - failed_at < self.breaker_seconds:
            return default
        try:
            result = call()
        except Exception as error:  # any failure of the cache: never the request's
            with state["lock"]:
                first = state["failed_at"] is None
                state["failed_at"] = time.monotonic()
            log = logger.error if first else logger.warning
            log("Cache %s failed (%s: %s); serving without it.", name, type(error).__name__, error)
            if first:
                self._watch_for_recovery()
            return default
        if failed_at is not None and self._recovered(name):
            # The hooks may have changed what the call reads (the page cache moves its
            # generation on): ask again.
            return self._guarded(name, default, call)
        return result

    def _recovered(self, name):
        """Close the breaker after a success; run the recovery hooks if it was open."""
        state = self._state
        with state["lock"]:
            recovered = state["failed_at"] is not None
            state["failed_at"] = None
        if recovered:
            logger.warning("Cache answers again (%s).", name)
            for hook in _recovery_hooks:
                hook(self)
        return recovered

    def _watch_for_recovery(self):
        """Ask the cache every second until it answers, so that the recovery hooks run as
        soon as it is back, not only at this process's next request."""

        def probe():
            while self._state["failed_at"] is not None:
                time.sleep(1.0)
                try:
                    RedisCache.has_key(self, "ppci:probe")
                except Exception:
                    continue
                try:
                    self._recovered("probe")
                except Exception:
                    logger.exception("Cache recovery hooks failed")
                finally:
                    close_old_connections()

        threading.Thread(target=probe, name="cache-recovery-probe", daemon=True).start()

    def get(self, key, default=None, version=None):
        return self._guarded(
            "get", default, lambda: super(ResilientRedisCache, self).get(key, default, version)
        )

    def get_many(self, keys, version=None):
        return self._guarded(
            "get_many", {}, lambda: super(ResilientRedisCache, self).get_many(keys, version)
        )

    def has_key(self, key, version=None):
        return self._guarded(
            "has_key", False, lambda: super(ResilientRedisCache, self).has_key(key, version)
        )

    def set(self, key, value, timeout=None, version=None):
        return self._guarded(
            "set", None, lambda: super(ResilientRedisCache, self).set(key, value, timeout, version)
        )

    def add(self, key, value, timeout=None, version=None):
        return self._guarded(
            "add", False, lambda: super(ResilientRedisCache, self).add(key, value, timeout, version)
        )

    def set_many(self, data, timeout=None, version=None):
        return self._guarded(
            "set_many",
            list(data),
            lambda: super(ResilientRedisCache, self).set_many(data, timeout, version),
        )

    def touch(self, key, timeout=None, version=None):
        return self._guarded(
            "touch", False, lambda: super(ResilientRedisCache, self).touch(key, timeout, version)
        )

    def delete(self, key, version=None):
        return self._guarded(
            "delete", False, lambda: super(ResilientRedisCache, self).delete(key, version)
        )

    def delete_many(self, keys, version=None):
        return self._guarded(
            "delete_many", None, lambda: super(ResilientRedisCache, self).delete_many(keys, version)
        )

    def incr(self, key, delta=1, version=None):
        # A missing key, and a cache that cannot be reached, are Django's ValueError: the
        # caller sets the key instead (which, with the cache down, keeps nothing).
        result = self._guarded("incr", None, lambda: self._incr_or_none(key, delta, version))
        if result is None:
            raise ValueError(f"Key '{key}' not found")
        return result

    def _incr_or_none(self, key, delta, version):
        try:
            return super().incr(key, delta, version)
        except ValueError:
            return None

    def clear(self):
        return self._guarded("clear", None, lambda: super(ResilientRedisCache, self).clear())


@functools.cache
def _shared_state(server):
    """One breaker per Redis server and process: Django makes a cache object per thread."""
    return {"failed_at": None, "lock": threading.Lock()}
