import pytest
from django.db import connection
from django.urls import reverse

from casebook.models import Initiative
from casebook.search import matching, parse
from tests.factories import make_city, make_initiative, make_partner

pytestmark = pytest.mark.django_db

LIST = "/es/initiatives/"


@pytest.fixture
def cases():
    medellin = make_city(slug="medellin", name_es="Medellín", name_en="Medellín", country="CO")
    sao_paulo = make_city(slug="sao-paulo", name_es="São Paulo", name_en="São Paulo", country="BR")
    insurer = make_partner(
        slug="sulamerica", name_es="SulAmérica", name_en="SulAmérica", kind="national-company"
    )
    return {
        "agency": make_initiative(
            slug="agency",
            title_es="Agencia de innovación",
            title_en="Innovation agency",
            summary_es="Una agencia que abre oportunidades a los jóvenes de barrios pobres.",
            summary_en="An agency that opens opportunities to young people from poor areas.",
            city=medellin,
            country="CO",
        ),
        "squares": make_initiative(
            slug="squares",
            title_es="Plazas de paz",
            title_en="Peace squares",
            summary_es="Ocupación pacífica de los espacios públicos por la comunidad.",
            summary_en="Peaceful use of public spaces by the community.",
            lessons_learned_es="La movilización sostiene el compromiso de un joven líder.",
            city=sao_paulo,
            country="BR",
            partners=[insurer],
        ),
        "club": make_initiative(
            slug="club",
            title_es="Tarjeta roja",
            title_en="Red card",
            summary_es="Un club de fútbol lleva el mensaje contra las armas blancas.",
            summary_en="A football club carries the message against knife crime.",
            description_en="Launched in Bromley, south London.",
            country="GB",
        ),
        "draft": make_initiative(
            slug="draft-agency",
            title_es="Agencia en borrador",
            summary_es="Borrador sobre Medellín.",
            status="draft",
            city=medellin,
            country="CO",
        ),
    }


def found(text):
    return set(matching(Initiative.objects.published(), text).values_list("slug", flat=True))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("medellin", {"agency"}),
        ("MEDELLÍN", {"agency"}),
        ("sao paulo", {"squares"}),
        ("São Paulo", {"squares"}),
        ("sulamerica", {"squares"}),  # partner name
        ("Colombia", {"agency"}),  # country name, Spanish
        ("Brazil", {"squares"}),  # country name, English
        ("bromley", {"club"}),  # description
        ("movilización", {"squares"}),  # lessons learned
        ("football club", {"club"}),  # English text, both words
        ('"football club"', {"club"}),  # a quoted phrase
        ('"club football"', set()),  # the phrase in another order
        ("fútbol -armas", set()),
        ("paz or innovación", {"agency", "squares"}),
        ("agencia -innovacion", set()),
    ],
)
def test_it_finds_initiatives_in_either_language_without_accents(cases, text, expected):
    assert found(text) == expected


def test_it_never_finds_a_draft(cases, client):
    assert "draft-agency" not in found("agencia")
    response = client.get(LIST, {"q": "borrador"})
    assert response.context["page"].paginator.count == 0
    assert "Agencia en borrador" not in response.content.decode()


def test_it_matches_spanish_and_english_word_forms(cases):
    assert found("jóvenes") >= {"agency", "squares"}  # “joven” in the lessons of squares
    assert found("squares") == {"squares"}
    assert found("crimes") == {"club"}  # English stem of “crime”


@pytest.mark.skipif(connection.vendor != "sqlite", reason="prefix matching is SQLite's")
def test_it_finds_by_the_start_of_a_word_on_sqlite(cases):
    assert found("innova") == {"agency"}
    assert found("movili") == {"squares"}


def test_it_ranks_and_highlights_on_the_page(cases, client):
    response = client.get(LIST, {"q": "medellin"})
    assert response.status_code == 200
    assert [i.slug for i in response.context["initiatives"]] == ["agency"]
    assert "1 iniciativa" in response.content.decode() or "1 initiative" in (
        response.content.decode()
    )


def test_it_marks_the_matching_words_in_the_snippet(cases, client):
    response = client.get("/en/initiatives/", {"q": "young"})
    html = response.content.decode()
    assert "<mark>young</mark>" in html


@pytest.mark.parametrize(
    "text",
    [
        "'; DROP TABLE casebook_initiative; --",
        '"unclosed phrase',
        "-",
        "or or or",
        'NEAR("a" "b") AND * ^',
        "<script>alert(1)</script>",
        "\x00\x01 medellin",
        "   ",
    ],
)
def test_it_survives_any_query(cases, client, text):
    response = client.get(LIST, {"q": text})
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.content.decode()
    assert Initiative.objects.count() == 4


def test_it_reads_web_search_syntax():
    assert parse('jóvenes "espacio público" -armas or paz') == [
        ("term", ["jóvenes"], False),
        ("phrase", ["espacio", "público"], False),
        ("term", ["armas"], True),
        "or",
        ("term", ["paz"], False),
    ]


def test_it_keeps_the_search_in_step_when_a_partner_is_renamed(cases):
    partner = cases["squares"].partners.get()
    partner.name_es = partner.name_en = "Aseguradora Ejemplar"
    partner.save()
    assert found("ejemplar") == {"squares"}
    assert found("sulamerica") == set()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="ts_headline is PostgreSQL's")
def test_it_marks_word_forms_in_the_snippet_on_postgresql(cases, client):
    html = client.get("/es/initiatives/", {"q": "joven"}).content.decode()
    assert "<mark>jóvenes</mark>" in html


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite rebuilds tables it alters")
@pytest.mark.django_db(transaction=True)
def test_it_finds_a_new_word_after_a_migration_rebuilt_the_initiatives_table():
    from django.core.management import call_command

    make_initiative(slug="before", summary_es="Antes de la reconstrucción.")
    # What SQLite does to a table a migration alters: a new table, copied, renamed; the
    # triggers that fed the search index go with the old one.
    with connection.schema_editor(atomic=False) as editor:
        editor._remake_table(Initiative)
    call_command("migrate", verbosity=0)

    make_initiative(slug="after", summary_es="Una zanahoria después de reconstruir la tabla.")

    assert found("zanahoria") == {"after"}
    assert found("reconstrucción") == {"before"}


def test_a_query_without_a_word_of_two_letters_is_refused_with_a_message(client, cases):
    for query in ("a", "a b c", "*", "-"):
        response = client.get("/en/initiatives/", {"q": query})
        assert response.status_code == 200
        assert response.context["initiatives"] == []
        assert any("two letters" in str(problem) for problem in response.context["problems"])
    # A common word of two letters still answers.
    response = client.get("/en/initiatives/", {"q": "de"})
    assert not any("two letters" in str(p) for p in response.context["problems"])


def test_a_ranked_search_matches_and_ranks_in_one_pass(client, cases):
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = client.get(LIST, {"q": "agencia"})
    assert [i.slug for i in response.context["initiatives"]] == ["agency"]
    statements = [query["sql"] for query in queries]
    if connection.vendor == "sqlite":
        # One FTS5 statement matches and scores; the count, the facets and the page read
        # its results instead of matching again (or once per row).
        assert len([sql for sql in statements if " MATCH " in sql]) == 1
        assert len([sql for sql in statements if "bm25(" in sql]) == 1
    else:
        # One statement matches through the GIN index and ranks; the count, the facets and
        # the page read its table.
        assert len([sql for sql in statements if "ts_rank" in sql]) == 1
        assert len([sql for sql in statements if "@@" in sql]) == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner settings")
def test_only_the_ranking_pass_gets_parallel_workers(client, cases, settings):
    """The statement that ranks every match may use parallel workers; the connection's
    other statements, the next request's included, keep its own setting (none). (The list
    as the database answers it, for staff; from the index, the case book's nine cases are
    ranked by key.)"""
    from django.test.utils import CaptureQueriesContext

    settings.SEARCH_PARALLEL_WORKERS = 2
    settings.LIST_INDEX = False

    def workers():
        with connection.cursor() as cursor:
            cursor.execute("SHOW max_parallel_workers_per_gather")
            return cursor.fetchone()[0]

    assert workers() == "0"
    with CaptureQueriesContext(connection) as queries:
        response = client.get(LIST, {"q": "agencia"})
    assert [i.slug for i in response.context["initiatives"]] == ["agency"]
    statements = [query["sql"] for query in queries]
    ranking = next(n for n, sql in enumerate(statements) if "ts_rank" in sql)
    assert statements[ranking - 1] == "SET max_parallel_workers_per_gather = 2"
    assert statements[ranking + 1] == "RESET max_parallel_workers_per_gather"
    assert workers() == "0"


TEMPORARY_TABLES = {
    "postgresql": (
        "SELECT relname FROM pg_class WHERE relpersistence = 't' AND relname LIKE 'ppci%%'"
    ),
    "sqlite": "SELECT name FROM sqlite_temp_master WHERE type = 'table' AND name LIKE 'ppci%%'",
}


def test_a_search_leaves_no_table_behind_on_a_kept_connection(client, cases):
    def temporary_tables():
        with connection.cursor() as cursor:
            cursor.execute(TEMPORARY_TABLES[connection.vendor])
            return [row[0] for row in cursor.fetchall()]

    for query in ("agencia", "seguro", "agencia", "innovación"):
        response = client.get(LIST, {"q": query, "scale": "city"})
        assert response.status_code == 200
        assert temporary_tables() == []
    response = client.get(reverse("casebook:export-csv"), {"q": "agencia"})
    rows = b"".join(response.streaming_content).decode().splitlines()
    assert len(rows) == 2  # the header and the one match, read after the view returned
    assert temporary_tables() == []  # the test client closed the response once it was read


def test_the_facets_count_without_searching_once_per_facet(client, cases):
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = client.get(LIST, {"q": "agencia", "scale": "city", "sector": "private"})
    assert response.status_code == 200
    match = " MATCH " if connection.vendor == "sqlite" else "@@"
    # Each facet used to search (and filter) again inside one statement; the search is now
    # read from the pass over the filters, and no statement searches more than once.
    assert max(query["sql"].count(match) for query in queries) == 1


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's ranking table")
@pytest.mark.django_db(transaction=True)
def test_a_search_after_the_connection_was_closed_finds_its_table_again(client, cases):
    assert [i.slug for i in client.get(LIST, {"q": "agencia"}).context["initiatives"]] == ["agency"]
    connection.close()  # as the end of a request does once the connection is CONN_MAX_AGE old
    response = client.get(LIST, {"q": "agencia"})
    assert [i.slug for i in response.context["initiatives"]] == ["agency"]
