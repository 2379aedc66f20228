"""A ``Server-Timing`` header on every response, for measuring the portal (``SERVER_TIMING``).

    Server-Timing: db;dur=3.2;desc="7 queries", app;dur=11.0, memo;desc="0 per-address hits"

- ``db``: the SQL statements the request ran on every database connection, and their total
  time in milliseconds;
- ``app``: the time spent in the middleware below this one and the view, in milliseconds;
- ``memo``: how many values kept for one address (``pagecache.PER_ADDRESS_PREFIXES``: the
  facet counts of one combination of filters, one initiative's related cases) answered the
  request. A first visit of an address has none.

A streaming response (the exports) gets what is known when its headers are sent: the
statements run while its body is streamed are not counted.

Off by default: the header tells anyone how much work a page costs. Browsers show it in their
developer tools; ``bench/benchmark.py`` reads it.
"""

import time
from contextlib import ExitStack, contextmanager, suppress

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.db import connections

from . import pagecache


class QueryCounter:
    """An execute wrapper that counts statements and adds up their time."""

    def __init__(self):
        self.count = 0
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.count += 1
            self.seconds += time.perf_counter() - started


@contextmanager
def execute_wrapper(connection, wrapper):
    """``connection.execute_wrapper(wrapper)``, but taken off by identity rather than as the
    last one: a wrapper added meanwhile stays (on SQLite, the statement deadline of
    ``ppci.lib.timeouts``, added when the request opens its connection)."""
    connection.execute_wrappers.append(wrapper)
    try:
        yield
    finally:
        with suppress(ValueError):
            connection.execute_wrappers.remove(wrapper)


class ServerTimingMiddleware:
    """Counts the request's queries, its time and its per-address memo hits into a header."""

    def __init__(self, get_response):
        if not settings.SERVER_TIMING:
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request):
        queries = QueryCounter()
        started = time.perf_counter()
        with ExitStack() as stack:
            for connection in connections.all():
                stack.enter_context(execute_wrapper(connection, queries))
            memo = stack.enter_context(pagecache.counting_per_address_hits())
            response = self.get_response(request)
        took = time.perf_counter() - started
        timing = (
            f'db;dur={queries.seconds * 1000:.1f};desc="{queries.count} queries", '
            f"app;dur={took * 1000:.1f}, "
            f'memo;desc="{memo.hits} per-address hits"'
        )
        if response.has_header("Server-Timing"):
            timing = f"{response['Server-Timing']}, {timing}"
        response["Server-Timing"] = timing
        return response
