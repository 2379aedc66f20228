"""Views of the project itself, not of the case book."""

from django.shortcuts import render
from django.views.decorators.cache import never_cache


@never_cache
def benchmark_ceiling(request):
    """The base template and nothing else: no database, never cached. Only routed when
    BENCHMARK_CEILING_VIEW is set, as the ceiling the benchmark compares pages with."""
    return render(request, "base.html", {})
