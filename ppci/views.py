"""Views of the project itself, not of the case book."""

import logging
import uuid

from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

logger = logging.getLogger("ppci.health")


def database_answers():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        logger.exception("Health check: the database does not answer")
        return False


def cache_answers():
    key, token = "health:probe", uuid.uuid4().hex
    try:
        cache.set(key, token, timeout=10)
        return cache.get(key) == token
    except Exception:
        logger.exception("Health check: the cache does not answer")
        return False


@never_cache
def health(request):
    """For load balancers: "ok"; "degraded" (200) when only the cache fails, since pages are
    then served uncached; "down" (503) when the database fails."""
    checks = {
        "database": "ok" if database_answers() else "down",
        "cache": "ok" if cache_answers() else "down",
    }
    if checks["database"] == "down":
        status, code = "down", 503
    elif checks["cache"] == "down":
        status, code = "degraded", 200
    else:
        status, code = "ok", 200
    return JsonResponse({"status": status, **checks}, status=code)


@never_cache
def benchmark_ceiling(request):
    """The base template and nothing else: no database, never cached. Only routed when
    BENCHMARK_CEILING_VIEW is set, as the ceiling the benchmark compares pages with."""
    return render(request, "base.html", {})
