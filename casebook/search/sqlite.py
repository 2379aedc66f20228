"""Search on SQLite: an FTS5 table over ``Initiative.search_document``, with diacritics
removed and prefix matching, kept in step by triggers.

SQLite rebuilds a table it alters and drops its triggers with it, so the index is made whole
after every ``migrate`` (see ``casebook.apps``) and checked: a missing trigger is an error.
"""

from django.db import connections
from django.db.models import FloatField, Value
from django.db.models.expressions import RawSQL

from . import ranks
from .syntax import fts5_expression

TRIGGER_EVENTS = ("insert", "delete", "update")


def names():
    """Table and columns, read off the model: the initiatives' table, its key and text
    columns, and the FTS5 table named after it."""
    from casebook.models import Initiative

    meta = Initiative._meta
    table = meta.db_table
    return {
        "table": table,
        "key": meta.pk.column,
        "document": meta.get_field("search_document").column,
        "fts": f"{table}_fts",
    }


def setup_statements():
    n = names()
    fts, table, key, document = n["fts"], n["table"], n["key"], n["document"]
    forget_old = (
        f"INSERT INTO {fts}({fts}, rowid, {document}) VALUES ('delete', old.{key}, old.{document})"
    )
    return [
        f"""CREATE VIRTUAL TABLE IF NOT EXISTS {fts} USING fts5(
            {document},
            content='{table}',
            content_rowid='{key}',
            tokenize="unicode61 remove_diacritics 2"
        )""",
        f"""CREATE TRIGGER IF NOT EXISTS {fts}_insert AFTER INSERT ON {table}
        BEGIN
            INSERT INTO {fts}(rowid, {document}) VALUES (new.{key}, new.{document});
        END""",
        f"""CREATE TRIGGER IF NOT EXISTS {fts}_delete AFTER DELETE ON {table}
        BEGIN
            {forget_old};
        END""",
        f"""CREATE TRIGGER IF NOT EXISTS {fts}_update AFTER UPDATE OF {document} ON {table}
        BEGIN
            {forget_old};
            INSERT INTO {fts}(rowid, {document}) VALUES (new.{key}, new.{document});
        END""",
        # Rebuilding is cheap and makes the index whole again after a table rebuild dropped
        # the triggers.
        f"INSERT INTO {fts}({fts}) VALUES ('rebuild')",
    ]


def teardown_statements():
    fts = names()["fts"]
    return [f"DROP TABLE IF EXISTS {fts}"] + [
        f"DROP TRIGGER IF EXISTS {fts}_{event}" for event in TRIGGER_EVENTS
    ]


def missing_parts(connection):
    """What of the index is not in the database: the FTS table or any of its triggers."""
    fts = names()["fts"]
    wanted = {fts, *(f"{fts}_{event}" for event in TRIGGER_EVENTS)}
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')")
        present = {row[0] for row in cursor.fetchall()}
    return sorted(wanted - present)


def _matching_keys(expression):
    n = names()
    return RawSQL(f"SELECT rowid FROM {n['fts']} WHERE {n['fts']} MATCH %s", [expression])


def _fill(expression):
    def make(connection, table):
        fts = names()["fts"]
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE TEMP TABLE {table} (id INTEGER PRIMARY KEY, score REAL)")
            cursor.execute(
                f"INSERT INTO temp.{table} SELECT rowid, -bm25({fts}) FROM {fts} "
                f"WHERE {fts} MATCH %s",
                [expression],
            )

    return make


def ranks_table(connection, expression):
    """One pass of FTS5 over the query: every match with its bm25 score (see ``ranks``).
    The table is remade whenever the content has changed."""
    return f"temp.{ranks.remembered(connection, expression, _fill(expression))}"


def matching(queryset, text):
    expression, only_negative = fts5_expression(text)
    if expression is None:
        return queryset.exclude(pk__in=_matching_keys(" OR ".join(only_negative)))
    table = ranks_table(connections[queryset.db], expression)
    return queryset.filter(pk__in=RawSQL(f"SELECT id FROM {table}", []))


def ranked(queryset, text):
    expression, _ = fts5_expression(text)
    if expression is None:
        return queryset.annotate(search_rank=Value(0.0, output_field=FloatField()))
    table = ranks_table(connections[queryset.db], expression)
    return ranks.by_relevance(queryset, table)


def with_snippets(queryset, text):
    """SQLite marks matches in Python (see ``snippet``)."""
    return queryset
