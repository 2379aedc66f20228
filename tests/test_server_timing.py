"""The Server-Timing header (SERVER_TIMING): each response's queries, time and per-address
memo hits, as bench/benchmark.py reads them."""

import re

import pytest
from django.db import connection
from django.http import HttpResponse
from django.test.utils import CaptureQueriesContext

from ppci.lib import pagecache
from ppci.lib.servertiming import ServerTimingMiddleware
from tests.factories import make_initiative, make_theme

pytestmark = pytest.mark.django_db

MIDDLEWARE = "ppci.lib.servertiming.ServerTimingMiddleware"
TIMING = re.compile(
    r'db;dur=(?P<db>[\d.]+);desc="(?P<queries>\d+) queries", app;dur=(?P<app>[\d.]+), '
    r'memo;desc="(?P<hits>\d+) per-address hits"'
)


@pytest.fixture
def server_timing(settings):
    """The middleware where the settings put it when SERVER_TIMING is on."""
    settings.SERVER_TIMING = True
    middleware = list(settings.MIDDLEWARE)
    place = middleware.index("whitenoise.middleware.WhiteNoiseMiddleware") + 1
    middleware.insert(place, MIDDLEWARE)
    settings.MIDDLEWARE = middleware


@pytest.fixture
def cases(db):
    trust = make_theme(slug="trust", name_en="Trust", name_es="Confianza")
    make_initiative(slug="one", title_en="Trusted case", themes=[trust])
    make_initiative(slug="two", title_en="Other case")


def timing_of(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        response.content  # noqa: B018 (read it all)
    assert response.status_code == 200
    match = TIMING.fullmatch(response["Server-Timing"])
    assert match, response["Server-Timing"]
    return match, len(queries)


def test_it_counts_the_queries_django_ran(client, server_timing, cases):
    timing, queries = timing_of(client, "/en/initiatives/?theme=trust&q=case")
    assert int(timing["queries"]) == queries > 0
    assert float(timing["app"]) >= float(timing["db"]) > 0


def test_it_counts_the_facet_counts_kept_for_a_combination_of_filters(
    client, server_timing, settings, cases
):
    # The list counting its facets in the database, which keeps the counts of each
    # combination of filters (an in-memory index of the whole list, where there is one,
    # keeps nothing per combination).
    settings.LIST_INDEX = False
    first, _ = timing_of(client, "/en/initiatives/?theme=trust&sort=title")
    again, _ = timing_of(client, "/es/initiatives/?theme=trust&sort=-year&page=2")
    other, _ = timing_of(client, "/en/initiatives/?theme=trust&q=case")
    assert int(first["hits"]) == 0
    assert int(again["hits"]) >= 1  # the same filters, another sort, page and language
    assert int(other["hits"]) == 0


def test_it_counts_the_related_cases_kept_for_an_initiative(client, server_timing, cases, settings):
    # Kept per initiative where the database scores them (without the list's index).
    settings.LIST_INDEX = False
    first, _ = timing_of(client, "/en/initiatives/one/")
    again, _ = timing_of(client, "/es/initiatives/one/")
    other, _ = timing_of(client, "/en/initiatives/two/")
    assert int(first["hits"]) == 0
    assert int(again["hits"]) >= 1
    assert int(other["hits"]) == 0


def test_only_values_kept_for_one_address_count():
    build = list
    with pagecache.counting_per_address_hits() as counter:
        for name in ("facets:a", "related:1:5", "vocabulary:public", "search-terms:es"):
            pagecache.remember(name, build, in_process=False)
            pagecache.remember(name, build, in_process=False)
        pagecache.remember("facets:b", build)
        pagecache.remember("facets:b", build)  # found in the process
    assert counter.hits == 3


def test_there_is_no_header_when_it_is_off(client, settings, cases):
    assert MIDDLEWARE not in settings.MIDDLEWARE  # SERVER_TIMING is off by default
    assert not client.get("/en/initiatives/").has_header("Server-Timing")
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, MIDDLEWARE]  # listed, but the setting off
    assert not client.get("/en/initiatives/").has_header("Server-Timing")


def test_it_leaves_a_wrapper_added_during_the_request(rf, settings):
    """On SQLite the statement deadline joins the connection's wrappers when a request opens
    the connection; the middleware takes off its own counter, not the last wrapper."""
    settings.SERVER_TIMING = True

    def deadline(execute, sql, params, many, context):
        return execute(sql, params, many, context)

    def view(request):
        connection.execute_wrappers.append(deadline)
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return HttpResponse("ok")

    before = list(connection.execute_wrappers)
    try:
        response = ServerTimingMiddleware(view)(rf.get("/"))
        assert TIMING.fullmatch(response["Server-Timing"])["queries"] == "1"
        assert connection.execute_wrappers == [*before, deadline]
    finally:
        connection.execute_wrappers[:] = before
