"""A visitor's first visit of each kind of page costs a fixed number of queries, whatever
the size of the case book: what is kept for the whole case book (the vocabularies, the
list's index) is warm, as on a server that has run for a while, and nothing is kept for the
address asked (each is new). Pinned at two sizes of the case book, on both databases."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from casebook import way_on
from casebook.models import Initiative
from ppci.lib.pagecache import cache_is_shared
from tests.support import compiled_models

pytestmark = pytest.mark.django_db

SIZES = [12, 120]


@pytest.fixture(params=SIZES, ids=lambda size: f"{size}-initiatives")
def demo(request, casebook):
    call_command("generate_demo_data", initiatives=request.param, seed=3, verbosity=0)
    return request.param


def first_visit(client, warm, address):
    """The queries of ``address``, asked for the first time, after ``warm`` (another
    address of the same kind) has warmed what is kept for the whole case book."""
    assert client.get(warm).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        response = client.get(address)
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code == 200, address
    return [query["sql"] for query in queries]


def a_published(skip=0):
    return Initiative.objects.published().order_by("pk")[skip]


# Whether a change is owed to a shared cache (Redis) is asked once per request (see
# ppci.lib.pagecache); a cache in the process's memory owes nothing.
DEBT = 1 if cache_is_shared() else 0
# The list: the page's rows (1) and their themes (1); a search asks for its matches once (1).
LIST_QUERIES = DEBT + 2
SEARCH_QUERIES = 1


def three_filters_of(initiative):
    """Three filters that the demo ``initiative`` passes: the list has something to show."""
    theme = initiative.themes.order_by("order").first().slug
    return f"theme={theme}&country={initiative.country}&scale={initiative.scale}"


@pytest.mark.parametrize(
    "address",
    [
        lambda: "/es/initiatives/?sort=-year&page=2",
        lambda: f"/en/initiatives/?{three_filters_of(a_published(1))}",
        lambda: f"/es/initiatives/?{three_filters_of(a_published(2))}&sort=title",
    ],
    ids=["a sort and a page", "three filters", "three filters and a sort"],
)
def test_a_first_visit_of_a_filtered_list(client, demo, address):
    queries = first_visit(client, "/es/initiatives/?theme=messaging", address())
    assert len(queries) == LIST_QUERIES, queries
    # The page's initiatives are read by their keys and put in order as they arrive: sorted
    # by the database, SQLite walks the whole case book along its title index to find them.
    (rows,) = [sql for sql in queries if sql.startswith('SELECT "casebook_initiative"."id"')]
    assert "ORDER BY" not in rows, rows


def a_city():
    """The city of a published demo initiative: a filter that leaves few."""
    return Initiative.objects.published().filter(is_demo=True).order_by("pk")[0].city.slug


# A search needed for at most this many initiatives is asked by their keys, one statement;
# above it, the matches of its words are read from the search index. Set below the larger
# size here, so that both ways are pinned.
BY_KEY_BELOW = 50


@pytest.mark.parametrize(
    ("address", "statements"),
    [
        # Ranked, with no filter to leave anything out: every match ranked at once.
        (lambda: "/es/initiatives/?q=violencia", {"by key": 1, "from the index": 1}),
        # Not ranked: only which initiatives match.
        (
            lambda: "/en/initiatives/?q=youth+community&theme=education&sort=-updated",
            {"by key": 1, "from the index": 1},
        ),
        # Ranked within a filter that leaves few: the matches, then the few ranked by key.
        (
            lambda: f"/es/initiatives/?q=de&city={a_city()}&sort=relevance",
            {"by key": 1, "from the index": 2},
        ),
    ],
    ids=["ranked", "not ranked", "ranked within a filter"],
)
def test_a_first_visit_of_a_search(client, demo, address, statements, monkeypatch):
    monkeypatch.setattr("casebook.listindex._ASK_BY_KEY", BY_KEY_BELOW)
    published = Initiative.objects.published().count()
    way = "by key" if published <= BY_KEY_BELOW else "from the index"
    queries = first_visit(client, "/es/initiatives/?q=empleo", address())
    assert len(queries) == LIST_QUERIES + statements[way], queries


@pytest.mark.parametrize(
    "address",
    [
        "/es/initiatives/?q=medelin&theme=education&sector=public&scale=city&sort=relevance",
        "/en/initiatives/?q=youht+comunity&kind=ngo&scale=city&sector=private&page=2",
    ],
    ids=["a misspelt city", "two misspelt words"],
)
def test_an_empty_list_asks_each_other_search_once(client, demo, address):
    """An empty list tries a few other searches and counts what dropping each filter would
    give: each other search is asked once, and the counts come from the index. (The words
    that other searches are drawn from are kept for the whole case book, per language: an
    empty search in each language reads them first.)"""
    for language in ("es", "en"):
        assert client.get(f"/{language}/initiatives/?q=zzyzx").status_code == 200
    with CaptureQueriesContext(connection) as queries:
        response = client.get(address)
    assert response.context["page"].paginator.count == 0
    # Each filter's dropping is counted (and offered only where it finds something).
    assert response.context["way_on"]["total"] > 0
    # The search itself (at most 2: its matches, then the ranks of those the filters
    # leave), and each other search tried, once; nothing for the filters to drop.
    most = DEBT + 2 + way_on.MAX_TRIED
    assert most <= 12
    assert len(queries) <= most, "\n".join(query["sql"][:150] for query in queries)


# A case's page: the case with the keys of its themes, issues and ways of funding (1; the
# terms themselves are kept for the whole case book), its partnerships with their partners
# (1), figures with their sources (1), sources (1), and its related cases' names and places
# (1), scored from the index. PostgreSQL takes the first four in one round trip.
DETAIL_QUERIES = DEBT + (2 if connection.vendor == "postgresql" else 5)


@pytest.mark.parametrize("language", ["es", "en"])
def test_a_first_visit_of_a_case(client, demo, language):
    case = Initiative.objects.published().filter(is_demo=True).order_by("pk").last()
    with translation.override(language):  # the terms are kept per language
        warm = a_published(0).get_absolute_url()
    queries = first_visit(client, warm, f"/{language}/initiatives/{case.slug}/")
    assert len(queries) == DETAIL_QUERIES, queries
    # The related cases are read by key and put in order as they arrive (see above).
    assert "ORDER BY" not in queries[-1], queries[-1]
    if connection.vendor == "sqlite":
        # By key: not through the index of every published case's status and country.
        assert looks_up(queries[-1]) == {"casebook_initiative": "INTEGER PRIMARY KEY"}


def test_a_case_page_compiles_none_of_its_queries(client, demo, monkeypatch):
    """The case and its partnerships, figures and sources, and its related cases' names, are
    read with SQL compiled once (``ppci.lib.prepared``): compiling them again for each page
    took longer than running them."""
    first, second = Initiative.objects.published().filter(is_demo=True).order_by("pk")[:2]
    assert client.get(first.get_absolute_url()).status_code == 200
    compiled = compiled_models(monkeypatch)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(second.get_absolute_url()).status_code == 200
    assert len(queries) == DETAIL_QUERIES
    # Nor whether the shared cache is owed a change, asked on every request.
    assert compiled == [], compiled


def looks_up(sql):
    """How SQLite reads the initiatives' table in ``sql``: by which index, or every row."""
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
        steps = [row[-1] for row in cursor.fetchall()]
    found = {}
    for step in steps:
        words = step.split()
        if words[0] in ("SEARCH", "SCAN") and words[1] == "casebook_initiative":
            found[words[1]] = " ".join(words[3:6]) if "USING" in words else "every row"
    return found


# An export: the keys of the list, in its order (1); one query for all of them per table it
# reads, however many they are: the initiatives with their themes, fundings and issues, their
# partners (2), and for the JSON their figures and sources (2); the vocabularies it names (3);
# on PostgreSQL, more working memory while it sends the tables' queries, and back (2).
WORKING_MEMORY = 2 if connection.vendor == "postgresql" else 0
EXPORT_QUERIES = {
    "export.csv": DEBT + 1 + 2 + 3 + WORKING_MEMORY,
    "export.json": DEBT + 1 + 4 + 3 + WORKING_MEMORY,
}


@pytest.mark.parametrize("export", ["export.csv", "export.json"])
def test_a_full_export_makes_the_same_queries_for_few_initiatives_and_many(
    client, casebook, export, monkeypatch
):
    # Rows read and sent a few at a time, so that the larger case book spans several chunks:
    # a query per chunk of rows would show.
    monkeypatch.setattr("casebook.exports.CHUNK", 25)
    monkeypatch.setattr("casebook.exports.PIECE", 1000)
    counted = []
    for size in SIZES:
        call_command("generate_demo_data", initiatives=size, seed=3, verbosity=0)
        queries = first_visit(
            client, f"/en/initiatives/{export}?theme=education", f"/es/initiatives/{export}"
        )
        assert len(queries) == EXPORT_QUERIES[export], queries
        counted.append(len(queries))
    assert Initiative.objects.published().count() > 4 * 25
    assert counted[0] == counted[1]
