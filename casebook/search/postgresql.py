"""Search on PostgreSQL: full-text search with Spanish and English stemming.

An unaccented Spanish and an unaccented English text search configuration, a stored
generated column ``search_vector`` with both vectors of ``Initiative.search_document`` (so
that ranking and rechecks read it instead of parsing the text again) and a GIN index on it.
The column lives outside Django's model state, like the index: it is PostgreSQL's own.
"""

import contextlib

from django.conf import settings
from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
)
from django.db import DatabaseError, connections
from django.db.models import F, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, NullIf
from django.utils.translation import get_language

from . import ranks
from .syntax import clean_query, positive_words

MARK_START, MARK_END = "\ue000", "\ue001"
VECTOR_COLUMN = "search_vector"
INDEX = "initiative_search_vector_idx"
MATCHES_FUNCTION = "ppci_search_matches"


def names():
    from casebook.models import Initiative

    meta = Initiative._meta
    return {"table": meta.db_table, "document": meta.get_field("search_document").column}


def setup_statements():
    n = names()
    table, document = n["table"], n["document"]
    vector = (
        f"(to_tsvector('ppci_es'::regconfig, {document}) "
        f"|| to_tsvector('ppci_en'::regconfig, {document}))"
    )
    return [
        "CREATE EXTENSION IF NOT EXISTS unaccent",
        """
        DO $$
        BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'ppci_es') THEN
                CREATE TEXT SEARCH CONFIGURATION ppci_es (COPY = spanish);
                ALTER TEXT SEARCH CONFIGURATION ppci_es
                    ALTER MAPPING FOR hword, hword_part, word WITH unaccent, spanish_stem;
            END IF;
            IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'ppci_en') THEN
                CREATE TEXT SEARCH CONFIGURATION ppci_en (COPY = english);
                ALTER TEXT SEARCH CONFIGURATION ppci_en
                    ALTER MAPPING FOR hword, hword_part, word WITH unaccent, english_stem;
            END IF;
        END
        $$
        """,
        f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {VECTOR_COLUMN} tsvector "
        f"GENERATED ALWAYS AS ({vector}) STORED",
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON {table} USING gin ({VECTOR_COLUMN})",
        # The keys of the matches, from the GIN index. For a word in nearly every
        # initiative the planner prefers testing row by row, reading and unpacking each
        # row's vector (43 ms at 10,000 initiatives); the index knows the matches without
        # the vectors (12 ms). The function's own setting holds only while it runs.
        f"""
        CREATE OR REPLACE FUNCTION {MATCHES_FUNCTION}(query tsquery) RETURNS SETOF bigint
        LANGUAGE sql STABLE SET enable_seqscan = off
        AS $$ SELECT id FROM {table} WHERE {VECTOR_COLUMN} @@ query $$
        """,
        # The first index was on the expression; the column replaces it.
        "DROP INDEX IF EXISTS initiative_search_idx",
        # The planner prices a tsvector match like an integer comparison, and so prefers a
        # sequential scan that decompresses every row's vector (60 ms at 10,000 initiatives)
        # to the GIN index (2 ms). The true price sets it right. It needs ownership of the
        # function (a superuser); without it, search still works, only slower at scale.
        """
        DO $$
        BEGIN
            ALTER FUNCTION ts_match_vq(tsvector, tsquery) COST 100;
        EXCEPTION WHEN insufficient_privilege THEN
            RAISE NOTICE 'ts_match_vq keeps its cost: not allowed to change it';
        END
        $$
        """,
    ]


def teardown_statements():
    return [
        f"DROP FUNCTION IF EXISTS {MATCHES_FUNCTION}(tsquery)",
        "DROP INDEX IF EXISTS initiative_search_idx",
        f"ALTER TABLE {names()['table']} DROP COLUMN IF EXISTS {VECTOR_COLUMN}",
    ]


def missing_parts(connection):
    n = names()
    missing = []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM information_schema.columns WHERE table_name = %s AND column_name = %s",
            [n["table"], VECTOR_COLUMN],
        )
        if not cursor.fetchone():
            missing.append(f"{n['table']}.{VECTOR_COLUMN}")
        cursor.execute("SELECT 1 FROM pg_proc WHERE proname = %s", [MATCHES_FUNCTION])
        if not cursor.fetchone():
            missing.append(f"{MATCHES_FUNCTION}()")
    return missing


def _query(text):
    text = clean_query(text)
    return SearchQuery(text, search_type="websearch", config="ppci_es") | SearchQuery(
        text, search_type="websearch", config="ppci_en"
    )


# The query of ``_query`` as SQL, for the ranking pass.
QUERY_SQL = (
    "(websearch_to_tsquery('ppci_es'::regconfig, %s) "
    "|| websearch_to_tsquery('ppci_en'::regconfig, %s))"
)


def _fill(text):
    def make(connection, table):
        n = names()
        workers = int(settings.SEARCH_PARALLEL_WORKERS)
        with connection.cursor() as cursor:
            if workers:
                # Ranking a common word reads and scores every initiative's vector: the one
                # statement of a request that is worth parallel workers (a page's others,
                # short, are not: see PG_OPTIONS). Only CREATE TABLE AS may use them.
                cursor.execute(f"SET max_parallel_workers_per_gather = {workers}")
            try:
                cursor.execute(
                    f"CREATE TEMPORARY TABLE {table} AS SELECT initiative.id AS id, "
                    f"ts_rank(initiative.{VECTOR_COLUMN}, query.q) AS score "
                    f"FROM {n['table']} AS initiative, (SELECT {QUERY_SQL} AS q) AS query "
                    f"WHERE initiative.{VECTOR_COLUMN} @@ query.q",
                    [text, text],
                )
            finally:
                if workers:
                    # Back to the connection's own setting (its startup options'); in a
                    # failed transaction this fails, and the transaction's end undoes the SET.
                    with contextlib.suppress(DatabaseError):
                        cursor.execute("RESET max_parallel_workers_per_gather")
            cursor.execute(f"ALTER TABLE {table} ADD PRIMARY KEY (id)")

    return make


def ranks_table(connection, text):
    """One pass of the GIN index over the query: every match with its ``ts_rank`` (see
    ``ranks``), dropped when the request finishes."""
    text = clean_query(text)
    return ranks.remembered(connection, text, _fill(text))


def match_scores(connection, text, scored=True, among=None):
    """Every match with its ``ts_rank``, as the ranking table holds them, without the table,
    in one statement. With ``among`` (keys), only the matches among those, each tested and
    ranked by itself: ranking reads and unpacks each match's vector, which is worth it for
    the few a filter leaves, not for every initiative a common word is in. Unless
    ``scored``, the matches alone (scored 0), from the GIN index."""
    text = clean_query(text)
    n = names()
    with connection.cursor() as cursor:
        if not scored and among is None:
            cursor.execute(
                f"SELECT id, 0.0 FROM {MATCHES_FUNCTION}({QUERY_SQL}) AS id", [text, text]
            )
            return cursor.fetchall()
        rank = f"ts_rank(initiative.{VECTOR_COLUMN}, query.q)" if scored else "0.0"
        sql = (
            f"SELECT initiative.id, {rank} "
            f"FROM {n['table']} AS initiative, (SELECT {QUERY_SQL} AS q) AS query "
            f"WHERE initiative.{VECTOR_COLUMN} @@ query.q"
        )
        if among is None:
            cursor.execute(sql, [text, text])
        else:
            cursor.execute(f"{sql} AND initiative.id = ANY(%s)", [text, text, list(among)])
        return cursor.fetchall()


def matching(queryset, text):
    table = ranks_table(connections[queryset.db], text)
    return queryset.filter(pk__in=RawSQL(f"SELECT id FROM {table}", []))


def ranked(queryset, text):
    table = ranks_table(connections[queryset.db], text)
    return ranks.by_relevance(queryset, table)


def with_snippets(queryset, text):
    """Mark the matches in the summary with ts_headline (stems included)."""
    if not positive_words(text):
        return queryset
    language = "en" if get_language() == "en" else "es"
    summary = Coalesce(NullIf(F(f"summary_{language}"), Value("")), F("summary_es"))
    return queryset.annotate(
        search_headline=SearchHeadline(
            summary,
            _query(text),
            config=f"ppci_{language}",
            start_sel=MARK_START,
            stop_sel=MARK_END,
            max_words=45,
            min_words=20,
            max_fragments=2,
        )
    )
